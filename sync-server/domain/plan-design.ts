/**
 * A plan year's design applied to one charge (issue 14): who pays what of a booking or a pharmacy
 * claim, given what has accumulated. Builds on shareCharge (cost-sharing.ts: deductible,
 * co-insurance, co-pay, out-of-pocket maximums), and adds what a plan year may further say:
 * - network: a plan restricted to a network pays nothing at a provider outside it;
 * - waiting period: nothing for a package within its waiting period from the member's enrolment;
 * - the member sub-limit and the per-category annual limits cap what the plan pays; beyond them
 *   the charge is the patient's, and (like any uncovered amount) does not count toward the
 *   out-of-pocket maximums, which count cost sharing only.
 * Pure. The server applies it inside the transaction that has locked the family's accumulator
 * rows (src/money/accumulators.ts); the desk uses it for offline estimates.
 */
import { shareCharge, type CostSharingPlan, type CoverageType } from './cost-sharing';

export interface PlanYear {
  /** Null: the cashless cover of a family on no plan (no cost sharing, no limits). */
  readonly planId: string | null;
  readonly policyYear: number;
  readonly familyDeductible: number;
  readonly memberDeductible: number | null;
  readonly coinsuranceBp: Readonly<Record<CoverageType, number>>;
  /** Once per admission (a case's first booking) and once per prescription (a pharmacy claim). */
  readonly copayAdmission: number;
  readonly copayPrescription: number;
  readonly memberOutOfPocketMax: number | null;
  readonly familyOutOfPocketMax: number | null;
  /** What the plan pays at most per member per year. */
  readonly memberSubLimit: number | null;
  /** What the plan pays at most per family per year, by category (coverage type). */
  readonly categoryLimit: Readonly<Record<CoverageType, number | null>>;
  readonly isNetworkRestricted: boolean;
}

/** The accumulators a charge is decided from, read under the family's lock. */
export interface AccumulatorState {
  readonly familyDeductibleMet: number;
  readonly memberDeductibleMet: number;
  readonly familyOutOfPocket: number;
  readonly memberOutOfPocket: number;
  /** What the plan has paid this year for the member (sub-limit) and for the family by category. */
  readonly memberPlanPaid: number;
  readonly familyPlanPaid: Readonly<Record<CoverageType, number>>;
}

export const noAccumulation: AccumulatorState = {
  familyDeductibleMet: 0,
  memberDeductibleMet: 0,
  familyOutOfPocket: 0,
  memberOutOfPocket: 0,
  memberPlanPaid: 0,
  familyPlanPaid: { medical: 0, pharmacy: 0 },
};

export interface ChargeInput {
  readonly coverage: CoverageType;
  readonly amount: number;
  /** The fixed co-pay applies: a case's first booking (per admission), or a prescription. */
  readonly isCopayDue: boolean;
  /** False outside a restricted plan's network. */
  readonly isInNetwork: boolean;
  /** True while the package's waiting period from the member's enrolment has not passed. */
  readonly isInWaitingPeriod: boolean;
}

export type NotPaidReason = 'out-of-network' | 'waiting-period' | 'member-sub-limit' | 'category-limit';

export interface ChargeDecision {
  readonly amount: number;
  /** The patient's cost sharing, by part: deductible + coinsurance + copay = costShare. */
  readonly deductible: number;
  readonly coinsurance: number;
  readonly copay: number;
  readonly costShare: number;
  /** What the plan pays, before the family's cover is asked (it may hold less: shortfall). */
  readonly planPart: number;
  /** What the plan does not pay at all (network, waiting period, limits): the patient's, not cost sharing. */
  readonly notPaid: number;
  readonly notPaidReason: NotPaidReason | null;
}

export function costSharingPlanOf(plan: PlanYear, input: Pick<ChargeInput, 'coverage' | 'isCopayDue'>): CostSharingPlan {
  const copay = input.isCopayDue ? (input.coverage === 'medical' ? plan.copayAdmission : plan.copayPrescription) : 0;
  return {
    familyDeductible: plan.familyDeductible,
    memberDeductible: plan.memberDeductible,
    coinsuranceBp: plan.coinsuranceBp,
    copay: { medical: input.coverage === 'medical' ? copay : 0, pharmacy: input.coverage === 'pharmacy' ? copay : 0 },
    memberOutOfPocketMax: plan.memberOutOfPocketMax,
    familyOutOfPocketMax: plan.familyOutOfPocketMax,
  };
}

const left = (limit: number | null, used: number) => (limit === null ? Number.POSITIVE_INFINITY : Math.max(0, limit - used));

