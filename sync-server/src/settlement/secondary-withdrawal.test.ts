import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

const units = (n: number) => n * 100; // the demo scheme counts paise

/**
 * A reversal of the charge a secondary payer's claim covers (issue 14): a void, a line CPD denies.
 * The coordination-of-benefits claim was the remainder of the patient's part, the last money in,
 * so it is the first given back: an undecided claim is reduced or withdrawn, an accepted one
 * leaves a refund due to its payer; the patient's credit is only what is left after that. In the
 * reversal's own transaction (one trigger on `patient_charges`, migration 043), audited, once.
 *
 * S1's family: the father's pre-auth at A holds 6,000, so the mother's package 5,000 at B holds
 * 4,000; a booking of 4,500 is covered 4,000 and 500 short, a second one of 500 is all short.
 */
describeEachBackend('secondary claims when the charge they cover is reversed (%s)', (backend) => {
  let server: TestServer;
  let medcoB = '';
  let ppd = '';
  let aco = '';
  let cex = '';
  let cpd = '';
  let caseId = '';
  const bookings = { first: randomUUID(), second: randomUUID() };
  const claims = { fund: randomUUID(), topUp: randomUUID() };

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    const medcoA = await server.login('medco.a');
    medcoB = await server.login('medco.b');
    ppd = await server.login('ppd');
    aco = await server.login('aco');
    cex = await server.login('cex');
    cpd = await server.login('cpd');
    const fatherCase = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    for (const [bookingId, amount] of [
      [bookings.first, units(4500)],
      [bookings.second, units(500)],
    ] as const)
      resultOf(await server.command(medcoB, 'add-booking', { bookingId, caseId, itemCode: 'WARD', description: 'Ward stay', quantity: 1, unitPrice: amount }));
  });
  afterAll(async () => server?.close());

  const bill = async () => (await server.get(medcoB, `/cases/${caseId}/patient-bill`)).body;
  const claimOf = async (claimId: string) => ((await bill()).secondaryClaims as { claimId: string }[]).find((c) => c.claimId === claimId);
  const secondary = (paymentId: string, amount: number, secondaryPayer: 'serious-illness-fund' | 'commercial-top-up') =>
    server.command(medcoB, 'take-payment', { paymentId, caseId, amount, method: 'secondary', secondaryPayer, reference: 'SIF-2026-0042' });

  it('a void reduces the open claim by what the patient no longer owes, once, audited', async () => {
    // She owes 1,000: 200 in cash, 800 to the serious-illness fund.
    resultOf(await server.command(medcoB, 'take-payment', { paymentId: randomUUID(), caseId, amount: units(200), method: 'cash' }));
    resultOf(await secondary(claims.fund, units(800), 'serious-illness-fund'));
    expect((await bill()).account).toMatchObject({ charged: units(1000), paid: units(200), secondary: units(800), owed: 0, credit: 0 });

    const commandId = randomUUID();
    const voided = await server.raw('POST', '/commands/void-booking', {
      token: medcoB,
      payload: { commandId, bookingId: bookings.second, reason: 'Entered twice' },
    });
    resultOf(voided);
    // 500 less to pay: the fund's claim falls to 300; her 200 in cash stands, no credit.
    expect((await bill()).account).toMatchObject({ charged: units(500), paid: units(200), secondary: units(300), owed: 0, credit: 0 });
    expect(await claimOf(claims.fund)).toMatchObject({ amount: units(800), status: 'submitted', withdrawnAmount: units(500), refundDue: 0 });
    const [audit] = await server.scratch.db.query<{ after: Record<string, unknown> }>(
      "SELECT after FROM audit_log WHERE action = 'secondary-claim-withdrawn' AND command_id = $1",
      [commandId],
    );
    expect(audit?.after).toMatchObject({ claimId: claims.fund, amount: units(500), kind: 'reduced', sourceKind: 'booking-void' });

    // The same void again is a replay: nothing moves a second time.
    const again = await server.raw('POST', '/commands/void-booking', {
      token: medcoB,
      payload: { commandId, bookingId: bookings.second, reason: 'Entered twice' },
    });
    expect(again.isReplay).toBe(true);
    expect((await bill()).account).toMatchObject({ secondary: units(300) });
    const [count] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM secondary_claim_withdrawals');
    expect(count?.n).toBe(1);
  });

  it('the payer decides the claim as it stands now: 300, not 800', async () => {
    const answer = resultOf(
      await server.raw('POST', '/commands/decide-secondary-claim', {
        token: aco,
        payload: { commandId: randomUUID(), claimId: claims.fund, decision: 'accept', payerReference: 'RA-2026-200' },
      }),
    );
    expect(answer).toMatchObject({ amount: units(300), acceptedAmount: units(300), rejectedAmount: 0, account: { secondary: units(300), owed: 0 } });
  });

  it('a line CPD denies after the payer accepted leaves a refund due to the payer, then the patient’s credit', async () => {
    resultOf(await server.command(medcoB, 'discharge', { caseId }));
    const claimId = randomUUID();
    resultOf(await server.command(medcoB, 'submit-claim', { claimId, caseId, amount: units(4500) }));
    const lines = [{ bookingId: bookings.first, decision: 'deny' as const, reasonCode: 'not-medically-necessary' as const }];
    resultOf(await server.command(cex, 'process-claim', { claimId, lines }));
    resultOf(await server.command(cpd, 'verify-claim', { claimId, lines }));
    // Nothing is the patient's any more: the fund's accepted 300 is owed back to the fund, her 200 to her.
    expect((await bill()).account).toMatchObject({ charged: 0, paid: units(200), secondary: 0, owed: 0, credit: units(200) });
    expect(await claimOf(claims.fund)).toMatchObject({ status: 'accepted', acceptedAmount: units(300), withdrawnAmount: units(500), refundDue: units(300) });
    const report = (await server.get(aco, '/reports/patient-receivables')).body;
    expect(report.secondaryOutstanding).toBe(0);
    const [audit] = await server.scratch.db.query<{ after: Record<string, unknown> }>(
      "SELECT after FROM audit_log WHERE action = 'secondary-claim-withdrawn' AND after->>'kind' = 'refund-due'",
    );
    expect(audit?.after).toMatchObject({ claimId: claims.fund, amount: units(300), sourceKind: 'claim-adjustment', sourceId: claimId });
  });

  it('withdrawals are append-only and within the claim, at the database', async () => {
    const db = server.scratch.db;
    await expect(db.query('UPDATE secondary_claim_withdrawals SET amount = 1')).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM secondary_claim_withdrawals')).rejects.toThrow(/append-only/);
  });
});

