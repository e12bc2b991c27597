import { describe, expect, it } from 'vitest';
import type { MemberSummary } from '@desk-api/contract';
import { FakeDeskBackend, fakeOtpCode } from '../../../dev/fake-backend';
import { seedMemberIds } from '../../../dev/fake-seed';
import { createDeskVerifier } from './identity-verifier';

const member = (memberId: string, schemeMemberId: string): MemberSummary => ({
  memberId,
  schemeMemberId,
  fullName: 'Test',
  birthYear: 1980,
  gender: 'M',
  relation: 'head',
  activeCase: null,
});
const face = Array.from({ length: 1024 }, (_, index) => Math.sin(index + 3));

describe('the desk-API verifier: what counts as a failed attempt', () => {
  it('a matching finger verifies; a captured finger that does not match is a failed attempt', async () => {
    const verifier = createDeskVerifier(new FakeDeskBackend({ signedInAs: 'medco.a' }));
    expect(await verifier.verifyFingerprint(member(seedMemberIds.father, 'PMJ-S1000001'))).toMatchObject({ kind: 'verified', method: 'fingerprint' });
    expect(await verifier.verifyFingerprint(member(seedMemberIds.daughter, 'PMJ-S1000004'))).toMatchObject({ kind: 'not-matched', method: 'fingerprint' });
  });

  it('no enrolment or no server is "not available" (no attempt used), with the backend\'s sentence', async () => {
    const desk = new FakeDeskBackend({ signedInAs: 'medco.a' });
    const verifier = createDeskVerifier(desk);
    const son = member(seedMemberIds.son, 'PMJ-S1000003');
    expect(await verifier.verifyFace(son, { descriptor: face, liveness: 0.9 })).toMatchObject({
      kind: 'unavailable',
      method: 'face',
      detail: expect.stringMatching(/no face enrolled/),
    });
    // Enrolling: the son admitted here on a verified code (issue 13 item 5).
    const sent = await desk.call('identity.sendOtp', { memberId: son.memberId });
    if (!sent.ok) throw new Error(sent.error.message);
    await desk.call('identity.verifyOtp', { challengeId: sent.value.challengeId, code: fakeOtpCode });
    const admitted = await desk.call('cases.admit', { memberId: son.memberId, identityMethod: 'otp', otpChallengeId: sent.value.challengeId });
    if (!admitted.ok) throw new Error(admitted.error.message);
    const scope = { caseId: admitted.value.caseId, otpChallengeId: sent.value.challengeId };
    expect(await verifier.enrollFace(son, { ...scope, caseId: 'another-case' }, { descriptor: face, liveness: 0.9 })).toMatchObject({
      kind: 'failed',
      detail: expect.stringMatching(/admitted at your hospital/),
    });
    desk.setOnline(false);
    expect(await verifier.enrollFace(son, scope, { descriptor: face, liveness: 0.9 })).toMatchObject({
      kind: 'failed',
      detail: expect.stringMatching(/needs the server/),
    });
    desk.setOnline(true);
    expect(await verifier.enrollFace(son, scope, { descriptor: face, liveness: 0.9 })).toMatchObject({ kind: 'enrolled' });
    expect(await verifier.verifyFace(son, { descriptor: face, liveness: 0.9 })).toMatchObject({ kind: 'verified', method: 'face' });
    expect(await verifier.verifyFace(son, { descriptor: face.map((value) => -value), liveness: 0.9 })).toMatchObject({ kind: 'not-matched', method: 'face' });
  });
});
