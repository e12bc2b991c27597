import { describe, expect, it } from 'vitest';
import { closeEveryHold } from './liveness';
import { apply, initialState, openHolds, rollOver, type ModelState, type Request } from './model';

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
});
