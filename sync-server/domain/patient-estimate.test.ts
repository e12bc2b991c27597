import { describe, expect, it } from 'vitest';
import { cashlessPlanYear, type PlanYear } from './plan-design';
import { accumulatorStateOf, estimatePatientPart, type StatedBalance, type StatedBenefits } from './patient-estimate';

const units = (n: number) => n * 100;
const father = 'f';
const mother = 'm';
/** S5's "State top-up" plan year. */
const stateTopUp: PlanYear = {
  ...cashlessPlanYear(2026),
  planId: 'STATE-TOPUP',
  familyDeductible: units(5000),
  coinsuranceBp: { medical: 1000, pharmacy: 2000 },
  memberOutOfPocketMax: units(12_000),
  familyOutOfPocketMax: units(20_000),
};
const line = (memberId: string | null, type: StatedBalance['type'], used: number, category: StatedBalance['category'] = 'combined'): StatedBalance => ({
  memberId,
  type,
  category,
  used,
  usedByCoverage: { medical: used, pharmacy: 0 },
});
const stated = (balances: StatedBalance[], cases: StatedBenefits['cases'] = []): StatedBenefits => ({
  accumulators: { benefitBalance: balances },
  plan: stateTopUp,
  isInNetwork: true,
  waitingPeriods: [{ memberId: mother, packageCode: 'SN005A', endsAt: '2026-06-01T00:00:00Z' }],
  cases,
});
const afterStep1 = [
  line(null, 'deductible', units(2000)),
  line(null, 'out-of-pocket-maximum', units(2000)),
  line(father, 'out-of-pocket-maximum', units(2000)),
];
const at = new Date('2026-08-01T10:00:00Z');

describe('the patient estimate from stated figures', () => {
  it('reads the member state decideCharge needs from the enquiry lines', () => {
    expect(accumulatorStateOf(afterStep1, father)).toMatchObject({
      familyDeductibleMet: units(2000),
      familyOutOfPocket: units(2000),
      memberOutOfPocket: units(2000),
    });
    expect(accumulatorStateOf(afterStep1, mother)).toMatchObject({ memberOutOfPocket: 0 });
  });

  it('S5 step 2: the father, package 40,000, before anything is booked → 6,700', () => {
    const estimate = estimatePatientPart(stated(afterStep1), { memberId: father, caseId: null, packageCode: 'MC024A', packageAmount: units(40_000), now: at });
    expect(estimate).toMatchObject({ deductible: units(3000), coinsurance: units(3700), total: units(6700), planPart: units(33_300), rest: units(40_000) });
  });

  it('S5 step 3: after the 25,000 booking (5,200 charged) the rest 15,000 adds 1,500 → still 6,700', () => {
    const afterBooking = [
      line(null, 'deductible', units(5000)),
      line(null, 'out-of-pocket-maximum', units(7200)),
      line(father, 'out-of-pocket-maximum', units(7200)),
    ];
    const estimate = estimatePatientPart(stated(afterBooking, [{ caseId: 'c', booked: units(25_000), patientCharged: units(5200), isCopayDue: true }]), {
      memberId: father,
      caseId: 'c',
      packageCode: 'MC024A',
      packageAmount: units(40_000),
      now: at,
    });
    expect(estimate).toMatchObject({ booked: units(25_000), chargedSoFar: units(5200), rest: units(15_000), coinsurance: units(1500), total: units(6700) });
  });

  it('a discharged case books nothing more: only what its bookings were charged, whatever is left of the package', () => {
    // 30,000 booked of a 40,000 package, 7,500 charged; after a claim adjustment only 1,000 is the patient's.
    const afterDischarge = [
      line(null, 'deductible', units(5000)),
      line(null, 'out-of-pocket-maximum', units(7500)),
      line(mother, 'out-of-pocket-maximum', units(7500)),
    ];
    const input = { memberId: mother, caseId: 'c', packageCode: 'MC024A', packageAmount: units(40_000), now: at };
    const charged = (patientCharged: number) => stated(afterDischarge, [{ caseId: 'c', booked: units(30_000), patientCharged, isCopayDue: false }]);
    expect(estimatePatientPart(charged(units(7500)), input)).toMatchObject({ rest: units(10_000), coinsurance: units(1000), total: units(8500) });
    expect(estimatePatientPart(charged(units(7500)), { ...input, isClosed: true })).toMatchObject({
      booked: units(30_000),
      chargedSoFar: units(7500),
      rest: 0,
      deductible: 0,
      coinsurance: 0,
      total: units(7500),
      planPart: 0,
    });
    expect(estimatePatientPart(charged(units(1000)), { ...input, isClosed: true }).total).toBe(units(1000));
  });

  it('S5-offline: the mother estimated from figures as of step 1 → 8,700 (the server, after step 3, splits 6,000)', () => {
    expect(
      estimatePatientPart(stated(afterStep1), { memberId: mother, caseId: 'new', packageCode: 'MC024A', packageAmount: units(60_000), now: at }).total,
    ).toBe(units(8700));
  });

  it('a waiting period still running: the plan pays nothing of that package, and it ends when it ends', () => {
    const early = new Date('2026-05-01T00:00:00Z');
    expect(
      estimatePatientPart(stated(afterStep1), { memberId: mother, caseId: null, packageCode: 'SN005A', packageAmount: units(60_000), now: early }),
    ).toMatchObject({
      notPaid: units(60_000),
      total: units(60_000),
      planPart: 0,
    });
    expect(
      estimatePatientPart(stated(afterStep1), { memberId: mother, caseId: null, packageCode: 'SN005A', packageAmount: units(60_000), now: at }).total,
    ).toBe(units(8700));
  });
});
