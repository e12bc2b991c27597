import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { combineWrites, type Database, type SqlValue, type TransactionSql } from './database';

/**
 * Embedded PostgreSQL (WASM) for the zero-configuration start. It has exactly one connection, so
 * every query and transaction is queued behind one lock; concurrency tests use real PostgreSQL.
 */
/** PGlite's database, which can also write its whole data directory out as a tarball (test templates). */
export interface PgliteDatabase extends Database {
  dumpDataDir(): Promise<Blob>;
}

export async function openPglite(dataDir: string | null, options: { template?: Blob } = {}): Promise<PgliteDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const parseBigint = (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} exceeds the safe integer range`);
    return parsed;
  };
  // A template (a data directory tarball from `dumpDataDir`) skips initdb: tests start from one.
  const db = await PGlite.create(dataDir ?? undefined, { parsers: { 20: parseBigint }, ...(options.template ? { loadDataDir: options.template } : {}) });
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const run = async <Row extends object>(text: string, params?: readonly SqlValue[]): Promise<Row[]> => {
    const result = await db.query<Row>(text, params as unknown[] | undefined);
    return result.rows;
  };
  return {
    kind: 'pglite',
    location: dataDir ?? 'memory (nothing is kept)',
    query: (text, params) => exclusive(() => run(text, params)),
    script: (text) =>
      exclusive(async () => {
        await db.exec(text);
      }),
    defer: (text, params) =>
      exclusive(async () => {
        await run(text, params);
      }),
    transaction: (work, options = {}) =>
      exclusive(async () => {
        const opened = await db.exec(options.prelude ? `BEGIN; ${options.prelude}` : 'BEGIN');
        const preludeRows = (opened[opened.length - 1]?.rows ?? []) as Record<string, unknown>[];
        let queued: { text: string; params: readonly SqlValue[] }[] = [];
        const sql: TransactionSql = {
          query: (text, params) => run(text, params),
          script: async (text) => {
            await db.exec(text);
          },
          defer: async (text, params = []) => {
            queued.push({ text, params });
          },
          flush: async (finalText, finalParams = []) => {
            if (queued.length === 0 && !finalText) return [];
            const combined = combineWrites(queued, finalText, finalParams);
            queued = [];
            return run(combined.text, combined.params);
          },
        };
        try {
          const value = await work(sql, preludeRows);
          await sql.flush();
          await run('COMMIT');
          return value;
        } catch (error) {
          await run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    close: () => exclusive(() => db.close()),
    dumpDataDir: () => exclusive(() => db.dumpDataDir('none') as Promise<Blob>),
  };
}
