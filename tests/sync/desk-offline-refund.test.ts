import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
const units = (n: number) => n * 100;
const backend = availableBackends[0]!;

/**
 * Money given back while the desk is offline (issue 14): a refund waits in the desk's outbox (its
 * SQLite file) like a payment, and until the server has taken it the bill lists it with the
 * desk's pending payments — read offline, and read online before the push has gone (the server's
 * credit does not have it yet, so the desk must say what it has promised out of it). Once pushed,
 * it is on the server's bill with its receipt and no longer pending; a refund past the credit is
 * listed as refused with the server's sentence. Before this fix a queued refund was not listed at
 * all, and the desk showed the whole credit as still there to give back.
 */
describe(`a refund queued offline is pending on the bill until the server takes it (${backend})`, () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let desk: DeskBackend;
  let caseId: string;
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-offline-refund-'));
  const sync = async () => {
    await desk.engine.requestSync();
    await desk.engine.requestSync();
  };
  const refundsOnServer = async () =>
    server.scratch.db.query<{ id: string; amount: number; reason: string }>(
      "SELECT id, amount::int AS amount, reason FROM patient_payments WHERE case_id = $1 AND direction = 'refund' ORDER BY receipt_number",
      [caseId],
    );
  const queuedRefunds = () => (desk.db.prepare("SELECT count(*) AS count FROM outbox WHERE name = 'refund-payment'").get() as { count: number }).count;

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    // S1: the father's package at hospital B leaves the mother's ward booking at A 1,000 short;
    // she pays it, then the booking is voided: a credit of 1,000 to give back.
    const medcoA = await server.login('medco.a');
    const medcoB = await server.login('medco.b');
    const fatherCase = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    caseId = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(await server.login('ppd'), 'decide-preauth', { caseId, decision: 'approve' }));
    const bookingId = randomUUID();
    resultOf(await server.command(medcoA, 'add-booking', { bookingId, caseId, itemCode: 'WARD', description: 'Ward', quantity: 5, unitPrice: units(1000) }));
    resultOf(await server.command(medcoA, 'take-payment', { paymentId: randomUUID(), caseId, amount: units(1000), method: 'cash' }));
    resultOf(await server.command(medcoA, 'void-booking', { bookingId, reason: 'Entered on the wrong case' }));

    // The desk is never started: nothing pushes unless the test syncs, so "queued" stays queued.
    desk = new DeskBackend({ dataDir: dir, devices: {}, sync: { backoffBaseMs: 50, backoffMaxMs: 200 } });
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await sync();
  }, 120_000);

  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a refund queued offline with the pending payments, offline and online before the push, then shows its receipt', async () => {
    const before = value(await desk.handlers['settlement.bill']({ caseId }));
    expect(before.bill?.account).toMatchObject({ charged: 0, paid: units(1000), refunded: 0, owed: 0, credit: units(1000) });
    expect(before.deskPayments).toEqual([]);

    proxy.setOffline(true);
    // Bad input is refused at once, names its field, and queues nothing.
    const noReason = await desk.handlers['settlement.refund']({ caseId, amount: units(400), method: 'cash', reason: 'no' });
    expect(noReason).toEqual({
      ok: false,
      error: { code: 'invalid-input', message: 'Say why the patient gets money back (5 to 500 characters).', details: { field: 'reason' } },
    });
    expect(queuedRefunds()).toBe(0);
    const { refundId } = value(await desk.handlers['settlement.refund']({ caseId, amount: units(400), method: 'cash', reason: 'Ward booking voided' }));
    expect(queuedRefunds()).toBe(1);

    const offline = value(await desk.handlers['settlement.bill']({ caseId }));
    expect(offline.bill).toBeNull();
    expect(offline.unavailable?.code).toBe('offline-unavailable');
    expect(offline.deskPayments).toEqual([
      {
        paymentId: refundId,
        direction: 'refund',
        caseId,
        method: 'cash',
        amount: units(400),
        reference: null,
        secondaryPayer: null,
        takenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        reason: 'Ward booking voided',
        state: 'queued',
        rejection: null,
      },
    ]);

    // Reachable again, but nothing pushed yet: the server's credit is still 1,000, and the bill
    // says 400 of it is promised here (the screen shows 600 left, pending).
    proxy.setOffline(false);
    const beforePush = value(await desk.handlers['settlement.bill']({ caseId }));
    expect(beforePush.unavailable).toBeNull();
    expect(beforePush.bill?.account.credit).toBe(units(1000));
    expect(beforePush.deskPayments).toMatchObject([{ paymentId: refundId, direction: 'refund', amount: units(400), state: 'queued' }]);
    expect(await refundsOnServer()).toEqual([]);

    await sync();
    expect(desk.engine.current().pendingMutations).toBe(0);
    const receipt = value(await desk.handlers['settlement.receipt']({ paymentId: refundId }));
    if (receipt.state !== 'answered') throw new Error(`expected an answered refund, got ${receipt.state}`);
    expect(receipt.receiptNumber).toMatch(/^HSP-A-R\d{6}$/);
    expect(receipt.account).toMatchObject({ refunded: units(400), credit: units(600), owed: 0 });
    expect(await refundsOnServer()).toEqual([{ id: refundId, amount: units(400), reason: 'Ward booking voided' }]);
    const after = value(await desk.handlers['settlement.bill']({ caseId }));
    expect(after.bill?.account).toMatchObject({ refunded: units(400), credit: units(600) });
    expect(after.bill?.payments.map((payment) => [payment.paymentId, payment.direction, payment.amount])).toEqual([
      [expect.any(String), 'payment', units(1000)],
      [refundId, 'refund', units(400)],
    ]);
    expect(after.deskPayments).toEqual([]);
  }, 60_000);

  it('a refund queued offline for more than the credit is listed refused with the server sentence', async () => {
    proxy.setOffline(true);
    const { refundId } = value(
      await desk.handlers['settlement.refund']({ caseId, amount: units(700), method: 'upi', reference: 'UPI-RF-31', reason: 'Ward booking voided' }),
    );
    proxy.setOffline(false);
    await sync();
    const bill = value(await desk.handlers['settlement.bill']({ caseId }));
    expect(bill.bill?.account.credit).toBe(units(600));
    expect(bill.deskPayments).toMatchObject([
      { paymentId: refundId, direction: 'refund', method: 'upi', reference: 'UPI-RF-31', state: 'refused', rejection: { code: 'refund-exceeds-credit' } },
    ]);
    expect(bill.deskPayments[0]?.rejection?.message).toBe("The patient's credit is ₹600.00: ₹700.00 is more than that, and nothing was given back.");
    expect((await refundsOnServer()).length).toBe(1);
  }, 60_000);
});
