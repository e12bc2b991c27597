import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { isDatabaseUnreachable, type Database } from './database';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';

/** The repository's own folder for embedded data (git-ignored), unless COVERDESK_DATA_DIR says otherwise. */
export const defaultDataDir = resolve(fileURLToPath(new URL('../../../.data/server', import.meta.url)));

/** DATABASE_URL selects PostgreSQL; without it, embedded PGlite in a data directory. */
export async function openDatabase(env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  if (env.DATABASE_URL) {
    const limit = (name: string): number | undefined => (env[name] ? Number(env[name]) : undefined);
    return openPostgres(env.DATABASE_URL, {
      maxConnections: Number(env.DATABASE_POOL_SIZE ?? 16),
      ...definedOnly({
        poolWaitMs: limit('DATABASE_POOL_WAIT_MS'),
        lockTimeoutMs: limit('DATABASE_LOCK_TIMEOUT_MS'),
        statementTimeoutMs: limit('DATABASE_STATEMENT_TIMEOUT_MS'),
      }),
    });
  }
  return openPglite(env.COVERDESK_DATA_DIR ?? defaultDataDir);
}

/** The limits that were set (exactOptionalPropertyTypes: an unset limit is left out, not undefined). */
function definedOnly(limits: Record<'poolWaitMs' | 'lockTimeoutMs' | 'statementTimeoutMs', number | undefined>): {
  poolWaitMs?: number;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
} {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined && Number.isFinite(value)));
}

/**
 * Wait until the database answers (issue 18): a server started while PostgreSQL is down, still
 * starting or in the middle of a failover waits for it, saying so, instead of exiting — as a
 * running server rides out the same outage (503 database-unavailable). Tries every second or so
 * (backing off to 5 s) until `DATABASE_BOOT_WAIT_S` (default 300) has passed, then gives up with
 * the last error. Any other failure (a wrong password, a missing database) is not waited out.
 */
export async function waitForDatabase(
  db: Database,
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  if (db.kind !== 'postgres') return;
  const deadline = Date.now() + Number(env.DATABASE_BOOT_WAIT_S ?? 300) * 1000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await db.query('SELECT 1');
      if (attempt > 1) log(`The database answers (after ${attempt - 1} failed attempt${attempt > 2 ? 's' : ''}).`);
      return;
    } catch (error) {
      if (!isDatabaseUnreachable(error) || Date.now() >= deadline) throw error;
      const waitMs = Math.min(5_000, 500 * attempt);
      log(
        `Waiting for the database at ${db.location} (attempt ${attempt}: ${error instanceof Error ? error.message : String(error)}); trying again in ${waitMs / 1000} s.`,
      );
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
