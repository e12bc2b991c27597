/**
 * Where identity evidence comes from. Devices (fingerprint readers, the camera, the OTP gateway)
 * arrive with the device host; until the desk API has identity channels, the product's verifier
 * says plainly that a method is not available at this desk, so the operator picks another one.
 */
import type { MemberSummary } from '@desk-api/contract';
import type { IdentityOutcome } from './identity-attempts';

export interface IdentityVerifier {
  captureFingerprint(member: MemberSummary): Promise<IdentityOutcome>;
  captureFace(member: MemberSummary): Promise<IdentityOutcome>;
  /** Sends a one-time code to the family's registered phone. */
  sendOtp(familyId: string): Promise<{ readonly ok: true; readonly detail: string } | { readonly ok: false; readonly outcome: IdentityOutcome }>;
  checkOtp(familyId: string, code: string): Promise<IdentityOutcome>;
}

export const deviceLessVerifier: IdentityVerifier = {
  captureFingerprint: () => Promise.resolve({ kind: 'unavailable', method: 'fingerprint', detail: 'No fingerprint reader is set up on this desk yet. Choose another method.' }),
  captureFace: () => Promise.resolve({ kind: 'unavailable', method: 'face', detail: 'Face matching is not set up on this desk yet. Choose another method.' }),
  sendOtp: () => Promise.resolve({ ok: false, outcome: { kind: 'unavailable', method: 'otp', detail: 'This desk cannot send OTPs yet. Use a supervisor override.' } }),
  checkOtp: () => Promise.resolve({ kind: 'unavailable', method: 'otp', detail: 'This desk cannot check OTPs yet. Use a supervisor override.' }),
};

/**
 * For the fake dev mode and tests: fingerprints match except for the S1 daughter (to show the
 * failure path and the OTP offer), faces always match, and the OTP is 123456.
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
    sendOtp: async () => {
      await wait();
      return { ok: true, detail: 'Code sent to the registered phone ending 0001 (fake mode: the code is 123456).' };
    },
    checkOtp: async (_familyId, code) => {
      await wait();
      return code.trim() === '123456'
        ? { kind: 'verified', method: 'otp', detail: 'The one-time code is correct.' }
        : { kind: 'not-matched', method: 'otp', detail: 'That code is not right. Ask for the latest code sent to the registered phone.' };
    },
  };
}
