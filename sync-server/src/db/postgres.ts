import { createHash } from 'node:crypto';
import pg from 'pg';
import { combineWrites, isRetryable, type Database, type SqlValue, type TransactionSql } from './database';

// int8 (bigint) columns hold money in minor units and sequence numbers; both stay far below 2^53,
// and we refuse to silently lose precision if one ever does not.
pg.types.setTypeParser(20, (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} exceeds the safe integer range`);
  return parsed;
});

export function openPostgres(connectionString: string, options: { maxConnections?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 16 });
  // An idle client's error (e.g. the server restarted) must not crash the process: the pool drops it.
  pool.on('error', () => undefined);
  const url = new URL(connectionString);
  url.password = '';
  // Parameterized statements are prepared once per connection (named by a digest of their text):
  // the hot commands repeat the same few statements, and PostgreSQL then skips parse and analysis.
  const names = new Map<string, string>();
  const nameOf = (text: string): string => {
    let name = names.get(text);
    if (!name) {
      name = `cd_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      if (names.size < 2000) names.set(text, name);
    }
    return name;
  };
  const run = async <Row extends object>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly SqlValue[]): Promise<Row[]> => {
    const result = params && params.length > 0
      ? await client.query({ name: nameOf(text), text, values: params as unknown[] })
      : await client.query(text);
    return result.rows as Row[];
  };
  return {
    kind: 'postgres',
    location: url.toString(),
    query: (text, params) => run(pool, text, params),
    script: async (text) => { await pool.query(text); },
    defer: async (text, params) => { await run(pool, text, params); },
    async transaction(work, options = {}) {
      for (let attempt = 1; ; attempt += 1) {
        const client = await pool.connect();
        try {
          // BEGIN and the prelude travel together (simple protocol, several statements).
          const opened = (await client.query(options.prelude ? `BEGIN; ${options.prelude}` : 'BEGIN')) as unknown as pg.QueryResult | pg.QueryResult[];
          const preludeRows = Array.isArray(opened) ? (opened[opened.length - 1]?.rows ?? []) : [];
          let queued: { text: string; params: readonly SqlValue[] }[] = [];
          const sql: TransactionSql = {
            query: (text, params) => run(client, text, params),
            script: async (text) => { await client.query(text); },
            defer: async (text, params = []) => { queued.push({ text, params }); },
            flush: async (finalText, finalParams = []) => {
              if (queued.length === 0 && !finalText) return [];
              const combined = combineWrites(queued, finalText, finalParams);
              queued = [];
              return run(client, combined.text, combined.params);
            },
          };
          const value = await work(sql, preludeRows as Record<string, unknown>[]);
          await sql.flush();
          await client.query('COMMIT');
          return value;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          if (isRetryable(error) && attempt < 5) continue;
          throw error;
        } finally {
          client.release();
        }
      }
    },
    close: () => pool.end(),
  };
}
