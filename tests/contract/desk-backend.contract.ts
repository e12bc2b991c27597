import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseView, DeskAnswer, DeskArgs, DeskChannel, FamilyView } from '../../electron/desk-api/contract';

/**
 * One contract for every desk backend the renderer can be given: the real `DeskBackend` (with a
 * real sync server behind it) and the renderer's fake (`renderer/dev/fake-backend.ts`). The same
 * scenarios, with the numbers of /work/shared/SCENARIOS.md S1 and S2, run against both; the real
 * backend is the truth, and the fake is fixed wherever it disagrees (issue 20).
 *
 * What may differ between the two is when a figure appears (the real desk shows nothing from the
 * server before its push and pull); so every figure is read after `sync()`, which for both means
 * "the desk has pushed its outbox and pulled what the server decided".
 */
export interface ContractDesk {
  call<C extends DeskChannel>(channel: C, args: DeskArgs<C>): Promise<DeskAnswer<C>>;
  /** Push the outbox and pull what the server decided. */
  sync(): Promise<void>;
  /** Cut the desk off from the server, or give it back. */
  setOnline(isOnline: boolean): Promise<void>;
  /** PPD decides a pre-auth (S1 step 4); approve-lower and reject carry a reason. */
  decidePreauth(
    caseId: string,
    decision: 'approve' | 'approve-lower' | 'reject',
    details?: { readonly amount?: number; readonly reason?: string },
  ): Promise<void>;
  /** PPD approves part of an enhancement (S3). */
  approveEnhancementLower(caseId: string, enhancementId: string, amount: number, reason: string): Promise<void>;
  /** The Medical Committee recommends an amount for an unspecified package (S2). */
  recommendPreauth(caseId: string, amount: number): Promise<void>;
  /** Admin approves the committee's recommendation (S2). */
  approveUnspecified(caseId: string): Promise<void>;
  /** Hospital B's desk admits a member and requests a package (S1 step 2 seen from desk A). */
  admitElsewhere(memberId: string, packageCode: string): Promise<void>;
  /** HA sets the scheme's booking auto-extension tolerance, in basis points. */
  setAutoExtension(basisPoints: number): Promise<void>;
  close(): Promise<void>;
}

/** The S1 family: the same ids in the server's demo seed and the fake's seed. */
export const s1 = {
  familyId: '00000000-0000-4000-8000-0000000f0001',
  father: '00000000-0000-4000-8000-0000000f0011',
  mother: '00000000-0000-4000-8000-0000000f0012',
  son: '00000000-0000-4000-8000-0000000f0013',
  daughter: '00000000-0000-4000-8000-0000000f0014',
} as const;

/** Rupees to paise: SCENARIOS.md states amounts in units. */
const units = (rupees: number): number => rupees * 100;

function value<C extends DeskChannel>(answer: DeskAnswer<C>): Extract<DeskAnswer<C>, { ok: true }>['value'] {
  if (!answer.ok) throw new Error(`expected success, got ${answer.error.code}: ${answer.error.message}`);
  return answer.value as Extract<DeskAnswer<C>, { ok: true }>['value'];
}

