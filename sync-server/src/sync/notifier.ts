import { EventEmitter } from 'node:events';
import pg from 'pg';

/**
 * Pokes desks to pull. Every server process tells its own stream subscribers at once; on
 * PostgreSQL every process also LISTENs for the NOTIFY that migration 006's triggers send inside
 * each committing transaction (so no commit can go unannounced, whichever process made it and
 * whatever happens to that process afterwards). A poke carries no data: the desk pulls and the
 * checkpoint decides what it gets.
 */
export class ChangeNotifier {
  private readonly local = new EventEmitter();
  private listener: pg.Client | null = null;

  constructor(private readonly connectionString: string | null) {
    this.local.setMaxListeners(0);
  }

  async start(): Promise<void> {
    if (!this.connectionString) return;
    await this.listen();
    // A (re)started server announces itself: whatever it may have committed just before a crash
    // reaches every desk, whichever server holds that desk's stream.
    await this.listener?.query("SELECT pg_notify('coverdesk_changed', '')");
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

  /** A change committed in this process: poke its own desks now (the NOTIFY covers the others). */
  changed(): void {
    this.local.emit('changed');
  }

  subscribe(listener: () => void): () => void {
    this.local.on('changed', listener);
    return () => this.local.off('changed', listener);
  }

  async stop(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }
}
