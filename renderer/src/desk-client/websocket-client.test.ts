import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { deskApiVersion, type DeskEvents } from '@desk-api/contract';
import type { WireToBackend, WireToRenderer } from '@desk-api/wire';
import type { DeskLinkStatus } from './desk-link';
import { WebSocketDeskClient, type SocketFactory } from './websocket-client';

/** The browser's WebSocket is not in Node 20: the test adapts `ws` to the client's socket port. */
const nodeSocketFactory: SocketFactory = (url, handlers) => {
  const socket = new NodeWebSocket(url);
  socket.on('open', () => handlers.open());
  socket.on('message', (data) => handlers.message(data.toString()));
  socket.on('close', (code, reason) => handlers.close(code, reason.toString()));
  socket.on('error', () => handlers.error());
  return socket;
};

/**
 * The node socket factory, counting the sockets the client creates and the closes it is told of.
 * The client creates its next socket synchronously when a reconnect timer fires, so "it did not
 * reconnect" is a count of created sockets, not a quiet interval.
 */
function countingSockets(): { factory: SocketFactory; readonly created: number; readonly closed: number } {
  const counts = { created: 0, closed: 0 };
  return {
    factory: (url, handlers) => {
      counts.created += 1;
      return nodeSocketFactory(url, {
        ...handlers,
        close: (code, reason) => {
          counts.closed += 1;
          handlers.close(code, reason);
        },
      });
    },
    get created() {
      return counts.created;
    },
    get closed() {
      return counts.closed;
    },
  };
}

/**
 * No reconnect is coming: once every socket created has been closed (the close is what schedules a
 * reconnect), every timer the client could have set by then fires within maxDelayMs × 1.2 (its
 * largest jittered delay), and Node runs timers in order of expiry; a reconnect would then have
 * created a socket.
 */
async function expectNoReconnect(sockets: ReturnType<typeof countingSockets>, maxDelayMs: number): Promise<void> {
  await expect.poll(() => sockets.closed).toBe(sockets.created);
  await new Promise((resolve) => setImmediate(resolve));
  const created = sockets.created;
  await new Promise((resolve) => setTimeout(resolve, Math.ceil(maxDelayMs * 1.2) + 1));
  expect(sockets.created).toBe(created);
}

type Reply = (call: WireToBackend) => WireToRenderer | null;

/** A real WebSocket server speaking the wire format, scripted per test. */
class ScriptedDeskServer {
  readonly server: WebSocketServer;
  connections = 0;
  readonly calls: WireToBackend[] = [];
  reply: Reply = (call) => ({ kind: 'answer', id: call.id, result: { ok: true, value: { echo: call.channel } } });

  private constructor(
    server: WebSocketServer,
    readonly apiVersion: number,
  ) {
    this.server = server;
    server.on('connection', (socket) => {
      this.connections += 1;
      socket.send(JSON.stringify({ kind: 'hello', apiVersion: this.apiVersion } satisfies WireToRenderer));
      socket.on('message', (data) => {
        const call = JSON.parse(data.toString()) as WireToBackend;
        this.calls.push(call);
        const answer = this.reply(call);
        if (answer) socket.send(JSON.stringify(answer));
      });
    });
  }

