import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { faceDescriptorLength } from '@domain/biometrics';
import { demoIds } from '../demo/seed';
import { matchEvidenceBytes, newOperatorKeyPair, privateKeyOf, signBytes } from '../../node-shared/operator-proof';
import { isCaseSampled } from '../identity/match-evidence';
import { describeEachBackend } from '../testing/backends';
import { admitForEnrolment } from '../testing/enrolment';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { testServerKeys } from '../testing/keys';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

type Answer = { commandId: string; status: number; answer: Record<string, unknown> & { code?: string } };
type Review = { caseId: string; method: string; reason: string; reviewedAt: string | null };

/**
 * Issue 13 item 6: the identity method was whatever the desk said. An admission claiming
 * `fingerprint` or `face` needed no evidence, so a rogue operator (or a stolen laptop's outbox)
 * admitted anyone "by fingerprint" and the case stood as verified, unlisted for review.
 *
 * On the old code (main at 8f96367) the first attack below — a fingerprint admission with no
 * evidence — answered `flaggedForReview: false` and left the review queue empty. The others carry an
 * `evidence` field the old contract did not have (a 400 there), so on the old code the same
 * admissions were sent without it and stood as verified just the same. Now each is admitted (a
 * patient is never turned away for a missing match) but listed for review with the problem named,
 * and `identityEvidence` says what the server found.
 */
