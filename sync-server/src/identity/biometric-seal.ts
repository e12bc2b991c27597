import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { biometricTransportInfo, type BiometricModality } from '@contract/sync';

/**
 * Biometrics are sealed with AES-256-GCM: base64(iv[12] | tag[16] | ciphertext), with the member
 * and modality as additional data, so a sealed value copied onto another member's row fails to
 * open instead of verifying the wrong person.
 *
 * At rest the key is derived from the server's national-id key (HKDF, its own info string): every
 * server process behind the load balancer shares it, and COVERDESK_NATIONAL_ID_KEY from a secret
 * store keeps it out of the database in production. In the pull feed each desk gets its own
 * transport seal (see biometricTransportInfo in the sync contract).
 */
const ivBytes = 12;
const tagBytes = 16;

export function biometricAtRestKey(nationalIdKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', nationalIdKey, Buffer.alloc(0), 'coverdesk biometric at rest v1', 32));
}

/** The desk's transport key, from the server's verifier of its credential (the SHA-256, hex). */
export function biometricTransportKey(deskId: string, credentialHashHex: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(credentialHashHex, 'hex'), Buffer.from(deskId, 'utf8'), biometricTransportInfo, 32));
}

const additionalData = (memberId: string, modality: BiometricModality): Buffer => Buffer.from(`${memberId}:${modality}`, 'utf8');

export function sealBiometric(key: Buffer, memberId: string, modality: BiometricModality, plaintext: Uint8Array): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData(memberId, modality));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** Throws when the key is wrong, the value was altered, or it belongs to another member or modality. */
export function openBiometric(key: Buffer, memberId: string, modality: BiometricModality, sealed: string): Buffer {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < ivBytes + tagBytes) throw new Error('sealed biometric is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, ivBytes));
  decipher.setAAD(additionalData(memberId, modality));
  decipher.setAuthTag(bytes.subarray(ivBytes, ivBytes + tagBytes));
  return Buffer.concat([decipher.update(bytes.subarray(ivBytes + tagBytes)), decipher.final()]);
}

/** Face descriptors travel and rest as little-endian float32, the precision the embedding has. */
export function descriptorBytes(descriptor: readonly number[]): Buffer {
  const bytes = Buffer.alloc(descriptor.length * 4);
  descriptor.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes;
}
