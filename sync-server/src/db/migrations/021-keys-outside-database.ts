/**
 * 021 — the server's keys leave the database (SECURITY.md, auth/keyring.ts). `server_secrets` held
 * the token key and the national-id key (the biometric at-rest key was derived from it), so a dump
 * alone could forge tokens and open every template. The keys now come from the environment or a
 * 0600 key file. A database that still holds keys has data sealed and hashed under them:
 * `npm run keys:migrate` reseals and rehashes it under the new keys and empties the table first;
 * this migration refuses until then rather than strand that data.
 */
export const sql = /* sql */ `
DO $$
DECLARE
  held boolean := false;
BEGIN
  -- Dynamic: keys:migrate may already have dropped the table.
  IF to_regclass('server_secrets') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM server_secrets)' INTO held;
  END IF;
  IF held THEN
    RAISE EXCEPTION 'This database still holds server keys (server_secrets). Set the new keys (COVERDESK_TOKEN_KEY, COVERDESK_NATIONAL_ID_KEY, COVERDESK_BIOMETRIC_KEY or COVERDESK_KEY_FILE) and run npm run keys:migrate once: it reseals biometrics and rehashes national ids under them, then this migration drops the table.';
  END IF;
END
$$;
DROP TABLE IF EXISTS server_secrets;
`;
