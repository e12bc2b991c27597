import { createCipheriv, createDecipheriv, randomBytes, randomUUID, scrypt, type KeyObject, type ScryptOptions } from 'node:crypto';
import type { MutationProofValue, RequestProofValue } from '@contract/sync';
import {
  consentEvidenceBytes,
  matchEvidenceBytes,
  mutationProofBytes,
  privateKeyOf,
  requestProofBytes,
  signBytes,
  type RequestPurpose,
} from '../../sync-server/node-shared/operator-proof';

/**
 * The operator's signing key at this desk (issue 13 item 4; the proof format is
 * sync-server/node-shared/operator-proof.ts). Made at each online sign-in, its public half
 * registered with the server, its private half kept in the replica sealed under a key derived from
 * the operator's password — so the desk's files alone (a stolen laptop: replica, credential file,
 * even the OS keychain) do not sign anything: the operator's own sign-in, online or offline,
 * opens it, and it lives unsealed only in memory, for that operator's session.
 *
 * Sealed form: `scrypt$<log2 N>$<r>$<p>$<salt>$<iv>$<tag>$<ciphertext>` (base64), AES-256-GCM
 * with the key id, operator and desk as additional data (a sealed key moved to another row does
 * not open). scrypt at the same cost as the offline verifier (session.ts): the sealed key is no
 * cheaper a target for guessing the password than the verifier beside it.
 */
const sealCost = { logN: 17, r: 8, p: 1 } as const;

function derive(password: string, salt: Buffer, cost: { logN: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** cost.logN, r: cost.r, p: cost.p, maxmem: 256 * 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))));
}

const additionalData = (keyId: string, operatorId: string, deskId: string) => Buffer.from(`${keyId}:${operatorId}:${deskId}`, 'utf8');

export async function sealOperatorKey(password: string, privateKeyDer: Buffer, keyId: string, operatorId: string, deskId: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, sealCost);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData(keyId, operatorId, deskId));
  const sealed = Buffer.concat([cipher.update(privateKeyDer), cipher.final()]);
  key.fill(0);
  return ['scrypt', sealCost.logN, sealCost.r, sealCost.p, salt, iv, cipher.getAuthTag(), sealed]
    .map((part) => (Buffer.isBuffer(part) ? part.toString('base64') : String(part)))
    .join('$');
}

/** The private key, or null when the password is not the one it was sealed under (or the row was altered). */
export async function openOperatorKey(password: string, sealedText: string, keyId: string, operatorId: string, deskId: string): Promise<KeyObject | null> {
  const [kind, logN, r, p, salt, iv, tag, sealed] = sealedText.split('$');
  const cost = { logN: Number(logN), r: Number(r), p: Number(p) };
  // Bounded, so a tampered row cannot make a sign-in allocate gigabytes.
  if (kind !== 'scrypt' || !salt || !iv || !tag || !sealed || cost.logN < 14 || cost.logN > 18 || cost.r !== 8 || cost.p !== 1) return null;
  const key = await derive(password, Buffer.from(salt, 'base64'), cost);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(additionalData(keyId, operatorId, deskId));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const der = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]);
    const privateKey = privateKeyOf(der);
    der.fill(0);
    return privateKey;
  } catch {
    return null;
  } finally {
    key.fill(0);
  }
}

/** An operator's unsealed key for their session: signs what the desk sends for them. */
export class OperatorSigner {
  constructor(
    readonly operatorId: string,
    readonly deskId: string,
    readonly keyId: string,
    /** The server's expiry of the key: nothing made after it verifies. */
    readonly expiresAt: string,
    private readonly privateKey: KeyObject,
  ) {}

  isExpired(at: Date): boolean {
    return at.getTime() >= Date.parse(this.expiresAt);
  }

  /** The proof an outbox entry is stored and pushed with, made when the entry is queued. */
  signMutation(commandId: string, name: string, body: Readonly<Record<string, unknown>>, createdAt: string): MutationProofValue {
    const bytes = mutationProofBytes({ deskId: this.deskId, operatorId: this.operatorId, commandId, name, body }, this.keyId, createdAt);
    return { keyId: this.keyId, createdAt, signature: signBytes(this.privateKey, bytes) };
  }

  /** A fresh proof of one online request (a member search, a template pull). */
  requestProof(purpose: RequestPurpose, request: Readonly<Record<string, unknown>>, at: Date = new Date()): RequestProofValue {
    const unsigned = { operatorId: this.operatorId, keyId: this.keyId, signedAt: at.toISOString(), nonce: randomUUID().replace(/-/g, '') };
    return { ...unsigned, signature: signBytes(this.privateKey, requestProofBytes(purpose, this.deskId, unsigned, request)) };
  }

  /**
   * An admission's match evidence (issue 13 item 6), signed over this desk, operator, case, member
   * and method: it verifies for that admission only.
   */
  signEvidence<E extends Readonly<Record<string, unknown>>>(
    admission: { readonly caseId: string; readonly memberId: string; readonly identityMethod: string },
    evidence: E,
  ): E & { readonly keyId: string; readonly signature: string } {
    const unsigned = { ...evidence, keyId: this.keyId };
    const subject = { deskId: this.deskId, operatorId: this.operatorId, ...admission };
    return { ...unsigned, signature: signBytes(this.privateKey, matchEvidenceBytes(subject, unsigned)) };
  }

  /**
   * A consent's match evidence (issue 16): the fingerprint or face match made for the patient's
   * consent to show past treatment, signed over this desk, operator, case and member with the
   * consent's own purpose (never verifies as an admission's evidence, nor the other way round).
   */
  signConsentEvidence<E extends Readonly<Record<string, unknown>>>(
    consent: { readonly caseId: string; readonly memberId: string },
    evidence: E,
  ): E & { readonly keyId: string; readonly signature: string } {
    const unsigned = { ...evidence, keyId: this.keyId };
    const subject = { deskId: this.deskId, operatorId: this.operatorId, ...consent };
    return { ...unsigned, signature: signBytes(this.privateKey, consentEvidenceBytes(subject, unsigned)) };
  }

  /** The pull's proof header (base64url of the proof's JSON): templates come only with one. */
  pullHeader(at: Date = new Date()): string {
    return Buffer.from(JSON.stringify(this.requestProof('pull-templates', {}, at)), 'utf8').toString('base64url');
  }
}

/**
 * The signer an operator's change or online request needs, or why there is none: signed in
 * offline on a desk that holds no key of theirs that opens (`operator-key-missing`), or a key past
 * its expiry (`operator-key-expired`) — a change made now would be refused when pushed, so it is
 * refused here, before anything is queued.
 */
export function usableSigner(
  signer: OperatorSigner | null | undefined,
  at: Date,
): { readonly ok: true; readonly signer: OperatorSigner } | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } } {
  if (!signer)
    return {
      ok: false,
      error: {
        code: 'operator-key-missing',
        message: 'This desk holds no signing key for you: sign out and sign in once while the server can be reached, then make the change again.',
      },
    };
  if (signer.isExpired(at))
    return {
      ok: false,
      error: {
        code: 'operator-key-expired',
        message: `Your signing key on this desk expired on ${new Date(signer.expiresAt).toLocaleString()}: sign out and sign in once while the server can be reached.`,
      },
    };
  return { ok: true, signer };
}
