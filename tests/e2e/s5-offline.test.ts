import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf } from '../../sync-server/src/testing/harness';
import { pharmacyClient, registerPharmacy } from '../../sync-server/src/testing/pharmacy';
import { seriousViolations } from './support/accessibility';
import { screenshot, startEnvironment, type Environment } from './support/desk-environment';
import { openIdentity, screenTimeoutMs, signInDesk } from './support/desk-pages';

const units = (n: number) => n * 100;

/**
 * Scenario S5-offline (SCENARIOS.md, issue 14) on the desk screens in real Chromium, against a
 * real desk backend and server (the backend half is tests/sync/desk-s5-offline.test.ts). After
 * S5 step 1 (the father's pharmacy claim of 2,000, all deductible) desk B shows, at the mother's
 * admission, the server's estimate for her 60,000 package: 3,000 deductible + 10 % of 57,000 =
 * 8,700. Desk B is then cut off; hospital A's steps 2–3 meet the family deductible on the server.
 * Desk B admits and books the mother offline and shows 8,700 as of its last figures, provisional.
 * Back online, by itself, it shows the server's split (6,000 patient / 54,000 plan), the
 * accumulators after step 4 (deductible met 5,000, mother 6,000, family 14,700), and says the
 * estimate changed from 8,700.
 */
