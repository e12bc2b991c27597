import { fail } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { Database, Sql } from '../db/database';
import { hashPassword, needsRehash, verifyPasswordOrDummy } from './passwords';

/**
 * Sign-in safety (issue 13 item 7): failed sign-ins are counted per account and per address in
 * PostgreSQL (`login_throttle`, migration 22), so every server process behind the load balancer
 * shares the count; past the limit the key is locked for the window and sign-in answers 429 without
 * running the password hash. Unknown usernames run the hash too (verifyPasswordOrDummy). Every
 * sign-in, failure, refusal and sign-out is in the audit log (never the password).
 */
export interface SignInLimits {
  readonly perAccount: number;
  readonly perAddress: number;
  readonly windowMinutes: number;
}
export const signInLimits: SignInLimits = { perAccount: 5, perAddress: 30, windowMinutes: 15 };

export class TooManyAttempts extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many failed sign-ins');
  }
}

interface OperatorRow {
  id: string;
  password_hash: string;
  roles: string[];
  hospital_id: string | null;
  is_active: boolean;
}

const accountKey = (username: string) => `account:${username.trim().toLowerCase()}`;
const addressKey = (address: string) => `address:${address}`;

export async function signIn(db: Database, username: string, password: string, address: string, limits: SignInLimits = signInLimits): Promise<OperatorRow> {
  const keys = [accountKey(username), addressKey(address)];
  const [locked] = await db.query<{ seconds: number }>(
    'SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS seconds FROM login_throttle WHERE key = ANY($1) AND locked_until > now() HAVING max(locked_until) IS NOT NULL',
    [keys],
  );
  if (locked) {
    await db.transaction(async (sql) =>
      appendAudit(sql, { actorId: null, action: 'sign-in-throttled', entityType: 'operator', entityId: username.slice(0, 200), after: { address } }),
    );
    throw new TooManyAttempts(Math.max(1, locked.seconds));
  }
  const [operator] = await db.query<OperatorRow>('SELECT id, password_hash, roles, hospital_id, is_active FROM operators WHERE username = $1', [username]);
  const passwordRight = await verifyPasswordOrDummy(password, operator?.password_hash ?? null);
  if (!operator || !operator.is_active || !passwordRight) {
    await db.transaction(async (sql) => {
      for (const [key, limit] of [
        [keys[0]!, limits.perAccount],
        [keys[1]!, limits.perAddress],
      ] as const) {
        await countSignInFailure(sql, key, limit, limits.windowMinutes);
      }
      await appendAudit(sql, {
        actorId: operator?.id ?? null,
        action: 'sign-in-failed',
        entityType: 'operator',
        entityId: operator?.id ?? username.slice(0, 200),
        after: { address, reason: !operator ? 'unknown-username' : !operator.is_active ? 'deactivated' : 'wrong-password' },
      });
    });
    throw fail('invalid-credentials', 'The username or password is not right.');
  }
  const rehashed = needsRehash(operator.password_hash) ? await hashPassword(password) : null;
  await db.transaction(async (sql) => {
    await sql.query('DELETE FROM login_throttle WHERE key = $1', [keys[0]!]);
    if (rehashed) await sql.query('UPDATE operators SET password_hash = $2 WHERE id = $1', [operator.id, rehashed]);
    await appendAudit(sql, {
      actorId: operator.id,
      action: 'signed-in',
      entityType: 'operator',
      entityId: operator.id,
      after: { address, ...(rehashed ? { passwordRehashed: true } : {}) },
    });
  });
  return operator;
}

/** Sign-out: every token of the operator issued until now is refused (operators.tokens_valid_after). */
export async function signOut(db: Database, operatorId: string, address: string): Promise<void> {
  await db.transaction(async (sql) => {
    await sql.query('UPDATE operators SET tokens_valid_after = clock_timestamp() WHERE id = $1', [operatorId]);
    await appendAudit(sql, { actorId: operatorId, action: 'signed-out', entityType: 'operator', entityId: operatorId, after: { address } });
  });
}

/**
 * One failed sign-in against `key` (login_throttle): counted in a window of `windowMinutes` that
 * starts afresh once it has passed, and the key locked for that long once the count reaches
 * `limit`. Operators' sign-in and the beneficiary page's code check both count this way.
 */
export async function countSignInFailure(sql: Pick<Sql, 'query'>, key: string, limit: number, windowMinutes: number): Promise<void> {
  await sql.query(
    `INSERT INTO login_throttle AS t (key, failures, window_started) VALUES ($1, 1, now())
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.window_started < now() - make_interval(mins => $2::int) THEN 1 ELSE t.failures + 1 END,
       window_started = CASE WHEN t.window_started < now() - make_interval(mins => $2::int) THEN now() ELSE t.window_started END`,
    [key, windowMinutes],
  );
  await sql.query('UPDATE login_throttle SET locked_until = now() + make_interval(mins => $3::int) WHERE key = $1 AND failures >= $2::int', [
    key,
    limit,
    windowMinutes,
  ]);
}
