import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { issuerIdPattern, issuerPublicKey } from '../../node-shared/national-id-qr';

/** National ID QR issuers' published public keys, by issuer id (as the QR names its issuer). */
export type IssuerKeys = ReadonlyMap<string, KeyObject>;

/**
 * The issuer keys IT configured: a JSON file `{ "<issuer id>": "<SPKI PEM public key>" }` named by
 * COVERDESK_ID_ISSUER_KEYS_FILE. Public keys, not secrets: the file needs no particular mode. A
 * file that does not parse, or a key that is not Ed25519 or ECDSA P-256, stops the server at start
 * with a sentence, rather than leaving every QR of that issuer silently unverified.
 */
export function parseIssuerKeys(source: string, text: string): IssuerKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON: it maps each national ID issuer's id to its public key (PEM).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${source} must be a JSON object mapping each issuer id to its public key (PEM).`);
  const keys = new Map<string, KeyObject>();
  for (const [issuer, pem] of Object.entries(parsed)) {
    if (!issuerIdPattern.test(issuer)) throw new Error(`${source}: the issuer id ${JSON.stringify(issuer)} is not 1–16 letters, digits, _ or -.`);
    if (typeof pem !== 'string') throw new Error(`${source}: the key of issuer ${issuer} is not a PEM text.`);
    try {
      keys.set(issuer, issuerPublicKey(pem));
    } catch (error) {
      throw new Error(`${source}: the key of issuer ${issuer} is not a usable public key (${error instanceof Error ? error.message : String(error)}).`);
    }
  }
  return keys;
}

/** The configured issuer keys (none when the variable is unset). */
export function issuerKeysFromEnvironment(env: NodeJS.ProcessEnv = process.env): IssuerKeys | undefined {
  const path = env.COVERDESK_ID_ISSUER_KEYS_FILE;
  if (!path) return undefined;
  return parseIssuerKeys(path, readFileSync(path, 'utf8'));
}
