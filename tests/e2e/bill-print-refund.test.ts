import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { screenTimeoutMs, signInDesk } from './support/desk-pages';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
const units = (n: number) => n * 100;

/** Click "Print bill (PDF)", take the file Chromium downloads, and read it back as text with pdf.js (unpdf). */
async function printedBill(page: Page, panel: Locator): Promise<{ fileName: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), panel.getByRole('button', { name: 'Print bill (PDF)' }).click()]);
  const path = await download.path();
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return { fileName: download.suggestedFilename(), text: text.replace(/\s+/g, ' ') };
}

/**
 * Print and refund at the desk (issue 14) on the screens in real Chromium, against a real desk
 * backend and server. S5's mother (State top-up plan, nothing accumulated yet) at hospital B:
 * package MC024A approved, two bookings — 20,000 (5,000 deductible + 1,500 co-insurance: the
 * patient 6,500, the plan 13,500) and 10,000 (1,000 co-insurance: 1,000 / 9,000) — paid 7,500
 * and discharged. The operator prints the itemised bill (the PDF Chromium downloads, parsed).
 * CPD then denies the first line and cuts the second: the first line's 6,500 is no longer the
 * patient's, a credit. The operator gives 4,000 back in cash while the desk is cut off (queued,
 * pending on the bill), then the rest by UPI; the receipts and the bill's new figures are on
 * screen, and the bill printed again shows the refunds.
 */
