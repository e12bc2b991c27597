import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt (memory-hard, in Node's standard library: no native add-on to build on desks).
// N = 2^17, r = 8: 128 MiB and a few hundred milliseconds per guess (issue 13 item 7; was 2^14).
// Hashes of a lower cost are replaced at the next successful sign-in (needsRehash).
export const passwordCost = { N: 131072, r: 8, p: 1 } as const;
const keyLength = 32;
/** scrypt needs 128 * N * r bytes; the limit leaves room above the current cost. */
const maxmem = 256 * 1024 * 1024;

/** How many times the key derivation ran in this process: the sign-in tests count it to prove unknown usernames pay it too. */
export const passwordKdf = { runs: 0 };

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  passwordKdf.runs += 1;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, passwordCost.N, passwordCost.r, passwordCost.p);
  return `scrypt$${passwordCost.N}$${passwordCost.r}$${passwordCost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A stored hash made with less than today's cost: rehash it once the password is known to be right. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) < passwordCost.N || Number(r) < passwordCost.r || Number(p) < passwordCost.p;
}

/** Today's cost with a random salt; no password matches it (the key is zeros), and building it costs no hash. */
const dummy = `scrypt$${passwordCost.N}$${passwordCost.r}$${passwordCost.p}$${randomBytes(16).toString('base64')}$${Buffer.alloc(keyLength).toString('base64')}`;

/**
 * Verify against the operator's hash, or, for a username that does not exist, against a hash of a
 * random password at today's cost: both take the same time, so the answer's timing does not tell
 * which usernames exist.
 */
export async function verifyPasswordOrDummy(password: string, stored: string | null): Promise<boolean> {
  if (stored !== null) return verifyPassword(password, stored);
  await verifyPassword(password, dummy);
  return false;
}
