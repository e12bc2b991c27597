import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

const units = (n: number) => n * 100; // the demo scheme counts paise

/**
 * A secondary payer's decision on a coordination-of-benefits claim (issue 14, migration 040).
 * S1's mother owes 1,000 after her booking; she sends 500 to the serious-illness fund, 300 to a
 * commercial top-up and 200 to the fund again. The fund accepts the first, the top-up accepts
 * 100 of its 300, the fund rejects the last: 400 is back on her account, which she pays in cash.
 */
describeEachBackend('secondary payer decisions (%s)', (backend) => {
  let server: TestServer;
  let medcoB: string;
  let ppd: string;
  let aco: string;
  let caseId: string;
  const claims = { accepted: randomUUID(), partial: randomUUID(), rejected: randomUUID(), raced: randomUUID() };

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    const medcoA = await server.login('medco.a');
    medcoB = await server.login('medco.b');
    ppd = await server.login('ppd');
    aco = await server.login('aco');
    // The father's pre-auth at A takes 6,000 of the 10,000: the mother's 5,000 leaves her 1,000 short.
    const fatherCase = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'WARD',
        description: 'Ward stay',
        quantity: 5,
        unitPrice: units(1000),
      }),
    );
    for (const [paymentId, amount, secondaryPayer] of [
      [claims.accepted, units(500), 'serious-illness-fund'],
      [claims.partial, units(300), 'commercial-top-up'],
      [claims.rejected, units(150), 'serious-illness-fund'],
      [claims.raced, units(50), 'serious-illness-fund'],
    ] as const)
      resultOf(await server.command(medcoB, 'take-payment', { paymentId, caseId, amount, method: 'secondary', secondaryPayer, reference: 'SIF-2026-0042' }));
  });
  afterAll(async () => server?.close());

  const account = async () => (await server.get(medcoB, `/cases/${caseId}/patient-bill`)).body.account as Record<string, number>;
  const decide = (body: Record<string, unknown>, token = aco, commandId = randomUUID()) =>
    server.raw('POST', '/commands/decide-secondary-claim', { token, payload: { commandId, payerReference: 'RA-2026-118', ...body } });

  it('an accepted claim changes nothing the patient owes; a replay answers the same bytes', async () => {
    expect(await account()).toMatchObject({ charged: units(1000), secondary: units(1000), owed: 0 });
    const commandId = randomUUID();
    const first = await decide({ claimId: claims.accepted, decision: 'accept' }, aco, commandId);
    expect(resultOf(first)).toMatchObject({
      decision: 'accepted',
      payer: 'serious-illness-fund',
      amount: units(500),
      acceptedAmount: units(500),
      rejectedAmount: 0,
      account: { secondary: units(1000), owed: 0 },
    });
    const again = await decide({ claimId: claims.accepted, decision: 'accept' }, aco, commandId);
    expect(again.isReplay).toBe(true);
    expect(again.body).toEqual(first.body);
    const [count] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM secondary_claim_decisions');
    expect(count?.n).toBe(1);
  });

  it('a partial decision puts the rejected part back on the patient, and the bill says so', async () => {
    expect(resultOf(await decide({ claimId: claims.partial, decision: 'partial', acceptedAmount: units(100), reasonCode: 'limit-reached' }))).toMatchObject({
      decision: 'partial',
      acceptedAmount: units(100),
      rejectedAmount: units(200),
      account: { charged: units(1000), secondary: units(800), owed: units(200) },
    });
    const bill = (await server.get(medcoB, `/cases/${caseId}/patient-bill`)).body;
    expect(bill.secondaryClaims).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ claimId: claims.accepted, status: 'accepted', acceptedAmount: units(500) }),
        expect.objectContaining({ claimId: claims.partial, status: 'partial', acceptedAmount: units(100) }),
        expect.objectContaining({ claimId: claims.rejected, status: 'submitted', acceptedAmount: null }),
      ]),
    );
  });

  it('a claim is decided once: another decision is 409 and moves nothing', async () => {
    const before = await server.scratch.db.query('SELECT * FROM patient_accounts ORDER BY case_id');
    const decisions = await server.scratch.db.query('SELECT * FROM secondary_claim_decisions ORDER BY claim_id');
    const answer = await decide({ claimId: claims.partial, decision: 'reject', reasonCode: 'not-covered' });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      code: 'secondary-claim-decided',
      details: { decision: 'partial', acceptedAmount: units(100), rejectedAmount: units(200) },
    });
    expect(await server.scratch.db.query('SELECT * FROM patient_accounts ORDER BY case_id')).toEqual(before);
    expect(await server.scratch.db.query('SELECT * FROM secondary_claim_decisions ORDER BY claim_id')).toEqual(decisions);
  });

  it('bad input gets a 400 or 404 with a sentence and writes nothing; a desk cannot decide', async () => {
    const refusals: [Record<string, unknown>, number, string][] = [
      [{ claimId: claims.rejected, decision: 'partial', reasonCode: 'limit-reached' }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'partial', acceptedAmount: units(150), reasonCode: 'limit-reached' }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'partial', acceptedAmount: units(100) }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'accept', acceptedAmount: units(150) }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'accept', reasonCode: 'not-covered' }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'reject' }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'reject', acceptedAmount: 1, reasonCode: 'not-covered' }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'reject', reasonCode: 'Not Covered' }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'maybe' }, 400, 'invalid-input'],
      [{ claimId: claims.rejected, decision: 'accept', payerReference: '' }, 400, 'invalid-input'],
      [{ claimId: randomUUID(), decision: 'accept' }, 404, 'not-found'],
    ];
    for (const [body, status, code] of refusals) {
      await settleAuditChain(server.scratch.db);
      const before = await snapshotDatabase(server.scratch.db);
      const answer = await decide(body);
      expect({ status: answer.status, code: answer.body.code }, JSON.stringify(body)).toEqual({ status, code });
      expect(String(answer.body.message).length).toBeGreaterThan(10);
      await settleAuditChain(server.scratch.db);
      expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    }
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const byDesk = await decide({ claimId: claims.rejected, decision: 'reject', reasonCode: 'not-covered' }, medcoB);
    expect({ status: byDesk.status, code: byDesk.body.code }).toEqual({ status: 403, code: 'forbidden-role' });
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });

  it('a rejection puts the whole claim back: the patient pays it at the desk, never more', async () => {
    expect(resultOf(await decide({ claimId: claims.rejected, decision: 'reject', reasonCode: 'not-covered' }))).toMatchObject({
      decision: 'rejected',
      acceptedAmount: 0,
      rejectedAmount: units(150),
      account: { secondary: units(650), owed: units(350) },
    });
    const tooMuch = await server.command(medcoB, 'take-payment', { paymentId: randomUUID(), caseId, amount: units(351), method: 'cash' });
    expect(tooMuch.body).toMatchObject({ code: 'payment-exceeds-balance', details: { owed: units(350) } });
    expect(resultOf(await server.command(medcoB, 'take-payment', { paymentId: randomUUID(), caseId, amount: units(350), method: 'cash' }))).toMatchObject({
      account: { paid: units(350), secondary: units(650), owed: 0 },
    });
  });

  it('two decisions on one claim at the same instant: exactly one is taken, the account moves once', async () => {
    const answers = await Promise.all([
      decide({ claimId: claims.raced, decision: 'reject', reasonCode: 'not-covered' }),
      decide({ claimId: claims.raced, decision: 'reject', reasonCode: 'duplicate-claim' }),
      decide({ claimId: claims.raced, decision: 'accept' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    const taken = answers.find((a) => a.status === 200)!;
    const rejected = (taken.body.result as { rejectedAmount: number }).rejectedAmount;
    expect(await account()).toMatchObject({ secondary: units(650) - rejected, owed: rejected });
  });

  it('receivables count what secondary payers still owe: undecided and accepted parts, never rejected ones', async () => {
    const report = (await server.get(aco, '/reports/patient-receivables')).body;
    const [raced] = await server.scratch.db.query<{ accepted_amount: number }>('SELECT accepted_amount FROM secondary_claim_decisions WHERE claim_id = $1', [
      claims.raced,
    ]);
    expect(report.secondaryOutstanding).toBe(units(500) + units(100) + raced!.accepted_amount);
  });

  it('decisions are append-only at the database', async () => {
    const db = server.scratch.db;
    await expect(db.query("UPDATE secondary_claim_decisions SET decision = 'accepted'")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM secondary_claim_decisions')).rejects.toThrow(/append-only/);
    await expect(
      db.query(
        `INSERT INTO secondary_claim_decisions (claim_id, case_id, decision, claim_amount, accepted_amount, rejected_amount, payer_reference, decided_by, command_id)
         SELECT id, case_id, 'accepted', amount, amount - 1, 1, 'x', (SELECT id FROM operators LIMIT 1), gen_random_uuid() FROM secondary_claims LIMIT 1`,
      ),
    ).rejects.toThrow(/decision_matches_its_amounts/);
  });
});
