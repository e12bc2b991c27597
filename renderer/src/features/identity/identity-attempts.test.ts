import { describe, expect, it } from 'vitest';
import {
  attemptsLeft,
  canTry,
  initialIdentityState,
  overrideReasonProblem,
  recordOutcome,
  shouldOfferOtp,
  type IdentityOutcome,
  type IdentityState,
} from './identity-attempts';

const miss = (method: 'fingerprint' | 'face' | 'otp'): IdentityOutcome => ({ kind: 'not-matched', method, detail: '' });

function play(outcomes: IdentityOutcome[]): IdentityState {
  return outcomes.reduce(recordOutcome, initialIdentityState);
}

describe('identity step rules (S4)', () => {
  it('identifies by fingerprint on the first try', () => {
    const state = play([{ kind: 'verified', method: 'fingerprint', detail: '' }]);
    expect(state.verifiedBy).toBe('fingerprint');
    expect(canTry(state, 'face')).toBe(false);
  });

  it('offers OTP after three fingerprint and two face failures, not before', () => {
    const four = play([miss('fingerprint'), miss('fingerprint'), miss('fingerprint'), miss('face')]);
    expect(shouldOfferOtp(four)).toBe(false);
    expect(canTry(four, 'fingerprint')).toBe(false);
    expect(attemptsLeft(four, 'face')).toBe(1);
    const five = recordOutcome(four, miss('face'));
    expect(shouldOfferOtp(five)).toBe(true);
    expect(canTry(five, 'face')).toBe(false);
    expect(canTry(five, 'otp')).toBe(true);
  });

  it('locks OTP after five wrong codes; override stays possible', () => {
    const state = play([miss('otp'), miss('otp'), miss('otp'), miss('otp'), miss('otp')]);
    expect(state.isOtpLocked).toBe(true);
    expect(canTry(state, 'otp')).toBe(false);
    expect(canTry(state, 'override')).toBe(true);
  });

  it('an unavailable device does not count as a failed attempt', () => {
    const state = play([{ kind: 'unavailable', method: 'fingerprint', detail: 'No reader' }]);
    expect(attemptsLeft(state, 'fingerprint')).toBe(3);
  });

  it('a lock reported by the server locks OTP at once', () => {
    expect(play([{ kind: 'locked', method: 'otp', detail: 'Locked for 30 minutes' }]).isOtpLocked).toBe(true);
  });

  it('asks for a real override reason', () => {
    expect(overrideReasonProblem('   ')).toMatch(/Write why/);
    expect(overrideReasonProblem('unconscious')).toMatch(/at least 15/);
    expect(overrideReasonProblem('Unconscious after road accident, wife confirmed identity with ration card')).toBeNull();
  });
});
