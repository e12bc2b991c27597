import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../../sync-server/src/demo/seed';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { signInDesk, screenTimeoutMs } from './support/desk-pages';

const units = (n: number) => n * 100; // the demo scheme counts paise

/**
 * Scenario S6 (../shared/SCENARIOS.md), "Emergency before identity", through desk A's screens: an
 * unconscious man admitted at once as an emergency case with no member and nothing held, listed
 * with the window to identify; identified as the father and merged (override, audited); pre-auth
 * EM001 then holds 8,000 of the family's 10,000 and waits in the PPD queue at the emergency
 * service level. The overdue variant (the window passing) is tested at server level on a moved
 * clock (sync-server/src/emergency-scenario.test.ts step 4): a browser run cannot wait 24 hours.
 */
describe('S6 — emergency before identity, on the desk screens', () => {
  let env: Environment;
  let desk: Page;

  beforeAll(async () => {
    env = await startEnvironment();
    desk = await env.newPage();
    desk.setDefaultTimeout(screenTimeoutMs);
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(desk, 's6-failure').catch(() => undefined);
    console.log(
      `--- desk A at failure:\n${await desk
        .locator('body')
        .ariaSnapshot()
        .catch(() => '(no snapshot)')}`,
    );
  });
  afterAll(async () => {
    await env?.close();
  });

  it('admits the unknown man, merges him into the father, and EM001 holds 8,000 with 2,000 left', async () => {
    const medco = await env.server.login('medco.a');
    const balance = async () => (await env.server.get(medco, `/families/${demoIds.seedFamily}/balance`)).body;
    expect(await balance()).toMatchObject({ committed: 0, available: units(10000) });

    await signInDesk(desk, env.deskA.url, 'medco.a');
    await desk.getByRole('link', { name: 'Emergencies' }).click();
    await desk.getByRole('heading', { name: 'Emergencies', level: 1 }).waitFor();
    await desk.getByRole('combobox', { name: 'Sex' }).selectOption('male');
    await desk.getByRole('textbox', { name: 'Approximate age (years)' }).fill('45');
    await desk.getByRole('textbox', { name: 'Where found, brought in by' }).fill('Brought in unconscious by ambulance 108 from the highway');
    await desk.getByRole('button', { name: 'Admit as emergency' }).click();
    await desk.getByRole('status').filter({ hasText: 'Unknown male, about 45 admitted as an emergency case.' }).waitFor();

    // Step 1: case open, no member, no hold; listed as "identify within 24 h", confirmed by the server.
    const item = desk.getByRole('listitem').filter({ hasText: 'Unknown male, about 45' });
    await expect.poll(() => item.textContent(), { timeout: 20_000 }).toMatch(/Confirmed by the server/);
    expect(await item.textContent()).toMatch(/Identify within 2[34] h \d\d min\./);
    expect(await balance()).toMatchObject({ committed: 0, available: units(10000) });
    expect(await seriousViolations(desk)).toEqual([]);
    await screenshot(desk, 's6-1-admitted');

    // Step 2: identified as the father; merged by supervisor override (audited, listed for review).
    await item.getByRole('textbox', { name: 'Scheme member id' }).fill('PMJ-S1000001');
    await item.getByRole('button', { name: 'Find member' }).click();
    await item.getByRole('combobox', { name: 'Identity proven by' }).selectOption('override');
    await item
      .getByRole('textbox', { name: 'Why identity cannot be proven otherwise' })
      .fill('Unconscious; his wife recognised him and showed the family card');
    await item.getByRole('textbox', { name: 'Authorising supervisor' }).fill('Dr. Salunkhe (duty supervisor)');
    await item.getByRole('button', { name: 'Merge into Ramesh Patil' }).click();
    await desk.getByRole('heading', { name: 'Case of Ramesh Patil' }).waitFor();
    const caseId = /#\/case\/([0-9a-f-]{36})/.exec(desk.url())?.[1] ?? '';
    await expect.poll(async () => (await env.server.get(medco, `/cases/${caseId}`)).status, { timeout: 20_000 }).toBe(200);
    expect((await env.server.get(medco, `/cases/${caseId}`)).body).toMatchObject({ case: { member_id: demoIds.father, is_emergency: true } });
    await screenshot(desk, 's6-2-merged');

    // Step 3: pre-auth EM001 → hold 8,000, available 2,000, at the emergency service level for PPD.
    await desk.getByRole('textbox', { name: 'Search by code, name or specialty' }).fill('EM001');
    await desk.keyboard.press('Enter');
    await desk.getByRole('button', { name: 'Request pre-auth' }).click();
    await expect.poll(async () => (await balance()).available, { timeout: 20_000 }).toBe(units(2000));
    expect(await balance()).toMatchObject({ cover: units(10000), committed: units(8000), available: units(2000) });
    const ppd = await env.server.login('ppd');
    const queue = (await env.server.get(ppd, '/queues/preauths')).body.items as { caseId: string; isEmergency: boolean; turnaroundMinutes: number }[];
    expect(queue.find((entry) => entry.caseId === caseId)).toMatchObject({ isEmergency: true, turnaroundMinutes: 60 });
    await screenshot(desk, 's6-3-preauth');
  });
});
