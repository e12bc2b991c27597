import { createHash } from 'node:crypto';
import type { Keyring, ServerKeys } from '../auth/keyring';

/** A test key: fixed, derived from its purpose (it guards test data only). */
const testKeyring = (purpose: string): Keyring => ({
  current: { id: 'k1', key: createHash('sha256').update(`CoverDesk test harness key: ${purpose}`).digest() },
  previous: [],
});

/**
 * The keys of every server a test starts (in process or as a child process), never kept in the
 * database, shared so that several servers on one database agree on them as production servers do
 * through their environment. The same in every test process: the seeded template database
 * (testing/databases.ts) holds national-id hashes and an audit chain made with them. Tests of a
 * wrong or rotated key make their own with generateKeys().
 */
export const testServerKeys: ServerKeys = {
  token: testKeyring('token'),
  nationalId: testKeyring('national-id'),
  biometric: testKeyring('biometric'),
  audit: testKeyring('audit'),
  eCard: { current: { id: 'test1', key: testKeyring('e-card').current.key }, previous: [] },
  nationalIdLegacy: null,
  source: 'test harness',
};

const ringText = (ring: Keyring): string => [ring.current, ...ring.previous].map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');

/** The same keys as environment variables, for a server started as a child process. */
export function testKeyEnvironment(keys: ServerKeys = testServerKeys): Record<string, string> {
  return {
    COVERDESK_TOKEN_KEY: ringText(keys.token),
    COVERDESK_NATIONAL_ID_KEY: ringText(keys.nationalId),
    COVERDESK_BIOMETRIC_KEY: ringText(keys.biometric),
    COVERDESK_AUDIT_KEY: ringText(keys.audit),
    ...(keys.eCard ? { COVERDESK_ECARD_KEY: ringText(keys.eCard) } : {}),
  };
}
