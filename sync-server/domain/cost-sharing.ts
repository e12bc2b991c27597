/**
 * Cost sharing (issue 14, scenario S5): what the patient pays of a charge and what the plan pays,
 * from the plan design and what the member and the family have already paid this policy year.
 * Pure: the server applies it inside the transaction that locks the family's accumulators, so
 * concurrent charges are decided one after another exactly as a sequential run would decide them.
 *
 * The order, as plans of this kind state it:
 * 1. the deductible first: the patient pays the charge until the family deductible (and the
 *    member's, where the plan has one) is met;
 * 2. then co-insurance: the patient pays the coverage type's share of the rest;
 * 3. a fixed co-pay where the plan has one (per admission, per prescription);
 * 4. all of it capped by what is left of the out-of-pocket maximums: the member's (embedded: a
 *    member stops paying at the member maximum even if the family's is not met) and the family's.
 *    The deductible counts toward the out-of-pocket maximums.
 * Amounts are integer minor units; percentages are basis points, rounded down in the patient's
 * favour (the plan pays the remainder), so patient + plan = charge exactly.
 */

export type CoverageType = 'medical' | 'pharmacy';
export const coverageTypes: readonly CoverageType[] = ['medical', 'pharmacy'];

export interface CostSharingPlan {
  /** Family deductible, shared by medical and pharmacy; 0 for none. */
  readonly familyDeductible: number;
  /** A member's own deductible inside the family's (embedded); null for none. */
  readonly memberDeductible: number | null;
  /** The patient's share after the deductible, per coverage type, in basis points. */
  readonly coinsuranceBp: Readonly<Record<CoverageType, number>>;
  /** A fixed amount the patient pays per charge of the kind (admission, prescription); 0 for none. */
  readonly copay: Readonly<Record<CoverageType, number>>;
  /** Out-of-pocket maximum per member (embedded) and per family; null for none. */
  readonly memberOutOfPocketMax: number | null;
  readonly familyOutOfPocketMax: number | null;
}

/** The cashless scheme of today: the plan pays everything the cover holds; no cost sharing. */
export const noCostSharing: CostSharingPlan = {
  familyDeductible: 0,
  memberDeductible: null,
  coinsuranceBp: { medical: 0, pharmacy: 0 },
  copay: { medical: 0, pharmacy: 0 },
  memberOutOfPocketMax: null,
  familyOutOfPocketMax: null,
};

/** What has accumulated this policy year, for the member being charged and for the family. */
export interface Accumulators {
  readonly familyDeductibleMet: number;
  readonly memberDeductibleMet: number;
  readonly memberOutOfPocket: number;
  readonly familyOutOfPocket: number;
}

export const emptyAccumulators: Accumulators = { familyDeductibleMet: 0, memberDeductibleMet: 0, memberOutOfPocket: 0, familyOutOfPocket: 0 };

/** One charge's split, by part, with the accumulator movements it causes. */
export interface Split {
  readonly charge: number;
  readonly patient: number;
  readonly plan: number;
  /** The patient's part by kind: deductible + coinsurance + copay = patient. */
  readonly deductible: number;
  readonly coinsurance: number;
  readonly copay: number;
  /** The accumulators after this charge. */
  readonly after: Accumulators;
}

function remaining(limit: number | null, used: number): number {
  return limit === null ? Number.POSITIVE_INFINITY : Math.max(0, limit - used);
}

/** The patient's and the plan's parts of one charge of `coverage` on a member. */
export function shareCharge(plan: CostSharingPlan, before: Accumulators, coverage: CoverageType, charge: number): Split {
  if (!Number.isSafeInteger(charge) || charge < 0) throw new RangeError(`A charge is a whole number of minor units ≥ 0, got ${charge}`);
  // What the patient may still be asked to pay at all this year.
  let cap = Math.min(remaining(plan.memberOutOfPocketMax, before.memberOutOfPocket), remaining(plan.familyOutOfPocketMax, before.familyOutOfPocket));
  // 1. The deductible: the family's, and the member's where the plan has one.
  const deductibleLeft = Math.min(remaining(plan.familyDeductible, before.familyDeductibleMet), remaining(plan.memberDeductible, before.memberDeductibleMet));
  const deductible = Math.min(charge, deductibleLeft, cap);
  cap -= deductible;
  // 2. Co-insurance on what the deductible left, rounded down.
  const rest = charge - Math.min(charge, deductibleLeft);
  const coinsurance = Math.min(Math.floor((rest * plan.coinsuranceBp[coverage]) / 10_000), cap);
  cap -= coinsurance;
  // 3. The fixed co-pay, never more than what the plan would otherwise pay.
  const copay = Math.min(plan.copay[coverage], cap, charge - deductible - coinsurance);
  const patient = deductible + coinsurance + copay;
  return {
    charge,
    patient,
    plan: charge - patient,
    deductible,
    coinsurance,
    copay,
    after: {
      familyDeductibleMet: before.familyDeductibleMet + deductible,
      memberDeductibleMet: before.memberDeductibleMet + deductible,
      memberOutOfPocket: before.memberOutOfPocket + patient,
      familyOutOfPocket: before.familyOutOfPocket + patient,
    },
  };
}

/**
 * A reversal gives back exactly what its charge took (a refund of the patient's part, the plan's
 * part returned to the cover), whatever was charged since: later charges are not re-adjudicated
 * (S5 step 8).
 */
export function reverseSplit(before: Accumulators, split: Pick<Split, 'patient' | 'deductible'>): Accumulators {
  return {
    familyDeductibleMet: before.familyDeductibleMet - split.deductible,
    memberDeductibleMet: before.memberDeductibleMet - split.deductible,
    memberOutOfPocket: before.memberOutOfPocket - split.patient,
    familyOutOfPocket: before.familyOutOfPocket - split.patient,
  };
}
