import { screenTimeoutMs } from './support/desk-pages';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBreachWatcher } from '../../sync-server/src/console/breach-watcher';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { chromiumArgs, ensureRendererBuilt, outputDir } from './support/desk-environment';

const consoleOutput = join(outputDir, 'console');
const hour = 3_600_000;

/**
 * Turnaround clocks in the payer console (issue 15), in real Chromium against a real server. The
 * father's pre-auth at A was requested now (within its 6-hour service level); the daughter's at B
 * ten hours ago, as the commands would have written it (her case, pre-auth and the audit entry that
 * starts the clock), so it is 4 hours past. PPD's clock queue lists the late one first and flags
 * it; the breach watcher then notices it and tells PPD's console (the owning role's, issue 15), and
 * PPD's screen shows the notice without a reload. HA sees the turnaround per stage. Each screen is scanned with axe.
 */
describe('payer console: turnaround clocks', () => {
  let server: TestServer;
  let browser: Browser;
  let consoleUrl = '';
  let page: Page | null = null;
  const late = randomUUID();

  const signIn = async (username: string) => {
    await page?.context().close();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-IN', timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
    await page.goto(consoleUrl);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('coverdesk-demo');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('navigation', { name: 'Workspaces' }).waitFor();
    await page.waitForFunction(() => /^#\/[a-z]/.test(window.location.hash));
    await page.getByRole('navigation', { name: 'Workspaces' }).getByRole('link', { name: 'Turnaround clocks', exact: true }).click();
    await page.getByRole('heading', { name: 'Turnaround clocks', level: 1 }).waitFor();
    return page;
  };

  beforeAll(async () => {
    mkdirSync(consoleOutput, { recursive: true });
    ensureRendererBuilt();
    server = await startTestServer(availableBackends[0]!);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    consoleUrl = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}/console/`;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
    const medcoA = await server.login('medco.a');
    const father = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: father, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: father, packageCode: 'MG012A' }));
    const requestedAt = new Date(Date.now() - 10 * hour);
    await server.scratch.db.transaction(async (sql) => {
      await sql.query(
        `INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, admitted_at, policy_year)
         SELECT $1, $2, $3, $4, 'admitted', 'fingerprint', o.id, $5, s.policy_year FROM operators o, schemes s WHERE o.username = 'medco.b' AND s.is_current`,
        [late, demoIds.daughter, demoIds.seedFamily, demoIds.hospitalB, requestedAt],
      );
      await sql.query(
        `INSERT INTO preauths (id, case_id, package_code, package_version, package_price, requested_amount, status, requested_at)
         SELECT $1, $2, package_code, version, price, price, 'pending', $3 FROM package_prices WHERE package_code = 'MG006A' ORDER BY version LIMIT 1`,
        [randomUUID(), late, requestedAt],
      );
      await sql.query("INSERT INTO audit_log (at, action, entity_type, entity_id, after) VALUES ($1, 'preauth-requested', 'case', $2, '{}')", [
        requestedAt,
        late,
      ]);
    });
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.close();
  });

  it('PPD: the late pre-auth first and flagged; a breach notice reaches the open screen live', async () => {
    const ppd = await signIn('ppd');
    const table = ppd.getByRole('table', { name: 'Open stages by time left' });
    await table.waitFor();
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toMatch(/Pre-auth decision.*HSP-B.*6 h.*Past by 4 h.*Past service level$/);
    expect(await rows.nth(1).textContent()).toMatch(/Pre-auth decision.*HSP-A.*6 h.*(5 h 5\d min|6 h) left.*Within service level$/);
    await ppd.getByRole('alert').filter({ hasText: '1 stage is past the service level.' }).waitFor();
    await ppd.screenshot({ path: join(consoleOutput, 'clocks-ppd.png'), fullPage: true });
    expect(await seriousViolations(ppd)).toEqual([]);

    // The watcher notices the breach and tells PPD's console (the owning role's) over its stream:
    // the open screen says so at once and reads the queue again.
    const watcher = startBreachWatcher({ db: server.scratch.db, notifier: server.notifier, intervalMs: 100 });
    try {
      await ppd.getByRole('alert').filter({ hasText: 'Past the service level now: Pre-auth decision. Open the turnaround clocks to see which.' }).waitFor();
      await rows.nth(0).getByText('Past service level (notified)').waitFor();
    } finally {
      await watcher.stop();
    }
    expect(await seriousViolations(ppd)).toEqual([]);
    const [notice] = await server.scratch.db.query<{ owner_role: string; case_id: string }>('SELECT owner_role, case_id FROM service_level_breaches');
    expect(notice).toEqual({ owner_role: 'PPD', case_id: late });
  });

  it("PPD's pre-auth queue shows the same clocks' time left, least first, the late one flagged", async () => {
    const ppd = page!;
    await ppd.getByRole('navigation', { name: 'Workspaces' }).getByRole('link', { name: 'Pre-auth review', exact: true }).click();
    const rows = ppd.getByRole('table', { name: 'Pre-authorizations and enhancements waiting' }).locator('tbody tr');
    await expect.poll(() => rows.nth(1).textContent()).toMatch(/HSP-A.*(5 h 5\d min|6 h) left of 6 h$/);
    expect(await rows.nth(0).textContent()).toMatch(/HSP-B.*Past service level over the 6 h service level by 4 h( 0\d min)?$/);
    expect(await seriousViolations(ppd)).toEqual([]);
  });

  it('CEX owns no open stage here; HA sees every clock and the turnaround per stage', async () => {
    const cex = await signIn('cex');
    await cex.getByRole('status').filter({ hasText: 'Nothing of yours is waiting.' }).waitFor();
    const ha = await signIn('ha');
    await ha.getByRole('table', { name: 'Open stages by time left' }).locator('tbody tr').nth(1).waitFor();
    const summary = ha.getByRole('table', { name: 'Turnaround per stage' });
    await summary.waitFor();
    expect(await summary.locator('tbody tr').count()).toBe(7);
    expect(await summary.locator('tbody tr').nth(0).textContent()).toMatch(/^Pre-auth decision6 h0not availablenot available021$/);
    await ha.screenshot({ path: join(consoleOutput, 'clocks-ha.png'), fullPage: true });
    expect(await seriousViolations(ha)).toEqual([]);
  });

  it('ACO imports a bank statement: short-paid and unmatched listed; a bad file names its bad lines', async () => {
    // The son's claim of 1,000.00 at A, paid through the commands (one payment, one reference).
    const [medcoA, ppd, cex, cpd, aco] = [
      await server.login('medco.a'),
      await server.login('ppd'),
      await server.login('cex'),
      await server.login('cpd'),
      await server.login('aco'),
    ];
    const caseId = randomUUID();
    const bookingId = randomUUID();
    const claimId = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve-lower', amount: 150_000, reason: 'Short stay' }));
    resultOf(await server.command(medcoA, 'add-booking', { bookingId, caseId, itemCode: 'WARD', description: 'Ward stay', quantity: 1, unitPrice: 100_000 }));
    resultOf(await server.command(medcoA, 'discharge', { caseId }));
    resultOf(await server.command(medcoA, 'submit-claim', { claimId, caseId, amount: 100_000 }));
    resultOf(await server.command(cex, 'process-claim', { claimId, lines: [{ bookingId, decision: 'full' }] }));
    resultOf(await server.command(cpd, 'verify-claim', { claimId, lines: [{ bookingId, decision: 'full' }] }));
    const payment = resultOf(await server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [claimId] }));
    const reference = payment.reference as string;

    const page = await signIn('aco');
    await page.getByRole('navigation', { name: 'Workspaces' }).getByRole('link', { name: 'Reconciliation', exact: true }).click();
    await page.getByRole('heading', { name: 'Reconciliation', level: 1 }).waitFor();
    const upload = page.getByLabel('Bank statement (CSV with utr, reference, date, amount)');
    const statement = `utr,reference,date,amount\nSBIN726009000001,${reference},2026-12-07,900.00\nSBIN726009000002,PAY-UNKNOWN-1,2026-12-07,50\n`;
    await upload.setInputFiles({ name: 'bank-2026-12-07.csv', mimeType: 'text/csv', buffer: Buffer.from(statement) });
    await page.getByRole('button', { name: 'Import statement' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Imported bank-2026-12-07.csv: 2 new credits (0 already imported); 1 applied, 0 duplicate, 1 unmatched.' })
      .waitFor();
    const short = page.getByRole('table', { name: 'Short-paid payments' });
    await short.waitFor();
    expect(await short.locator('tbody tr').textContent()).toMatch(new RegExp(`^${reference}HSP-A₹1,000.00₹900.00-₹100.00$`));
    expect(await page.getByRole('table', { name: 'Unmatched credits' }).locator('tbody tr').textContent()).toMatch(
      /^SBIN726009000002PAY-UNKNOWN-12026-12-07₹50.00/,
    );
    expect(await seriousViolations(page)).toEqual([]);

    await upload.setInputFiles({
      name: 'bank-bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('utr,reference,date,amount\nSBIN726009000003,PAY-X,07/12/2026,10\n'),
    });
    await page.getByRole('button', { name: 'Import statement' }).click();
    await page.getByRole('list', { name: 'Bad lines' }).getByText('Line 2: The date "07/12/2026" is not a calendar date written YYYY-MM-DD.').waitFor();
    await page.screenshot({ path: join(consoleOutput, 'bank-reconciliation.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
  });
});
