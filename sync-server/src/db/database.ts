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
}

export interface Database extends Sql {
  readonly kind: 'postgres' | 'pglite';
  /** Where the data lives, for the start-up banner (never includes a password). */
  readonly location: string;
  /**
   * Run `work` in one READ COMMITTED transaction. Deadlocks and serialization failures are retried
   * a few times; any other error rolls back and propagates.
   */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** PostgreSQL error codes we act on. */
export const pgErrors = {
  uniqueViolation: '23505',
  checkViolation: '23514',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
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
