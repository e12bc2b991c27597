import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { outputDir, startEnvironment, type Environment } from './support/desk-environment';
import { signInDesk, screenTimeoutMs } from './support/desk-pages';

const consoleOutput = join(outputDir, 'console');
const units = (n: number) => n * 100;

/**
 * The payer console (served by the sync server at /console/) in real Chromium, on the seed
 * scenario: PPD works its queue (approve the father's and mother's pre-auths, approve lower,
 * reject, query answered from desk A), the Medical Committee recommends and Admin approves an
 * unspecified-package case, desks see each decision live, a PPD cannot reach other roles'
 * workspaces or actions (UI and API), and every workspace is screenshotted and scanned by axe-core.
 */
describe('payer console: PPD and Medical Committee → Admin on the seed scenario', () => {
  let env: Environment;
  let deskA: Page;
  let deskB: Page;
  let ppdContext: BrowserContext;
  let ppd: Page;
  let consoleUrl = '';
  const cases = {
    father: randomUUID(),
    mother: randomUUID(),
    son: randomUUID(),
    lower: randomUUID(),
    reject: randomUUID(),
    unspecified: randomUUID(),
    keyboard: randomUUID(),
  };
  const names: Record<string, string> = {};
  const scans: { screen: string; violations: unknown[] }[] = [];

  const check = async (page: Page, screen: string) => {
    await page.screenshot({ path: join(consoleOutput, `${screen}.png`), fullPage: true });
    const violations = await seriousViolations(page);
    // Name the offending elements, so a failure says where to look.
    const where =
      violations.length === 0
        ? []
        : await page.evaluate(async () => {
            const axe = (
              window as unknown as {
                axe: {
                  run: (
                    context: Document,
                  ) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown; failureSummary?: string }[] }[] }>;
                };
              }
            ).axe;
            const result = await axe.run(document);
            return result.violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`));
          });
    scans.push({ screen, violations: violations.map((v, index) => ({ ...v, where: index === 0 ? where : undefined })) });
  };
  const signInConsole = async (page: Page, username: string) => {
    await page.goto(consoleUrl);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('coverdesk-demo');
    // Keyboard only: Enter submits.
    await page.getByLabel('Password').press('Enter');
  };
  const newConsolePage = async () => {
    const context = await env.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-IN', timezoneId: 'Asia/Kolkata' });
    const page = await context.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
    return { context, page };
  };
  const queueRow = (page: Page, name: string) => page.getByRole('table', { name: /waiting/ }).getByRole('row', { name: new RegExp(name) });
  const openCase = async (page: Page, name: string) => {
    await page.getByRole('link', { name, exact: true }).first().click();
    await page.getByRole('heading', { name: `Case of ${name}` }).waitFor();
  };
  const decide = async (page: Page, decision: string, options: { amount?: string; reason?: string } = {}) => {
    await page.getByRole('radio', { name: decision, exact: true }).check();
    if (options.amount) await page.getByRole('textbox', { name: /Approved amount/ }).fill(options.amount);
    if (options.reason) await page.getByRole('textbox', { name: /Reason/ }).fill(options.reason);
    await page.getByRole('button', { name: 'Send decision' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${decision}: recorded by the server` })
      .waitFor();
  };
  const preauthText = (page: Page) => page.getByRole('region', { name: 'Pre-authorization', exact: true }).textContent();

  beforeAll(async () => {
    mkdirSync(consoleOutput, { recursive: true });
    env = await startEnvironment();
    consoleUrl = `${env.serverUrl}/console/`;
    const medcoA = await env.server.login('medco.a');
    const medcoB = await env.server.login('medco.b');
    // Two members of other families for the approve-lower, reject and unspecified cases.
    const others = await env.server.scratch.db.query<{ id: string; full_name: string }>(
      'SELECT id, full_name FROM members WHERE family_id <> $1 ORDER BY scheme_member_id LIMIT 4',
      [demoIds.seedFamily],
    );
    const admit = async (
      token: string,
      caseId: string,
      memberId: string,
      preauth: { packageCode: string; estimatedAmount?: number; clinicalNote?: string },
      isEmergency = false,
    ) => {
      resultOf(await env.server.command(token, 'admit', { caseId, memberId, identityMethod: 'fingerprint', isEmergency }));
      resultOf(await env.server.command(token, 'request-preauth', { caseId, ...preauth }));
    };
    // S1: the father at hospital A (₹6,000 package), the mother at hospital B (hold ₹4,000, ₹1,000 shortfall).
    await admit(medcoA, cases.father, demoIds.father, { packageCode: 'MG012A' });
    await admit(medcoB, cases.mother, demoIds.mother, { packageCode: 'MG012A' });
    await admit(medcoA, cases.son, demoIds.son, { packageCode: 'MG012A', clinicalNote: 'Suspected fracture' }, true);
    await admit(medcoA, cases.lower, others[0]!.id, { packageCode: 'MG012A' });
    await admit(medcoB, cases.reject, others[1]!.id, { packageCode: 'MG012A' });
    await admit(medcoA, cases.unspecified, others[2]!.id, {
      packageCode: 'SG999U',
      estimatedAmount: units(8000),
      clinicalNote: 'Rare procedure, no catalogue package',
    });
    names.lower = others[0]!.full_name;
    names.keyboard = others[3]!.full_name;
    await admit(medcoB, cases.keyboard, others[3]!.id, { packageCode: 'MG012A' });
    names.reject = others[1]!.full_name;
    names.unspecified = others[2]!.full_name;
    deskA = await env.newPage();
    deskB = await env.newPage();
    deskA.setDefaultTimeout(screenTimeoutMs);
    deskB.setDefaultTimeout(screenTimeoutMs);
    await signInDesk(deskA, env.deskA.url, 'medco.a');
    await signInDesk(deskB, env.deskB.url, 'medco.b');
    ({ context: ppdContext, page: ppd } = await newConsolePage());
  }, 240_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const [name, page] of [
      ['desk-a', deskA],
      ['desk-b', deskB],
      ['ppd', ppd],
    ] as const) {
      await page?.screenshot({ path: join(consoleOutput, `failure-${name}.png`), fullPage: true }).catch(() => undefined);
      console.log(
        `--- ${name} at failure:\n${await page
          ?.locator('body')
          .ariaSnapshot()
          .catch(() => '(no snapshot)')}`,
      );
    }
  });
  afterAll(async () => {
    await env?.close();
  });

  it('PPD signs in and sees its queue: emergency first, then least time left against the service level', async () => {
    await ppd.goto(consoleUrl);
    await check(ppd, '01-sign-in');
    await signInConsole(ppd, 'ppd');
    await ppd.getByRole('heading', { name: 'Pre-auth review' }).waitFor();
    await expect
      .poll(
        () =>
          ppd
            .getByRole('table', { name: /waiting/ })
            .getByRole('row')
            .count(),
        { timeout: 10_000 },
      )
      .toBe(7);
    const rows = await ppd
      .getByRole('table', { name: /waiting/ })
      .getByRole('row')
      .allTextContents();
    // Header, then the emergency case (the son), then the others least time left (oldest) first.
    expect(rows[1]).toMatch(/Arjun Patil.*Emergency/);
    expect(rows[2]).toMatch(/Ramesh Patil/);
    expect(rows[3]).toMatch(/Sunita Patil/);
    // Each row's time left comes from the server's turnaround clock, once it is read: the
    // emergency case's against the scheme's emergency pre-auth level (1 h, issue 19), not 6 h.
    await expect
      .poll(
        () =>
          ppd
            .getByRole('table', { name: /waiting/ })
            .getByRole('row')
            .nth(1)
            .textContent(),
        { timeout: 10_000 },
      )
      .toMatch(/Within service level.* left of 1 h$/);
    // The unspecified case is the committee's: not in PPD's queue.
    expect(rows.join('\n')).not.toContain(names.unspecified!);
    // Navigation lists PPD's workspace only.
    const nav = await ppd.getByRole('navigation', { name: 'Workspaces' }).getByRole('link').allTextContents();
    expect(nav).toEqual(['Pre-auth review', 'Turnaround clocks']);
    await check(ppd, '02-ppd-queue');
  });

  it("PPD approves the father's pre-auth from the case view; desk A is told at once", async () => {
    await openCase(ppd, 'Ramesh Patil');
    expect(await ppd.getByRole('region', { name: 'Hold and family balance' }).textContent()).toMatch(/₹6,000\.00/);
    await ppd.getByRole('region', { name: 'Audit trail' }).getByText('Chain verified').waitFor();
    await check(ppd, '03-ppd-case');
    await decide(ppd, 'Approve');
    await expect.poll(() => preauthText(ppd), { timeout: 10_000 }).toMatch(/Approved/);
    await expect.poll(() => ppd.getByRole('region', { name: 'Audit trail' }).textContent(), { timeout: 10_000 }).toMatch(/ppd/);
    // The toast names the case and the package, never the patient (issue 13 item 12: a shared screen).
    await expect
      .poll(() => deskA.getByRole('region', { name: 'Notifications' }).textContent(), { timeout: 10_000 })
      .toMatch(/Case [0-9a-f]{8}, package MG012A: approved/);
    expect(await deskA.getByRole('region', { name: 'Notifications' }).textContent()).not.toContain('Ramesh Patil');
    await deskA.screenshot({ path: join(consoleOutput, '04-desk-a-notified.png'), fullPage: true });
  });

  it("PPD approves the mother's pre-auth (hold stays ₹4,000); desk B is told at once", async () => {
    await ppd.getByRole('link', { name: 'Pre-auth review' }).click();
    await openCase(ppd, 'Sunita Patil');
    expect(await ppd.getByRole('region', { name: 'Hold and family balance' }).textContent()).toMatch(/Held for this case₹4,000\.00/);
    await decide(ppd, 'Approve');
    await expect.poll(() => preauthText(ppd), { timeout: 10_000 }).toMatch(/Approved/);
    expect(await ppd.getByRole('region', { name: 'Hold and family balance' }).textContent()).toMatch(/Held for this case₹4,000\.00/);
    await expect
      .poll(() => deskB.getByRole('region', { name: 'Notifications' }).textContent(), { timeout: 10_000 })
      .toMatch(/Case [0-9a-f]{8}, package MG012A: approved/);
    expect(await deskB.getByRole('region', { name: 'Notifications' }).textContent()).not.toContain('Sunita Patil');
  });

  it('PPD approves a lower amount with a reason, and rejects another with a reason', async () => {
    await ppd.getByRole('link', { name: 'Pre-auth review' }).click();
    await openCase(ppd, names.lower!);
    // A refusal stays on screen: approve-lower without an amount is caught before sending.
    await ppd.getByRole('radio', { name: 'Approve a lower amount' }).check();
    await ppd.getByRole('button', { name: 'Send decision' }).click();
    await expect.poll(() => ppd.getByRole('textbox', { name: /Approved amount/ }).getAttribute('aria-invalid')).toBe('true');
    await decide(ppd, 'Approve a lower amount', { amount: '4,500', reason: 'Moderate dehydration only' });
    await expect.poll(() => preauthText(ppd), { timeout: 10_000 }).toMatch(/Approved.*₹4,500\.00/s);
    await ppd.getByRole('link', { name: 'Pre-auth review' }).click();
    await openCase(ppd, names.reject!);
    await decide(ppd, 'Reject', { reason: 'Not covered: planned cosmetic procedure' });
    await expect.poll(() => preauthText(ppd), { timeout: 10_000 }).toMatch(/Rejected/);
    expect(await preauthText(ppd)).toMatch(/Not covered: planned cosmetic procedure/);
  });

  it("PPD queries the son's case; desk A answers; the answer comes back and PPD approves", async () => {
    await ppd.getByRole('link', { name: 'Pre-auth review' }).click();
    await openCase(ppd, 'Arjun Patil');
    await decide(ppd, 'Query the desk', { reason: 'Send the X-ray report' });
    await expect.poll(() => preauthText(ppd), { timeout: 10_000 }).toMatch(/Queried/);
    await expect
      .poll(() => deskA.getByRole('region', { name: 'Notifications' }).textContent(), { timeout: 10_000 })
      .toMatch(/Case [0-9a-f]{8}, package MG012A: queried/);
    await ppd.getByRole('link', { name: 'Pre-auth review' }).click();
    await expect.poll(() => queueRow(ppd, 'Arjun Patil').textContent(), { timeout: 10_000 }).toMatch(/waiting on the desk/);
    await check(ppd, '05-ppd-queue-query-waiting');
    // Desk A answers in its own case screen.
    await deskA.goto(`${env.deskA.url}/#/cases`);
    await deskA
      .getByRole('link', { name: /Arjun Patil/ })
      .first()
      .click();
    await deskA.getByRole('textbox', { name: 'Answer to the reviewer' }).fill('X-ray shows a closed fracture; report attached');
    await deskA.getByRole('button', { name: 'Send answer' }).click();
    // The console's queue moves live: the case is back to decide, with the desk's answer.
    await expect.poll(() => queueRow(ppd, 'Arjun Patil').textContent(), { timeout: 10_000 }).toMatch(/Desk answered/);
    await openCase(ppd, 'Arjun Patil');
    expect(await preauthText(ppd)).toMatch(/X-ray shows a closed fracture/);
    await decide(ppd, 'Approve');
    await expect.poll(() => preauthText(ppd), { timeout: 10_000 }).toMatch(/Approved/);
  });

  it('keyboard only: PPD opens a case from the queue and rejects it with a reason, without a mouse', async () => {
    const focusedText = () =>
      ppd.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        if (!element) return '';
        const label = element.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : null;
        return `${element.tagName} ${label ?? element.closest('label')?.textContent ?? element.getAttribute('aria-label') ?? element.textContent ?? ''}`.trim();
      });
    const tabTo = async (pattern: RegExp, maxPresses = 60) => {
      for (let presses = 0; presses < maxPresses; presses += 1) {
        if (pattern.test(await focusedText())) return;
        await ppd.keyboard.press('Tab');
      }
      throw new Error(`Tabbing ${maxPresses} times never reached ${String(pattern)}; focus is on "${await focusedText()}"`);
    };
    await ppd.goto(`${consoleUrl}#/ppd`);
    await expect.poll(() => queueRow(ppd, names.keyboard!).count(), { timeout: 10_000 }).toBe(1);
    await tabTo(new RegExp(`^A ${names.keyboard!}$`));
    await ppd.keyboard.press('Enter');
    await ppd.getByRole('heading', { name: `Case of ${names.keyboard!}` }).waitFor();
    await tabTo(/^INPUT Approve$/);
    // Arrows move within the radio group: Approve → Approve lower → Reject.
    await ppd.keyboard.press('ArrowRight');
    await ppd.keyboard.press('ArrowRight');
    expect(await ppd.getByRole('radio', { name: 'Reject', exact: true }).isChecked()).toBe(true);
    await tabTo(/^TEXTAREA Reason/);
    await ppd.keyboard.type('Package does not match the diagnosis');
    await tabTo(/^BUTTON Send decision$/);
    await ppd.keyboard.press('Enter');
    await ppd.getByRole('status').filter({ hasText: 'Reject: recorded by the server' }).waitFor();
    await expect.poll(() => preauthText(ppd), { timeout: 10_000 }).toMatch(/Rejected/);
    await ppd.getByRole('link', { name: 'Pre-auth review' }).click();
    await expect.poll(() => ppd.getByText('Nothing is waiting for a pre-auth decision.').count(), { timeout: 10_000 }).toBe(1);
  });

  it('a PPD cannot reach MC, Admin, CEX, ACO or HA actions: not in the navigation, direct URL refused, API 403', async () => {
    for (const path of ['committee', 'admin']) {
      await ppd.goto(`${consoleUrl}#/${path}`);
      const alert = ppd.getByRole('alert');
      await expect.poll(() => alert.textContent()).toMatch(/is for (MC|ADMIN)\. You are signed in as ppd \(PPD\)/);
    }
    await check(ppd, '06-ppd-refused');
    // The unspecified case is not in PPD's read model at all.
    await ppd.goto(`${consoleUrl}#/case/${cases.unspecified}`);
    await expect.poll(() => ppd.getByRole('alert').textContent()).toMatch(/not in your queues/);
    const token = await env.server.login('ppd');
    const refusals = [
      await env.server.command(token, 'recommend-preauth', { caseId: cases.unspecified, recommendedAmount: units(100), reason: 'not mine to make' }),
      await env.server.command(token, 'approve-unspecified', { caseId: cases.unspecified, decision: 'approve' }),
      await env.server.command(token, 'process-claim', { claimId: randomUUID(), lines: [{ bookingId: randomUUID(), decision: 'full' }] }),
      await env.server.command(token, 'approve-payment', { paymentId: randomUUID(), claimIds: [randomUUID()] }),
      await env.server.command(token, 'configure-desk', { deskId: demoIds.deskA, status: 'revoked' }),
      await env.server.get(token, '/queues/committee'),
      await env.server.get(token, '/dashboard'),
      await env.server.get(token, '/console/feed/pull?collection=claims'),
    ];
    for (const answer of refusals) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(403);
      expect(answer.body.code).toBe('forbidden-role');
    }
  });

  it('network down: the console says the server is unreachable and a decision is not recorded', async () => {
    await env.server.command(await env.server.login('medco.b'), 'request-enhancement', {
      enhancementId: randomUUID(),
      caseId: cases.mother,
      amount: units(500),
      reason: 'Longer stay',
    });
    await ppd.goto(`${consoleUrl}#/ppd`);
    await expect.poll(() => queueRow(ppd, 'Sunita Patil').textContent(), { timeout: 10_000 }).toMatch(/Enhancement/);
    await openCase(ppd, 'Sunita Patil');
    await ppdContext.setOffline(true);
    await ppd.getByRole('radio', { name: 'Reject', exact: true }).check();
    await ppd.getByRole('textbox', { name: /Reason/ }).fill('Stay not justified');
    await ppd.getByRole('button', { name: 'Send decision' }).click();
    await expect
      .poll(() =>
        ppd
          .getByRole('region', { name: /Decide the enhancement/ })
          .getByRole('alert')
          .textContent(),
      )
      .toMatch(/cannot be reached/);
    await expect.poll(() => ppd.getByRole('banner').textContent(), { timeout: 15_000 }).toMatch(/Server unreachable/);
    await check(ppd, '07-ppd-offline');
    await ppdContext.setOffline(false);
    await expect.poll(() => ppd.getByRole('banner').textContent(), { timeout: 15_000 }).toMatch(/Live/);
    // The enhancement is still waiting: approve it lower now the link is back.
    await decide(ppd, 'Approve a lower amount', { amount: '300', reason: 'Two more days at most' });
    await expect.poll(() => ppd.getByRole('region', { name: 'Enhancements' }).textContent(), { timeout: 10_000 }).toMatch(/approved/);
  });

  it('Medical Committee recommends and Admin approves the unspecified-package case; the desk is told', async () => {
    const { context: mcContext, page: mc } = await newConsolePage();
    await signInConsole(mc, 'mc');
    await mc.getByRole('heading', { name: 'Medical Committee' }).waitFor();
    await expect.poll(() => queueRow(mc, names.unspecified!).count(), { timeout: 10_000 }).toBe(1);
    expect(await mc.getByRole('navigation', { name: 'Workspaces' }).getByRole('link').allTextContents()).toEqual(['Medical Committee', 'Turnaround clocks']);
    await check(mc, '08-committee-queue');
    await openCase(mc, names.unspecified!);
    await check(mc, '09-committee-case');
    await mc.getByRole('textbox', { name: /Recommended amount/ }).fill('7,000');
    await mc.getByRole('textbox', { name: /reasoning/ }).fill('Comparable to SG059A plus implant');
    await mc.getByRole('button', { name: 'Send recommendation' }).click();
    await expect.poll(() => preauthText(mc), { timeout: 10_000 }).toMatch(/Waiting for Admin approval/);
    // MC cannot approve it: the Admin panel is not shown, and the API refuses.
    expect(await mc.getByRole('heading', { name: 'Admin approval' }).count()).toBe(0);
    const byMc = await env.server.command(await env.server.login('mc'), 'approve-unspecified', { caseId: cases.unspecified, decision: 'approve' });
    expect(byMc.status).toBe(403);
    await mcContext.close();

    const { context: adminContext, page: admin } = await newConsolePage();
    await signInConsole(admin, 'admin');
    await admin.getByRole('heading', { name: 'Admin approval' }).waitFor();
    await expect.poll(() => queueRow(admin, names.unspecified!).textContent(), { timeout: 10_000 }).toMatch(/Recommended ₹7,000\.00/);
    await check(admin, '10-admin-queue');
    await openCase(admin, names.unspecified!);
    expect(await admin.locator('main').textContent()).toMatch(/Comparable to SG059A plus implant/);
    await check(admin, '11-admin-case');
    await admin.getByRole('radio', { name: 'Approve the recommendation' }).check();
    await admin.getByRole('button', { name: 'Send decision' }).click();
    await expect.poll(() => preauthText(admin), { timeout: 10_000 }).toMatch(/Approved.*₹7,000\.00/s);
    await expect.poll(() => admin.getByRole('region', { name: 'Audit trail' }).textContent(), { timeout: 10_000 }).toMatch(/mc\s*preauth-recommended/);
    await expect
      .poll(() => deskA.getByRole('region', { name: 'Notifications' }).textContent(), { timeout: 10_000 })
      .toMatch(/Case [0-9a-f]{8}, package SG999U: approved/);
    await adminContext.close();
  });

  it('a desk operator cannot use the console', async () => {
    const { context, page } = await newConsolePage();
    await signInConsole(page, 'medco.a');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/payer console is for payer roles/);
    await context.close();
  });

  it('an expired session returns to sign-in, saying why (the server answers 401 once the token has run out)', async () => {
    const { context, page } = await newConsolePage();
    await signInConsole(page, 'ppd');
    await page.getByRole('heading', { name: 'Pre-auth review' }).waitFor();
    // From now on the server refuses the token, as it does 15 minutes after sign-in.
    await context.route(/\/(console\/feed|commands|cases)\//, (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'unauthenticated', message: 'Your session has expired; sign in again.' }),
      }),
    );
    // The case may or may not show before its first refused request answers (on a busy machine the
    // 401 can come first): either way the console ends at sign-in.
    await page.goto(`${consoleUrl}#/case/${cases.father}`);
    await page.getByRole('heading', { name: 'CoverDesk payer console' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('alert').textContent()).toMatch(/Your session has expired; sign in again\./);
    await context.unroute(/\/(console\/feed|commands|cases)\//);
    // Signing in again on the same page returns to the case the operator was on.
    await page.getByLabel('Username').fill('ppd');
    await page.getByLabel('Password').fill('coverdesk-demo');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { name: 'Case of Ramesh Patil' }).waitFor();
    await context.close();
  });

  it('the desk app offers the same workspaces: desk B links to them, and PPD works there through the desk (online only)', async () => {
    // The desk's sign-in screen links to them (desk B's operator signs out first).
    await deskB.getByRole('button', { name: /Sign out/ }).click();
    await deskB.getByRole('heading', { name: 'CoverDesk admission desk' }).waitFor();
    const href = await deskB.getByRole('link', { name: 'open the payer workspaces' }).getAttribute('href');
    expect(href).toBe('./console.html');
    const { context, page } = await newConsolePage();
    await page.goto(new URL(href!, `${env.deskB.url}/`).toString());
    await page.getByRole('heading', { name: 'CoverDesk payer console' }).waitFor();
    await page.getByLabel('Username').fill('ppd');
    await page.getByLabel('Password').fill('coverdesk-demo');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { name: 'Pre-auth review' }).waitFor();
    // The pre-auths PPD decided earlier are there: the same data, through the desk.
    await expect.poll(() => page.getByRole('region', { name: 'Recently decided' }).textContent(), { timeout: 10_000 }).toMatch(/Ramesh Patil/);
    await expect.poll(() => page.getByRole('banner').textContent(), { timeout: 10_000 }).toMatch(/Live/);
    await check(page, '12-desk-payer-workspaces');
    // The desk forwards only for its own pages.
    const foreign = await fetch(`${env.deskB.url}/console/feed/session`, { headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { code: string }).code).toBe('forbidden-origin');
    // Only the console's own paths are forwarded: the desk host does not become an open proxy.
    const other = await fetch(`${env.deskB.url}/families/${demoIds.seedFamily}/balance`);
    expect(other.headers.get('content-type')).toMatch(/text\/html/);
    await context.close();
  });

  it('axe-core finds no serious or critical violation on any console screen', () => {
    expect(scans.length).toBeGreaterThanOrEqual(11);
    for (const scan of scans) expect(scan.violations, scan.screen).toEqual([]);
  });
});
