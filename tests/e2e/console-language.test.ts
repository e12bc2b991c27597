import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { chromiumArgs, ensureRendererBuilt, outputDir } from './support/desk-environment';
import { screenTimeoutMs } from './support/desk-pages';

const languageOutput = join(outputDir, 'console-language');

/**
 * The payer console in the operator's language (issue 19), in real Chromium whose own locale is
 * English (the language is the operator's choice, not the browser's). PPD switches the sign-in
 * screen to Marathi, signs in, and works S1's first step in Marathi: the queue, the father's case,
 * an approval; amounts stay in the Indian grouping with Latin digits (₹4,94,000.00). The choice is
 * remembered for PPD and not imposed on HA; Hindi and English are switched to in the header.
 * Every screen is screenshotted into test-output/e2e/console-language/ and scanned by axe-core in
 * each language.
 */
describe('payer console: the operator’s language', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleUrl = '';
  let otherName = '';
  const scans: { screen: string; violations: unknown[] }[] = [];
  const check = async (screen: string) => {
    await page.screenshot({ path: join(languageOutput, `${screen}.png`), fullPage: true });
    scans.push({ screen, violations: await seriousViolations(page) });
  };
  const signIn = async (username: string, labels: { username: string; password: string }) => {
    await page.getByLabel(labels.username).fill(username);
    await page.getByLabel(labels.password).fill('coverdesk-demo');
    await page.getByLabel(labels.password).press('Enter');
  };
  const htmlLang = () => page.evaluate(() => document.documentElement.lang);

  beforeAll(async () => {
    mkdirSync(languageOutput, { recursive: true });
    ensureRendererBuilt();
    server = await startTestServer(availableBackends[0]!);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    consoleUrl = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}/console/`;
    // S1's first step: the father at hospital A (₹6,000 package, cover ₹10,000); and a member of a
    // generated family (cover ₹5,00,000), whose ₹4,94,000.00 available shows the lakh grouping.
    const medcoA = await server.login('medco.a');
    const [other] = await server.scratch.db.query<{ id: string; full_name: string }>(
      'SELECT id, full_name FROM members WHERE family_id <> $1 AND family_id IN (SELECT id FROM families WHERE cover = 50000000) ORDER BY scheme_member_id LIMIT 1',
      [demoIds.seedFamily],
    );
    otherName = other!.full_name;
    for (const [caseId, memberId] of [
      [randomUUID(), demoIds.father],
      [randomUUID(), other!.id],
    ] as const) {
      resultOf(await server.command(medcoA, 'admit', { caseId, memberId, identityMethod: 'fingerprint', isEmergency: false }));
      resultOf(await server.command(medcoA, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    }
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-IN', timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('switches the sign-in screen to Marathi, in Devanagari from the bundled font', async () => {
    await page.goto(consoleUrl);
    await page.getByRole('heading', { name: 'CoverDesk payer console' }).waitFor();
    expect(await htmlLang()).toBe('en');
    await page.getByLabel('Language').selectOption('mr');
    await page.getByRole('heading', { name: 'CoverDesk देयकर्ता कन्सोल' }).waitFor();
    expect(await htmlLang()).toBe('mr');
    expect(await page.getByRole('button', { name: 'साइन इन करा' }).count()).toBe(1);
    // The Devanagari face is the one bundled in the build (no network font), and it has loaded.
    const font = await page.evaluate(async () => {
      await document.fonts.ready;
      const family = getComputedStyle(document.body).fontFamily;
      return { family, isLoaded: document.fonts.check('16px "Noto Sans Devanagari"', 'मराठी') };
    });
    expect(font.family).toMatch(/^"Noto Sans Devanagari"/);
    expect(font.isLoaded).toBe(true);
    await check('mr-sign-in');
  });

  it('PPD works the queue in Marathi; amounts keep the Indian grouping in Latin digits', async () => {
    await signIn('ppd', { username: 'वापरकर्ता नाव', password: 'पासवर्ड' });
    await page.getByRole('heading', { name: 'पूर्व-अधिकृती पुनरावलोकन', level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: 'कार्यक्षेत्रे' }).getByRole('link', { name: 'टर्नअराउंड घड्याळे' }).count()).toBe(1);
    const queue = page.getByRole('table', { name: 'प्रतीक्षेतील पूर्व-अधिकृती आणि रक्कम वाढ' });
    await queue.getByRole('columnheader', { name: 'रुग्ण', exact: true }).waitFor();
    const otherRow = queue.getByRole('row', { name: new RegExp(otherName) });
    await expect.poll(() => otherRow.textContent()).toMatch(/पूर्व-अधिकृती MG012A/);
    const text = (await otherRow.textContent()) ?? '';
    expect(text).toContain('₹6,000.00');
    expect(text).toContain('₹4,94,000.00');
    expect(text).toContain('निर्णय घ्यायचा आहे');
    expect(await page.locator('main').textContent()).not.toMatch(/[०-९]/);
    await check('mr-ppd-queue');
  });

  it("opens the father's case and approves his pre-auth in Marathi", async () => {
    await page.getByRole('link', { name: 'Ramesh Patil', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Ramesh Patil यांची केस' }).waitFor();
    const balance = (await page.getByRole('region', { name: 'होल्ड आणि कुटुंबाची शिल्लक' }).textContent()) ?? '';
    expect(balance).toContain('कुटुंब कव्हर₹10,000.00');
    expect(balance).toContain('उपलब्ध₹4,000.00');
    await check('mr-case');
    await page.getByRole('radio', { name: 'मंजूर करा', exact: true }).check();
    await page.getByRole('button', { name: 'निर्णय पाठवा' }).click();
    await page.getByRole('status').filter({ hasText: 'पूर्व-अधिकृतीवर निर्णय घ्या — मंजूर करा: सर्व्हरने नोंदवले.' }).waitFor();
    await page.getByRole('region', { name: 'पूर्व-अधिकृती', exact: true }).locator('.badge').getByText('मंजूर', { exact: true }).waitFor();
    await check('mr-case-approved');
  });

  it('remembers Marathi for PPD, not for HA; Hindi and English from the header', async () => {
    await page.getByRole('button', { name: 'साइन आउट' }).click();
    // The sign-in screen keeps this browser's last choice.
    await page.getByRole('heading', { name: 'CoverDesk देयकर्ता कन्सोल' }).waitFor();
    await page.getByLabel('भाषा').selectOption('en');
    await signIn('ha', { username: 'Username', password: 'Password' });
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await htmlLang()).toBe('en');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // From the console's address (HA's workspace is not PPD's), on the sign-in screen in English.
    await page.goto(consoleUrl);
    await page.getByRole('heading', { name: 'CoverDesk payer console' }).waitFor();
    await signIn('ppd', { username: 'Username', password: 'Password' });
    // PPD chose Marathi before: the console opens in it again.
    await page.getByRole('heading', { name: 'पूर्व-अधिकृती पुनरावलोकन', level: 1 }).waitFor();
    expect(await htmlLang()).toBe('mr');

    await page.getByRole('banner').getByLabel('भाषा').selectOption('hi');
    await page.getByRole('heading', { name: 'पूर्व-प्राधिकरण समीक्षा', level: 1 }).waitFor();
    expect(await htmlLang()).toBe('hi');
    const hindiRow = page.getByRole('table', { name: 'प्रतीक्षारत पूर्व-प्राधिकरण और राशि वृद्धि' }).getByRole('row', { name: new RegExp(otherName) });
    expect(await hindiRow.textContent()).toContain('₹4,94,000.00');
    await check('hi-ppd-queue');

    await page.getByRole('banner').getByLabel('भाषा').selectOption('en');
    await page.getByRole('heading', { name: 'Pre-auth review', level: 1 }).waitFor();
    expect(await htmlLang()).toBe('en');
    await check('en-ppd-queue');
  });

  it('axe-core finds nothing serious in any language', () => {
    expect(scans.map((scan) => scan.screen)).toEqual(['mr-sign-in', 'mr-ppd-queue', 'mr-case', 'mr-case-approved', 'hi-ppd-queue', 'en-ppd-queue']);
    expect(scans.filter((scan) => scan.violations.length > 0)).toEqual([]);
  });
});
