import { linkPending } from './audit/chain';
import { loadServerKeys, type ServerKeys } from './auth/keyring';
import type { SchemeRow } from './commands/context';
import type { Database } from './db/database';
import { migrate } from './db/migrate';
import { keepPolicyYear } from './money/policy-year';

export interface ServerState {
  /** The cached current scheme, for display reads (see below); never for a decision. */
  readonly scheme: () => SchemeRow;
  readonly reloadScheme: () => Promise<void>;
  /** The keys, from outside the database (auth/keyring.ts). */
  readonly keys: ServerKeys;
  /** The current national-id key (seeding the demo, tests). */
  readonly nationalIdKey: Buffer;
  /** Stop background work (the audit chainer). */
  readonly stop: () => Promise<void>;
}

const noScheme = 'No scheme is configured in this database. Start with --demo for the demo scheme, or load a scheme first.';

/**
 * Load the keys (refusing to start without them, before touching the database), migrate, load the
 * current scheme, and start the audit chainer. `keys` is given by the test harness; otherwise they
 * come from the environment, a key file, or (embedded demo database only) `demoKeyFile`.
 */
export async function prepareServer(db: Database, options: { env?: NodeJS.ProcessEnv; keys?: ServerKeys; demoKeyFile?: string; chainIntervalMs?: number; schemeRefreshMs?: number; now?: () => Date } = {}): Promise<ServerState> {
  const env = options.env ?? process.env;
  const keys = options.keys ?? loadServerKeys(env, options.demoKeyFile ? { demoKeyFile: options.demoKeyFile } : {});
  await migrate(db);
  let scheme: SchemeRow | null = null;
  const reloadScheme = async () => {
    const [row] = await db.query<SchemeRow>('SELECT * FROM schemes WHERE is_current');
    scheme = row ?? null;
  };
  await reloadScheme();

  // The chainer links committed audit entries onto the hash chain shortly after they commit.
  let chaining: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const interval = options.chainIntervalMs ?? 250;
  const timer = setInterval(() => {
    chaining = chaining.then(() => (stopped ? 0 : linkPending(db))).catch(() => undefined);
  }, interval);
  timer.unref();
  // Scheme parameters change by command (set-scheme-parameters) on any server process: the process
  // that ran it reloads at once, every other one within this interval. This copy is for display
  // reads only; every decision reads the row in its own transaction (commands/context.ts, currentScheme).
  // The same tick watches the calendar for the policy year's roll-over (money/policy-year.ts).
  const now = options.now ?? (() => new Date());
  let seenYear: number | null = null;
  let watching: Promise<unknown> = Promise.resolve();
  const schemeTimer = setInterval(() => {
    if (stopped) return;
    watching = watching
      .then(() => keepPolicyYear(db, now(), seenYear))
      .then(({ openYear }) => { seenYear = openYear; })
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
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(schemeTimer);
      await watching;
      await chaining;
      await linkPending(db).catch(() => undefined);
    },
  };
}
