import { EventEmitter } from 'node:events';
import pg from 'pg';

/**
 * Pokes desks to pull. The process that commits a change calls `changed()`: its own stream
 * subscribers hear at once, and on PostgreSQL one NOTIFY after the commit tells every other
 * process (at most one in flight; changes meanwhile fold into one more). Migration 010 explains
 * why the NOTIFY is no longer sent inside the committing transaction. A (re)started process
 * announces itself, so what a crashed process committed just before dying still reaches every
 * desk, and a process whose LISTEN connection dropped pokes its own desks when it is back. A poke
 * carries no data: the desk pulls and the checkpoint decides what it gets.
 */
export class ChangeNotifier {
  private readonly local = new EventEmitter();
  private listener: pg.Client | null = null;
  private isAnnouncing = false;
  private isAnnounceAgain = false;

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
    // Its own announcements come back on the same connection: those desks were poked already.
    client.on('notification', (message) => {
      if (message.processId !== (client as unknown as { processID: number | null }).processID) this.local.emit('changed');
    });
    client.on('error', () => {
      // The database went away: reconnect, and poke everyone since we may have missed changes.
      this.listener = null;
      setTimeout(() => void this.listen().then(() => this.local.emit('changed'), () => undefined), 1000).unref();
    });
    await client.connect();
    await client.query('LISTEN coverdesk_changed');
    this.listener = client;
  }

  /** A change committed in this process: poke its own desks now, and the other processes' by NOTIFY. */
  changed(): void {
    this.local.emit('changed');
    this.announce();
  }

  private announce(): void {
    const listener = this.listener;
    if (!listener) return;
    if (this.isAnnouncing) {
      this.isAnnounceAgain = true;
      return;
    }
    this.isAnnouncing = true;
    listener.query("SELECT pg_notify('coverdesk_changed', '')").catch(() => undefined).finally(() => {
      this.isAnnouncing = false;
      if (this.isAnnounceAgain) {
        this.isAnnounceAgain = false;
        this.announce();
      }
    });
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
