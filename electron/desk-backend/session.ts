import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { DeskResult, SessionInfo } from '../desk-api/contract';
import type { ReplicaDatabase } from './database';
import { ServerCallError, type SyncServerClient } from './server-client';
import { keyRegistrationBytes, newOperatorKeyPair, privateKeyOf, signBytes } from '../../sync-server/node-shared/operator-proof';
import { openOperatorKey, OperatorSigner, sealOperatorKey } from './operator-key';

/** A signed-in operator: the session the renderer sees, and (kept here) their key for this session. */
export interface SignedIn {
  readonly session: SessionInfo;
  /** Null when the operator signed in offline and this desk holds no key of theirs that opens. */
  readonly signer: OperatorSigner | null;
}

export interface DeskIdentity {
  readonly deskId: string;
  readonly hospitalId: string;
  readonly hospitalName: string;
  readonly scheme: SessionInfo['scheme'];
}

/**
 * Offline sign-in verifier: scrypt of the password with a per-entry salt, kept only on this desk,
 * as `scrypt$<log2 N>$<r>$<p>$<salt>$<key>`. It is as costly to guess as the server's own password
 * hash (N = 2^17, r = 8: sync-server/src/auth/passwords.ts), since the password it gives away from
 * a copied replica is the same one the server accepts. Verifiers written before this format
 * (`<salt>$<key>`, N = 2^14) still verify, and are replaced at their next offline sign-in.
 * Derived off the event loop (libuv's pool), so a sign-in does not stall sync.
 */
export const verifierCost = { logN: 17, r: 8, p: 1 } as const;
const legacyCost = { logN: 14, r: 8, p: 1 } as const;

function derive(password: string, salt: Buffer, cost: { logN: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** cost.logN, r: cost.r, p: cost.p, maxmem: 256 * 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))));
}

