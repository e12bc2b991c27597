/**
 * The identity step's rules (scenario S4), pure so they are tested with literals:
 * - fingerprint up to 3 tries, face up to 2: after 5 failed biometric attempts the desk offers OTP;
 * - OTP to the family's registered phone (a relative may read it out for an unconscious patient);
 *   5 wrong codes lock OTP (the server enforces the lock; the desk shows it);
 * - a supervisor override with a written reason is always possible, audited and flagged for review.
 */
import type { IdentityMethod } from '@desk-api/contract';

export type VerifiableMethod = Extract<IdentityMethod, 'fingerprint' | 'face' | 'otp' | 'override'>;

export type IdentityOutcome =
  | { readonly kind: 'verified'; readonly method: VerifiableMethod; readonly detail: string }
  | { readonly kind: 'not-matched'; readonly method: VerifiableMethod; readonly detail: string }
  /** No device or service for this method at this desk: choose another method. */
  | { readonly kind: 'unavailable'; readonly method: VerifiableMethod; readonly detail: string }
  | { readonly kind: 'locked'; readonly method: VerifiableMethod; readonly detail: string }
  | { readonly kind: 'failed'; readonly method: VerifiableMethod; readonly detail: string };

export const attemptLimits = { fingerprint: 3, face: 2, otp: 5 } as const;
/** Biometric failures after which the desk proposes OTP (3 fingerprint + 2 face). */
export const biometricFailuresBeforeOtp = 5;

export interface IdentityState {
  readonly failures: { readonly fingerprint: number; readonly face: number; readonly otp: number };
  readonly isOtpLocked: boolean;
  readonly verifiedBy: VerifiableMethod | null;
  readonly outcomes: readonly IdentityOutcome[];
}

export const initialIdentityState: IdentityState = { failures: { fingerprint: 0, face: 0, otp: 0 }, isOtpLocked: false, verifiedBy: null, outcomes: [] };

export function recordOutcome(state: IdentityState, outcome: IdentityOutcome): IdentityState {
  const outcomes = [...state.outcomes, outcome];
  switch (outcome.kind) {
    case 'verified':
      return { ...state, verifiedBy: outcome.method, outcomes };
    case 'not-matched': {
      if (outcome.method === 'override') return { ...state, outcomes };
      const failures = { ...state.failures, [outcome.method]: state.failures[outcome.method] + 1 };
      return { ...state, failures, isOtpLocked: state.isOtpLocked || failures.otp >= attemptLimits.otp, outcomes };
    }
    case 'locked':
      return { ...state, isOtpLocked: state.isOtpLocked || outcome.method === 'otp', outcomes };
    case 'unavailable':
    case 'failed':
      return { ...state, outcomes };
  }
}

export function attemptsLeft(state: IdentityState, method: Exclude<VerifiableMethod, 'override'>): number {
  if (method === 'otp' && state.isOtpLocked) return 0;
  return Math.max(0, attemptLimits[method] - state.failures[method]);
}

export function canTry(state: IdentityState, method: VerifiableMethod): boolean {
  if (state.verifiedBy !== null) return false;
  return method === 'override' || attemptsLeft(state, method) > 0;
}

/** After 5 failed biometric attempts (or when both are used up) the desk proposes OTP. */
export function shouldOfferOtp(state: IdentityState): boolean {
  const biometricFailures = state.failures.fingerprint + state.failures.face;
  return (
    state.verifiedBy === null &&
    !state.isOtpLocked &&
    (biometricFailures >= biometricFailuresBeforeOtp || (attemptsLeft(state, 'fingerprint') === 0 && attemptsLeft(state, 'face') === 0))
  );
}

/** An override needs a reason a reviewer can judge later (the desk API refuses fewer than 15 characters). */
export const minimumOverrideReasonLength = 15;

export function overrideReasonProblem(reason: string): string | null {
  const trimmed = reason.trim();
  if (trimmed.length === 0) return 'Write why the patient cannot be identified with fingerprint, face or OTP.';
  if (trimmed.length < minimumOverrideReasonLength) return `Write at least ${minimumOverrideReasonLength} characters: a reviewer will read it later.`;
  return null;
}
