import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideCharge, movementsOf, noAccumulation, type AccumulatorState, type ChargeInput, type PlanYear } from './plan-design';

const units = (n: number) => n * 100;

const stateTopUp: PlanYear = {
  planId: 'STATE-TOPUP',
  policyYear: 2026,
  familyDeductible: units(5000),
  memberDeductible: null,
  coinsuranceBp: { medical: 1000, pharmacy: 2000 },
  copayAdmission: 0,
  copayPrescription: 0,
  memberOutOfPocketMax: units(12_000),
  familyOutOfPocketMax: units(20_000),
  memberSubLimit: null,
  categoryLimit: { medical: null, pharmacy: null },
  isNetworkRestricted: false,
};
const medical = (amount: number, more: Partial<ChargeInput> = {}): ChargeInput => ({
  coverage: 'medical',
  amount,
  isCopayDue: false,
  isInNetwork: true,
  isInWaitingPeriod: false,
  ...more,
});

describe('a plan year applied to a charge', () => {
  it("S5 step 2's estimate: 40,000 after a 2,000 pharmacy deductible → 6,700 (3,000 + 3,700), plan 33,300", () => {
    const state: AccumulatorState = {
      ...noAccumulation,
      familyDeductibleMet: units(2000),
      memberDeductibleMet: units(2000),
      familyOutOfPocket: units(2000),
      memberOutOfPocket: units(2000),
    };
    expect(decideCharge(stateTopUp, state, medical(units(40_000)))).toEqual({
      amount: units(40_000),
      deductible: units(3000),
      coinsurance: units(3700),
      copay: 0,
      costShare: units(6700),
      planPart: units(33_300),
      notPaid: 0,
      notPaidReason: null,
    });
  });

  it('outside a restricted network, or within a waiting period, the plan pays nothing and nothing accumulates', () => {
    const restricted = { ...stateTopUp, isNetworkRestricted: true };
    expect(decideCharge(restricted, noAccumulation, medical(units(1000), { isInNetwork: false }))).toMatchObject({
      costShare: 0,
      planPart: 0,
      notPaid: units(1000),
      notPaidReason: 'out-of-network',
    });
    expect(decideCharge(restricted, noAccumulation, medical(units(1000)))).toMatchObject({ planPart: 0, deductible: units(1000) });
    expect(decideCharge(stateTopUp, noAccumulation, medical(units(1000), { isInWaitingPeriod: true }))).toMatchObject({
      planPart: 0,
      notPaidReason: 'waiting-period',
    });
  });

  it('the member sub-limit and the category limit cap what the plan pays; the rest is not cost sharing', () => {
    const limited = { ...stateTopUp, familyDeductible: 0, memberSubLimit: units(10_000), categoryLimit: { medical: null, pharmacy: units(3000) } };
    expect(decideCharge(limited, { ...noAccumulation, memberPlanPaid: units(9000) }, medical(units(5000)))).toMatchObject({
      coinsurance: units(500),
      planPart: units(1000),
      notPaid: units(3500),
      notPaidReason: 'member-sub-limit',
    });
    expect(decideCharge(limited, noAccumulation, { ...medical(units(5000)), coverage: 'pharmacy' })).toMatchObject({
      coinsurance: units(1000),
      planPart: units(3000),
      notPaid: units(1000),
      notPaidReason: 'category-limit',
    });
  });

  it('the admission co-pay only when due', () => {
    const withCopay = { ...stateTopUp, familyDeductible: 0, copayAdmission: units(300) };
    expect(decideCharge(withCopay, noAccumulation, medical(units(1000), { isCopayDue: true }))).toMatchObject({
      coinsurance: units(100),
      copay: units(300),
      planPart: units(600),
    });
    expect(decideCharge(withCopay, noAccumulation, medical(units(1000)))).toMatchObject({ copay: 0, planPart: units(900) });
  });

  it('for any plan and state: amount = cost share + plan part + not paid, each ≥ 0; movements reverse exactly', () => {
    const limit = fc.option(fc.integer({ min: 0, max: units(50_000) }), { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          familyDeductible: fc.integer({ min: 0, max: units(10_000) }),
          memberDeductible: limit,
          coinsuranceBp: fc.record({ medical: fc.integer({ min: 0, max: 10_000 }), pharmacy: fc.integer({ min: 0, max: 10_000 }) }),
          copayAdmission: fc.integer({ min: 0, max: units(500) }),
          copayPrescription: fc.integer({ min: 0, max: units(100) }),
          memberOutOfPocketMax: limit,
          familyOutOfPocketMax: limit,
          memberSubLimit: limit,
          categoryLimit: fc.record({ medical: limit, pharmacy: limit }),
          isNetworkRestricted: fc.boolean(),
        }),
        fc.record({
          familyDeductibleMet: fc.integer({ min: 0, max: units(10_000) }),
          memberDeductibleMet: fc.integer({ min: 0, max: units(10_000) }),
          familyOutOfPocket: fc.integer({ min: 0, max: units(30_000) }),
          memberOutOfPocket: fc.integer({ min: 0, max: units(30_000) }),
          memberPlanPaid: fc.integer({ min: 0, max: units(60_000) }),
          familyPlanPaid: fc.record({ medical: fc.integer({ min: 0, max: units(60_000) }), pharmacy: fc.integer({ min: 0, max: units(60_000) }) }),
        }),
        fc.record({
          coverage: fc.constantFrom('medical' as const, 'pharmacy' as const),
          amount: fc.integer({ min: 0, max: units(200_000) }),
          isCopayDue: fc.boolean(),
          isInNetwork: fc.boolean(),
          isInWaitingPeriod: fc.boolean(),
        }),
        (design, state, input) => {
          const plan: PlanYear = { planId: 'P', policyYear: 2026, ...design };
          const d = decideCharge(plan, state, input);
          expect(d.costShare + d.planPart + d.notPaid).toBe(input.amount);
          expect(d.deductible + d.coinsurance + d.copay).toBe(d.costShare);
          expect(Math.min(d.deductible, d.coinsurance, d.copay, d.planPart, d.notPaid)).toBeGreaterThanOrEqual(0);
          if (plan.memberSubLimit !== null) expect(d.planPart).toBeLessThanOrEqual(Math.max(0, plan.memberSubLimit - state.memberPlanPaid));
          const forward = movementsOf(d, d.planPart, input.coverage);
          const back = movementsOf(d, d.planPart, input.coverage, -1);
          expect(forward.map((m) => m.delta).reduce((a, b) => a + b, 0) + back.map((m) => m.delta).reduce((a, b) => a + b, 0)).toBe(0);
        },
      ),
      { seed: 20_261_207, numRuns: 500 },
    );
  });
});
