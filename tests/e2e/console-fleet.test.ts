import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { chromiumArgs, ensureRendererBuilt, outputDir } from './support/desk-environment';
import { screenTimeoutMs } from './support/desk-pages';

const consoleOutput = join(outputDir, 'console');

/**
 * HA's desk fleet page (issue 23) in real Chromium. Desk A reported a minute ago (version 1.4.0,
 * three unsent commands, the oldest 20 minutes old, its clock 2.5 s ahead); desk B was last seen
 * three hours ago, past the 60-minute threshold. The page flags B silent, lists what A reported,
 * refuses a minimum version that is not one with the server's sentence, and after HA sets 2.0.0
 * flags A as needing an update; the audit log has the change. Scanned with axe.
 */
describe('payer console: the desk fleet', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(consoleOutput, { recursive: true });
    ensureRendererBuilt();
    server = await startTestServer(availableBackends[0]!);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const consoleUrl = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}/console/`;
    await server.scratch.db.query("UPDATE desks SET enrolled_at = now() - interval '1 day' WHERE id IN ($1, $2)", [demoIds.deskA, demoIds.deskB]);
    await server.scratch.db.query(
      `INSERT INTO desk_fleet_reports (desk_id, last_seen_at, last_pull_at, reported_at, app_version, outbox_depth, oldest_unsent_at, replica_bytes, clock_offset_ms)
       VALUES ($1, now() - interval '1 minute', now() - interval '1 minute', now() - interval '1 minute', '1.4.0', 3, now() - interval '20 minutes', 5400000, 2500),
              ($2, now() - interval '3 hours', now() - interval '3 hours', now() - interval '3 hours', '1.4.0', 0, NULL, 4100000, -100)`,
      [demoIds.deskA, demoIds.deskB],
    );
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-IN', timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
    await page.goto(consoleUrl);
    await page.getByLabel('Username').fill('ha');
    await page.getByLabel('Password').fill('coverdesk-demo');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('navigation', { name: 'Workspaces' }).getByRole('link', { name: 'Desk fleet', exact: true }).click();
    await page.getByRole('heading', { name: 'Desk fleet', level: 1 }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('flags the silent desk first and shows what the other reported', async () => {
    const rows = page.getByRole('table', { name: 'Desks, silent and outdated first' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toMatch(/^Admission desk BHSP-B.*Silent1\.4\.0.*none.*in step3\.9 MiB$/);
    expect(await rows.nth(1).textContent()).toMatch(/^Admission desk AHSP-A.*Reporting1\.4\.0.*320 min ago2\.5 s ahead5\.1 MiB$/);
    expect(await page.getByRole('status').filter({ hasText: '1 desk is silent.' }).count()).toBe(1);
    await page.screenshot({ path: join(consoleOutput, 'desk-fleet.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a minimum version: refused when it is not one, then set, audited, and the desks below it flagged', async () => {
    await page.getByLabel('Version', { exact: true }).fill('two');
    await page.getByLabel('Reason', { exact: true }).fill('Fixes the printer driver');
    await page.getByRole('button', { name: 'Set minimum' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /version/i })
      .waitFor();
    expect(await server.scratch.db.query('SELECT 1 FROM desk_update_policy')).toEqual([]);

    await page.getByLabel('Version', { exact: true }).fill('2.0.0');
    await page.getByRole('button', { name: 'Set minimum' }).click();
    await page.getByRole('status').filter({ hasText: 'Desks below 2.0.0 are now told to update before they send.' }).waitFor();
    const rows = page.getByRole('table', { name: 'Desks, silent and outdated first' }).locator('tbody tr');
    await expect.poll(() => rows.nth(1).textContent()).toMatch(/^Admission desk AHSP-A.*Update required/);
    await page.getByText(/^2\.0\.0, set by ha .*: Fixes the printer driver/).waitFor();
    const [policy] = await server.scratch.db.query<{ minimum_version: string; reason: string }>('SELECT minimum_version, reason FROM desk_update_policy');
    expect(policy).toEqual({ minimum_version: '2.0.0', reason: 'Fixes the printer driver' });
    const audited = await server.scratch.db.query("SELECT 1 FROM audit_log WHERE action = 'minimum-desk-version-set'");
    expect(audited).toHaveLength(1);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
