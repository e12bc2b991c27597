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
        from.on('data', (chunk) => {
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

  setOffline(isOffline: boolean): void {
    this.isOffline = isOffline;
    if (isOffline) for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.setOffline(true);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