describeEachBackend('match evidence of a biometric admission (%s)', (backend) => {
  let server: TestServer;
  const clockMs = Date.parse('2026-06-10T06:00:00.000Z');
  let now = clockMs;
  let desk: string;
  let ha: string;
  let medco: string;
  let medcoA: OperatorSigner;
  let otherSigner: OperatorSigner;
  let members: string[] = [];
  const enrolments = new Map<string, { fingerprint?: string; face?: string }>();
  let nextMember = 0;
  const freshMember = () => {
    const id = members[nextMember];
    nextMember += 1;
    if (!id) throw new Error('out of members');
    return id;
  };
  const push = (mutations: object[]) => server.raw('POST', '/sync/push', { headers: { authorization: desk }, payload: { protocolVersion: 1, mutations } });
  const iso = (ms: number) => new Date(ms).toISOString();

  /** The admission as the desk queues it: signed outbox entry, with evidence when given. */
  const admitMutation = (signer: OperatorSigner, memberId: string, identityMethod: string, evidence?: (caseId: string) => object) => {
    const caseId = randomUUID();
    const body: Record<string, unknown> = { caseId, memberId, identityMethod, admittedAt: iso(now) };
    if (evidence) body.evidence = evidence(caseId);
    return signer.sign({ sequence: 1, commandId: randomUUID(), name: 'admit', operatorId: signer.operatorId, body }, iso(now));
  };
  const pushOne = async (mutation: { body: Record<string, unknown> }) => {
    const pushed = await push([mutation]);
    expect(pushed.status).toBe(200);
    const [answer] = pushed.body.answers as Answer[];
    return { status: answer!.status, answer: (answer!.answer.result ?? answer!.answer) as Record<string, unknown> };
  };
  const reviews = async (): Promise<Review[]> => ((await server.get(ha, '/reviews/identity-overrides')).body as { overrides: Review[] }).overrides;
  const reviewOf = async (caseId: string) => (await reviews()).find((review) => review.caseId === caseId);
  const fingerprintEvidence =
    (memberId: string, score = 120, capturedAt = iso(now - 60_000)) =>
    (caseId: string) =>
      medcoA.evidence(
        { caseId, memberId, identityMethod: 'fingerprint' },
        { kind: 'fingerprint', enrolmentId: enrolments.get(memberId)!.fingerprint!, score, capturedAt },
      );

  beforeAll(async () => {
    server = await startTestServer(backend, { clock: () => new Date(now), extraFamilies: 6 });
    ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    desk = `Desk ${String(enrolled.body.credential)}`;
    medcoA = await registerOperatorKey(server, desk, 'medco.a');
    medco = await server.login('medco.a');
    const otherId = randomUUID();
    resultOf(
      await server.command(ha, 'create-operator', {
        operatorId: otherId,
        username: 'medco.a3',
        displayName: 'Another desk A operator',
        password: 'another-long-password',
        roles: ['MEDCO'],
        hospitalId: demoIds.hospitalA,
      }),
    );
    otherSigner = await registerOperatorKey(server, desk, 'medco.a3', 'another-long-password');
    members = (await server.scratch.db.query<{ id: string }>('SELECT id FROM members WHERE family_id <> $1 ORDER BY id', [demoIds.s5Family])).map(
      (row) => row.id,
    );
    // Every member enrolled by fingerprint, the last few also by face.
    // Each during a stay at hospital A on a verified code (issue 13 item 5), the stay then cancelled.
    for (const [index, memberId] of members.entries()) {
      const scope = await admitForEnrolment(server, medco, 'medco.a', memberId, new Date(now));
      resultOf(await server.command(medco, 'enroll-fingerprint', { memberId, ...scope, template: randomBytes(96).toString('base64') }));
      if (index >= members.length - 4)
        resultOf(
          await server.command(medco, 'enroll-face', {
            memberId,
            ...scope,
            descriptor: Array.from({ length: faceDescriptorLength }, (_, i) => Math.sin(i + index)),
          }),
        );
      resultOf(await server.command(medco, 'cancel-case', { caseId: scope.caseId, reason: 'Enrolment visit over' }));
    }
    for (const row of await server.scratch.db.query<{ id: string; member_id: string; modality: 'fingerprint' | 'face' }>(
      'SELECT id, member_id, modality FROM biometric_enrolments',
    )) {
      enrolments.set(row.member_id, { ...enrolments.get(row.member_id), [row.modality]: row.id });
    }
    // No sampling unless a test asks for it: every verified admission below must stand unlisted.
    await server.scratch.db.query('UPDATE schemes SET identity_sample_bp = 0');
  });
  afterAll(async () => server?.close());

  it('a fingerprint admission with no evidence is admitted but listed for review, not taken as verified', async () => {
    const mutation = admitMutation(medcoA, freshMember(), 'fingerprint');
    const answer = await pushOne(mutation);
    expect([answer.status, answer.answer.flaggedForReview, answer.answer.identityEvidence]).toEqual([200, true, 'missing']);
    const review = await reviewOf(String(mutation.body.caseId));
    expect(review).toMatchObject({ method: 'unverified-evidence', reviewedAt: null });
    expect(review!.reason).toMatch(/no match evidence/);
    // The same through a direct command (the operator's own token): the same finding.
    const direct = resultOf(await server.command(medco, 'admit', { caseId: randomUUID(), memberId: freshMember(), identityMethod: 'face' }));
    expect([direct.flaggedForReview, direct.identityEvidence]).toEqual([true, 'missing']);
  });

  it('genuine evidence verifies: admitted, not listed, and the evidence is kept', async () => {
    const memberId = freshMember();
    const mutation = admitMutation(medcoA, memberId, 'fingerprint', fingerprintEvidence(memberId));
    const answer = await pushOne(mutation);
    expect([answer.status, answer.answer.flaggedForReview, answer.answer.identityEvidence]).toEqual([200, false, 'verified']);
    expect(await reviewOf(String(mutation.body.caseId))).toBeUndefined();
    const [kept] = await server.scratch.db.query<{ outcome: string; score: number; enrolment_id: string; sampled: boolean }>(
      'SELECT outcome, score, enrolment_id, sampled FROM admission_evidence WHERE case_id = $1',
      [mutation.body.caseId as string],
    );
    expect(kept).toEqual({ outcome: 'verified', score: 120, enrolment_id: enrolments.get(memberId)!.fingerprint, sampled: false });
    // A face match through the operator's direct command verifies the same way.
    const faceMember = members.find((id) => enrolments.get(id)?.face && members.indexOf(id) >= nextMember);
    const caseId = randomUUID();
    const face = medcoA.evidence(
      { caseId, memberId: faceMember!, identityMethod: 'face' },
      { kind: 'face', enrolmentId: enrolments.get(faceMember!)!.face!, score: 0.78, capturedAt: iso(now - 30_000) },
    );
    const direct = resultOf(await server.command(medco, 'admit', { caseId, memberId: faceMember!, identityMethod: 'face', evidence: face }));
    expect([direct.flaggedForReview, direct.identityEvidence]).toEqual([false, 'verified']);
    members = members.filter((id) => id !== faceMember);
  });

  it("evidence naming another member's enrolment, or one of another modality, goes to review", async () => {
    const memberId = freshMember();
    const someoneElse = members[members.length - 6]!;
    const mutation = admitMutation(medcoA, memberId, 'fingerprint', (caseId) =>
      medcoA.evidence(
        { caseId, memberId, identityMethod: 'fingerprint' },
        { kind: 'fingerprint', enrolmentId: enrolments.get(someoneElse)!.fingerprint!, score: 150, capturedAt: iso(now - 60_000) },
      ),
    );
    const answer = await pushOne(mutation);
    expect([answer.status, answer.answer.flaggedForReview, answer.answer.identityEvidence]).toEqual([200, true, 'enrolment-of-another-member']);
    expect((await reviewOf(String(mutation.body.caseId)))!.reason).toMatch(/another member's enrolment/);
    const faceMember = members.slice(nextMember).find((id) => enrolments.get(id)?.face)!;
    members = members.filter((id) => id !== faceMember);
    const wrongModality = await pushOne(
      admitMutation(medcoA, faceMember, 'fingerprint', (caseId) =>
        medcoA.evidence(
          { caseId, memberId: faceMember, identityMethod: 'fingerprint' },
          { kind: 'fingerprint', enrolmentId: enrolments.get(faceMember)!.face!, score: 150, capturedAt: iso(now - 60_000) },
        ),
      ),
    );
    expect(wrongModality.answer.identityEvidence).toBe('wrong-modality');
    const unknown = await pushOne(
      admitMutation(medcoA, freshMember(), 'fingerprint', (caseId) =>
        medcoA.evidence(
          { caseId, memberId: 'x', identityMethod: 'fingerprint' },
          { kind: 'fingerprint', enrolmentId: randomUUID(), score: 150, capturedAt: iso(now) },
        ),
      ),
    );
    // Signed for another member id than the admission's: the signature is checked first.
    expect(unknown.answer.identityEvidence).toBe('bad-signature');
  });

  it('a forged signature, or evidence signed by another operator, goes to review', async () => {
    const memberId = freshMember();
    const attacker = privateKeyOf(newOperatorKeyPair().privateKeyDer);
    const forged = admitMutation(medcoA, memberId, 'fingerprint', (caseId) => {
      const evidence = { kind: 'fingerprint', enrolmentId: enrolments.get(memberId)!.fingerprint!, score: 200, capturedAt: iso(now), keyId: medcoA.keyId };
      const subject = { deskId: demoIds.deskA, operatorId: medcoA.operatorId, caseId, memberId, identityMethod: 'fingerprint' };
      return { ...evidence, signature: signBytes(attacker, matchEvidenceBytes(subject, evidence)) };
    });
    const answer = await pushOne(forged);
    expect([answer.status, answer.answer.flaggedForReview, answer.answer.identityEvidence]).toEqual([200, true, 'bad-signature']);
    expect((await reviewOf(String(forged.body.caseId)))!.method).toBe('unverified-evidence');
    // Another operator of the hospital vouching for medco.a's admission: their key is not medco.a's.
    const vouched = await pushOne(
      admitMutation(medcoA, freshMember(), 'fingerprint', (caseId) => {
        const other = members[nextMember - 1]!;
        return otherSigner.evidence(
          { caseId, memberId: other, identityMethod: 'fingerprint' },
          { kind: 'fingerprint', enrolmentId: enrolments.get(other)!.fingerprint!, score: 200, capturedAt: iso(now) },
        );
      }),
    );
    expect(vouched.answer.identityEvidence).toBe('wrong-key');
    const unknownKey = await pushOne(
      admitMutation(medcoA, freshMember(), 'fingerprint', () => ({
        kind: 'fingerprint',
        enrolmentId: randomUUID(),
        score: 200,
        capturedAt: iso(now),
        keyId: randomUUID(),
        signature: randomBytes(64).toString('base64url'),
      })),
    );
    expect(unknownKey.answer.identityEvidence).toBe('unknown-key');
  });

  it("evidence replayed from another case's admission goes to review", async () => {
    const memberId = freshMember();
    const first = admitMutation(medcoA, memberId, 'fingerprint', fingerprintEvidence(memberId));
    expect((await pushOne(first)).answer.identityEvidence).toBe('verified');
    resultOf(await server.command(medco, 'cancel-case', { caseId: String(first.body.caseId), reason: 'Admitted to the wrong ward by mistake' }));
    // The same member admitted again with the first admission's (genuine) evidence, copied.
    const replay = admitMutation(medcoA, memberId, 'fingerprint', () => first.body.evidence as object);
    const answer = await pushOne(replay);
    expect([answer.status, answer.answer.flaggedForReview, answer.answer.identityEvidence]).toEqual([200, true, 'bad-signature']);
    expect((await reviewOf(String(replay.body.caseId)))!.reason).toMatch(/taken from another admission/);
  });

  it('a stale capture time, a capture ahead of the server clock and a low score go to review', async () => {
    const stale = freshMember();
    const staleAnswer = await pushOne(admitMutation(medcoA, stale, 'fingerprint', fingerprintEvidence(stale, 150, iso(now - 2 * 3600_000))));
    expect([staleAnswer.status, staleAnswer.answer.flaggedForReview, staleAnswer.answer.identityEvidence]).toEqual([200, true, 'stale-capture']);
    const ahead = freshMember();
    expect((await pushOne(admitMutation(medcoA, ahead, 'fingerprint', fingerprintEvidence(ahead, 150, iso(now + 10 * 60_000))))).answer.identityEvidence).toBe(
      'stale-capture',
    );
    const low = freshMember();
    const lowAnswer = await pushOne(admitMutation(medcoA, low, 'fingerprint', fingerprintEvidence(low, 20)));
    expect([lowAnswer.answer.flaggedForReview, lowAnswer.answer.identityEvidence]).toEqual([true, 'below-threshold']);
    // The threshold is the scheme's: lowered to 20, the same score verifies.
    await server.scratch.db.query('UPDATE schemes SET fingerprint_min_score = 20');
    const lowered = freshMember();
    expect((await pushOne(admitMutation(medcoA, lowered, 'fingerprint', fingerprintEvidence(lowered, 20)))).answer.identityEvidence).toBe('verified');
    await server.scratch.db.query('UPDATE schemes SET fingerprint_min_score = 50');
  });

  it('a keyed share of verified admissions is sampled for review, predictably', async () => {
    await server.scratch.db.query('UPDATE schemes SET identity_sample_bp = 5000');
    const caseIds = Array.from({ length: 40 }, () => randomUUID());
    const sampled = caseIds.find((caseId) => isCaseSampled(testServerKeys.nationalId.current.key, caseId, 5000))!;
    const passed = caseIds.find((caseId) => !isCaseSampled(testServerKeys.nationalId.current.key, caseId, 5000))!;
    for (const [caseId, isListed] of [
      [sampled, true],
      [passed, false],
    ] as const) {
      const memberId = freshMember();
      const evidence = medcoA.evidence(
        { caseId, memberId, identityMethod: 'fingerprint' },
        { kind: 'fingerprint', enrolmentId: enrolments.get(memberId)!.fingerprint!, score: 120, capturedAt: iso(now) },
      );
      const answer = resultOf(await server.command(medco, 'admit', { caseId, memberId, identityMethod: 'fingerprint', evidence }));
      expect([answer.identityEvidence, answer.flaggedForReview]).toEqual(['verified', isListed]);
      expect((await reviewOf(caseId))?.method).toBe(isListed ? 'sampled' : undefined);
    }
    await server.scratch.db.query('UPDATE schemes SET identity_sample_bp = 0');
  });

  it("a document admission keeps the operator's attestation; the scheme's own card is checked", async () => {
    const memberId = freshMember();
    const [card] = await server.scratch.db.query<{ health_card_number: string }>('SELECT health_card_number FROM members WHERE id = $1', [memberId]);
    const caseId = randomUUID();
    const evidence = medcoA.evidence(
      { caseId, memberId, identityMethod: 'document' },
      { kind: 'document', documentType: 'health-card', numberLast4: card!.health_card_number.slice(-4), capturedAt: iso(now) },
    );
    const answer = resultOf(await server.command(medco, 'admit', { caseId, memberId, identityMethod: 'document', evidence }));
    expect([answer.flaggedForReview, answer.identityEvidence]).toEqual([true, 'attested']);
    expect((await reviewOf(caseId))!.reason).toMatch(/health-card ending .{4}, matching the member's registered health card/);
    resultOf(await server.command(medco, 'cancel-case', { caseId, reason: 'Admitted to the wrong ward by mistake' }));
    const wrongCase = randomUUID();
    const wrong = medcoA.evidence(
      { caseId: wrongCase, memberId, identityMethod: 'document' },
      { kind: 'document', documentType: 'health-card', numberLast4: '9999', capturedAt: iso(now) },
    );
    const mismatch = resultOf(await server.command(medco, 'admit', { caseId: wrongCase, memberId, identityMethod: 'document', evidence: wrong }));
    expect(mismatch.identityEvidence).toBe('document-mismatch');
    expect((await reviewOf(wrongCase))!.reason).toMatch(/do not match the member's registered health card/);
  });

  it('evidence that contradicts the admission is bad input and writes nothing', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const memberId = members[0]!;
    const enrolmentId = enrolments.get(memberId)!.fingerprint!;
    const refused = [
      { identityMethod: 'face', evidence: { kind: 'fingerprint', enrolmentId, score: 120 } },
      { identityMethod: 'otp', evidence: { kind: 'fingerprint', enrolmentId, score: 120 } },
      { identityMethod: 'face', evidence: { kind: 'face', enrolmentId, score: 3 } },
      { identityMethod: 'fingerprint', evidence: { kind: 'fingerprint', enrolmentId, score: 120.5 } },
    ];
    for (const { identityMethod, evidence } of refused) {
      const caseId = randomUUID();
      const signed = medcoA.evidence({ caseId, memberId, identityMethod }, { ...evidence, capturedAt: iso(now) });
      const answer = await server.command(medco, 'admit', { caseId, memberId, identityMethod: identityMethod as 'face', evidence: signed as never });
      expect([answer.status, answer.body.code]).toEqual([400, 'invalid-input']);
      expect(String(answer.body.message)).toMatch(/[Ee]vidence|score/);
    }
    const missingSignature = await server.command(medco, 'admit', {
      caseId: randomUUID(),
      memberId,
      identityMethod: 'fingerprint',
      evidence: { kind: 'fingerprint', enrolmentId, score: 120, capturedAt: iso(now), keyId: medcoA.keyId } as never,
    });
    expect([missingSignature.status, missingSignature.body.code]).toEqual([400, 'invalid-input']);
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });

  it('an emergency identified days later merges, its evidence judged at the identification; 8 days later it still merges (issue 19)', async () => {
    const memberId = freshMember();
    const caseId = randomUUID();
    const sixDays = 6 * 24 * 3_600_000;
    resultOf(
      await server.command(medco, 'admit-emergency', { caseId, sex: 'male', approximateAge: 50, foundAt: 'Road accident', admittedAt: iso(now - sixDays) }),
    );
    // The fingerprint is taken now, six days after the admission: not stale for it.
    const body = { caseId, memberId, identityMethod: 'fingerprint', evidence: fingerprintEvidence(memberId)(caseId) };
    const merged = await pushOne(
      medcoA.sign({ sequence: 1, commandId: randomUUID(), name: 'merge-emergency-case', operatorId: medcoA.operatorId, body }, iso(now)),
    );
    expect(merged.status).toBe(200);
    expect(merged.answer).toMatchObject({ status: 'merged', memberId, identityEvidence: 'verified', isLate: true, admittedAt: iso(now - sixDays) });
    // Listed for review only if the keyed sample drew it, never for its evidence.
    expect([undefined, 'sampled']).toContain((await reviewOf(caseId))?.method);
    resultOf(await server.command(medco, 'cancel-case', { caseId, reason: 'Test over' }));

    // Identified a week and a day after the admission (the admission's time was checked when it was made).
    const later = randomUUID();
    resultOf(await server.command(medco, 'admit-emergency', { caseId: later, sex: 'female', approximateAge: 70, foundAt: 'At home', admittedAt: iso(now) }));
    try {
      now = clockMs + 8 * 24 * 3_600_000;
      const desk = await server.login('medco.a');
      const late = resultOf(
        await server.command(desk, 'merge-emergency-case', {
          caseId: later,
          memberId: freshMember(),
          identityMethod: 'override',
          overrideReason: 'Recognised by her son on the ward round',
          supervisorName: 'Dr Kulkarni',
        }),
      );
      expect(late).toMatchObject({ status: 'merged', isLate: true, admittedAt: iso(clockMs) });
      resultOf(await server.command(desk, 'cancel-case', { caseId: later, reason: 'Test over' }));
    } finally {
      now = clockMs;
    }
  });
});
