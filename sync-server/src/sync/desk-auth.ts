import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';

export interface DeskPrincipal {
  readonly deskId: string;
  readonly hospitalId: string;
  readonly registryDistrict: string;
  /** Transaction that last changed this desk's scope: a pull window older than it resends everything. */
  readonly scopeChangedXid: string;
  /** The server's verifier of the desk credential (SHA-256, hex): biometrics in its pull are sealed with a key derived from it. */
  readonly credentialHash?: string;
}

const credentialPattern = /^Desk ([0-9a-f-]{36})\.([A-Za-z0-9_-]{20,})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Desks authenticate with their own credential (`Authorization: Desk <deskId>.<secret>`), issued
 * at enrollment. The secret is high-entropy, so a SHA-256 of it is a sufficient verifier; a
 * revoked desk (status revoked) is refused at once.
 */
export async function authenticateDesk(db: Database, header: string | undefined): Promise<DeskPrincipal> {
  const match = header ? credentialPattern.exec(header) : null;
  if (!match) throw fail('unauthenticated', 'This endpoint is for enrolled desks: send Authorization: Desk <deskId>.<credential>.');
  const [, deskId, secret] = match;
  const [desk] = await db.query<{ credential_hash: string | null; hospital_id: string; status: string; district: string; scope_changed_xid: string }>(
    'SELECT d.credential_hash, d.hospital_id, d.status, COALESCE(d.registry_district, h.district) AS district, d.scope_changed_xid::text AS scope_changed_xid FROM desks d JOIN hospitals h ON h.id = d.hospital_id WHERE d.id = $1',
    [deskId!],
  );
  const expected = Buffer.from(desk?.credential_hash ?? '', 'hex');
  const actual = Buffer.from(hashSecret(secret!), 'hex');
  if (!desk || desk.status !== 'active' || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw fail('unauthenticated', 'This desk is not enrolled or its credential was revoked; enroll it again with a new code from the health authority.');
  }
  return {
    deskId: deskId!,
    hospitalId: desk.hospital_id,
    registryDistrict: desk.district,
    scopeChangedXid: desk.scope_changed_xid,
    credentialHash: desk.credential_hash ?? '',
  };
}
