import { createHash } from 'node:crypto';
import pg from 'pg';
import { currentRequestId } from '../observability/request-context';
import { combineWrites, DatabaseBusyError, isDatabaseUnreachable, isRetryable, type Database, type SqlValue, type TransactionSql } from './database';

// int8 (bigint) columns hold money in minor units and sequence numbers; both stay far below 2^53,
// and we refuse to silently lose precision if one ever does not.
pg.types.setTypeParser(20, (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} exceeds the safe integer range`);
  return parsed;
});

/**
 * Time limits of every connection. Nothing may wait without bound: a lock held by a stuck
 * transaction, a runaway statement or an exhausted pool answers a 503 the client retries
 * (app.ts), instead of queueing every request of the server behind it.
 */
export interface PostgresLimits {
  /** Connections in the pool (default 16). */
  readonly maxConnections?: number;
  /** How long a request waits for a free connection (default 5 s): then DatabaseBusyError. */
  readonly poolWaitMs?: number;
  /** How long a statement waits for one lock (default 5 s): then SQLSTATE 55P03. */
  readonly lockTimeoutMs?: number;
  /** How long one statement may run (default 30 s, above a full pull page): then 57014. */
  readonly statementTimeoutMs?: number;
}

export const defaultPostgresLimits = { maxConnections: 16, poolWaitMs: 5_000, lockTimeoutMs: 5_000, statementTimeoutMs: 30_000 } as const;

export function openPostgres(connectionString: string, limits: PostgresLimits = {}): Database {
  const { maxConnections, poolWaitMs, lockTimeoutMs, statementTimeoutMs } = { ...defaultPostgresLimits, ...limits };
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    connectionTimeoutMillis: poolWaitMs,
    // Set at connection start, so they hold for every statement and transaction on it; a session
    // left idle inside a transaction is ended after a minute so it cannot hold its locks forever.
    options: `-c lock_timeout=${lockTimeoutMs} -c statement_timeout=${statementTimeoutMs} -c idle_in_transaction_session_timeout=60000`,
  });
  // A request waiting for a connection past poolWaitMs gets a typed error the server answers as 503.
  const waitListeners: ((seconds: number) => void)[] = [];
  const connect = async (): Promise<pg.PoolClient> => {
    const asked = performance.now();
    try {
      return await pool.connect();
    } catch (error) {
      // node-postgres words the two waits differently: for a pooled client, and for a new connection.
      if (error instanceof Error && /timeout exceeded when trying to connect|connection terminated due to connection timeout/i.test(error.message))
        throw new DatabaseBusyError(poolWaitMs);
      throw error;
    } finally {
      const waited = (performance.now() - asked) / 1000;
      for (const listener of waitListeners) listener(waited);
    }
  };
  // An idle client's error (e.g. the server restarted) must not crash the process: the pool drops it.
  pool.on('error', () => undefined);
  // Nor a checked-out one's: pg-pool listens only while a client is idle, and a connection cut
  // between two statements of a transaction (the primary killed, HAProxy cutting its sessions)
  // emits 'error' on the client. Unheard, that is an uncaught exception that ends the process.
  // The statement waiting on it fails on its own, and the client, no longer queryable, is dropped
  // at release.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
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
  const run = async <Row extends object>(client: pg.PoolClient, text: string, params?: readonly SqlValue[]): Promise<Row[]> => {
    const result = params && params.length > 0 ? await client.query({ name: nameOf(text), text, values: params as unknown[] }) : await client.query(text);
    return result.rows as Row[];
  };
  // A connection that failed as the database went away (a failover: the old primary killed, or
  // HAProxy cutting its sessions) is destroyed, never handed to the next request; new ones go
  // through HAProxy to whichever node leads now. node-postgres drops a connection it saw close,
  // but a demoted node's "read-only transaction" (25006) arrives on a live socket.
  const release = (client: pg.PoolClient, error: unknown): void => client.release(isDatabaseUnreachable(error) ? (error as Error) : undefined);
  const withClient = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await connect();
    let failure: unknown;
    try {
      return await work(client);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      release(client, failure);
    }
  };
  return {
    kind: 'postgres',
    location: url.toString(),
    pool: {
      stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      onWait: (listener) => void waitListeners.push(listener),
    },
    query: async (text, params) => withClient((client) => run(client, text, params)),
    // Scripts are migrations and bulk set-up, not request work: no request time limits (RESET
    // returns the connection to its start-up limits, whatever the script did).
    script: async (text) => {
      await withClient(async (client) => {
        try {
          await client.query(`SET statement_timeout = 0; SET lock_timeout = 0; ${text}`);
        } finally {
          await client.query('RESET statement_timeout; RESET lock_timeout').catch(() => undefined);
        }
      });
    },
    defer: async (text, params) => {
      await withClient((client) => run(client, text, params));
    },
    async transaction(work, options = {}) {
      for (let attempt = 1; ; attempt += 1) {
        const client = await connect();
        let failure: unknown;
        try {
          // BEGIN and the prelude travel together (simple protocol, several statements). A
          // transaction run for a request is named by its id (application_name, for PostgreSQL's
          // own logs and pg_stat_activity), in the same round trip; the id is [A-Za-z0-9._-] only.
          const requestId = currentRequestId();
          const begin = requestId ? `BEGIN; SET LOCAL application_name = 'coverdesk ${requestId}'` : 'BEGIN';
          const opened = (await client.query(options.prelude ? `${begin}; ${options.prelude}` : begin)) as unknown as pg.QueryResult | pg.QueryResult[];
          const preludeRows = Array.isArray(opened) ? (opened[opened.length - 1]?.rows ?? []) : [];
          let queued: { text: string; params: readonly SqlValue[] }[] = [];
          const sql: TransactionSql = {
            query: (text, params) => run(client, text, params),
            script: async (text) => {
              await client.query(text);
            },
            defer: async (text, params = []) => {
              queued.push({ text, params });
            },
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
          failure = error;
          if (!isDatabaseUnreachable(error)) await client.query('ROLLBACK').catch(() => undefined);
          if (isRetryable(error) && attempt < 5) continue;
          throw error;
        } finally {
          release(client, failure);
        }
      }
    },
    close: () => pool.end(),
  };
}
