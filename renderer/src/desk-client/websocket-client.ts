/**
 * Browser mode's DeskApiClient: the desk API's channels over one WebSocket (see wire.ts).
 *
 * - The backend's first message is a hello with its API version; a mismatch refuses the link for
 *   good (state 'refused') because retrying cannot fix a page and backend from different releases.
 * - A dropped link reconnects with exponential backoff. Calls sent on the dropped link fail at once
 *   with a DeskResult error: we cannot know whether the backend applied them, and the operator must
 *   be told rather than left waiting. Calls made while reconnecting wait (up to `connectWaitMs`)
 *   and are sent once the link is back, since they never left the page.
 * - Answers are results, never thrown errors, exactly like the Electron IPC transport.
 */
import {
  deskApiVersion,
  type DeskAnswer,
  type DeskArgs,
  type DeskChannel,
  type DeskError,
  type DeskEventName,
  type DeskEvents,
  type DeskResult,
} from '@desk-api/contract';
import type { WireToBackend } from '@desk-api/wire';
import type { DeskConnection, DeskLinkState, DeskLinkStatus } from './desk-link';
import { DeskEventHub } from './event-hub';
import { parseWireMessage, type ParsedMessage } from './wire-messages';

/** The few socket operations the client needs; the browser's WebSocket and `ws` both adapt to it. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface SocketHandlers {
  open(): void;
  message(data: unknown): void;
  close(code: number, reason: string): void;
  error(): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

const socketOpen = 1;

export const browserSocketFactory: SocketFactory = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.onopen = () => handlers.open();
  socket.onmessage = (event) => handlers.message(event.data);
  socket.onclose = (event) => handlers.close(event.code, event.reason);
  socket.onerror = () => handlers.error();
  return socket;
};

export interface WebSocketClientOptions {
  readonly url: string;
  readonly createSocket?: SocketFactory;
  /** First retry delay; doubles per failed attempt up to maxDelayMs. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** 0..1; spreads reconnects of many desks restarted together. Injected for deterministic tests. */
  readonly random?: () => number;
  /** How long a call waits for the link to come (back) up before failing. */
  readonly connectWaitMs?: number;
  /** How long a sent call waits for its answer. */
  readonly answerTimeoutMs?: number;
  /** How long an open socket may stay silent before its hello; then it is treated as dropped. */
  readonly helloTimeoutMs?: number;
}

type Settle = (result: DeskResult<unknown>) => void;

interface SentCall {
  readonly resolve: Settle;
  readonly timer: ReturnType<typeof setTimeout>;
}

interface WaitingCall {
  readonly message: WireToBackend;
  readonly resolve: Settle;
  readonly timer: ReturnType<typeof setTimeout>;
}

export function deskFailure(code: string, message: string): { readonly ok: false; readonly error: DeskError } {
  return { ok: false, error: { code, message } };
}

export class WebSocketDeskClient implements DeskConnection {
  private readonly createSocket: SocketFactory;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly connectWaitMs: number;
  private readonly answerTimeoutMs: number;
  private readonly helloTimeoutMs: number;

  private socket: SocketLike | null = null;
  private status: DeskLinkStatus = { state: 'connecting', problem: null };
  private failedAttempts = 0;
  private nextCallId = 1;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private helloTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly sent = new Map<number, SentCall>();
  private readonly waiting = new Set<WaitingCall>();
  private readonly events = new DeskEventHub();
  private readonly linkListeners = new Set<(status: DeskLinkStatus) => void>();

  constructor(private readonly options: WebSocketClientOptions) {
    this.createSocket = options.createSocket ?? browserSocketFactory;
    this.initialDelayMs = options.initialDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.random = options.random ?? Math.random;
    this.connectWaitMs = options.connectWaitMs ?? 10_000;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 60_000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 5_000;
    this.connect();
  }

  call<C extends DeskChannel>(channel: C, args: DeskArgs<C>): Promise<DeskAnswer<C>> {
    const message: WireToBackend = { kind: 'call', id: this.nextCallId++, channel, args };
    return new Promise<DeskAnswer<C>>((resolve) => {
      // The wire carries no types: the answer is trusted to match its channel because the backend
      // implements the same DeskApiHandlers. Its outer DeskResult shape was checked in parseWireMessage.
      const settle: Settle = (result) => resolve(result as DeskAnswer<C>);
      const refusal = this.refusalForCalls();
      if (refusal) {
        settle(refusal);
        return;
      }
      if (this.status.state === 'open') {
        this.send(message, settle);
        return;
      }
      const waiting: WaitingCall = {
        message,
        resolve: settle,
        timer: setTimeout(() => {
          this.waiting.delete(waiting);
          settle(
            deskFailure('desk-backend-unreachable', 'The desk backend is not reachable. Check that the CoverDesk desk service is running, then try again.'),
          );
        }, this.connectWaitMs),
      };
      this.waiting.add(waiting);
    });
  }

