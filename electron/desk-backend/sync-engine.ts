import type { MutationProofValue, PullCheckpointValue, PushMutationValue } from '@contract/sync';
import type { SyncStatus } from '../desk-api/contract';
import { answeredOutboxRetentionMs, pruneAnsweredOutbox, readMeta, writeMeta, type ReplicaDatabase } from './database';
import type { PullApplier } from './applier';
import type { Feed } from './feed';
import type { DocumentQueue } from './document-queue';
import { ServerCallError, type ServerExchange, type SyncServerClient } from './server-client';
import { forgetInactiveOperators } from './session';

export interface SyncEngineOptions {
  readonly pullPageSize?: number;
  /** Page size while the desk's first sync loads (fewer, larger requests; the server allows up to 5,000). */
  readonly firstSyncPageSize?: number;
  readonly pushBatchSize?: number;
  /** Backoff after a failure: base × 2^attempt, capped, with ±50% jitter. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly safetyPullMs?: number;
  readonly random?: () => number;
  /** Called after each page is applied (progress of a long first sync). */
  readonly onProgress?: (applied: number) => void;
  /** Least time between two first-sync progress status events (default 250 ms). */
  readonly firstSyncProgressMs?: number;
  /** Least time between two asks for the hospital's active operators (default 60 s; the first cycle always asks). */
  readonly operatorStatusMs?: number;
  /** How long answered outbox rows are kept (default answeredOutboxRetentionMs, a day). */
  readonly answeredOutboxRetentionMs?: number;
}

interface OutboxRow {
  sequence: number;
  command_id: string;
  name: string;
  operator_id: string;
  body: string;
  /** The operator's signature made when the entry was queued (issue 13 item 4); null for an entry queued by an older desk. */
  proof: string | null;
}

/**
 * Push, then pull, whenever something may have changed: a local command, a server poke, a
 * reconnect, or the safety timer. One cycle at a time; requests during a cycle coalesce into one
 * more cycle. Failures back off with jitter and never lose anything: the outbox and the
 * checkpoint live in the replica.
 */
export class SyncEngine {
  private status: SyncStatus;
  private readonly listeners = new Set<(status: SyncStatus) => void>();
  private cycleRunning: Promise<void> | null = null;
  private isCycleRequested = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private safetyTimer: NodeJS.Timeout | null = null;
  private streamAbort: AbortController | null = null;
  private isRunning = false;
  /** Clients whose requests this engine hears (a new client comes with every enrollment). */
  private readonly heardClients = new WeakSet<SyncServerClient>();
  private readonly options: Required<Omit<SyncEngineOptions, 'onProgress'>> & Pick<SyncEngineOptions, 'onProgress'>;
  /**
   * A fresh proof of one of the operators signed in here, for each pull (issue 13 item 4): the
   * server sends templates only with one, and with none withholds them and sends them whole with
   * the next pull that has one. The backend sets it; undefined while nobody is signed in.
   */
  pullProof: () => string | undefined = () => undefined;

  constructor(
    private readonly db: ReplicaDatabase,
    private readonly feed: Feed,
    private readonly applier: PullApplier,
    private readonly client: () => SyncServerClient | null,
    options: SyncEngineOptions = {},
    /** Supporting documents queued with the outbox (issue 19): uploaded in their place in its order. */
    private readonly documents: DocumentQueue | null = null,
  ) {
    this.options = {
      pullPageSize: 1000,
      firstSyncPageSize: 5000,
      firstSyncProgressMs: 250,
      pushBatchSize: 100,
      backoffBaseMs: 250,
      backoffMaxMs: 4000,
      safetyPullMs: 30_000,
      random: Math.random,
      operatorStatusMs: 60_000,
      answeredOutboxRetentionMs,
      ...options,
    };
    this.status = {
      state: client() ? 'offline' : 'not-enrolled',
      isOnline: false,
      serverUrl: client()?.url ?? null,
      lastSyncAt: readMeta(db, 'last_sync_at'),
      pendingMutations: this.countPending(),
      lastError: null,
      firstSync: client() && applier.isLoadingFirstSync ? { documentsReceived: 0 } : null,
      updateRequired: null,
    };
  }

