import { hkdfSync } from 'node:crypto';
import { biometricTransportKey as transportKey, descriptorToBytes, openBiometric, sealBiometric } from '../../node-shared/biometric-seal';

/**
 * The server's side of biometric sealing. The format itself (AES-256-GCM with the member and
 * modality as additional data, the desk transport key, descriptor bytes) is written once, in
 * sync-server/node-shared/biometric-seal.ts, which the desk backend uses too.
 *
 * At rest the key is derived from the server's national-id key (HKDF, its own info string): every
 * server process behind the load balancer shares it, and COVERDESK_NATIONAL_ID_KEY from a secret
 * store keeps it out of the database in production. In the pull feed each desk gets its own
 * transport seal (see biometricTransportInfo in the sync contract).
 */
export { openBiometric, sealBiometric };

export function biometricAtRestKey(nationalIdKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', nationalIdKey, Buffer.alloc(0), 'coverdesk biometric at rest v1', 32));
}

/** The desk's transport key, from the server's verifier of its credential (the SHA-256, hex). */
export function biometricTransportKey(deskId: string, credentialHashHex: string): Buffer {
  return transportKey(deskId, Buffer.from(credentialHashHex, 'hex'));
}

/** Face descriptors travel and rest as little-endian float32, the precision the embedding has. */
export const descriptorBytes = descriptorToBytes;
