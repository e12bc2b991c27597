import { createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { appendAudit } from '../audit/chain';
import type { Database } from '../db/database';
import type { SmsGateway } from '../identity/sms';
import { charge } from '../identity/lookup-limits';
import { countSignInFailure } from '../auth/sign-in';

/**
 * Signing in to the beneficiary page (issue 16): a scheme id and a one-time code sent to the
 * family's registered phone, then a short session cookie.
 *
 * What an attacker at the sign-in form learns: nothing. An unknown scheme id gets the same answer
 * as a known one ("if this scheme id is registered, a code was sent"), and a wrong code the same
 * answer as an unknown scheme id; both are counted against the same keys. Nothing about the member
 * is shown before the code.
 *
 * Limits (shared by every server process, in PostgreSQL):
 * - codes sent: `sendsPerSchemeId` per scheme id in `sendWindowMinutes`, `sendsPerAddress` per
 *   address in an hour (`request_throttle`; counted for unknown ids too, so the limit reveals
 *   nothing);
 * - wrong codes: `failuresPerSchemeId` per scheme id and `failuresPerAddress` per address in
 *   `failureWindowMinutes` lock that key for the window (`login_throttle`, as operator sign-in);
 *   a locked key is refused without looking at the code;
 * - a code lasts `codeMinutes` and is used once (a replayed code is refused); only the newest
 *   code of a member counts.
 */
export interface BeneficiaryLimits {
  readonly sendsPerSchemeId: number;
  readonly sendWindowMinutes: number;
  readonly sendsPerAddress: number;
  readonly failuresPerSchemeId: number;
  readonly failuresPerAddress: number;
  readonly failureWindowMinutes: number;
  readonly codeMinutes: number;
  readonly sessionMinutes: number;
}

export const beneficiaryLimits: BeneficiaryLimits = {
  sendsPerSchemeId: 3,
  sendWindowMinutes: 15,
  sendsPerAddress: 10,
  failuresPerSchemeId: 5,
  failuresPerAddress: 20,
  failureWindowMinutes: 15,
  codeMinutes: 10,
  sessionMinutes: 15,
};

/** A scheme id as printed on the card (PMJ-S1000001): letters, digits and dashes. */
export const schemeIdPattern = /^[A-Z0-9][A-Z0-9-]{2,39}$/;

export function normalizeSchemeId(typed: string): string {
  return typed.trim().toUpperCase();
}

export interface BeneficiaryAuthDeps {
  readonly db: Database;
  /** The key codes and session cookies are hashed under (derived from the server key: never the database's). */
  readonly key: Buffer;
  readonly sms: SmsGateway;
  readonly now: () => Date;
  readonly limits: BeneficiaryLimits;
}

/** The beneficiary page's hashing key, kept apart from the server key's other uses. */
export function beneficiaryKey(serverKey: Buffer): Buffer {
  return createHmac('sha256', serverKey).update('coverdesk beneficiary page v1').digest();
}

const hashOf = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

export type Refused = { readonly kind: 'throttled'; readonly retryAfterSeconds: number };

/**
 * Send a sign-in code to the registered phone of the member with this scheme id, if there is one.
 * The answer is the same either way; only the limits can refuse (throttled).
 */
export async function sendSignInCode(deps: BeneficiaryAuthDeps, schemeId: string, address: string): Promise<Refused | null> {
  const { limits } = deps;
  const sent = await deps.db.transaction(async (sql) => {
    const byId = await charge(sql, `member-page:send:id:${schemeId}`, limits.sendsPerSchemeId, limits.sendWindowMinutes);
    const byAddress = await charge(sql, `member-page:send:address:${address}`, limits.sendsPerAddress, 60);
    const retry = Math.max(byId ?? 0, byAddress ?? 0);
    if (retry > 0) return { refused: { kind: 'throttled', retryAfterSeconds: retry } as const, message: null };
    const [member] = await sql.query<{ id: string; registered_phone: string }>(
      'SELECT m.id, f.registered_phone FROM members m JOIN families f ON f.id = m.family_id WHERE m.scheme_member_id = $1',
      [schemeId],
    );
    if (!member) return { refused: null, message: null };
    const now = deps.now();
    const codeId = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await sql.query('INSERT INTO beneficiary_codes (id, member_id, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      codeId,
      member.id,
      hashOf(deps.key, `code:${codeId}:${code}`).toString('hex'),
      now,
      new Date(now.getTime() + limits.codeMinutes * 60_000),
    ]);
    await appendAudit(sql, { actorId: null, action: 'beneficiary-code-sent', entityType: 'member', entityId: member.id, after: { codeId, address } });
    const text = `CoverDesk: your sign-in code for your scheme record is ${code}. It is valid for ${limits.codeMinutes} minutes. No hospital or scheme officer will ask for it.`;
    return { refused: null, message: { codeId, phone: member.registered_phone, text } };
  });
  // The gateway is called after the commit, holding no lock; a failed delivery marks the code unusable.
  if (sent.message) {
    const { codeId, phone, text } = sent.message;
    await deps.sms.send(phone, text).catch(async () => {
      await deps.db.query('UPDATE beneficiary_codes SET sms_failed_at = now() WHERE id = $1', [codeId]);
    });
  }
  return sent.refused;
}