/**
 * A whole claim withdrawn, and the payer's decision on it refused; a void and a decision racing.
 */
describeEachBackend('a withdrawn secondary claim (%s)', (backend) => {
  let server: TestServer;
  let medcoB = '';
  let aco = '';
  let caseId = '';
  const booking = randomUUID();
  const claimId = randomUUID();

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    const medcoA = await server.login('medco.a');
    medcoB = await server.login('medco.b');
    const ppd = await server.login('ppd');
    aco = await server.login('aco');
    const fatherCase = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: booking,
        caseId,
        itemCode: 'WARD',
        description: 'Ward stay',
        quantity: 1,
        unitPrice: units(5000),
      }),
    );
    resultOf(
      await server.command(medcoB, 'take-payment', {
        paymentId: claimId,
        caseId,
        amount: units(1000),
        method: 'secondary',
        secondaryPayer: 'commercial-top-up',
        reference: 'TOP-77',
      }),
    );
  });
  afterAll(async () => server?.close());

  const money = () =>
    Promise.all(
      ['patient_accounts', 'secondary_claim_decisions', 'secondary_claim_withdrawals', 'patient_charges', 'audit_log'].map((table) =>
        server.scratch.db.query(`SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ${table} t`),
      ),
    );

  it('a void of the whole charge withdraws the claim; deciding it then is 409 and moves nothing', async () => {
    resultOf(await server.command(medcoB, 'void-booking', { bookingId: booking, reason: 'Wrong patient' }));
    const bill = (await server.get(medcoB, `/cases/${caseId}/patient-bill`)).body;
    expect(bill.account).toMatchObject({ charged: 0, secondary: 0, owed: 0, credit: 0 });
    expect(bill.secondaryClaims).toEqual([expect.objectContaining({ claimId, status: 'withdrawn', withdrawnAmount: units(1000), refundDue: 0 })]);
    expect((await server.get(aco, '/reports/patient-receivables')).body.secondaryOutstanding).toBe(0);
    await settleAuditChain(server.scratch.db);
    const before = await money();
    // A business rejection: stored against its command id (a retry gets the same answer), nothing else.
    const answer = await server.raw('POST', '/commands/decide-secondary-claim', {
      token: aco,
      payload: { commandId: randomUUID(), claimId, decision: 'accept', payerReference: 'RA-9' },
    });
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 409, code: 'secondary-claim-withdrawn' });
    expect(String(answer.body.message)).toMatch(/withdrawn/);
    await settleAuditChain(server.scratch.db);
    expect(await money()).toEqual(before);
  });

  it('bad input on a withdrawn claim is still a 400 that writes nothing at all', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const answer = await server.raw('POST', '/commands/decide-secondary-claim', {
      token: aco,
      payload: { commandId: randomUUID(), claimId, decision: 'partial', payerReference: 'RA-9' },
    });
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 400, code: 'invalid-input' });
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });
});

