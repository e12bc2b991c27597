import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SmsGateway } from '../identity/sms';

/**
 * What the sync server tells an operations team (issue 23), in the Prometheus/OpenMetrics text
 * format through prom-client. One registry per server instance (never the library's global one),
 * so that two servers in one process (tests) keep their own figures. Every metric is listed, with
 * its meaning, in sync-server/docs/operations.md; `metrics.test.ts` scrapes them all.
 *
 * Labels carry ids and closed sets only (command names, outcomes, routes, desk ids): never a name,
 * an ID number, a phone number or anything biometric.
 */

/** How a command ended, as a closed set. */
export type CommandResult = 'accepted' | 'rejected' | 'replayed' | 'refused' | 'failed';

/** What the registry reads at scrape time from the parts that own the figures. */
export interface MetricSources {
  /** The database pool (PostgreSQL only; PGlite has one connection and no pool). */
  readonly pool?: () => { total: number; idle: number; waiting: number } | null;
  /** The newest audit anchor's time (audit/anchors.ts), or null before the first. */
  readonly newestAuditAnchor?: () => Date | null;
  /** Every desk's latest report (fleet/reports.ts, from the database: the same figures on every process). */
  readonly deskReports?: () => Promise<readonly { deskId: string; outboxDepth: number; oldestUnsentAt: Date | null; clockOffsetMs: number }[]>;
  readonly now?: () => number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly now: () => number;
  /** Per desk: when its last pull reached the end of what it may see (this process's view). */
  private readonly desksCaughtUp = new Map<string, number>();

