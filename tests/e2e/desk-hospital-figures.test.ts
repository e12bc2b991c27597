import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KpiDashboardValue } from '../../sync-server/contract/kpis';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf } from '../../sync-server/src/testing/harness';
import { headlineMeasures } from '../../renderer/src/shared/kpi-headlines';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { signInDesk, screenTimeoutMs } from './support/desk-pages';

/**
 * A hospital's own KPIs at its desk (issue 15): desk B, online, after hospital B claimed a case of
 * 6,000 on the server, shows hospital B's headline measures, the same figures the server gives
 * hospital B's operator at GET /reports/kpis; cut off from the server, the screen says the figures
 * need a connection and shows no number.
 */
describe("our hospital's figures on the desk screens", () => {
  let env: Environment;
  let deskB: Page;

  beforeAll(async () => {
    env = await startEnvironment();
    deskB = await env.newPage();
    deskB.setDefaultTimeout(screenTimeoutMs);
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(deskB, 'desk-hospital-figures-failure').catch(() => undefined);
  });
  afterAll(async () => {
    await env?.close();
  });

  it("online the desk shows its own hospital's figures as the server states them; offline it says they need a connection", async () => {
    // Hospital B claims a case on the server (MG012A, 6,000): a figure to see, not only zeros.
    const medcoB = await env.server.login('medco.b');
    const caseId = randomUUID();
    resultOf(await env.server.command(medcoB, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await env.server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    resultOf(await env.server.command(await env.server.login('ppd'), 'decide-preauth', { caseId, decision: 'approve' }));
    const booking = { bookingId: randomUUID(), caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: 600_000 };
    resultOf(await env.server.command(medcoB, 'add-booking', booking));
    resultOf(await env.server.command(medcoB, 'discharge', { caseId }));
    resultOf(await env.server.command(medcoB, 'submit-claim', { claimId: randomUUID(), caseId, amount: 600_000 }));

    await signInDesk(deskB, env.deskB.url, 'medco.b');
    await deskB
      .getByRole('navigation', { name: 'Desk' })
      .getByRole('link', { name: /Our hospital's figures/ })
      .click();
    await deskB.getByRole('heading', { name: "Our hospital's figures", level: 1 }).waitFor();
    const table = deskB.getByRole('table', { name: /Headline measures/ });
    await table.waitFor();

    const answer = await env.server.get(medcoB, '/reports/kpis');
    expect(answer.status).toBe(200);
    const stated = answer.body as unknown as KpiDashboardValue;
    expect(stated).toMatchObject({ perspective: 'hospital', filters: { hospital: 'HSP-B' } });
    const expected = headlineMeasures(stated, { currency: stated.currency, locale: 'en-IN', minorPerUnit: stated.minorPerUnit });
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (cell) => cell.textContent?.trim() ?? '')));
    expect(rows).toEqual(expected.map((measure) => [measure.term, measure.value, measure.note]));
    expect(rows[0]).toEqual(['Charges', '₹6,000.00', `${stated.period.charges.claims} claims`]);
    expect(stated.period.charges).toEqual({ claims: 1, amount: 600_000 });
    const subtitle = await deskB.locator('#hospital-figures-period').textContent();
    expect(subtitle).toContain(`Hospital HSP-B · ${stated.filters.from} to ${stated.filters.to}`);
    expect(subtitle).toMatch(/computed /);
    expect(await seriousViolations(deskB)).toEqual([]);
    await screenshot(deskB, 'desk-hospital-figures-online');

    // Cut off: the figures go, and the screen says why, rather than keep them as if current.
    env.deskB.proxy!.setOffline(true);
    const connection = deskB.getByRole('banner').getByRole('status').first();
    await expect.poll(() => connection.textContent(), { timeout: 20_000 }).toMatch(/^Offline/);
    await deskB
      .getByText(/figures need a connection/)
      .first()
      .waitFor();
    expect(await table.count()).toBe(0);
    expect(await seriousViolations(deskB)).toEqual([]);
    await screenshot(deskB, 'desk-hospital-figures-offline');
  }, 240_000);
});
