import { generateKeys, type Keyring, type ServerKeys } from '../auth/keyring';

/**
 * The keys of every server a test process starts (in process or as a child process): fresh random
 * keys once per test process, never kept in the database, shared so that several servers on one
 * database agree on them as production servers do through their environment.
 */
export const testServerKeys: ServerKeys = { ...generateKeys(), source: 'test harness' };

const ringText = (ring: Keyring): string => [ring.current, ...ring.previous].map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');

/** The same keys as environment variables, for a server started as a child process. */
export function testKeyEnvironment(keys: ServerKeys = testServerKeys): Record<string, string> {
  return {
    COVERDESK_TOKEN_KEY: ringText(keys.token),
    COVERDESK_NATIONAL_ID_KEY: ringText(keys.nationalId),
    COVERDESK_BIOMETRIC_KEY: ringText(keys.biometric),
    COVERDESK_AUDIT_KEY: ringText(keys.audit),
  };
}