async function makeVerifier(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, verifierCost);
  return `scrypt$${verifierCost.logN}$${verifierCost.r}$${verifierCost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** The cost a verifier was made with, or null when it is not one this desk can read. */
export function verifierParameters(verifier: string): { logN: number; r: number; p: number; salt: Buffer; key: Buffer } | null {
  const parts = verifier.split('$');
  if (parts.length === 2 && parts[0] && parts[1]) return { ...legacyCost, salt: Buffer.from(parts[0], 'base64'), key: Buffer.from(parts[1], 'base64') };
  const [kind, logN, r, p, salt, key] = parts;
  if (parts.length !== 6 || kind !== 'scrypt' || !salt || !key) return null;
  const cost = { logN: Number(logN), r: Number(r), p: Number(p) };
  // Bounded, so a tampered row cannot make a sign-in allocate gigabytes.
  if (![cost.logN, cost.r, cost.p].every(Number.isInteger) || cost.logN < 14 || cost.logN > 18 || cost.r !== 8 || cost.p !== 1) return null;
  return { ...cost, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

async function checkVerifier(password: string, verifier: string): Promise<{ readonly isMatch: boolean; readonly isCurrent: boolean }> {
  const parsed = verifierParameters(verifier);
  if (!parsed) return { isMatch: false, isCurrent: false };
  const actual = await derive(password, parsed.salt, parsed);
  const isMatch = actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
  return { isMatch, isCurrent: parsed.logN >= verifierCost.logN };
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
export async function signIn(
  db: ReplicaDatabase,
  client: SyncServerClient | null,
  identity: DeskIdentity,
  username: string,
  password: string,
  fallbackAfterMs = 4_000,
  now: () => Date = () => new Date(),
): Promise<DeskResult<SignedIn>> {
  const session = (operatorId: string, roles: string[], isOffline: boolean): SessionInfo => ({
    operatorId,
    username,
    displayName: username,
    roles,
    hospitalId: identity.hospitalId,
    hospitalName: identity.hospitalName,
    deskId: identity.deskId,
    isOfflineSession: isOffline,
    scheme: identity.scheme,
  });
  const cached = db.prepare('SELECT operator_id AS operatorId, roles FROM operator_cache WHERE username = ?').get(username) as
    { operatorId: string; roles: string } | undefined;
  if (client) {
    try {
      const operator = await client.login(username, password, cached ? fallbackAfterMs : undefined);
      if (operator.hospitalId !== identity.hospitalId) {
        return { ok: false, error: { code: 'wrong-hospital', message: `${username} works for another hospital and cannot use this desk.` } };
      }
      // A new key pair for this sign-in (issue 13 item 4): its public half registered with the
      // server (the operator's token and this desk's credential), its private half sealed under
      // the password, beside the verifier; the previous key of this operator here is replaced.
      const pair = newOperatorKeyPair();
      const privateKey = privateKeyOf(pair.privateKeyDer);
      const registered = await client.registerOperatorKey(
        operator.token,
        pair.publicKey,
        signBytes(privateKey, keyRegistrationBytes(identity.deskId, operator.operatorId, pair.publicKey)),
      );
      const [verifier, sealedKey] = await Promise.all([
        makeVerifier(password),
        sealOperatorKey(password, pair.privateKeyDer, registered.keyId, operator.operatorId, identity.deskId),
      ]);
      pair.privateKeyDer.fill(0);
      db.prepare(
        `INSERT INTO operator_cache (username, operator_id, roles, hospital_id, verifier, cached_at, key_id, key_sealed, key_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET operator_id = excluded.operator_id, roles = excluded.roles, hospital_id = excluded.hospital_id, verifier = excluded.verifier,
           cached_at = excluded.cached_at, failed_attempts = 0, locked_until = NULL, key_id = excluded.key_id, key_sealed = excluded.key_sealed, key_expires_at = excluded.key_expires_at`,
      ).run(
        username,
        operator.operatorId,
        JSON.stringify(operator.roles),
        operator.hospitalId,
        verifier,
        new Date().toISOString(),
        registered.keyId,
        sealedKey,
        registered.expiresAt,
      );
      return {
        ok: true,
        value: {
          session: session(operator.operatorId, operator.roles, false),
          signer: new OperatorSigner(operator.operatorId, identity.deskId, registered.keyId, registered.expiresAt, privateKey),
        },
      };
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
  if (!cached)
    return {
      ok: false,
      error: {
        code: 'offline-unavailable',
        message: 'The server cannot be reached and this operator has never signed in on this desk; sign in once while online.',
      },
    };
  const at = now();
  // The attempt is charged before the verifier runs, in one statement that also sets the lock on
  // every attemptsPerLock-th attempt: guesses sent in parallel (the verifier runs off the event
  // loop) cannot all pass the check before the count moves. A right password clears it below.
  const charged = db
    .prepare(
      `UPDATE operator_cache SET failed_attempts = failed_attempts + 1,
      locked_until = CASE WHEN (failed_attempts + 1) % ? = 0 THEN ? ELSE NULL END
    WHERE username = ? AND (locked_until IS NULL OR locked_until <= ?)
    RETURNING failed_attempts AS failures, verifier`,
    )
    .get(offlineSignInLimits.attemptsPerLock, new Date(at.getTime() + offlineSignInLimits.lockMs).toISOString(), username, at.toISOString()) as
    { failures: number; verifier: string } | undefined;
  if (!charged) {
    const lock = db.prepare('SELECT locked_until AS lockedUntil FROM operator_cache WHERE username = ?').get(username) as
      { lockedUntil: string | null } | undefined;
    if (!lock?.lockedUntil)
      return {
        ok: false,
        error: {
          code: 'offline-unavailable',
          message: 'The server cannot be reached and this operator cannot sign in offline on this desk; sign in once while online.',
        },
      };
    return {
      ok: false,
      error: {
        code: 'too-many-attempts',
        message: `Too many wrong passwords for ${username} on this desk: offline sign-in is locked until ${new Date(lock.lockedUntil).toLocaleTimeString()}. Signing in while the server can be reached works at any time.`,
      },
    };
  }
  const checked = await checkVerifier(password, charged.verifier);
  if (!checked.isMatch) {
    if (charged.failures >= offlineSignInLimits.attemptsBeforeForget) {
      db.prepare('DELETE FROM operator_cache WHERE username = ?').run(username);
      return {
        ok: false,
        error: {
          code: 'too-many-attempts',
          message: `Too many wrong passwords for ${username} on this desk: offline sign-in is switched off for this operator until they sign in once while the server can be reached.`,
        },
      };
    }
    return { ok: false, error: { code: 'invalid-credentials', message: 'The username or password is not right.' } };
  }
  // A verifier of the old, cheaper cost is replaced now that the password is known to be right.
  const verifier = checked.isCurrent ? charged.verifier : await makeVerifier(password);
  db.prepare('UPDATE operator_cache SET failed_attempts = 0, locked_until = NULL, verifier = ? WHERE username = ?').run(verifier, username);
  // The operator's key from their last online sign-in here opens with the same password.
  const key = db.prepare('SELECT key_id AS keyId, key_sealed AS sealed, key_expires_at AS expiresAt FROM operator_cache WHERE username = ?').get(username) as
    { keyId: string | null; sealed: string | null; expiresAt: string | null } | undefined;
  const privateKey = key?.keyId && key.sealed ? await openOperatorKey(password, key.sealed, key.keyId, cached.operatorId, identity.deskId) : null;
  return {
    ok: true,
    value: {
      session: session(cached.operatorId, JSON.parse(cached.roles) as string[], true),
      signer: privateKey && key?.keyId && key.expiresAt ? new OperatorSigner(cached.operatorId, identity.deskId, key.keyId, key.expiresAt, privateKey) : null,
    },
  };
}
