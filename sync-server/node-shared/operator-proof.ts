import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * Per-operator proof on what a desk sends (issue 13 item 4). A desk credential says which desk is
 * calling, not which operator sits at it: with it alone (a stolen laptop's files) the server took
 * any operator id of the hospital from the body. Now each operator signing in online at a desk
 * gets an Ed25519 key pair there; the server records the public key bound to that operator and
 * desk, with an expiry, and revokes it with the operator. The desk keeps the private key sealed
 * under the operator's password (electron/desk-backend/operator-key.ts) and signs:
 *
 * - every outbox entry, when it is queued, over its canonical bytes (`mutationProofBytes`): the
 *   proof travels with the entry and verifies when it is pushed days later;
 * - each online request (member search, template pull) over the request and a fresh time
 *   (`requestProofBytes`);
 * - at registration, its own public key (`keyRegistrationBytes`: proof of possession).
 *
 * Both sides build the bytes with this module; each kind starts with its own `v` so a signature of
 * one kind never verifies as another. Keys and signatures travel as base64url (no padding): the
 * public key as its raw 32 bytes (JWK `x`), a signature as its 64 bytes.
 */

export const mutationProofVersion = 'coverdesk-mutation/1';
export const requestProofVersion = 'coverdesk-request/1';
export const keyRegistrationVersion = 'coverdesk-operator-key/1';
export const matchEvidenceVersion = 'coverdesk-match-evidence/1';
export const consentEvidenceVersion = 'coverdesk-consent-evidence/1';

/** What signs a mutation: the proof the desk stores with the outbox entry and pushes with it. */
export interface MutationProof {
  readonly keyId: string;
  /** When the operator made the change (the desk's clock); the key must have been valid then. */
  readonly createdAt: string;
  readonly signature: string;
}

/** What signs one online request; `signedAt` must be close to the server's clock. */
export interface RequestProof {
  readonly operatorId: string;
  readonly keyId: string;
  readonly signedAt: string;
  /** A fresh random value, so two requests signed in the same millisecond differ. */
  readonly nonce: string;
  readonly signature: string;
}

export interface SignedMutation {
  readonly deskId: string;
  readonly operatorId: string;
  readonly commandId: string;
  readonly name: string;
  /** The mutation's body as the desk sends it (without `commandId`, which is signed beside it). */
  readonly body: Readonly<Record<string, unknown>>;
}

export type RequestPurpose = 'identify-member' | 'pull-templates' | 'patient-bill' | 'benefits' | 'kpis' | 'e-card' | 'history' | 'documents';

export function mutationProofBytes(mutation: SignedMutation, keyId: string, createdAt: string): Buffer {
  return Buffer.from(
    canonicalJson({
      v: mutationProofVersion,
      deskId: mutation.deskId,
      operatorId: mutation.operatorId,
      keyId,
      commandId: mutation.commandId,
      name: mutation.name,
      body: mutation.body,
      createdAt,
    }),
    'utf8',
  );
}

export function requestProofBytes(
  purpose: RequestPurpose,
  deskId: string,
  proof: Omit<RequestProof, 'signature'>,
  request: Readonly<Record<string, unknown>>,
): Buffer {
  return Buffer.from(
    canonicalJson({
      v: requestProofVersion,
      purpose,
      deskId,
      operatorId: proof.operatorId,
      keyId: proof.keyId,
      signedAt: proof.signedAt,
      nonce: proof.nonce,
      request,
    }),
    'utf8',
  );
}

/** What an admission's match evidence is about: it verifies for this admission only (issue 13 item 6). */
export interface EvidenceSubject {
  readonly deskId: string;
  readonly operatorId: string;
  readonly caseId: string;
  readonly memberId: string;
  readonly identityMethod: string;
}

/**
 * The bytes an admission's match evidence signs (issue 13 item 6): the evidence as sent (without
 * its signature: enrolment, score, capture time or the document's type and last 4, key id) bound
 * to the desk, operator, case, member and method. Its own signature rather than only the outbox
 * entry's, so it verifies on every path an admission takes (pushed, online, a direct command)
 * and cannot be lifted into another case's admission.
 */
export function matchEvidenceBytes(subject: EvidenceSubject, evidence: Readonly<Record<string, unknown>>): Buffer {
  const { signature: _signature, ...signed } = evidence;
  return Buffer.from(canonicalJson({ v: matchEvidenceVersion, ...subject, evidence: signed }), 'utf8');
}

/** What a consent's match evidence is about (issue 16): this member's consent on this case, at this desk. */
export interface ConsentEvidenceSubject {
  readonly deskId: string;
  readonly operatorId: string;
  readonly caseId: string;
  readonly memberId: string;
}

/**
 * The bytes a consent's match evidence signs (issue 16: consent to show past treatment by a
 * fingerprint or face match at the desk). Its own version, so an admission's match evidence —
 * which proves who came in, not that they agreed to anything — never verifies as a consent, and a
 * consent's never as an admission's.
 */
export function consentEvidenceBytes(subject: ConsentEvidenceSubject, evidence: Readonly<Record<string, unknown>>): Buffer {
  const { signature: _signature, ...signed } = evidence;
  return Buffer.from(canonicalJson({ v: consentEvidenceVersion, purpose: 'history-consent', ...subject, evidence: signed }), 'utf8');
}

export function keyRegistrationBytes(deskId: string, operatorId: string, publicKey: string): Buffer {
  return Buffer.from(canonicalJson({ v: keyRegistrationVersion, deskId, operatorId, publicKey }), 'utf8');
}

/** A fresh key pair: the public key as base64url of its 32 raw bytes, the private key as PKCS#8 DER (sealed by the desk). */
export function newOperatorKeyPair(): { readonly publicKey: string; readonly privateKeyDer: Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: publicKeyText(publicKey), privateKeyDer: privateKey.export({ format: 'der', type: 'pkcs8' }) };
}

export function publicKeyText(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('An operator key is an Ed25519 key.');
  return jwk.x;
}

export function privateKeyOf(der: Buffer): KeyObject {
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('An operator key is an Ed25519 key.');
  return key;
}

export function signBytes(privateKey: KeyObject, bytes: Buffer): string {
  return sign(null, bytes, privateKey).toString('base64url');
}

const base64url43 = /^[A-Za-z0-9_-]{43}$/;
const base64url86 = /^[A-Za-z0-9_-]{86}$/;

/** Whether a text is a public key as this module writes it (32 bytes, base64url). */
export function isPublicKeyText(text: string): boolean {
  return base64url43.test(text);
}

/** Verify an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export function verifyBytes(publicKey: string, bytes: Buffer, signature: string): boolean {
  if (!base64url43.test(publicKey) || !base64url86.test(signature)) return false;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
    return verify(null, bytes, key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
