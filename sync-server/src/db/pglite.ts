import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { Database, Sql, SqlValue } from './database';

/**
 * Embedded PostgreSQL (WASM) for the zero-configuration start. It has exactly one connection, so
 * every query and transaction is queued behind one lock; concurrency tests use real PostgreSQL.
 */
export async function openPglite(dataDir: string | null): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const parseBigint = (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} exceeds the safe integer range`);
    return parsed;
  };
  const db = await PGlite.create(dataDir ?? undefined, { parsers: { 20: parseBigint } });
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
    script: (text) => exclusive(async () => { await db.exec(text); }),
    transaction: <T>(work: (sql: Sql) => Promise<T>) =>
      exclusive(async () => {
        await run('BEGIN');
        try {
          const value = await work({ query: (text, params) => run(text, params), script: async (text) => { await db.exec(text); } });
          await run('COMMIT');
          return value;
        } catch (error) {
          await run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    close: () => exclusive(() => db.close()),
  };
}
