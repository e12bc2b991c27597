/**
 * Biometric evidence through the desk API: the desk backend holds the fingerprint reader and the
 * cached enrolments (sealed), matches 1:1 and answers matched or not; the renderer never sees a
 * template or a stored descriptor. The face descriptor is computed here from the camera (see
 * face/) and handed to the backend, which compares it and, for an enrolment, sends it to the
 * server — the only place it goes.
 * One-time codes are not here: they go through identity.sendOtp / identity.verifyOtp directly.
 */
import type { BiometricEnrolments, DeskApiClient, DeskError, EnrolmentScope, MemberSummary } from '@desk-api/contract';
import type { IdentityOutcome } from './identity-attempts';

export interface FaceSample {
  readonly descriptor: readonly number[];
  /** 0..1, from the capture's liveness signals. */
  readonly liveness: number;
}

/** The case and the verified code an enrolment is made for. */
export type EnrolmentCase = Omit<EnrolmentScope, 'memberId'>;

export type EnrolmentOutcome = { readonly kind: 'enrolled'; readonly detail: string } | { readonly kind: 'failed'; readonly detail: string };

export interface IdentityVerifier {
  enrolments(member: MemberSummary): Promise<{ readonly ok: true; readonly value: BiometricEnrolments } | { readonly ok: false; readonly error: DeskError }>;
  verifyFingerprint(member: MemberSummary): Promise<IdentityOutcome>;
  /** Enrolment is for the member's case admitted here, on a verified one-time code (issue 13 item 5). */
  enrollFingerprint(member: MemberSummary, scope: EnrolmentCase): Promise<EnrolmentOutcome>;
  verifyFace(member: MemberSummary, sample: FaceSample): Promise<IdentityOutcome>;
  enrollFace(member: MemberSummary, scope: EnrolmentCase, sample: FaceSample): Promise<EnrolmentOutcome>;
}

/**
 * How a refusal counts (scenario S4): only a biometric that was captured and did not match is a
 * failed attempt. No reader, no enrolment, or a capture the reader could not read (no finger, a
 * smudged image) cost the patient nothing: the operator fixes it and tries again.
 */
function refusalOutcome(method: 'fingerprint' | 'face', error: DeskError): IdentityOutcome {
  switch (error.code) {
    case 'device-unavailable':
    case 'not-enrolled':
    case 'offline-unavailable':
    case 'enrolment-unusable':
      return { kind: 'unavailable', method, detail: error.message };
    default:
      return { kind: 'failed', method, detail: error.message };
  }
}

export function createDeskVerifier(client: DeskApiClient): IdentityVerifier {
  return {
    enrolments: (member) => client.call('identity.enrolments', { memberId: member.memberId }),
    verifyFingerprint: async (member) => {
      const answer = await client.call('identity.verifyFingerprint', { memberId: member.memberId });
      if (!answer.ok) return refusalOutcome('fingerprint', answer.error);
      return { kind: answer.value.matched ? 'verified' : 'not-matched', method: 'fingerprint', detail: answer.value.detail };
    },
    enrollFingerprint: async (member, scope) => {
      const answer = await client.call('identity.enrollFingerprint', { memberId: member.memberId, caseId: scope.caseId, otpChallengeId: scope.otpChallengeId });
      return answer.ok
        ? { kind: 'enrolled', detail: 'Fingerprint enrolled. It identifies the patient at the next admission.' }
        : { kind: 'failed', detail: answer.error.message };
    },
    verifyFace: async (member, sample) => {
      const answer = await client.call('identity.verifyFace', { memberId: member.memberId, descriptor: [...sample.descriptor], liveness: sample.liveness });
      if (!answer.ok) return refusalOutcome('face', answer.error);
      return { kind: answer.value.matched ? 'verified' : 'not-matched', method: 'face', detail: answer.value.detail };
    },
    enrollFace: async (member, scope, sample) => {
      const answer = await client.call('identity.enrollFace', {
        memberId: member.memberId,
        caseId: scope.caseId,
        otpChallengeId: scope.otpChallengeId,
        descriptor: [...sample.descriptor],
      });
      return answer.ok
        ? { kind: 'enrolled', detail: 'Face enrolled. It identifies the patient at the next admission.' }
        : { kind: 'failed', detail: answer.error.message };
    },
  };
}
