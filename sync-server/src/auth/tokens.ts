import { createHmac, timingSafeEqual } from 'node:crypto';
import { findKey, type Keyring } from './keyring';
import { isRole, type HospitalId, type OperatorId, type Role } from '@domain/ids';

export interface Principal {
  readonly operatorId: OperatorId;
  readonly roles: readonly Role[];
  /** Hospital scope; null for scheme-wide payer and administration roles. */
  readonly hospitalId: HospitalId | null;
}

/**
 * Short-lived bearer tokens: keyId + "." + base64url(JSON claims) + "." + HMAC-SHA256 over both under
 * that key of the token keyring (auth/keyring.ts): the current key signs, previous keys still verify.
 */
export const tokenLifetimeSeconds = 15 * 60;

export function issueToken(ring: Keyring, principal: Principal, nowMs: number): { token: string; expiresAt: string } {
  const expiresAtSeconds = Math.floor(nowMs / 1000) + tokenLifetimeSeconds;
  // iat in milliseconds: a sign-out at a given instant refuses every token issued before it (operators.tokens_valid_after).
  const claims = { sub: principal.operatorId, roles: principal.roles, hospitalId: principal.hospitalId, exp: expiresAtSeconds, iat: nowMs };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const { id, key } = ring.current;
  const signature = createHmac('sha256', key).update(`${id}.${payload}`).digest('base64url');
  return { token: `${id}.${payload}.${signature}`, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
}

export type TokenCheck = { ok: true; principal: Principal; issuedAtMs: number } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyToken(ring: Keyring, token: string, nowMs: number): TokenCheck {
  const parts = token.split('.');
  const [keyId, payload, signature] = parts;
  if (parts.length !== 3 || !keyId || !payload || !signature) return { ok: false, reason: 'malformed' };
  const key = findKey(ring, keyId);
  if (!key) return { ok: false, reason: 'bad-signature' };
  const expected = createHmac('sha256', key).update(`${keyId}.${payload}`).digest();
  const actual = Buffer.from(signature, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { ok: false, reason: 'bad-signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims !== 'object' || claims === null) return { ok: false, reason: 'malformed' };
  const { sub, roles, hospitalId, exp, iat } = claims as Record<string, unknown>;
  if (typeof sub !== 'string' || !Array.isArray(roles) || typeof exp !== 'number' || typeof iat !== 'number') return { ok: false, reason: 'malformed' };
  if (exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  const validRoles = roles.filter((r): r is Role => typeof r === 'string' && isRole(r));
  return {
    ok: true,
    issuedAtMs: iat,
    principal: { operatorId: sub as OperatorId, roles: validRoles, hospitalId: typeof hospitalId === 'string' ? (hospitalId as HospitalId) : null },
  };
}
