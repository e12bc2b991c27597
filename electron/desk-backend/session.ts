import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { DeskResult, SessionInfo } from '../desk-api/contract';
import type { ReplicaDatabase } from './database';
import { ServerCallError, type SyncServerClient } from './server-client';

export interface DeskIdentity {
  readonly deskId: string;
  readonly hospitalId: string;
  readonly hospitalName: string;
  readonly scheme: SessionInfo['scheme'];
}

/** Offline sign-in verifier: scrypt of the password with a per-entry salt, kept only on this desk. */
function makeVerifier(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('base64')}$${scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
}

function checkVerifier(password: string, verifier: string): boolean {
  const [salt, key] = verifier.split('$');
  if (!salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), 32, { N: 16384, r: 8, p: 1 });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Offline sign-in is capped (SECURITY.md, issue 13 item 9): the verifier is the only thing between
 * someone at an unattended desk and an operator's session while the server cannot be reached.
 * Every `attemptsPerLock` wrong passwords in a row lock offline sign-in for that operator for
 * `lockMs`; after `attemptsBeforeForget` in a row the verifier is deleted, and the operator must
 * sign in online again. A right password (online or offline) starts the count again. The count
 * lives in the replica, so restarting the desk does not reset it.
 */
export const offlineSignInLimits = { attemptsPerLock: 5, lockMs: 15 * 60_000, attemptsBeforeForget: 20 } as const;

/**
 * Operator status from the server (`GET /sync/operators`): forget the offline sign-in of every
 * cached operator who is no longer active at this desk's hospital. Returns how many were forgotten.
 */
export function forgetInactiveOperators(db: ReplicaDatabase, activeOperatorIds: readonly string[]): number {
  return db.prepare('DELETE FROM operator_cache WHERE operator_id NOT IN (SELECT value FROM json_each(?))').run(JSON.stringify(activeOperatorIds)).changes;
}

/**
 * Sign in online when the server answers, else with the offline verifier. An operator who can
 * sign in offline does not wait the full server timeout for a network that accepts connections
 * and never answers (a captive portal, a dead proxy): after `fallbackAfterMs` the desk goes
 * offline-first for them.
 */
export async function signIn(db: ReplicaDatabase, client: SyncServerClient | null, identity: DeskIdentity, username: string, password: string, fallbackAfterMs = 4_000, now: () => Date = () => new Date()): Promise<DeskResult<SessionInfo>> {
  const session = (operatorId: string, roles: string[], isOffline: boolean): SessionInfo => ({
    operatorId, username, displayName: username, roles, hospitalId: identity.hospitalId, hospitalName: identity.hospitalName,
    deskId: identity.deskId, isOfflineSession: isOffline, scheme: identity.scheme,
  });
  const cached = db.prepare('SELECT operator_id AS operatorId, roles, verifier, failed_attempts AS failedAttempts, locked_until AS lockedUntil FROM operator_cache WHERE username = ?')
    .get(username) as { operatorId: string; roles: string; verifier: string; failedAttempts: number; lockedUntil: string | null } | undefined;
  if (client) {
    try {
      const operator = await client.login(username, password, cached ? fallbackAfterMs : undefined);
      if (operator.hospitalId !== identity.hospitalId) {
        return { ok: false, error: { code: 'wrong-hospital', message: `${username} works for another hospital and cannot use this desk.` } };
      }
      db.prepare('INSERT INTO operator_cache (username, operator_id, roles, hospital_id, verifier, cached_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET operator_id = excluded.operator_id, roles = excluded.roles, hospital_id = excluded.hospital_id, verifier = excluded.verifier, cached_at = excluded.cached_at, failed_attempts = 0, locked_until = NULL')
        .run(username, operator.operatorId, JSON.stringify(operator.roles), operator.hospitalId, makeVerifier(password), new Date().toISOString());
      return { ok: true, value: session(operator.operatorId, operator.roles, false) };
    } catch (error) {
      if (!(error instanceof ServerCallError)) throw error;
      // Only the server saying no (401) means a wrong password. An unreachable server or a torn,
      // garbled answer says nothing about the password: fall back to the offline verifier.
      if (error.fault.kind === 'refused') {
        return { ok: false, error: { code: error.fault.status === 401 ? 'invalid-credentials' : error.fault.code, message: error.fault.message } };
      }
    }
  }
  // The server is unreachable: operators who signed in here before may work offline.
  if (!cached) return { ok: false, error: { code: 'offline-unavailable', message: 'The server cannot be reached and this operator has never signed in on this desk; sign in once while online.' } };
  const at = now();
  if (cached.lockedUntil && Date.parse(cached.lockedUntil) > at.getTime()) {
    return { ok: false, error: { code: 'too-many-attempts', message: `Too many wrong passwords for ${username} on this desk: offline sign-in is locked until ${new Date(cached.lockedUntil).toLocaleTimeString()}. Signing in while the server can be reached works at any time.` } };
  }
  if (!checkVerifier(password, cached.verifier)) {
    const failures = cached.failedAttempts + 1;
    if (failures >= offlineSignInLimits.attemptsBeforeForget) {
      db.prepare('DELETE FROM operator_cache WHERE username = ?').run(username);
      return { ok: false, error: { code: 'too-many-attempts', message: `Too many wrong passwords for ${username} on this desk: offline sign-in is switched off for this operator until they sign in once while the server can be reached.` } };
    }
    const lockedUntil = failures % offlineSignInLimits.attemptsPerLock === 0 ? new Date(at.getTime() + offlineSignInLimits.lockMs).toISOString() : null;
    db.prepare('UPDATE operator_cache SET failed_attempts = ?, locked_until = ? WHERE username = ?').run(failures, lockedUntil, username);
    return { ok: false, error: { code: 'invalid-credentials', message: 'The username or password is not right.' } };
  }
  db.prepare('UPDATE operator_cache SET failed_attempts = 0, locked_until = NULL WHERE username = ?').run(username);
  return { ok: true, value: session(cached.operatorId, JSON.parse(cached.roles) as string[], true) };
}
