import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../db/database';
import { openPglite } from '../db/pglite';
import { openPostgres } from '../db/postgres';

export type Backend = 'postgres' | 'pglite';

export const hasPostgres = Boolean(process.env.DATABASE_URL);

/** Backends to run money tests on: real PostgreSQL when DATABASE_URL is set (always in CI), and PGlite. */
export const availableBackends: Backend[] = hasPostgres ? ['postgres', 'pglite'] : ['pglite'];

export interface ScratchDatabase {
  readonly db: Database;
  /** Connection string for other processes (PostgreSQL only). */
  readonly url: string | null;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: a new PostgreSQL database created next to
 * DATABASE_URL (dropped afterwards), or an in-memory PGlite.
 */
export async function createScratchDatabase(backend: Backend, options: { maxConnections?: number } = {}): Promise<ScratchDatabase> {
  if (backend === 'pglite') {
    const db = await openPglite(null);
    return { db, url: null, drop: () => db.close() };
  }
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set: PostgreSQL tests need a server');
  const name = `coverdesk_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), { maxConnections: options.maxConnections ?? 8 });
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      const cleaner = new pg.Client({ connectionString: base });
      await cleaner.connect();
      await cleaner.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleaner.end();
    },
  };
}
