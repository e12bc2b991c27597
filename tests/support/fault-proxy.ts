import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback between a desk and the server, for cutting desks off. While offline it
 * refuses new connections and destroys open ones (a cable pulled); delays slow every chunk.
 */
export class FaultProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private isOffline = false;
  port = 0;
  /** Connections refused while offline. */
  refused = 0;
  /** Bytes relayed from the desk to the server (every connection), since the start or the last `countFromZero`. */
  sentToServer = 0;
  /** When set: once this many bytes have gone to the server, the rest of the chunk is dropped and the line goes offline. */
  private cutAt: number | null = null;

  constructor(
    private readonly targetPort: number,
    private readonly options: { delayMs?: () => number } = {},
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.isOffline) {
        this.refused += 1;
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client);
      this.sockets.add(upstream);
      const relay = (from: Socket, to: Socket) => {
        from.on('data', (chunk: Buffer) => {
          if (from === client) {
            if (this.isOffline) return;
            if (this.cutAt !== null && this.sentToServer + chunk.length >= this.cutAt) {
              // The cable is pulled mid-request: what went before reaches the server, nothing after.
              const part = chunk.subarray(0, this.cutAt - this.sentToServer);
              this.sentToServer += part.length;
              this.cutAt = null;
              if (!to.destroyed) to.write(part, () => setImmediate(() => this.setOffline(true)));
              else this.setOffline(true);
              return;
            }
            this.sentToServer += chunk.length;
          } else if (this.loseAnswer?.(chunk)) {
            // The server did it, its answer never arrives: the desk cannot tell it from a dropped request.
            this.loseAnswer = null;
            this.setOffline(true);
            return;
          }
          const delay = this.options.delayMs?.() ?? 0;
          if (delay > 0) {
            from.pause();
            setTimeout(() => {
              if (!to.destroyed) to.write(chunk);
              from.resume();
            }, delay);
          } else if (!to.destroyed) to.write(chunk);
        });
      };
      relay(client, upstream);
      relay(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** When set: the first answer chunk it matches is not delivered, and the line goes offline. */
  private loseAnswer: ((chunk: Buffer) => boolean) | null = null;

  /** Lose the next answer whose bytes match (e.g. an upload's final 200): the server acted, the desk never hears it. */
  loseAnswerMatching(matches: (chunk: Buffer) => boolean): void {
    this.loseAnswer = matches;
  }

  /** Go offline once `bytes` more bytes have been relayed to the server (a line dropped mid-upload). */
  cutAfter(bytes: number): void {
    this.cutAt = this.sentToServer + bytes;
  }

  /** Count bytes sent to the server from zero again. */
  countFromZero(): void {
    this.sentToServer = 0;
  }

  setOffline(isOffline: boolean): void {
    this.isOffline = isOffline;
    if (isOffline) for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.setOffline(true);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
