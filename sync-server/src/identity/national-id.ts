// National ids are never stored: only their keyed hash (auth/keyring.ts holds the key).
import { createHmac } from 'node:crypto';

/**
 * The keyed hash a national id is stored and looked up as. `legacy` is the key that lived in the
 * database before `npm run keys:migrate`: that command hashed each stored hash again under the
 * current key, so lookups do the same (ServerKeys.nationalIdLegacy).
 */
export function nationalIdHash(key: Buffer, nationalId: string, legacy: Buffer | null = null): string {
  const digits = nationalId.replace(/\D/g, '');
  const inner = legacy ? createHmac('sha256', legacy).update(digits).digest('hex') : digits;
  return createHmac('sha256', key).update(inner).digest('hex');
}

// identify-member: src/identity/identify-member.ts (issue 13 items 8 and 12).