  static async start(options: { port?: number; apiVersion?: number } = {}): Promise<ScriptedDeskServer> {
    const server = new WebSocketServer({ port: options.port ?? 0, host: '127.0.0.1', path: '/desk-api' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new ScriptedDeskServer(server, options.apiVersion ?? deskApiVersion);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/desk-api`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  broadcast(message: WireToRenderer | string): void {
    for (const socket of this.server.clients) socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  dropAllConnections(): void {
    for (const socket of this.server.clients) socket.terminate();
  }

  async stop(): Promise<void> {
    this.dropAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function waitForLink(client: WebSocketDeskClient, state: DeskLinkStatus['state']): Promise<DeskLinkStatus> {
  if (client.linkStatus().state === state) return Promise.resolve(client.linkStatus());
  return new Promise((resolve) => {
    const stop = client.onLinkStatus((status) => {
      if (status.state !== state) return;
      stop();
      resolve(status);
    });
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.useRealTimers();
});

async function startPair(
  options: { apiVersion?: number; client?: Partial<ConstructorParameters<typeof WebSocketDeskClient>[0]> } = {},
): Promise<{ backend: ScriptedDeskServer; client: WebSocketDeskClient }> {
  const backend = await ScriptedDeskServer.start({ apiVersion: options.apiVersion ?? deskApiVersion });
  cleanups.push(() => backend.stop());
  const client = new WebSocketDeskClient({
    url: backend.url,
    createSocket: nodeSocketFactory,
    initialDelayMs: 20,
    maxDelayMs: 100,
    random: () => 0.5,
    ...options.client,
  });
  cleanups.push(() => client.close());
  return { backend, client };
}

describe('WebSocketDeskClient', () => {
  it('sends calls in the wire format and resolves with the answer', async () => {
    const { backend, client } = await startPair();
    const answer = await client.call('cases.view', { caseId: 'case-1' });
    expect(answer).toEqual({ ok: true, value: { echo: 'cases.view' } });
    expect(backend.calls[0]).toMatchObject({ kind: 'call', channel: 'cases.view', args: { caseId: 'case-1' } });
    expect(client.linkStatus()).toEqual({ state: 'open', problem: null });
  });

  it('passes business errors through as results', async () => {
    const { backend, client } = await startPair();
    backend.reply = (call) => ({
      kind: 'answer',
      id: call.id,
      result: { ok: false, error: { code: 'case-already-active', message: 'Ramesh has an active case at HSP-A.' } },
    });
    expect(await client.call('cases.admit', { memberId: 'm', identityMethod: 'fingerprint' })).toEqual({
      ok: false,
      error: { code: 'case-already-active', message: 'Ramesh has an active case at HSP-A.' },
    });
  });

  it('turns an unreadable answer into an error instead of leaving the call hanging', async () => {
    const { backend, client } = await startPair();
    backend.reply = (call) => ({ kind: 'answer', id: call.id, result: { nonsense: true } });
    const answer = await client.call('sync.status', {});
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('invalid-answer');
  });

  it('delivers events to their listeners until unsubscribed, and drops malformed ones', async () => {
    const { backend, client } = await startPair();
    await waitForLink(client, 'open');
    const changes: DeskEvents['replication.changed'][] = [];
    const notifications: DeskEvents['notification'][] = [];
    const stop = client.on('replication.changed', (payload) => changes.push(payload));
    client.on('notification', (payload) => notifications.push(payload));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    backend.broadcast('not json');
    backend.broadcast({ kind: 'event', event: 'replication.changed', payload: { collections: ['cases', 'bookings'] } });
    backend.broadcast({ kind: 'event', event: 'notification', payload: { caseId: 'c1', title: 'Pre-auth approved', body: 'MG012A approved.' } });
    await client.call('sync.status', {}); // answers are ordered after the events on the same socket
    stop();
    backend.broadcast({ kind: 'event', event: 'replication.changed', payload: { collections: ['families'] } });
    await client.call('sync.status', {});
    expect(changes).toEqual([{ collections: ['cases', 'bookings'] }]);
    expect(notifications).toEqual([{ caseId: 'c1', title: 'Pre-auth approved', body: 'MG012A approved.' }]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('refuses a backend that speaks another API version, with a clear error, and does not retry', async () => {
    const sockets = countingSockets();
    const { backend, client } = await startPair({ apiVersion: deskApiVersion + 1, client: { createSocket: sockets.factory } });
    const status = await waitForLink(client, 'refused');
    expect(status.problem?.code).toBe('api-version-mismatch');
    expect(status.problem?.message).toContain(`version ${deskApiVersion + 1}`);
    const answer = await client.call('sync.status', {});
    expect(answer).toEqual({ ok: false, error: status.problem });
    await expectNoReconnect(sockets, 100);
    expect(sockets.created).toBe(1);
    expect(backend.connections).toBe(1);
    expect(backend.calls).toHaveLength(0);
  });

  it('fails calls in flight when the link drops, then reconnects and works again', async () => {
    const { backend, client } = await startPair();
    await waitForLink(client, 'open');
    backend.reply = () => null; // the backend never answers this one
    const inFlight = client.call('bookings.add', { caseId: 'c1', itemCode: 'X', description: 'x', quantity: 1, unitPrice: 100 });
    await vi.waitFor(() => expect(backend.calls).toHaveLength(1));
    const reconnected = waitForLink(client, 'reconnecting').then(() => waitForLink(client, 'open'));
    backend.dropAllConnections();
    const answer = await inFlight;
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.error.code).toBe('desk-backend-disconnected');
      expect(answer.error.message).toContain('may or may not have been applied');
    }
    await reconnected;
    backend.reply = (call) => ({ kind: 'answer', id: call.id, result: { ok: true, value: null } });
    expect(await client.call('sync.now', {})).toEqual({ ok: true, value: null });
    expect(backend.connections).toBe(2);
  });

  it('holds calls made while the backend is down and sends them when it is back', async () => {
    const first = await ScriptedDeskServer.start();
    const port = first.port;
    const client = new WebSocketDeskClient({
      url: first.url,
      createSocket: nodeSocketFactory,
      initialDelayMs: 20,
      maxDelayMs: 50,
      random: () => 0.5,
      connectWaitMs: 5_000,
    });
    cleanups.push(() => client.close());
    await waitForLink(client, 'open');
    await first.stop();
    await waitForLink(client, 'reconnecting');
    const waiting = client.call('session.current', {});
    const second = await ScriptedDeskServer.start({ port });
    cleanups.push(() => second.stop());
    expect(await waiting).toEqual({ ok: true, value: { echo: 'session.current' } });
    expect(first.calls).toHaveLength(0);
    expect(second.calls).toHaveLength(1);
  });

  it('gives up on a call when the backend stays unreachable', async () => {
    const client = new WebSocketDeskClient({
      url: 'ws://127.0.0.1:9/desk-api',
      createSocket: nodeSocketFactory,
      initialDelayMs: 10,
      maxDelayMs: 20,
      connectWaitMs: 100,
    });
    cleanups.push(() => client.close());
    const answer = await client.call('session.current', {});
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('desk-backend-unreachable');
  });

  it('times out a call the backend never answers', async () => {
    const { backend, client } = await startPair({ client: { answerTimeoutMs: 50 } });
    backend.reply = () => null;
    const answer = await client.call('sync.now', {});
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('desk-backend-timeout');
  });

  it('backs off exponentially up to the ceiling', () => {
    vi.useFakeTimers();
    const attempts: number[] = [];
    const closes: number[] = [];
    const factory: SocketFactory = (_url, handlers) => {
      attempts.push(Date.now());
      setTimeout(() => {
        closes.push(Date.now());
        handlers.close(1006, 'refused');
      }, 0);
      return { readyState: 3, send: () => undefined, close: () => undefined };
    };
    const client = new WebSocketDeskClient({ url: 'ws://desk/desk-api', createSocket: factory, initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 });
    vi.advanceTimersByTime(10_000);
    client.close();
    // The delay runs from each drop to the next attempt.
    const gaps = attempts.slice(1).map((time, index) => time - closes[index]!);
    expect(gaps.slice(0, 6)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('closes for good when asked', async () => {
    const sockets = countingSockets();
    const { backend, client } = await startPair({ client: { createSocket: sockets.factory } });
    await waitForLink(client, 'open');
    client.close();
    const answer = await client.call('sync.status', {});
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('desk-client-closed');
    await expectNoReconnect(sockets, 100);
    expect(sockets.created).toBe(1);
    expect(backend.connections).toBe(1);
  });
});
