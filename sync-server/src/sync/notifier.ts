import { EventEmitter } from 'node:events';
import pg from 'pg';

/**
 * Pokes desks to pull. Every server process tells its own stream subscribers at once and, on
 * PostgreSQL, NOTIFYs the others (throttled), which LISTEN and poke theirs. A poke carries no
 * data: the desk pulls and the checkpoint decides what it gets.
 */
export class ChangeNotifier {
  private readonly local = new EventEmitter();
  private listener: pg.Client | null = null;
  private publisher: pg.Pool | null = null;
  private isNotifyQueued = false;

  constructor(private readonly connectionString: string | null) {
    this.local.setMaxListeners(0);
  }

  async start(): Promise<void> {
    if (!this.connectionString) return;
    this.publisher = new pg.Pool({ connectionString: this.connectionString, max: 1 });
    this.publisher.on('error', () => undefined);
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString! });
    client.on('notification', () => this.local.emit('changed'));
    client.on('error', () => {
      // The database went away: reconnect, and poke everyone since we may have missed changes.
      this.listener = null;
      setTimeout(() => void this.listen().then(() => this.local.emit('changed'), () => undefined), 1000).unref();
    });
    await client.connect();
    await client.query('LISTEN coverdesk_changed');
    this.listener = client;
  }

  changed(): void {
    this.local.emit('changed');
    if (!this.publisher || this.isNotifyQueued) return;
    this.isNotifyQueued = true;
    setTimeout(() => {
      this.isNotifyQueued = false;
      this.publisher?.query('NOTIFY coverdesk_changed').catch(() => undefined);
    }, 50).unref();
  }

  subscribe(listener: () => void): () => void {
    this.local.on('changed', listener);
    return () => this.local.off('changed', listener);
  }

  async stop(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    await this.publisher?.end().catch(() => undefined);
    this.listener = null;
    this.publisher = null;
  }
}
