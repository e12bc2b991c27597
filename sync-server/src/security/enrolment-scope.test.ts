import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PullAnswerValue } from '@contract/sync';
import { demoIds } from '../demo/seed';
import { biometricTransportKey, openAtRest, openBiometric, sealAtRest } from '../identity/biometric-seal';
import { DevelopmentSmsSink } from '../identity/sms';
import { describeEachBackend } from '../testing/backends';
import { admitForEnrolment, verifiedCode } from '../testing/enrolment';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { registerOperatorKey } from '../testing/operator-keys';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

const settledSnapshot = async (server: TestServer) => {
  await settleAuditChain(server.scratch.db);
  return snapshotDatabase(server.scratch.db);
};

const fingerOf = (seed: number) => Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 31 + seed) % 256));

/**
 * Issue 13 item 5: biometric enrolment was unscoped and first-wins. Any MEDCO token enrolled a
 * finger or a face for any member scheme-wide (the command took a member id and a template,
 * nothing else), and the member's real enrolment was then refused for good with 409
 * `biometric-already-enrolled`: a rogue operator at hospital B could plant their own finger on a
 * Pune family's member and pass every later fingerprint check as that member.
 *
 * On the old code (main at 8f96367) the first attack below answered 200 and wrote the enrolment,
 * and the real enrolment at hospital A then answered 409 with no way out. Now an enrolment needs
 * the member's case admitted at the operator's hospital and a one-time code verified on the
 * family's registered phone (403s that write nothing), and a wrong enrolment is replaced only
 * through a request the health authority reviews, the old one kept revoked.
 *
 * The demo: hospital A is in Pune, hospital B in Satara; the S1 family lives in Pune.
 */
