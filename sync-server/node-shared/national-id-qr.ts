import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The national ID's secure QR (issue 16, "one member, many cards"), as CoverDesk models it: the
 * issuer signs the holder's reference and demographic fields, and publishes its public key. The
 * real card's QR (a compressed byte string signed with the issuer's RSA key) is not reproduced
 * here; this is the same idea in a form our tests can sign, documented in docs/identifiers.md.
 *
 * Format: `NIDQR1.<issuer>.<payload>.<signature>`, the last two base64url (no padding). The payload
 * is JSON `{"ref", "name", "dob", "gender"}`: `ref` is the issuer's reference for this holder (what
 * the link stores and a lookup finds), never the national ID number itself. The signature covers
 * the exact bytes `NIDQR1.<issuer>.<payload>` (the issuer id is signed too): Ed25519, or ECDSA
 * P-256 with SHA-256 as r‖s (64 bytes, as JWS ES256 writes it).
 *
 * The server verifies it where the issuer's key is configured (COVERDESK_ID_ISSUER_KEYS_FILE) and
 * otherwise keeps it as an unverified document, and says so.
 */
export const nationalIdQrPrefix = 'NIDQR1';
/** A QR's text is at most this long (a version-40 QR holds 2,953 bytes). */
export const nationalIdQrMaxLength = 3000;

export interface NationalIdQrFields {
  /** The issuer's reference for the holder: 1–32 of A–Z a–z 0–9 -. */
  readonly ref: string;
  readonly name: string;
  /** YYYY-MM-DD, or YYYY when the issuer knows only the year. */
  readonly dob: string;
  readonly gender: string;
}

export interface ParsedNationalIdQr {
  readonly issuer: string;
  readonly fields: NationalIdQrFields;
  /** The bytes the issuer signed, and the signature, to verify where a key is configured. */
  readonly signed: Buffer;
  readonly signature: Buffer;
}

export type NationalIdQrCheck = { readonly ok: true; readonly qr: ParsedNationalIdQr } | { readonly ok: false; readonly message: string };

export const issuerIdPattern = /^[A-Za-z0-9_-]{1,16}$/;
const referencePattern = /^[A-Za-z0-9-]{1,32}$/;
const base64url = /^[A-Za-z0-9_-]+$/;
const dobPattern = /^\d{4}(-\d{2}-\d{2})?$/;

const malformed = (why: string): NationalIdQrCheck => ({
  ok: false,
  message: `This is not a national ID secure QR CoverDesk can read (${why}). Scan the QR on the national ID card again, or link another identifier.`,
});

/** Whether a scanned or typed text is a national ID QR (rather than a card number). */
export function isNationalIdQrText(text: string): boolean {
  return text.trim().startsWith(`${nationalIdQrPrefix}.`);
}

/** The QR's shape and fields, without its signature checked (that needs the issuer's key). */
export function parseNationalIdQr(text: string): NationalIdQrCheck {
  const trimmed = text.trim();
  if (trimmed.length > nationalIdQrMaxLength) return malformed(`longer than ${nationalIdQrMaxLength} characters`);
  const parts = trimmed.split('.');
  if (parts.length !== 4 || parts[0] !== nationalIdQrPrefix) return malformed(`it does not start with ${nationalIdQrPrefix} and have four parts`);
  const [, issuer, payload, signature] = parts as [string, string, string, string];
  if (!issuerIdPattern.test(issuer)) return malformed('its issuer id is not 1–16 letters, digits, _ or -');
  if (!base64url.test(payload) || !base64url.test(signature)) return malformed('its payload or signature is not base64url');
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return malformed('its payload is not JSON');
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return malformed('its payload is not an object');
  const { ref, name, dob, gender } = fields as Record<string, unknown>;
  if (typeof ref !== 'string' || !referencePattern.test(ref)) return malformed('its reference is missing or not 1–32 letters, digits or -');
  if (typeof name !== 'string' || name.length === 0 || name.length > 120) return malformed('its name is missing');
  if (typeof dob !== 'string' || !dobPattern.test(dob)) return malformed('its date of birth is not YYYY-MM-DD or YYYY');
  if (typeof gender !== 'string' || gender.length === 0 || gender.length > 16) return malformed('its gender is missing');
  return {
    ok: true,
    qr: {
      issuer,
      fields: { ref, name, dob, gender },
      signed: Buffer.from(`${nationalIdQrPrefix}.${issuer}.${payload}`, 'utf8'),
      signature: Buffer.from(signature, 'base64url'),
    },
  };
}

/**
 * An issuer's published public key (SPKI PEM): Ed25519, or ECDSA on P-256. Anything else is
 * refused when the server starts, so a key that can never verify is not configured in silence.
 */
export function issuerPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  const isP256 = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (key.asymmetricKeyType !== 'ed25519' && !isP256)
    throw new RangeError(`An issuer key is Ed25519 or ECDSA P-256; this one is ${key.asymmetricKeyType ?? 'unknown'}.`);
  return key;
}

/** Whether the issuer's key signed exactly this QR. */
export function hasValidIssuerSignature(qr: ParsedNationalIdQr, key: KeyObject): boolean {
  try {
    return key.asymmetricKeyType === 'ed25519'
      ? verify(null, qr.signed, key, qr.signature)
      : verify('sha256', qr.signed, { key, dsaEncoding: 'ieee-p1363' }, qr.signature);
  } catch {
    return false;
  }
}

/** Sign a QR as an issuer would (tests and the demo's sample card; the server never signs one). */
export function signNationalIdQr(issuer: string, fields: NationalIdQrFields, privateKey: KeyObject): string {
  const payload = Buffer.from(JSON.stringify({ ref: fields.ref, name: fields.name, dob: fields.dob, gender: fields.gender }), 'utf8').toString('base64url');
  const signed = `${nationalIdQrPrefix}.${issuer}.${payload}`;
  const signature =
    privateKey.asymmetricKeyType === 'ed25519'
      ? sign(null, Buffer.from(signed, 'utf8'), privateKey)
      : sign('sha256', Buffer.from(signed, 'utf8'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signed}.${signature.toString('base64url')}`;
}
