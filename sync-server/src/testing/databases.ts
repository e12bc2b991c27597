import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { pgErrorCode, type Database } from '../db/database';
import { openPglite, type PgliteDatabase } from '../db/pglite';
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
 * A database state many test files start from (the migrated, seeded demo scheme): built once by
 * `build` on an empty database, kept under `key`, and copied for each file. The key must change
 * whenever anything that `build` writes could change (templateKey below).
 */
export interface DatabaseTemplate {
  readonly key: string;
  build(db: Database): Promise<void>;
}

/** Templates older than this are removed when a new one is built (another checkout's or code's). */
const templateLifetimeMs = 6 * 60 * 60 * 1000;

/**
 * A fresh database for one test file: a new PostgreSQL database created next to DATABASE_URL
 * (dropped afterwards), or an in-memory PGlite; empty, or a copy of `template`.
 */
export async function createScratchDatabase(
  backend: Backend,
  options: { maxConnections?: number; template?: DatabaseTemplate } = {},
): Promise<ScratchDatabase> {
  if (backend === 'pglite') {
    const db = options.template ? await pgliteFromTemplate(options.template) : await openPglite(null, { template: await pgliteEmptyImage() });
    return { db, url: null, drop: () => db.close() };
  }
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set: PostgreSQL tests need a server');
  const name = `coverdesk_t_${randomBytes(6).toString('hex')}`;
  const template = options.template ? await postgresTemplate(base, options.template) : null;
  await adminQuery(base, async (admin) => {
    if (!template) return void (await admin.query(`CREATE DATABASE ${name}`));
    // Two copies of one template at the same moment are fine; a copy while someone is connected to
    // the template is not (55006), which only its builder ever is, briefly: wait it out.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return void (await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      } catch (error) {
        if (pgErrorCode(error) !== '55006' || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  const url = databaseUrl(base, name);
  const db = openPostgres(url, { maxConnections: options.maxConnections ?? 8 });
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      await adminQuery(base, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * A key for a template built from this checkout's server code: a digest of every server source
 * file (migrations, seed, keys, server start-up: anything could write), the PGlite version and
 * `parts` (the build's own options and the day it is for).
 */
export function templateKey(parts: readonly (string | number)[]): string {
  const hash = createHash('sha256');
  hash.update(sourceDigest());
  hash.update(pgliteVersion());
  for (const part of parts) hash.update(`\u0000${part}`);
  return hash.digest('hex').slice(0, 20);
}

let digest: string | null = null;
function sourceDigest(): string {
  if (digest) return digest;
  const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
  const hash = createHash('sha256');
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|sql|json)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) hash.update(path.slice(root.length)).update(readFileSync(path));
    }
  };
  for (const folder of ['src', 'domain', 'contract']) walk(join(root, folder));
  digest = hash.digest('hex');
  return digest;
}

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  const packageFile = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string }).version;
}

async function adminQuery<T>(base: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The PostgreSQL template database for `template`, built if missing: under a private name first,
 * then renamed, so no one copies a half-built one; of two builders racing, the second drops its own.
 */
async function postgresTemplate(base: string, template: DatabaseTemplate): Promise<string> {
  const name = `coverdesk_tpl_${template.key}`;
  const present = await adminQuery(base, (admin) => admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  if (present.rowCount) return name;
  const building = `coverdesk_tplb_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, (admin) => admin.query(`CREATE DATABASE ${building}`));
  try {
    const db = openPostgres(databaseUrl(base, building), { maxConnections: 4 });
    try {
      await template.build(db);
    } finally {
      await db.close();
    }
    await adminQuery(base, async (admin) => {
      try {
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
        await admin.query(`COMMENT ON DATABASE ${name} IS '${new Date().toISOString()}'`);
      } catch (error) {
        if (pgErrorCode(error) !== '42P04') throw error; // another process built it first
      }
      // Other checkouts' and older code's templates: gone once nobody can still be copying them.
      const stale = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database
          WHERE datname LIKE 'coverdesk\\_tpl\\_%' AND datname <> $1
            AND shobj_description(oid, 'pg_database') < $2`,
        [name, new Date(Date.now() - templateLifetimeMs).toISOString()],
      );
      for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    });
  } finally {
    await adminQuery(base, (admin) => admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`));
  }
  return name;
}

/**
 * PGlite's initdb costs 2–4 s of a test file's time; loading a data directory tarball about 1 s.
 * Tarballs (the empty cluster, and each template) are kept in the temporary folder, written whole
 * or not at all (rename), and shared by every test process.
 */
async function pgliteEmptyImage(): Promise<Blob> {
  return cachedImage(`coverdesk-pglite-initdb-${pgliteVersion()}.tar`, async () => {
    const fresh = await PGlite.create();
    const dump = (await fresh.dumpDataDir('none')) as Blob;
    await fresh.close();
    return dump;
  });
}

/** A copy of the template's image; without one yet, the database it is built on (and its image kept). */
async function pgliteFromTemplate(template: DatabaseTemplate): Promise<PgliteDatabase> {
  const fileName = `coverdesk-pglite-tpl-${template.key}.tar`;
  const kept = readImage(fileName);
  if (kept) return openPglite(null, { template: kept });
  const db = await openPglite(null, { template: await pgliteEmptyImage() });
  try {
    await template.build(db);
    await keepImage(fileName, await db.dumpDataDir());
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function cachedImage(fileName: string, make: () => Promise<Blob>): Promise<Blob> {
  const kept = readImage(fileName);
  if (kept) return kept;
  const image = await make();
  await keepImage(fileName, image);
  return image;
}

function readImage(fileName: string): Blob | null {
  const file = join(tmpdir(), fileName);
  return existsSync(file) ? new Blob([readFileSync(file)]) : null;
}

async function keepImage(fileName: string, image: Blob): Promise<void> {
  const file = join(tmpdir(), fileName);
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, Buffer.from(await image.arrayBuffer()));
  try {
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('coverdesk-pglite-tpl-') || name === fileName) continue;
    const path = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(path).mtimeMs > templateLifetimeMs) rmSync(path, { force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}
