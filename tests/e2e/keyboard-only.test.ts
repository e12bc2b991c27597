import { screenTimeoutMs } from './support/desk-pages';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';

/**
 * One full admission without a mouse: only key presses and typing reach the page (the test reads
 * the page to decide how far to Tab, as a sighted keyboard user reads the screen).
 */
describe('keyboard-only admission at desk A', () => {
  let env: Environment;
  let page: Page;
  beforeAll(async () => {
    env = await startEnvironment();
    page = await env.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || !page) return;
    await screenshot(page, 'failure-keyboard-only').catch(() => undefined);
    console.log(
      `--- at failure:\n${await page
        .locator('body')
        .ariaSnapshot()
        .catch(() => '(no snapshot)')}`,
    );
  });
  afterAll(async () => env?.close());

  const focusedText = () =>
    page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return '';
      return `${element?.getAttribute('aria-label') ?? ''} ${element?.textContent ?? ''} ${(element as HTMLInputElement | null)?.labels?.[0]?.textContent ?? ''}`.trim();
    });
  /** Press Tab until the focused element reads like `pattern` (like a user tabbing to a control). */
  const tabTo = async (pattern: RegExp, maxPresses = 80) => {
    for (let presses = 0; presses < maxPresses; presses += 1) {
      if (pattern.test(await focusedText())) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tabbing ${maxPresses} times never reached ${pattern}; focus is on "${await focusedText()}"`);
  };

  it('signs in, finds by card, identifies by one-time code, admits, books, and discharges by keyboard', async () => {
    await page.goto(env.deskA.url);
    await tabTo(/Username/);
    await page.keyboard.type('medco.a');
    await page.keyboard.press('Tab');
    await page.keyboard.type('coverdesk-demo');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Find a beneficiary' }).waitFor();

    // The card number typed by hand (keys 120 ms apart: never mistaken for a scanner's burst,
    // which a loaded machine could otherwise stretch either way) + Enter lists the match; Tab to
    // it and Enter opens the family. (A scan opens the family at once: keyboard-wedge unit tests.)
    await tabTo(/Health card number/);
    await page.keyboard.type('HC-S1-0003', { delay: 120 });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText(/Last search: typed/).count()).toBe(1);
    await tabTo(/^Arjun Patil$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Family FAM-S1-0001/ }).waitFor();
    await tabTo(/Identify and admit Arjun Patil/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Confirm identity: Arjun Patil/ }).waitFor();

    // Arrow keys move through the method radios; choosing one may move focus into its panel.
    const otp = page.getByRole('radio', { name: /OTP to the registered phone/ });
    for (let step = 0; step < 6 && !(await otp.isChecked()); step += 1) {
      const isOnRadio = await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type === 'radio');
      if (!isOnRadio) await tabTo(/attempts? left|Supervisor override/);
      await page.keyboard.press('ArrowDown');
    }
    expect(await otp.isChecked()).toBe(true);
    await tabTo(/Send code/);
    await page.keyboard.press('Enter');
    await expect.poll(() => env.lastCode()).toMatch(/^\d{6}$/);
    await tabTo(/Code received by SMS/);
    await page.keyboard.type(env.lastCode());
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Identity confirmed/ }).waitFor();
    await tabTo(/Continue to admission/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Admit Arjun Patil/ }).waitFor();

    await tabTo(/Search by code, name or specialty/);
    await page.keyboard.type('SB001A');
    await page.keyboard.press('Enter');
    await tabTo(/Admit and request pre-auth/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Case of Arjun Patil' }).waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'Hold for this case' }).textContent(), { timeout: 10_000 }).toContain('₹7,500.00');

    await page.keyboard.press('Alt+B');
    expect(await focusedText()).toMatch(/Item code/);
    await page.keyboard.type('XRAY');
    await tabTo(/Description/);
    await page.keyboard.type('X-ray, two views');
    await tabTo(/Unit price/);
    await page.keyboard.type('800');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('table', { name: 'Bookings' }).textContent(), { timeout: 10_000 }).toMatch(/X-ray, two views.*Covered/s);

    // Bookings are discharged on a decided pre-auth (the claim needs it; issue 24 item 14): PPD approves.
    const [open] = await env.server.scratch.db.query<{ id: string }>(
      "SELECT c.id FROM cases c JOIN members m ON m.id = c.member_id WHERE m.health_card_number = 'HC-S1-0003' AND c.status = 'admitted'",
    );
    expect((await env.server.command(await env.server.login('ppd'), 'decide-preauth', { caseId: open!.id, decision: 'approve' })).status).toBe(200);
    await page.keyboard.press('Alt+D');
    await page.getByRole('dialog').waitFor();
    await tabTo(/^Discharge$/);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('region', { name: 'Case summary' }).textContent(), { timeout: 10_000 }).toMatch(/Discharged/);
    await screenshot(page, '20-keyboard-only-discharged');
  });
});