describe('print the patient bill and give money back after a claim adjustment (issue 14)', () => {
  let env: Environment;
  let page: Page;
  let caseId = '';
  let claimId = '';
  const lines: { denied: string; cut: string } = { denied: '', cut: '' };

  beforeAll(async () => {
    env = await startEnvironment();
    page = await env.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
    const server = env.server;
    const medcoB = await server.login('medco.b');
    caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.s5Mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MC024A' }));
    resultOf(await server.command(await server.login('ppd'), 'decide-preauth', { caseId, decision: 'approve' }));
    for (const [key, itemCode, description, amount] of [
      ['denied', 'ICU', 'ICU stay', 20_000],
      ['cut', 'ECHO', 'Echocardiography', 10_000],
    ] as const) {
      const bookingId = randomUUID();
      resultOf(await server.command(medcoB, 'add-booking', { bookingId, caseId, itemCode, description, quantity: 1, unitPrice: units(amount) }));
      lines[key] = bookingId;
    }
    resultOf(await server.command(medcoB, 'take-payment', { paymentId: randomUUID(), caseId, amount: units(7500), method: 'cash' }));
    resultOf(await server.command(medcoB, 'discharge', { caseId }));
    claimId = randomUUID();
    resultOf(await server.command(medcoB, 'submit-claim', { claimId, caseId, amount: units(30_000) }));
    const backend = env.deskB.backend;
    value(await backend.handlers['session.signIn']({ username: 'medco.b', password: 'coverdesk-demo' }));
    value(await backend.handlers['members.identify']({ by: 'scheme-id', value: 'PMJ-S5000002' }));
    await backend.engine.requestSync();
    // Generous: a fresh server, two desks, Chromium and scrypt sign-ins took over 180 s at load average 20.
  }, 360_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(page, 'bill-print-refund-failure').catch(() => undefined);
    console.log(
      `--- desk B at failure:\n${await page
        .locator('body')
        .ariaSnapshot()
        .catch(() => '(no snapshot)')}`,
    );
  });
  afterAll(async () => {
    await env?.close();
  });

  it('prints the itemised bill; after CPD denies a line, gives the credit back (offline, then by UPI) with receipts and the new balance', async () => {
    await signInDesk(page, env.deskB.url, 'medco.b');
    await page.goto(`${env.deskB.url}/#/case/${caseId}`);
    await page.getByRole('heading', { name: /Case of Meena Kulkarni/ }).waitFor();
    const panel = page.getByRole('region', { name: 'Patient bill' });
    const account = panel.getByLabel('Patient account');
    await expect.poll(() => account.textContent(), { timeout: 20_000 }).toMatch(/Balance due₹0\.00/);
    const table = panel.getByRole('table', { name: 'Bill lines' });
    const row = (itemCode: string) => table.getByRole('row', { name: new RegExp(`^${itemCode} `) });
    expect(await row('ICU').textContent()).toBe('ICU ICU stay₹20,000.00₹13,500.00₹6,500.00');
    expect(await row('ECHO').textContent()).toBe('ECHO Echocardiography₹10,000.00₹9,000.00₹1,000.00');
    expect(await table.locator('tfoot tr').textContent()).toBe('Total₹30,000.00₹22,500.00₹7,500.00');
    expect(await panel.getByRole('form', { name: 'Give money back' }).count()).toBe(0);
    // What the patient pays agrees with the bill: a discharged case has no rest of the package to come.
    const estimate = page.getByRole('region', { name: 'What the patient pays' }).getByTestId('patient-estimate');
    await expect.poll(() => estimate.textContent(), { timeout: 20_000 }).toBe('₹7,500.00');

    // The itemised bill as the patient takes it home: every line with the scheme's and the patient's part.
    const first = await printedBill(page, panel);
    expect(first.fileName).toBe(`patient-bill-${caseId}.pdf`);
    for (const expected of [
      'District Hospital Satara',
      'Meena Kulkarni',
      'PMJ-S5000002',
      'package MC024A',
      'ICU stay (ICU) 1 x INR 20,000.00 INR 20,000.00 INR 13,500.00 INR 6,500.00',
      'Echocardiography (ECHO) 1 x INR 10,000.00 INR 10,000.00 INR 9,000.00 INR 1,000.00',
      'Total INR 30,000.00 INR 22,500.00 INR 7,500.00',
      'Deductible INR 5,000.00',
      'Co-insurance INR 2,500.00',
      'Charged INR 7,500.00',
      'Paid by the patient INR 7,500.00',
      'Balance due INR 0.00',
      'Payment by Cash',
    ])
      expect(first.text, expected).toContain(expected);
    expect(first.text).not.toContain('Credit to refund');

    // The claim adjustment: CEX recommends, CPD decides — the first line denied, the second cut to 6,000.
    const decided = [
      { bookingId: lines.denied, decision: 'deny' as const, reasonCode: 'not-medically-necessary' as const },
      { bookingId: lines.cut, decision: 'partial' as const, approvedAmount: units(6000), reasonCode: 'tariff-exceeded' as const },
    ];
    resultOf(await env.server.command(await env.server.login('cex'), 'process-claim', { claimId, lines: decided }));
    resultOf(await env.server.command(await env.server.login('cpd'), 'verify-claim', { claimId, lines: decided }));
    await expect.poll(() => account.textContent(), { timeout: 30_000 }).toMatch(/Credit to give back₹6,500\.00/);
    // After the decision the plan pays what it approved: nothing on the denied line, 6,000 on the cut
    // one; what neither pays is the hospital's, said on the line.
    await expect
      .poll(() => row('ICU').textContent(), { timeout: 20_000 })
      .toBe('ICU ICU stay (denied by the scheme: ₹20,000.00 not billable to the patient)₹20,000.00₹0.00₹0.00');
    expect(await row('ECHO').textContent()).toBe(
      'ECHO Echocardiography (cut by the scheme: ₹3,000.00 not billable to the patient)₹10,000.00₹6,000.00₹1,000.00',
    );
    expect(await table.locator('tfoot tr').textContent()).toBe('Total₹30,000.00₹6,000.00₹1,000.00');
    const refund = panel.getByRole('form', { name: 'Give money back' });
    expect(await refund.getByText('The patient has a credit of ₹6,500.00 on this case.', { exact: true }).count()).toBe(1);
    expect(await refund.getByRole('textbox', { name: /Amount given back/ }).inputValue()).toBe('6500.00');
    await expect.poll(() => estimate.textContent(), { timeout: 20_000 }).toBe('₹1,000.00');

    // Bad input stands next to its field, and nothing is queued.
    await refund.getByRole('textbox', { name: /Amount given back/ }).fill('4000');
    await refund.getByRole('button', { name: 'Give money back' }).click();
    await refund.getByText('Say why the patient gets money back (5 to 500 characters).', { exact: true }).waitFor();
    expect(await refund.getByRole('textbox', { name: 'Reason' }).getAttribute('aria-invalid')).toBe('true');
    const queuedRefunds = () =>
      (env.deskB.backend.db.prepare("SELECT count(*) AS count FROM outbox WHERE name = 'refund-payment'").get() as { count: number }).count;
    expect(queuedRefunds()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    // 4,000 in cash while the desk is cut off: queued, and the bill counts it as pending.
    env.deskB.proxy!.setOffline(true);
    await refund.getByRole('textbox', { name: 'Reason' }).fill('ICU line denied by the scheme');
    await refund.getByRole('button', { name: 'Give money back' }).click();
    const receipt = panel.getByRole('status').filter({ hasText: /^(Receipt |₹[\d,.]+ given back: )/ });
    await expect.poll(() => receipt.textContent(), { timeout: 20_000 }).toBe('₹4,000.00 given back: queued, will be sent when online.');
    expect(queuedRefunds()).toBe(1);
    await panel.getByText(/^Offline: the bill as the server last stated it, at /).waitFor({ timeout: 20_000 });
    await expect
      .poll(() => account.textContent())
      .toMatch(/Credit to give back₹6,500\.00Given back here, queued \(pending\)₹4,000\.00Credit once sent \(pending\)₹2,500\.00$/);
    const pendingList = panel.getByRole('list', { name: 'Payments and refunds made at this desk, not on the bill yet' });
    expect(await pendingList.textContent()).toBe('₹4,000.00 given back in cash (refund: ICU line denied by the scheme): queued, will be sent when online.');
    // The form offers only what is not promised already.
    await expect
      .poll(() => refund.locator('p').first().textContent())
      .toBe('The patient has a credit of ₹2,500.00 on this case, after ₹4,000.00 given back here and queued (pending until the server takes it).');
    expect(await refund.getByRole('textbox', { name: /Amount given back/ }).inputValue()).toBe('2500.00');
    await screenshot(page, 'bill-refund-queued');
    expect(await seriousViolations(page)).toEqual([]);

    // Back online by itself: the receipt number comes back and the bill has the refund.
    env.deskB.proxy!.setOffline(false);
    await expect
      .poll(() => receipt.textContent(), { timeout: 30_000 })
      .toMatch(/^Receipt HSP-B-R\d{6}: ₹4,000\.00 given back in cash\. The patient's credit is now ₹2,500\.00; the patient owes ₹0\.00\.$/);
    await expect.poll(() => account.textContent(), { timeout: 20_000 }).toMatch(/Paid₹3,500\.00Balance due₹0\.00Credit to give back₹2,500\.00$/);
    expect(await pendingList.count()).toBe(0);
    expect(await panel.getByText(/^Offline: the bill/).count()).toBe(0);

    // The rest by UPI, with its refund reference.
    await refund.getByRole('radio', { name: 'UPI' }).check();
    await refund.getByRole('textbox', { name: 'Refund reference' }).fill('UPI-RF-2201');
    await refund.getByRole('textbox', { name: 'Reason' }).fill('ICU line denied by the scheme');
    await refund.getByRole('button', { name: 'Give money back' }).click();
    await expect
      .poll(() => receipt.textContent(), { timeout: 30_000 })
      .toMatch(/^Receipt HSP-B-R\d{6}: ₹2,500\.00 given back by UPI\. The patient's credit is now ₹0\.00; the patient owes ₹0\.00\.$/);
    await expect.poll(() => account.textContent(), { timeout: 20_000 }).toMatch(/Charged to the patient₹1,000\.00Paid₹1,000\.00Balance due₹0\.00$/);
    expect(await refund.count()).toBe(0);
    const receipts = panel.getByRole('table', { name: 'Receipts' }).locator('tbody tr');
    await expect.poll(() => receipts.count(), { timeout: 10_000 }).toBe(3);
    const shown = await receipts.evaluateAll((rows) =>
      rows.map((tr) => Array.from(tr.children, (cell, index) => (index === 2 ? '' : (cell.textContent ?? '')))),
    );
    expect(shown.map(([number, method, , amount]) => [/^HSP-B-R\d{6}$/.test(number ?? ''), method, amount])).toEqual([
      [true, 'Cash', '₹7,500.00'],
      [true, 'Refund, Cash', '₹4,000.00'],
      [true, 'Refund, UPI', '₹2,500.00'],
    ]);
    await screenshot(page, 'bill-refunded');
    expect(await seriousViolations(page)).toEqual([]);

    // Printed again: the patient's part per line after the adjustment, the refunds and what is left.
    const second = await printedBill(page, panel);
    for (const expected of [
      'ICU stay (ICU) - denied by the scheme: INR 20,000.00 not billable to the patient 1 x INR 20,000.00 INR 20,000.00 INR 0.00 INR 0.00',
      'Echocardiography (ECHO) - cut by the scheme to INR 6,000.00: INR 3,000.00 not billable to the patient 1 x INR 10,000.00 INR 10,000.00 INR 6,000.00 INR 1,000.00',
      'Total INR 30,000.00 INR 6,000.00 INR 1,000.00',
      "Denied or cut by the scheme, not billable to the patient (the hospital's) INR 23,000.00",
      'Charged INR 1,000.00',
      'Paid by the patient INR 7,500.00',
      'Refunded INR 6,500.00',
      'Balance due INR 0.00',
      'Refund by Cash -INR 4,000.00',
      'Refund by UPI -INR 2,500.00',
    ])
      expect(second.text, expected).toContain(expected);
    expect(second.text).not.toContain('Credit to refund');

    // The server holds the same: one payment and two refunds, each once, with the reason.
    const onServer = await env.server.scratch.db.query<{ direction: string; method: string; amount: number; reason: string | null }>(
      'SELECT direction, method, amount::int AS amount, reason FROM patient_payments WHERE case_id = $1 ORDER BY receipt_number',
      [caseId],
    );
    expect(onServer).toEqual([
      { direction: 'payment', method: 'cash', amount: units(7500), reason: null },
      { direction: 'refund', method: 'cash', amount: units(4000), reason: 'ICU line denied by the scheme' },
      { direction: 'refund', method: 'upi', amount: units(2500), reason: 'ICU line denied by the scheme' },
    ]);
  }, 300_000);
});
