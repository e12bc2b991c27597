import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { openIdentity, signInDesk, screenTimeoutMs } from './support/desk-pages';

/**
 * The end-to-end half of "a command queued offline that the server refuses on reconnect" (issue
 * 20; the backend half is tests/sync/offline-refusal.test.ts): desk B, cut off from the server,
 * admits the father through its screens while hospital A admits him on the server. When desk B is
 * back, by itself (nobody presses Sync), its case screen says the admission was refused, in the
 * server's own sentence naming hospital A, and nothing of it is waiting any more.
 */
describe('an admission queued offline and refused on reconnect, on the desk screens', () => {
  let env: Environment;
  let deskB: Page;
  const connection = (page: Page) => page.getByRole('banner').getByRole('status').first();

  beforeAll(async () => {
    env = await startEnvironment();
    deskB = await env.newPage();
    deskB.setDefaultTimeout(screenTimeoutMs);
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(deskB, 'offline-refusal-failure').catch(() => undefined);
    console.log(
      `--- desk B at failure:\n${await deskB
        .locator('body')
        .ariaSnapshot()
        .catch(() => '(no snapshot)')}`,
    );
  });
  afterAll(async () => {
    await env?.close();
  });

  it("desk B admits the father offline; on reconnect the case shows the server's refusal naming hospital A", async () => {
    await signInDesk(deskB, env.deskB.url, 'medco.b');
    // Online: the father's family (hospital A's district) joins desk B's copy by the search.
    await openIdentity(deskB, env.deskB.url, 'PMJ-S1000001', 'Ramesh Patil');
    env.deskB.proxy!.setOffline(true);
    await expect.poll(() => connection(deskB).textContent(), { timeout: 10_000 }).toMatch(/^Offline/);

    await deskB.getByRole('radio', { name: /Supervisor override/ }).check();
    await deskB
      .getByRole('textbox', { name: 'Why the patient cannot be identified otherwise' })
      .fill('Brought in unconscious; his son identified him with the family card');
    await deskB.getByRole('textbox', { name: 'Supervisor authorising the override' }).fill('Dr. Salunkhe (duty supervisor)');
    await deskB.getByRole('button', { name: 'Use supervisor override' }).click();
    await deskB.getByRole('dialog', { name: 'Identify by supervisor override?' }).getByRole('button', { name: 'Yes, override' }).click();
    await deskB.getByRole('link', { name: 'Continue to admission' }).click();
    await deskB.getByRole('textbox', { name: 'Search by code, name or specialty' }).fill('MG012A');
    await deskB.keyboard.press('Enter');
    await deskB.getByRole('button', { name: 'Admit and request pre-auth' }).click();
    await deskB.getByRole('heading', { name: 'Case of Ramesh Patil' }).waitFor();
    const caseId = /#\/case\/([0-9a-f-]{36})/.exec(deskB.url())?.[1] ?? '';
    expect(caseId).toMatch(/^[0-9a-f-]{36}$/);
    const summary = deskB.getByRole('region', { name: 'Case summary' });
    await expect.poll(() => summary.textContent()).toMatch(/waiting|pending/i);
    expect(await deskB.getByRole('alert').filter({ hasText: 'The server refused this admission.' }).count()).toBe(0);
    await screenshot(deskB, 'offline-refusal-1-queued');

    // Meanwhile hospital A admits the same patient on the server.
    resultOf(
      await env.server.command(await env.server.login('medco.a'), 'admit', { caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' }),
    );

    // Back online: the desk reconnects and pushes by itself.
    env.deskB.proxy!.setOffline(false);
    const refusal = deskB.getByRole('alert').filter({ hasText: 'The server refused this admission.' });
    await refusal.waitFor({ timeout: 20_000 });
    // The server's sentence, whole: who holds the patient, and what must happen first.
    expect(await refusal.textContent()).toMatch(
      /^The server refused this admission\. This patient already has an active case at City General Hospital \(HSP-A\) since \d{4}-\d\d-\d\dT[\d:.]+Z; it must be discharged or cancelled there first\.$/,
    );
    await expect.poll(() => summary.textContent()).toMatch(/Rejected|Refused/i);
    await expect.poll(() => connection(deskB).textContent(), { timeout: 10_000 }).toBe('Online');
    expect(env.deskB.backend.engine.current().pendingMutations).toBe(0);
    expect(await deskB.locator('body').textContent()).not.toMatch(/fetch failed|ECONNREFUSED|TypeError|\b409\b/);
    await screenshot(deskB, 'offline-refusal-2-refused');
    expect(await seriousViolations(deskB)).toEqual([]);

    // Nothing of desk B's admission reached the server; hospital A's stands.
    const [cases] = await env.server.scratch.db.query<{ ours: number; active: number }>(
      "SELECT count(*) FILTER (WHERE id = $1)::int AS ours, count(*) FILTER (WHERE member_id = $2 AND status = 'admitted')::int AS active FROM cases",
      [caseId, demoIds.father],
    );
    expect(cases).toEqual({ ours: 0, active: 1 });
  });
});
