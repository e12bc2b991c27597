import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAmount } from '@domain/money';
import { demoIds } from '../demo/seed';
import { availableBackends } from '../testing/databases';
import { moneyConsistency, resultOf, startTestServer, type Answer, type TestServer } from '../testing/harness';

const units = (n: number) => n * 100; // the demo scheme counts paise

/** Every family's money agrees to the unit, and no hold is left active on an ended case. */
async function expectConsistent(server: TestServer): Promise<void> {
  for (const row of await moneyConsistency(server.scratch)) {
    expect(row.committed).toBeLessThanOrEqual(row.cover);
    expect(row.ledger).toBe(row.committed);
    expect(row.ledger_holds).toBe(row.holds);
  }
  const stranded = await server.scratch.db.query(
    "SELECT h.case_id, c.status FROM holds h JOIN cases c ON c.id = h.case_id WHERE h.status = 'active' AND c.status = 'cancelled'",
  );
  expect(stranded).toEqual([]);
}

/**
 * The money lifecycle of a case (issue 12 items 16, 19, 23; issue 24 items 8, 9, 14): every path
 * ends with the hold released or claimed, what a patient owes is one number, and the desk gets
 * each state in words.
 */
describe.each(availableBackends)('money lifecycle (%s)', (backend) => {
  let server: TestServer;
  let desk = '',
    deskB = '',
    ppd = '',
    mc = '',
    admin = '',
    ha = '';
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    desk = await server.login('medco.a');
    deskB = await server.login('medco.b');
    ppd = await server.login('ppd');
    mc = await server.login('mc');
    admin = await server.login('admin');
    ha = await server.login('ha');
  });
  afterAll(async () => {
    if (server) await expectConsistent(server);
    await server?.close();
  });

  const admit = async (memberId: string, token = desk) => {
    const caseId = randomUUID();
    resultOf(await server.command(token, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
    return caseId;
  };
  const book = (caseId: string, amount: number, token = desk) =>
    server.command(token, 'add-booking', { bookingId: randomUUID(), caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: units(amount) });
  const balance = async () =>
    (await server.get(desk, `/families/${demoIds.seedFamily}/balance`)).body as {
      committed: number;
      holds: { caseId: string; amount: number; authorized: number; preauthStatus: string }[];
      patientShares: { memberId: string; kind: string; amount: number }[];
    };
  const holdOf = async (caseId: string) => {
    const [hold] = await server.scratch.db.query<{ amount: number; status: string }>('SELECT amount, status FROM holds WHERE case_id = $1', [caseId]);
    return hold;
  };
  const expectRefused = (answer: Answer, code: string) => {
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 409, code });
    expect(String(answer.body.message).length).toBeGreaterThan(20);
  };

  it('a discharge with nothing booked returns the hold: none booked, or the only booking voided (issue 12 item 16)', async () => {
    for (const voidTheOnlyBooking of [false, true]) {
      const caseId = await admit(demoIds.father);
      resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'MG012A' }));
      resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
      if (voidTheOnlyBooking) {
        const booking = resultOf(await book(caseId, 2500));
        resultOf(await server.command(desk, 'void-booking', { bookingId: String(booking.bookingId), reason: 'Entered on the wrong patient' }));
      }
      expect((await balance()).committed).toBe(units(6000));
      const discharged = resultOf(await server.command(desk, 'discharge', { caseId }));
      expect(discharged).toMatchObject({ bookingSum: 0, holdStatus: 'released', released: units(6000), nextStep: 'none' });
      expect(String(discharged.summary)).toContain("₹6,000.00 hold went back to the family's cover");
      expect(await holdOf(caseId)).toEqual({ amount: 0, status: 'released' });
      expect((await balance()).committed).toBe(0);
      // Nothing else moves it: there is no claim of nothing, and a discharged case stays discharged.
      expect((await server.command(desk, 'cancel-case', { caseId, reason: 'after discharge' })).body.code).toBe('case-already-discharged');
    }
  });

  it('an undecided pre-auth is cancelled with its hold when nothing was booked; no decision follows a discharge (issue 24 item 14)', async () => {
    const caseId = await admit(demoIds.son);
    resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'SB001A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'query', reason: 'Attach the X-ray report' }));
    expect(resultOf(await server.command(desk, 'discharge', { caseId }))).toMatchObject({ holdStatus: 'released', released: units(7500) });
    expect((await server.get(desk, `/cases/${caseId}`)).body).toMatchObject({ preauth: { status: 'cancelled' } });
    expectRefused(await server.command(desk, 'respond-query', { caseId, response: 'X-ray attached' }), 'case-not-admitted');
    expectRefused(await server.command(ppd, 'decide-preauth', { caseId, decision: 'reject', reason: 'Late' }), 'case-not-admitted');

    // The unspecified path: Medical Committee and Admin cannot decide a discharged case either.
    const unspecified = await admit(demoIds.son);
    resultOf(await server.command(desk, 'request-preauth', { caseId: unspecified, packageCode: 'SG999U', estimatedAmount: units(3000) }));
    resultOf(await server.command(mc, 'recommend-preauth', { caseId: unspecified, recommendedAmount: units(2500), reason: 'Comparable package' }));
    resultOf(await server.command(desk, 'discharge', { caseId: unspecified }));
    expectRefused(await server.command(admin, 'approve-unspecified', { caseId: unspecified, decision: 'approve' }), 'case-not-admitted');
    const committee = await admit(demoIds.son);
    resultOf(await server.command(desk, 'request-preauth', { caseId: committee, packageCode: 'SG999U', estimatedAmount: units(3000) }));
    resultOf(await server.command(desk, 'discharge', { caseId: committee }));
    expectRefused(
      await server.command(mc, 'recommend-preauth', { caseId: committee, recommendedAmount: units(2500), reason: 'Comparable package' }),
      'case-not-admitted',
    );
    expect((await balance()).committed).toBe(0);
  });

  it('a rejection over covered bookings is refused; once they are voided it releases the hold, which ends released (issue 24 items 8, 14)', async () => {
    const caseId = await admit(demoIds.mother, deskB);
    resultOf(await server.command(deskB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    const covered = resultOf(await book(caseId, 1500, deskB));
    const refused = await server.command(ppd, 'decide-preauth', { caseId, decision: 'reject', reason: 'Treatable as outpatient' });
    expectRefused(refused, 'bookings-covered');
    expect(refused.body.details).toEqual({ consumed: units(1500) });
    expect(String(refused.body.message)).toContain('₹1,500.00');
    expect(await holdOf(caseId)).toEqual({ amount: units(5000), status: 'active' });
    resultOf(await server.command(deskB, 'void-booking', { bookingId: String(covered.bookingId), reason: 'Reviewer asked to void' }));
    const rejected = resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'reject', reason: 'Treatable as outpatient' }));
    expect(rejected).toMatchObject({ preauthStatus: 'rejected', holdAmount: 0, holdStatus: 'released', released: units(5000) });
    expect(String(rejected.summary)).toContain('₹5,000.00 hold went back');
    expect(await holdOf(caseId)).toEqual({ amount: 0, status: 'released' });
    // A zero hold left active stayed in every balance answer; a released one does not.
    expect((await balance()).holds.filter((h) => h.caseId === caseId)).toEqual([]);
    // Booked after the rejection: the patient's; discharge says so and there is nothing to claim.
    expect(resultOf(await book(caseId, 800, deskB))).toMatchObject({ coverage: 'shortfall' });
    const discharged = resultOf(await server.command(deskB, 'discharge', { caseId }));
    expect(discharged).toMatchObject({ bookingSum: units(800), holdStatus: 'released', nextStep: 'none' });
    expect(String(discharged.summary)).toContain('the patient pays it');
    expect((await balance()).committed).toBe(0);
  });

  it('what a patient owes is one number: the booking shortfall, not the pre-auth estimate as well (issue 12 item 19)', async () => {
    // S1: the father holds 6,000, the mother's 5,000 package gets the 4,000 left.
    const father = await admit(demoIds.father);
    resultOf(await server.command(desk, 'request-preauth', { caseId: father, packageCode: 'MG012A' }));
    const mother = await admit(demoIds.mother, deskB);
    expect(resultOf(await server.command(deskB, 'request-preauth', { caseId: mother, packageCode: 'MG006A' }))).toMatchObject({
      holdAmount: units(4000),
      shortfall: units(1000),
    });
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: mother, decision: 'approve' }));
    expect(resultOf(await book(mother, 5000, deskB))).toMatchObject({ coveredAmount: units(4000), shortfallAmount: units(1000) });
    // Per case: the mother still owes the 800 booked after the rejection in the test above.
    const owed = async (caseId: string) => {
      const [row] = await server.scratch.db.query<{ total: number }>(
        'SELECT COALESCE(sum(amount), 0)::bigint AS total FROM patient_charges WHERE case_id = $1',
        [caseId],
      );
      return row?.total;
    };
    expect(await owed(mother)).toBe(units(1000));
    expect((await balance()).patientShares).toContainEqual({ memberId: demoIds.mother, kind: 'shortfall', amount: units(1000 + 800) });
    // An approve-lower is the reviewer's figure, not a debt: no share until bookings pass the hold.
    resultOf(
      await server.command(ppd, 'decide-preauth', { caseId: father, decision: 'approve-lower', amount: units(3000), reason: 'Moderate dehydration only' }),
    );
    expect(await owed(father)).toBe(0);
    resultOf(await server.command(desk, 'cancel-case', { caseId: father, reason: 'test over' }));
    resultOf(await server.command(deskB, 'cancel-case', { caseId: mother, reason: 'test over' }));
    expect(await owed(mother)).toBe(0);
    // Every entry of the patients' accounts comes from a booking, never from a pre-auth's estimate.
    const sources = await server.scratch.db.query<{ source_kind: string }>('SELECT DISTINCT source_kind FROM patient_charges ORDER BY source_kind');
    expect(sources.map((s) => s.source_kind).filter((k) => !['booking', 'booking-void', 'shortfall-covered'].includes(k))).toEqual([]);
  });

  it('a pre-auth on a used-up cover says in words that nothing is held and what the patient would owe (issue 24 item 14)', async () => {
    const father = await admit(demoIds.father);
    resultOf(await server.command(desk, 'request-preauth', { caseId: father, packageCode: 'MG001A' })); // 9,000
    const mother = await admit(demoIds.mother, deskB);
    const partly = resultOf(await server.command(deskB, 'request-preauth', { caseId: mother, packageCode: 'MG012A' })); // 6,000, 1,000 left
    expect(partly).toMatchObject({ holdAmount: units(1000), shortfall: units(5000) });
    expect(String(partly.summary)).toContain("₹5,000.00 would be the patient's shortfall");
    const son = await admit(demoIds.son);
    const nothing = resultOf(await server.command(desk, 'request-preauth', { caseId: son, packageCode: 'SB001A' }));
    expect(nothing).toMatchObject({ preauthStatus: 'pending', holdAmount: 0, shortfall: units(7500) });
    expect(String(nothing.summary)).toContain('Nothing could be held');
    expect((await balance()).holds).toContainEqual(expect.objectContaining({ caseId: son, amount: 0, authorized: units(7500), preauthStatus: 'pending' }));
    for (const [caseId, token] of [
      [father, desk],
      [mother, deskB],
      [son, desk],
    ] as const)
      resultOf(await server.command(token, 'cancel-case', { caseId, reason: 'test over' }));
  });

  it('an enhancement that would take the authorized amount past maxAmount is refused, writing nothing (issue 24 item 9)', async () => {
    const caseId = await admit(demoIds.daughter);
    resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'SG999U', estimatedAmount: maxAmount - units(10) }));
    resultOf(await server.command(mc, 'recommend-preauth', { caseId, recommendedAmount: maxAmount - units(10), reason: 'As estimated' }));
    resultOf(await server.command(admin, 'approve-unspecified', { caseId, decision: 'approve' }));
    const refused = await server.command(desk, 'request-enhancement', { enhancementId: randomUUID(), caseId, amount: units(11), reason: 'More' });
    expectRefused(refused, 'authorized-too-large');
    expect(refused.body.details).toEqual({ authorized: maxAmount - units(10), requested: units(11), maxAmount });
    const [enhancements] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM enhancements WHERE case_id = $1', [caseId]);
    expect(enhancements?.count).toBe(0);
    resultOf(await server.command(desk, 'request-enhancement', { enhancementId: randomUUID(), caseId, amount: units(10), reason: 'Exactly up to the limit' }));
    resultOf(await server.command(desk, 'cancel-case', { caseId, reason: 'test over' }));
  });

  it('an admission on a document alone is flagged and listed for review like an override (issue 12 item 23)', async () => {
    const caseId = randomUUID();
    // Earlier admissions here carry no match evidence, so they are listed too (issue 13 item 6).
    const unreviewedBefore = ((await server.get(ha, '/reviews/identity-overrides')).body as { unreviewed: number }).unreviewed;
    expect(resultOf(await server.command(desk, 'admit', { caseId, memberId: demoIds.daughter, identityMethod: 'document' }))).toMatchObject({
      identityMethod: 'document',
      flaggedForReview: true,
    });
    const queue = (await server.get(ha, '/reviews/identity-overrides')).body as {
      overrides: { caseId: string; reason: string; supervisorName: string | null; reviewedAt: string | null }[];
      unreviewed: number;
    };
    expect(queue.overrides).toContainEqual(
      expect.objectContaining({ caseId, supervisorName: null, reviewedAt: null, reason: expect.stringContaining('document alone') }),
    );
    expect(queue.unreviewed).toBe(unreviewedBefore + 1);
    resultOf(await server.command(ha, 'review-override', { caseId, note: 'Ration card and voter id seen by the supervisor' }));
    resultOf(await server.command(desk, 'cancel-case', { caseId, reason: 'test over' }));
  });
});

