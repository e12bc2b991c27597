/**
 * `npm run keys:migrate`: reseal biometrics and rehash national ids from the keys kept in the
 * database (`server_secrets`) to keys from outside it, then drop the table (auth/keys-migrate.ts).
 * Needs the new keys (COVERDESK_TOKEN_KEY, COVERDESK_NATIONAL_ID_KEY, COVERDESK_BIOMETRIC_KEY or
 * COVERDESK_KEY_FILE) and DATABASE_URL (or the embedded data directory). It prints the old
 * national-id key, which must then be configured as COVERDESK_NATIONAL_ID_LEGACY (or
 * "nationalIdLegacy" in the key file): stored national-id hashes are hashes of the old hash.
 */
import { openDatabase } from '../db/open';
import { loadServerKeys, writeKeyFile } from './keyring';
import { migrateKeysOutOfDatabase } from './keys-migrate';

async function main(): Promise<void> {
  const keys = loadServerKeys(process.env);
  const db = await openDatabase();
  try {
    const done = await migrateKeysOutOfDatabase(db, keys);
    if (!done.legacyNationalIdKey) {
      console.log('This database holds no server keys: nothing to migrate.');
      return;
    }
    console.log(
      `Resealed ${done.resealed} biometric enrolments and rehashed ${done.rehashed} national ids under keys from ${keys.source}; server_secrets is dropped.`,
    );
    const legacy = done.legacyNationalIdKey.toString('base64');
    if (process.env.COVERDESK_KEY_FILE && !keys.nationalIdLegacy) {
      writeKeyFile(process.env.COVERDESK_KEY_FILE, { ...keys, nationalIdLegacy: done.legacyNationalIdKey });
      console.log(`Wrote the old national-id key into ${process.env.COVERDESK_KEY_FILE} as "nationalIdLegacy".`);
    } else if (!keys.nationalIdLegacy) {
      console.log(
        `Now set COVERDESK_NATIONAL_ID_LEGACY=${legacy} beside the other keys (national-id lookups need it; it no longer protects anything on its own).`,
      );
    }
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error('keys:migrate failed; nothing was changed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
