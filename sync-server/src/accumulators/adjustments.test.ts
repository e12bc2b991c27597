import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from '../testing/harness';

const units = (n: number) => n * 100;

/**
 * What moves when a decision on S5's family (the State top-up plan, auto-extension 0) changes
 * after the fact (issue 14): a void whose freed hold covers another booking's shortfall, and the
 * accumulators it must move with it. Every figure by hand from the plan: family deductible 5,000,
 * co-insurance 10 % medical.
 */
describeEachBackend('accumulators after a void, a claim adjustment and an enhancement (%s)', (backend) => {
  let server: TestServer;
  let desk = '';
  let ppd = '';

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    desk = await server.login('medco.a');
    ppd = await server.login('ppd');
  });
  afterAll(async () => server?.close());

  /** A member's or the family's accumulator of one kind, medical part. */
  const accumulator = async (holderId: string, kind: 'deductible' | 'out-of-pocket' | 'benefit') => {
    const [row] = await server.scratch.db.query<{ medical: number }>('SELECT medical FROM accumulator_totals WHERE holder_id = $1 AND kind = $2', [
      holderId,
      kind,
    ]);
    return row?.medical ?? 0;
  };
  /** What the plan paid on a member's active bookings: the benefit accumulator must say the same. */
  const coveredOfActiveBookings = async (memberId: string) => {
    const [row] = await server.scratch.db.query<{ covered: number }>(
      `SELECT COALESCE(sum(b.covered_amount), 0)::bigint AS covered FROM bookings b JOIN cases c ON c.id = b.case_id
        WHERE c.member_id = $1 AND b.status = 'active' AND b.plan_id IS NOT NULL`,
      [memberId],
    );
    return row?.covered ?? 0;
  };
  const book = async (caseId: string, amount: number) => {
    const bookingId = randomUUID();
    const result = resultOf(
      await server.command(desk, 'add-booking', { bookingId, caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: units(amount) }),
    );
    return { bookingId, result };
  };
  const admitWithPreauth = async (memberId: string, packageCode: string) => {
    const caseId = randomUUID();
    resultOf(await server.command(desk, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
    const preauth = resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    return { caseId, preauth };
  };

  it('a void whose freed hold covers another booking’s shortfall moves the plan-paid accumulator with it', async () => {
    // Package 40,000: estimate 5,000 deductible + 3,500 co-insurance; the plan holds 31,500.
    const { caseId, preauth } = await admitWithPreauth(demoIds.s5Daughter, 'MC024A');
    expect(preauth).toMatchObject({ holdAmount: units(31_500) });
    // 20,000: 5,000 deductible + 1,500 co-insurance, the plan 13,500 from the hold.
    const first = await book(caseId, 20_000);
    expect(first.result).toMatchObject({ coveredAmount: units(13_500), shortfallAmount: 0 });
    // 30,000: 3,000 co-insurance; the plan's 27,000 finds 18,000 left in the hold: 9,000 short.
    const second = await book(caseId, 30_000);
    expect(second.result).toMatchObject({ coveredAmount: units(18_000), shortfallAmount: units(9000) });
    expect(await accumulator(demoIds.s5Daughter, 'benefit')).toBe(units(31_500));
    // The first booking is voided: its 13,500 goes back to the hold and covers the second's 9,000.
    const voided = resultOf(await server.command(desk, 'void-booking', { bookingId: first.bookingId, reason: 'Entered twice' }));
    expect(voided).toMatchObject({ bookingsNowCovered: units(9000) });
    // The plan now pays 27,000 on the second booking: the accumulators say so (31,500 − 13,500 + 9,000).
    expect(await coveredOfActiveBookings(demoIds.s5Daughter)).toBe(units(27_000));
    expect(await accumulator(demoIds.s5Daughter, 'benefit')).toBe(units(27_000));
    expect(await accumulator(demoIds.s5Family, 'benefit')).toBe(units(27_000));
    // The void gave back what the first booking moved, and nothing is re-adjudicated.
    expect(await accumulator(demoIds.s5Family, 'deductible')).toBe(0);
    expect(await accumulator(demoIds.s5Daughter, 'out-of-pocket')).toBe(units(3000));
    const [entries] = await server.scratch.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM accumulator_entries WHERE source_kind = 'booking' AND source_id = $1 AND kind = 'benefit' AND delta = $2",
      [second.bookingId, units(9000)],
    );
    expect(entries?.n).toBe(2); // the family's and the member's, tied to the booking they paid
    // Cancelling the case gives back everything the plan paid on it, the covered shortfall included.
    resultOf(await server.command(desk, 'cancel-case', { caseId, reason: 'Transferred' }));
    expect(await accumulator(demoIds.s5Daughter, 'benefit')).toBe(0);
    expect(await accumulator(demoIds.s5Family, 'benefit')).toBe(0);
    expect(await accumulator(demoIds.s5Daughter, 'out-of-pocket')).toBe(0);
    const consistency = await moneyConsistency(server.scratch);
    for (const row of consistency) expect(row.committed, JSON.stringify(row)).toBe(row.ledger);
  });

  it('CPD denies a line the patient paid for: the patient’s part of it is reversed, refunded once, and the accumulators corrected', async () => {
    const cex = await server.login('cex');
    const cpd = await server.login('cpd');
    // Nothing accumulated now (the daughter's case was cancelled): 40,000 → estimate 8,500, hold 31,500.
    const { caseId } = await admitWithPreauth(demoIds.s5Mother, 'MC024A');
    const denied = await book(caseId, 20_000); // 5,000 deductible + 1,500 co-insurance; the plan 13,500
    const cut = await book(caseId, 10_000); // 1,000 co-insurance; the plan 9,000
    expect(denied.result).toMatchObject({ coveredAmount: units(13_500), costShare: { deductible: units(5000), coinsurance: units(1500) } });
    expect(cut.result).toMatchObject({ coveredAmount: units(9000), costShare: { coinsurance: units(1000) } });
    resultOf(await server.command(desk, 'take-payment', { paymentId: randomUUID(), caseId, amount: units(7500), method: 'cash' }));
    resultOf(await server.command(desk, 'discharge', { caseId }));
    const claimId = randomUUID();
    expect(resultOf(await server.command(desk, 'submit-claim', { claimId, caseId, amount: units(30_000) }))).toMatchObject({
      payerAmount: units(22_500),
      patientAmount: units(7500),
    });
    const lines = [
      { bookingId: denied.bookingId, decision: 'deny' as const, reasonCode: 'not-medically-necessary' as const },
      { bookingId: cut.bookingId, decision: 'partial' as const, approvedAmount: units(6000), reasonCode: 'tariff-exceeded' as const },
    ];
    resultOf(await server.command(cex, 'process-claim', { claimId, lines }));
    const bill = async () => (await server.get(desk, `/cases/${caseId}/patient-bill`)).body;
    // CEX only recommends: nothing moves for the patient yet.
    expect((await bill()).account).toMatchObject({ charged: units(7500), paid: units(7500), owed: 0, credit: 0 });
    expect(resultOf(await server.command(cpd, 'verify-claim', { claimId, lines }))).toMatchObject({ approvedAmount: units(6000) });
    // The denied line's 6,500 is no longer the patient's: a refund due. The cut line's 1,000 stays theirs.
    const after = await bill();
    expect(after.account).toMatchObject({ charged: units(1000), paid: units(7500), owed: 0, credit: units(6500) });
    expect(after.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ bookingId: denied.bookingId, patientPart: 0 }),
        expect.objectContaining({ bookingId: cut.bookingId, patientPart: units(1000) }),
      ]),
    );
    // The deductible and out of pocket the denied line counted go back; the plan paid 6,000 in all.
    expect(await accumulator(demoIds.s5Family, 'deductible')).toBe(0);
    expect(await accumulator(demoIds.s5Mother, 'out-of-pocket')).toBe(units(1000));
    expect(await accumulator(demoIds.s5Mother, 'benefit')).toBe(units(6000));
    expect(await accumulator(demoIds.s5Family, 'benefit')).toBe(units(6000));
    const [corrections] = await server.scratch.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM accumulator_entries WHERE source_kind = 'correction' AND source_id LIKE $1",
      [`claim-adjustment:${claimId}:%`],
    );
    expect(corrections?.n).toBe(8); // deductible, out of pocket, benefit ×2 for the denied line; benefit ×2 for the cut one
    // The refund: never more than the credit, once.
    const refund = (amount: number) =>
      server.command(desk, 'refund-payment', { refundId: randomUUID(), caseId, amount, method: 'cash', reason: 'Line denied by the scheme' });
    expect((await refund(units(6500) + 1)).body).toMatchObject({ code: 'refund-exceeds-credit', details: { credit: units(6500) } });
    expect(resultOf(await refund(units(6500)))).toMatchObject({ account: { refunded: units(6500), credit: 0, owed: 0 } });
    expect((await refund(1)).body).toMatchObject({ code: 'refund-exceeds-credit', details: { credit: 0 } });
    const consistency = await moneyConsistency(server.scratch);
    for (const row of consistency) expect(row.committed, JSON.stringify(row)).toBe(row.ledger);
  });

  it('an enhancement on the State top-up plan holds only the plan’s part, as the pre-auth does', async () => {
    // The family has met no deductible now: 40,000 → 5,000 + 3,500 the patient's, the plan holds 31,500.
    const { caseId, preauth } = await admitWithPreauth(demoIds.s5Father, 'MC024A');
    expect(preauth).toMatchObject({ holdAmount: units(31_500), patientEstimate: { total: units(8500) } });
    const enhancementId = randomUUID();
    resultOf(await server.command(desk, 'request-enhancement', { enhancementId, caseId, amount: units(10_000), reason: 'Two more ICU days' }));
    const [committedBefore] = await server.scratch.db.query<{ committed: number }>('SELECT committed FROM family_years WHERE family_id = $1', [
      demoIds.s5Family,
    ]);
    // 50,000 as one charge: 5,000 + 4,500 the patient's; the increase is 1,000 the patient's and 9,000 the plan's.
    expect(resultOf(await server.command(ppd, 'decide-enhancement', { enhancementId, decision: 'approve' }))).toMatchObject({
      approvedAmount: units(10_000),
      grantedAmount: units(9000),
      uncovered: 0,
      holdAmount: units(40_500),
    });
    const [hold] = await server.scratch.db.query<{ authorized: number; cost_share_estimate: number; amount: number }>(
      'SELECT authorized, cost_share_estimate, amount FROM holds WHERE case_id = $1',
      [caseId],
    );
    expect(hold).toEqual({ authorized: units(50_000), cost_share_estimate: units(9500), amount: units(40_500) });
    const [committedAfter] = await server.scratch.db.query<{ committed: number }>('SELECT committed FROM family_years WHERE family_id = $1', [
      demoIds.s5Family,
    ]);
    expect(committedAfter!.committed - committedBefore!.committed).toBe(units(9000));
    // Booked whole, the plan's part is exactly what is held: nothing short, nothing held for the patient.
    const booked = await book(caseId, 50_000);
    expect(booked.result).toMatchObject({
      coveredAmount: units(40_500),
      shortfallAmount: 0,
      costShare: { deductible: units(5000), coinsurance: units(4500) },
      hold: { amount: units(40_500), consumed: units(40_500), free: 0 },
    });
  });
});
