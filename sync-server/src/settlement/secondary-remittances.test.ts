import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

const units = (n: number) => n * 100; // the demo scheme counts paise
/** A calendar day of the demo scheme (Asia/Kolkata), `days` from today. */
const schemeDay = (days = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(Date.now() + days * 86_400_000),
  );

/**
 * Money between the scheme's office and a secondary payer (issue 14, migration 051): the payer's
 * remittance on a claim it decided, and the scheme's refund to it when a reversal after its
 * payment left it overpaid. The patient's account never moves for either.
 *
 * S1's family: the father's pre-auth at A holds 6,000, so the mother's package 5,000 at B holds
 * 4,000; bookings of 4,500 and 500 leave her 1,000 short. 800 goes to the serious-illness fund,
 * 200 to a commercial top-up.
 */
describeEachBackend('secondary payers remit, and are refunded (%s)', (backend) => {
  let server: TestServer;
  let medcoB = '';
  let aco = '';
  let caseId = '';
  const bookings = { first: randomUUID(), second: randomUUID() };
  const claims = { fund: randomUUID(), topUp: randomUUID() };

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
    for (const [bookingId, amount] of [
      [bookings.first, units(4500)],
      [bookings.second, units(500)],
    ] as const)
      resultOf(await server.command(medcoB, 'add-booking', { bookingId, caseId, itemCode: 'WARD', description: 'Ward stay', quantity: 1, unitPrice: amount }));
    for (const [paymentId, amount, secondaryPayer] of [
      [claims.fund, units(800), 'serious-illness-fund'],
      [claims.topUp, units(200), 'commercial-top-up'],
    ] as const)
      resultOf(await server.command(medcoB, 'take-payment', { paymentId, caseId, amount, method: 'secondary', secondaryPayer, reference: 'SIF-2026-0042' }));
  });
  afterAll(async () => server?.close());

  const money = (body: Record<string, unknown>, token = aco, commandId = randomUUID()) =>
    server.raw('POST', '/commands/record-secondary-remittance', {
      token,
      payload: { commandId, claimId: claims.fund, movement: 'remittance', reference: 'NEFT-SIF-0419', valueDate: schemeDay(), ...body },
    });
  const account = async () => (await server.get(medcoB, `/cases/${caseId}/patient-bill`)).body.account as Record<string, number>;
  interface ReportItem {
    claimId: string;
    status: string;
    balance: Record<string, number>;
    movements: { movement: string; amount: number }[];
  }
  const report = async (state: 'open' | 'all' = 'open') =>
    (await server.get(aco, `/reports/secondary-claims?state=${state}`)).body as { items: ReportItem[]; totals: Record<string, number> };
  const refusedAndUnchanged = async (send: () => Promise<{ status: number; body: Record<string, unknown> }>, status: number, code: string) => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const answer = await send();
    expect({ status: answer.status, code: answer.body.code }, JSON.stringify(answer.body)).toEqual({ status, code });
    expect(String(answer.body.message).length).toBeGreaterThan(20);
    await settleAuditChain(server.scratch.db);
    const after = await snapshotDatabase(server.scratch.db);
    if (status === 409) {
      // A business refusal is an answer: it is kept against its command id (one row in commands, so a
      // retry gets the same answer), and nothing else is written.
      const count = (digest: string | undefined) => Number(digest?.split(':')[0]);
      expect(count(after.commands)).toBe(count(before.commands) + 1);
      expect({ ...after, commands: null }).toEqual({ ...before, commands: null });
    } else expect(after).toEqual(before);
    return answer.body;
  };

  it('an undecided claim takes no money yet: 409, nothing written', async () => {
    const body = await refusedAndUnchanged(() => money({ amount: units(300) }), 409, 'secondary-claim-undecided');
    expect(body.message).toMatch(/decide-secondary-claim/);
  });

  it('a remittance on an accepted claim lowers what the payer owes, not what the patient owes; a replay answers the same bytes', async () => {
    resultOf(
      await server.raw('POST', '/commands/decide-secondary-claim', {
        token: aco,
        payload: { commandId: randomUUID(), claimId: claims.fund, decision: 'accept', payerReference: 'RA-2026-300' },
      }),
    );
    const before = await account();
    const commandId = randomUUID();
    const first = await money({ amount: units(300) }, aco, commandId);
    expect(resultOf(first)).toMatchObject({
      claimId: claims.fund,
      caseId,
      payer: 'serious-illness-fund',
      movement: 'remittance',
      amount: units(300),
      balance: { owedTotal: units(800), remitted: units(300), refunded: 0, payerOwes: units(500), refundOwed: 0 },
      summary: '₹300.00 received from the serious-illness fund (value ' + schemeDay() + '); it still owes ₹500.00.',
    });
    const again = await money({ amount: units(300) }, aco, commandId);
    expect(again.isReplay).toBe(true);
    expect(again.body).toEqual(first.body);
    expect(await account()).toEqual(before);
    const [count] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM secondary_claim_remittances');
    expect(count?.n).toBe(1);
    const [audit] = await server.scratch.db.query<{ before: Record<string, unknown>; after: Record<string, unknown> }>(
      "SELECT before, after FROM audit_log WHERE action = 'secondary-remittance-recorded' AND command_id = $1",
      [commandId],
    );
    expect(audit).toMatchObject({ before: { payerOwes: units(800) }, after: { amount: units(300), reference: 'NEFT-SIF-0419', payerOwes: units(500) } });
    // What is still to come: 500 from the fund on its accepted claim, 200 on the top-up's undecided one.
    expect((await server.get(aco, '/reports/patient-receivables')).body).toMatchObject({ secondaryOutstanding: units(700), secondaryRefundsOwed: 0 });
  });

  it('more than the payer owes is refused with what it owes, and nothing is written', async () => {
    const body = await refusedAndUnchanged(() => money({ amount: units(600) }), 409, 'remittance-exceeds-owed');
    expect(body.details).toEqual({ owed: units(500), requested: units(600) });
  });

  it('two remittances at the same instant never take the payer past what it owes', async () => {
    const answers = await Promise.all([money({ amount: units(300), reference: 'NEFT-A' }), money({ amount: units(300), reference: 'NEFT-B' })]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)?.body).toMatchObject({
      code: 'remittance-exceeds-owed',
      details: { owed: units(200), requested: units(300) },
    });
    const fund = (await report()).items.find((i) => i.claimId === claims.fund);
    expect(fund?.balance).toEqual({ owedTotal: units(800), remitted: units(600), refunded: 0, payerOwes: units(200), refundOwed: 0 });
  });

  it('nothing is refunded to a payer that has not overpaid', async () => {
    const body = await refusedAndUnchanged(() => money({ movement: 'refund', amount: 1 }), 409, 'refund-exceeds-overpaid');
    expect(body.details).toEqual({ overpaid: 0, requested: 1 });
  });

  it('a void after the payer paid leaves it overpaid; the refund to it is at most that, and settles the claim', async () => {
    // 500 less to pay: the top-up's undecided 200 is withdrawn, then 300 of the fund's accepted 800 becomes refundable (043).
    resultOf(await server.command(medcoB, 'void-booking', { bookingId: bookings.second, reason: 'Entered twice' }));
    expect(await account()).toMatchObject({ charged: units(500), secondary: units(500), owed: 0 });
    // The fund now owes 500 and has paid 600: 100 goes back to it.
    let fund = (await report()).items.find((i) => i.claimId === claims.fund);
    expect(fund?.balance).toEqual({ owedTotal: units(500), remitted: units(600), refunded: 0, payerOwes: 0, refundOwed: units(100) });
    expect((await server.get(aco, '/reports/patient-receivables')).body).toMatchObject({ secondaryOutstanding: 0, secondaryRefundsOwed: units(100) });

    const tooMuch = await refusedAndUnchanged(() => money({ movement: 'refund', amount: units(150) }), 409, 'refund-exceeds-overpaid');
    expect(tooMuch.details).toEqual({ overpaid: units(100), requested: units(150) });
    const more = await refusedAndUnchanged(() => money({ amount: 1 }), 409, 'remittance-exceeds-owed');
    expect(more.details).toEqual({ owed: 0, requested: 1 });

    const before = await account();
    expect(resultOf(await money({ movement: 'refund', amount: units(100), reference: 'NEFT-OUT-7' }))).toMatchObject({
      movement: 'refund',
      balance: { owedTotal: units(500), remitted: units(600), refunded: units(100), payerOwes: 0, refundOwed: 0 },
      summary: '₹100.00 refunded to the serious-illness fund (value ' + schemeDay() + '); the claim is settled.',
    });
    expect(await account()).toEqual(before);

    // Settled and withdrawn claims leave the open worklist; all of them, with their money, are in state=all.
    expect((await report()).items).toEqual([]);
    const all = await report('all');
    expect(all.items.map((i) => [i.claimId, i.status])).toEqual([
      [claims.fund, 'accepted'],
      [claims.topUp, 'withdrawn'],
    ]);
    fund = all.items[0];
    expect(fund!.movements.map((m) => [m.movement, m.amount])).toEqual([
      ['remittance', units(300)],
      ['remittance', units(300)],
      ['refund', units(100)],
    ]);
    expect(all.totals).toEqual({ claims: 2, payerOwes: 0, refundOwed: 0, remitted: units(600), refunded: units(100) });
  });

  it('bad input gets a 400 or 404 with a sentence and writes nothing; desks and PPD cannot record payer money', async () => {
    for (const valueDate of ['2026-02-30', '2026-13-01', schemeDay(2), '2020-01-01'])
      expect((await refusedAndUnchanged(() => money({ amount: 1, valueDate }), 400, 'invalid-input')).message).toMatch(/value date/);
    for (const payload of [{ valueDate: '26-01-05' }, { movement: 'chargeback' }, { reference: '' }, { amount: 0 }, { amount: -5 }])
      await refusedAndUnchanged(() => money({ amount: 1, ...payload }), 400, 'invalid-input');
    await refusedAndUnchanged(() => money({ amount: 1, claimId: randomUUID() }), 404, 'not-found');
    await refusedAndUnchanged(() => money({ amount: 1 }, medcoB), 403, 'forbidden-role');
    await refusedAndUnchanged(async () => server.get(medcoB, '/reports/secondary-claims'), 403, 'forbidden-role');
    await refusedAndUnchanged(async () => server.get(aco, '/reports/secondary-claims?state=closed'), 400, 'invalid-input');
  });

  it('at the database: append-only, and a movement beyond the balance is refused even without the command', async () => {
    const db = server.scratch.db;
    await expect(db.query('UPDATE secondary_claim_remittances SET amount = 1')).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM secondary_claim_remittances')).rejects.toThrow(/append-only/);
    const [operator] = await db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'aco'");
    for (const kind of ['remittance', 'refund'])
      await expect(
        db.query(
          `INSERT INTO secondary_claim_remittances (claim_id, case_id, kind, amount, reference, value_date, recorded_by, command_id)
           VALUES ($1, $2, $3, 1, 'X', current_date, $4, $5)`,
          [claims.fund, caseId, kind, operator!.id, randomUUID()],
        ),
      ).rejects.toThrow(/would stand at/);
  });
});