/** The decision on one charge. amount = costShare + planPart + notPaid, all ≥ 0. */
export function decideCharge(plan: PlanYear, state: AccumulatorState, input: ChargeInput): ChargeDecision {
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new RangeError(`A charge is a whole number of minor units ≥ 0, got ${input.amount}`);
  if (plan.isNetworkRestricted && !input.isInNetwork) return nothingPaid(input.amount, 'out-of-network');
  if (input.isInWaitingPeriod) return nothingPaid(input.amount, 'waiting-period');
  const split = shareCharge(
    costSharingPlanOf(plan, input),
    {
      familyDeductibleMet: state.familyDeductibleMet,
      memberDeductibleMet: state.memberDeductibleMet,
      memberOutOfPocket: state.memberOutOfPocket,
      familyOutOfPocket: state.familyOutOfPocket,
    },
    input.coverage,
    input.amount,
  );
  const subLimitLeft = left(plan.memberSubLimit, state.memberPlanPaid);
  const categoryLeft = left(plan.categoryLimit[input.coverage], state.familyPlanPaid[input.coverage]);
  const planPart = Math.min(split.plan, subLimitLeft, categoryLeft);
  const notPaid = split.plan - planPart;
  return {
    amount: input.amount,
    deductible: split.deductible,
    coinsurance: split.coinsurance,
    copay: split.copay,
    costShare: split.patient,
    planPart,
    notPaid,
    notPaidReason: notPaid === 0 ? null : subLimitLeft <= categoryLeft ? 'member-sub-limit' : 'category-limit',
  };
}

/**
 * What the plan may still pay of `coverage` under its limits (the member sub-limit and the
 * family's category limit), given what it has paid: the cap on covering a shortfall later, when
 * a void or an enhancement frees hold room (money/holds.ts). Infinity without limits.
 */
export function planRoom(plan: PlanYear, state: AccumulatorState, coverage: CoverageType): number {
  return Math.min(left(plan.memberSubLimit, state.memberPlanPaid), left(plan.categoryLimit[coverage], state.familyPlanPaid[coverage]));
}

/**
 * The accumulators as they would be without some movements (e.g. without what a case's own
 * bookings moved): the base a case-level estimate is decided from. Never below zero.
 */
export function withoutMovements(state: AccumulatorState, movements: readonly AccumulatorMovement[]): AccumulatorState {
  const sum = (level: 'family' | 'member', kind: AccumulatorKind, coverage?: CoverageType) =>
    movements
      .filter((m) => m.level === level && m.kind === kind && (coverage === undefined || m.coverage === coverage))
      .reduce((total, m) => total + m.delta, 0);
  const less = (value: number, moved: number) => Math.max(0, value - moved);
  return {
    familyDeductibleMet: less(state.familyDeductibleMet, sum('family', 'deductible')),
    memberDeductibleMet: less(state.memberDeductibleMet, sum('member', 'deductible')),
    familyOutOfPocket: less(state.familyOutOfPocket, sum('family', 'out-of-pocket')),
    memberOutOfPocket: less(state.memberOutOfPocket, sum('member', 'out-of-pocket')),
    memberPlanPaid: less(state.memberPlanPaid, sum('member', 'benefit')),
    familyPlanPaid: {
      medical: less(state.familyPlanPaid.medical, sum('family', 'benefit', 'medical')),
      pharmacy: less(state.familyPlanPaid.pharmacy, sum('family', 'benefit', 'pharmacy')),
    },
  };
}

/** A family on no plan: the cashless cover, which shares no cost and sets no limit. */
export function cashlessPlanYear(policyYear: number): PlanYear {
  return {
    planId: null,
    policyYear,
    familyDeductible: 0,
    memberDeductible: null,
    coinsuranceBp: { medical: 0, pharmacy: 0 },
    copayAdmission: 0,
    copayPrescription: 0,
    memberOutOfPocketMax: null,
    familyOutOfPocketMax: null,
    memberSubLimit: null,
    categoryLimit: { medical: null, pharmacy: null },
    isNetworkRestricted: false,
  };
}

function nothingPaid(amount: number, reason: NotPaidReason): ChargeDecision {
  return { amount, deductible: 0, coinsurance: 0, copay: 0, costShare: 0, planPart: 0, notPaid: amount, notPaidReason: amount === 0 ? null : reason };
}

/** Accumulator kinds and the holders they are kept for. */
export type AccumulatorKind = 'deductible' | 'out-of-pocket' | 'benefit';
export const accumulatorKinds: readonly AccumulatorKind[] = ['deductible', 'out-of-pocket', 'benefit'];

/** One movement of one accumulator: the family's (member null) or a member's. */
export interface AccumulatorMovement {
  readonly level: 'family' | 'member';
  readonly kind: AccumulatorKind;
  readonly coverage: CoverageType;
  readonly delta: number;
}

/**
 * What a decided charge moves: the deductible met and the out of pocket paid (the cost sharing),
 * and the plan's payments (`paid`: the plan part the family's cover actually took), each for the
 * family and for the member. `sign` −1 reverses a charge exactly (a reversal is never
 * re-adjudicated, S5 step 8).
 */
export function movementsOf(
  decision: Pick<ChargeDecision, 'deductible' | 'costShare'>,
  paid: number,
  coverage: CoverageType,
  sign: 1 | -1 = 1,
): AccumulatorMovement[] {
  const movements: AccumulatorMovement[] = [];
  for (const level of ['family', 'member'] as const) {
    if (decision.deductible !== 0) movements.push({ level, kind: 'deductible', coverage, delta: sign * decision.deductible });
    if (decision.costShare !== 0) movements.push({ level, kind: 'out-of-pocket', coverage, delta: sign * decision.costShare });
    if (paid !== 0) movements.push({ level, kind: 'benefit', coverage, delta: sign * paid });
  }
  return movements;
}
