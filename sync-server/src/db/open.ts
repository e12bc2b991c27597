import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { Database } from './database';
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