export type SignIn = { readonly kind: 'signed-in'; readonly cookie: string; readonly expiresAt: Date } | { readonly kind: 'wrong' } | Refused;

/**
 * Check a scheme id and code. A locked key is refused before the code is looked at. A wrong code,
 * an unknown scheme id, an expired, replaced or already used code all answer `wrong` and count
 * against the scheme id and the address.
 */
export async function signInWithCode(deps: BeneficiaryAuthDeps, schemeId: string, code: string, address: string): Promise<SignIn> {
  const { limits } = deps;
  const keys = [`member-page:id:${schemeId}`, `member-page:address:${address}`] as const;
  const [locked] = await deps.db.query<{ seconds: number }>(
    'SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS seconds FROM login_throttle WHERE key = ANY($1) AND locked_until > now() HAVING max(locked_until) IS NOT NULL',
    [[...keys]],
  );
  if (locked) return { kind: 'throttled', retryAfterSeconds: Math.max(1, locked.seconds) };
  const now = deps.now();
  const [candidate] = await deps.db.query<{ id: string; member_id: string; family_id: string; code_hash: string }>(
    `SELECT c.id, c.member_id, m.family_id, c.code_hash FROM beneficiary_codes c JOIN members m ON m.id = c.member_id
      WHERE m.scheme_member_id = $1 AND c.sms_failed_at IS NULL
      ORDER BY c.created_at DESC LIMIT 1`,
    [schemeId],
  );
  const codeId = candidate?.id ?? randomUUID();
  const typed = hashOf(deps.key, `code:${codeId}:${code}`);
  const stored = candidate ? Buffer.from(candidate.code_hash, 'hex') : hashOf(deps.key, `no member:${randomUUID()}`);
  const isRight = timingSafeEqual(typed, stored) && candidate !== undefined;
  if (isRight && candidate) {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + limits.sessionMinutes * 60_000);
    const started = await deps.db.transaction(async (sql) => {
      // Used once: of two sign-ins with the same code, one wins; expired codes never sign in.
      const [used] = await sql.query('UPDATE beneficiary_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING id', [
        candidate.id,
        now,
      ]);
      if (!used) return false;
      await sql.query('INSERT INTO beneficiary_sessions (token_hash, member_id, family_id, code_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        hashOf(deps.key, `session:${token}`).toString('hex'),
        candidate.member_id,
        candidate.family_id,
        candidate.id,
        now,
        expiresAt,
      ]);
      await sql.query('DELETE FROM login_throttle WHERE key = $1', [keys[0]]);
      await appendAudit(sql, {
        actorId: null,
        action: 'beneficiary-signed-in',
        entityType: 'member',
        entityId: candidate.member_id,
        after: { codeId: candidate.id, address },
      });
      return true;
    });
    if (started) return { kind: 'signed-in', cookie: token, expiresAt };
  }
  await deps.db.transaction(async (sql) => {
    for (const [key, limit] of [
      [keys[0], limits.failuresPerSchemeId],
      [keys[1], limits.failuresPerAddress],
    ] as const)
      await countSignInFailure(sql, key, limit, limits.failureWindowMinutes);
  });
  return { kind: 'wrong' };
}

export interface BeneficiarySession {
  readonly memberId: string;
  readonly familyId: string;
  readonly expiresAt: Date;
}

/** The session a cookie names, if it is still open. */
export async function sessionOf(deps: Pick<BeneficiaryAuthDeps, 'db' | 'key' | 'now'>, cookie: string | undefined): Promise<BeneficiarySession | null> {
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
  const [row] = await deps.db.query<{ member_id: string; family_id: string; expires_at: Date }>(
    'SELECT member_id, family_id, expires_at FROM beneficiary_sessions WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > $2',
    [hashOf(deps.key, `session:${cookie}`).toString('hex'), deps.now()],
  );
  return row ? { memberId: row.member_id, familyId: row.family_id, expiresAt: new Date(row.expires_at) } : null;
}

/** Sign-out ends the session on the server, whatever the browser keeps. */
export async function endSession(deps: Pick<BeneficiaryAuthDeps, 'db' | 'key' | 'now'>, cookie: string): Promise<void> {
  await deps.db.query('UPDATE beneficiary_sessions SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL', [
    hashOf(deps.key, `session:${cookie}`).toString('hex'),
    deps.now(),
  ]);
}
