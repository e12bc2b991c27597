import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { extractText, getDocumentProxy } from 'unpdf';

const units = (n: number) => n * 100; // the demo scheme counts paise

/**
 * The patient's bill and settlement (issue 14) along S1: the mother's pre-auth leaves 1,000 short
 * (an estimate, not a charge), her booking of 5,000 makes it a charge of 1,000 — once — and she
 * settles it in parts: cash, UPI, the rest to the serious-illness fund; a voided booking then
 * leaves her a credit that is refunded. PostgreSQL arbitrates every payment: never more than owed.
 */
describeEachBackend('patient bill and settlement (%s)', (backend) => {
  let server: TestServer;
  let medcoA: string;
  let medcoB: string;
  let ppd: string;
  let aco: string;
  let motherCase: string;
  let motherBooking: string;
  let operatorB: string;

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    medcoA = await server.login('medco.a');
    medcoB = await server.login('medco.b');
    ppd = await server.login('ppd');
    aco = await server.login('aco');
    const [row] = await server.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'medco.b'");
    operatorB = row!.id;
  });
  afterAll(async () => server?.close());

  const account = async (caseId: string) => (await server.get(medcoB, `/cases/${caseId}/patient-bill`)).body.account as Record<string, number>;
  const pay = (body: Record<string, unknown>, token = medcoB) =>
    server.raw('POST', '/commands/take-payment', { token, payload: { commandId: randomUUID(), paymentId: randomUUID(), caseId: motherCase, ...body } });

  it("a pre-auth's shortfall is an estimate: nothing is charged until bookings leave it uncovered", async () => {
    const fatherCase = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    motherCase = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId: motherCase, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    expect(resultOf(await server.command(medcoB, 'request-preauth', { caseId: motherCase, packageCode: 'MG006A' }))).toMatchObject({
      holdAmount: units(4000),
      shortfall: units(1000),
    });
    expect(await account(motherCase)).toMatchObject({ charged: 0, owed: 0 });
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: motherCase, decision: 'approve' }));
    motherBooking = randomUUID();
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: motherBooking,
        caseId: motherCase,
        itemCode: 'WARD',
        description: 'Ward stay',
        quantity: 5,
        unitPrice: units(1000),
      }),
    );
    const bill = (await server.get(medcoB, `/cases/${motherCase}/patient-bill`)).body;
    expect(bill).toMatchObject({
      totals: { amount: units(5000), planPart: units(4000), patientPart: units(1000) },
      charges: [{ kind: 'shortfall', amount: units(1000) }],
      account: { charged: units(1000), paid: 0, refunded: 0, secondary: 0, owed: units(1000), credit: 0 },
      lines: [{ bookingId: motherBooking, amount: units(5000), planPart: units(4000), patientPart: units(1000), status: 'active' }],
    });
  });

  it('takes cash in part, numbers the receipt, and a repeated command changes nothing', async () => {
    const commandId = randomUUID();
    const paymentId = randomUUID();
    const body = { commandId, paymentId, caseId: motherCase, amount: units(400), method: 'cash' };
    const first = await server.raw('POST', '/commands/take-payment', { token: medcoB, payload: body });
    expect(resultOf(first)).toMatchObject({ receiptNumber: 'HSP-B-R000001', amount: units(400), account: { paid: units(400), owed: units(600) } });
    const again = await server.raw('POST', '/commands/take-payment', { token: medcoB, payload: body });
    expect(again.body).toEqual(first.body);
    const [count] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM patient_payments WHERE case_id = $1', [motherCase]);
    expect(count?.n).toBe(1);
    expect(await account(motherCase)).toMatchObject({ paid: units(400), owed: units(600) });
  });

  it('never takes more than is owed: the refusal names the balance and moves no money', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await server.scratch.db.query('SELECT * FROM patient_accounts ORDER BY case_id');
    const payments = await server.scratch.db.query('SELECT id FROM patient_payments ORDER BY id');
    const answer = await pay({ amount: units(700), method: 'cash' });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ code: 'payment-exceeds-balance', details: { owed: units(600), requested: units(700) } });
    expect(String(answer.body.message)).toContain('600');
    expect(await server.scratch.db.query('SELECT * FROM patient_accounts ORDER BY case_id')).toEqual(before);
    expect(await server.scratch.db.query('SELECT id FROM patient_payments ORDER BY id')).toEqual(payments);
    const counter = await server.scratch.db.query<{ last_number: number }>('SELECT last_number FROM receipt_counters WHERE hospital_id = $1', [
      demoIds.hospitalB,
    ]);
    expect(counter[0]?.last_number).toBe(1);
  });

  it("another hospital's desk cannot pay or read this case: 404, nothing written", async () => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const answer = await pay({ amount: units(100), method: 'cash' }, medcoA);
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 404, code: 'not-found' });
    expect((await server.get(medcoA, `/cases/${motherCase}/patient-bill`)).status).toBe(404);
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });

  it('UPI by QR payload, then the remainder to the serious-illness fund as a coordination-of-benefits claim', async () => {
    const qr = 'upi://pay?pa=hospital.b@bank&pn=District%20Hospital&am=100.00&tr=HSPB-778&cu=INR';
    expect(resultOf(await pay({ amount: units(100), method: 'upi', reference: qr }))).toMatchObject({
      receiptNumber: 'HSP-B-R000002',
      account: { owed: units(500) },
    });
    const paymentId = randomUUID();
    const sent = resultOf(
      await pay({ paymentId, amount: units(500), method: 'secondary', secondaryPayer: 'serious-illness-fund', reference: 'SIF-2026-0042' }),
    );
    expect(sent).toMatchObject({
      receiptNumber: 'HSP-B-R000003',
      secondaryClaim: { claimId: paymentId, payer: 'serious-illness-fund', amount: units(500) },
      account: { charged: units(1000), paid: units(500), secondary: units(500), owed: 0, credit: 0 },
    });
    const [claim] = await server.scratch.db.query(
      'SELECT member_reference, amount, primary_paid, patient_charged, status FROM secondary_claims WHERE id = $1',
      [paymentId],
    );
    expect(claim).toEqual({
      member_reference: 'SIF-2026-0042',
      amount: units(500),
      primary_paid: units(4000),
      patient_charged: units(1000),
      status: 'submitted',
    });
    const nothingOwed = await pay({ amount: 1, method: 'card', reference: 'AUTH-1' });
    expect(nothingOwed.body).toMatchObject({ code: 'payment-exceeds-balance', details: { owed: 0, requested: 1 } });
  });

  it('a voided booking leaves a credit of what the patient paid, refunded once and never past it', async () => {
    resultOf(await server.command(medcoB, 'void-booking', { bookingId: motherBooking, reason: 'Entered on the wrong case' }));
    // The 500 sent to the fund is withdrawn first (migration 043); the 500 she paid is her credit.
    expect(await account(motherCase)).toMatchObject({ charged: 0, paid: units(500), secondary: 0, owed: 0, credit: units(500) });
    const refund = (amount: number) =>
      server.raw('POST', '/commands/refund-payment', {
        token: medcoB,
        payload: { commandId: randomUUID(), refundId: randomUUID(), caseId: motherCase, amount, method: 'cash', reason: 'Booking voided after payment' },
      });
    const tooMuch = await refund(units(600));
    expect(tooMuch.body).toMatchObject({ code: 'refund-exceeds-credit', details: { credit: units(500), requested: units(600) } });
    expect(resultOf(await refund(units(500)))).toMatchObject({ receiptNumber: 'HSP-B-R000004', account: { refunded: units(500), credit: 0 } });
    expect((await refund(1)).body).toMatchObject({ code: 'refund-exceeds-credit', details: { credit: 0 } });
    const bill = (await server.get(medcoB, `/cases/${motherCase}/patient-bill`)).body;
    expect((bill.payments as { receiptNumber: string; direction: string }[]).map((p) => `${p.receiptNumber} ${p.direction}`)).toEqual([
      'HSP-B-R000001 payment',
      'HSP-B-R000002 payment',
      'HSP-B-R000003 payment',
      'HSP-B-R000004 refund',
    ]);
    expect(bill.lines).toMatchObject([{ status: 'voided', planPart: 0, patientPart: 0 }]);
  });

  it("the bill as PDF says what the bill read says, and only to the case's hospital", async () => {
    const response = await server.app.inject({ method: 'GET', url: `/cases/${motherCase}/patient-bill.pdf`, headers: { authorization: `Bearer ${medcoB}` } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(response.rawPayload)), { mergePages: true });
    const flat = text.replace(/\s+/g, ' ');
    for (const expected of [
      'District Hospital Satara',
      'Ward stay (WARD) - VOIDED',
      'Paid by the patient INR 500.00',
      'Withdrawn from secondary claims INR 500.00',
      'Refunded INR 500.00',
      'Balance due INR 0.00',
      'HSP-B-R000004',
      'Refund by Cash',
    ])
      expect(flat, expected).toContain(expected);
    const other = await server.app.inject({ method: 'GET', url: `/cases/${motherCase}/patient-bill.pdf`, headers: { authorization: `Bearer ${medcoA}` } });
    expect({ status: other.statusCode, code: (other.json() as { code: string }).code }).toEqual({ status: 404, code: 'not-found' });
  });

  it("the cash drawer counts an operator's shift by when the money was taken, offline cash included", async () => {
    // The son at hospital B: the cover is all held by now, so his 6,000 is his own; 250 in cash taken offline two hours ago, sent now.
    const caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'X',
        description: 'Implant',
        quantity: 1,
        unitPrice: units(6000),
      }),
    );
    const takenAt = new Date(Date.now() - 2 * 3_600_000);
    resultOf(await pay({ caseId, amount: units(250), method: 'cash', takenAt: takenAt.toISOString() }));
    const drawer = async (from: Date, to: Date, token = medcoB, operator = operatorB) =>
      server.get(token, `/reports/cash-drawer?operatorId=${operator}&from=${from.toISOString()}&to=${to.toISOString()}`);
    const now = Date.now();
    const shift = (await drawer(new Date(now - 3_600_000), new Date(now + 60_000))).body;
    expect(shift.cash).toEqual({ taken: units(400), givenBack: units(500), net: units(-100) });
    expect(shift.methods).toContainEqual({ method: 'upi', payments: 1, taken: units(100), refunds: 0, givenBack: 0, net: units(100) });
    expect(shift.methods).toContainEqual({ method: 'secondary', payments: 1, taken: units(500), refunds: 0, givenBack: 0, net: units(500) });
    const earlier = (await drawer(new Date(takenAt.getTime() - 60_000), new Date(takenAt.getTime() + 60_000))).body;
    expect(earlier.cash).toEqual({ taken: units(250), givenBack: 0, net: units(250) });
    // Another operator's drawer is for HA and ACO only; a window that ends before it starts is bad input.
    expect((await drawer(new Date(now - 3_600_000), new Date(now), medcoA)).body.code).toBe('forbidden-role');
    expect((await drawer(new Date(now - 3_600_000), new Date(now), aco)).status).toBe(200);
    expect((await drawer(new Date(now), new Date(now - 3_600_000))).body.code).toBe('invalid-input');
  });

  it('receivables list open balances by age from discharge, per hospital for a desk', async () => {
    const asOf = new Date(Date.now() + 45 * 86_400_000).toISOString();
    const report = (await server.get(aco, `/reports/patient-receivables?asOf=${asOf}`)).body;
    expect(report.items).toMatchObject([{ hospitalCode: 'HSP-B', bucket: '31-60', account: { charged: units(6000), paid: units(250), owed: units(5750) } }]);
    expect(report.buckets).toContainEqual({ bucket: '31-60', cases: 1, owed: units(5750) });
    // The mother's claim to the fund was withdrawn when her booking was voided: no payer owes anything.
    expect(report).toMatchObject({ totalOwed: units(5750), secondaryOutstanding: 0 });
    expect((await server.get(medcoA, '/reports/patient-receivables')).body).toMatchObject({ items: [], totalOwed: 0, secondaryOutstanding: 0 });
    expect((await server.get(ppd, '/reports/patient-receivables')).body.code).toBe('forbidden-role');
  });

  it('concurrent payments on one case: PostgreSQL takes exactly what is owed, never more', async () => {
    const caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.daughter, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'X',
        description: 'Implant',
        quantity: 1,
        unitPrice: units(6000),
      }),
    );
    // Nothing of the cover is left: the daughter owes the whole 6,000; eight desks' worth of 2,000 at once.
    expect(await account(caseId)).toMatchObject({ owed: units(6000) });
    const answers = await Promise.all(Array.from({ length: 8 }, () => pay({ caseId, amount: units(2000), method: 'cash' })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'payment-exceeds-balance')).toBe(true);
    expect(await account(caseId)).toMatchObject({ paid: units(6000), owed: 0 });
    const receipts = answers.filter((a) => a.status === 200).map((a) => (a.body.result as { receiptNumber: string }).receiptNumber);
    expect(new Set(receipts).size).toBe(3);
  });

  it('payments and secondary claims are append-only at the database', async () => {
    const db = server.scratch.db;
    await expect(db.query('UPDATE patient_payments SET amount = 1')).rejects.toThrow(/patient_payments is append-only/);
    await expect(db.query('DELETE FROM secondary_claims')).rejects.toThrow(/secondary_claims is append-only/);
    await expect(db.query('TRUNCATE patient_payments CASCADE')).rejects.toThrow(/append-only: TRUNCATE is refused/);
    await expect(db.query('UPDATE patient_accounts SET refunded = paid + 1 WHERE case_id = $1', [motherCase])).rejects.toThrow(/refunds_within_payments/);
  });
});
