import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { DeskResult } from '../../electron/desk-api/contract';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { signInDesk } from './support/desk-pages';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
const units = (n: number) => n * 100;

/**
 * The patient's bill at discharge (issue 14) on the desk screens in real Chromium, against a real
 * desk backend and server: desk B (behind a proxy that can cut it off) discharges S1's mother, who
 * owes 1,000 of a ward booking her family cover could not hold; she pays 600 in cash while the
 * desk is offline (queued, and it says so), then the rest by UPI; the balance is 0 and the bill
 * lists two receipts numbered by the server.
 */
describe("the patient's bill and payments at the desk (issue 14)", () => {
  let env: Environment;
  let page: Page;
  let caseId = '';

  beforeAll(async () => {
    env = await startEnvironment();
    page = await env.newPage();
    page.setDefaultTimeout(8000);
    const server = env.server;
    const medcoA = await server.login('medco.a');
    const medcoB = await server.login('medco.b');
    // S1 step 2: the father's package at hospital A leaves the family cover short for the mother's at B.
    const fatherCase = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(await server.login('ppd'), 'decide-preauth', { caseId, decision: 'approve' }));
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'WARD',
        description: 'Ward',
        quantity: 5,
        unitPrice: units(1000),
      }),
    );
    const backend = env.deskB.backend;
    value(await backend.handlers['session.signIn']({ username: 'medco.b', password: 'coverdesk-demo' }));
    value(await backend.handlers['members.identify']({ by: 'health-card', value: 'HC-S1-0002' }));
    await backend.engine.requestSync();
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(page, 'patient-bill-failure').catch(() => undefined);
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

  it('discharges with a shortfall, takes 600 in cash offline and the rest by UPI: balance 0, two receipts', async () => {
    await signInDesk(page, env.deskB.url, 'medco.b');
    await page.goto(`${env.deskB.url}/#/case/${caseId}`);
    await page.getByRole('heading', { name: /Case of Sunita Patil/ }).waitFor();
    // Discharge from the keyboard (Alt+D opens the confirmation).
    await page.keyboard.press('Alt+d');
    await page.getByRole('dialog').getByRole('button', { name: 'Discharge' }).click();

    const panel = page.getByRole('region', { name: 'Patient bill' });
    await expect.poll(() => panel.getByLabel('Patient account').textContent(), { timeout: 15_000 }).toMatch(/Balance due₹1,000\.00/);
    const ward = panel.getByRole('table', { name: 'Bill lines' }).getByRole('row', { name: /WARD/ });
    expect(await ward.textContent()).toBe('WARD Ward × 5₹5,000.00₹4,000.00₹1,000.00');

    // Problems stand next to their fields, and nothing is taken.
    const form = panel.getByRole('form', { name: 'Take a payment' });
    await form.getByRole('radio', { name: 'Card' }).check();
    await form.getByRole('button', { name: 'Take payment' }).click();
    await form.getByText('Enter an amount.', { exact: true }).waitFor();
    await form.getByText("A card payment needs the terminal's approval code as its reference.", { exact: true }).waitFor();
    expect(await form.getByRole('textbox', { name: 'Card approval code' }).getAttribute('aria-invalid')).toBe('true');
    await form.getByRole('textbox', { name: /Amount/ }).fill('1000.01');
    await form.getByRole('button', { name: 'Take payment' }).click();
    await form.getByText('The patient owes ₹1,000.00: take at most that.', { exact: true }).waitFor();
    expect(await panel.getByRole('table', { name: 'Receipts' }).count()).toBe(0);
    const violations = await seriousViolations(page);
    expect(violations).toEqual([]);

    // Cash while the server cannot be reached: queued, and the desk says so.
    env.deskB.proxy!.setOffline(true);
    await form.getByRole('radio', { name: 'Cash' }).check();
    await form.getByRole('textbox', { name: /Amount/ }).fill('600');
    await form.getByRole('textbox', { name: /Amount/ }).press('Enter');
    await panel.getByText('₹600.00 taken: queued, will be sent when online.').waitFor({ timeout: 10_000 });
    await screenshot(page, 'patient-bill-cash-queued');

    env.deskB.proxy!.setOffline(false);
    const receipt = panel.getByRole('status').filter({ hasText: /^Receipt / });
    await expect.poll(() => receipt.textContent(), { timeout: 20_000 }).toMatch(/^Receipt HSP-B-R\d{6}: ₹600\.00 in cash\. The patient owes ₹400\.00\.$/);
    await expect.poll(() => panel.getByLabel('Patient account').textContent(), { timeout: 10_000 }).toMatch(/Balance due₹400\.00/);

    // The rest by UPI, with its transaction reference.
    await form.getByRole('button', { name: 'Whole balance' }).click();
    expect(await form.getByRole('textbox', { name: /Amount/ }).inputValue()).toBe('400.00');
    await form.getByRole('radio', { name: 'UPI' }).check();
    await form.getByRole('textbox', { name: 'UPI reference or QR payload' }).fill('UPI-771-0042');
    await form.getByRole('button', { name: 'Take payment' }).click();
    await expect.poll(() => receipt.textContent(), { timeout: 20_000 }).toMatch(/^Receipt HSP-B-R\d{6}: ₹400\.00 by UPI\. The patient owes ₹0\.00\.$/);
    await expect.poll(() => panel.getByLabel('Patient account').textContent(), { timeout: 10_000 }).toMatch(/Balance due₹0\.00/);
    await panel.getByText('Nothing is owed on this case.').waitFor();

    const receipts = panel.getByRole('table', { name: 'Receipts' }).locator('tbody tr');
    await expect.poll(() => receipts.count(), { timeout: 10_000 }).toBe(2);
    const numbers = await receipts.locator('th').allTextContents();
    expect(numbers).toHaveLength(2);
    for (const number of numbers) expect(number).toMatch(/^HSP-B-R\d{6}$/);
    expect(new Set(numbers).size).toBe(2);
    const onServer = await env.server.scratch.db.query<{ receipt_number: string; method: string; amount: number }>(
      'SELECT receipt_number, method, amount::int AS amount FROM patient_payments WHERE case_id = $1 ORDER BY receipt_number',
      [caseId],
    );
    expect(onServer.map((row) => [row.receipt_number, row.method, row.amount])).toEqual([
      [numbers[0], 'cash', units(600)],
      [numbers[1], 'upi', units(400)],
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'patient-bill-settled');
  }, 120_000);
});
