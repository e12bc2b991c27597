import { linkPending } from './audit/chain';
import { loadSecret } from './auth/secrets';
import type { SchemeRow } from './commands/context';
import type { Database } from './db/database';
import { migrate } from './db/migrate';

export interface ServerState {
  readonly scheme: () => SchemeRow;
  readonly reloadScheme: () => Promise<void>;
  readonly tokenKey: Buffer;
  readonly nationalIdKey: Buffer;
  /** Stop background work (the audit chainer). */
  readonly stop: () => Promise<void>;
}

const noScheme = 'No scheme is configured in this database. Start with --demo for the demo scheme, or load a scheme first.';

/** Migrate, load secrets and the current scheme, and start the audit chainer. */
export async function prepareServer(db: Database, options: { env?: NodeJS.ProcessEnv; chainIntervalMs?: number; schemeRefreshMs?: number } = {}): Promise<ServerState> {
  const env = options.env ?? process.env;
  await migrate(db);
  const tokenKey = await loadSecret(db, 'token-key', env.COVERDESK_TOKEN_KEY);
  const nationalIdKey = await loadSecret(db, 'national-id-key', env.COVERDESK_NATIONAL_ID_KEY);
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
  // that ran it reloads at once, every other one within this interval.
  const schemeTimer = setInterval(() => {
    if (!stopped) reloadScheme().catch(() => undefined);
  }, options.schemeRefreshMs ?? 5000);
  schemeTimer.unref();

  return {
    scheme: () => {
      if (!scheme) throw new Error(noScheme);
      return scheme;
    },
    reloadScheme,
    tokenKey,
    nationalIdKey,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(schemeTimer);
      await chaining;
      await linkPending(db).catch(() => undefined);
    },
  };
}