/**
 * Found by the model-based API test (tests/model-api/): the value date was checked against today
 * by the server's clock but against the claim's day by the database's (`submitted_at DEFAULT
 * now()`). A server whose clock is a day or more behind the database's — the walk's injected
 * clock, or a skewed host — refused every remittance dated today as "before the claim was sent".
 * The claim is now sent at the server's clock, the one both days are read off.
 */
describeEachBackend('a remittance is dated by the same clock as its claim (%s)', (backend) => {
  const serverNow = Date.now() - 30 * 86_400_000;
  let server: TestServer;
  afterAll(async () => server?.close());
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0, clock: () => new Date(serverNow) });
  });

  it('accepts a remittance dated the server’s today on a claim sent today', async () => {
    const medcoA = await server.login('medco.a');
    const medcoB = await server.login('medco.b');
    const ppd = await server.login('ppd');
    const aco = await server.login('aco');
    // As above: the father's hold leaves the mother 4,000 of her 5,000 package; a 5,000 booking is 1,000 short.
    const fatherCase = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    const caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'WARD',
        description: 'Ward stay',
        quantity: 1,
        unitPrice: units(5000),
      }),
    );
    const claimId = randomUUID();
    resultOf(
      await server.command(medcoB, 'take-payment', {
        paymentId: claimId,
        caseId,
        amount: units(1000),
        method: 'secondary',
        secondaryPayer: 'serious-illness-fund',
        reference: 'SIF-1',
      }),
    );
    resultOf(await server.command(aco, 'decide-secondary-claim', { claimId, decision: 'accept', payerReference: 'SIF-ADVICE-1' }));
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(serverNow));
    const answer = await server.command(aco, 'record-secondary-remittance', {
      claimId,
      movement: 'remittance',
      amount: units(1000),
      reference: 'NEFT-1',
      valueDate: today,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(resultOf(answer)).toMatchObject({ valueDate: today, balance: { owedTotal: units(1000), remitted: units(1000), payerOwes: 0, refundOwed: 0 } });
  });
});
