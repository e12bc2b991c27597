import { findKey, type Keyring } from '../auth/keyring';
import type { BiometricModality } from '@contract/sync';
import { biometricTransportKey as transportKey, descriptorToBytes, openBiometric, sealBiometric } from '../../node-shared/biometric-seal';

/**
 * The server's side of biometric sealing. The format itself (AES-256-GCM with the member and
 * modality as additional data, the desk transport key, descriptor bytes) is written once, in
 * sync-server/node-shared/biometric-seal.ts, which the desk backend uses too.
 *
 * At rest the key is the biometric keyring's (COVERDESK_BIOMETRIC_KEY or the key file, never the
 * database): a sealed value is "v2:<keyId>:<seal>", so the current key seals and previous keys still
 * open. Values without the prefix were sealed under the old database-held key and are resealed by
 * `npm run keys:migrate`. In the pull feed each desk gets its own transport seal (see
 * biometricTransportInfo in the sync contract).
 */
export { openBiometric, sealBiometric };

export function sealAtRest(ring: Keyring, memberId: string, modality: BiometricModality, plaintext: Uint8Array): string {
  return `v2:${ring.current.id}:${sealBiometric(ring.current.key, memberId, modality, plaintext)}`;
}

/** Throws when the seal names no key of the ring, or does not open (wrong key, altered, another member). */
export function openAtRest(ring: Keyring, memberId: string, modality: BiometricModality, sealed: string): Buffer {
  const match = /^v2:([A-Za-z0-9_-]{1,32}):(.+)$/s.exec(sealed);
  if (!match) throw new Error('sealed biometric carries no key id (sealed before keys:migrate)');
  const key = findKey(ring, match[1]!);
  if (!key) throw new Error(`sealed biometric names key ${match[1]!}, which this server does not hold`);
  return openBiometric(key, memberId, modality, match[2]!);
}

/** The desk's transport key, from the server's verifier of its credential (the SHA-256, hex). */
export function biometricTransportKey(deskId: string, credentialHashHex: string): Buffer {
  return transportKey(deskId, Buffer.from(credentialHashHex, 'hex'));
}

/** Face descriptors travel and rest as little-endian float32, the precision the embedding has. */
export const descriptorBytes = descriptorToBytes;
