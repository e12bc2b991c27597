import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyAccumulators,
  noCostSharing,
  reverseSplit,
  shareCharge,
  type Accumulators,
  type CostSharingPlan,
  type CoverageType,
  type Split,
} from './cost-sharing';

const units = (n: number) => n * 100;

/** S5's "State top-up" plan (../shared/SCENARIOS.md). */
const stateTopUp: CostSharingPlan = {
  familyDeductible: units(5000),
  memberDeductible: null,
  coinsuranceBp: { medical: 1000, pharmacy: 2000 },
  copay: { medical: 0, pharmacy: 0 },
  memberOutOfPocketMax: units(12_000),
  familyOutOfPocketMax: units(20_000),
};

/** A family's year in memory: family totals and each member's out of pocket. */
class FamilyYear {
  familyDeductibleMet = 0;
  familyOutOfPocket = 0;
  readonly memberOutOfPocket = new Map<string, number>();
  readonly memberDeductibleMet = new Map<string, number>();
  constructor(private readonly plan: CostSharingPlan) {}
  accumulators(member: string): Accumulators {
    return {
      familyDeductibleMet: this.familyDeductibleMet,
      familyOutOfPocket: this.familyOutOfPocket,
      memberOutOfPocket: this.memberOutOfPocket.get(member) ?? 0,
      memberDeductibleMet: this.memberDeductibleMet.get(member) ?? 0,
    };
  }
  private apply(member: string, after: Accumulators): void {
    this.familyDeductibleMet = after.familyDeductibleMet;
    this.familyOutOfPocket = after.familyOutOfPocket;
    this.memberOutOfPocket.set(member, after.memberOutOfPocket);
    this.memberDeductibleMet.set(member, after.memberDeductibleMet);
  }
  estimate(member: string, coverage: CoverageType, amount: number): Split {
    return shareCharge(this.plan, this.accumulators(member), coverage, amount);
  }
  charge(member: string, coverage: CoverageType, amount: number): Split {
    const split = this.estimate(member, coverage, amount);
    this.apply(member, split.after);
    return split;
  }
  reverse(member: string, split: Split): void {
    this.apply(member, reverseSplit(this.accumulators(member), split));
  }
}

describe('S5: cost sharing across hospitals and a pharmacy, step by step', () => {
  const family = new FamilyYear(stateTopUp);
  const paid = { medical: 0, pharmacy: 0 };
  let plan = 0;
  const record = (coverage: CoverageType, split: Split) => {
    paid[coverage] += split.patient;
    plan += split.plan;
    return split;
  };
  let step6: Split;

  it('1: a pharmacy claim of 2,000 for the father is all deductible', () => {
    expect(record('pharmacy', family.charge('father', 'pharmacy', units(2000)))).toMatchObject({ patient: units(2000), plan: 0, deductible: units(2000) });
    expect(family.accumulators('father')).toEqual({
      familyDeductibleMet: units(2000),
      memberDeductibleMet: units(2000),
      memberOutOfPocket: units(2000),
      familyOutOfPocket: units(2000),
    });
  });

  it('2: the estimate at admission for a 40,000 package: 6,700 (3,000 deductible + 3,700), the plan holds 33,300', () => {
    expect(family.estimate('father', 'medical', units(40_000))).toMatchObject({
      patient: units(6700),
      deductible: units(3000),
      coinsurance: units(3700),
      plan: units(33_300),
    });
  });

  it("3: the father's bookings of 25,000 then 15,000: 5,200 then 1,500; deductible met, father 8,700", () => {
    expect(record('medical', family.charge('father', 'medical', units(25_000)))).toMatchObject({ patient: units(5200), plan: units(19_800) });
    expect(record('medical', family.charge('father', 'medical', units(15_000)))).toMatchObject({ patient: units(1500), plan: units(13_500) });
    expect(family.familyDeductibleMet).toBe(units(5000));
    expect(family.memberOutOfPocket.get('father')).toBe(units(8700));
  });

  it('4: the mother at hospital B, 60,000: 6,000; family 14,700', () => {
    expect(record('medical', family.charge('mother', 'medical', units(60_000)))).toMatchObject({ patient: units(6000), plan: units(54_000) });
    expect(family.familyOutOfPocket).toBe(units(14_700));
  });

  it("5: the father's pharmacy claim of 30,000: 3,300, his member maximum reached", () => {
    expect(record('pharmacy', family.charge('father', 'pharmacy', units(30_000)))).toMatchObject({ patient: units(3300), plan: units(26_700) });
    expect(family.memberOutOfPocket.get('father')).toBe(units(12_000));
    expect(family.familyOutOfPocket).toBe(units(18_000));
  });

  it("6: the daughter's pharmacy claim of 10,000: 2,000, the family maximum reached", () => {
    step6 = record('pharmacy', family.charge('daughter', 'pharmacy', units(10_000)));
    expect(step6).toMatchObject({ patient: units(2000), plan: units(8000) });
    expect(family.familyOutOfPocket).toBe(units(20_000));
  });

  it('7: the daughter again, 5,000: the plan pays all, nothing accumulates', () => {
    const before = family.accumulators('daughter');
    expect(record('pharmacy', family.charge('daughter', 'pharmacy', units(5000)))).toMatchObject({ patient: 0, plan: units(5000) });
    expect(family.accumulators('daughter')).toEqual(before);
  });

  it('8: step 6 reversed: 2,000 refunded, 8,000 back to the cover; step 7 is not re-adjudicated', () => {
    family.reverse('daughter', step6);
    paid.pharmacy -= step6.patient;
    plan -= step6.plan;
    expect(family.memberOutOfPocket.get('daughter')).toBe(0);
    expect(family.familyOutOfPocket).toBe(units(18_000));
  });

  it('ends as S5 says: plan 119,000; father 12,000, mother 6,000, daughter 0, family 18,000; medical 12,700, pharmacy 5,300', () => {
    expect(plan).toBe(units(119_000));
    expect(Object.fromEntries(family.memberOutOfPocket)).toEqual({ father: units(12_000), mother: units(6000), daughter: 0 });
    expect(family.familyOutOfPocket).toBe(units(18_000));
    expect(family.familyDeductibleMet).toBe(units(5000));
    expect(paid).toEqual({ medical: units(12_700), pharmacy: units(5300) });
  });
});

