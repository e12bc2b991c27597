/**
 * One database interface over PostgreSQL (node-postgres pool) and PGlite (embedded, one
 * connection). Repositories take a `Sql` handle first; a transaction hands them the same type,
 * so the same repository code runs inside or outside one.
 */
export type SqlValue = string | number | boolean | null | Date | readonly string[] | readonly number[] | Buffer;

export interface Sql {
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Run a multi-statement script with no parameters (migrations). */
  script(text: string): Promise<void>;
  /**
   * An INSERT or UPDATE whose result the caller does not need. Inside a transaction it is queued
   * and sent with the others as one statement (data-modifying CTEs) when the transaction is about
   * to commit: one round trip instead of one per write, which shortens every lock's hold time.
   * Outside a transaction it runs at once. Never defer two writes to the same row: the statements
   * of one flush all see the same snapshot.
   */
  defer(text: string, params?: readonly SqlValue[]): Promise<void>;
}

export interface TransactionSql extends Sql {
  /** Send the queued writes, together with a final statement, in one round trip. */
  flush<Row extends object = Record<string, unknown>>(finalText?: string, finalParams?: readonly SqlValue[]): Promise<Row[]>;
}

export interface DatabasePool {
  stats(): { total: number; idle: number; waiting: number };
  /** Called with how long each connection request waited (seconds), whether it got one or not. */
  onWait(listener: (seconds: number) => void): void;
}

export interface Database extends Sql {
  readonly kind: 'postgres' | 'pglite';
  /** Where the data lives, for the start-up banner (never includes a password). */
  readonly location: string;
  /** The connection pool, for the metrics (observability/metrics.ts); PGlite has none. */
  readonly pool?: DatabasePool;
  /**
   * Run `work` in one READ COMMITTED transaction, flushing deferred writes before COMMIT.
   * `prelude` (parameterless SQL) is sent in the same round trip as BEGIN and its rows handed to
   * `work`. Deadlocks and serialization failures are retried a few times; any other error rolls
   * back and propagates.
   */
  transaction<T>(work: (sql: TransactionSql, preludeRows: Record<string, unknown>[]) => Promise<T>, options?: { prelude?: string }): Promise<T>;
  close(): Promise<void>;
}

/** PostgreSQL error codes we act on. */
export const pgErrors = {
  uniqueViolation: '23505',
  checkViolation: '23514',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  /** lock_timeout expired. */
  lockNotAvailable: '55P03',
  /** statement_timeout expired (or the statement was cancelled). */
  queryCanceled: '57014',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** The DETAIL of a database error, e.g. the facts a function RAISEd along with its own SQLSTATE. */
export function pgErrorDetail(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'detail' in error && typeof error.detail === 'string') return error.detail;
  return undefined;
}

export function pgConstraint(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'constraint' in error && typeof error.constraint === 'string') return error.constraint;
  return undefined;
}

export function isRetryable(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code === pgErrors.serializationFailure || code === pgErrors.deadlockDetected;
}

/** Every connection stayed busy for the pool's whole wait limit: the request never started. */
export class DatabaseBusyError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no database connection became free within ${waitedMs} ms`);
    this.name = 'DatabaseBusyError';
  }
}

/**
 * A failure that says nothing about the request: the database unreachable, restarting, out of
 * resources, a lock or statement that timed out, a serialization conflict retried out. The same
 * request may succeed later, so a desk's push stops there and retries. Anything else (bad data,
 * a broken invariant, a bug) fails the same way every time.
 */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof DatabaseBusyError) return true;
  const code = pgErrorCode(error);
  if (code !== undefined) {
    // SQLSTATE classes: 08 connection, 53 insufficient resources, 57 operator intervention
    // (shutdown, statement_timeout's 57014), 58 system error, 40 transaction rollback;
    // 55P03 lock_not_available (lock_timeout). Node's own socket errors are E-codes.
    return /^(08|53|57|58|40)/.test(code) || code === '55P03' || /^E[A-Z]+$/.test(code);
  }
  // node-postgres reports a lost connection and the pool's own wait limit without a code.
  return (
    error instanceof Error &&
    /connection terminated|connection error|timeout exceeded when trying to connect|client was closed|not queryable/i.test(error.message)
  );
}

/**
 * The database cannot be reached or has gone away under the request: the connection was refused
 * or cut, the server is shutting down, crashed or not yet accepting connections, or it is a
 * standby that cannot write (SQLSTATE classes 08, 57P01–57P03, 25006). During a failover
 * (docs/operations.md, "High availability") every request sees one of these until the new primary
 * takes over; the pool drops the broken connections (postgres.ts) and the next ones reach it.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code !== undefined) return /^08/.test(code) || /^57P0[123]$/.test(code) || code === '25006' || /^E[A-Z]+$/.test(code);
  return (
    error instanceof Error &&
    /connection terminated|connection error|client was closed|not queryable|Client has encountered a connection error/i.test(error.message)
  );
}

/** A SQL string literal, for the few parameterless statements built from validated values. */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Combine queued writes and a final statement into ONE statement of data-modifying CTEs,
 * renumbering each statement's $n placeholders. PostgreSQL runs every data-modifying CTE exactly
 * once, whether or not the final statement reads it.
 */
export function combineWrites(
  writes: readonly { text: string; params: readonly SqlValue[] }[],
  finalText: string | undefined,
  finalParams: readonly SqlValue[],
): { text: string; params: SqlValue[] } {
  const params: SqlValue[] = [];
  const renumber = (text: string, own: readonly SqlValue[]): string => {
    const offset = params.length;
    params.push(...own);
    return text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  };
  const ctes = writes.map((write, index) => `w${index} AS (${renumber(write.text, write.params)})`);
  const final = finalText ? renumber(finalText, finalParams) : 'SELECT 1 AS done';
  return { text: ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n${final}` : final, params };
}
