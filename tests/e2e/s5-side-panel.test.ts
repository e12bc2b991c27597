import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf } from '../../sync-server/src/testing/harness';
import { pharmacyClient, registerPharmacy } from '../../sync-server/src/testing/pharmacy';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { screenTimeoutMs, signInDesk } from './support/desk-pages';

const units = (n: number) => n * 100;

/** How far an element's content reaches past its box, sideways (0: nothing overflows). */
async function horizontalOverflow(element: Locator): Promise<{ scrollWidth: number; clientWidth: number }> {
  return element.evaluate((node) => ({ scrollWidth: node.scrollWidth, clientWidth: node.clientWidth }));
}

/**
 * Issue 14 on desk A's case screen in Chromium at 1366×768 (the desk's smallest supported window),
 * with S5's figures after step 4: S5 steps 1–3 on the server (the father's pharmacy claim, his
 * package of 40,000 and its two bookings), then the mother's package of 60,000, held 54,000 with
 * her estimated 6,000 beside it.
 * - The side panel "What the patient pays" (the accumulator table) fits its column: no horizontal
 *   overflow, the table still a table with its column and row headers, axe clean.
 * - The booking form does not call her 60,000 beyond the hold, and calls 70,000 10,000 beyond.
 */
describe('S5 on the desk’s side panel at 1366×768', () => {
  let env: Environment;
  let page: Page;
  const motherCase = randomUUID();

  beforeAll(async () => {
    env = await startEnvironment();
    page = await env.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
    const pharmacy = pharmacyClient(env.server, (await registerPharmacy(env.server)).credential);
    const claim = await pharmacy.claim({ claimId: randomUUID(), memberId: 'PMJ-S5000001', drugCode: 'RX-ATORVA-10', quantity: 1, unitPrice: units(2_000) });
    expect(claim.body).toMatchObject({ memberPays: units(2_000), planPays: 0 });
    const medco = await env.server.login('medco.a');
    const fatherCase = randomUUID();
    resultOf(await env.server.command(medco, 'admit', { caseId: fatherCase, memberId: demoIds.s5Father, identityMethod: 'fingerprint' }));
    resultOf(await env.server.command(medco, 'request-preauth', { caseId: fatherCase, packageCode: 'MC024A' }));
    for (const amount of [25_000, 15_000])
      resultOf(
        await env.server.command(medco, 'add-booking', {
          bookingId: randomUUID(),
          caseId: fatherCase,
          itemCode: 'SVC',
          description: 'Service',
          quantity: 1,
          unitPrice: units(amount),
        }),
      );
    resultOf(await env.server.command(medco, 'admit', { caseId: motherCase, memberId: demoIds.s5Mother, identityMethod: 'fingerprint' }));
    expect(resultOf(await env.server.command(medco, 'request-preauth', { caseId: motherCase, packageCode: 'SN005A' }))).toMatchObject({
      patientEstimate: { total: units(6_000) },
    });
    await env.deskA.backend.engine.requestSync();
    // Generous: a fresh server, two desks, Chromium and scrypt sign-ins took minutes at load average 20.
  }, 360_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(page, 's5-side-panel-failure').catch(() => undefined);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('the accumulator table fits the side panel, stays a table and is axe clean; the booking form measures against hold plus estimate', async () => {
    await signInDesk(page, env.deskA.url, 'medco.a');
    await page.goto(`${env.deskA.url}/#/case/${motherCase}`);
    await page.getByRole('heading', { name: 'Case of Meena Kulkarni' }).waitFor();
    expect(page.viewportSize()).toEqual({ width: 1366, height: 768 });

    const panel = page.getByRole('region', { name: 'What the patient pays' });
    const table = panel.getByRole('table', { name: 'Accumulators this policy year' });
    const row = (label: string) => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: label, exact: true }) });
    const columns = ['Allowed', 'Used', 'Remaining'];
    const cell = (label: string, column: string) => row(label).getByRole('cell').nth(columns.indexOf(column));
    // S5 after step 4's pre-auth: deductible met 5,000; the mother has paid nothing yet; the family 8,700 of 20,000.
    await expect.poll(() => cell('Family: deductible', 'Used').textContent(), { timeout: 30_000 }).toContain('₹5,000.00');
    expect(await cell('Family: deductible', 'Allowed').textContent()).toContain('₹5,000.00');
    expect(await cell('Family: out of pocket', 'Used').textContent()).toContain('₹8,700.00');
    expect(await cell('Family: out of pocket', 'Remaining').textContent()).toContain('₹11,300.00');
    expect(await cell('Member: out of pocket', 'Allowed').textContent()).toContain('₹12,000.00');
    expect(await panel.getByTestId('patient-estimate').textContent()).toBe('₹6,000.00');

    // Still a table to assistive technology: four column headers, a row header per accumulator.
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Accumulator', 'Allowed', 'Used', 'Remaining']);
    expect(await table.getByRole('rowheader').count()).toBeGreaterThanOrEqual(4);

    // No horizontal overflow: not the panel, not the side column, not the page.
    for (const element of [panel, page.locator('.case-side'), page.locator('html')]) {
      const { scrollWidth, clientWidth } = await horizontalOverflow(element);
      expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    }
    // Readable, not only contained: the widest of S5's rows keeps its three figures side by side.
    const tops = await Promise.all(columns.map(async (column) => (await cell('Family: out of pocket', column).boundingBox())?.y));
    expect(new Set(tops).size).toBe(1);
    await screenshot(page, 's5-side-panel-1366');
    expect(await seriousViolations(page)).toEqual([]);

    // The booking form: 60,000 on a hold of 54,000 with her 6,000 is within; 70,000 is 10,000 beyond.
    const form = page.getByRole('form', { name: 'Add a booking' });
    const runningTotal = form.locator('p.running-total');
    await form.getByRole('combobox', { name: 'Item code' }).fill('SURG');
    await form.getByRole('textbox', { name: 'Description' }).fill('Burr hole evacuation');
    await form.getByRole('textbox', { name: /Unit price/ }).fill('70000');
    await expect.poll(() => runningTotal.textContent()).toContain('₹10,000.00 beyond the hold and the patient’s estimated part');
    await form.getByRole('textbox', { name: /Unit price/ }).fill('60000');
    await expect.poll(() => runningTotal.textContent()).toContain('₹0.00 left of what the hold and the patient’s estimated part cover');
    expect(await runningTotal.textContent()).not.toContain('beyond');
    await form.getByRole('button', { name: 'Add booking' }).click();
    const booking = page.getByRole('table', { name: 'Bookings' }).getByRole('row', { name: /Burr hole evacuation/ });
    await expect.poll(() => booking.textContent(), { timeout: 30_000 }).toMatch(/Covered/);
    expect(await booking.textContent()).toContain('₹54,000.00');
  }, 300_000);
});