/** Races on real PostgreSQL: whatever the commit order, the answers are true and nothing is a 500. */
describe.runIf(availableBackends.includes('postgres'))('money lifecycle races (postgres)', () => {
  let server: TestServer;
  let deskA = '',
    deskB = '',
    ppd = '';
  beforeAll(async () => {
    server = await startTestServer('postgres', { extraFamilies: 0, seedCover: units(10_000_000) });
    deskA = await server.login('medco.a');
    deskB = await server.login('medco.b');
    ppd = await server.login('ppd');
  });
  afterAll(async () => {
    if (server) await expectConsistent(server);
    await server?.close();
  });

  it('discharge and void-booking racing 30 times: a void never lands after the discharge (issue 12 item 18)', async () => {
    const orders = { voidFirst: 0, dischargeFirst: 0 };
    for (let round = 0; round < 30; round += 1) {
      const caseId = randomUUID();
      resultOf(await server.command(deskA, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' }));
      resultOf(await server.command(deskA, 'request-preauth', { caseId, packageCode: 'MG012A' }));
      resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
      const voided = String(
        resultOf(
          await server.command(deskA, 'add-booking', {
            bookingId: randomUUID(),
            caseId,
            itemCode: 'A',
            description: 'First',
            quantity: 1,
            unitPrice: units(1000),
          }),
        ).bookingId,
      );
      resultOf(
        await server.command(deskA, 'add-booking', {
          bookingId: randomUUID(),
          caseId,
          itemCode: 'B',
          description: 'Second',
          quantity: 1,
          unitPrice: units(2000),
        }),
      );
      const [discharge, voiding] = await Promise.all([
        server.command(deskA, 'discharge', { caseId }),
        server.command(deskA, 'void-booking', { bookingId: voided, reason: 'Racing the discharge' }),
      ]);
      const bookingSum = Number(resultOf(discharge).bookingSum);
      const [active] = await server.scratch.db.query<{ total: number }>(
        "SELECT COALESCE(sum(amount), 0)::bigint AS total FROM bookings WHERE case_id = $1 AND status = 'active'",
        [caseId],
      );
      // The discharge's booking sum is the case's final booking sum, whichever won the case lock.
      expect(bookingSum).toBe(active?.total);
      if (voiding.status === 200) {
        orders.voidFirst += 1;
        expect(bookingSum).toBe(units(2000));
      } else {
        orders.dischargeFirst += 1;
        expect({ status: voiding.status, code: voiding.body.code }).toEqual({ status: 409, code: 'booking-closed' });
        expect(bookingSum).toBe(units(3000));
      }
      // And that sum is claimable: the hold ends claimed.
      resultOf(await server.command(deskA, 'submit-claim', { claimId: randomUUID(), caseId, amount: bookingSum }));
    }
    expect(orders.voidFirst + orders.dischargeFirst).toBe(30);
    console.info(`discharge/void races: void first ${orders.voidFirst}, discharge first ${orders.dischargeFirst}`);
  });

  it('40 pairs of admissions of one member at the same instant: one admitted, the other case-already-active, never a 500 (issue 24 item 13)', async () => {
    const statuses = new Map<number, number>();
    for (let pair = 0; pair < 40; pair += 1) {
      const cases = [randomUUID(), randomUUID()];
      // Alternate same hospital and two hospitals.
      const tokens = pair % 2 === 0 ? [deskA, deskB] : [deskA, deskA];
      const answers = await Promise.all(
        cases.map((caseId, index) => server.command(tokens[index]!, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' })),
      );
      for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const loser = answers.find((a) => a.status === 409)!;
      expect(loser.body).toMatchObject({ code: 'case-already-active', details: { hospitalCode: expect.stringMatching(/^HSP-/) } });
      const winner = cases[answers.findIndex((a) => a.status === 200)]!;
      const winnerToken = tokens[answers.findIndex((a) => a.status === 200)]!;
      resultOf(await server.command(winnerToken, 'cancel-case', { caseId: winner, reason: 'race round over' }));
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 40, 409: 40 });
  });
});