describe('S5-offline on the desk screens: the offline estimate, then the server’s split', () => {
  let env: Environment;
  let deskB: Page;
  const connection = (page: Page) => page.getByRole('banner').getByRole('status').first();
  /** The Used cell of one accumulator row ("Family: deductible", "Member: out of pocket", …). */
  const usedOf = (panel: Locator, label: string) =>
    panel
      .getByRole('table', { name: 'Accumulators this policy year' })
      .locator('tr', { has: deskB.getByRole('rowheader', { name: label, exact: true }) })
      .locator('td')
      .nth(1);
  /** The figure beside a term of the estimate ("Co-insurance" → "₹5,700.00"). */
  const figure = (panel: Locator, term: string) => panel.locator(`dt:text-is("${term}") + dd`);

  beforeAll(async () => {
    env = await startEnvironment();
    deskB = await env.newPage();
    deskB.setDefaultTimeout(screenTimeoutMs);
    // S5 step 1: the father's pharmacy claim of 2,000, all deductible.
    const pharmacy = pharmacyClient(env.server, (await registerPharmacy(env.server)).credential);
    const claim = await pharmacy.claim({ claimId: randomUUID(), memberId: 'PMJ-S5000001', drugCode: 'RX-ATORVA-10', quantity: 1, unitPrice: units(2000) });
    expect(claim.body).toMatchObject({ memberPays: units(2000), planPays: 0 });
    // Generous: a fresh server, two desks, Chromium and scrypt sign-ins took over 180 s at load average 20.
  }, 360_000);
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await screenshot(deskB, 's5-offline-failure').catch(() => undefined);
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

  it('estimates 8,700 at admission online, keeps it provisional offline, then shows 6,000 / 54,000 and that it changed from 8,700', async () => {
    await signInDesk(deskB, env.deskB.url, 'medco.b');
    // Online: the mother's family (Pune, hospital A's district) joins desk B's copy by the search.
    await openIdentity(deskB, env.deskB.url, 'PMJ-S5000002', 'Meena Kulkarni');
    await deskB.getByRole('radio', { name: /Supervisor override/ }).check();
    await deskB
      .getByRole('textbox', { name: 'Why the patient cannot be identified otherwise' })
      .fill('Brought in drowsy; her daughter identified her with the family card');
    await deskB.getByRole('textbox', { name: 'Supervisor authorising the override' }).fill('Dr. Salunkhe (duty supervisor)');
    await deskB.getByRole('button', { name: 'Use supervisor override' }).click();
    await deskB.getByRole('dialog', { name: 'Identify by supervisor override?' }).getByRole('button', { name: 'Yes, override' }).click();
    await deskB.getByRole('link', { name: 'Continue to admission' }).click();
    await deskB.getByRole('textbox', { name: 'Search by code, name or specialty' }).fill('SN005A');
    await deskB.keyboard.press('Enter');

    // At admission, before anything is booked: the server's figures and the estimate from them.
    const atAdmission = deskB.getByRole('region', { name: 'What the patient pays' });
    const estimate = atAdmission.getByTestId('patient-estimate');
    await expect.poll(() => estimate.textContent(), { timeout: 20_000 }).toBe('₹8,700.00');
    await atAdmission.getByText(/^As the server computed them at /).waitFor();
    expect(await atAdmission.locator('dt:text-is("Patient pays (estimate)")').count()).toBe(1);
    expect(await figure(atAdmission, 'Package').textContent()).toBe('₹60,000.00');
    expect(await figure(atAdmission, 'Of the rest: deductible').textContent()).toBe('₹3,000.00');
    expect(await figure(atAdmission, 'Co-insurance').textContent()).toBe('₹5,700.00');
    expect(await figure(atAdmission, 'Plan pays of the rest').textContent()).toBe('₹51,300.00');
    expect(await usedOf(atAdmission, 'Family: deductible').textContent()).toBe('₹2,000.00');
    const confirmedAt =
      (await atAdmission
        .getByText(/^As the server computed them at /)
        .locator('time')
        .getAttribute('datetime')) ?? '';
    expect(Date.parse(confirmedAt)).toBeGreaterThan(0);
    await screenshot(deskB, 's5-offline-1-admission-estimate');

    // Desk B is cut off; hospital A's steps 2–3 meet the family deductible on the server meanwhile.
    env.deskB.proxy!.setOffline(true);
    await expect.poll(() => connection(deskB).textContent(), { timeout: 10_000 }).toMatch(/^Offline/);
    const medcoA = await env.server.login('medco.a');
    const fatherCase = randomUUID();
    resultOf(await env.server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.s5Father, identityMethod: 'fingerprint' }));
    expect(resultOf(await env.server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MC024A' }))).toMatchObject({
      patientEstimate: { total: units(6700) },
    });
    for (const amount of [25_000, 15_000])
      resultOf(
        await env.server.command(medcoA, 'add-booking', {
          bookingId: randomUUID(),
          caseId: fatherCase,
          itemCode: 'SVC',
          description: 'Service',
          quantity: 1,
          unitPrice: units(amount),
        }),
      );

    // Offline: admit with the package and book the whole 60,000.
    await deskB.getByRole('button', { name: 'Admit and request pre-auth' }).click();
    await deskB.getByRole('heading', { name: 'Case of Meena Kulkarni' }).waitFor();
    const caseId = /#\/case\/([0-9a-f-]{36})/.exec(deskB.url())?.[1] ?? '';
    expect(caseId).toMatch(/^[0-9a-f-]{36}$/);
    const form = deskB.getByRole('form', { name: 'Add a booking' });
    await form.getByRole('combobox', { name: 'Item code' }).fill('SURG');
    await form.getByRole('textbox', { name: 'Description' }).fill('Burr hole evacuation');
    await form.getByRole('textbox', { name: /Unit price/ }).fill('60000');
    await form.getByRole('button', { name: 'Add booking' }).click();
    const booking = deskB.getByRole('table', { name: 'Bookings' }).getByRole('row', { name: /Burr hole evacuation/ });
    await expect.poll(() => booking.textContent(), { timeout: 10_000 }).toMatch(/Pending/i);

    // The case's panel: 8,700 from the figures as of the server's time, offline, provisional.
    const onCase = deskB.getByRole('region', { name: 'What the patient pays' });
    const asOf = onCase.getByRole('status').filter({ hasText: /^Last confirmed figures, as of / });
    await expect
      .poll(() => asOf.textContent(), { timeout: 20_000 })
      .toMatch(/^Last confirmed figures, as of .+, offline\. The estimate is provisional: the server decides the split when the bookings reach it\.$/);
    expect(await asOf.locator('time').getAttribute('datetime')).toBe(confirmedAt);
    expect(await onCase.locator('dt:text-is("Patient pays (provisional estimate)")').count()).toBe(1);
    expect(await onCase.getByTestId('patient-estimate').textContent()).toBe('₹8,700.00');
    expect(await figure(onCase, 'Of the rest: deductible').textContent()).toBe('₹3,000.00');
    expect(await figure(onCase, 'Co-insurance').textContent()).toBe('₹5,700.00');
    expect(await usedOf(onCase, 'Family: deductible').textContent()).toBe('₹2,000.00');
    expect(await onCase.getByText(/^Changed since offline/).count()).toBe(0);
    await screenshot(deskB, 's5-offline-2-provisional');

    // Back online: nobody presses Sync; the desk pushes, pulls and reads the server's figures.
    env.deskB.proxy!.setOffline(false);
    const changed = onCase.getByRole('status').filter({ hasText: /^Changed since offline/ });
    await expect
      .poll(() => changed.textContent(), { timeout: 60_000 })
      .toMatch(/^Changed since offline: this desk estimated ₹8,700\.00 from the figures as of .+; the server’s figures now give ₹6,000\.00\.$/);
    expect(await changed.locator('time').getAttribute('datetime')).toBe(confirmedAt);
    await expect.poll(() => booking.textContent(), { timeout: 20_000 }).toMatch(/^SURG Burr hole evacuation1₹60,000\.00₹60,000\.00₹54,000\.00₹0\.00Covered/);
    expect(await onCase.locator('dt:text-is("Patient pays (estimate)")').count()).toBe(1);
    expect(await onCase.getByTestId('patient-estimate').textContent()).toBe('₹6,000.00');
    expect(await figure(onCase, 'Charged for what is booked').textContent()).toBe('₹6,000.00 of ₹60,000.00');
    expect(await asOf.count()).toBe(0);
    const serverTime = await onCase
      .getByText(/^As the server computed them at /)
      .locator('time')
      .getAttribute('datetime');
    expect(Date.parse(serverTime ?? '')).toBeGreaterThan(Date.parse(confirmedAt));
    // S5 step 4's "after": deductible met 5,000, mother 6,000, family 14,700.
    expect(await usedOf(onCase, 'Family: deductible').textContent()).toBe('₹5,000.00');
    expect(await usedOf(onCase, 'Member: out of pocket').textContent()).toBe('₹6,000.00');
    expect(await usedOf(onCase, 'Family: out of pocket').textContent()).toBe('₹14,700.00');
    await expect.poll(() => connection(deskB).textContent(), { timeout: 10_000 }).toBe('Online');
    expect(env.deskB.backend.engine.current().pendingMutations).toBe(0);
    await screenshot(deskB, 's5-offline-3-server-split');
    expect(await seriousViolations(deskB)).toEqual([]);

    // The server holds the same split.
    const [charged] = await env.server.scratch.db.query<{ total: string }>('SELECT sum(amount)::text AS total FROM patient_charges WHERE case_id = $1', [
      caseId,
    ]);
    expect(Number(charged?.total)).toBe(units(6000));
  }, 300_000);
});
