/**
 * Where biometric evidence comes from. Fingerprint readers and face matching arrive with the device
 * host (native/) and have no desk API channel yet; until then the product's verifier says plainly
 * that the method is not available at this desk, so the operator picks OTP or an override.
 * One-time codes are not here: they go through the desk API (identity.sendOtp / identity.verifyOtp).
 */
import type { MemberSummary } from '@desk-api/contract';
import type { IdentityOutcome } from './identity-attempts';

export interface IdentityVerifier {
  captureFingerprint(member: MemberSummary): Promise<IdentityOutcome>;
  captureFace(member: MemberSummary): Promise<IdentityOutcome>;
}

export const deviceLessVerifier: IdentityVerifier = {
  captureFingerprint: () => Promise.resolve({ kind: 'unavailable', method: 'fingerprint', detail: 'No fingerprint reader is set up on this desk yet. Choose another method.' }),
  captureFace: () => Promise.resolve({ kind: 'unavailable', method: 'face', detail: 'Face matching is not set up on this desk yet. Choose another method.' }),
};

/**
 * For the fake dev mode and tests: fingerprints match except for the S1 daughter (to show the
 * failure path and the OTP offer), faces always match.
 */
export function createFakeVerifier(delayMs = 600): IdentityVerifier {
  const wait = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, delayMs));
  return {
    captureFingerprint: async (member) => {
      await wait();
      return member.schemeMemberId === 'PMJ-S1000004'
        ? { kind: 'not-matched', method: 'fingerprint', detail: 'The fingerprint did not match the enrolled template. Clean the sensor and try again.' }
        : { kind: 'verified', method: 'fingerprint', detail: 'Fingerprint matched the enrolled template.' };
    },
    captureFace: async () => {
      await wait();
      return { kind: 'verified', method: 'face', detail: 'Face matched the enrolled photo.' };
    },
  };
}