describe('cost sharing, for any plan and any sequence of charges', () => {
  const arbitraryPlan = fc.record({
    familyDeductible: fc.integer({ min: 0, max: units(10_000) }),
    memberDeductible: fc.option(fc.integer({ min: 0, max: units(10_000) }), { nil: null }),
    coinsuranceBp: fc.record({ medical: fc.integer({ min: 0, max: 10_000 }), pharmacy: fc.integer({ min: 0, max: 10_000 }) }),
    copay: fc.record({ medical: fc.integer({ min: 0, max: units(500) }), pharmacy: fc.integer({ min: 0, max: units(100) }) }),
    memberOutOfPocketMax: fc.option(fc.integer({ min: 0, max: units(30_000) }), { nil: null }),
    familyOutOfPocketMax: fc.option(fc.integer({ min: 0, max: units(50_000) }), { nil: null }),
  });
  const arbitraryCharges = fc.array(
    fc.record({
      member: fc.constantFrom('a', 'b', 'c'),
      coverage: fc.constantFrom<CoverageType>('medical', 'pharmacy'),
      amount: fc.integer({ min: 0, max: units(100_000) }),
    }),
    { maxLength: 30 },
  );

  it('splits every charge exactly, never past a maximum or the deductible, and reversals restore the accumulators', () => {
    fc.assert(
      fc.property(arbitraryPlan, arbitraryCharges, (plan, charges) => {
        const family = new FamilyYear(plan);
        const splits: { member: string; split: Split }[] = [];
        for (const { member, coverage, amount } of charges) {
          const split = family.charge(member, coverage, amount);
          splits.push({ member, split });
          expect(split.patient + split.plan).toBe(amount);
          expect(split.deductible + split.coinsurance + split.copay).toBe(split.patient);
          expect(Math.min(split.patient, split.plan, split.deductible, split.coinsurance, split.copay)).toBeGreaterThanOrEqual(0);
          expect(family.familyDeductibleMet).toBeLessThanOrEqual(plan.familyDeductible);
          if (plan.memberOutOfPocketMax !== null) expect(family.memberOutOfPocket.get(member)).toBeLessThanOrEqual(plan.memberOutOfPocketMax);
          if (plan.familyOutOfPocketMax !== null) expect(family.familyOutOfPocket).toBeLessThanOrEqual(plan.familyOutOfPocketMax);
        }
        // The family's out of pocket is the sum of its members'.
        expect([...family.memberOutOfPocket.values()].reduce((a, b) => a + b, 0)).toBe(family.familyOutOfPocket);
        // Reversing every charge, in any order, returns to nothing accumulated.
        for (const { member, split } of [...splits].reverse()) family.reverse(member, split);
        expect(family.familyOutOfPocket).toBe(0);
        expect(family.familyDeductibleMet).toBe(0);
      }),
      { seed: 20_261_206, numRuns: 300 },
    );
  });

  it('the cashless scheme of today charges the patient nothing', () => {
    expect(shareCharge(noCostSharing, emptyAccumulators, 'medical', units(40_000))).toMatchObject({ patient: 0, plan: units(40_000) });
  });

  it('refuses a negative or fractional charge', () => {
    expect(() => shareCharge(stateTopUp, emptyAccumulators, 'medical', -1)).toThrow(RangeError);
    expect(() => shareCharge(stateTopUp, emptyAccumulators, 'medical', 1.5)).toThrow(RangeError);
  });
});
