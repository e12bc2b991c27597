import { describe, expect, it } from 'vitest';
import { closeEveryHold } from './liveness';
import { accumulatorOf, apply, initialState, openHolds, patientAccount, rollOver, secondaryBalanceOf, type ModelState, type Request } from './model';

/**
 * The reference model and its liveness search on their own (no server): a few worked examples with
 * amounts computed by hand from the rules, and the search refusing a state with a stranded hold —
 * the class of bug issue 22 was filed for (a discharged case whose hold nothing could end).
 */
const rupees = (n: number) => n * 100;
const members = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
const fresh = (cover = rupees(10_000)): ModelState =>
  initialState({ now: Date.parse('2026-06-15T12:00:00+05:30'), firstYear: 2026, memberIds: members, cover });
let counter = 0;
const id = () => `00000000-0000-4000-8000-${String((counter += 1)).padStart(12, '0')}`;

function run(state: ModelState, request: Request) {
  return apply(state, request);
}

describe('the reference model', () => {
  it('holds what the cover has left, extends within the tolerance, and claims the booking sum', () => {
    const state = fresh(rupees(10_000));
    const father = id();
    const mother = id();
    expect(run(state, { actor: 'medco.a', name: 'admit', body: { caseId: father, memberId: members[0], identityMethod: 'fingerprint' } }).status).toBe(200);
    expect(run(state, { actor: 'medco.a', name: 'request-preauth', body: { caseId: father, packageCode: 'MG012A' } }).result).toMatchObject({
      holdAmount: rupees(6_000),
      shortfall: 0,
    });
    expect(run(state, { actor: 'ppd', name: 'decide-preauth', body: { caseId: father, decision: 'approve' } }).status).toBe(200);
    // ₹6,000 held and authorized, tolerance 10 %: a ₹7,000 booking takes the hold and extends it by ₹600; ₹400 is shortfall.
    const bookingId = id();
    expect(
      run(state, {
        actor: 'medco.a',
        name: 'add-booking',
        body: { bookingId, caseId: father, itemCode: 'SVC', description: 'x', quantity: 1, unitPrice: rupees(7_000) },
      }).result,
    ).toMatchObject({
      coveredAmount: rupees(6_600),
      shortfallAmount: rupees(400),
      coverage: 'partly-covered',
      hold: { amount: rupees(6_600), extended: rupees(600) },
    });
    expect(run(state, { actor: 'medco.b', name: 'admit', body: { caseId: mother, memberId: members[1], identityMethod: 'fingerprint' } }).status).toBe(200);
    // ₹3,400 left of ₹10,000: the SB001A request (₹7,500) is held in part.
    expect(run(state, { actor: 'medco.b', name: 'request-preauth', body: { caseId: mother, packageCode: 'SB001A' } }).result).toMatchObject({
      holdAmount: rupees(3_400),
      shortfall: rupees(4_100),
    });
    // Hospital A cannot see hospital B's case; a desk may not decide.
    expect(run(state, { actor: 'medco.a', name: 'discharge', body: { caseId: mother } })).toEqual({ status: 404, code: 'not-found' });
    expect(run(state, { actor: 'medco.a', name: 'decide-preauth', body: { caseId: mother, decision: 'approve' } })).toEqual({
      status: 403,
      code: 'forbidden-role',
    });
    // The claim is the booking sum: ₹6,600 from the cover, ₹400 the patient's.
    expect(run(state, { actor: 'medco.a', name: 'discharge', body: { caseId: father } }).result).toMatchObject({
      bookingSum: rupees(7_000),
      nextStep: 'submit-claim',
    });
    expect(run(state, { actor: 'medco.a', name: 'submit-claim', body: { claimId: id(), caseId: father, amount: rupees(6_999) } })).toEqual({
      status: 409,
      code: 'claim-amount-mismatch',
    });
    expect(run(state, { actor: 'medco.a', name: 'submit-claim', body: { claimId: id(), caseId: father, amount: rupees(7_000) } }).result).toMatchObject({
      payerAmount: rupees(6_600),
      patientAmount: rupees(400),
      released: 0,
    });
    expect(state.committed[2026]).toBe(rupees(10_000));
  });

  it('puts a backdated admission after the roll-over in the closed year', () => {
    const state = fresh();
    rollOver(state);
    const caseId = id();
    const answer = run(state, {
      actor: 'medco.a',
      name: 'admit',
      body: { caseId, memberId: members[0], identityMethod: 'fingerprint', admittedAt: new Date(state.now - 20 * 60_000).toISOString() },
    });
    expect(answer.result).toMatchObject({ policyYear: 2026, flaggedForReview: true });
    run(state, { actor: 'medco.a', name: 'request-preauth', body: { caseId, packageCode: 'MG012A' } });
    expect({ 2026: state.committed[2026], 2027: state.committed[2027] }).toEqual({ 2026: rupees(6_000), 2027: undefined });
  });

  it('sends what the patient owes to secondary payers, withdraws from them first on a reversal, and settles their money', () => {
    const state = fresh();
    const caseId = id();
    const desk = (name: string, body: Record<string, unknown>) => run(state, { actor: 'medco.a', name, body: { caseId, ...body } });
    const aco = (name: string, body: Record<string, unknown>) => run(state, { actor: 'aco', name, body });
    const book = (bookingId: string, amount: number) => desk('add-booking', { bookingId, itemCode: 'SVC', description: 'x', quantity: 1, unitPrice: amount });
    const send = (paymentId: string, amount: number, secondaryPayer: string) =>
      desk('take-payment', { paymentId, amount, method: 'secondary', secondaryPayer, reference: 'POLICY-1' });
    desk('admit', { memberId: members[0], identityMethod: 'fingerprint' });
    desk('request-preauth', { packageCode: 'MG012A' });
    run(state, { actor: 'ppd', name: 'decide-preauth', body: { caseId, decision: 'approve' } });
    // ₹7,000 on a ₹6,000 approval (tolerance 10 %): ₹6,600 covered, ₹400 the patient's.
    const [ward, drugs, fund, topUp] = [id(), id(), id(), id()];
    expect(book(ward, rupees(7_000)).result).toMatchObject({ coveredAmount: rupees(6_600), shortfallAmount: rupees(400) });
    // ₹300 of it to the serious-illness fund, ₹100 in cash: owed 400 − 300 − 100 = 0.
    expect(send(fund, rupees(300), 'serious-illness-fund').result).toMatchObject({
      account: { charged: rupees(400), paid: 0, secondary: rupees(300), owed: rupees(100), credit: 0 },
      secondaryClaim: { claimId: fund, payer: 'serious-illness-fund', amount: rupees(300) },
    });
    expect(desk('take-payment', { paymentId: id(), amount: rupees(101), method: 'cash' })).toEqual({
      status: 409,
      code: 'payment-exceeds-balance',
      details: { owed: rupees(100), requested: rupees(101) },
    });
    desk('take-payment', { paymentId: id(), amount: rupees(100), method: 'cash' });
    // ₹500 more, past the hold's ceiling of ₹6,600: all of it shortfall, sent to the top-up a minute later.
    expect(book(drugs, rupees(500)).result).toMatchObject({ coveredAmount: 0, shortfallAmount: rupees(500) });
    state.now += 60_000;
    expect(send(topUp, rupees(500), 'commercial-top-up').result).toMatchObject({
      account: { charged: rupees(900), paid: rupees(100), secondary: rupees(800), owed: 0 },
    });
    // Money only on a decided claim, and not dated after today.
    expect(aco('record-secondary-remittance', { claimId: topUp, movement: 'remittance', amount: 1, reference: 'N', valueDate: '2026-06-15' })).toEqual({
      status: 409,
      code: 'secondary-claim-undecided',
    });
    expect(aco('record-secondary-remittance', { claimId: topUp, movement: 'remittance', amount: 1, reference: 'N', valueDate: '2026-06-16' }).status).toBe(400);
    // The fund accepts ₹200 of ₹300: the ₹100 it rejects is the patient's again (secondary 800 − 100 = 700, owed 100).
    const partial = { claimId: fund, decision: 'partial', acceptedAmount: rupees(200), reasonCode: 'limit-reached', payerReference: 'SIF-1' };
    expect(aco('decide-secondary-claim', { ...partial, acceptedAmount: rupees(300) })).toEqual({ status: 400, code: 'invalid-input' });
    expect(aco('decide-secondary-claim', partial).result).toMatchObject({
      decision: 'partial',
      amount: rupees(300),
      acceptedAmount: rupees(200),
      rejectedAmount: rupees(100),
      account: { charged: rupees(900), paid: rupees(100), secondary: rupees(700), owed: rupees(100) },
    });
    expect(aco('decide-secondary-claim', { claimId: fund, decision: 'accept', payerReference: 'SIF-2' })).toEqual({
      status: 409,
      code: 'secondary-claim-decided',
      details: { decision: 'partial', acceptedAmount: rupees(200), rejectedAmount: rupees(100) },
    });
    expect(aco('record-secondary-remittance', { claimId: fund, movement: 'remittance', amount: rupees(201), reference: 'N', valueDate: '2026-06-15' })).toEqual(
      {
        status: 409,
        code: 'remittance-exceeds-owed',
        details: { owed: rupees(200), requested: rupees(201) },
      },
    );
    expect(
      aco('record-secondary-remittance', { claimId: fund, movement: 'remittance', amount: rupees(200), reference: 'N', valueDate: '2026-06-15' }).result,
    ).toMatchObject({
      balance: { owedTotal: rupees(200), remitted: rupees(200), refunded: 0, payerOwes: 0, refundOwed: 0 },
    });
    // Void the ₹500: charged 900 → 400, settled 100 + 700 = 800, excess min(700, 800 − 400) = 400. The
    // undecided top-up claim goes first: 500 → 100 (the patient's ₹100 owed is gone too: owed 0).
    desk('void-booking', { bookingId: drugs, reason: 'Entered by mistake' });
    expect(state.secondaryClaims[topUp]).toMatchObject({ amount: rupees(500), withdrawn: rupees(400), decision: null });
    expect(patientAccount(state, state.cases[caseId]!)).toMatchObject({ charged: rupees(400), secondary: rupees(300), owed: 0, credit: 0 });
    expect(aco('decide-secondary-claim', { claimId: topUp, decision: 'accept', payerReference: 'CT-1' }).result).toMatchObject({
      amount: rupees(100),
      acceptedAmount: rupees(100),
      rejectedAmount: 0,
    });
    // Void the ₹7,000: charged 0, settled 100 + 300 = 400, excess min(300, 400) = 300, all from decided
    // claims, newest first: the top-up's ₹100, then the fund's ₹200, refundable to them; the
    // patient's ₹100 cash is the patient's credit.
    desk('void-booking', { bookingId: ward, reason: 'Entered by mistake' });
    expect(patientAccount(state, state.cases[caseId]!)).toEqual({ charged: 0, paid: rupees(100), refunded: 0, secondary: 0, owed: 0, credit: rupees(100) });
    expect([secondaryBalanceOf(state.secondaryClaims[fund]!), secondaryBalanceOf(state.secondaryClaims[topUp]!)]).toEqual([
      { owedTotal: 0, remitted: rupees(200), refunded: 0, payerOwes: 0, refundOwed: rupees(200) },
      { owedTotal: 0, remitted: 0, refunded: 0, payerOwes: 0, refundOwed: 0 },
    ]);
    // The fund paid ₹200 it no longer owes: at most that goes back to it, and then the claim is settled.
    expect(aco('record-secondary-remittance', { claimId: fund, movement: 'refund', amount: rupees(250), reference: 'N', valueDate: '2026-06-15' })).toEqual({
      status: 409,
      code: 'refund-exceeds-overpaid',
      details: { overpaid: rupees(200), requested: rupees(250) },
    });
    expect(
      aco('record-secondary-remittance', { claimId: fund, movement: 'refund', amount: rupees(200), reference: 'N', valueDate: '2026-06-15' }).result,
    ).toMatchObject({
      balance: { owedTotal: 0, remitted: rupees(200), refunded: rupees(200), payerOwes: 0, refundOwed: 0 },
    });
    expect(desk('refund-payment', { refundId: id(), amount: rupees(100), method: 'cash', reason: 'Voided' }).result).toMatchObject({
      account: { paid: rupees(100), refunded: rupees(100), secondary: 0, owed: 0, credit: 0 },
    });
  });

  it('refuses to decide a claim that reversals withdrew whole', () => {
    const state = fresh();
    const caseId = id();
    const bookingId = id();
    const claimId = id();
    run(state, { actor: 'medco.a', name: 'admit', body: { caseId, memberId: members[0], identityMethod: 'fingerprint' } });
    run(state, { actor: 'medco.a', name: 'request-preauth', body: { caseId, packageCode: 'MG012A' } });
    run(state, { actor: 'ppd', name: 'decide-preauth', body: { caseId, decision: 'approve' } });
    run(state, {
      actor: 'medco.a',
      name: 'add-booking',
      body: { bookingId, caseId, itemCode: 'SVC', description: 'x', quantity: 1, unitPrice: rupees(7_000) },
    });
    const sent = { paymentId: claimId, caseId, amount: rupees(400), method: 'secondary', secondaryPayer: 'serious-illness-fund', reference: 'P' };
    run(state, { actor: 'medco.a', name: 'take-payment', body: sent });
    // Cancelled: the ₹400 charge is reversed, and the claim with it.
    run(state, { actor: 'medco.a', name: 'cancel-case', body: { caseId, reason: 'Admitted by mistake' } });
    expect(run(state, { actor: 'aco', name: 'decide-secondary-claim', body: { claimId, decision: 'accept', payerReference: 'SIF-1' } })).toEqual({
      status: 409,
      code: 'secondary-claim-withdrawn',
    });
    expect(run(state, { actor: 'medco.a', name: 'decide-secondary-claim', body: { claimId, decision: 'accept', payerReference: 'SIF-1' } })).toEqual({
      status: 403,
      code: 'forbidden-role',
    });
  });
});

