import { createHmac } from 'node:crypto';
import type { BiometricModality } from '@contract/sync';
import type { Database } from '../db/database';
import { openBiometric, sealAtRest } from '../identity/biometric-seal';
import { hkdfSync } from 'node:crypto';
import type { ServerKeys } from './keyring';

/**
 * `npm run keys:migrate`: move a database whose keys lived in `server_secrets` to keys from outside
 * it. In one transaction: every biometric sealed under the old derived key is resealed under the
 * biometric keyring's current key (with its key id), every national-id hash is hashed again under
 * the new national-id key (national ids are stored only hashed, so the old hash is the input; see
 * ServerKeys.nationalIdLegacy), and the table is emptied and dropped. Tokens signed with the old
 * key simply stop verifying (they live 15 minutes).
 */
export async function migrateKeysOutOfDatabase(
  db: Database,
  keys: ServerKeys,
): Promise<{ resealed: number; rehashed: number; legacyNationalIdKey: Buffer | null }> {
  return db.transaction(async (sql) => {
    const [table] = await sql.query<{ present: boolean }>("SELECT to_regclass('server_secrets') IS NOT NULL AS present");
    if (!table?.present) return { resealed: 0, rehashed: 0, legacyNationalIdKey: null };
    await sql.query('LOCK TABLE server_secrets IN ACCESS EXCLUSIVE MODE');
    const [row] = await sql.query<{ value: string }>("SELECT value FROM server_secrets WHERE name = 'national-id-key'");
    let resealed = 0;
    let rehashed = 0;
    const legacy = row ? Buffer.from(row.value, 'base64') : null;
    if (legacy) {
      if (keys.nationalIdLegacy && !keys.nationalIdLegacy.equals(legacy))
        throw new Error("The configured COVERDESK_NATIONAL_ID_LEGACY is not this database's old national-id key.");
      // The old at-rest key was derived from the national-id key (HKDF, this info string).
      const oldAtRest = Buffer.from(hkdfSync('sha256', legacy, Buffer.alloc(0), 'coverdesk biometric at rest v1', 32));
      const [hasBiometrics] = await sql.query<{ present: boolean }>("SELECT to_regclass('biometric_enrolments') IS NOT NULL AS present");
      if (hasBiometrics?.present) {
        const rows = await sql.query<{ id: string; member_id: string; modality: BiometricModality; sealed: string }>(
          "SELECT id, member_id, modality, sealed FROM biometric_enrolments WHERE sealed NOT LIKE 'v2:%' FOR UPDATE",
        );
        for (const enrolment of rows) {
          const plaintext = openBiometric(oldAtRest, enrolment.member_id, enrolment.modality, enrolment.sealed);
          await sql.query('UPDATE biometric_enrolments SET sealed = $2 WHERE id = $1', [
            enrolment.id,
            sealAtRest(keys.biometric, enrolment.member_id, enrolment.modality, plaintext),
          ]);
          plaintext.fill(0);
          resealed += 1;
        }
      }
      const members = await sql.query<{ id: string; national_id_hash: string }>(
        'SELECT id, national_id_hash FROM members WHERE national_id_hash IS NOT NULL FOR UPDATE',
      );
      for (const member of members) {
        await sql.query('UPDATE members SET national_id_hash = $2 WHERE id = $1', [
          member.id,
          createHmac('sha256', keys.nationalId.current.key).update(member.national_id_hash).digest('hex'),
        ]);
        rehashed += 1;
      }
    }
    await sql.query('DELETE FROM server_secrets');
    await sql.query('DROP TABLE server_secrets');
    return { resealed, rehashed, legacyNationalIdKey: legacy };
  });
}
