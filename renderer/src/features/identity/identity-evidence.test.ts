import { describe, expect, it } from 'vitest';
import { admitIdentityArguments, IdentityEvidenceStore } from './identity-evidence';

describe('identity evidence for the admission', () => {
  it('turns each kind of evidence into cases.admit arguments', () => {
    expect(admitIdentityArguments({ method: 'fingerprint' })).toEqual({ identityMethod: 'fingerprint' });
    expect(admitIdentityArguments({ method: 'otp', otpChallengeId: 'otp-1' })).toEqual({ identityMethod: 'otp', otpChallengeId: 'otp-1' });
    expect(admitIdentityArguments({ method: 'override', overrideReason: 'Unconscious, wife confirmed with ration card', supervisorName: 'Dr Kale' })).toEqual({
      identityMethod: 'override',
      overrideReason: 'Unconscious, wife confirmed with ration card',
      supervisorName: 'Dr Kale',
    });
  });

  it('keeps the latest evidence per member until forgotten', () => {
    const store = new IdentityEvidenceStore();
    store.record('m1', { method: 'face' });
    store.record('m1', { method: 'otp', otpChallengeId: 'otp-2' });
    expect(store.peek('m1')).toEqual({ method: 'otp', otpChallengeId: 'otp-2' });
    expect(store.peek('m2')).toBeNull();
    store.forget('m1');
    expect(store.peek('m1')).toBeNull();
  });
});
