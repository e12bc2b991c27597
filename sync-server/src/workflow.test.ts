import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from './demo/seed';
import { describeEachBackend } from './testing/backends';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from './testing/harness';

const units = (n: number) => n * 100;

describeEachBackend('pre-auth, committee, enhancement, void and cancel (%s)', (backend) => {
  let server: TestServer;
  let desk = '',
    ppd = '',
    mc = '',
    admin = '';
  beforeAll(async () => {
    server = await startTestServer(backend);
    desk = await server.login('medco.a');
    ppd = await server.login('ppd');
    mc = await server.login('mc');
    admin = await server.login('admin');
  });
  afterAll(async () => {
    for (const row of await moneyConsistency(server.scratch)) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect(row.ledger).toBe(row.committed);
      expect(row.ledger_holds).toBe(row.holds);
    }
    await server?.close();
  });
  const admit = async (memberId: string) => {
    const caseId = randomUUID();
    resultOf(await server.command(desk, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
    return caseId;
  };
  const cancel = (caseId: string) => server.command(desk, 'cancel-case', { caseId, reason: 'test over' });
  const balance = async () => (await server.get(desk, `/families/${demoIds.seedFamily}/balance`)).body;

  it('S2: an unspecified package goes Medical Committee → Admin; the hold follows the approved amount', async () => {
    const caseId = await admit(demoIds.son);
    const missingEstimate = await server.command(desk, 'request-preauth', { caseId, packageCode: 'SG999U' });
    expect(missingEstimate.status).toBe(400);
    const requested = resultOf(
      await server.command(desk, 'request-preauth', { caseId, packageCode: 'SG999U', estimatedAmount: units(8000), clinicalNote: 'Rare procedure' }),
    );
    expect(requested).toMatchObject({ preauthStatus: 'committee-review', holdAmount: units(8000) });
    const byPpd = await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' });
    expect(byPpd.status).toBe(409);
    expect(byPpd.body.code).toBe('preauth-not-pending');
    const early = await server.command(admin, 'approve-unspecified', { caseId, decision: 'approve' });
    expect(early.body.code).toBe('preauth-not-pending');
    expect(
      resultOf(await server.command(mc, 'recommend-preauth', { caseId, recommendedAmount: units(7000), reason: 'Comparable to SG059A plus implant' })),
    ).toMatchObject({ preauthStatus: 'admin-review' });
    expect(resultOf(await server.command(admin, 'approve-unspecified', { caseId, decision: 'approve' }))).toMatchObject({
      preauthStatus: 'approved',
      approvedAmount: units(7000),
      holdAmount: units(7000),
    });
    expect(await balance()).toMatchObject({ committed: units(7000) });
    expect(resultOf(await cancel(caseId))).toMatchObject({ released: units(7000) });
    expect(await balance()).toMatchObject({ committed: 0 });
  });

  it('S3: approved 3,000, bookings to 4,200, enhancement of 1,200 approved at 1,000 → hold +1,000, 200 shortfall', async () => {
    const caseId = await admit(demoIds.daughter);
    resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    expect(
      resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve-lower', amount: units(3000), reason: 'Moderate dehydration only' })),
    ).toMatchObject({ holdAmount: units(3000) });
    const first = resultOf(
      await server.command(desk, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'WARD',
        description: 'Ward, 3 days',
        quantity: 3,
        unitPrice: units(1000),
      }),
    );
    expect(first).toMatchObject({ coverage: 'covered', coveredAmount: units(3000) });
    const beyond = resultOf(
      await server.command(desk, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'IV',
        description: 'IV fluids',
        quantity: 1,
        unitPrice: units(1200),
      }),
    );
    expect(beyond).toMatchObject({ coverage: 'shortfall', coveredAmount: 0, shortfallAmount: units(1200) });
    const enhancementId = randomUUID();
    resultOf(await server.command(desk, 'request-enhancement', { enhancementId, caseId, amount: units(1200), reason: 'Two more days of IV fluids' }));
    const again = await server.command(desk, 'request-enhancement', { enhancementId: randomUUID(), caseId, amount: units(100), reason: 'More' });
    expect(again.body.code).toBe('enhancement-already-pending');
    const decided = resultOf(
      await server.command(ppd, 'decide-enhancement', { enhancementId, decision: 'approve-lower', amount: units(1000), reason: 'One day justified' }),
    );
    expect(decided).toMatchObject({ approvedAmount: units(1000), grantedAmount: units(1000), holdAmount: units(4000), bookingsNowCovered: units(1000) });
    const details = (await server.get(desk, `/cases/${caseId}`)).body as { bookings: { covered_amount: number; shortfall_amount: number }[] };
    expect(details.bookings.map((b) => [b.covered_amount, b.shortfall_amount])).toEqual([
      [units(3000), 0],
      [units(1000), units(200)],
    ]);
    resultOf(await cancel(caseId));
  });

  it('an enhancement the cover cannot fully hold grants what is left and leaves the rest uncovered', async () => {
    const father = await admit(demoIds.father);
    resultOf(await server.command(desk, 'request-preauth', { caseId: father, packageCode: 'MG001A' })); // 9,000 of 10,000
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: father, decision: 'approve' }));
    const enhancementId = randomUUID();
    resultOf(await server.command(desk, 'request-enhancement', { enhancementId, caseId: father, amount: units(2500), reason: 'Complication' }));
    expect(resultOf(await server.command(ppd, 'decide-enhancement', { enhancementId, decision: 'approve' }))).toMatchObject({
      approvedAmount: units(2500),
      grantedAmount: units(1000),
      uncovered: units(1500),
      holdAmount: units(10000),
    });
    expect(await balance()).toMatchObject({ committed: units(10000), available: 0 });
    resultOf(await cancel(father));
  });

  it("voiding a booking frees the hold, which first covers the case's shortfall bookings", async () => {
    const caseId = await admit(demoIds.mother);
    resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'MG006A' })); // 5,000
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    const mistaken = randomUUID();
    resultOf(
      await server.command(desk, 'add-booking', { bookingId: mistaken, caseId, itemCode: 'CT', description: 'CT scan', quantity: 1, unitPrice: units(4000) }),
    );
    const short = resultOf(
      await server.command(desk, 'add-booking', { bookingId: randomUUID(), caseId, itemCode: 'MRI', description: 'MRI', quantity: 1, unitPrice: units(2000) }),
    );
    expect(short).toMatchObject({ coveredAmount: units(1000), shortfallAmount: units(1000), coverage: 'partly-covered' });
    expect(resultOf(await server.command(desk, 'void-booking', { bookingId: mistaken, reason: 'Entered on the wrong case' }))).toMatchObject({
      bookingsNowCovered: units(1000),
      hold: { consumed: units(2000) },
    });
    const twice = await server.command(desk, 'void-booking', { bookingId: mistaken, reason: 'again' });
    expect(twice.body.code).toBe('booking-already-voided');
    const shares = ((await balance()).patientShares as { memberId: string; kind: string; amount: number }[]).filter(
      (s) => s.memberId === demoIds.mother && s.kind === 'shortfall',
    );
    expect(shares).toEqual([{ memberId: demoIds.mother, kind: 'shortfall', amount: 0 }]);
    resultOf(await cancel(caseId));
  });

  it('query ↔ response loop between PPD and the desk, then rejection releases the hold', async () => {
    const caseId = await admit(demoIds.son);
    resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'SB001A' }));
    expect(resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'query', reason: 'Attach the X-ray report' }))).toMatchObject({
      preauthStatus: 'queried',
    });
    const whileQueried = await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' });
    expect(whileQueried.body.code).toBe('preauth-not-pending');
    expect(resultOf(await server.command(desk, 'respond-query', { caseId, response: 'X-ray shows a closed fracture; report attached' }))).toMatchObject({
      preauthStatus: 'pending',
    });
    expect(resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'reject', reason: 'Treatable as outpatient' }))).toMatchObject({
      preauthStatus: 'rejected',
      holdAmount: 0,
      released: units(7500),
    });
    const booking = resultOf(
      await server.command(desk, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'CAST',
        description: 'Plaster cast',
        quantity: 1,
        unitPrice: units(800),
      }),
    );
    expect(booking).toMatchObject({ coverage: 'shortfall', shortfallAmount: units(800) });
    resultOf(await cancel(caseId));
  });

  it('cannot claim before discharge, discharge bookings on an undecided pre-auth, or cancel after discharge', async () => {
    const caseId = await admit(demoIds.son);
    resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'SL002A' }));
    resultOf(
      await server.command(desk, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'OT',
        description: 'Theatre',
        quantity: 1,
        unitPrice: units(1000),
      }),
    );
    const early = await server.command(desk, 'submit-claim', { claimId: randomUUID(), caseId, amount: units(1000) });
    expect(early.body.code).toBe('claim-not-discharged');
    // Discharging now used to strand the hold: no decision after discharge, no claim without one.
    const undecided = await server.command(desk, 'discharge', { caseId });
    expect(undecided.status).toBe(409);
    expect(undecided.body).toMatchObject({ code: 'preauth-not-decided', details: { preauthStatus: 'pending', bookingSum: units(1000) } });
    expect(String(undecided.body.message)).toContain('₹1,000.00 is booked');
    expect((await server.get(desk, `/cases/${caseId}`)).body).toMatchObject({ case: { status: 'admitted' } });
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    expect(resultOf(await server.command(desk, 'discharge', { caseId }))).toMatchObject({
      bookingSum: units(1000),
      holdStatus: 'active',
      nextStep: 'submit-claim',
    });
    const cancelled = await cancel(caseId);
    expect(cancelled.body.code).toBe('case-already-discharged');
    expect(resultOf(await server.command(desk, 'submit-claim', { claimId: randomUUID(), caseId, amount: units(1000) }))).toMatchObject({ status: 'submitted' });
  });
});

describe('a scheme that refuses partial holds (PGlite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    await server.scratch.db.query("UPDATE schemes SET shortfall_policy = 'refuse'");
    await server.state.reloadScheme();
  });
  afterAll(async () => server?.close());

  it("refuses the mother's pre-auth with insufficient-cover and holds nothing", async () => {
    const a = await server.login('medco.a');
    const b = await server.login('medco.b');
    const father = randomUUID();
    const mother = randomUUID();
    resultOf(await server.command(a, 'admit', { caseId: father, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(a, 'request-preauth', { caseId: father, packageCode: 'MG012A' }));
    resultOf(await server.command(b, 'admit', { caseId: mother, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    const refused = await server.command(b, 'request-preauth', { caseId: mother, packageCode: 'MG006A' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'insufficient-cover', details: { available: units(4000), requested: units(5000) } });
    expect(String(refused.body.message)).toContain('₹4,000.00');
    const [holds] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM holds');
    expect(holds?.count).toBe(1);
  });
});
