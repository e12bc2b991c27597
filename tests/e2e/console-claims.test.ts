import { screenTimeoutMs } from './support/desk-pages';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { chromiumArgs, ensureRendererBuilt, outputDir } from './support/desk-environment';

const consoleOutput = join(outputDir, 'console');
const units = (n: number) => n * 100;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The payer console's claim and payment workspaces and the health authority's, in real Chromium
 * against a real server (PostgreSQL when DATABASE_URL is set), on the seed scenario brought to
 * "claims submitted" through the API: the father's claim at hospital A (₹6,000, with supporting
 * documents) and the mother's at hospital B (₹4,000 covered of a ₹5,000 package). CEX processes
 * the father's with one partial line, CPD verifies, ACO pays each hospital's batch with a reference
 * (S1 step 9: 3,300 + 2,200) and the reconciliation balances; HA issues an enrollment code, revokes
 * the desk (its credential stops at once), adds a price version and changes a scheme parameter.
 * A CEX cannot reach ACO or HA actions (UI and API). Every workspace is screenshotted and scanned.
 */
describe('payer console: CEX → CPD → ACO and HA on the seed scenario', () => {
  let server: TestServer;
  let browser: Browser;
  let consoleUrl = '';
  let page: Page | null = null;
  const claims = { father: randomUUID(), mother: randomUUID() };
  const fatherBookings: string[] = [];
  const scans: { screen: string; violations: unknown[] }[] = [];

  const check = async (screen: string) => {
    await page!.screenshot({ path: join(consoleOutput, `${screen}.png`), fullPage: true });
    scans.push({ screen, violations: await seriousViolations(page!) });
  };
  /** A fresh browser context per operator: nothing of one session leaks into the next. */
  /**
   * Waits for `firstHeading`, or (without one) for the workspace navigation; either way also for
   * the home screen to settle: the console redirects #/ to the operator's first workspace from an
   * effect after the navigation renders, and a `goto` made before that redirect ran was
   * overwritten by it on a busy machine.
   */
  const signIn = async (username: string, firstHeading?: string) => {
    await page?.context().close();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-IN', timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    page.setDefaultTimeout(screenTimeoutMs);
    await page.goto(consoleUrl);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('coverdesk-demo');
    await page.getByLabel('Password').press('Enter');
    await (firstHeading ? page.getByRole('heading', { name: firstHeading, level: 1 }) : page.getByRole('navigation', { name: 'Workspaces' })).waitFor();
    await page.waitForFunction(() => /^#\/[a-z]/.test(window.location.hash));
    return page;
  };
  const open = async (title: string, heading = title) => {
    await page!.getByRole('navigation', { name: 'Workspaces' }).getByRole('link', { name: title, exact: true }).click();
    await page!.getByRole('heading', { name: heading, level: 1 }).waitFor();
  };
  const status = (text: string | RegExp) => page!.getByRole('status').filter({ hasText: text });

  beforeAll(async () => {
    mkdirSync(consoleOutput, { recursive: true });
    ensureRendererBuilt();
    server = await startTestServer(availableBackends[0]!);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    consoleUrl = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}/console/`;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });

    // S1 steps 1–6 through the API: admissions, pre-auths approved, bookings, discharge, claims.
    const [medcoA, medcoB, ppd] = [await server.login('medco.a'), await server.login('medco.b'), await server.login('ppd')];
    const father = randomUUID();
    const mother = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: father, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: father, packageCode: 'MG012A' }));
    resultOf(await server.command(medcoB, 'admit', { caseId: mother, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    expect(resultOf(await server.command(medcoB, 'request-preauth', { caseId: mother, packageCode: 'MG006A' }))).toMatchObject({ holdAmount: units(4000) });
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: father, decision: 'approve' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: mother, decision: 'approve' }));
    for (const [index, amount] of [2500, 3000, 500].entries()) {
      const bookingId = randomUUID();
      fatherBookings.push(bookingId);
      resultOf(
        await server.command(medcoA, 'add-booking', {
          bookingId,
          caseId: father,
          itemCode: `SVC-${index + 1}`,
          description: ['Ward, 3 days', 'IV fluids and drugs', 'Laboratory tests'][index]!,
          quantity: 1,
          unitPrice: units(amount),
        }),
      );
    }
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: randomUUID(),
        caseId: mother,
        itemCode: 'WARD',
        description: 'Ward, 4 days',
        quantity: 4,
        unitPrice: units(1000),
      }),
    );
    resultOf(await server.command(medcoA, 'discharge', { caseId: father }));
    resultOf(await server.command(medcoB, 'discharge', { caseId: mother }));
    resultOf(
      await server.command(medcoA, 'submit-claim', {
        claimId: claims.father,
        caseId: father,
        amount: units(6000),
        documents: [
          { name: 'discharge-summary-patil.pdf', kind: 'discharge-summary', sizeBytes: 182_044, sha256: sha256('summary') },
          { name: 'final-bill-patil.pdf', kind: 'bill', sizeBytes: 40_210, sha256: sha256('bill') },
        ],
      }),
    );
    resultOf(await server.command(medcoB, 'submit-claim', { claimId: claims.mother, caseId: mother, amount: units(4000) }));
  }, 240_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || !page) return;
    await page
      .screenshot({ path: join(consoleOutput, `failure-claims-${context.task.name.slice(0, 20).replace(/\W+/g, '-')}.png`), fullPage: true })
      .catch(() => undefined);
    console.log(
      `--- page at failure:\n${await page
        .locator('body')
        .ariaSnapshot()
        .catch(() => '(no snapshot)')}`,
    );
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("CEX processes the father's claim line by line: documents listed, one line partly approved with a reason code", async () => {
    await signIn('cex', 'Claims processing');
    const queue = page!.getByRole('table', { name: 'Submitted claims, emergency first, then least time left' });
    await queue.getByRole('row', { name: /Ramesh Patil/ }).waitFor();
    await queue.getByRole('row', { name: /Sunita Patil/ }).waitFor();
    await page!.getByRole('button', { name: 'Process the claim of Ramesh Patil' }).click();
    const review = page!.getByRole('region', { name: /Claim of Ramesh Patil/ });
    const documents = review.getByRole('table', { name: 'Documents declared by the hospital with the claim' });
    expect(await documents.getByRole('row').count()).toBe(3);
    expect(await documents.textContent()).toContain('final-bill-patil.pdf');
    const lines = review.getByRole('table', { name: 'Claim lines and the bookings behind them' });
    expect(await lines.getByRole('row', { name: /SVC-2 · IV fluids and drugs/ }).textContent()).toContain('1 × ₹3,000.00');
    await review.getByLabel('Decision for SVC-2 IV fluids and drugs').selectOption('partial');
    // 3,500 on a 3,000 line is said as it is typed, with both amounts (issue 12 item 6)…
    const approved = review.getByLabel(/Approved amount for SVC-2/);
    await approved.fill('3500');
    const tooMuch = review.getByRole('alert').filter({ hasText: "is more than this line's ₹3,000.00 by ₹500.00" });
    await tooMuch.waitFor();
    expect(await approved.getAttribute('aria-invalid')).toBe('true');
    // …and a send names it together with the missing reason code; nothing goes to the server.
    await review.getByRole('button', { name: 'Send processing to CPD' }).click();
    await review
      .getByRole('alert')
      .filter({
        hasText:
          "₹3,500.00 is more than this line's ₹3,000.00 by ₹500.00: a partial approval must be less than the line. Choose the reason code for the partial approval.",
      })
      .waitFor();
    await approved.fill('2500');
    await tooMuch.waitFor({ state: 'detached' });
    expect(await approved.getAttribute('aria-invalid')).toBeNull();
    // The reason code is required: the screen says so before anything is sent.
    await review.getByRole('button', { name: 'Send processing to CPD' }).click();
    await review.getByRole('alert').filter({ hasText: 'Choose the reason code for the partial approval.' }).waitFor();
    await review.getByLabel('Reason code for SVC-2 IV fluids and drugs').selectOption('tariff-exceeded');
    expect(await review.textContent()).toContain('Approving ₹5,500.00 of ₹6,000.00; ₹500.00 would return to the family cover.');
    await check('cex-claim-review');
    await review.getByRole('button', { name: 'Send processing to CPD' }).click();
    await status('Processed: ₹5,500.00 recommended').waitFor();
    // The live claims collection moves it out of the queue.
    await queue.getByRole('row', { name: /Ramesh Patil/ }).waitFor({ state: 'detached' });
    await page!.getByRole('button', { name: 'Process the claim of Sunita Patil' }).click();
    await page!
      .getByRole('region', { name: /Claim of Sunita Patil/ })
      .getByRole('button', { name: 'Send processing to CPD' })
      .click();
    await status('Processed: ₹4,000.00 recommended').waitFor();
    await check('cex-queue');
  });

  it("the CEX opens the case behind the claim: bookings, audit trail and the chain's status", async () => {
    await page!
      .getByRole('region', { name: /Recently processed/ })
      .getByRole('link', { name: 'Ramesh Patil' })
      .click();
    await page!.getByRole('heading', { name: 'Case of Ramesh Patil', level: 1 }).waitFor();
    await page!
      .getByText(/claim-processed|Claim processed/)
      .first()
      .waitFor();
    await page!.getByText('Chain verified', { exact: true }).waitFor();
    expect(await page!.getByRole('table', { name: 'Services and items booked on this case' }).textContent()).toContain('IV fluids and drugs');
    await check('cex-case');
  });

  it('a CEX cannot reach ACO or HA actions: not in the navigation, refused on a direct URL, 403 from the API', async () => {
    const nav = page!.getByRole('navigation', { name: 'Workspaces' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Claims processing', 'Turnaround clocks']);
    for (const path of ['payments', 'hospitals', 'scheme', 'cpd']) {
      await page!.goto(`${consoleUrl}#/${path}`);
      await page!.getByRole('heading', { name: 'Not available to you', level: 1 }).waitFor();
    }
    const cex = await server.login('cex');
    for (const [name, body] of [
      ['approve-payment', { paymentId: randomUUID(), claimIds: [claims.father] }],
      ['verify-claim', { claimId: claims.father, lines: fatherBookings.map((bookingId) => ({ bookingId, decision: 'full' })) }],
      ['revoke-desk', { deskId: demoIds.deskA, reason: 'Not mine to revoke' }],
      ['set-scheme-parameters', { governmentShareBp: 10_000, reason: 'Not mine to change' }],
      ['set-package-price', { packageCode: 'MG012A', price: 1 }],
      ['update-operator', { operatorId: randomUUID(), isActive: false }],
    ] as const) {
      const answer = await server.raw('POST', `/commands/${name}`, { token: cex, payload: { commandId: randomUUID(), ...body } });
      expect(answer.status, name).toBe(403);
      expect(answer.body.code).toBe('forbidden-role');
    }
    for (const path of ['/admin/hospitals', '/admin/scheme', '/reports/reconciliation', '/queues/payments', '/dashboard']) {
      expect((await server.get(cex, path)).status, path).toBe(403);
    }
  });

  it("CPD verifies: starts from CEX's recommendation; ₹500 returns to the family cover", async () => {
    await signIn('cpd', 'Claim verification');
    await page!.getByRole('button', { name: 'Verify the claim of Ramesh Patil' }).click();
    const review = page!.getByRole('region', { name: /Claim of Ramesh Patil/ });
    expect(await review.getByRole('row', { name: /SVC-2/ }).textContent()).toContain('Partial ₹2,500.00Above the package tariff');
    expect(await review.getByLabel('Decision for SVC-2 IV fluids and drugs').inputValue()).toBe('partial');
    await check('cpd-claim-review');
    await review.getByRole('button', { name: 'Verify the claim' }).click();
    await status('Verified: ₹5,500.00 approved, ₹500.00 returned to the family cover.').waitFor();
    await page!.getByRole('button', { name: 'Verify the claim of Sunita Patil' }).click();
    await page!
      .getByRole('region', { name: /Claim of Sunita Patil/ })
      .getByRole('button', { name: 'Verify the claim' })
      .click();
    await status('Verified: ₹4,000.00 approved, ₹0.00 returned').waitFor();
    await check('cpd-queue');
    const balance = (await server.get(await server.login('medco.a'), `/families/${demoIds.seedFamily}/balance`)).body;
    expect(balance).toMatchObject({ committed: units(9500), available: units(500) });
  });

  it("ACO pays each hospital's batch with one reference: S1 step 9 is 3,300 + 2,200; deductions on the other", async () => {
    await signIn('aco', 'Payments');
    expect(await page!.getByRole('navigation', { name: 'Workspaces' }).getByRole('link').allTextContents()).toEqual([
      'Payments',
      'Revenue cycle',
      'Reconciliation',
      'Turnaround clocks',
    ]);
    const batchA = page!.getByRole('region', { name: /City General Hospital \(HSP-A\)/ });
    await batchA.getByText('Government (60%)').waitFor();
    expect(await batchA.getByLabel('The payment the server will make').textContent()).toBe(
      'Approved total₹5,500.00Government (60%)₹3,300.00Insurer (40%)₹2,200.00Deductions₹0.00Paid to the hospital₹5,500.00',
    );
    await check('aco-payments');
    // One click does not pay (issue 12 item 7): a confirm step repeats the amount, the split and
    // the hospital; going back sends nothing.
    await batchA.getByRole('button', { name: 'Approve payment to HSP-A…' }).click();
    const confirmA = page!.getByRole('dialog', { name: 'Pay ₹5,500.00 to City General Hospital (HSP-A)?' });
    await confirmA.waitFor();
    expect(await confirmA.textContent()).toContain(
      '1 approved claim of City General Hospital (HSP-A), one payment with one reference:Approved total₹5,500.00Government (60%)₹3,300.00Insurer (40%)₹2,200.00Deductions₹0.00Paid to HSP-A₹5,500.00',
    );
    await check('aco-payment-confirm');
    await confirmA.getByRole('button', { name: 'Go back' }).click();
    await confirmA.waitFor({ state: 'hidden' });
    expect((await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM payments'))[0]!.count).toBe(0);
    await batchA.getByRole('button', { name: 'Approve payment to HSP-A…' }).click();
    await confirmA.getByRole('button', { name: 'Pay ₹5,500.00 to HSP-A' }).click();
    const paidA = page!
      .getByRole('region', { name: 'Payments approved in this session' })
      .getByRole('status')
      .filter({ hasText: 'Payment approved: reference PAY-HSP-A-' });
    await paidA.waitFor();
    expect(await paidA.textContent()).toMatch(/government ₹3,300\.00, insurer ₹2,200\.00; deductions ₹0\.00, paid ₹5,500\.00/);
    const batchB = page!.getByRole('region', { name: /\(HSP-B\)/ });
    await batchB.getByLabel(/Deductions/).fill('100');
    await batchB.getByText('Paid to the hospital₹3,900.00').waitFor();
    await batchB.getByRole('button', { name: 'Approve payment to HSP-B…' }).click();
    const confirmB = page!.getByRole('dialog', { name: /^Pay ₹3,900\.00 to .* \(HSP-B\)\?$/ });
    expect(await confirmB.textContent()).toContain(
      'Approved total₹4,000.00Government (60%)₹2,400.00Insurer (40%)₹1,600.00Deductions₹100.00Paid to HSP-B₹3,900.00',
    );
    await confirmB.getByRole('button', { name: 'Pay ₹3,900.00 to HSP-B' }).click();
    await page!.getByRole('status').filter({ hasText: 'Payment approved: reference PAY-HSP-B-' }).waitFor();
    // Both batches have left the queue: the live claims collection says they are paid.
    await page!.getByText('No approved claim is waiting for payment.').waitFor();
    await page!
      .getByRole('table', { name: 'Payments made, by reference' })
      .getByRole('row', { name: /PAY-HSP-B-/ })
      .waitFor();
    await check('aco-payments-paid');
  });

  it('ACO reconciliation: paid + deductions = approved for each payment and in total', async () => {
    await open('Reconciliation');
    await status('Everything reconciles: paid ₹9,400.00 + deductions ₹100.00 = approved ₹9,500.00.').waitFor();
    const table = page!.getByRole('table', { name: 'Payments: paid + deductions = approved' });
    expect(await table.getByRole('row', { name: /PAY-HSP-A-/ }).textContent()).toMatch(/₹5,500\.00₹5,500\.00₹0\.00₹5,500\.00₹3,300\.00₹2,200\.00Balanced/);
    expect(await table.getByRole('row', { name: /PAY-HSP-B-/ }).textContent()).toMatch(/₹4,000\.00₹3,900\.00₹100\.00₹4,000\.00₹2,400\.00₹1,600\.00Balanced/);
    await check('aco-reconciliation');
  });

  it('HA dashboard, and the reconciliation lists a payment changed behind the application', async () => {
    await signIn('ha', 'Scheme dashboard');
    const claimsByState = page!.getByRole('table', { name: /Claims by state/ });
    expect(await claimsByState.getByRole('row', { name: /Paid/ }).textContent()).toBe('Paid2₹9,500.00');
    await check('ha-dashboard');
    await server.scratch.db.query("UPDATE payments SET net_paid = net_paid - 100 WHERE reference LIKE 'PAY-HSP-B-%'");
    await open('Reconciliation');
    await page!.getByRole('status').filter({ hasText: 'Not reconciled: 1 payment and 0 claims do not add up.' }).waitFor();
    expect(await page!.getByRole('region', { name: 'What does not add up' }).textContent()).toContain(
      'Paid ₹3,899.00 + deductions ₹100.00 = ₹3,999.00, but the claims approved ₹4,000.00.',
    );
    await check('ha-reconciliation-mismatch');
    await server.scratch.db.query("UPDATE payments SET net_paid = net_paid + 100 WHERE reference LIKE 'PAY-HSP-B-%'");
  });

  it('HA issues an enrollment code, the desk enrolls with it, HA revokes the desk and its credential stops at once', async () => {
    await open('Hospitals and desks');
    const deskB = page!.getByRole('article', { name: /Admission desk B/ });
    await deskB.getByRole('button', { name: 'Issue an enrollment code for Admission desk B' }).click();
    const issued = deskB.getByRole('status').filter({ hasText: 'Enrollment code for Admission desk B' });
    await issued.waitFor();
    const code = /: ([A-Z0-9]{12}), valid until/.exec((await issued.textContent()) ?? '')?.[1];
    expect(code).toBeDefined();
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: code! } });
    expect(enrolled.status).toBe(200);
    const pull = () => server.raw('GET', '/sync/pull', { headers: { authorization: `Desk ${String(enrolled.body.credential)}` } });
    expect((await pull()).status).toBe(200);
    await check('ha-hospitals');
    await deskB.getByLabel('Reason to revoke Admission desk B').fill('Laptop reported stolen from the ward');
    await deskB.getByRole('button', { name: 'Revoke Admission desk B' }).click();
    await deskB.getByRole('status').filter({ hasText: 'Admission desk B is revoked' }).waitFor();
    await deskB.getByText('Revoked', { exact: true }).waitFor();
    const refused = await pull();
    expect(refused.status).toBe(401);
    expect(String(refused.body.message)).toMatch(/revoked/);
    // A replacement desk for hospital B, registered from the console.
    await page!.getByLabel('New desk at HSP-B').fill('Admission desk B2');
    await page!.getByRole('button', { name: 'Add the desk at HSP-B' }).click();
    await status('Admission desk B2 registered at HSP-B').waitFor();
    await page!
      .getByRole('article', { name: /Admission desk B2/ })
      .getByText('Never enrolled')
      .waitFor();
  });

  it('HA adds a price version and changes a scheme parameter; operators are listed with their roles', async () => {
    await open('Packages', 'Package catalogue');
    await page!.getByLabel('Package', { exact: true }).selectOption('MG012A');
    await page!.getByLabel('New price (₹)').fill('6500');
    await page!.getByRole('button', { name: 'Add price version' }).click();
    await status('MG012A now costs ₹6,500.00 as version 2').waitFor();
    await page!
      .getByRole('row', { name: /MG012A · Acute gastroenteritis/ })
      .filter({ hasText: 'v2' })
      .waitFor();
    await check('ha-packages');

    await open('Scheme parameters');
    await page!.getByLabel('Pre-auth turnaround target (minutes)').fill('240');
    await page!.getByRole('button', { name: 'Save scheme parameters' }).click();
    await page!.getByText(/Write why: the audit trail keeps it/).waitFor();
    await page!.getByLabel('Reason for the change').fill('Faster pre-auth target from the new quarter');
    await page!.getByRole('button', { name: 'Save scheme parameters' }).click();
    await status('Scheme parameters saved').waitFor();
    const ha = await server.login('ha');
    expect((await server.get(ha, '/admin/scheme')).body.items).toMatchObject({ preauthTurnaroundMinutes: 240, governmentShareBp: 6000 });
    await check('ha-scheme');

    // HA adds an operator, gives them a second role, then deactivates them.
    await open('Operators', 'Operators and roles');
    const form = page!.getByRole('region', { name: 'Add an operator' });
    await form.getByLabel('Username').fill('temp.cex');
    await form.getByLabel('Display name').fill('Temporary claims executive');
    await form.getByLabel('First password').fill('a-long-password');
    await form.getByRole('group', { name: 'Roles' }).getByLabel('CEX').check();
    await form.getByRole('button', { name: 'Add the operator' }).click();
    await status('temp.cex can now sign in').waitFor();
    await page!.getByRole('row', { name: /Temporary claims executive temp\.cex CEX/ }).waitFor();
    expect(await page!.getByRole('row', { name: /Claims executive cex/ }).textContent()).toContain('CEX');
    await page!.getByRole('button', { name: 'Change temp.cex' }).click();
    await page!.getByRole('group', { name: 'Roles of temp.cex' }).getByLabel('CPD').check();
    await page!.getByRole('button', { name: 'Save temp.cex' }).click();
    await status('temp.cex updated.').waitFor();
    expect((await server.get(await server.login('temp.cex', 'a-long-password'), '/queues/claims/processed')).status).toBe(200);
    await check('ha-operators');
    await page!.getByLabel('Active').uncheck();
    await page!.getByRole('button', { name: 'Save temp.cex' }).click();
    await status('temp.cex updated.').waitFor();
    await expect
      .poll(async () => (await server.raw('POST', '/auth/login', { payload: { username: 'temp.cex', password: 'a-long-password' } })).status, {
        timeout: 10_000,
      })
      .toBe(401);
    await page!.getByRole('button', { name: 'Close' }).click();
    await page!
      .getByRole('row', { name: /Temporary claims executive/ })
      .getByText('Deactivated')
      .waitFor();
    // HA cannot lock themselves out: the server's refusal is shown as it said it.
    await page!.getByRole('button', { name: 'Change ha', exact: true }).click();
    await page!.getByRole('group', { name: 'Roles of ha' }).getByLabel('HA').uncheck();
    await page!.getByRole('group', { name: 'Roles of ha' }).getByLabel('ACO').check();
    await page!.getByRole('button', { name: 'Save ha' }).click();
    await page!.getByRole('alert').filter({ hasText: 'You cannot deactivate yourself or remove your own HA role' }).waitFor();
  });

  it("every other payer role (MC, Admin, CPD, ACO, HA) sees only its own workspaces; another role's is refused on a direct URL and by the API", async () => {
    // PPD and CEX are checked in their own tests; the full command × role matrix is sync-server/src/role-matrix.test.ts.
    const expectations = [
      {
        username: 'mc',
        own: ['Medical Committee', 'Turnaround clocks'],
        foreign: ['ppd', 'admin', 'payments'],
        command: ['decide-preauth', { caseId: randomUUID(), decision: 'approve' }],
      },
      {
        username: 'admin',
        own: ['Admin approval', 'Turnaround clocks'],
        foreign: ['committee', 'cex', 'hospitals'],
        command: ['verify-claim', { claimId: claims.father, lines: fatherBookings.map((bookingId) => ({ bookingId, decision: 'full' })) }],
      },
      {
        username: 'cpd',
        own: ['Claim verification', 'Turnaround clocks'],
        foreign: ['cex', 'payments', 'scheme'],
        command: ['approve-payment', { paymentId: randomUUID(), claimIds: [claims.father] }],
      },
      {
        username: 'aco',
        own: ['Payments', 'Revenue cycle', 'Reconciliation', 'Turnaround clocks'],
        foreign: ['cpd', 'operators', 'ppd'],
        command: ['set-package-price', { packageCode: 'MG012A', price: 1 }],
      },
      {
        username: 'ha',
        own: [
          'Dashboard',
          'Revenue cycle',
          'Hospitals and desks',
          'Desk fleet',
          'Operators',
          'Packages',
          'Scheme parameters',
          'Reconciliation',
          'Turnaround clocks',
        ],
        foreign: ['ppd', 'cex', 'payments'],
        command: ['decide-preauth', { caseId: randomUUID(), decision: 'reject', reason: 'Not mine to decide' }],
      },
    ] as const;
    for (const role of expectations) {
      page = await signIn(role.username);
      const nav = page.getByRole('navigation', { name: 'Workspaces' });
      expect(await nav.getByRole('link').allTextContents(), role.username).toEqual(role.own);
      for (const path of role.foreign) {
        await page.goto(`${consoleUrl}#/${path}`);
        await page.getByRole('heading', { name: 'Not available to you', level: 1 }).waitFor();
      }
      const [name, body] = role.command;
      const answer = await server.raw('POST', `/commands/${name}`, { token: await server.login(role.username), payload: { commandId: randomUUID(), ...body } });
      expect(answer.status, `${role.username} ${name}`).toBe(403);
      expect(answer.body.code).toBe('forbidden-role');
    }
  }, 120_000); // five sign-ins, each in a fresh browser context: over 30 s on a busy machine

  it('axe-core: no serious or critical violation on any of these workspaces', () => {
    expect(scans.length).toBeGreaterThanOrEqual(12);
    expect(scans.filter((scan) => scan.violations.length > 0)).toEqual([]);
  });
});
