import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { biometricTransportInfo, type BiometricModality } from '../contract/sync';

/**
 * The one sealing format of biometrics, used by the server (at rest, and sealed for each desk in
 * the pull feed) and by the desk backend (opening what the server sealed for it, and its own cache
 * at rest). AES-256-GCM: base64(iv[12] | tag[16] | ciphertext), with the member and modality as
 * additional data, so a sealed value copied onto another member's row fails to open instead of
 * verifying the wrong person. Before this folder the format was written twice (server and desk)
 * and only a cross-test noticed a drift.
 */
const ivBytes = 12;
const tagBytes = 16;

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

/**
 * A desk's transport key: HKDF over the server's verifier of the desk's credential secret (its
 * SHA-256). The server holds the verifier; the desk computes it from the secret it holds.
 */
export function biometricTransportKey(deskId: string, credentialVerifier: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', credentialVerifier, Buffer.from(deskId, 'utf8'), biometricTransportInfo, 32));
}

/** Face descriptors travel and rest as little-endian float32, the precision the embedding has. */
export function descriptorToBytes(descriptor: readonly number[]): Buffer {
  const bytes = Buffer.alloc(descriptor.length * 4);
  descriptor.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes;
}

export function bytesToDescriptor(bytes: Buffer): number[] {
  const descriptor: number[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) descriptor.push(bytes.readFloatLE(offset));
  return descriptor;
}
