import WebSocket from 'ws';
import type { DeskChannel, DeskResult } from '../../desk-api/contract';
import { deskApiPath, type WireToRenderer } from '../../desk-api/wire';

/**
 * For tests: one desk API connection in browser mode, opened as any client could open it (a page,
 * a second browser, a local process), with the headers given (e.g. `origin`).
 */
export interface DeskSocket {
  call(channel: DeskChannel, args: Record<string, unknown>): Promise<DeskResult<unknown>>;
  /** Every event received, in order. */
  readonly events: { readonly event: string; readonly payload: unknown }[];
  /** Resolves with the first event of that name received from now on (or already received after `since`). */
  nextEvent(event: string, since?: number): Promise<unknown>;
  close(): void;
}

/** Resolves after the backend's hello; rejects with `refused with HTTP <status>` when the upgrade is refused. */
export function openDeskSocket(deskUrl: string, headers: Record<string, string>): Promise<DeskSocket> {
  return new Promise((resolveConnect, rejectConnect) => {
    const ws = new WebSocket(`${deskUrl.replace(/^http/, 'ws')}${deskApiPath}`, { headers });
    const answers = new Map<number, (result: DeskResult<unknown>) => void>();
    const events: { event: string; payload: unknown }[] = [];
    const waiters = new Set<{ event: string; since: number; resolve: (payload: unknown) => void }>();
    let nextId = 1;
    const settleWaiters = () => {
      for (const waiter of waiters) {
        const found = events.slice(waiter.since).find((entry) => entry.event === waiter.event);
        if (found) {
          waiters.delete(waiter);
          waiter.resolve(found.payload);
        }
      }
    };
    ws.on('unexpected-response', (_request, response) => rejectConnect(new Error(`refused with HTTP ${response.statusCode}`)));
    ws.on('error', rejectConnect);
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as WireToRenderer;
      if (message.kind === 'hello') {
        resolveConnect({
          events,
          call: (channel, args) =>
            new Promise((resolveCall) => {
              const id = nextId++;
              answers.set(id, resolveCall);
              ws.send(JSON.stringify({ kind: 'call', id, channel, args }));
            }),
          nextEvent: (event, since = events.length) =>
            new Promise((resolveEvent) => {
              waiters.add({ event, since, resolve: resolveEvent });
              settleWaiters();
            }),
          close: () => ws.close(),
        });
      } else if (message.kind === 'answer') {
        answers.get(message.id)?.(message.result as DeskResult<unknown>);
        answers.delete(message.id);
      } else {
        events.push({ event: message.event, payload: message.payload });
        settleWaiters();
      }
    });
  });
}
