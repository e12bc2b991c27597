import { fail } from '@domain/outcomes';
import type { Sql } from '../db/database';

/**
 * How often people may be looked up and sent one-time codes (issue 13 item 8). Scheme ids and card
 * numbers are sequential, so an operator walking through them finds someone at nearly every step:
 * every lookup that finds a member is counted per operator and per member, in the lookup's own
 * transaction (with its audit entry); one that finds nobody reveals nothing and, like every refused
 * request, writes nothing. One-time codes are counted per operator (per member the OTP policy limits
 * them, identity/otp.ts). Counted in PostgreSQL (`request_throttle`, migration 027), shared by every
 * server process. Past a limit: 429 `too-many-requests`, and the refused request writes nothing.
 */
export interface LookupLimits {
  /** identify-member that found a member, per operator in `operatorWindowMinutes`. */
  readonly lookupsPerOperator: number;
  readonly operatorWindowMinutes: number;
  /** identify-member of one member, by anyone, per `memberWindowMinutes`. */
  readonly lookupsPerMember: number;
  readonly memberWindowMinutes: number;
  /** send-otp per operator per hour. */
  readonly otpSendsPerOperatorPerHour: number;
}

/** A busy admission desk identifies a patient every few minutes; these leave it ample room. */
export const lookupLimits: LookupLimits = {
  lookupsPerOperator: 60,
  operatorWindowMinutes: 10,
  lookupsPerMember: 20,
  memberWindowMinutes: 60,
  otpSendsPerOperatorPerHour: 30,
};

/**
 * Count one request against `key` in its window: one conditional upsert, so two servers counting
 * at once both count. Returns the seconds until the window ends when the count is past `limit`.
 */
export async function charge(sql: Pick<Sql, 'query'>, key: string, limit: number, windowMinutes: number): Promise<number | null> {
  const [row] = await sql.query<{ count: number; retry_after: number }>(
    `INSERT INTO request_throttle AS t (key, count, window_started) VALUES ($1, 1, now())
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN t.window_started < now() - make_interval(mins => $2::int) THEN 1 ELSE t.count + 1 END,
       window_started = CASE WHEN t.window_started < now() - make_interval(mins => $2::int) THEN now() ELSE t.window_started END
     RETURNING count, GREATEST(1, ceil(extract(epoch FROM window_started + make_interval(mins => $2::int) - now())))::int AS retry_after`,
    [key, windowMinutes],
  );
  return row && row.count > limit ? row.retry_after : null;
}

function tooMany(what: string, retryAfterSeconds: number): never {
  throw fail(
    'too-many-requests',
    `${what} Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes; the health authority can see these lookups in the audit log.`,
    { retryAfterSeconds },
  );
}

/** An operator's lookup that found a member, inside identify-member's transaction. */
export async function chargeOperatorLookup(sql: Sql, operatorId: string, limits: LookupLimits = lookupLimits): Promise<void> {
  const retry = await charge(sql, `lookup:operator:${operatorId}`, limits.lookupsPerOperator, limits.operatorWindowMinutes);
  if (retry !== null) tooMany(`You looked up more than ${limits.lookupsPerOperator} beneficiaries in ${limits.operatorWindowMinutes} minutes.`, retry);
}

/** A lookup of one member, inside identify-member's transaction (a refusal rolls the whole lookup back). */
export async function chargeMemberLookup(sql: Sql, memberId: string, limits: LookupLimits = lookupLimits): Promise<void> {
  const retry = await charge(sql, `lookup:member:${memberId}`, limits.lookupsPerMember, limits.memberWindowMinutes);
  if (retry !== null) tooMany(`This beneficiary was looked up more than ${limits.lookupsPerMember} times in ${limits.memberWindowMinutes} minutes.`, retry);
}

/** A one-time code sent by an operator, inside send-otp's transaction (a refused send sends nothing). */
export async function chargeOtpSend(sql: Sql, operatorId: string, limits: LookupLimits = lookupLimits): Promise<void> {
  const retry = await charge(sql, `otp:operator:${operatorId}`, limits.otpSendsPerOperatorPerHour, 60);
  if (retry !== null) tooMany(`You sent more than ${limits.otpSendsPerOperatorPerHour} one-time codes in the last hour.`, retry);
}
