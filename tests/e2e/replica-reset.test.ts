import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { openIdentity, signInDesk, screenTimeoutMs } from './support/desk-pages';

/**
 * The desk's warning before unsent changes could be lost (issue 23; the backend half is
 * tests/sync/desk-replica-reset.test.ts): desk B admits a patient offline, then its operator asks
 * to reset the local data. The dialog says a change has not reached the server, wants the
 * supervisor and a reason, saves the change to a file and resets; back online, the saved change
 * is sent from the same dialog and the server has the admission once. axe finds nothing serious.
 */
describe('resetting the local data with a change not yet sent, on the desk screens', () => {
  let env: Environment;
  let deskB: Page;
  const header = (page: Page) => page.getByRole('banner');

  beforeAll(async () => {
    env = await startEnvironment();
    deskB = await env.newPage();
    deskB.setDefaultTimeout(screenTimeoutMs);
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(deskB, 'replica-reset-failure').catch(() => undefined);
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

  it('warns, needs a supervisor, saves the change to a file, resets, and sends the change once from the file', async () => {
    await signInDesk(deskB, env.deskB.url, 'medco.b');
    await openIdentity(deskB, env.deskB.url, 'PMJ-S1000001', 'Ramesh Patil');
    env.deskB.proxy!.setOffline(true);
    await expect.poll(() => header(deskB).getByRole('status').first().textContent(), { timeout: 10_000 }).toMatch(/^Offline/);

    await deskB.getByRole('radio', { name: /Supervisor override/ }).check();
    await deskB
      .getByRole('textbox', { name: 'Why the patient cannot be identified otherwise' })
      .fill('Brought in unconscious; his son identified him with the card');
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
    await expect.poll(() => header(deskB).textContent()).toMatch(/changes? waiting to be sent/);
    const waiting = env.deskB.backend.engine.current().pendingMutations;
    expect(waiting).toBeGreaterThan(0);

    await header(deskB).getByRole('button', { name: 'Local data' }).click();
    const dialog = deskB.getByRole('dialog', { name: 'Local data' });
    await dialog.getByText(`${waiting} change${waiting === 1 ? '' : 's'} made at this desk`).waitFor();
    await dialog.getByRole('button', { name: 'Reset local data…' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'A supervisor must authorise this.' }).waitFor();
    expect(await seriousViolations(deskB)).toEqual([]);
    await screenshot(deskB, 'replica-reset-1-warning');

    // Without a supervisor or a reason: told what is missing, nothing reset.
    await dialog.getByRole('button', { name: 'Save the changes and reset' }).click();
    await dialog.getByText('Name the supervisor who authorises the reset.').waitFor();
    await dialog.getByText('Say why the local data must be reset (at least 15 characters).').waitFor();
    expect(await seriousViolations(deskB)).toEqual([]);
    expect(env.deskB.backend.engine.current().pendingMutations).toBe(waiting);

    await dialog.getByRole('textbox', { name: 'Supervisor authorising the reset' }).fill('S. Patil (IT supervisor)');
    await dialog.getByRole('textbox', { name: 'Why the local data must be reset' }).fill('Balances here disagree with the server after a disk fault');
    await dialog.getByRole('button', { name: 'Save the changes and reset' }).click();
    const saved = dialog.getByRole('status').filter({ hasText: 'Local data reset.' });
    await saved.waitFor();
    const fileName = /saved to (outbox-[^\s:]+\.json)/.exec((await saved.textContent()) ?? '')?.[1] ?? '';
    expect(fileName).toMatch(/^outbox-.+\.json$/);
    expect(env.deskB.backend.engine.current().pendingMutations).toBe(0);
    await dialog.getByRole('listitem').filter({ hasText: fileName }).waitFor();
    expect(await seriousViolations(deskB)).toEqual([]);
    await screenshot(deskB, 'replica-reset-2-saved');

    // Back online: the saved change is sent from the file, and reaches the server once.
    env.deskB.proxy!.setOffline(false);
    await dialog.getByRole('listitem').filter({ hasText: fileName }).getByRole('button', { name: 'Send these changes' }).click();
    await dialog
      .getByRole('status')
      .filter({ hasText: `${waiting} change(s) from ${fileName} queued to be sent` })
      .waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => header(deskB).textContent(), { timeout: 20_000 }).toMatch(/No changes waiting/);
    const [row] = await env.server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM cases WHERE id = $1', [caseId]);
    expect(row?.count).toBe(1);
  }, 240_000);
});