describe('the liveness search', () => {
  it('finds how a discharged, booked case ends: decide first, then discharge and claim', () => {
    const state = fresh();
    const caseId = id();
    run(state, { actor: 'medco.a', name: 'admit', body: { caseId, memberId: members[0], identityMethod: 'fingerprint' } });
    run(state, { actor: 'medco.a', name: 'request-preauth', body: { caseId, packageCode: 'MG012A' } });
    run(state, { actor: 'ppd', name: 'decide-preauth', body: { caseId, decision: 'query', reason: 'Report?' } });
    run(state, {
      actor: 'medco.a',
      name: 'add-booking',
      body: { bookingId: id(), caseId, itemCode: 'SVC', description: 'x', quantity: 1, unitPrice: rupees(2_500) },
    });
    const found = closeEveryHold(state);
    expect(found.ok && found.plan.map((r) => r.name)).toEqual(['respond-query', 'decide-preauth', 'discharge', 'submit-claim']);
    // The search leaves the state it was given alone.
    expect(openHolds(state)).toHaveLength(1);
  });

  it('reports a hold that no allowed command can end', () => {
    const state = fresh();
    const caseId = id();
    run(state, { actor: 'medco.a', name: 'admit', body: { caseId, memberId: members[0], identityMethod: 'fingerprint' } });
    run(state, { actor: 'medco.a', name: 'request-preauth', body: { caseId, packageCode: 'MG012A' } });
    // The bug issue 22 was filed for, written into the state: discharged with nothing booked, the
    // pre-auth cancelled, and the hold left active (the old discharge did exactly this).
    const stranded = state.cases[caseId]!;
    stranded.status = 'discharged';
    stranded.preauth!.status = 'cancelled';
    const found = closeEveryHold(state);
    expect(found.ok ? 'closed' : found.stuck.id).toBe(caseId);
  });

  it('splits S5 (SCENARIOS.md) on the State top-up plan step by step, with its exact numbers', () => {
    const s5 = ['00000000-0000-4000-8000-0000000005f1', '00000000-0000-4000-8000-0000000005f2', '00000000-0000-4000-8000-0000000005f3'];
    const [father, mother, daughter] = ['PMJ-S5F', 'PMJ-S5M', 'PMJ-S5D'];
    const state = initialState({
      now: Date.parse('2026-06-15T12:00:00+05:30'),
      firstYear: 2026,
      memberIds: s5,
      schemeMemberIds: [father, mother, daughter],
      cover: rupees(200_000),
      plan: 'state-topup',
    });
    const rx = (memberId: string, amount: number, claimId: string) =>
      run(state, { actor: 'pharmacy', name: 'pharmacy-claim', body: { claimId, memberId, drugCode: 'RX-1', quantity: 1, unitPrice: rupees(amount) } });
    const book = (actor: 'medco.a' | 'medco.b', caseId: string, amount: number) =>
      run(state, { actor, name: 'add-booking', body: { bookingId: id(), caseId, itemCode: 'SVC', description: 'x', quantity: 1, unitPrice: rupees(amount) } });
    const outOfPocket = (holder: 'family' | number) => {
      const a = accumulatorOf(state, 2026, holder, 'out-of-pocket');
      return a.medical + a.pharmacy;
    };
    // 1: pharmacy claim, father, 2,000 → all deductible.
    expect(rx(father, 2_000, 'RX-1').result).toMatchObject({ planPays: 0, memberPays: rupees(2_000), costShare: { deductible: rupees(2_000) } });
    // 2: the father's pre-auth of 40,000 (an estimated package) → estimate 6,700, hold 33,300.
    const fatherCase = id();
    run(state, { actor: 'medco.a', name: 'admit', body: { caseId: fatherCase, memberId: s5[0], identityMethod: 'otp' } });
    expect(
      run(state, { actor: 'medco.a', name: 'request-preauth', body: { caseId: fatherCase, packageCode: 'SG999U', estimatedAmount: rupees(40_000) } }).result,
    ).toMatchObject({ holdAmount: rupees(33_300), shortfall: 0, patientEstimate: { deductible: rupees(3_000), total: rupees(6_700) } });
    run(state, { actor: 'mc', name: 'recommend-preauth', body: { caseId: fatherCase, recommendedAmount: rupees(40_000), reason: 'As estimated' } });
    expect(run(state, { actor: 'admin', name: 'approve-unspecified', body: { caseId: fatherCase, decision: 'approve' } }).result).toMatchObject({
      holdAmount: rupees(33_300),
      shortfall: 0,
    });
    // 3: bookings 25,000 then 15,000 → 5,200 then 1,500; the hold fully used.
    expect(book('medco.a', fatherCase, 25_000).result).toMatchObject({ coveredAmount: rupees(19_800), costShare: { total: rupees(5_200) } });
    expect(book('medco.a', fatherCase, 15_000).result).toMatchObject({
      coveredAmount: rupees(13_500),
      shortfallAmount: 0,
      costShare: { total: rupees(1_500) },
      hold: { amount: rupees(33_300), consumed: rupees(33_300) },
    });
    expect([outOfPocket(0), outOfPocket('family')]).toEqual([rupees(8_700), rupees(8_700)]);
    // 4: the mother at hospital B, 60,000 → 6,000.
    const motherCase = id();
    run(state, { actor: 'medco.b', name: 'admit', body: { caseId: motherCase, memberId: s5[1], identityMethod: 'otp' } });
    run(state, { actor: 'medco.b', name: 'request-preauth', body: { caseId: motherCase, packageCode: 'SG999U', estimatedAmount: rupees(60_000) } });
    run(state, { actor: 'mc', name: 'recommend-preauth', body: { caseId: motherCase, recommendedAmount: rupees(60_000), reason: 'As estimated' } });
    run(state, { actor: 'admin', name: 'approve-unspecified', body: { caseId: motherCase, decision: 'approve' } });
    expect(book('medco.b', motherCase, 60_000).result).toMatchObject({ coveredAmount: rupees(54_000), costShare: { total: rupees(6_000) } });
    // 5: father's pharmacy claim of 30,000 → 3,300 (member maximum); 6: daughter 10,000 → 2,000 (family maximum); 7: 5,000 → 0.
    expect(rx(father, 30_000, 'RX-5').result).toMatchObject({ planPays: rupees(26_700), memberPays: rupees(3_300) });
    expect(rx(daughter, 10_000, 'RX-6').result).toMatchObject({ planPays: rupees(8_000), memberPays: rupees(2_000) });
    expect(outOfPocket('family')).toBe(rupees(20_000));
    expect(rx(daughter, 5_000, 'RX-7').result).toMatchObject({ planPays: rupees(5_000), memberPays: 0 });
    // 8: the pharmacy reverses step 6: 2,000 refunded, 8,000 back to the cover; step 7 stands.
    expect(run(state, { actor: 'pharmacy', name: 'pharmacy-reversal', body: { claimId: 'RX-6' } }).result).toEqual({
      status: 'reversed',
      refund: rupees(2_000),
      planReturned: rupees(8_000),
    });
    // The end: committed 119,000; father 12,000, mother 6,000, daughter 0, family 18,000; deductible 5,000; medical 12,700, pharmacy 5,300.
    expect(state.committed[2026]).toBe(rupees(119_000));
    expect([outOfPocket(0), outOfPocket(1), outOfPocket(2), outOfPocket('family')]).toEqual([rupees(12_000), rupees(6_000), 0, rupees(18_000)]);
    const deductible = accumulatorOf(state, 2026, 'family', 'deductible');
    expect(deductible.medical + deductible.pharmacy).toBe(rupees(5_000));
    expect(accumulatorOf(state, 2026, 'family', 'out-of-pocket')).toEqual({ medical: rupees(12_700), pharmacy: rupees(5_300) });
  });
});