  /**
   * The enrolled client, listened to: every request it makes — sync, sign-in, searches, one-time
   * codes — tells the status whether the server answered. The header is true at the first request
   * that fails, not at the next sync cycle (issue 12: "Online" for seconds with the server down,
   * and after an offline sign-in).
   */
  private enrolledClient(): SyncServerClient | null {
    const client = this.client();
    if (client && !this.heardClients.has(client)) {
      this.heardClients.add(client);
      client.onExchange((exchange) => this.noteExchange(exchange));
    }
    return client;
  }

  private noteExchange(exchange: ServerExchange): void {
    if (!this.isRunning) return;
    if (exchange.outcome === 'unreachable') {
      if (this.status.isOnline || this.status.lastError === null) {
        this.update({ state: 'offline', isOnline: false, lastError: { code: 'unreachable', message: exchange.fault.message, at: new Date().toISOString() } });
      }
      this.scheduleRetry();
      return;
    }
    // The server answered while the desk thought it offline: a sync cycle confirms it (and brings
    // what changed meanwhile); only a completed cycle says Online.
    if (!this.status.isOnline && !this.cycleRunning) void this.requestSync();
  }

  current(): SyncStatus {
    return { ...this.status, pendingMutations: this.countPending() };
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(change: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...change, pendingMutations: this.countPending(), serverUrl: this.client()?.url ?? null };
    for (const listener of this.listeners) listener(this.status);
  }

  private countPending(): number {
    return (this.db.prepare("SELECT count(*) AS count FROM outbox WHERE state = 'pending'").get() as { count: number }).count;
  }

  /** Started and not stopped: a replica reset (handlers/replica.ts) stops the engine and starts it again only if it ran. */
  get isStarted(): boolean {
    return this.isRunning;
  }