/**
 * A reversal and the payer's decision at the same instant: the account row serializes them, so
 * whichever commits first, the decision is on the claim as it then stands and the payer is never
 * left owed (or owing) for a charge that is gone.
 */
describeEachBackend('a void racing the payer’s decision (%s)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
  });
  afterAll(async () => server?.close());

  it('whatever the order, the claim stands at what the patient still owes, and the sums agree', async () => {
    const medcoB = await server.login('medco.b');
    const ppd = await server.login('ppd');
    const aco = await server.login('aco');
    const outcomes = new Set<string>();
    // Three rounds, one member each; each pre-auth is rejected, so each booking is all the patient's.
    for (const memberId of [demoIds.son, demoIds.daughter, demoIds.father]) {
      const caseId = randomUUID();
      const bookingId = randomUUID();
      const claimId = randomUUID();
      resultOf(await server.command(medcoB, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
      resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
      resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'reject', reason: 'Not indicated' }));
      resultOf(
        await server.command(medcoB, 'add-booking', { bookingId, caseId, itemCode: 'OPD', description: 'Consultation', quantity: 1, unitPrice: units(700) }),
      );
      resultOf(
        await server.command(medcoB, 'take-payment', {
          paymentId: claimId,
          caseId,
          amount: units(700),
          method: 'secondary',
          secondaryPayer: 'serious-illness-fund',
          reference: 'SIF-1',
        }),
      );
      const [voided, decided] = await Promise.all([
        server.command(medcoB, 'void-booking', { bookingId, reason: 'Wrong patient' }),
        server.command(aco, 'decide-secondary-claim', { claimId, decision: 'accept', payerReference: 'RA-1' }),
      ]);
      expect(voided.status).toBe(200);
      const [row] = await server.scratch.db.query<{ secondary: number; standing: number; withdrawn: number; refund_due: number; claim_amount: number | null }>(
        `SELECT a.secondary, t.standing, t.withdrawn, t.refund_due, d.claim_amount
           FROM patient_accounts a JOIN secondary_claim_standing t ON t.case_id = a.case_id LEFT JOIN secondary_claim_decisions d ON d.claim_id = t.claim_id
          WHERE a.case_id = $1`,
        [caseId],
      );
      expect(row).toMatchObject({ secondary: 0, standing: 0 });
      if (decided.status === 200) {
        // The decision came first: the whole 700 accepted, then owed back to the fund.
        outcomes.add('decided-first');
        expect(row).toMatchObject({ claim_amount: units(700), withdrawn: 0, refund_due: units(700) });
      } else {
        outcomes.add('voided-first');
        expect(decided.body).toMatchObject({ code: 'secondary-claim-withdrawn' });
        expect(row).toMatchObject({ claim_amount: null, withdrawn: units(700), refund_due: 0 });
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });
});
