import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoIds } from '../../sync-server/src/demo/seed';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { signInDesk, screenTimeoutMs } from './support/desk-pages';

/**
 * S1 through the desk screens in real Chromium: two desks at two hospitals (browser mode, real
 * desk backends and a real server), hospital B offline while it admits and books the mother, and
 * a PPD reviewer deciding through the server's API. Every key screen is screenshotted and scanned
 * with axe-core.
 */
describe('S1 through the UI: two desks, hospital B offline, a PPD reviewer', () => {
  let env: Environment;
  let deskA: Page;
  let deskB: Page;
  const scans: { screen: string; violations: unknown[] }[] = [];

  const check = async (page: Page, screen: string) => {
    await screenshot(page, screen);
    scans.push({ screen, violations: await seriousViolations(page) });
  };
  const definition = (page: Page, region: string, term: string) => page.getByRole('region', { name: region }).locator(`dt:text-is("${term}") + dd`);

  const signIn = signInDesk;

  beforeAll(async () => {
    env = await startEnvironment();
    deskA = await env.newPage();
    deskB = await env.newPage();
    // Fail fast with the step that did not happen, rather than at the test's own timeout.
    deskA.setDefaultTimeout(screenTimeoutMs);
    deskB.setDefaultTimeout(screenTimeoutMs);
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const [name, page] of [
      ['desk-a', deskA],
      ['desk-b', deskB],
    ] as const) {
      await screenshot(page, `failure-${name}`).catch(() => undefined);
      console.log(
        `--- ${name} at failure:\n${await page
          .locator('body')
          .ariaSnapshot()
          .catch(() => '(no snapshot)')}`,
      );
    }
  });
  afterAll(async () => {
    await env?.close();
  });

  it('step 1 at desk A: find the father, prove identity by one-time code, admit with a ₹6,000 package', async () => {
    await deskA.goto(env.deskA.url);
    await check(deskA, '01-sign-in');
    await signIn(deskA, env.deskA.url, 'medco.a');
    await check(deskA, '02-find');
    await deskA.getByRole('textbox', { name: 'Scheme member ID' }).fill('PMJ-S1000001');
    await deskA.keyboard.press('Enter');
    await deskA.getByRole('link', { name: 'Ramesh Patil' }).click();
    await expect.poll(() => definition(deskA, 'Family cover', 'Available').textContent()).toBe('₹10,000.00');
    await check(deskA, '03-family');
    await deskA.getByRole('link', { name: 'Identify and admit Ramesh Patil' }).click();
    await deskA.getByRole('radio', { name: /OTP to the registered phone/ }).check();
    await deskA.getByRole('button', { name: 'Send code' }).click();
    await expect.poll(() => env.lastCode()).toMatch(/^\d{6}$/);
    await deskA.getByRole('textbox', { name: /code/i }).fill(env.lastCode());
    await deskA.keyboard.press('Enter');
    await check(deskA, '04-identity');
    await deskA.getByRole('link', { name: 'Continue to admission' }).click();
    await deskA.getByRole('textbox', { name: 'Search by code, name or specialty' }).fill('MG012A');
    await check(deskA, '05-admission');
    await deskA.keyboard.press('Enter');
    await deskA.getByRole('button', { name: 'Admit and request pre-auth' }).click();
    await deskA.getByRole('heading', { name: 'Case of Ramesh Patil' }).waitFor();
    await expect.poll(() => definition(deskA, 'Hold for this case', 'Held on the cover').textContent(), { timeout: 10_000 }).toBe('₹6,000.00');
    expect(await definition(deskA, 'Family cover', 'Committed').textContent()).toBe('₹6,000.00');
    expect(await definition(deskA, 'Family cover', 'Available').textContent()).toBe('₹4,000.00');
    await check(deskA, '06-case');
  });

  it('desk B looks the mother up online and sees ₹4,000 available, then loses the network', async () => {
    await signIn(deskB, env.deskB.url, 'medco.b');
    await deskB.getByRole('textbox', { name: 'Health card number' }).fill('HC-S1-0002');
    await deskB.keyboard.press('Enter');
    await deskB.getByRole('link', { name: 'Sunita Patil' }).click();
    await expect.poll(() => definition(deskB, 'Family cover', 'Available').textContent(), { timeout: 10_000 }).toBe('₹4,000.00');
    env.deskB.proxy!.setOffline(true);
    await deskB.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => deskB.getByRole('banner').textContent(), { timeout: 10_000 }).toMatch(/Offline/);
    await check(deskB, '07-family-offline');
  });

  it('step 2 offline at desk B: override identity, admit with ₹5,000, book ₹4,500 — all pending', async () => {
    await deskB.getByRole('link', { name: 'Identify and admit Sunita Patil' }).click();
    await deskB.getByRole('radio', { name: /Supervisor override/ }).check();
    await deskB
      .getByRole('textbox', { name: 'Why the patient cannot be identified otherwise' })
      .fill('Unconscious on arrival with high fever; husband admitted elsewhere');
    await deskB.getByRole('textbox', { name: 'Supervisor authorising the override' }).fill('Dr. Salunkhe (duty supervisor)');
    await deskB.getByRole('button', { name: 'Use supervisor override' }).click();
    await deskB.getByRole('dialog', { name: 'Identify by supervisor override?' }).getByRole('button', { name: 'Yes, override' }).click();
    await deskB.getByRole('link', { name: 'Continue to admission' }).click();
    await deskB.getByRole('textbox', { name: 'Search by code, name or specialty' }).fill('MG006A');
    await deskB.keyboard.press('Enter');
    await deskB.getByRole('button', { name: 'Admit and request pre-auth' }).click();
    await deskB.getByRole('heading', { name: 'Case of Sunita Patil' }).waitFor();
    for (const [item, description, quantity, price] of [
      ['WARD', 'Ward bed', '2', '1500'],
      ['LAB', 'Dengue panel', '1', '1500'],
    ] as const) {
      await deskB.getByRole('combobox', { name: 'Item code' }).fill(item);
      await deskB.getByRole('textbox', { name: 'Description' }).fill(description);
      await deskB.getByRole('textbox', { name: 'Quantity' }).fill(quantity);
      await deskB.getByRole('textbox', { name: /Unit price/ }).fill(price);
      await deskB.getByRole('button', { name: 'Add booking' }).click();
      await expect.poll(() => deskB.getByRole('region', { name: 'Bookings' }).textContent()).toContain(description);
    }
    const bookings = await deskB.getByRole('region', { name: 'Bookings' }).textContent();
    expect(bookings).toMatch(/Pending/i);
    expect(await deskB.getByRole('banner').textContent()).toMatch(/4 changes? waiting|4 waiting|4 pending/i);
    await check(deskB, '08-case-offline');
  });

  it("reconnecting, desk B shows the server's decision: hold ₹4,000, shortfall ₹1,000, bookings covered then short", async () => {
    env.deskB.proxy!.setOffline(false);
    await expect.poll(() => definition(deskB, 'Hold for this case', 'Held on the cover').textContent(), { timeout: 10_000 }).toBe('₹4,000.00');
    await expect.poll(() => definition(deskB, 'Pre-authorization', 'Shortfall (patient pays)').textContent(), { timeout: 10_000 }).toBe('₹1,000.00');
    const bookings = deskB.getByRole('region', { name: 'Bookings' });
    await expect.poll(async () => (await bookings.textContent()) ?? '', { timeout: 10_000 }).not.toMatch(/Pending/i);
    expect(await bookings.textContent()).toMatch(/Covered/);
    expect(await bookings.textContent()).toMatch(/Partly covered|Shortfall/i);
    await check(deskB, '09-case-reconciled');
  });

  it('desk A converges on the family balance and cannot admit the mother (active case at B)', async () => {
    await deskA.goto(`${env.deskA.url}/#/family/${demoIds.seedFamily}`);
    await expect.poll(() => definition(deskA, 'Family cover', 'Committed').textContent(), { timeout: 10_000 }).toBe('₹10,000.00');
    expect(await definition(deskA, 'Family cover', 'Available').textContent()).toBe('₹0.00');
    const mother = deskA.getByRole('table', { name: 'Members' }).getByRole('row', { name: /Sunita Patil/ });
    expect(await mother.textContent()).toContain('HSP-B');
    expect(await mother.getByRole('link', { name: /Identify and admit/ }).count()).toBe(0);
    await check(deskA, '10-family-converged');
  });

  it('step 4: PPD approves both pre-auths; both desks show "approved" live, with a notification', async () => {
    const ppd = await env.server.login('ppd');
    const queue = (await env.server.get(ppd, '/queues/preauths')).body as { items: { caseId: string }[] };
    expect(queue.items).toHaveLength(2);
    for (const item of queue.items) {
      const answer = await env.server.command(ppd, 'decide-preauth', { caseId: item.caseId, decision: 'approve' });
      expect(answer.status).toBe(200);
    }
    await deskA.goto(`${env.deskA.url}/#/cases`);
    await deskA
      .getByRole('link', { name: /Ramesh Patil/ })
      .first()
      .click();
    await expect.poll(() => deskA.getByRole('region', { name: 'Pre-authorization' }).textContent(), { timeout: 10_000 }).toMatch(/Approved/);
    expect(await definition(deskA, 'Hold for this case', 'Held on the cover').textContent()).toBe('₹6,000.00');
    await expect.poll(() => deskB.getByRole('region', { name: 'Pre-authorization' }).textContent(), { timeout: 10_000 }).toMatch(/Approved/);
    await expect.poll(() => deskB.getByRole('region', { name: 'Notifications' }).textContent(), { timeout: 10_000 }).toMatch(/approved/i);
    await check(deskB, '11-approved-notification');
  });

  it('steps 5–7 at desk A: bookings 2,500 + 3,000 + 500 covered; discharge; claim 6,000 accepted', async () => {
    for (const [item, description, price] of [
      ['SVC1', 'IV fluids and monitoring', '2500'],
      ['SVC2', 'Ward, 3 days', '3000'],
      ['SVC3', 'Medicines', '500'],
    ] as const) {
      await deskA.getByRole('combobox', { name: 'Item code' }).fill(item);
      await deskA.getByRole('textbox', { name: 'Description' }).fill(description);
      await deskA.getByRole('textbox', { name: 'Quantity' }).fill('1');
      await deskA.getByRole('textbox', { name: /Unit price/ }).fill(price);
      await deskA.getByRole('button', { name: 'Add booking' }).click();
      await expect
        .poll(
          () =>
            deskA
              .getByRole('table', { name: 'Bookings' })
              .getByRole('row', { name: new RegExp(description) })
              .textContent(),
          { timeout: 10_000 },
        )
        .toMatch(/Covered/);
    }
    expect(await definition(deskA, 'Hold for this case', 'Left in the hold').textContent()).toBe('₹0.00');
    await check(deskA, '12-bookings');
    await deskA.getByRole('button', { name: 'Discharge…' }).click();
    await check(deskA, '13-discharge-confirm');
    await deskA
      .getByRole('dialog')
      .getByRole('button', { name: /Yes|Discharge/ })
      .last()
      .click();
    await expect.poll(() => deskA.getByRole('region', { name: 'Case summary' }).textContent(), { timeout: 10_000 }).toMatch(/Discharged/);
    const amount = deskA.getByRole('textbox', { name: /Claim amount|Amount/ });
    expect(await amount.inputValue()).toMatch(/6,?000/);
    await deskA.getByRole('button', { name: 'Submit claim…' }).click();
    await deskA
      .getByRole('dialog')
      .getByRole('button', { name: /Yes|Submit/ })
      .last()
      .click();
    await expect.poll(() => deskA.getByRole('region', { name: 'Discharge and claim' }).textContent(), { timeout: 10_000 }).toMatch(/[Ss]ubmitted/);
    await check(deskA, '14-claim-submitted');
  });

  it('steps 8–9: CEX and CPD approve 5,500 of 6,000 (desk A is shown the cut line and why), ACO pays; desk B sees ₹500 come back to the cover', async () => {
    const [cex, cpd, aco] = [await env.server.login('cex'), await env.server.login('cpd'), await env.server.login('aco')];
    const claims = (await env.server.get(cex, '/queues/claims/submitted')).body as {
      items: { claimId: string; lines: { bookingId: string; payerAmount: number }[] }[];
    };
    expect(claims.items).toHaveLength(1);
    const claim = claims.items[0]!;
    const lines = claim.lines.map((line) =>
      line.payerAmount === 300_000
        ? { bookingId: line.bookingId, decision: 'partial' as const, approvedAmount: 250_000, reasonCode: 'tariff-exceeded' as const }
        : { bookingId: line.bookingId, decision: 'full' as const },
    );
    expect((await env.server.command(cex, 'process-claim', { claimId: claim.claimId, lines })).status).toBe(200);
    expect((await env.server.command(cpd, 'verify-claim', { claimId: claim.claimId, lines })).body).toMatchObject({
      result: { approvedAmount: 550_000, returnedToCover: 50_000 },
    });
    expect((await env.server.command(aco, 'approve-payment', { paymentId: crypto.randomUUID(), claimIds: [claim.claimId] })).body).toMatchObject({
      result: { governmentAmount: 330_000, insurerAmount: 220_000 },
    });
    // Desk A, still on the father's case, is told what the payer cut and why, line by line.
    const closing = deskA.getByRole('region', { name: 'Discharge and claim' });
    await expect.poll(() => closing.textContent(), { timeout: 10_000 }).toMatch(/₹5,500\.00 approved by the payer/);
    const reduced = closing.getByRole('table', { name: 'Reduced by the payer' });
    await expect.poll(() => reduced.textContent(), { timeout: 10_000 }).toMatch(/₹3,000\.00.*₹2,500\.00.*Above the package tariff/);
    await check(deskA, '15-claim-reduced');
    await deskB.goto(`${env.deskB.url}/#/family/${demoIds.seedFamily}`);
    await expect.poll(() => definition(deskB, 'Family cover', 'Available').textContent(), { timeout: 10_000 }).toBe('₹500.00');
    await check(deskB, '16-family-after-payment');
  });

  it('no serious or critical accessibility violations on any screen', () => {
    expect(scans.filter((s) => s.violations.length > 0)).toEqual([]);
    expect(scans.length).toBeGreaterThanOrEqual(9);
  });
});
