import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An HTTP-aware fault proxy on loopback: one per desk, in front of a pool of sync-server
 * processes (a load balancer that misbehaves). Unlike the TCP FaultProxy it understands requests,
 * so it can lose a request before the server sees it, lose the *answer* after the server applied
 * it, send a request twice to two servers at once, or deliver a stale copy long after newer
 * requests (reordering). The event stream (/sync/stream) is piped through untouched while the
 * desk is connected, so pokes keep flowing; cutting the desk off closes it like a pulled cable.
 */
export interface HttpFaultRates {
  /** Close the desk's connection without forwarding: the server never sees the request. */
  readonly dropRequest: number;
  /** Forward, let the server answer, then close the desk's connection: the answer is lost. */
  readonly dropResponse: number;
  /** Forward, then send the status, the headers and half the body, and cut: a torn answer. */
  readonly truncateResponse: number;
  /** Hold the request for up to maxDelayMs before forwarding. */
  readonly delay: number;
  readonly maxDelayMs: number;
  /** Forward a second copy at the same moment, to another server when there is one. */
  readonly duplicate: number;
  /** Forward a stale copy later (up to maxReplayDelayMs), after the desk's newer requests. */
  readonly replayLater: number;
  readonly maxReplayDelayMs: number;
}

export type OfflineMode = 'refuse' | 'reset' | 'close';

export const noFaults: HttpFaultRates = {
  dropRequest: 0,
  dropResponse: 0,
  truncateResponse: 0,
  delay: 0,
  maxDelayMs: 0,
  duplicate: 0,
  replayLater: 0,
  maxReplayDelayMs: 0,
};

export interface HttpFaultStats {
  requests: number;
  droppedRequests: number;
  droppedResponses: number;
  truncatedResponses: number;
  delayed: number;
  duplicated: number;
  replayed: number;
  refusedOffline: number;
  badGateway: number;
  streams: number;
}

interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Headers that describe one hop's connection, not the message: never forwarded. */
const hopHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopHeaders.has(name)) out[name] = value;
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HttpFaultProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  // Keep-alive to the servers, like a real balancer; a killed server's sockets just error out.
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private isOffline = false;
  private offlineMode: OfflineMode = 'reset';
  private reopening: Promise<void> = Promise.resolve();
  private rates: HttpFaultRates = noFaults;
  private isStopped = false;
  readonly stats: HttpFaultStats = {
    requests: 0,
    droppedRequests: 0,
    droppedResponses: 0,
    truncatedResponses: 0,
    delayed: 0,
    duplicated: 0,
    replayed: 0,
    refusedOffline: 0,
    badGateway: 0,
    streams: 0,
  };
  port = 0;

  /**
   * @param upstreams the ports of the servers behind the proxy, read at every request (servers
   *   come and go); a refused connection is retried on the next one, as a balancer would.
   */
  constructor(
    private readonly upstreams: () => readonly number[],
    private readonly random: () => number = Math.random,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listen on `port` (0: any free port; pass a stablePort() if you will use 'refuse' mode). */
  async start(port = 0): Promise<void> {
    await this.listen(port);
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response));
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      if (this.isOffline) {
        this.stats.refusedOffline += 1;
        this.note(`connection ${this.offlineMode === 'reset' ? 'reset' : 'closed'} (offline)`);
        this.cut(socket);
        return;
      }
      this.note(`connection from :${socket.remotePort ?? '?'}`);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    for (let attempt = 0; ; attempt += 1) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (error) {
        // Coming back on the same port: the old listener may take a moment to let go.
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
        await sleep(50);
      }
    }
    this.server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  setFaults(rates: HttpFaultRates): void {
    this.rates = rates;
  }

  /** Recent events, for explaining a stuck desk (a small ring buffer). */
  private readonly events: { at: number; what: string }[] = [];

  private note(what: string): void {
    this.events.push({ at: Date.now(), what });
    if (this.events.length > 400) this.events.splice(0, 100);
  }

  eventsSince(at: number): string[] {
    return this.events.filter((e) => e.at >= at).map((e) => `${new Date(e.at).toISOString().slice(17, 23)} ${e.what}`);
  }

  /**
   * Cut the desk off (every open connection, the event stream included, is cut) or reconnect it.
   * - 'refuse': nobody listens any more, connections are refused (the server or the cable is
   *   gone). Needs a port outside the ephemeral range (stablePort()) to come back safely.
   * - 'reset': connections are accepted and answered with a TCP reset.
   * - 'close': connections are accepted and closed at once without a word (FIN), like a balancer
   *   with no healthy backend.
   * Beware: Node 20's fetch can leave requests pending (until their own timeout) when a fresh
   * process's first connection is reset or closed like this (see tests/chaos/stuck-stream.test.ts).
   */
  setOffline(isOffline: boolean, mode: OfflineMode = 'reset'): Promise<void> {
    this.note(isOffline ? `offline (${mode})` : 'online');
    const wasRefusing = this.isOffline && this.offlineMode === 'refuse';
    this.isOffline = isOffline;
    if (isOffline) {
      this.offlineMode = mode;
      if (mode === 'refuse' && this.server && !wasRefusing) {
        this.server.close();
        this.server = null;
      }
      for (const socket of this.sockets) this.cut(socket);
      return Promise.resolve();
    }
    if (wasRefusing && !this.isStopped) {
      this.reopening = this.listen(this.port);
      return this.reopening;
    }
    return this.reopening;
  }

  private cut(socket: Socket): void {
    if (this.offlineMode === 'close') socket.destroy();
    else socket.resetAndDestroy();
  }

  get offline(): boolean {
    return this.isOffline;
  }

  async stop(): Promise<void> {
    await this.reopening.catch(() => undefined);
    this.isStopped = true;
    void this.setOffline(true);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.agent.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private chance(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }

  /** Requests in the proxy and what they are doing (diagnostics: what is stuck, and where). */
  private readonly inFlight = new Map<IncomingMessage, { path: string; since: number; stage: string }>();

  stuckRequests(olderThanMs: number): string[] {
    const now = Date.now();
    return [...this.inFlight.values()].filter((w) => now - w.since > olderThanMs).map((w) => `${w.path} ${w.stage} for ${now - w.since} ms`);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.note(`request ${request.method ?? '?'} ${(request.url ?? '').split('?')[0]} on :${request.socket.remotePort ?? '?'}`);
    const entry = { path: `${request.method ?? '?'} ${(request.url ?? '').split('?')[0]}`, since: Date.now(), stage: 'reading the request' };
    this.inFlight.set(request, entry);
    response.on('close', () => this.inFlight.delete(request));
    try {
      await this.serve(request, response, entry);
    } finally {
      if (entry.stage !== 'streaming') this.inFlight.delete(request);
    }
  }

  private async serve(request: IncomingMessage, response: ServerResponse, entry: { stage: string }): Promise<void> {
    this.stats.requests += 1;
    if (this.isOffline) {
      this.cut(request.socket);
      return;
    }
    if (request.method === 'GET' && request.url?.startsWith('/sync/stream')) {
      entry.stage = 'streaming';
      this.pipeStream(request, response);
      return;
    }
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer);
    } catch {
      return; // the desk went away while sending
    }
    const body = Buffer.concat(chunks);
    const rates = this.rates;
    if (this.chance(rates.dropRequest)) {
      this.stats.droppedRequests += 1;
      request.socket.destroy();
      return;
    }
    if (this.chance(rates.delay)) {
      entry.stage = 'delaying';
      this.stats.delayed += 1;
      await sleep(this.random() * rates.maxDelayMs);
      if (this.isOffline || request.socket.destroyed) return;
    }
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const headers = forwardable(request.headers);
    if (this.chance(rates.duplicate)) {
      this.stats.duplicated += 1;
      void this.forward(method, path, headers, body, 1).catch(() => undefined);
    }
    if (this.chance(rates.replayLater)) {
      this.stats.replayed += 1;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.isStopped) void this.forward(method, path, headers, body, 2).catch(() => undefined);
      }, this.random() * rates.maxReplayDelayMs);
      this.timers.add(timer);
    }
    let answer: UpstreamAnswer;
    entry.stage = 'waiting on a server';
    try {
      answer = await this.forward(method, path, headers, body, 0);
    } catch {
      // No server took the request, or one died while answering: what a balancer says then.
      this.stats.badGateway += 1;
      if (!response.headersSent && !request.socket.destroyed) {
        response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'bad-gateway', message: 'No sync server answered.' }));
      }
      return;
    }
    entry.stage = 'answering';
    if (this.chance(rates.dropResponse)) {
      this.stats.droppedResponses += 1;
      request.socket.destroy();
      return;
    }
    if (this.isOffline || request.socket.destroyed) return;
    if (answer.body.length > 1 && this.chance(rates.truncateResponse)) {
      this.stats.truncatedResponses += 1;
      // The headers still announce the full length: the desk reads half and then the cut.
      response.writeHead(answer.status, forwardable(answer.headers));
      response.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => request.socket.destroy());
      return;
    }
    response.writeHead(answer.status, forwardable(answer.headers)).end(answer.body);
  }

  /** Send one request to a server; `offset` spreads copies of the same request over servers. */
  private async forward(method: string, path: string, headers: Record<string, string | string[]>, body: Buffer, offset: number): Promise<UpstreamAnswer> {
    const ports = this.upstreams();
    if (ports.length === 0) throw new Error('no upstream');
    const first = Math.floor(this.random() * ports.length) + offset;
    let lastError: unknown = null;
    for (let attempt = 0; attempt < ports.length; attempt += 1) {
      const port = ports[(first + attempt) % ports.length]!;
      try {
        return await this.send(port, method, path, headers, body);
      } catch (error) {
        lastError = error;
        // Only a refused connection is safe to retry elsewhere: the server never saw the request.
        if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
      }
    }
    throw lastError;
  }

  private send(port: number, method: string, path: string, headers: Record<string, string | string[]>, body: Buffer): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: '127.0.0.1', port, method, path, headers: { ...headers, host: `127.0.0.1:${port}`, 'content-length': String(body.length) }, agent: this.agent },
        (incoming) => {
          const parts: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => parts.push(chunk));
          incoming.on('end', () => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: Buffer.concat(parts) }));
          incoming.on('error', reject);
          incoming.on('aborted', () => reject(new Error('upstream aborted')));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /** The event stream: piped as it comes, never delayed, duplicated or buffered. */
  private pipeStream(request: IncomingMessage, response: ServerResponse): void {
    this.stats.streams += 1;
    const ports = this.upstreams();
    const tryPort = (index: number): void => {
      if (index >= ports.length || this.isOffline) {
        if (!response.headersSent)
          response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'bad-gateway', message: 'No sync server answered.' }));
        return;
      }
      const port = ports[(Math.floor(this.random() * ports.length) + index) % ports.length]!;
      // The stream gets its own connection: a pooled socket must not be held open for minutes.
      const outgoing = httpRequest(
        { host: '127.0.0.1', port, method: 'GET', path: request.url, headers: { ...forwardable(request.headers), host: `127.0.0.1:${port}` }, agent: false },
        (incoming) => {
          response.writeHead(incoming.statusCode ?? 502, forwardable(incoming.headers));
          response.flushHeaders();
          incoming.on('data', (chunk: Buffer) => response.write(chunk));
          // The server died or closed the stream: end it for the desk too, so it reconnects.
          const end = () => response.destroy();
          incoming.on('end', end);
          incoming.on('aborted', end);
          incoming.on('error', end);
        },
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' && !response.headersSent) tryPort(index + 1);
        else response.destroy();
      });
      request.on('close', () => outgoing.destroy());
      outgoing.end();
    };
    tryPort(0);
  }
}
