import { EventEmitter } from 'node:events';
import pg from 'pg';
import { turnaroundStages, type TurnaroundStage } from '@domain/turnaround';

/** The channels: a change committed (no payload), and stages newly past their service level (the stages, comma-separated). */
const changedChannel = 'coverdesk_changed';
const breachedChannel = 'coverdesk_breached';

/** The stages named in a breach notification's payload; anything else in it is ignored. */
function stagesIn(payload: string | undefined): TurnaroundStage[] {
  return turnaroundStages.filter((stage) => (payload ?? '').split(',').includes(stage));
}

/** How this process hears the other processes' changes (reported by /health). */
export interface CrossProcessPokes {
  /** `local`: one process, no PostgreSQL LISTEN (PGlite); `listening`: connected; `reconnecting`: the LISTEN connection is down and being retried. */
  readonly state: 'local' | 'connecting' | 'listening' | 'reconnecting' | 'stopped';
  /** When the connection went down (ISO time), while it is down. */
  readonly downSince: string | null;
  /** Failed connection attempts since it went down. */
  readonly failedAttempts: number;
  /** Times the connection came back after going down, since the process started. */
  readonly reconnects: number;
  /** The last connection failure, in the driver's words (no secrets: pg does not put the password in its messages). */
  readonly lastError: string | null;
}

export interface NotifierOptions {
  /** First wait before a reconnection attempt; it doubles up to `maxBackoffMs`, with jitter. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly random?: () => number;
}

/**
 * Pokes desks to pull. The process that commits a change calls `changed()`: its own stream
 * subscribers hear at once, and on PostgreSQL one NOTIFY after the commit tells every other
 * process (at most one in flight; changes meanwhile fold into one more). Migration 010 explains
 * why the NOTIFY is no longer sent inside the committing transaction. A (re)started process
 * announces itself, so what a crashed process committed just before dying still reaches every
 * desk. A poke carries no data: the desk pulls and the checkpoint decides what it gets.
 *
 * The LISTEN connection is kept up for as long as the process runs: when it drops (a database
 * restart, a failover, a terminated backend, a network cut of any length) it is retried with
 * exponential backoff, forever (issue 24.3: one retry after 1 s used to be all, and a failed
 * retry left the process deaf and mute for good). When it is back, the process pokes its own
 * desks (it may have missed the others' changes) and announces (the others may have missed its
 * own, committed while it could not send). `status()` says which state it is in, for /health.
 */
export class ChangeNotifier {
  private readonly local = new EventEmitter();
  private listener: pg.Client | null = null;
  private isAnnouncing = false;
  private isAnnounceAgain = false;
  private isStopped = false;
  private retry: NodeJS.Timeout | null = null;
  private current: CrossProcessPokes;
  private readonly options: Required<NotifierOptions>;

  constructor(
    private readonly connectionString: string | null,
    options: NotifierOptions = {},
  ) {
    this.local.setMaxListeners(0);
    this.options = { baseBackoffMs: 250, maxBackoffMs: 10_000, random: Math.random, ...options };
    this.current = { state: connectionString ? 'connecting' : 'local', downSince: null, failedAttempts: 0, reconnects: 0, lastError: null };
  }

  status(): CrossProcessPokes {
    return this.current;
  }

  async start(): Promise<void> {
    if (!this.connectionString) return;
    // The first connection must work: a server that cannot reach its database should not start.
    await this.listen();
    this.current = { ...this.current, state: 'listening' };
    // A (re)started server announces itself: whatever it may have committed just before a crash
    // reaches every desk, whichever server holds that desk's stream.
    await this.listener?.query('SELECT pg_notify($1, $2)', [changedChannel, '']);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString!, connectionTimeoutMillis: 5_000, keepAlive: true });
    // Its own announcements come back on the same connection: those desks were poked already.
    client.on('notification', (message) => {
      if (message.processId === (client as unknown as { processID: number | null }).processID) return;
      if (message.channel === breachedChannel) {
        const stages = stagesIn(message.payload);
        if (stages.length > 0) this.local.emit('breached', stages);
      } else this.local.emit('changed');
    });
    let isLost = false;
    const lost = (error?: Error) => {
      if (isLost) return;
      isLost = true;
      if (this.listener === client) this.listener = null;
      client.end().catch(() => undefined);
      this.wentDown(error);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${changedChannel}`);
      await client.query(`LISTEN ${breachedChannel}`);
    } catch (error) {
      isLost = true;
      client.end().catch(() => undefined);
      throw error;
    }
    if (this.isStopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
  }

  private wentDown(error?: Error): void {
    if (this.isStopped) return;
    this.current = {
      ...this.current,
      state: 'reconnecting',
      downSince: this.current.downSince ?? new Date().toISOString(),
      lastError: error?.message ?? 'the connection closed',
    };
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.isStopped || this.retry) return;
    const exponent = Math.min(this.current.failedAttempts, 16);
    const ceiling = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** exponent);
    // Full jitter over the upper half: processes that lost the database together do not all come back in one instant.
    const wait = ceiling / 2 + this.options.random() * (ceiling / 2);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.listen().then(
        () => {
          if (this.isStopped) return;
          this.current = { ...this.current, state: 'listening', downSince: null, failedAttempts: 0, reconnects: this.current.reconnects + 1 };
          // Back: poke our own desks (the others' changes meanwhile were not heard) and tell the
          // others (our own commits meanwhile could not be announced).
          this.local.emit('changed');
          this.announce();
        },
        (error: unknown) => {
          this.current = {
            ...this.current,
            failedAttempts: this.current.failedAttempts + 1,
            lastError: error instanceof Error ? error.message : String(error),
          };
          this.scheduleReconnect();
        },
      );
    }, wait);
    this.retry.unref();
  }

  /** A change committed in this process: poke its own desks now, and the other processes' by NOTIFY. */
  changed(): void {
    this.local.emit('changed');
    this.announce();
  }

  private announce(): void {
    const listener = this.listener;
    // Down: nothing to send now; the reconnection announces.
    if (!listener) return;
    if (this.isAnnouncing) {
      this.isAnnounceAgain = true;
      return;
    }
    this.isAnnouncing = true;
    listener
      .query('SELECT pg_notify($1, $2)', [changedChannel, ''])
      .catch(() => undefined)
      .finally(() => {
        this.isAnnouncing = false;
        if (this.isAnnounceAgain) {
          this.isAnnounceAgain = false;
          this.announce();
        }
      });
  }

  /**
   * Stages newly past their service level (console/breach-watcher.ts): this process's consoles
   * hear at once, the other processes' by one NOTIFY carrying the stage names (never ids: the
   * console reads its clock queue). Each console stream passes on only the stages its operator's
   * roles own (console/routes.ts). While the LISTEN connection is down the other processes miss
   * it; their consoles still read the clocks every minute, so the flag shows, only later.
   */
  breached(stages: readonly TurnaroundStage[]): void {
    if (stages.length === 0) return;
    this.local.emit('breached', [...stages]);
    this.listener?.query('SELECT pg_notify($1, $2)', [breachedChannel, stages.join(',')]).catch(() => undefined);
  }

  subscribeBreaches(listener: (stages: readonly TurnaroundStage[]) => void): () => void {
    this.local.on('breached', listener);
    return () => this.local.off('breached', listener);
  }

  subscribe(listener: () => void): () => void {
    this.local.on('changed', listener);
    return () => this.local.off('changed', listener);
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const listener = this.listener;
    this.listener = null;
    if (this.connectionString) this.current = { ...this.current, state: 'stopped' };
    await listener?.end().catch(() => undefined);
  }
}