  /** A push or pull is under way (a stopped engine still finishes the cycle a caller asked for). */
  get isCycleRunning(): boolean {
    return this.cycleRunning !== null;
  }

  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    void this.followStream();
    this.safetyTimer = setInterval(() => this.requestSync(), this.options.safetyPullMs);
    this.safetyTimer.unref();
    this.requestSync();
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    this.streamAbort?.abort();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.safetyTimer) clearInterval(this.safetyTimer);
    await this.cycleRunning?.catch(() => undefined);
  }

  /** Ask for a push + pull soon; returns when a cycle covering this request has finished. */
  requestSync(): Promise<void> {
    if (this.cycleRunning) {
      this.isCycleRequested = true;
      return this.cycleRunning;
    }
    this.cycleRunning = this.runCycles().finally(() => {
      this.cycleRunning = null;
    });
    return this.cycleRunning;
  }

  private async runCycles(): Promise<void> {
    do {
      this.isCycleRequested = false;
      await this.cycle();
    } while (this.isCycleRequested && this.isRunning);
  }

  private async cycle(): Promise<void> {
    const client = this.enrolledClient();
    if (!client) {
      this.update({ state: 'not-enrolled', isOnline: false });
      return;
    }
    this.update({ state: 'syncing', firstSync: this.applier.isLoadingFirstSync ? (this.status.firstSync ?? { documentsReceived: 0 }) : null });
    try {
      // A push the server could not finish must not keep this desk from everyone else's changes:
      // pull anyway, then count the cycle as failed so the push is retried. Found by the protocol
      // model (tests/model, "every desk converges"): a desk whose push kept failing on the server
      // never pulled again. A server that cannot be reached fails the push itself (thrown), and
      // the pull is not tried.
      //
      // A desk below the scheme's minimum version (issue 23) is refused every push: its outbox stays
      // whole here. That is not a failure of the cycle: it pulls as usual, says "update required"
      // instead of an error, and tries the push again at its next cycle (a poke, the safety timer),
      // not on the failure backoff.
      let updateRequired: SyncStatus['updateRequired'] = null;
      const pushStopped = await this.pushAll(client).catch((error: unknown) => {
        if (!(error instanceof ServerCallError) || error.fault.kind !== 'refused' || error.fault.code !== 'desk-update-required') throw error;
        const minimumVersion = error.fault.details?.minimumVersion;
        updateRequired = { minimumVersion: typeof minimumVersion === 'string' ? minimumVersion : null, message: error.fault.message };
        return null;
      });
      await this.pullAll(client);
      await this.refreshOperators(client);
      if (pushStopped) throw pushStopped;
      this.failures = 0;
      const now = new Date().toISOString();
      writeMeta(this.db, 'last_sync_at', now);
      this.update({
        state: 'online',
        isOnline: true,
        lastSyncAt: now,
        lastError: null,
        firstSync: this.applier.isLoadingFirstSync ? this.status.firstSync : null,
        updateRequired,
      });
    } catch (error) {
      this.failures += 1;
      const fault =
        error instanceof ServerCallError ? error.fault : { kind: 'bad-answer' as const, message: error instanceof Error ? error.message : String(error) };
      const code = fault.kind === 'refused' ? fault.code : fault.kind;
      const isOffline = fault.kind === 'unreachable';
      this.update({
        state: isOffline ? 'offline' : 'error',
        isOnline: !isOffline && fault.kind !== 'bad-answer' ? this.status.isOnline : false,
        lastError: { code, message: fault.message, at: new Date().toISOString() },
      });
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (!this.isRunning || this.retryTimer) return;
    const exponential = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** Math.min(this.failures, 10));
    const delay = exponential * (0.5 + this.options.random());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.requestSync();
    }, delay);
    this.retryTimer.unref();
  }

  /**
   * Push the outbox in order. Returns the reason the server stopped before the end (the rest is
   * retried next cycle), or null when every entry was answered; throws when the server cannot be
   * reached or its answer cannot be read.
   */
  private async pushAll(client: SyncServerClient): Promise<ServerCallError | null> {
    for (;;) {
      // Documents take their place in the outbox's order (issue 19): one queued after entry N is
      // uploaded once N is answered (its case exists on the server), and the entries queued after
      // it — the pre-auth, query response or claim that needs it — wait until it is attached (or
      // refused: then the command goes and the server answers documents-missing with the list).
      // An upload the line drops throws here like a push: the cycle fails, and the next one
      // resumes it from the server's offset.
      const documents = this.documents;
      if (documents) for (const due of documents.due()) await documents.send(client, due);
      const through = documents?.pushableThrough() ?? Number.MAX_SAFE_INTEGER;
      const rows = this.db
        .prepare("SELECT sequence, command_id, name, operator_id, body, proof FROM outbox WHERE state = 'pending' AND sequence <= ? ORDER BY sequence LIMIT ?")
        .all(through, this.options.pushBatchSize) as OutboxRow[];
      if (rows.length === 0) return null;
      const mutations = rows.map((row) => ({
        sequence: row.sequence,
        commandId: row.command_id,
        name: row.name,
        operatorId: row.operator_id,
        body: JSON.parse(row.body) as Record<string, unknown>,
        ...(row.proof ? { proof: JSON.parse(row.proof) as MutationProofValue } : {}),
      })) as PushMutationValue[];
      const answer = await client.push(mutations);
      this.recordAnswers(answer.answers);
      // The server answered (so this is not "offline"): it stopped on a transient problem of its own.
      if (answer.stoppedAt)
        return new ServerCallError({
          kind: 'refused',
          status: 503,
          code: 'push-not-finished',
          message: "The server could not finish applying this desk's changes; they are kept here and will be sent again.",
        });
      if (answer.answers.length < rows.length) return new ServerCallError({ kind: 'bad-answer', message: 'The server answered fewer changes than were sent.' });
    }
  }

  /** Record push answers; a refusal marks the change's optimistic rows rejected, with the reason. */
  private recordAnswers(answers: readonly { commandId: string; status: number; answer: Record<string, unknown> }[]): void {
    const markAnswered = this.db.prepare(
      "UPDATE outbox SET state = 'answered', status = ?, answer = ?, answered_at = ? WHERE command_id = ? AND state = 'pending'",
    );
    const rejectRows = this.db.prepare(
      "UPDATE pending_rows SET state = 'rejected', rejection = ? WHERE command_id = ? RETURNING kind, id, case_id AS caseId, family_id AS familyId",
    );
    const run = this.db.transaction(() => {
      const now = new Date().toISOString();
      for (const item of answers) {
        markAnswered.run(item.status, JSON.stringify(item.answer), now, item.commandId);
        if (item.status === 200) continue;
        const rejection = JSON.stringify({
          code: item.answer.code ?? 'refused',
          message: item.answer.message ?? 'The server refused this change.',
          details: item.answer.details ?? null,
        });
        const touched = rejectRows.all(rejection, item.commandId) as { kind: string; id: string; caseId: string | null; familyId: string | null }[];
        for (const row of touched) {
          if (row.kind === 'bookings') this.feed.touch('bookings', row.id);
          if (row.caseId) this.feed.touch('cases', row.caseId);
          if (row.familyId) this.feed.touch('families', row.familyId);
        }
      }
      // Answered rows a day old go now (database.ts, pruneAnsweredOutbox): nothing reads them after.
      pruneAnsweredOutbox(this.db, new Date(), this.options.answeredOutboxRetentionMs);
      this.feed.save();
    });
    try {
      run();
    } catch (error) {
      this.feed.discard();
      throw error;
    }
    this.feed.announce();
  }

  private operatorsAskedAt = Number.NEGATIVE_INFINITY;

  /**
   * Operator status: forget the offline sign-in of cached operators the server no longer lists as
   * active at this hospital (deactivated, moved). At most every operatorStatusMs. A server that
   * does not know the route (older) or fails here does not fail the cycle: the sync itself worked.
   */
  private async refreshOperators(client: SyncServerClient): Promise<void> {
    if (Date.now() - this.operatorsAskedAt < this.options.operatorStatusMs) return;
    this.operatorsAskedAt = Date.now();
    try {
      forgetInactiveOperators(this.db, await client.activeOperators());
    } catch (error) {
      if (!(error instanceof ServerCallError)) throw error;
    }
  }

  private async pullAll(client: SyncServerClient): Promise<void> {
    let applied = 0;
    let lastProgressAt = 0;
    const stored = readMeta(this.db, 'pull_checkpoint');
    const pageSize = this.applier.isLoadingFirstSync ? this.options.firstSyncPageSize : this.options.pullPageSize;
    let page = await client.pull(stored ? (JSON.parse(stored) as PullCheckpointValue) : null, pageSize, this.pullProof());
    for (;;) {
      // Ask for the next page before applying this one: the server prepares it while SQLite
      // writes. The checkpoint is only stored with the page that was applied, so a failure here
      // resumes from the last applied page.
      const next = page.hasMore ? client.pull(page.checkpoint, pageSize, this.pullProof()) : null;
      next?.catch(() => undefined);
      // fetch() only writes its request once the event loop turns: let it go out first, so the
      // server works on the next page while this one is applied (apply is synchronous).
      if (next) await new Promise((resolve) => setImmediate(resolve));
      this.applier.apply(page.documents, page.checkpoint, page.serverTime);
      applied += page.documents.length;
      this.options.onProgress?.(applied);
      // The first sync can take minutes on a hospital line: the desk shows how far it has got
      // (a status event at most every firstSyncProgressMs).
      if (this.applier.isLoadingFirstSync && Date.now() - lastProgressAt >= this.options.firstSyncProgressMs) {
        lastProgressAt = Date.now();
        this.update({ firstSync: { documentsReceived: applied } });
      }
      if (!next) return;
      page = await next;
    }
  }

  private async followStream(): Promise<void> {
    let attempt = 0;
    while (this.isRunning) {
      const client = this.enrolledClient();
      if (!client) {
        await delay(1000);
        continue;
      }
      this.streamAbort = new AbortController();
      try {
        // The server pokes once on connect: that resync covers whatever happened while away.
        await client.stream(() => {
          attempt = 0;
          void this.requestSync();
        }, this.streamAbort.signal);
      } catch {
        // Unreachable or refused: the request itself reported it; keep trying to reconnect.
      }
      if (!this.isRunning) return;
      // The stream ended (the server went away, restarted, or went silent): ask now rather than at
      // the next safety pull, so the header says Offline within a request's time if it is gone.
      void this.requestSync();
      attempt += 1;
      await delay(Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** Math.min(attempt, 10)) * (0.5 + this.options.random()));
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
