import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { consentEvidenceBytes, newOperatorKeyPair, privateKeyOf, signBytes } from '../../node-shared/operator-proof';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { admitForEnrolment } from '../testing/enrolment';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

type Answer = Awaited<ReturnType<TestServer['command']>>;

/**
 * Issue 16: consent to show past treatment "by OTP or biometric at that desk". A biometric consent
 * is a fingerprint (or face) match of the patient made at the desk for the consent, signed by the
 * operator's key with the consent's own purpose; the server verifies that evidence and trusts no
 * flag. Each attack below — no evidence, a forged signature, an old or future-dated match, an
 * admission's evidence replayed, evidence for another case or another member's enrolment, an
 * altered or too-low score, a match made at another hospital's desk, the same match twice — is
 * refused and writes nothing.
 */
describeEachBackend('consent to show past treatment by a fingerprint match (%s)', (backend) => {
  let server: TestServer;
  const clockMs = Date.parse('2026-06-10T06:00:00.000Z');
  let now = clockMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  let medco = '';
  let medcoA: OperatorSigner;
  let medcoB: OperatorSigner;
  const caseAtA = randomUUID();
  const otherCaseAtA = randomUUID();
  const enrolmentOf = new Map<string, string>();

  const consents = async () => (await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM history_consents'))[0]!.n;
  const evidence = (
    signer: OperatorSigner,
    overrides: { caseId?: string; memberId?: string; enrolmentOf?: string; score?: number; capturedAt?: number } = {},
  ) =>
    signer.consentEvidence(
      { caseId: overrides.caseId ?? caseAtA, memberId: overrides.memberId ?? demoIds.son },
      {
        kind: 'fingerprint',
        enrolmentId: enrolmentOf.get(overrides.enrolmentOf ?? demoIds.son)!,
        score: overrides.score ?? 120,
        capturedAt: iso(overrides.capturedAt ?? now - 60_000),
      },
    );
  const grant = (body: Record<string, unknown>) => server.command(medco, 'grant-history-consent', { caseId: caseAtA, method: 'fingerprint', ...body });
  const expectRefusedWritingNothing = async (send: () => Promise<Answer>, status: number, code: string, sentence?: RegExp) => {
    await settleAuditChain(server.scratch.db);
    const [before, count] = [await snapshotDatabase(server.scratch.db), await consents()];
    const answer = await send();
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(String(answer.body.message)).toMatch(sentence ?? /\w+ \w+ \w+/);
    await settleAuditChain(server.scratch.db);
    expect(await consents()).toBe(count);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  };

  beforeAll(async () => {
    server = await startTestServer(backend, { clock: () => new Date(now), extraFamilies: 0 });
    const ha = await server.login('ha');
    const deskCredential = async (deskId: string) => {
      const issued = await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: ha, payload: {} });
      const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
      return `Desk ${String(enrolled.body.credential)}`;
    };
    medcoA = await registerOperatorKey(server, await deskCredential(demoIds.deskA), 'medco.a');
    medcoB = await registerOperatorKey(server, await deskCredential(demoIds.deskB), 'medco.b');
    medco = await server.login('medco.a');
    // The son and the daughter enrolled by fingerprint at A (on a verified code, the visit then cancelled).
    for (const memberId of [demoIds.son, demoIds.daughter]) {
      const scope = await admitForEnrolment(server, medco, 'medco.a', memberId, new Date(now));
      resultOf(await server.command(medco, 'enroll-fingerprint', { memberId, ...scope, template: randomBytes(96).toString('base64') }));
      resultOf(await server.command(medco, 'cancel-case', { caseId: scope.caseId, reason: 'Enrolment visit over' }));
      const [row] = await server.scratch.db.query<{ id: string }>("SELECT id FROM biometric_enrolments WHERE member_id = $1 AND modality = 'fingerprint'", [
        memberId,
      ]);
      enrolmentOf.set(memberId, row!.id);
    }
    now += 10 * 60_000;
    resultOf(
      await server.command(medco, 'admit', {
        caseId: caseAtA,
        memberId: demoIds.son,
        identityMethod: 'override',
        overrideReason: 'Patient arrived unconscious at night',
        supervisorName: 'Dr Rao',
      }),
    );
    resultOf(
      await server.command(medco, 'admit', {
        caseId: otherCaseAtA,
        memberId: demoIds.daughter,
        identityMethod: 'override',
        overrideReason: 'Patient arrived unconscious at night',
        supervisorName: 'Dr Rao',
      }),
    );
  });
  afterAll(async () => server?.close());

  it('a flag is not consent: no evidence, or evidence of another method, is bad input and writes nothing', async () => {
    await expectRefusedWritingNothing(() => grant({}), 400, 'invalid-input', /needs the match the desk made/);
    await expectRefusedWritingNothing(() => grant({ method: 'face', evidence: evidence(medcoA) }), 400, 'invalid-input');
    await expectRefusedWritingNothing(() => grant({ otpChallengeId: randomUUID(), evidence: evidence(medcoA) }), 400, 'invalid-input');
    expect((await server.get(medco, `/cases/${caseAtA}/history`)).body.code).toBe('consent-required');
  });

  it('forged, old, future-dated, replayed from an admission, for another case or member, altered or weak evidence gives no consent', async () => {
    // Signed by a key pair the attacker made, under medco.a's key id.
    const forger = privateKeyOf(newOperatorKeyPair().privateKeyDer);
    const genuine = evidence(medcoA);
    const forgedSignature = signBytes(
      forger,
      consentEvidenceBytes({ deskId: medcoA.deskId, operatorId: medcoA.operatorId, caseId: caseAtA, memberId: demoIds.son }, { ...genuine, signature: '' }),
    );
    await expectRefusedWritingNothing(() => grant({ evidence: { ...genuine, signature: forgedSignature } }), 403, 'consent-refused', /not signed by you/);
    // An unknown key id.
    await expectRefusedWritingNothing(() => grant({ evidence: { ...genuine, keyId: randomUUID() } }), 403, 'consent-refused', /key this server does not know/);
    // The admission's match evidence (another signed purpose) lifted into a consent.
    const admissionEvidence = medcoA.evidence(
      { caseId: caseAtA, memberId: demoIds.son, identityMethod: 'fingerprint' },
      { kind: 'fingerprint', enrolmentId: enrolmentOf.get(demoIds.son)!, score: 120, capturedAt: iso(now - 60_000) },
    );
    await expectRefusedWritingNothing(() => grant({ evidence: admissionEvidence }), 403, 'consent-refused', /not signed by you/);
    // Old: a match from six minutes ago (the admission's, or one kept for later). Future-dated.
    await expectRefusedWritingNothing(() => grant({ evidence: evidence(medcoA, { capturedAt: now - 6 * 60_000 }) }), 403, 'consent-refused', /too old/);
    await expectRefusedWritingNothing(() => grant({ evidence: evidence(medcoA, { capturedAt: now + 10 * 60_000 }) }), 403, 'consent-refused');
    // Signed for the daughter's case, sent for the son's.
    await expectRefusedWritingNothing(
      () => grant({ evidence: evidence(medcoA, { caseId: otherCaseAtA, memberId: demoIds.daughter }) }),
      403,
      'consent-refused',
      /not signed by you/,
    );
    // The daughter's finger on the reader for the son's consent.
    await expectRefusedWritingNothing(() => grant({ evidence: evidence(medcoA, { enrolmentOf: demoIds.daughter }) }), 403, 'consent-refused', /another member/);
    // A score altered after signing; a genuine but too-weak match.
    await expectRefusedWritingNothing(
      () => grant({ evidence: { ...evidence(medcoA, { score: 20 }), score: 200 } }),
      403,
      'consent-refused',
      /not signed by you/,
    );
    await expectRefusedWritingNothing(() => grant({ evidence: evidence(medcoA, { score: 20 }) }), 403, 'consent-refused', /below what the scheme accepts/);
    // Hospital B's operator's genuine match (their own desk's key), sent by hospital A's operator.
    await expectRefusedWritingNothing(() => grant({ evidence: evidence(medcoB) }), 403, 'consent-refused', /not signed by you/);
    expect((await server.get(medco, `/cases/${caseAtA}/history`)).body.code).toBe('consent-required');
  });

  it('a fresh match at this desk, signed for this consent, is consent; the same match twice is not', async () => {
    const fresh = evidence(medcoA);
    const granted = resultOf(await grant({ evidence: fresh }));
    expect(granted).toMatchObject({ method: 'fingerprint', caseId: caseAtA, memberId: demoIds.son });
    const [row] = await server.scratch.db.query<{ method: string; otp_challenge_id: string | null; evidence_enrolment_id: string; evidence_score: number }>(
      'SELECT method, otp_challenge_id, evidence_enrolment_id, evidence_score FROM history_consents WHERE case_id = $1',
      [caseAtA],
    );
    expect(row).toEqual({ method: 'fingerprint', otp_challenge_id: null, evidence_enrolment_id: enrolmentOf.get(demoIds.son), evidence_score: 120 });
    expect((await server.get(medco, `/cases/${caseAtA}/history`)).status).toBe(200);
    const [audit] = await server.scratch.db.query<{ after: { method: string } }>(
      "SELECT after FROM audit_log WHERE action = 'history-consent-granted' AND entity_id = $1",
      [demoIds.son],
    );
    expect(audit?.after.method).toBe('fingerprint');
    // The same signed match again, under a new command id.
    await expectRefusedWritingNothing(() => grant({ evidence: fresh }), 403, 'consent-refused', /already backed a consent/);
  });
});
