import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verhoeffCheckDigit } from '../../sync-server/domain/identifiers';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf } from '../../sync-server/src/testing/harness';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { screenTimeoutMs, signInDesk } from './support/desk-pages';

/**
 * Issue 16 in real Chromium, one server for both halves: the desk's "Past treatment" panel takes
 * the patient's consent by a one-time code, shows the stay at another hospital and the server
 * records the look; then the member, on a phone-sized browser, signs in to /me with the scheme ID
 * and the code from the development SMS outbox, sees the family's cover, committed and available,
 * the cases, that very look by hospital A, downloads the e-card, and a fourth code in 15 minutes
 * is refused with a sentence. Last, the family screen's "Cards and identifiers" at the desk, from
 * the keyboard: link, the server's refusals in words (a bad check digit, a card held within reach
 * named, one held outside reach not named), unlink with a reason.
 */
describe("the member's record: past treatment at the desk, then the beneficiary page on a phone", () => {
  let env: Environment;
  let desk: Page;
  let phone: Page;
  let phoneContext: BrowserContext;
  const caseAtA = randomUUID();

  /** The newest sign-in code the development SMS outbox holds for the beneficiary page. */
  const pageCodeSentBy = async (send: () => Promise<void>): Promise<string> => {
    const before = env.sms.recent()[0];
    await send();
    for (let waited = 0; waited < 30_000; waited += 100) {
      const newest = env.sms.recent()[0];
      const code = newest && newest !== before ? /record is (\d{6})/.exec(newest.text)?.[1] : undefined;
      if (code) return code;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('No sign-in code was sent within 30 s.');
  };

  beforeAll(async () => {
    env = await startEnvironment();
    const [ha, medcoA, medcoB] = [await env.server.login('ha'), await env.server.login('medco.a'), await env.server.login('medco.b')];
    // The son's earlier stay at B (pre-auth MG012A, then cancelled), his admission at A with a
    // pre-auth there (a hold of 6,000 on the family's 10,000), and an e-card to download.
    const caseAtB = randomUUID();
    resultOf(await env.server.command(medcoB, 'admit', { caseId: caseAtB, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await env.server.command(medcoB, 'request-preauth', { caseId: caseAtB, packageCode: 'MG012A' }));
    resultOf(await env.server.command(medcoB, 'cancel-case', { caseId: caseAtB, reason: 'Referred to hospital A' }));
    resultOf(await env.server.command(medcoA, 'admit', { caseId: caseAtA, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await env.server.command(medcoA, 'request-preauth', { caseId: caseAtA, packageCode: 'MG012A' }));
    resultOf(await env.server.command(ha, 'issue-e-card', { memberId: demoIds.son }));
    await env.deskA.backend.engine.requestSync();
    desk = await env.newPage();
    desk.setDefaultTimeout(screenTimeoutMs);
    // A phone: 390 × 844 CSS pixels, touch, a mobile user agent's viewport rules.
    phoneContext = await env.browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
      locale: 'en-IN',
      timezoneId: 'Asia/Kolkata',
      acceptDownloads: true,
    });
    phone = await phoneContext.newPage();
    phone.setDefaultTimeout(screenTimeoutMs);
  }, 180_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(desk, 'member-record-desk-failure').catch(() => undefined);
    await screenshot(phone, 'member-record-phone-failure').catch(() => undefined);
  });
  afterAll(async () => {
    await phoneContext?.close();
    await env?.close();
  });

  it('the desk asks for consent, takes it by a code read out, shows the stay at B, and the look is recorded', async () => {
    await signInDesk(desk, env.deskA.url, 'medco.a');
    await desk.goto(`${env.deskA.url}/#/case/${caseAtA}`);
    const panel = desk.getByRole('region', { name: 'Past treatment' });
    await panel.getByRole('button', { name: 'Show past treatment' }).click();
    await panel.getByText(/has not consented to this hospital seeing their past treatment/).waitFor();
    expect(await panel.getByRole('table', { name: 'Past cases' }).count()).toBe(0);
    const looksBefore = await env.server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM history_access_log WHERE case_id = $1', [caseAtA]);
    expect(looksBefore).toEqual([{ n: 0 }]);

    const code = await env.codeSentBy(() => panel.getByRole('button', { name: 'Send consent code' }).click());
    await panel
      .getByRole('status')
      .filter({ hasText: /Code sent to the phone ending \d+/ })
      .waitFor();
    // A wrong code first: refused in words, no consent, nothing shown.
    await panel.getByLabel('Consent code read out by the patient').fill(code === '000000' ? '111111' : '000000');
    await panel.getByRole('button', { name: 'Record consent and show' }).click();
    await panel.getByRole('alert').waitFor();
    expect(await panel.getByRole('table', { name: 'Past cases' }).count()).toBe(0);
    expect(await env.server.scratch.db.query('SELECT 1 FROM history_consents WHERE case_id = $1', [caseAtA])).toEqual([]);

    await panel.getByLabel('Consent code read out by the patient').fill(code);
    await panel.getByRole('button', { name: 'Record consent and show' }).click();
    const table = panel.getByRole('table', { name: 'Past cases' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (cell) => cell.textContent?.trim() ?? '')));
    expect(rows).toHaveLength(1);
    expect(rows[0]![1]).not.toContain('(here)');
    expect(rows[0]![2]).toMatch(/^MG012A /);
    expect(rows[0]![3]).toBe('Cancelled; pre-auth cancelled');
    expect(rows[0]![4]).toBe('—');
    await panel.getByText(/^Consent until .* \(or discharge\)\. Read at /).waitFor();
    expect(await seriousViolations(desk)).toEqual([]);
    await screenshot(desk, 'member-record-desk-history');

    const looks = await env.server.scratch.db.query<{ via: string; hospital: string; cases_shown: number }>(
      `SELECT l.via, h.code AS hospital, l.cases_shown FROM history_access_log l JOIN hospitals h ON h.id = l.hospital_id WHERE l.case_id = $1`,
      [caseAtA],
    );
    expect(looks).toEqual([{ via: 'desk', hospital: 'HSP-A', cases_shown: 1 }]);
  });

  it('on a phone, /me signs in with the scheme ID and the SMS code and shows cover, cases, the desk’s look and the e-card', async () => {
    await phone.goto(`${env.serverUrl}/me`);
    await phone.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await phone.getByText(/Patil|Committed/).count()).toBe(0);
    await phone.getByLabel('Scheme ID').fill('pmj-s1000003');
    const code = await pageCodeSentBy(() => phone.getByRole('button', { name: 'Send me a code' }).click());
    await phone.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await phone.getByLabel('Code from the SMS').fill(code);
    await phone.getByRole('button', { name: 'Sign in' }).click();

    await phone.getByRole('heading', { name: 'Arjun Patil' }).waitFor();
    const figures = phone.getByRole('region', { name: /Family cover/ }).locator('dl > div');
    expect(await figures.evaluateAll((divs) => divs.map((div) => `${div.querySelector('dt')?.textContent} ${div.querySelector('dd')?.textContent}`))).toEqual([
      'Cover ₹10,000.00',
      'Committed ₹6,000.00',
      'Available ₹4,000.00',
    ]);
    const cases = phone.getByRole('table', { name: 'Cases' });
    const caseRows = await cases.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (cell) => cell.textContent?.trim() ?? '')));
    expect(caseRows).toHaveLength(2);
    expect(caseRows.map((row) => [row[1], row[4]])).toEqual(
      expect.arrayContaining([
        ['Arjun Patil', 'admitted'],
        ['Arjun Patil', 'cancelled'],
      ]),
    );
    // The look the desk made in the first test: hospital A's operator, on Arjun's record.
    const looks = phone.getByRole('table', { name: 'Who looked at our record' });
    const lookRows = await looks.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (cell) => cell.textContent?.trim() ?? '')));
    const [hospitalA] = await env.server.scratch.db.query<{ name: string }>(`SELECT name FROM hospitals WHERE code = 'HSP-A'`);
    expect(lookRows).toHaveLength(1);
    expect(lookRows[0]![1]).toBe(hospitalA!.name);
    expect(lookRows[0]![3]).toBe('Arjun Patil');

    // Fits a phone: nothing wider than the screen but the tables' own cells.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await seriousViolations(phone)).toEqual([]);
    await screenshot(phone, 'member-record-phone');

    const download = phone.waitForEvent('download');
    await phone.getByRole('link', { name: 'Download (PDF, to print)' }).click();
    const pdf = await download;
    const path = await pdf.path();
    expect(readFileSync(path).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('on a phone, a fourth code for one scheme ID within 15 minutes is refused with a clear sentence', async () => {
    // A phone with no session (the other test's cookie would open the record instead of the form).
    const otherPhone = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'en-IN' });
    const fresh = await otherPhone.newPage();
    fresh.setDefaultTimeout(screenTimeoutMs);
    try {
      for (let sent = 0; sent < 3; sent += 1) {
        await fresh.goto(`${env.serverUrl}/me`);
        await fresh.getByLabel('Scheme ID').fill('PMJ-S1000004');
        await fresh.getByRole('button', { name: 'Send me a code' }).click();
        await fresh.getByRole('heading', { name: 'Enter your code' }).waitFor();
      }
      // The code page's own "Send a new code": the fourth send.
      const refused = fresh.waitForResponse((response) => response.url().endsWith('/me/code'));
      await fresh.getByRole('button', { name: 'Send a new code' }).click();
      expect((await refused).status()).toBe(429);
      await fresh.getByRole('heading', { name: 'Too many attempts' }).waitFor();
      expect(await fresh.getByRole('alert').textContent()).toMatch(
        /^Too many codes or wrong codes for this scheme ID or from this connection\. Try again in \d+ minutes?\.$/,
      );
      expect(await fresh.getByText(/Priya|Patil|Cover/).count()).toBe(0);
    } finally {
      await otherPhone.close();
    }
  });

  it('the desk links, lists and unlinks a member’s cards from the keyboard, and shows the server’s refusals in words', async () => {
    const ha = await env.server.login('ha');
    // A Satara family, outside hospital A's reach, holds a state card already.
    const sataraMember = randomUUID();
    resultOf(
      await env.server.command(ha, 'register-family', {
        familyId: randomUUID(),
        familyNumber: 'FAM-SATARA-E2E',
        cover: 50_000_000,
        registeredPhone: '+919800000331',
        district: 'Satara',
        members: [{ memberId: sataraMember, schemeMemberId: 'PMJ-SAT00031', fullName: 'Satara Holder', birthYear: 1980, gender: 'F', relation: 'head' }],
      }),
    );
    resultOf(await env.server.command(ha, 'link-identifier', { memberId: sataraMember, kind: 'state-card', state: 'MH', value: 'MH-E2E-0031' }));
    const account = `1234567890123${verhoeffCheckDigit('1234567890123')}`;
    const badAccount = `${account.slice(0, 13)}${(Number(account[13]) + 1) % 10}`;
    const linkCount = async () =>
      (await env.server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM member_identifiers WHERE unlinked_at IS NULL'))[0]!.n;

    await signInDesk(desk, env.deskA.url, 'medco.a');
    await desk.goto(`${env.deskA.url}/#/family/${demoIds.seedFamily}`);
    const panel = desk.getByRole('region', { name: 'Cards and identifiers' });
    await panel.getByText('No other cards are linked').waitFor();
    const form = panel.getByRole('form', { name: 'Link a card' });
    const member = form.getByLabel('Member');
    const kind = form.getByLabel('Card', { exact: true });
    const number = form.getByLabel('Number on the card');

    // From the keyboard only: choose, type, Enter.
    await member.focus();
    await member.selectOption({ label: 'Arjun Patil (PMJ-S1000003)' });
    await desk.keyboard.press('Tab');
    await expect.poll(() => desk.evaluate(() => document.activeElement?.id)).toBe(await kind.getAttribute('id'));
    await kind.selectOption('health-account');
    await desk.keyboard.press('Tab');
    await desk.keyboard.type(account);
    await desk.keyboard.press('Enter');
    await panel
      .getByRole('status')
      .filter({ hasText: `Health account number ${account} linked to Arjun Patil (check digit correct).` })
      .waitFor();
    const table = panel.getByRole('table', { name: 'Linked cards' });
    await table.getByRole('row', { name: new RegExp(`Arjun Patil Health account number ${account}`) }).waitFor();
    const linked = await linkCount();

    // A bad check digit: the server's sentence, nothing written.
    await member.selectOption({ label: 'Priya Patil (PMJ-S1000004)' });
    await number.fill(badAccount);
    await number.press('Enter');
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/^Not linked\. .*check digit.*Nothing was linked\.$/);
    // The same account for Priya: held by her brother, within reach, so he is named.
    await number.fill(account);
    await number.press('Enter');
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe(
        'Not linked. This identifier is already linked to member PMJ-S1000003. One identifier belongs to one member: if that link is wrong, unlink it first (with the reason).',
      );
    // A state card held outside hospital A's reach: refused without naming anyone.
    await kind.selectOption('state-card');
    await number.fill('MH-E2E-0031');
    await form.getByLabel('State code').fill('MH');
    await form.getByLabel('State code').press('Enter');
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe(
        "Not linked. This identifier is already linked to another member, outside your hospital's reach. One identifier belongs to one member: ask the health authority to check the card.",
      );
    expect(await form.getByRole('alert').textContent()).not.toContain('PMJ-SAT00031');
    expect(await linkCount()).toBe(linked);
    expect(await seriousViolations(desk)).toEqual([]);
    await screenshot(desk, 'member-record-desk-identifiers');

    // Unlink from the keyboard, with the reason.
    await panel.getByRole('button', { name: `Unlink Health account number ${account} of Arjun Patil` }).focus();
    await desk.keyboard.press('Enter');
    const reason = panel.getByRole('form', { name: 'Unlink a card' }).getByRole('textbox');
    await expect.poll(() => reason.evaluate((element) => element === document.activeElement)).toBe(true);
    await desk.keyboard.type('Linked to the wrong member');
    await desk.keyboard.press('Enter');
    await panel
      .getByRole('status')
      .filter({ hasText: `Health account number ${account} is no longer linked to Arjun Patil.` })
      .waitFor();
    await panel.getByText('No other cards are linked').waitFor();
    const [row] = await env.server.scratch.db.query<{ unlinked_reason: string }>(
      "SELECT unlinked_reason FROM member_identifiers WHERE kind = 'health-account' AND value = $1",
      [account],
    );
    expect(row).toEqual({ unlinked_reason: 'Linked to the wrong member' });
  });
});