/** Declare the contract for one kind of desk backend; `open` gives a fresh desk (and server) at hospital A, signed in as medco.a. */
export function describeDeskBackendContract(name: string, open: () => Promise<ContractDesk>, setupTimeoutMs = 120_000): void {
  describe(`desk backend contract: ${name}`, () => {
    let desk: ContractDesk;
    beforeEach(async () => {
      desk = await open();
    }, setupTimeoutMs);
    afterEach(async () => {
      await desk?.close();
    });

    const caseView = async (caseId: string): Promise<CaseView> => value<'cases.view'>(await desk.call('cases.view', { caseId }));
    const family = async (): Promise<FamilyView> => value<'families.view'>(await desk.call('families.view', { familyId: s1.familyId }));
    const admit = async (memberId: string): Promise<string> =>
      value<'cases.admit'>(await desk.call('cases.admit', { memberId, identityMethod: 'fingerprint' })).caseId;
    const book = async (caseId: string, rupees: number, itemCode = 'SVC'): Promise<string> =>
      value<'bookings.add'>(await desk.call('bookings.add', { caseId, itemCode, description: `Service ${itemCode}`, quantity: 1, unitPrice: units(rupees) }))
        .bookingId;
    /** Admitted with package MG012A (₹6,000) approved by PPD. */
    const approvedFatherCase = async (): Promise<string> => {
      const caseId = await admit(s1.father);
      value<'cases.requestPreauth'>(await desk.call('cases.requestPreauth', { caseId, packageCode: 'MG012A' }));
      await desk.sync();
      await desk.decidePreauth(caseId, 'approve');
      await desk.sync();
      return caseId;
    };

    it('S1: admit, pre-auth, a hold elsewhere with shortfall, bookings, discharge, a refused and an accepted claim; claimed bookings are kept', async () => {
      // Step 1: the father at hospital A, MG012A ₹6,000 → hold 6,000, available 4,000.
      const fatherCase = await admit(s1.father);
      await desk.sync();
      expect((await caseView(fatherCase)).status).toBe('admitted');
      value<'cases.requestPreauth'>(await desk.call('cases.requestPreauth', { caseId: fatherCase, packageCode: 'MG012A' }));
      await desk.sync();
      let view = await caseView(fatherCase);
      expect(view.preauth).toMatchObject({ status: 'pending', packageCode: 'MG012A', requestedAmount: units(6_000), shortfall: 0 });
      expect(view.hold?.value).toMatchObject({ amount: units(6_000), consumed: 0 });
      expect((await family()).balance.value).toEqual({ cover: units(10_000), committed: units(6_000), available: units(4_000) });

      // Step 2: the mother at hospital B, ₹5,000 → hold 4,000 (shortfall 1,000 recorded there).
      await desk.admitElsewhere(s1.mother, 'MG006A');
      await desk.sync();
      const afterMother = await family();
      expect(afterMother.balance.value).toEqual({ cover: units(10_000), committed: units(10_000), available: 0 });
      expect(afterMother.activeCases.find((active) => active.memberId === s1.mother)).toMatchObject({
        caseId: null,
        hospitalCode: 'HSP-B',
        isOwnHospital: false,
        holdAmount: units(4_000),
      });

      // Step 3: the father cannot be admitted again while his case is active (the desk knows: at once).
      const again = await desk.call('cases.admit', { memberId: s1.father, identityMethod: 'fingerprint' });
      expect(again.ok ? null : again.error.code).toBe('case-already-active');

      // Step 4: PPD approves; the hold is unchanged.
      await desk.decidePreauth(fatherCase, 'approve');
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.preauth.status).toBe('approved');
      expect(view.hold?.value.amount).toBe(units(6_000));

      // Step 5: bookings 2,500 + 3,000 + 500, all covered; booking sum 6,000 = hold.
      const bookingIds = [await book(fatherCase, 2_500, 'SVC1'), await book(fatherCase, 3_000, 'SVC2'), await book(fatherCase, 500, 'SVC3')];
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.bookings.map((booking) => [booking.status, booking.coveredAmount, booking.shortfallAmount])).toEqual([
        ['covered', units(2_500), 0],
        ['covered', units(3_000), 0],
        ['covered', units(500), 0],
      ]);
      expect(view.bookingSum).toBe(units(6_000));
      expect(view.hold?.value).toMatchObject({ amount: units(6_000), consumed: units(6_000) });

      // Step 6: discharge.
      value<'cases.discharge'>(await desk.call('cases.discharge', { caseId: fatherCase }));
      await desk.sync();
      expect((await caseView(fatherCase)).status).toBe('discharged');

      // Step 7: a claim of 5,900 is queued like any command, and the server's refusal comes back
      // after the push, naming the difference of 100.
      value<'cases.submitClaim'>(await desk.call('cases.submitClaim', { caseId: fatherCase, amount: units(5_900) }));
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.claim).toMatchObject({ amount: units(5_900), status: 'rejected', rejection: { code: 'claim-amount-mismatch' } });
      expect(view.claim?.rejection?.message).toMatch(/difference is ₹100\.00/);

      // Step 6 again, with the booking sum: accepted; the hold becomes the claim.
      value<'cases.submitClaim'>(await desk.call('cases.submitClaim', { caseId: fatherCase, amount: units(6_000) }));
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.claim).toMatchObject({ amount: units(6_000), status: 'submitted', rejection: null });
      expect((await family()).balance.value).toEqual({ cover: units(10_000), committed: units(10_000), available: 0 });
      // The claimed bookings stay on the desk (closed, kept for the claim and the audit), not tombstones.
      expect(view.bookings.map((booking) => booking.bookingId)).toEqual(bookingIds);
      const pulled = value<'replication.pull'>(await desk.call('replication.pull', { collection: 'bookings', checkpoint: null, limit: 100 }));
      const ours = pulled.documents.filter((document) => bookingIds.includes(document.id));
      expect(ours.map((document) => [document.id, document._deleted])).toEqual(expect.arrayContaining(bookingIds.map((id) => [id, false])));
      // A closed booking cannot be voided: refused by the server after the push.
      value<'bookings.void'>(await desk.call('bookings.void', { bookingId: bookingIds[0]!, reason: 'entered twice by mistake' }));
      await desk.sync();
      const closed = (await caseView(fatherCase)).bookings[0];
      expect(closed).toMatchObject({ isVoided: false, reason: expect.stringMatching(/claim/i) });
    });

    it("S2: the server holds the estimate at once; the committee's amount, approved by Admin, becomes the hold", async () => {
      const sonCase = await admit(s1.son);
      value<'cases.requestPreauth'>(
        await desk.call('cases.requestPreauth', { caseId: sonCase, packageCode: 'SG999U', estimatedAmount: units(2_000), clinicalNote: 'Rare procedure' }),
      );
      await desk.sync();
      let view = await caseView(sonCase);
      expect(view.preauth).toMatchObject({ status: 'committee-review', packageCode: 'SG999U', requestedAmount: units(2_000) });
      expect(view.hold?.value.amount).toBe(units(2_000));
      expect((await family()).balance.value).toEqual({ cover: units(10_000), committed: units(2_000), available: units(8_000) });
      await desk.recommendPreauth(sonCase, units(1_800));
      await desk.sync();
      expect((await caseView(sonCase)).preauth.status).toBe('admin-review');
      await desk.approveUnspecified(sonCase);
      await desk.sync();
      view = await caseView(sonCase);
      expect(view.preauth).toMatchObject({ status: 'approved', approvedAmount: units(1_800) });
      expect(view.hold?.value.amount).toBe(units(1_800));
      expect((await family()).balance.value).toEqual({ cover: units(10_000), committed: units(1_800), available: units(8_200) });
    });

    it("business refusals are not answered at once: the server's refusal arrives after the push as a rejected row", async () => {
      // An unspecified package without an estimate.
      const sonCase = await admit(s1.son);
      const noEstimate = await desk.call('cases.requestPreauth', { caseId: sonCase, packageCode: 'SG999U' });
      expect(noEstimate.ok).toBe(true);
      await desk.sync();
      let view = await caseView(sonCase);
      expect(view.preauth.status).toBe('rejected');
      expect(view.preauth.decisionReason).toMatch(/estimate/i);
      expect(view.hold).toBeNull();

      // A second pre-auth for a case that has one: the first stands, the second's refusal is said.
      const fatherCase = await admit(s1.father);
      value<'cases.requestPreauth'>(await desk.call('cases.requestPreauth', { caseId: fatherCase, packageCode: 'MG012A' }));
      await desk.sync();
      expect((await desk.call('cases.requestPreauth', { caseId: fatherCase, packageCode: 'MG006A' })).ok).toBe(true);
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.preauth).toMatchObject({ status: 'pending', packageCode: 'MG012A', requestedAmount: units(6_000) });
      expect(view.preauth.decisionReason).toMatch(/already/i);
      expect(view.hold?.value.amount).toBe(units(6_000));

      // A claim before discharge.
      await desk.decidePreauth(fatherCase, 'approve');
      await book(fatherCase, 1_000);
      await desk.sync();
      expect((await desk.call('cases.submitClaim', { caseId: fatherCase, amount: units(1_000) })).ok).toBe(true);
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.status).toBe('admitted');
      expect(view.claim).toMatchObject({ status: 'rejected', rejection: { code: 'claim-not-discharged' } });

      // An admission by one-time code with no verified code: the server says so, after the push.
      const unproven = await desk.call('cases.admit', { memberId: s1.daughter, identityMethod: 'otp' });
      expect(unproven.ok).toBe(true);
      await desk.sync();
      view = await caseView(unproven.ok ? unproven.value.caseId : '');
      expect(view).toMatchObject({ status: 'rejected', rejection: { code: 'identity-not-proven', message: expect.stringMatching(/verified/) } });
      expect((await family()).members.find((member) => member.memberId === s1.daughter)?.activeCase).toBeNull();
    });

    it('S3: an approval of 3,000 for a stay needing 4,200: bookings past it are shortfall; an enhancement of 1,200 approved at 1,000 grows the hold, 200 stays shortfall', async () => {
      const fatherCase = await admit(s1.father);
      value<'cases.requestPreauth'>(await desk.call('cases.requestPreauth', { caseId: fatherCase, packageCode: 'MG012A' }));
      await desk.sync();
      await desk.decidePreauth(fatherCase, 'approve-lower', { amount: units(3_000), reason: 'Shorter stay expected' });
      await desk.sync();
      let view = await caseView(fatherCase);
      expect(view.preauth).toMatchObject({ status: 'approved', approvedAmount: units(3_000), requestedAmount: units(6_000), shortfall: units(3_000) });
      expect(view.hold?.value).toMatchObject({ amount: units(3_000), authorized: units(3_000) });
      await book(fatherCase, 3_000, 'SVC1');
      await book(fatherCase, 1_200, 'SVC2');
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.bookings.map((booking) => [booking.status, booking.coveredAmount, booking.shortfallAmount])).toEqual([
        ['covered', units(3_000), 0],
        ['shortfall', 0, units(1_200)],
      ]);
      const { enhancementId } = value<'cases.requestEnhancement'>(
        await desk.call('cases.requestEnhancement', { caseId: fatherCase, amount: units(1_200), reason: 'Two more days on the ward' }),
      );
      await desk.sync();
      expect((await caseView(fatherCase)).enhancements).toEqual([expect.objectContaining({ enhancementId, requestedAmount: units(1_200), status: 'pending' })]);
      await desk.approveEnhancementLower(fatherCase, enhancementId, units(1_000), 'One more day is enough');
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.enhancements).toEqual([expect.objectContaining({ enhancementId, approvedAmount: units(1_000) })]);
      expect(view.hold?.value).toMatchObject({ amount: units(4_000), authorized: units(4_000), consumed: units(4_000) });
      expect(view.bookings.map((booking) => [booking.status, booking.coveredAmount, booking.shortfallAmount])).toEqual([
        ['covered', units(3_000), 0],
        ['partly-covered', units(1_000), units(200)],
      ]);
      expect((await family()).balance.value).toEqual({ cover: units(10_000), committed: units(4_000), available: units(6_000) });
    });

    it("a booking past the hold grows it within the scheme's auto-extension tolerance; beyond it is shortfall", async () => {
      await desk.setAutoExtension(1_000); // 10 %: a ₹6,000 authorization may grow to ₹6,600
      const fatherCase = await approvedFatherCase();
      await book(fatherCase, 6_000, 'SVC1');
      await book(fatherCase, 500, 'SVC2');
      await book(fatherCase, 200, 'SVC3');
      await desk.sync();
      const view = await caseView(fatherCase);
      expect(view.bookings.map((booking) => [booking.status, booking.coveredAmount, booking.shortfallAmount])).toEqual([
        ['covered', units(6_000), 0],
        ['covered', units(500), 0],
        ['partly-covered', units(100), units(100)],
      ]);
      expect(view.hold?.value).toMatchObject({ amount: units(6_600), consumed: units(6_600), authorized: units(6_000) });
      expect((await family()).balance.value).toEqual({ cover: units(10_000), committed: units(6_600), available: units(3_400) });
    });

    it('without tolerance a booking past the hold is shortfall, and the hold does not grow; voiding a covered booking re-covers it', async () => {
      const fatherCase = await approvedFatherCase();
      const first = await book(fatherCase, 5_500, 'SVC1');
      await book(fatherCase, 1_000, 'SVC2');
      await desk.sync();
      let view = await caseView(fatherCase);
      expect(view.bookings.map((booking) => [booking.status, booking.coveredAmount, booking.shortfallAmount])).toEqual([
        ['covered', units(5_500), 0],
        ['partly-covered', units(500), units(500)],
      ]);
      expect(view.hold?.value).toMatchObject({ amount: units(6_000), consumed: units(6_000) });
      // The part of the hold a void frees first covers the case's shortfall.
      value<'bookings.void'>(await desk.call('bookings.void', { bookingId: first, reason: 'Entered against the wrong patient' }));
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.bookings.map((booking) => [booking.isVoided, booking.coveredAmount, booking.shortfallAmount])).toEqual([
        [true, units(5_500), 0],
        [false, units(1_000), 0],
      ]);
      expect(view.bookings[1]?.status).toBe('covered');
      expect(view.bookingSum).toBe(units(1_000));
      expect(view.hold?.value).toMatchObject({ amount: units(6_000), consumed: units(1_000) });
    });

    it('a rejected pre-auth releases its hold; discharge, then bookings and a second discharge are refused by the server', async () => {
      const fatherCase = await admit(s1.father);
      value<'cases.requestPreauth'>(await desk.call('cases.requestPreauth', { caseId: fatherCase, packageCode: 'MG012A' }));
      await desk.sync();
      expect((await family()).balance.value.committed).toBe(units(6_000));
      await desk.decidePreauth(fatherCase, 'reject', { reason: 'Not medically necessary' });
      await desk.sync();
      let view = await caseView(fatherCase);
      expect(view.preauth).toMatchObject({ status: 'rejected', decisionReason: 'Not medically necessary' });
      expect(view.hold?.value.amount ?? 0).toBe(0);
      expect((await family()).balance.value).toEqual({ cover: units(10_000), committed: 0, available: units(10_000) });
      // Bookings after a rejection are the patient's: shortfall.
      await book(fatherCase, 1_000);
      await desk.sync();
      view = await caseView(fatherCase);
      expect(view.bookings.map((booking) => [booking.status, booking.coveredAmount, booking.shortfallAmount])).toEqual([['shortfall', 0, units(1_000)]]);

      value<'cases.discharge'>(await desk.call('cases.discharge', { caseId: fatherCase }));
      await desk.sync();
      expect((await caseView(fatherCase)).status).toBe('discharged');
      // The member is free again: no active case in the family view.
      expect((await family()).members.find((member) => member.memberId === s1.father)?.activeCase).toBeNull();
      // A booking for a discharged patient: queued, then refused by the server.
      expect(
        (await desk.call('bookings.add', { caseId: fatherCase, itemCode: 'LATE', description: 'After discharge', quantity: 1, unitPrice: units(100) })).ok,
      ).toBe(true);
      await desk.sync();
      view = await caseView(fatherCase);
      const late = view.bookings.find((booking) => booking.itemCode === 'LATE');
      expect(late).toMatchObject({ status: 'rejected', coveredAmount: null, reason: expect.stringMatching(/admitted|discharged/i) });
      expect(view.bookingSum).toBe(units(1_000));
      // Cancelling a discharged case, or discharging it again: queued, refused, and the case stays discharged.
      expect((await desk.call('cases.cancel', { caseId: fatherCase, reason: 'Admitted by mistake' })).ok).toBe(true);
      expect((await desk.call('cases.discharge', { caseId: fatherCase })).ok).toBe(true);
      await desk.sync();
      expect((await caseView(fatherCase)).status).toBe('discharged');
    });

    it("the patient's bill: a shortfall left by bookings is owed; cash taken offline is queued, then taken once with its receipt", async () => {
      // S1 step 2 the other way round: the father's package at B leaves 4,000 for the mother's ₹5,000 at A.
      await desk.admitElsewhere(s1.father, 'MG012A');
      const motherCase = await admit(s1.mother);
      value<'cases.requestPreauth'>(await desk.call('cases.requestPreauth', { caseId: motherCase, packageCode: 'MG006A' }));
      await desk.sync();
      await desk.decidePreauth(motherCase, 'approve');
      await desk.sync();
      await book(motherCase, 5_000, 'WARD');
      value<'cases.discharge'>(await desk.call('cases.discharge', { caseId: motherCase }));
      await desk.sync();
      const before = value<'settlement.bill'>(await desk.call('settlement.bill', { caseId: motherCase }));
      expect(before.unavailable).toBeNull();
      expect(before.bill?.lines.map((line) => [line.itemCode, line.amount, line.planPart, line.patientPart])).toEqual([
        ['WARD', units(5_000), units(4_000), units(1_000)],
      ]);
      expect(before.bill?.account).toMatchObject({ charged: units(1_000), paid: 0, owed: units(1_000) });

      // Bad input is refused at once, naming its field.
      const card = await desk.call('settlement.takePayment', { caseId: motherCase, amount: units(100), method: 'card' });
      expect(card.ok ? null : [card.error.code, card.error.details]).toEqual(['invalid-input', { field: 'reference' }]);

      await desk.setOnline(false);
      const { paymentId } = value<'settlement.takePayment'>(
        await desk.call('settlement.takePayment', { caseId: motherCase, amount: units(600), method: 'cash' }),
      );
      const offline = value<'settlement.bill'>(await desk.call('settlement.bill', { caseId: motherCase }));
      expect(offline.bill).toBeNull();
      expect(offline.unavailable?.code).toBe('offline-unavailable');
      expect(offline.deskPayments).toMatchObject([{ paymentId, amount: units(600), method: 'cash', state: 'queued' }]);
      expect(value<'settlement.receipt'>(await desk.call('settlement.receipt', { paymentId })).state).toBe('queued');

      await desk.setOnline(true);
      await desk.sync();
      const receipt = value<'settlement.receipt'>(await desk.call('settlement.receipt', { paymentId }));
      expect(receipt).toMatchObject({ state: 'answered', amount: units(600), method: 'cash', account: { paid: units(600), owed: units(400) } });
      expect(receipt.state === 'answered' ? receipt.receiptNumber : null).toMatch(/^HSP-A-R\d{6}$/);
      const after = value<'settlement.bill'>(await desk.call('settlement.bill', { caseId: motherCase }));
      expect(after.bill?.payments.map((payment) => [payment.paymentId, payment.amount])).toEqual([[paymentId, units(600)]]);
      expect(after.deskPayments).toEqual([]);

      // More than is owed by then: refused by the server after the push, in its words.
      const { paymentId: tooMuch } = value<'settlement.takePayment'>(
        await desk.call('settlement.takePayment', { caseId: motherCase, amount: units(500), method: 'upi', reference: 'UPI-REF-9' }),
      );
      await desk.sync();
      const refused = value<'settlement.receipt'>(await desk.call('settlement.receipt', { paymentId: tooMuch }));
      expect(refused).toMatchObject({ state: 'refused', error: { code: 'payment-exceeds-balance' } });
      expect(refused.state === 'refused' ? refused.error.message : '').toBe('The patient owes ₹400.00: ₹500.00 is more than that, and nothing was taken.');
    });

    it('the bill printed as a PDF through the desk; money given back out of a credit, with the reason, never more than the credit', async () => {
      // The mother owes 1,000 of a ₹5,000 ward booking, pays it, then the booking is voided: a credit of 1,000.
      await desk.admitElsewhere(s1.father, 'MG012A');
      const motherCase = await admit(s1.mother);
      value<'cases.requestPreauth'>(await desk.call('cases.requestPreauth', { caseId: motherCase, packageCode: 'MG006A' }));
      await desk.sync();
      await desk.decidePreauth(motherCase, 'approve');
      await desk.sync();
      const ward = await book(motherCase, 5_000, 'WARD');
      await desk.sync();
      value<'settlement.takePayment'>(await desk.call('settlement.takePayment', { caseId: motherCase, amount: units(1_000), method: 'cash' }));
      await desk.sync();
      value<'bookings.void'>(await desk.call('bookings.void', { bookingId: ward, reason: 'Entered on the wrong case' }));
      await desk.sync();
      const bill = value<'settlement.bill'>(await desk.call('settlement.bill', { caseId: motherCase }));
      expect(bill.bill?.account).toMatchObject({ charged: 0, paid: units(1_000), owed: 0, credit: units(1_000) });

      const pdf = value<'settlement.billPdf'>(await desk.call('settlement.billPdf', { caseId: motherCase }));
      expect(pdf.fileName).toBe(`patient-bill-${motherCase}.pdf`);
      expect(atob(pdf.pdfBase64).slice(0, 5)).toBe('%PDF-');

      // Bad input names its field and queues nothing.
      const noReason = await desk.call('settlement.refund', { caseId: motherCase, amount: units(400), method: 'cash', reason: ' ' });
      expect(noReason.ok ? null : [noReason.error.code, noReason.error.details]).toEqual(['invalid-input', { field: 'reason' }]);
      const noReference = await desk.call('settlement.refund', { caseId: motherCase, amount: units(400), method: 'upi', reason: 'Booking voided' });
      expect(noReference.ok ? null : [noReference.error.code, noReference.error.details]).toEqual(['invalid-input', { field: 'reference' }]);

      const { refundId } = value<'settlement.refund'>(
        await desk.call('settlement.refund', { caseId: motherCase, amount: units(400), method: 'cash', reason: 'Ward booking voided' }),
      );
      await desk.sync();
      const given = value<'settlement.receipt'>(await desk.call('settlement.receipt', { paymentId: refundId }));
      expect(given).toMatchObject({ state: 'answered', amount: units(400), method: 'cash', account: { refunded: units(400), credit: units(600) } });
      expect(given.state === 'answered' ? given.receiptNumber : null).toMatch(/^HSP-A-R\d{6}$/);
      const after = value<'settlement.bill'>(await desk.call('settlement.bill', { caseId: motherCase }));
      expect(after.bill?.payments.map((payment) => [payment.direction, payment.amount])).toEqual([
        ['payment', units(1_000)],
        ['refund', units(400)],
      ]);

      // More than the credit left: refused by the server after the push, in its words.
      const { refundId: tooMuch } = value<'settlement.refund'>(
        await desk.call('settlement.refund', { caseId: motherCase, amount: units(700), method: 'cash', reason: 'Ward booking voided' }),
      );
      await desk.sync();
      const refused = value<'settlement.receipt'>(await desk.call('settlement.receipt', { paymentId: tooMuch }));
      expect(refused).toMatchObject({ state: 'refused', error: { code: 'refund-exceeds-credit' } });
      expect(refused.state === 'refused' ? refused.error.message : '').toBe(
        "The patient's credit is ₹600.00: ₹700.00 is more than that, and nothing was given back.",
      );

      // Offline: no PDF, said so; money given back is queued and listed pending with the bill's payments.
      await desk.setOnline(false);
      const offlinePdf = await desk.call('settlement.billPdf', { caseId: motherCase });
      expect(offlinePdf.ok ? null : offlinePdf.error.code).toBe('offline-unavailable');
      const { refundId: queued } = value<'settlement.refund'>(
        await desk.call('settlement.refund', { caseId: motherCase, amount: units(250), method: 'cash', reason: 'Ward booking voided' }),
      );
      const offline = value<'settlement.bill'>(await desk.call('settlement.bill', { caseId: motherCase }));
      expect(offline.deskPayments.filter((payment) => payment.state === 'queued')).toMatchObject([
        { paymentId: queued, direction: 'refund', method: 'cash', amount: units(250), reason: 'Ward booking voided', secondaryPayer: null },
      ]);
      await desk.setOnline(true);
      await desk.sync();
      const taken = value<'settlement.bill'>(await desk.call('settlement.bill', { caseId: motherCase }));
      expect(taken.bill?.account).toMatchObject({ refunded: units(650), credit: units(350) });
      expect(taken.deskPayments.filter((payment) => payment.state === 'queued')).toEqual([]);
    });

    it('offline: commands queue as pending and the server decides them on reconnect (S1-offline)', async () => {
      await desk.setOnline(false);
      const motherCase = await admit(s1.mother);
      value<'cases.requestPreauth'>(await desk.call('cases.requestPreauth', { caseId: motherCase, packageCode: 'MG006A' }));
      await book(motherCase, 3_000);
      await desk.sync();
      let view = await caseView(motherCase);
      expect(view.status).toBe('pending-sync');
      expect(view.preauth.status).toBe('pending-sync');
      expect(view.hold).toBeNull();
      expect(view.bookings.map((booking) => booking.status)).toEqual(['pending']);
      expect((await family()).pendingAmount).toBe(units(3_000));
      await desk.setOnline(true);
      await desk.sync();
      view = await caseView(motherCase);
      expect(view.status).toBe('admitted');
      expect(view.preauth).toMatchObject({ status: 'pending', requestedAmount: units(5_000), shortfall: 0 });
      expect(view.hold?.value).toMatchObject({ amount: units(5_000), consumed: units(3_000) });
      expect(view.bookings.map((booking) => [booking.status, booking.coveredAmount])).toEqual([['covered', units(3_000)]]);
      const after = await family();
      expect(after.pendingAmount).toBe(0);
      expect(after.balance.value).toEqual({ cover: units(10_000), committed: units(5_000), available: units(5_000) });
      // Discharge with bookings and the pre-auth still undecided: the claim would need a decision
      // nobody can take after discharge, so the server refuses; the patient stays admitted.
      expect((await desk.call('cases.discharge', { caseId: motherCase })).ok).toBe(true);
      await desk.sync();
      expect((await caseView(motherCase)).status).toBe('admitted');
      expect((await family()).members.find((member) => member.memberId === s1.mother)?.activeCase).toMatchObject({ caseId: motherCase, isOwnHospital: true });
    });

    it('what the patient pays: the accumulators and the estimate online, then the last confirmed copy offline, provisional', async () => {
      // At admission, before anything is booked: the package chosen, no case yet (S1's cashless cover).
      const atAdmission = value<'benefits.view'>(await desk.call('benefits.view', { memberId: s1.father, packageCode: 'MG012A' }));
      expect(atAdmission).toMatchObject({
        source: 'server',
        unavailable: null,
        planId: 'CASHLESS',
        hasCostSharing: false,
        isProvisional: false,
        changedFrom: null,
      });
      expect(atAdmission.estimate).toMatchObject({
        packageAmount: units(6_000),
        booked: 0,
        chargedSoFar: 0,
        rest: units(6_000),
        total: 0,
        planPart: units(6_000),
      });
      expect(atAdmission.balances.map((b) => [b.unit, b.memberId, b.type, b.category, b.allowed, b.used, b.remaining])).toEqual([
        ['family', null, 'deductible', 'combined', 0, 0, 0],
        ['family', null, 'out-of-pocket-maximum', 'combined', null, 0, null],
        ['family', null, 'benefit', 'medical', null, 0, null],
        ['family', null, 'benefit', 'pharmacy', null, 0, null],
        ['individual', s1.father, 'deductible', 'combined', null, 0, null],
        ['individual', s1.father, 'out-of-pocket-maximum', 'combined', null, 0, null],
        ['individual', s1.father, 'benefit', 'combined', null, 0, null],
      ]);
      const unknownPackage = await desk.call('benefits.view', { memberId: s1.father, packageCode: 'NO-SUCH' });
      expect(unknownPackage.ok ? null : unknownPackage.error.code).toBe('not-found');

      // The case: 6,000 booked of the 6,000 package, all covered → the patient pays nothing.
      const caseId = await approvedFatherCase();
      await book(caseId, 6_000);
      await desk.sync();
      const online = value<'benefits.view'>(await desk.call('benefits.view', { memberId: s1.father, caseId }));
      expect(online.estimate).toMatchObject({ packageAmount: units(6_000), booked: units(6_000), chargedSoFar: 0, rest: 0, total: 0 });
      expect(online.source).toBe('server');

      // Offline: the same figures, from the copy, with the time the server computed them.
      await desk.setOnline(false);
      const offline = value<'benefits.view'>(await desk.call('benefits.view', { memberId: s1.father, caseId }));
      expect(offline).toMatchObject({ source: 'last-confirmed', computedAt: online.computedAt, isProvisional: true, changedFrom: null });
      expect(offline.unavailable?.code).toBe('offline-unavailable');
      expect(offline.estimate?.total).toBe(0);
      // The copy is the family's: the mother's figures are in it too.
      const mother = value<'benefits.view'>(await desk.call('benefits.view', { memberId: s1.mother }));
      expect(mother).toMatchObject({ source: 'last-confirmed', computedAt: online.computedAt, estimate: null, isProvisional: false });
      expect(mother.balances.filter((b) => b.memberId !== null).map((b) => b.memberId)).toEqual([s1.mother, s1.mother, s1.mother]);
    });

    it("the hospital's own figures online, counting its claims; offline they need a connection, no old copy", async () => {
      const before = value<'kpis.view'>(await desk.call('kpis.view', {}));
      expect(before).toMatchObject({ perspective: 'hospital', filters: { hospital: 'HSP-A', district: null, specialty: null, package: null } });
      expect(before.months.map((month) => month.month).at(-1)).toBe(before.filters.to);
      expect(before.months).toHaveLength(12);

      // S1's claim of 6,000, accepted: one more claim charged to the scheme this period.
      const caseId = await approvedFatherCase();
      await book(caseId, 6_000);
      value<'cases.discharge'>(await desk.call('cases.discharge', { caseId }));
      await desk.sync();
      value<'cases.submitClaim'>(await desk.call('cases.submitClaim', { caseId, amount: units(6_000) }));
      await desk.sync();
      const after = value<'kpis.view'>(await desk.call('kpis.view', {}));
      expect(after.period.charges).toEqual({ claims: before.period.charges.claims + 1, amount: before.period.charges.amount + units(6_000) });
      expect(after.computedAt >= before.computedAt).toBe(true);

      await desk.setOnline(false);
      const offline = await desk.call('kpis.view', {});
      expect(offline.ok).toBe(false);
      expect(offline.ok ? null : offline.error).toMatchObject({ code: 'offline-unavailable', message: expect.stringMatching(/need a connection/) });
    });
  });
}
