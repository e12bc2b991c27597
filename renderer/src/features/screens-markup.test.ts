import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filter, firstValueFrom } from 'rxjs';
import type { DeskAnswer, DeskChannel } from '@desk-api/contract';
import { seedFamilyId, seedMemberIds } from '../../dev/fake-seed';
import { markupOf, textOf, unlabelledControls } from '../testing/markup';
import { fixtures } from '../testing/screens-fixture';
import { createTestWorkspace } from '../testing/workspace-fixture';

let context: Awaited<ReturnType<typeof createTestWorkspace>>;

function valueOf<C extends DeskChannel>(answer: DeskAnswer<C>): Extract<DeskAnswer<C>, { ok: true }>['value'] {
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.value as Extract<DeskAnswer<C>, { ok: true }>['value'];
}

beforeAll(async () => {
  context = await createTestWorkspace();
  await firstValueFrom(context.workspace.replication.status$.pipe(filter((status) => status.isReady)));
});
afterAll(async () => {
  await context.close();
});

describe('screens: labels on every input and the figures in words', () => {
  it('sign-in and enrollment', () => {
    for (const html of [markupOf(fixtures.signIn(context.workspace)), markupOf(fixtures.enroll(context.workspace))]) {
      expect(unlabelledControls(html)).toEqual([]);
      expect(html).toMatch(/<main id="main"/);
    }
  });

  it('find: the health-card field is focused first and named', () => {
    const html = markupOf(fixtures.find(context.workspace));
    expect(unlabelledControls(html)).toEqual([]);
    expect(textOf(html)).toContain('Health card number');
    expect(html).toMatch(/<input[^>]*aria-keyshortcuts="Alt\+F"/);
  });

  it('family: balance in Indian grouping with its confirmation, members with their next step', async () => {
    const { caseId } = valueOf<'cases.admit'>(await context.backend.call('cases.admit', { memberId: seedMemberIds.father, identityMethod: 'face' }));
    valueOf<'cases.requestPreauth'>(await context.backend.call('cases.requestPreauth', { caseId, packageCode: 'MG012A' }));
    const family = valueOf<'families.view'>(await context.backend.call('families.view', { familyId: seedFamilyId }));
    const text = textOf(markupOf(fixtures.family(context.workspace, family)));
    expect(text).toContain('Cover ₹10,000.00');
    expect(text).toContain('Committed ₹6,000.00');
    expect(text).toContain('Available ₹4,000.00');
    expect(text).toMatch(/confirmed by the server at/);
    expect(text).toContain('Open case of Ramesh Patil');
    expect(text).toContain('Identify and admit Sunita Patil');
  });

  it('admission: the committee path is explained and the hold preview is in words', async () => {
    const family = valueOf<'families.view'>(await context.backend.call('families.view', { familyId: seedFamilyId }));
    const html = markupOf(fixtures.admission(context.workspace, family));
    expect(unlabelledControls(html)).toEqual([]);
    const text = textOf(html);
    expect(text).toContain('Medical Committee reviews the case');
    expect(text).toContain('Estimated amount (₹)');
    expect(text).toMatch(/The family has ₹4,000.00 available/);
  });

  it('case: pre-auth, bookings with status words, running total against the hold, closing steps', async () => {
    const { caseId } = valueOf<'cases.admit'>(await context.backend.call('cases.admit', { memberId: seedMemberIds.mother, identityMethod: 'face' }));
    valueOf<'cases.requestPreauth'>(await context.backend.call('cases.requestPreauth', { caseId, packageCode: 'MG006A' }));
    for (const rupees of [3_000, 1_500])
      valueOf<'bookings.add'>(
        await context.backend.call('bookings.add', { caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: rupees * 100 }),
      );
    const view = valueOf<'cases.view'>(await context.backend.call('cases.view', { caseId }));
    const html = markupOf(fixtures.caseWork(context.workspace, { ...view, hasPendingChanges: false }));
    expect(unlabelledControls(html)).toEqual([]);
    const text = textOf(html);
    expect(text).toContain('Shortfall (patient pays) ₹1,000.00');
    expect(text).toContain('Covered');
    expect(text).toContain('Partly covered');
    expect(text).toMatch(/Booked ₹4,500.00 \+ this entry ₹0.00 = ₹4,500.00 · ₹500.00 beyond the hold/);
    expect(text).toContain('Discharge…');
    expect(text).toContain('Cancel this admission…');
    expect(html).toMatch(/<dialog[^>]*aria-labelledby=/);
  });

  it('case under cost sharing (S5’s mother, issue 14): 60,000 booked on a hold of 54,000 with 6,000 estimated as hers is not beyond the hold', async () => {
    const { caseId } = valueOf<'cases.admit'>(await context.backend.call('cases.admit', { memberId: seedMemberIds.son, identityMethod: 'face' }));
    valueOf<'cases.requestPreauth'>(await context.backend.call('cases.requestPreauth', { caseId, packageCode: 'MG006A' }));
    const view = valueOf<'cases.view'>(await context.backend.call('cases.view', { caseId }));
    // The figures the real desk reads from S5's pulled hold document (hold-estimate.test.ts in the desk backend).
    const mother = (bookingSum: number) => ({
      ...view,
      preauth: { ...view.preauth, requestedAmount: 6_000_000, shortfall: 0 },
      hold: { value: { amount: 5_400_000, consumed: 5_400_000, authorized: 6_000_000, patientEstimate: 600_000 }, confirmedAt: view.hold?.confirmedAt ?? null },
      bookingSum,
      hasPendingChanges: false,
    });
    const within = textOf(markupOf(fixtures.caseWork(context.workspace, mother(6_000_000))));
    expect(within).not.toContain('beyond');
    expect(within).toMatch(/Booked ₹60,000.00 \+ this entry ₹0.00 = ₹60,000.00 · ₹0.00 left of what the hold and the patient’s estimated part cover\./);
    expect(within).toContain('the patient’s estimated part is ₹6,000.00');
    const beyond = textOf(markupOf(fixtures.caseWork(context.workspace, mother(7_000_000))));
    expect(beyond).toMatch(/= ₹70,000.00 · ₹10,000.00 beyond the hold and the patient’s estimated part ?:/);
  });

  it('payment form offline: the balance of the bill last read here, as of its time, less what is queued (issue 14)', () => {
    const asOf = new Date(Date.now() - 60_000).toISOString();
    const offline = textOf(markupOf(fixtures.paymentForm(context.workspace, { owed: 250_000, queued: 400_000, asOf })));
    expect(offline).toMatch(
      /Offline: as of the bill last read here, at \d{1,2}[^,]*\d{2} [ap]m, the patient owes ₹2,500\.00, after ₹4,000\.00 taken here and queued \(pending\)\. Take at most that\./,
    );
    expect(offline).toContain('Whole balance');
    expect(offline).not.toContain('not known');
    const paidUp = textOf(markupOf(fixtures.paymentForm(context.workspace, { owed: 0, queued: 650_000, asOf })));
    expect(paidUp).toMatch(/^Nothing is owed on this case as of the bill last read here, at \d{1,2}[^,]*\d{2} [ap]m\./);
    expect(paidUp).not.toContain('Take a payment');
    const live = textOf(markupOf(fixtures.paymentForm(context.workspace, { owed: 100_000, queued: 0, asOf: null })));
    expect(live).toContain('The patient owes ₹1,000.00.');
    expect(live).not.toContain('Offline');
    const none = textOf(markupOf(fixtures.paymentForm(context.workspace, null)));
    expect(none).toContain('The balance is not known: no bill of this case has been read at this desk.');
    expect(none).not.toContain('Whole balance');
  });

  it('errors show the backend’s sentence and a retry', () => {
    const html = markupOf(fixtures.error({ code: 'desk-backend-unreachable', message: 'The desk backend is not reachable.' }));
    expect(html).toContain('role="alert"');
    expect(textOf(html)).toBe('The desk backend is not reachable. Try again');
  });
});
