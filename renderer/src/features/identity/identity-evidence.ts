/**
 * What the identity step proved, handed to the admission step in memory (never in the URL: an
 * override reason may name people and circumstances). Kept per signed-in session; an OTP challenge
 * is single-use, so the evidence is forgotten once the admission is sent.
 */
import type { DeskArgs } from '@desk-api/contract';

export type IdentityEvidence =
  | { readonly method: 'fingerprint' | 'face' }
  | { readonly method: 'otp'; readonly otpChallengeId: string }
  | { readonly method: 'override'; readonly overrideReason: string; readonly supervisorName: string };

export class IdentityEvidenceStore {
  private readonly byMember = new Map<string, IdentityEvidence>();

  record(memberId: string, evidence: IdentityEvidence): void {
    this.byMember.set(memberId, evidence);
  }

  peek(memberId: string): IdentityEvidence | null {
    return this.byMember.get(memberId) ?? null;
  }

  forget(memberId: string): void {
    this.byMember.delete(memberId);
  }
}

/** The identity part of cases.admit's arguments. */
export function admitIdentityArguments(
  evidence: IdentityEvidence,
): Pick<DeskArgs<'cases.admit'>, 'identityMethod' | 'otpChallengeId' | 'overrideReason' | 'supervisorName'> {
  switch (evidence.method) {
    case 'fingerprint':
    case 'face':
      return { identityMethod: evidence.method };
    case 'otp':
      return { identityMethod: 'otp', otpChallengeId: evidence.otpChallengeId };
    case 'override':
      return { identityMethod: 'override', overrideReason: evidence.overrideReason, supervisorName: evidence.supervisorName };
  }
}