  readonly commands = new Counter({
    name: 'coverdesk_commands_total',
    help: 'Commands decided, by command name and result (accepted, rejected, replayed, refused, failed).',
    labelNames: ['command', 'result'] as const,
    registers: [this.registry],
  });
  readonly commandSeconds = new Histogram({
    name: 'coverdesk_command_duration_seconds',
    help: 'Time to decide a command, from its arrival at the runner to its answer, by command name.',
    labelNames: ['command'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'coverdesk_http_request_duration_seconds',
    help: 'HTTP answers by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly poolWaitSeconds = new Histogram({
    name: 'coverdesk_db_pool_wait_seconds',
    help: 'Time a request waited for a database connection from the pool.',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly pullPages = new Counter({
    name: 'coverdesk_pull_pages_total',
    help: 'Pull pages answered to desks.',
    registers: [this.registry],
  });
  readonly pullDocuments = new Counter({
    name: 'coverdesk_pull_documents_total',
    help: 'Documents (rows) sent to desks in pull pages.',
    registers: [this.registry],
  });
  readonly pushBatches = new Counter({
    name: 'coverdesk_push_batches_total',
    help: 'Outbox pushes received from desks.',
    registers: [this.registry],
  });
  readonly pushMutations = new Counter({
    name: 'coverdesk_push_mutations_total',
    help: 'Mutations in desk pushes, by the status each was answered with.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly eventStreams = new Gauge({
    name: 'coverdesk_event_streams_open',
    help: 'Event streams held open, by kind (desk pokes, console queues).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly otps = new Counter({
    name: 'coverdesk_otp_messages_total',
    help: 'One-time-code messages handed to the SMS gateway, by result (sent, failed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricSources = {}) {
    this.now = sources.now ?? Date.now;
    collectDefaultMetrics({ register: this.registry, prefix: 'coverdesk_' });
    // Three of the library's defaults are gauges named like counters (Prometheus's linter refuses
    // them); their per-type siblings (coverdesk_nodejs_active_handles{type}, …) carry the same figures.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
      this.registry.removeSingleMetric(`coverdesk_${name}`);
    const pool = sources.pool;
    new Gauge({
      name: 'coverdesk_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting requests); absent on the embedded database.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const stats = pool?.();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
    const anchor = sources.newestAuditAnchor;
    const now = this.now;
    new Gauge({
      name: 'coverdesk_audit_anchor_age_seconds',
      help: 'Seconds since the newest audit anchor was written; absent before the first anchor.',
      registers: [this.registry],
      collect() {
        const at = anchor?.();
        if (at) this.set(Math.max(0, (now() - at.getTime()) / 1000));
      },
    });
    const desks = this.desksCaughtUp;
    new Gauge({
      name: 'coverdesk_desk_sync_lag_seconds',
      help: 'Per desk: seconds since its last pull that reached the end of its scope on this server process (take the minimum across processes).',
      labelNames: ['desk'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const at = now();
        for (const [desk, caughtUp] of desks) this.set({ desk }, Math.max(0, (at - caughtUp) / 1000));
      },
    });
    // What each desk reported in its sync traffic (issue 23, the fleet page's figures), read from the
    // database once per scrape: any process answers for every desk. A scrape while the database
    // cannot answer leaves these out rather than failing the other figures.
    const deskReports = sources.deskReports;
    let reportsRead: Promise<Awaited<ReturnType<NonNullable<typeof deskReports>>>> | null = null;
    const latestReports = () => {
      reportsRead ??= (deskReports?.() ?? Promise.resolve([])).catch(() => []).finally(() => setTimeout(() => (reportsRead = null), 0));
      return reportsRead;
    };
    new Gauge({
      name: 'coverdesk_desk_outbox_depth',
      help: 'Per desk: commands in its outbox not yet answered by the server, as it last reported.',
      labelNames: ['desk'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const report of await latestReports()) this.set({ desk: report.deskId }, report.outboxDepth);
      },
    });
    new Gauge({
      name: 'coverdesk_desk_oldest_unsent_seconds',
      help: 'Per desk: age of the oldest command in its outbox, from its last report (absent with an empty outbox).',
      labelNames: ['desk'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const at = now();
        for (const report of await latestReports())
          if (report.oldestUnsentAt) this.set({ desk: report.deskId }, Math.max(0, (at - report.oldestUnsentAt.getTime()) / 1000));
      },
    });
    new Gauge({
      name: 'coverdesk_desk_clock_offset_seconds',
      help: "Per desk: its clock minus the server's when its last report arrived (positive: the desk is ahead).",
      labelNames: ['desk'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const report of await latestReports()) this.set({ desk: report.deskId }, report.clockOffsetMs / 1000);
      },
    });
  }

  /** A pull page was answered to `deskId`. */
  pulled(deskId: string, documents: number, hasMore: boolean): void {
    this.pullPages.inc();
    this.pullDocuments.inc(documents);
    if (!hasMore) this.desksCaughtUp.set(deskId, this.now());
  }

  /** Run `work` as command `name`, counting its result and timing it. */
  async command<T extends { status: number; isReplay: boolean }>(name: string, work: () => Promise<T>): Promise<T> {
    const end = this.commandSeconds.startTimer({ command: name });
    try {
      const outcome = await work();
      this.commands.inc({ command: name, result: outcome.isReplay ? 'replayed' : outcome.status === 200 ? 'accepted' : 'rejected' });
      return outcome;
    } catch (error) {
      const status = typeof error === 'object' && error !== null && 'refusal' in error ? 'refused' : 'failed';
      this.commands.inc({ command: name, result: status });
      throw error;
    } finally {
      end();
    }
  }

  /** Count an open stream of `kind` until the returned function is called (once). */
  streamOpened(kind: 'desk' | 'console'): () => void {
    this.eventStreams.inc({ kind });
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.eventStreams.dec({ kind });
    };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The SMS gateway, counting each one-time-code message handed to it as sent or failed (SMS carries nothing else). */
export function countedSms(gateway: SmsGateway, metrics: ServerMetrics): SmsGateway {
  return {
    send: async (phone, text) => {
      try {
        await gateway.send(phone, text);
        metrics.otps.inc({ result: 'sent' });
      } catch (error) {
        metrics.otps.inc({ result: 'failed' });
        throw error;
      }
    },
  };
}