  on<E extends DeskEventName>(event: E, listener: (payload: DeskEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  linkStatus(): DeskLinkStatus {
    return this.status;
  }

  onLinkStatus(listener: (status: DeskLinkStatus) => void): () => void {
    this.linkListeners.add(listener);
    return () => {
      this.linkListeners.delete(listener);
    };
  }

  close(): void {
    if (this.status.state === 'closed') return;
    this.setStatus('closed', { code: 'desk-client-closed', message: 'This window closed its link to the desk backend.' });
    this.clearTimers();
    this.socket?.close(1000, 'closed by the page');
    this.socket = null;
    this.failEverything(deskFailure('desk-client-closed', 'This window closed its link to the desk backend.'));
  }

  private refusalForCalls(): DeskResult<unknown> | null {
    if (this.status.state !== 'refused' && this.status.state !== 'closed') return null;
    const problem = this.status.problem ?? { code: 'desk-client-closed', message: 'The link to the desk backend is closed.' };
    return { ok: false, error: problem };
  }

  private connect(): void {
    this.reconnectTimer = null;
    const handlers: SocketHandlers = {
      open: () => {
        // The link only counts as open after the hello: until then we do not know the backend's version.
        this.helloTimer = setTimeout(() => socket.close(4000, 'no hello'), this.helloTimeoutMs);
      },
      message: (data) => {
        if (this.socket !== socket) return;
        const message = parseWireMessage(data);
        if (message) this.receive(message, socket);
        else console.warn('desk-api: dropped a message that does not follow the wire format');
      },
      close: () => {
        if (this.socket !== socket) return;
        this.socket = null;
        this.linkDropped();
      },
      // An error is always followed by close, which does the work.
      error: () => undefined,
    };
    const socket = this.createSocket(this.options.url, handlers);
    this.socket = socket;
  }

  private receive(message: ParsedMessage, socket: SocketLike): void {
    switch (message.kind) {
      case 'hello':
        this.hello(message.apiVersion, socket);
        return;
      case 'answer': {
        const call = this.sent.get(message.id);
        if (!call) return; // already timed out or failed when the link dropped
        this.sent.delete(message.id);
        clearTimeout(call.timer);
        call.resolve(message.result);
        return;
      }
      case 'event':
        this.events.dispatch(message);
        return;
    }
  }

  private hello(apiVersion: number, socket: SocketLike): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null;
    if (apiVersion !== deskApiVersion) {
      const problem: DeskError = {
        code: 'api-version-mismatch',
        message: `This page speaks desk API version ${deskApiVersion} but the desk backend speaks version ${apiVersion}. Reload the page; if the message stays, the desk needs its update finished by IT support.`,
        details: { expected: deskApiVersion, received: apiVersion },
      };
      this.setStatus('refused', problem);
      this.socket = null;
      socket.close(4001, 'api version mismatch');
      this.failEverything({ ok: false, error: problem });
      return;
    }
    this.failedAttempts = 0;
    this.setStatus('open', null);
    for (const waiting of this.waiting) {
      clearTimeout(waiting.timer);
      this.send(waiting.message, waiting.resolve);
    }
    this.waiting.clear();
  }

  private send(message: WireToBackend, resolve: Settle): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== socketOpen) {
      resolve(deskFailure('desk-backend-disconnected', 'The link to the desk backend dropped. Try again in a moment.'));
      return;
    }
    const timer = setTimeout(() => {
      this.sent.delete(message.id);
      resolve(
        deskFailure('desk-backend-timeout', `The desk backend did not answer ${message.channel} in time. Check the case or list before repeating the action.`),
      );
    }, this.answerTimeoutMs);
    this.sent.set(message.id, { resolve, timer });
    socket.send(JSON.stringify(message));
  }

  private linkDropped(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null;
    if (this.status.state === 'refused' || this.status.state === 'closed') return;
    // Sent calls may or may not have been applied: say so instead of retrying them blindly.
    for (const [id, call] of this.sent) {
      clearTimeout(call.timer);
      call.resolve(
        deskFailure(
          'desk-backend-disconnected',
          'The link to the desk backend dropped before it answered. The action may or may not have been applied: check before repeating it.',
        ),
      );
      this.sent.delete(id);
    }
    this.setStatus('reconnecting', { code: 'desk-backend-disconnected', message: 'Reconnecting to the desk backend…' });
    const delay = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.failedAttempts) * (0.8 + 0.4 * this.random());
    this.failedAttempts += 1;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private failEverything(result: DeskResult<unknown>): void {
    for (const call of this.sent.values()) {
      clearTimeout(call.timer);
      call.resolve(result);
    }
    this.sent.clear();
    for (const waiting of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve(result);
    }
    this.waiting.clear();
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.reconnectTimer = null;
    this.helloTimer = null;
  }

  private setStatus(state: DeskLinkState, problem: DeskError | null): void {
    this.status = { state, problem };
    for (const listener of this.linkListeners) listener(this.status);
  }
}
