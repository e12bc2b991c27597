/**
 * Electron's DeskApiClient: the same channels over IPC, through the sandboxed preload, which
 * exposes `window.coverdesk` with one function per channel and `onEvent` (electron/preload).
 * Nothing crosses the context bridge typed, so answers and events are parsed here exactly as the
 * WebSocket transport parses its frames.
 */
import { deskChannels, type DeskAnswer, type DeskArgs, type DeskChannel, type DeskEventName, type DeskEvents, type DeskResult } from '@desk-api/contract';
import type { DeskConnection, DeskLinkStatus } from './desk-link';
import { DeskEventHub } from './event-hub';
import { deskFailure } from './websocket-client';
import { isRecord, parseDeskResult, parseEvent } from './wire-messages';

/** The preload's object as the page sees it: untyped functions behind the context bridge. */
export interface PreloadDeskApi {
  readonly onEvent: (event: DeskEventName, listener: (payload: unknown) => void) => () => void;
  readonly [channel: string]: unknown;
}

/** The preload's API if this page runs in CoverDesk's Electron window, null in a browser. */
export function findPreloadApi(scope: object): PreloadDeskApi | null {
  const candidate: unknown = Reflect.get(scope, 'coverdesk');
  if (!isRecord(candidate) || typeof candidate.onEvent !== 'function') return null;
  const onEvent = candidate.onEvent;
  return { ...candidate, onEvent: (event, listener) => onEvent(event, listener) };
}

const eventNames: readonly DeskEventName[] = ['replication.changed', 'sync.status', 'notification', 'device.scan', 'device.scan-error', 'devices.status'];
const openLink: DeskLinkStatus = { state: 'open', problem: null };

export class IpcDeskClient implements DeskConnection {
  private readonly events = new DeskEventHub();
  private readonly stops: (() => void)[];

  constructor(private readonly api: PreloadDeskApi) {
    this.stops = eventNames.map((name) =>
      api.onEvent(name, (payload) => {
        const event = parseEvent(name, payload);
        if (event) this.events.dispatch(event);
        else console.warn(`desk-api: dropped a malformed ${name} event`);
      }),
    );
  }

  async call<C extends DeskChannel>(channel: C, args: DeskArgs<C>): Promise<DeskAnswer<C>> {
    // The preload forwards answers untyped; their DeskResult shape is checked, their value trusted
    // to match the channel because the backend implements the same DeskApiHandlers.
    const settle = (result: DeskResult<unknown>): DeskAnswer<C> => result as DeskAnswer<C>;
    const invoke = this.api[channel];
    if (!(deskChannels as readonly string[]).includes(channel) || typeof invoke !== 'function') {
      return settle(
        deskFailure(
          'unknown-channel',
          `This desk window cannot reach ${channel}: the desk app and its screens are from different releases. Restart CoverDesk.`,
        ),
      );
    }
    try {
      const answer: unknown = await invoke(args);
      return settle(
        parseDeskResult(answer) ??
          deskFailure('invalid-answer', 'The desk backend sent an answer this window cannot read. Restart CoverDesk; if it persists, call IT support.'),
      );
    } catch {
      // IPC rejects when the desk backend's process is gone (it is restarted by the main process).
      return settle(deskFailure('desk-backend-unreachable', 'The desk service is restarting. Try again in a moment.'));
    }
  }

  on<E extends DeskEventName>(event: E, listener: (payload: DeskEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** IPC has no link to lose: the main process owns the connection to the backend process. */
  linkStatus(): DeskLinkStatus {
    return openLink;
  }

  onLinkStatus(): () => void {
    return () => undefined;
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
