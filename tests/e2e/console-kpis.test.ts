import { screenTimeoutMs } from './support/desk-pages';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import readXlsxFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import type { KpiDashboardValue, KpiDrillDownValue } from '../../sync-server/contract/kpis';
import { generateHistory } from '../../sync-server/src/demo/history';
import { foldKpis } from '../../sync-server/src/kpis/fold';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { chromiumArgs, ensureRendererBuilt, outputDir } from './support/desk-environment';

const consoleOutput = join(outputDir, 'console');

/**
 * The revenue-cycle dashboard (issue 15) in real Chromium against a real server holding a small
 * slice of generated history (demo/history.ts: 3 months, 4 hospitals, 40 admissions a month,
 * through the real commands). HA opens the dashboard, narrows it to one hospital (the server's
 * query follows the filter), reaches an aging bar with Tab and opens its claims with Enter, and
 * downloads the aging table and the claims behind the bar as CSV and XLSX, which are parsed (the
 * XLSX by read-excel-file) and held to the server's figures, saves the monthly PDF and reads it
 * back, and opens the stages behind a turnaround distribution segment by keyboard and from its
 * table. axe finds nothing serious before and after each drill-down.
 */
describe('payer console: revenue-cycle dashboard', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleUrl = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(consoleOutput, { recursive: true });
    ensureRendererBuilt();
    server = await startTestServer(availableBackends[0]!, {
      history: async (db, keys) => {
        await generateHistory(db, { months: 3, hospitals: 4, patientsPerMonth: 40, quietDays: 7, gridMinutes: 60, seed: 2026, keys });
        await foldKpis(db);
      },
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    consoleUrl = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}/console/`;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-IN', timezoneId: 'Asia/Kolkata', acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 900_000);

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.close();
  });

  it('charts on history, a filter, keyboard drill-downs (claims and turnaround), CSV, XLSX and PDF downloads, axe clean', async () => {
    await page.goto(consoleUrl);
    await page.getByLabel('Username').fill('ha');
    await page.getByLabel('Password').fill('coverdesk-demo');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('navigation', { name: 'Workspaces' }).getByRole('link', { name: 'Revenue cycle', exact: true }).click();
    await page.getByRole('heading', { name: 'Revenue cycle', level: 1 }).waitFor();
    // The charts are drawn (Recharts' own chunk loaded) with marks that stand for claims.
    await page.getByRole('region', { name: 'A/R aging' }).locator('svg .chart-mark').first().waitFor();
    await page.getByRole('region', { name: 'Charges and payments by month' }).locator('svg .chart-mark').first().waitFor();
    await page.getByRole('region', { name: 'Denials by reason' }).locator('svg .chart-mark').first().waitFor();
    await page.getByRole('region', { name: 'Turnaround against service levels' }).locator('svg').first().waitFor();
    expect(await page.locator('svg title').allTextContents()).toEqual(expect.arrayContaining(['Open receivables by age', 'Denials by reason (Pareto)']));
    await page.screenshot({ path: join(consoleOutput, 'kpi-dashboard.png') });
    await page.screenshot({ path: join(consoleOutput, 'kpi-dashboard-full.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    // The first hospital with claims still open in the slice (which one depends on the generated
    // history: a change to the generator moves them), read from the server as any client would.
    const ha = await server.login('ha');
    const options = (await server.get(ha, '/reports/kpis/filters')).body as unknown as { hospitals: { code: string }[] };
    let hospital = '';
    let found: KpiDashboardValue | null = null;
    for (const { code } of options.hospitals) {
      const answer = (await server.get(ha, `/reports/kpis?hospital=${code}`)).body as unknown as KpiDashboardValue;
      if (!answer.aging.buckets.some((b) => b.claims > 0)) continue;
      [hospital, found] = [code, answer];
      break;
    }
    expect(found, 'the slice leaves claims open at some hospital').not.toBeNull();
    const figures = found!;
    const bucket = figures.aging.buckets.find((b) => b.claims > 0)!;

    // A filter drives the server's query: that hospital only.
    const filtered = page.waitForResponse((response) => response.url().includes('/reports/kpis?') && response.url().includes(`hospital=${hospital}`));
    await page.getByLabel('Hospital', { exact: true }).selectOption(hospital);
    expect((await filtered).status()).toBe(200);
    await page
      .locator('.kpi-scope', { hasText: hospital })
      .waitFor()
      .catch(async (error: unknown) => {
        await page.screenshot({ path: join(consoleOutput, 'kpi-filter-failure.png'), fullPage: true });
        throw new Error(`${String(error)}; page errors: ${pageErrors.join(' | ')}`);
      });

    // Keyboard: from the aging card's XLSX button, Tab reaches the bars; Enter on the bucket opens its claims.
    const aging = page.getByRole('region', { name: 'A/R aging' });
    await aging.getByRole('button', { name: 'Download A/R aging as XLSX' }).focus();
    const bucketLabel = { '0-30': '0–30 days', '31-60': '31–60 days', '61-90': '61–90 days', '91-120': '91–120 days', '>120': 'over 120 days' }[bucket.bucket];
    let reached = '';
    for (let presses = 0; presses < 8 && !reached.includes(bucketLabel); presses++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() =>
        document.activeElement?.classList.contains('chart-mark') ? (document.activeElement.getAttribute('aria-label') ?? '') : '',
      );
    }
    expect(reached).toContain(`Claims open ${bucketLabel}`);
    expect(reached).toContain(`${bucket.claims} claims`);
    await page.keyboard.press('Enter');
    const drill = page.getByRole('region', { name: new RegExp(`^Claims open ${bucketLabel}`) });
    await drill
      .getByRole('status')
      .getByText(new RegExp(`of ${bucket.claims},`))
      .waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('kpi-drill-heading');
    expect(await drill.locator('tbody tr').count()).toBe(Math.min(bucket.claims, 25));
    expect(await drill.locator('tbody tr').first().locator('td').first().textContent()).toBe(hospital);
    await page.screenshot({ path: join(consoleOutput, 'kpi-drill-down.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    // Export: the aging table as CSV and XLSX, with the filter, held to the server's figures.
    const csvDownload = page.waitForEvent('download');
    await aging.getByRole('button', { name: 'Download A/R aging as CSV' }).click();
    const csv = await csvDownload;
    expect(csv.suggestedFilename()).toMatch(new RegExp(`^kpis-aging-.*-${hospital}\\.csv$`));
    const lines = readFileSync(await csv.path(), 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(`Age,Claims,Open amount (${figures.currency}),Share of open receivables (%)`);
    expect(lines.slice(1).map((line) => Number(line.split(',')[1]))).toEqual(figures.aging.buckets.map((b) => b.claims));
    expect(lines.slice(1).map((line) => Math.round(Number(line.split(',')[2]) * figures.minorPerUnit))).toEqual(figures.aging.buckets.map((b) => b.amount));

    const xlsxDownload = page.waitForEvent('download');
    await aging.getByRole('button', { name: 'Download A/R aging as XLSX' }).click();
    const xlsx = await xlsxDownload;
    expect(xlsx.suggestedFilename()).toMatch(new RegExp(`^kpis-aging-.*-${hospital}\\.xlsx$`));
    const sheets = await readXlsxFile(readFileSync(await xlsx.path()));
    const [header, ...rows] = sheets[0]!.data;
    expect(header).toEqual(['Age', 'Claims', `Open amount (${figures.currency})`, 'Share of open receivables (%)']);
    expect(rows.map((row) => row[1])).toEqual(figures.aging.buckets.map((b) => b.claims));
    expect(rows.map((row) => Math.round(Number(row[2]) * figures.minorPerUnit))).toEqual(figures.aging.buckets.map((b) => b.amount));
    expect(sheets[1]!.data).toContainEqual(['Hospital', hospital]);

    // The claims behind the aging bar, all of them, as CSV and XLSX from the drill-down's own buttons.
    const behind = (await server.get(ha, `/reports/kpis/claims?set=open&bucket=${encodeURIComponent(bucket.bucket)}&hospital=${hospital}&limit=500`))
      .body as unknown as KpiDrillDownValue;
    expect(behind.total).toBe(bucket.claims);
    const claimsCsvDownload = page.waitForEvent('download');
    await drill.getByRole('button', { name: 'Download these claims as CSV' }).click();
    const claimsCsv = await claimsCsvDownload;
    expect(claimsCsv.suggestedFilename()).toMatch(new RegExp(`^kpis-claims-open-.*-${hospital}\\.csv$`));
    const claimText = readFileSync(await claimsCsv.path(), 'utf8').replace(/^\uFEFF/, '');
    // No field of this list holds a comma or a quote, so a split is a faithful parse here.
    expect(claimText).not.toContain('"');
    const [claimHeader, ...claimRows] = claimText
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    expect(claimHeader!.slice(0, 3)).toEqual(['Claim', 'Case', 'Hospital']);
    const openColumn = claimHeader!.indexOf(`Open (${figures.currency})`);
    expect(claimRows.map((row) => row[0])).toEqual(behind.items.map((item) => item.claimId));
    expect(claimRows.map((row) => Math.round(Number(row[openColumn]) * figures.minorPerUnit))).toEqual(behind.items.map((item) => item.openAmount));
    expect(claimRows.reduce((sum, row) => sum + Math.round(Number(row[openColumn]) * figures.minorPerUnit), 0)).toBe(bucket.amount);

    const claimsXlsxDownload = page.waitForEvent('download');
    await drill.getByRole('button', { name: 'Download these claims as XLSX' }).click();
    const claimsXlsx = await claimsXlsxDownload;
    expect(claimsXlsx.suggestedFilename()).toMatch(new RegExp(`^kpis-claims-open-.*-${hospital}\\.xlsx$`));
    const claimSheets = await readXlsxFile(readFileSync(await claimsXlsx.path()));
    expect(claimSheets.map((sheet) => sheet.sheet)).toEqual(['Claims', 'About']);
    const [xlsxHeader, ...xlsxRows] = claimSheets[0]!.data;
    expect(xlsxHeader).toEqual(claimHeader);
    expect(xlsxRows.map((row) => row[0])).toEqual(behind.items.map((item) => item.claimId));
    expect(xlsxRows.map((row) => Math.round(Number(row[openColumn]) * figures.minorPerUnit))).toEqual(behind.items.map((item) => item.openAmount));
    expect(claimSheets[1]!.data).toContainEqual(['Claims', String(bucket.claims)]);

    // The printable monthly report of the period's last month, for the chosen hospital.
    const pdfDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: /^Monthly report for .* \(PDF\)$/ }).click();
    const pdf = await pdfDownload;
    expect(pdf.suggestedFilename()).toBe(`kpis-monthly-${figures.filters.to}-${hospital}.pdf`);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(readFileSync(await pdf.path()))), { mergePages: true });
    expect(text.replace(/\s+/g, ' ')).toMatch(new RegExp(`Revenue-cycle report, .* Hospital ${hospital} - `));
    const last = figures.months.at(-1)!.charges;
    const rupees = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(last.amount / figures.minorPerUnit);
    expect(text.replace(/\s+/g, ' ')).toContain(`Charges ${figures.currency} ${rupees} ${last.claims} ${last.claims === 1 ? 'claim' : 'claims'} submitted`);

    // Turnaround distribution: Tab reaches a segment, Enter opens the stages behind it; the bar's count is the list's total.
    const distribution = page.getByRole('region', { name: 'Turnaround distribution' });
    await distribution.locator('svg .chart-mark').first().waitFor();
    await page
      .getByRole('region', { name: 'Turnaround against service levels' })
      .getByRole('button', { name: /as XLSX$/ })
      .focus();
    let segment = '';
    for (let presses = 0; presses < 12 && segment === ''; presses++) {
      await page.keyboard.press('Tab');
      segment = await page.evaluate(() => {
        const active = document.activeElement;
        const inDistribution = active?.closest('section')?.querySelector('h2')?.textContent === 'Turnaround distribution';
        return inDistribution && active?.classList.contains('chart-mark') ? (active.getAttribute('aria-label') ?? '') : '';
      });
    }
    const parsed = /^(.+ stages completed .+): (\d+) of (\d+) \(/.exec(segment);
    expect(parsed, `a distribution segment reached by Tab: "${segment}"`).not.toBeNull();
    const [, stageLabel, count] = parsed!;
    await page.keyboard.press('Enter');
    const stages = page.getByRole('region', { name: stageLabel });
    await stages
      .getByRole('status')
      .getByText(new RegExp(`of ${count}, longest first`))
      .waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('kpi-drill-heading');
    expect(await stages.locator('tbody tr').count()).toBe(Math.min(Number(count), 25));
    expect(await stages.locator('tbody tr').first().locator('td').nth(1).textContent()).toBe(hospital);
    await page.screenshot({ path: join(consoleOutput, 'kpi-turnaround-drill-down.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    // The table alternative: the same (stage, bucket) opens from its row's button.
    await distribution.getByText(/^Table: Stages completed by time taken/).click();
    await distribution.getByRole('button', { name: stageLabel, exact: true }).click();
    await page
      .getByRole('region', { name: stageLabel })
      .getByRole('status')
      .getByText(new RegExp(`of ${count}, longest first`))
      .waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });
});
