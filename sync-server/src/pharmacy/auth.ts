import { timingSafeEqual } from 'node:crypto';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import { hashSecret } from '../sync/desk-auth';

export interface PharmacyPrincipal {
  readonly pharmacyId: string;
  readonly code: string;
}

const credentialPattern = /^Pharmacy ([0-9a-f-]{36})\.([A-Za-z0-9_-]{20,})$/;

/**
 * A pharmacy system authenticates like a desk (sync/desk-auth.ts): `Authorization: Pharmacy
 * <pharmacyId>.<secret>`, the secret high-entropy (so its SHA-256 is a sufficient verifier),
 * compared in constant time; a revoked pharmacy is refused at once. Its scope is its own claims:
 * it reverses and replays only claims it sent.
 */
export async function authenticatePharmacy(db: Pick<Database, 'query'>, header: string | undefined): Promise<PharmacyPrincipal> {
  const match = header ? credentialPattern.exec(header) : null;
  if (!match) throw fail('unauthenticated', 'This endpoint is for registered pharmacy systems: send Authorization: Pharmacy <pharmacyId>.<credential>.');
  const [, pharmacyId, secret] = match;
  const [pharmacy] = await db.query<{ code: string; credential_hash: string; status: string }>(
    'SELECT code, credential_hash, status FROM pharmacies WHERE id = $1',
    [pharmacyId!],
  );
  const expected = Buffer.from(pharmacy?.credential_hash ?? '', 'hex');
  const actual = Buffer.from(hashSecret(secret!), 'hex');
  if (!pharmacy || pharmacy.status !== 'active' || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw fail('unauthenticated', 'This pharmacy is not registered or its credential was revoked; ask the health authority for a new registration.');
  }
  return { pharmacyId: pharmacyId!, code: pharmacy.code };
}
