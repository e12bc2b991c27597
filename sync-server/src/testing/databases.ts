import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
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
    const db = await openPglite(null, { template: await pgliteTemplate() });
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

/**
 * PGlite's initdb costs 2–4 s of a test file's time; loading the data directory it leaves costs
 * about 1 s. The tarball of a freshly initialised, empty cluster is kept in the temporary folder,
 * one per PGlite version, written whole or not at all (rename), and shared by every test process.
 * It holds no schema: each test still migrates its own database.
 */
async function pgliteTemplate(): Promise<Blob> {
  const require = createRequire(import.meta.url);
  const packageFile = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string };
  const file = join(tmpdir(), `coverdesk-pglite-initdb-${version}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const fresh = await PGlite.create();
  const dump = await fresh.dumpDataDir('none');
  await fresh.close();
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  try {
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  return dump;
}