describeEachBackend('who may enrol a biometric (%s)', (backend) => {
  let server: TestServer;
  let medcoA: string;
  let medcoB: string;
  let ha: string;
  const sms = new DevelopmentSmsSink();
  const lastCode = () => /code is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1] ?? '';

  beforeAll(async () => {
    server = await startTestServer(backend, { sms, extraFamilies: 0 });
    medcoA = await server.login('medco.a');
    medcoB = await server.login('medco.b');
    ha = await server.login('ha');
  });
  afterAll(async () => server?.close());

  const enrolFinger = (token: string, memberId: string, scope: { caseId: string; otpChallengeId: string }, seed: number) =>
    server.command(token, 'enroll-fingerprint', { memberId, ...scope, template: fingerOf(seed).toString('base64') });

  it('a MEDCO of hospital B enrolling a Pune member with no case at B: 403, nothing written; the real enrolment at A then succeeds', async () => {
    const before = await settledSnapshot(server);
    // Before: 200, the rogue's finger enrolled as the mother's, and hospital A's real enrolment refused for good.
    const rogue = await enrolFinger(medcoB, demoIds.mother, { caseId: randomUUID(), otpChallengeId: randomUUID() }, 66);
    expect(rogue.status).toBe(403);
    expect(rogue.body).toMatchObject({ code: 'enrolment-out-of-scope', message: expect.stringMatching(/admitted at your hospital/) });
    expect(await settledSnapshot(server)).toEqual(before);
    // A case of the mother at hospital A does not open B's desk either.
    const atA = await admitForEnrolment(server, medcoA, 'medco.a', demoIds.mother);
    const before2 = await settledSnapshot(server);
    const borrowed = await enrolFinger(medcoB, demoIds.mother, atA, 66);
    expect(borrowed.status).toBe(403);
    expect(borrowed.body.code).toBe('enrolment-out-of-scope');
    expect(await settledSnapshot(server)).toEqual(before2);

    // The real enrolment, at the hospital where she is admitted, with the code that identified her.
    const real = resultOf(await enrolFinger(medcoA, demoIds.mother, atA, 1));
    expect(real).toMatchObject({ memberId: demoIds.mother, caseId: atA.caseId, hospitalId: demoIds.hospitalA, secondFactor: 'otp' });
  });

  it('an admitted case without the second factor: refused (403), whatever code is offered, writing nothing', async () => {
    const { caseId } = await admitForEnrolment(server, medcoA, 'medco.a', demoIds.son);
    const codes: [string, string][] = [
      ['a code that does not exist', randomUUID()],
      ['a code verified for another member', await verifiedCode(server.scratch.db, demoIds.daughter, 'medco.a')],
      ['a code verified by hospital B', await verifiedCode(server.scratch.db, demoIds.son, 'medco.b')],
      ['a code verified 31 minutes ago', await verifiedCode(server.scratch.db, demoIds.son, 'medco.a', new Date(Date.now() - 31 * 60_000))],
    ];
    // A code sent but never verified.
    const unverified = randomUUID();
    resultOf(await server.command(medcoA, 'send-otp', { challengeId: unverified, memberId: demoIds.son }));
    codes.push(['a code sent but not verified', unverified]);
    const before = await settledSnapshot(server);
    for (const [what, otpChallengeId] of codes) {
      const answer = await enrolFinger(medcoA, demoIds.son, { caseId, otpChallengeId }, 2);
      expect(answer.status, what).toBe(403);
      expect(answer.body, what).toMatchObject({ code: 'second-factor-refused', message: expect.stringMatching(/one-time code/) });
    }
    expect(await settledSnapshot(server)).toEqual(before);
  });

  it('the whole desk path with a real code: sent to the family phone, verified, admitted by it, then finger and face enrolled on it once each', async () => {
    const challengeId = randomUUID();
    resultOf(await server.command(medcoA, 'send-otp', { challengeId, memberId: demoIds.daughter }));
    resultOf(await server.command(medcoA, 'verify-otp', { challengeId, code: lastCode() }));
    const caseId = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId, memberId: demoIds.daughter, identityMethod: 'otp', otpChallengeId: challengeId }));
    const scope = { caseId, otpChallengeId: challengeId };
    resultOf(await enrolFinger(medcoA, demoIds.daughter, scope, 3));
    const descriptor = Array.from({ length: 1024 }, (_, index) => Math.sin(index + 3) / 10);
    resultOf(await server.command(medcoA, 'enroll-face', { memberId: demoIds.daughter, ...scope, descriptor }));
    // The code has backed its fingerprint enrolment: it backs no replacement of it.
    const before = await settledSnapshot(server);
    const again = await server.command(medcoA, 'request-enrolment-replacement', {
      requestId: randomUUID(),
      memberId: demoIds.daughter,
      ...scope,
      modality: 'fingerprint',
      template: fingerOf(4).toString('base64'),
      reason: 'Enrolled the wrong finger by mistake',
    });
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({ code: 'second-factor-refused', message: expect.stringMatching(/already backed/) });
    expect(await settledSnapshot(server)).toEqual(before);
  });

  it('first-wins hijack, then the real enrolment: refused (409) and replaced only through a reviewed request; the old one is kept revoked', async () => {
    // A wrong enrolment already in place: the rogue's finger enrolled as the father's (a hijack from
    // before the fix, or one made at B while the father was admitted there).
    const rogueFinger = fingerOf(99);
    await server.scratch.db.query(
      `INSERT INTO biometric_enrolments (id, member_id, family_id, modality, sealed, enrolled_by, enrolled_at, hospital_id, case_id, second_factor, otp_challenge_id)
       SELECT $1, m.id, m.family_id, 'fingerprint', $2, o.id, now() - interval '1 day', o.hospital_id, $4, 'otp', $5 FROM members m, operators o WHERE m.id = $3 AND o.username = 'medco.b'`,
      [
        randomUUID(),
        // Sealed like any enrolment (the seal binds member and modality).
        sealAtRest(server.state.keys.biometric, demoIds.father, 'fingerprint', rogueFinger),
        demoIds.father,
        (await admitForEnrolment(server, medcoB, 'medco.b', demoIds.father)).caseId,
        await verifiedCode(server.scratch.db, demoIds.father, 'medco.b'),
      ],
    );
    resultOf(await server.command(medcoB, 'cancel-case', { caseId: await activeCase(demoIds.father), reason: 'Left before treatment' }));
    const [rogue] = await server.scratch.db.query<{ id: string }>("SELECT id FROM biometric_enrolments WHERE member_id = $1 AND modality = 'fingerprint'", [
      demoIds.father,
    ]);

    // The father is admitted at A; the real enrolment is refused (the stored answer is all it writes).
    const atA = await admitForEnrolment(server, medcoA, 'medco.a', demoIds.father);
    const { commands: commandsBefore, ...before } = await settledSnapshot(server);
    const refused = await enrolFinger(medcoA, demoIds.father, atA, 5);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'biometric-already-enrolled', message: expect.stringMatching(/request a replacement/) });
    const { commands: commandsAfter, ...after } = await settledSnapshot(server);
    expect(after).toEqual(before);
    expect(Number(commandsAfter?.split(':')[0])).toBe(Number(commandsBefore?.split(':')[0]) + 1);

    // Hospital B cannot ask for the replacement (no case of the father there any more).
    const fromB = await server.command(medcoB, 'request-enrolment-replacement', {
      requestId: randomUUID(),
      memberId: demoIds.father,
      caseId: atA.caseId,
      otpChallengeId: await verifiedCode(server.scratch.db, demoIds.father, 'medco.b'),
      modality: 'fingerprint',
      template: fingerOf(98).toString('base64'),
      reason: 'Keep my finger on this member please',
    });
    expect(fromB.status).toBe(403);
    expect(fromB.body.code).toBe('enrolment-out-of-scope');

    // Hospital A asks, with a fresh code and a reason; nothing the desks verify against changes yet.
    const requestId = randomUUID();
    const scope = { caseId: atA.caseId, otpChallengeId: await verifiedCode(server.scratch.db, demoIds.father, 'medco.a') };
    const requested = resultOf(
      await server.command(medcoA, 'request-enrolment-replacement', {
        requestId,
        memberId: demoIds.father,
        ...scope,
        modality: 'fingerprint',
        template: fingerOf(5).toString('base64'),
        reason: 'The enrolled finger does not read: it is not the patient’s',
      }),
    );
    expect(requested).toMatchObject({ requestId, status: 'pending', replacesId: rogue!.id });
    const twice = await server.command(medcoA, 'request-enrolment-replacement', {
      requestId: randomUUID(),
      memberId: demoIds.father,
      caseId: atA.caseId,
      otpChallengeId: await verifiedCode(server.scratch.db, demoIds.father, 'medco.a'),
      modality: 'fingerprint',
      template: fingerOf(6).toString('base64'),
      reason: 'Asking a second time for the same',
    });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'replacement-already-pending', details: { requestId } });
    const [active] = await server.scratch.db.query<{ id: string }>(
      "SELECT id FROM biometric_enrolments WHERE member_id = $1 AND modality = 'fingerprint' AND revoked_at IS NULL",
      [demoIds.father],
    );
    expect(active?.id).toBe(rogue!.id);

    // The desk cannot decide it; the health authority does.
    const byDesk = await server.command(medcoA, 'review-enrolment-replacement', { requestId, decision: 'approve', note: 'Looks right' });
    expect(byDesk.status).toBe(403);
    expect(byDesk.body.code).toBe('forbidden-role');
    const approved = resultOf(
      await server.command(ha, 'review-enrolment-replacement', { requestId, decision: 'approve', note: 'Called the family; B had no case then' }),
    );
    expect(approved).toMatchObject({ requestId, status: 'approved', revokedId: rogue!.id });
    const again = await server.command(ha, 'review-enrolment-replacement', { requestId, decision: 'reject', note: 'Second thoughts' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already-reviewed');

    // The new finger is the enrolment; the rogue's is kept, revoked, naming its successor; the request holds no biometric any more.
    const rows = await server.scratch.db.query<{ id: string; sealed: string; revoked_at: Date | null; replaced_by: string | null; second_factor: string }>(
      "SELECT id, sealed, revoked_at, replaced_by, second_factor FROM biometric_enrolments WHERE member_id = $1 AND modality = 'fingerprint' ORDER BY enrolled_at",
      [demoIds.father],
    );
    expect(rows.map((row) => [row.id, row.revoked_at !== null, row.replaced_by, row.second_factor])).toEqual([
      [rogue!.id, true, approved.enrolmentId, 'otp'],
      [approved.enrolmentId, false, null, 'replacement-review'],
    ]);
    expect(openAtRest(server.state.keys.biometric, demoIds.father, 'fingerprint', rows[1]!.sealed).equals(fingerOf(5))).toBe(true);
    const [request] = await server.scratch.db.query<{ sealed: string | null }>('SELECT sealed FROM biometric_replacement_requests WHERE id = $1', [requestId]);
    expect(request?.sealed).toBeNull();
    await settleAuditChain(server.scratch.db);
    const audited = await server.scratch.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'biometric-replacement-%' ORDER BY id",
      [demoIds.father],
    );
    expect(audited.map((row) => row.action)).toEqual(['biometric-replacement-requested', 'biometric-replacement-approved']);

    // Desks get the new finger, never the revoked one.
    const ha2 = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha2, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    const credential = String(enrolled.body.credential);
    const signer = await registerOperatorKey(server, `Desk ${credential}`, 'medco.a');
    const pulled = await server.raw('GET', '/sync/pull?limit=5000', {
      headers: { authorization: `Desk ${credential}`, 'x-coverdesk-operator-proof': signer.pullHeader() },
    });
    const fingers = (pulled.body as unknown as PullAnswerValue).documents.filter(
      (document) => document.table === 'biometrics' && document.row.memberId === demoIds.father && document.row.modality === 'fingerprint',
    );
    expect(fingers.map((document) => document.id)).toEqual([approved.enrolmentId]);
    const transport = biometricTransportKey(
      demoIds.deskA,
      createHash('sha256')
        .update(credential.slice(credential.indexOf('.') + 1))
        .digest('hex'),
    );
    expect(openBiometric(transport, demoIds.father, 'fingerprint', String(fingers[0]!.row.sealedForDesk)).equals(fingerOf(5))).toBe(true);
  });

  it('a rejected replacement changes no enrolment and drops the requested biometric', async () => {
    const caseId = await activeCase(demoIds.mother);
    const requestId = randomUUID();
    resultOf(
      await server.command(medcoA, 'request-enrolment-replacement', {
        requestId,
        memberId: demoIds.mother,
        caseId,
        otpChallengeId: await verifiedCode(server.scratch.db, demoIds.mother, 'medco.a'),
        modality: 'fingerprint',
        template: fingerOf(7).toString('base64'),
        reason: 'Patient says another finger reads better',
      }),
    );
    const decided = resultOf(
      await server.command(ha, 'review-enrolment-replacement', { requestId, decision: 'reject', note: 'The enrolled finger reads fine' }),
    );
    expect(decided).toMatchObject({ status: 'rejected' });
    const rows = await server.scratch.db.query<{ revoked_at: Date | null }>(
      "SELECT revoked_at FROM biometric_enrolments WHERE member_id = $1 AND modality = 'fingerprint'",
      [demoIds.mother],
    );
    expect(rows).toEqual([{ revoked_at: null }]);
    const [request] = await server.scratch.db.query<{ sealed: string | null; status: string }>(
      'SELECT sealed, status FROM biometric_replacement_requests WHERE id = $1',
      [requestId],
    );
    expect(request).toEqual({ sealed: null, status: 'rejected' });
  });

  it('every enrolment is reviewable by HA and ADMIN: who, when, where, which case and second factor; never a template; not by a desk', async () => {
    const review = await server.get(ha, '/reviews/biometric-enrolments');
    expect(review.status).toBe(200);
    const enrolments = review.body.enrolments as Record<string, unknown>[];
    const father = enrolments.filter((row) => row.memberId === demoIds.father && row.modality === 'fingerprint');
    expect(father).toEqual([
      expect.objectContaining({ secondFactor: 'replacement-review', enrolledBy: 'medco.a', hospitalCode: 'HSP-A', revokedAt: null }),
      expect.objectContaining({ secondFactor: 'otp', enrolledBy: 'medco.b', hospitalCode: 'HSP-B', revokedBy: 'ha', replacedBy: father[0]?.enrolmentId }),
    ]);
    expect(review.body.replacements).toEqual(
      expect.arrayContaining([expect.objectContaining({ memberId: demoIds.father, status: 'approved', requestedBy: 'medco.a', reviewedBy: 'ha' })]),
    );
    const text = JSON.stringify(review.body);
    expect(text).not.toMatch(/sealed|template|descriptor/);
    expect(text).not.toContain(fingerOf(5).toString('base64').slice(0, 40));
    expect((await server.get(await server.login('admin'), `/reviews/biometric-enrolments?memberId=${demoIds.father}`)).status).toBe(200);
    const byDesk = await server.get(medcoA, '/reviews/biometric-enrolments');
    expect(byDesk.status).toBe(403);
    expect(byDesk.body.code).toBe('forbidden-role');
  });

  it('the database keeps enrolments: no delete, no rewrite, no new unscoped row', async () => {
    const [row] = await server.scratch.db.query<{ id: string }>('SELECT id FROM biometric_enrolments WHERE member_id = $1 AND revoked_at IS NOT NULL', [
      demoIds.father,
    ]);
    await expect(server.scratch.db.query('DELETE FROM biometric_enrolments WHERE id = $1', [row!.id])).rejects.toThrow(/never deleted/);
    await expect(
      server.scratch.db.query('UPDATE biometric_enrolments SET revoked_at = NULL, revoked_by = NULL, replaced_by = NULL WHERE id = $1', [row!.id]),
    ).rejects.toThrow(/kept as it was made/);
    await expect(
      server.scratch.db.query(
        `INSERT INTO biometric_enrolments (id, member_id, family_id, modality, sealed, enrolled_by, enrolled_at, second_factor)
         SELECT gen_random_uuid(), id, family_id, 'face', 'x', (SELECT id FROM operators WHERE username = 'medco.b'), now(), 'none-before-038' FROM members WHERE id = $1`,
        [demoIds.son],
      ),
    ).rejects.toThrow(/names its case and second factor/);
  });

  async function activeCase(memberId: string): Promise<string> {
    const [row] = await server.scratch.db.query<{ id: string }>("SELECT id FROM cases WHERE member_id = $1 AND status = 'admitted'", [memberId]);
    if (!row) throw new Error(`no active case of ${memberId}`);
    return row.id;
  }
});
