import type { AnchorStatus } from './audit/anchors';
import { startAuditWork } from './audit/background';
import type { RekeyRecord } from './audit/chain';
import { startKpiFolder } from './kpis/fold';
import { loadServerKeys, type ServerKeys } from './auth/keyring';
import type { SchemeRow } from './commands/context';
import type { Database } from './db/database';
import { migrate } from './db/migrate';
import { pendingMigrations } from './db/roles';
import { keepPolicyYear } from './money/policy-year';

export interface ServerState {
  /** The cached current scheme, for display reads (see below); never for a decision. */
  readonly scheme: () => SchemeRow;
  readonly reloadScheme: () => Promise<void>;
  /** The keys, from outside the database (auth/keyring.ts). */
  readonly keys: ServerKeys;
  /** The current national-id key (seeding the demo, tests). */
  readonly nationalIdKey: Buffer;
  /** The audit chain's anchors (where, the newest written here) for the payer console; null without. */
  readonly auditAnchors: () => AnchorStatus | null;
  /** A chain from before migration 025 re-keyed at this start, or null. */
  readonly auditRekeyed: RekeyRecord | null;
  /** Stop background work (the audit chainer and anchors). */
  readonly stop: () => Promise<void>;
}

const noScheme = 'No scheme is configured in this database. Start with --demo for the demo scheme, or load a scheme first.';

/**
 * Load the keys (refusing to start without them, before touching the database), migrate, load the
 * current scheme, and start the audit chainer. `keys` is given by the test harness; otherwise they
 * come from the environment, a key file, or (embedded demo database only) `demoKeyFile`.
 */
export async function prepareServer(
  db: Database,
  options: {
    env?: NodeJS.ProcessEnv;
    keys?: ServerKeys;
    demoKeyFile?: string;
    chainIntervalMs?: number;
    schemeRefreshMs?: number;
    now?: () => Date;
    watchPolicyYear?: boolean;
    anchorFile?: string | null;
    anchorIntervalMs?: number;
    migrations?: 'run' | 'check';
    /** Fold the revenue-cycle deltas into their facts this often (kpis/fold.ts); off unless given (main.ts gives it). */
    foldKpisEveryMs?: number;
    /**
     * Work on the migrated database before the audit chainer starts (the demo's seed and its slice
     * of history, demo/history.ts, which must put its audit entries on the simulated clock before
     * they are linked).
     */
    beforeAuditWork?: (keys: ServerKeys) => Promise<void>;
  } = {},
): Promise<ServerState> {
  const env = options.env ?? process.env;
  const keys = options.keys ?? loadServerKeys(env, options.demoKeyFile ? { demoKeyFile: options.demoKeyFile } : {});
  // Under the runtime role (MIGRATION_DATABASE_URL given, docs/database-roles.md) the server may
  // not migrate: main.ts ran them under the owner role; here it only checks they are all applied.
  if (options.migrations === 'check') {
    const pending = await pendingMigrations(db);
    if (pending.length > 0)
      throw new Error(`The database lacks migrations ${pending.join(', ')}: run them under the owner role (MIGRATION_DATABASE_URL) first.`);
  } else await migrate(db);
  await options.beforeAuditWork?.(keys);
  let scheme: SchemeRow | null = null;
  const reloadScheme = async () => {
    const [row] = await db.query<SchemeRow>('SELECT * FROM schemes WHERE is_current');
    scheme = row ?? null;
  };
  await reloadScheme();

  // The chainer links committed audit entries onto the keyed hash chain shortly after they commit,
  // after re-keying a chain from before migration 025; the head is anchored outside the database.
  const audit = await startAuditWork(db, keys.audit, {
    chainIntervalMs: options.chainIntervalMs ?? 250,
    anchorFile: options.anchorFile ?? null,
    ...(options.anchorIntervalMs ? { anchorIntervalMs: options.anchorIntervalMs } : {}),
  });
  const kpiFolder = options.foldKpisEveryMs ? startKpiFolder(db, options.foldKpisEveryMs) : null;
  let stopped = false;
  // Scheme parameters change by command (set-scheme-parameters) on any server process: the process
  // that ran it reloads at once, every other one within this interval. This copy is for display
  // reads only; every decision reads the row in its own transaction (commands/context.ts, currentScheme).
  // The same tick watches the calendar for the policy year's roll-over (money/policy-year.ts).
  // The test harness turns the watcher off (watchPolicyYear: false): its account opening is a
  // background write that would land inside a test's "writes nothing" window; the policy-year
  // tests drive keepPolicyYear themselves.
  const watchPolicyYear = options.watchPolicyYear ?? true;
  const now = options.now ?? (() => new Date());
  let seenYear: number | null = null;
  let watching: Promise<unknown> = Promise.resolve();
  const schemeTimer = setInterval(() => {
    if (stopped) return;
    watching = watching
      .then(async () => {
        if (watchPolicyYear) seenYear = (await keepPolicyYear(db, now(), seenYear)).openYear;
      })
      .catch(() => undefined)
      .then(() => reloadScheme())
      .catch(() => undefined);
  }, options.schemeRefreshMs ?? 5000);
  schemeTimer.unref();

  return {
    scheme: () => {
      if (!scheme) throw new Error(noScheme);
      return scheme;
    },
    reloadScheme,
    keys,
    nationalIdKey: keys.nationalId.current.key,
    auditAnchors: audit.anchors,
    auditRekeyed: audit.rekeyed,
    stop: async () => {
      stopped = true;
      clearInterval(schemeTimer);
      await watching;
      await kpiFolder?.stop();
      await audit.stop();
    },
  };
}
