import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds, demoPlans } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from '../testing/harness';
import { decideBookingInDatabase } from '../commands/booking-decision';
import { verifyToken } from '../auth/tokens';

const units = (n: number) => n * 100;

/** Every accumulator row equals the sum of its entries, and never passes its maximum. */
export async function accumulatorConsistency(server: TestServer): Promise<{ holder_id: string; kind: string; row: string; entries: string }[]> {
  return server.scratch.db.query(
    `SELECT t.holder_id, t.kind, t.medical || '/' || t.pharmacy AS row,
            COALESCE((SELECT sum(delta) FILTER (WHERE coverage_type = 'medical') FROM accumulator_entries e
                       WHERE e.family_id = t.family_id AND e.policy_year = t.policy_year AND e.kind = t.kind AND e.member_id IS NOT DISTINCT FROM t.member_id), 0)
            || '/' ||
            COALESCE((SELECT sum(delta) FILTER (WHERE coverage_type = 'pharmacy') FROM accumulator_entries e
                       WHERE e.family_id = t.family_id AND e.policy_year = t.policy_year AND e.kind = t.kind AND e.member_id IS NOT DISTINCT FROM t.member_id), 0) AS entries
       FROM accumulator_totals t ORDER BY t.holder_id, t.kind`,
  );
}

