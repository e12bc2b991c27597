import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { Database } from './database';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';

/** The repository's own folder for embedded data (git-ignored), unless COVERDESK_DATA_DIR says otherwise. */
export const defaultDataDir = resolve(fileURLToPath(new URL('../../../.data/server', import.meta.url)));

/** DATABASE_URL selects PostgreSQL; without it, embedded PGlite in a data directory. */
export async function openDatabase(env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  if (env.DATABASE_URL) return openPostgres(env.DATABASE_URL, { maxConnections: Number(env.DATABASE_POOL_SIZE ?? 16) });
  return openPglite(env.COVERDESK_DATA_DIR ?? defaultDataDir);
}
