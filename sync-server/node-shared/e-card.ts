import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The member's e-card QR payload (issue 16): a compact text signed by the scheme with Ed25519, so
 * any desk verifies a card offline with the public keys it pulled, and refuses a forged, altered,
 * expired or revoked card with a sentence.
 *
 * Format: `CDC1.<kid>.<payload>.<signature>`, the last two base64url (no padding). The payload is
 * the card's fields as JSON under one-letter keys in a fixed order; the signature covers the exact
 * bytes `CDC1.<kid>.<payload>` (the key id is signed too, so a card cannot be re-labelled to
 * another key). About 240 bytes for a usual name: a version-11 QR code at medium error correction
 * (251 bytes); a 60-character name still fits version 13 (331 bytes).
 * Both sides use this module: the server signs, the desk verifies.
 */

export const eCardPrefix = 'CDC1';

export interface ECardFields {
  /** The card's own serial: revocation names it. */
  readonly serial: string;
  readonly schemeMemberId: string;
  readonly familyNumber: string;
  readonly name: string;
  /** Validity, inclusive, as YYYY-MM-DD in the scheme's time zone. */
  readonly validFrom: string;
  readonly validTo: string;
}

export type ECardCheck =
  | { readonly ok: true; readonly card: ECardFields; readonly keyId: string }
  | { readonly ok: false; readonly code: 'malformed' | 'unknown-key' | 'bad-signature' | 'not-yet-valid' | 'expired' | 'revoked'; readonly message: string };

const fieldOrder = ['serial', 'schemeMemberId', 'familyNumber', 'name', 'validFrom', 'validTo'] as const;
/** The one-letter key each field travels under, in this order. */
const shortKeys: Readonly<Record<(typeof fieldOrder)[number], string>> = {
  serial: 's',
  schemeMemberId: 'm',
  familyNumber: 'f',
  name: 'n',
  validFrom: 'a',
  validTo: 'b',
};
const keyIdPattern = /^[A-Za-z0-9_-]{1,16}$/;
const base64url = /^[A-Za-z0-9_-]+$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function canonical(fields: ECardFields): string {
  return JSON.stringify(Object.fromEntries(fieldOrder.map((key) => [shortKeys[key], fields[key]])));
}

/** Sign a card's fields with the scheme's Ed25519 private key. */
export function signECard(fields: ECardFields, keyId: string, privateKey: KeyObject): string {
  if (!keyIdPattern.test(keyId)) throw new RangeError(`A key id is 1–16 of A–Z a–z 0–9 _ -, got ${JSON.stringify(keyId)}`);
  for (const key of fieldOrder) if (typeof fields[key] !== 'string' || fields[key].length === 0) throw new RangeError(`An e-card needs ${key}`);
  if (!datePattern.test(fields.validFrom) || !datePattern.test(fields.validTo) || fields.validTo < fields.validFrom)
    throw new RangeError('An e-card is valid from one date to a later one (YYYY-MM-DD)');
  const signed = `${eCardPrefix}.${keyId}.${Buffer.from(canonical(fields), 'utf8').toString('base64url')}`;
  const signature = sign(null, Buffer.from(signed, 'utf8'), privateKey);
  return `${signed}.${signature.toString('base64url')}`;
}

/**
 * Verify a scanned card offline: its shape, a known key, the signature over exactly what was
 * signed, the validity on `today` (YYYY-MM-DD, the scheme's local date) and the revocation list
 * the desk last synced. A verifier that does not know the scheme's time zone (a desk) gives the
 * range of calendar days it may be anywhere (`earliest`, `latest`): a card is not yet valid only
 * if it is not valid even on the latest, expired only if it has expired even on the earliest.
 */
export function verifyECard(
  text: string,
  publicKeys: ReadonlyMap<string, KeyObject>,
  today: string | { readonly earliest: string; readonly latest: string },
  revokedSerials: ReadonlySet<string>,
): ECardCheck {
  const [earliest, latest] = typeof today === 'string' ? [today, today] : [today.earliest, today.latest];
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts[0] !== eCardPrefix || !keyIdPattern.test(parts[1]!) || !base64url.test(parts[2]!) || !base64url.test(parts[3]!)) {
    return {
      ok: false,
      code: 'malformed',
      message: 'This is not a scheme e-card: the code does not have the card format. Scan the card again or identify the patient another way.',
    };
  }
  const [, keyId, payload, signature] = parts as [string, string, string, string];
  const key = publicKeys.get(keyId);
  if (!key)
    return {
      ok: false,
      code: 'unknown-key',
      message: `This card is signed with a key (${keyId}) this desk does not know: sync the desk and scan again; if it is still refused, the card is not the scheme's.`,
    };
  const isGenuine = verify(null, Buffer.from(`${eCardPrefix}.${keyId}.${payload}`, 'utf8'), key, Buffer.from(signature, 'base64url'));
  if (!isGenuine)
    return {
      ok: false,
      code: 'bad-signature',
      message: "This card's signature does not match its contents: it was altered or forged. Do not admit on it; identify the patient another way.",
    };
  let card: ECardFields;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (fieldOrder.some((field) => typeof parsed[shortKeys[field]] !== 'string') || Object.keys(parsed).length !== fieldOrder.length) throw new Error('fields');
    card = Object.fromEntries(fieldOrder.map((field) => [field, parsed[shortKeys[field]]])) as unknown as ECardFields;
  } catch {
    return {
      ok: false,
      code: 'malformed',
      message: 'This card is signed but its contents cannot be read: it was issued by another version. Identify the patient another way and report the card.',
    };
  }
  if (latest < card.validFrom) return { ok: false, code: 'not-yet-valid', message: `This card is valid from ${card.validFrom}.` };
  if (earliest > card.validTo)
    return { ok: false, code: 'expired', message: `This card expired on ${card.validTo}: issue a new one after identifying the patient another way.` };
  if (revokedSerials.has(card.serial))
    return { ok: false, code: 'revoked', message: `This card (${card.serial}) was revoked (reported lost or replaced): identify the patient another way.` };
  return { ok: true, card, keyId };
}

/** A new Ed25519 key pair as PEM texts (the scheme's signing key lives with the server's keys). */
export function generateECardKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function eCardPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new RangeError(`An e-card signing key is Ed25519, not ${key.asymmetricKeyType}`);
  return key;
}

export function eCardPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new RangeError(`An e-card verifying key is Ed25519, not ${key.asymmetricKeyType}`);
  return key;
}

/** DER prefix of a PKCS #8 Ed25519 private key around its 32-byte seed (RFC 8410). */
const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The scheme's signing key from its 32-byte seed, as the server's keyring keeps it (auth/keyring.ts
 * `eCard`), with the public key desks verify with (SPKI PEM, what the server publishes).
 */
export function eCardKeyFromSeed(seed: Buffer): { privateKey: KeyObject; publicKeyPem: string } {
  if (seed.length !== 32) throw new RangeError(`An e-card key seed is 32 bytes, not ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([ed25519Pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}