describeEachBackend('accumulators on bookings: the plan year decides, the database enforces (%s)', (backend) => {
  let server: TestServer;
  let deskA = '';
  let ha = '';
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 2 });
    deskA = await server.login('medco.a');
    ha = await server.login('ha');
  });
  afterAll(async () => server?.close());

  const admit = async (memberId: string, packageCode: string) => {
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
    return { caseId, preauth: resultOf(await server.command(deskA, 'request-preauth', { caseId, packageCode })) };
  };
  const book = (caseId: string, amount: number, bookingId = randomUUID()) =>
    server.command(deskA, 'add-booking', { bookingId, caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: amount });

  it('the cashless family: nothing shared, the one-statement decision answers as before', async () => {
    const { caseId, preauth } = await admit(demoIds.father, 'MG012A');
    expect(preauth).toMatchObject({ holdAmount: units(6000), patientEstimate: { total: 0 } });
    const booked = resultOf(await book(caseId, units(2500)));
    expect(booked).toMatchObject({ coveredAmount: units(2500), costShare: { deductible: 0, coinsurance: 0, copay: 0, total: 0 } });
    const [count] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM accumulator_entries');
    expect(count?.n).toBe(0);
  });

  it('State top-up: the estimate at pre-auth, bookings split, accumulators and hold move in the same transaction', async () => {
    const { caseId, preauth } = await admit(demoIds.s5Father, 'MC024A');
    // Nothing accumulated yet: 5,000 deductible + 10 % of 35,000 = 8,500; the plan holds 31,500.
    expect(preauth).toMatchObject({
      requestedAmount: units(40_000),
      holdAmount: units(31_500),
      shortfall: 0,
      patientEstimate: { deductible: units(5000), coinsurance: units(3500), copay: 0, notPaid: 0, total: units(8500) },
      family: { committed: units(31_500) },
    });
    const bookingId = randomUUID();
    // 25,000: 5,000 deductible + 2,000 co-insurance; the plan 18,000 from the hold.
    const first = resultOf(await book(caseId, units(25_000), bookingId));
    expect(first).toMatchObject({
      amount: units(25_000),
      coveredAmount: units(18_000),
      shortfallAmount: 0,
      costShare: { deductible: units(5000), coinsurance: units(2000), copay: 0, total: units(7000) },
      coverage: 'covered',
      hold: { amount: units(31_500), consumed: units(18_000) },
    });
    const balance = () => server.get(deskA, `/families/${demoIds.s5Family}/balance`);
    expect((await balance()).status).toBe(200);
    // The first answer again for the same command: the handler path replays byte for byte.
    const commandId = randomUUID();
    const body = { commandId, bookingId: randomUUID(), caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: units(15_000) };
    const second = await server.raw('POST', '/commands/add-booking', { token: deskA, payload: body });
    const again = await server.raw('POST', '/commands/add-booking', { token: deskA, payload: body });
    expect(again.isReplay).toBe(true);
    expect(again.body).toEqual(second.body);
    // 15,000 after the deductible: 1,500 co-insurance, 13,500 the plan's, all from the hold.
    expect(resultOf(second)).toMatchObject({ coveredAmount: units(13_500), costShare: { total: units(1500) }, hold: { consumed: units(31_500) } });
    const rows = await server.scratch.db.query<{ holder_id: string; kind: string; medical: number; pharmacy: number }>(
      'SELECT holder_id, kind, medical, pharmacy FROM accumulator_totals WHERE family_id = $1 ORDER BY member_id IS NOT NULL, kind',
      [demoIds.s5Family],
    );
    expect(rows).toEqual([
      { holder_id: demoIds.s5Family, kind: 'benefit', medical: units(31_500), pharmacy: 0 },
      { holder_id: demoIds.s5Family, kind: 'deductible', medical: units(5000), pharmacy: 0 },
      { holder_id: demoIds.s5Family, kind: 'out-of-pocket', medical: units(8500), pharmacy: 0 },
      { holder_id: demoIds.s5Father, kind: 'benefit', medical: units(31_500), pharmacy: 0 },
      { holder_id: demoIds.s5Father, kind: 'deductible', medical: units(5000), pharmacy: 0 },
      { holder_id: demoIds.s5Father, kind: 'out-of-pocket', medical: units(8500), pharmacy: 0 },
    ]);
    for (const row of await accumulatorConsistency(server)) expect(row.entries).toBe(row.row);
    const account = () =>
      server.scratch.db.query<{ kind: string; amount: number }>(
        'SELECT kind, sum(amount)::bigint AS amount FROM patient_charges WHERE case_id = $1 GROUP BY kind ORDER BY kind',
        [caseId],
      );
    // The patient's account of the case holds the cost sharing by part (migration 034's table).
    expect(await account()).toEqual([
      { kind: 'coinsurance', amount: units(3500) },
      { kind: 'deductible', amount: units(5000) },
    ]);

    // Voiding the first booking gives back exactly what it moved; the second is not re-adjudicated.
    resultOf(await server.command(deskA, 'void-booking', { bookingId, reason: 'entered twice' }));
    const [after] = await server.scratch.db.query<{ deductible: number; oop: number }>(
      `SELECT (SELECT medical FROM accumulator_totals WHERE holder_id = $1 AND kind = 'deductible') AS deductible,
              (SELECT medical FROM accumulator_totals WHERE holder_id = $1 AND kind = 'out-of-pocket') AS oop`,
      [demoIds.s5Family],
    );
    expect(after).toEqual({ deductible: 0, oop: units(1500) });
    expect(await account()).toEqual([
      { kind: 'coinsurance', amount: units(1500) },
      { kind: 'deductible', amount: 0 },
    ]);
    for (const row of await accumulatorConsistency(server)) expect(row.entries).toBe(row.row);
    for (const family of await moneyConsistency(server.scratch)) expect(family.committed).toBe(family.ledger);
    void ha;
  });

  it('add_booking_decision hands a cost-sharing booking back to the handler, writing nothing, not even the command claim', async () => {
    const { caseId } = await admit(demoIds.s5Mother, 'SN005A');
    const checked = verifyToken(server.state.keys.token, deskA, Date.now());
    if (!checked.ok) throw new Error(`the desk's token did not verify: ${checked.reason}`);
    const { principal } = checked;
    const before = await server.scratch.db.query('SELECT count(*)::int AS n FROM bookings');
    const commandId = randomUUID();
    const decision = await decideBookingInDatabase(server.scratch.db, {
      body: { commandId, bookingId: randomUUID(), caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: units(100) },
      principal,
      requestHash: 'x'.repeat(64),
      amount: units(100),
    });
    expect(decision).toEqual({ kind: 'needs-handler' });
    expect(await server.scratch.db.query('SELECT 1 FROM commands WHERE command_id = $1', [commandId])).toEqual([]);
    expect(await server.scratch.db.query('SELECT count(*)::int AS n FROM bookings')).toEqual(before);
  });

  it('the database refuses a total past its maximum and any change of a frozen plan year or an entry', async () => {
    await expect(
      server.scratch.db.query("UPDATE accumulator_totals SET medical = medical + $2 WHERE holder_id = $1 AND kind = 'deductible'", [
        demoIds.s5Family,
        demoPlans.stateTopUp.familyDeductible + 1,
      ]),
    ).rejects.toThrow(/met_within_maximum/);
    await expect(server.scratch.db.query('UPDATE plan_years SET family_deductible = 0 WHERE plan_id = $1', [demoPlans.stateTopUp.id])).rejects.toThrow(
      /frozen/,
    );
    await expect(server.scratch.db.query('DELETE FROM accumulator_entries')).rejects.toThrow(/append-only/);
    await expect(server.scratch.db.query('UPDATE family_years SET plan_id = NULL WHERE family_id = $1', [demoIds.s5Family])).rejects.toThrow(/fixed/);
  });
});
