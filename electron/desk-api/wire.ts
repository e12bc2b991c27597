/**
 * Browser mode's transport for the desk API: JSON messages over one WebSocket
 * (ws://127.0.0.1:<port>/desk-api). Electron uses IPC instead; both carry the same channels.
 *
 * renderer → backend  { kind: 'call', id, channel, args }
 * backend → renderer  { kind: 'answer', id, result }         (result is a DeskResult)
 * backend → renderer  { kind: 'event', event, payload }      (DeskEvents)
 * backend → renderer  { kind: 'hello', apiVersion }          (first message; the renderer refuses a mismatch)
 */
import type { DeskChannel, DeskEventName, DeskEvents } from './contract';

export const deskApiPath = '/desk-api';

export type WireToBackend = { readonly kind: 'call'; readonly id: number; readonly channel: DeskChannel; readonly args: unknown };
export type WireToRenderer =
  | { readonly kind: 'hello'; readonly apiVersion: number }
  | { readonly kind: 'answer'; readonly id: number; readonly result: unknown }
  | { readonly [E in DeskEventName]: { readonly kind: 'event'; readonly event: E; readonly payload: DeskEvents[E] } }[DeskEventName];
