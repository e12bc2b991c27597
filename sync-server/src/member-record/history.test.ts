import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MemberHistoryValue } from '@contract/member-record';
import { demoIds } from '../demo/seed';
import { DevelopmentSmsSink } from '../identity/sms';
import { describeEachBackend } from '../testing/backends';
import { verifiedCode } from '../testing/enrolment';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

/**
 * Issue 16, "a cross-hospital history the member controls": the son was treated at hospital B
 * (package, claim); admitted now at hospital A, A sees that history only after he consents with a
 * one-time code read out at A's desk, every look is logged, and every refusal writes nothing.
 */
describeEachBackend("the member's cross-hospital history, with consent (%s)", (backend) => {
  let server: TestServer;
  const sms = new DevelopmentSmsSink();
  let medcoA = '';
  let medcoB = '';
  let ppd = '';
  let deskA = '';
  let signerA: OperatorSigner;
  const caseAtB = randomUUID();
  const caseAtA = randomUUID();
  const daughterAtA = randomUUID();

  const enrol = async (deskId: string): Promise<string> => {
    const ha = await server.login('ha');
    const code = (await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: ha })).body;
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: code.code } });
    return `Desk ${String(enrolled.body.credential)}`;
  };
  const lookCount = async () => (await server.scratch.db.query('SELECT 1 FROM history_access_log')).length;
  const expectRefusedUnchanged = async (send: () => Promise<{ status: number; body: Record<string, unknown> }>, status: number, code: string) => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const answer = await send();
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body).toMatchObject({ code, message: expect.stringMatching(/.{20,}/) });
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  };
  /** The real identity path: send-otp, the code from the family's phone (the development sink), verify-otp. */
  const codeReadOut = async (memberId: string): Promise<string> => {
    const challengeId = randomUUID();
    resultOf(await server.command(medcoA, 'send-otp', { challengeId, memberId }));
    let code = '';
    for (let tries = 0; tries < 50 && !code; tries += 1) {
      code = /code is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1] ?? '';
      if (!code) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(resultOf(await server.command(medcoA, 'verify-otp', { challengeId, code }))).toMatchObject({ verified: true, memberId });
    return challengeId;
  };

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0, sms });
    [medcoA, medcoB, ppd] = [await server.login('medco.a'), await server.login('medco.b'), await server.login('ppd')];
    deskA = await enrol(demoIds.deskA);
    signerA = await registerOperatorKey(server, deskA, 'medco.a');
    // The son's earlier stay at hospital B: package approved, one booking, discharged, claimed.
    resultOf(await server.command(medcoB, 'admit', { caseId: caseAtB, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId: caseAtB, packageCode: 'MG012A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: caseAtB, decision: 'approve' }));
    const bookingId = randomUUID();
    resultOf(await server.command(medcoB, 'add-booking', { bookingId, caseId: caseAtB, itemCode: 'LAB', description: 'Lab', quantity: 1, unitPrice: 250_000 }));
    resultOf(await server.command(medcoB, 'discharge', { caseId: caseAtB }));
    resultOf(await server.command(medcoB, 'submit-claim', { claimId: randomUUID(), caseId: caseAtB, amount: 250_000 }));
    // Now at hospital A.
    resultOf(await server.command(medcoA, 'admit', { caseId: caseAtA, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'admit', { caseId: daughterAtA, memberId: demoIds.daughter, identityMethod: 'fingerprint' }));
  });
  afterAll(async () => server?.close());

  it('without consent the treating hospital sees nothing beyond today: 403 consent-required, nothing written', async () => {
    await expectRefusedUnchanged(() => server.get(medcoA, `/cases/${caseAtA}/history`), 403, 'consent-required');
    const proof = Buffer.from(JSON.stringify(signerA.requestProof('history', { caseId: caseAtA })), 'utf8').toString('base64url');
    const desk = await server.raw('GET', `/sync/history/${caseAtA}?operatorId=${signerA.operatorId}`, {
      headers: { authorization: deskA, 'x-coverdesk-operator-proof': proof },
    });
    expect(desk.status).toBe(403);
    expect(desk.body.code).toBe('consent-required');
    expect(await lookCount()).toBe(0);
  });

  it('a consent the code does not back is refused (403 consent-refused) and writes nothing', async () => {
    const refuse = (otpChallengeId: string, caseId = caseAtA) =>
      expectRefusedUnchanged(() => server.command(medcoA, 'grant-history-consent', { caseId, method: 'otp', otpChallengeId }), 403, 'consent-refused');
    // No such code; another member's code; a code verified at hospital B; a code verified 31 minutes ago.
    await refuse(randomUUID());
    await refuse(await verifiedCode(server.scratch.db, demoIds.father, 'medco.a'));
    await refuse(await verifiedCode(server.scratch.db, demoIds.son, 'medco.b'));
    await refuse(await verifiedCode(server.scratch.db, demoIds.son, 'medco.a', new Date(Date.now() - 31 * 60_000)));
    // Hospital B cannot record a consent on hospital A's case (404, as if it did not exist).
    const codeAtB = await verifiedCode(server.scratch.db, demoIds.son, 'medco.b');
    await expectRefusedUnchanged(
      () => server.command(medcoB, 'grant-history-consent', { caseId: caseAtA, method: 'otp', otpChallengeId: codeAtB }),
      404,
      'not-found',
    );
    // A payer role is no treating hospital.
    await expectRefusedUnchanged(
      () => server.command(ppd, 'grant-history-consent', { caseId: caseAtA, method: 'otp', otpChallengeId: codeAtB }),
      403,
      'forbidden-role',
    );
  });

  it('with the code read out at the desk, A sees the stay at B (dates, package, outcome, claim); each look is logged', async () => {
    const otpChallengeId = await codeReadOut(demoIds.son);
    const commandId = randomUUID();
    const consent = resultOf(await server.command(medcoA, 'grant-history-consent', { commandId, caseId: caseAtA, method: 'otp', otpChallengeId }));
    expect(consent).toMatchObject({ consentId: commandId, caseId: caseAtA, memberId: demoIds.son, hospitalId: demoIds.hospitalA, method: 'otp' });
    expect(Date.parse(String(consent.expiresAt)) - Date.parse(String(consent.grantedAt))).toBe(72 * 3_600_000);
    const [audit] = await server.scratch.db.query<{ action: string }>('SELECT action FROM audit_log WHERE command_id = $1', [commandId]);
    expect(audit?.action).toBe('history-consent-granted');
    // The same code cannot back a second consent.
    await expectRefusedUnchanged(
      () => server.command(medcoA, 'grant-history-consent', { caseId: caseAtA, method: 'otp', otpChallengeId }),
      403,
      'consent-refused',
    );

    const answer = await server.get(medcoA, `/cases/${caseAtA}/history`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const history = answer.body as unknown as MemberHistoryValue;
    expect(history).toMatchObject({ memberId: demoIds.son, caseId: caseAtA, truncated: false, consent: { consentId: commandId, method: 'otp' } });
    expect(history.pastCases).toEqual([
      {
        hospitalCode: expect.any(String),
        hospitalName: expect.any(String),
        isThisHospital: false,
        admittedAt: expect.any(String),
        dischargedAt: expect.any(String),
        status: 'discharged',
        isEmergency: false,
        package: { code: 'MG012A', name: expect.any(String), specialty: expect.any(String) },
        preauthStatus: 'approved',
        claim: { status: 'submitted', amount: 250_000, approvedAmount: null },
      },
    ]);
    // Another hospital's case id never leaves the server.
    expect(JSON.stringify(history)).not.toContain(caseAtB);

    const proof = Buffer.from(JSON.stringify(signerA.requestProof('history', { caseId: caseAtA })), 'utf8').toString('base64url');
    const desk = await server.raw('GET', `/sync/history/${caseAtA}?operatorId=${signerA.operatorId}`, {
      headers: { authorization: deskA, 'x-coverdesk-operator-proof': proof },
    });
    expect(desk.status, JSON.stringify(desk.body)).toBe(200);
    expect((desk.body as unknown as MemberHistoryValue).pastCases).toHaveLength(1);

    const looks = await server.scratch.db.query<{ operator_id: string; hospital_id: string; via: string; cases_shown: number; consent_id: string }>(
      'SELECT operator_id, hospital_id, via, cases_shown, consent_id FROM history_access_log WHERE member_id = $1 ORDER BY id',
      [demoIds.son],
    );
    expect(looks).toEqual([
      { operator_id: signerA.operatorId, hospital_id: demoIds.hospitalA, via: 'api', cases_shown: 1, consent_id: commandId },
      { operator_id: signerA.operatorId, hospital_id: demoIds.hospitalA, via: 'desk', cases_shown: 1, consent_id: commandId },
    ]);
  });

  it("the consent is for this case only: the daughter's case and hospital B still see nothing", async () => {
    await expectRefusedUnchanged(() => server.get(medcoA, `/cases/${daughterAtA}/history`), 403, 'consent-required');
    await expectRefusedUnchanged(() => server.get(medcoB, `/cases/${caseAtA}/history`), 404, 'not-found');
    await expectRefusedUnchanged(() => server.get(ppd, `/cases/${caseAtA}/history`), 403, 'forbidden-role');
  });

  it('the access log is append-only: the database refuses to change or remove a look', async () => {
    await expect(server.scratch.db.query('UPDATE history_access_log SET cases_shown = 0')).rejects.toThrow(/append-only/);
    await expect(server.scratch.db.query('DELETE FROM history_access_log')).rejects.toThrow(/append-only/);
    expect(await lookCount()).toBe(2);
  });

  it('the consent ends with the discharge: the next look is refused', async () => {
    resultOf(await server.command(medcoA, 'discharge', { caseId: caseAtA }));
    await expectRefusedUnchanged(() => server.get(medcoA, `/cases/${caseAtA}/history`), 403, 'consent-required');
    // And a discharged case takes no new consent.
    const code = await verifiedCode(server.scratch.db, demoIds.son, 'medco.a');
    // (A business rejection is stored against its command id, as every 409 is; no consent is.)
    const refused = await server.command(medcoA, 'grant-history-consent', { caseId: caseAtA, method: 'otp', otpChallengeId: code });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('case-not-admitted');
    expect(await server.scratch.db.query('SELECT 1 FROM history_consents WHERE otp_challenge_id = $1', [code])).toEqual([]);
  });
});
