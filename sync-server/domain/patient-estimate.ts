/**
 * The patient's estimate at the desk (issue 14), pure: the plan's own rule (plan-design.ts
 * decideCharge, the one the server decides bookings with) applied to the figures the server
 * stated in GET /sync/benefits. Online those figures are current; offline they are this desk's
 * last confirmed copy, and the estimate is provisional (the server decides the split when the
 * bookings reach it).
 */
import { decideCharge, type AccumulatorState, type PlanYear } from './plan-design';

/** One accumulator line as the server states it (contract/accumulators.ts AccumulatorBalance). */
export interface StatedBalance {
  readonly memberId: string | null;
  readonly type: 'deductible' | 'out-of-pocket-maximum' | 'benefit';
  readonly category: 'combined' | 'medical' | 'pharmacy';
  readonly used: number;
  readonly usedByCoverage: { readonly medical: number; readonly pharmacy: number };
}
type Balances = readonly StatedBalance[];

/** What the server states for a family (contract/accumulators.ts DeskBenefits): the estimate's inputs. */
export interface StatedBenefits {
  readonly accumulators: { readonly benefitBalance: Balances };
  readonly plan: PlanYear;
  readonly isInNetwork: boolean;
  readonly waitingPeriods: readonly { readonly memberId: string; readonly packageCode: string; readonly endsAt: string }[];
  readonly cases: readonly { readonly caseId: string; readonly booked: number; readonly patientCharged: number; readonly isCopayDue: boolean }[];
}

/** What the patient is estimated to pay (the desk API's PatientEstimateView). */
export interface PatientEstimate {
  readonly packageAmount: number;
  readonly booked: number;
  readonly chargedSoFar: number;
  readonly rest: number;
  readonly deductible: number;
  readonly coinsurance: number;
  readonly copay: number;
  readonly notPaid: number;
  readonly total: number;
  readonly planPart: number;
}

/** A member's accumulator state (what decideCharge reads) from the enquiry's allowed/used lines. */
export function accumulatorStateOf(balances: Balances, memberId: string): AccumulatorState {
  const line = (memberId_: string | null, type: StatedBalance['type'], category: StatedBalance['category']) =>
    balances.find((b) => b.memberId === memberId_ && b.type === type && b.category === category);
  const familyBenefit = line(null, 'benefit', 'medical')?.usedByCoverage;
  const familyPharmacy = line(null, 'benefit', 'pharmacy')?.usedByCoverage;
  return {
    familyDeductibleMet: line(null, 'deductible', 'combined')?.used ?? 0,
    memberDeductibleMet: line(memberId, 'deductible', 'combined')?.used ?? 0,
    familyOutOfPocket: line(null, 'out-of-pocket-maximum', 'combined')?.used ?? 0,
    memberOutOfPocket: line(memberId, 'out-of-pocket-maximum', 'combined')?.used ?? 0,
    memberPlanPaid: line(memberId, 'benefit', 'combined')?.used ?? 0,
    familyPlanPaid: { medical: familyBenefit?.medical ?? 0, pharmacy: familyPharmacy?.pharmacy ?? 0 },
  };
}

/** The family's accumulators, then the member's: what the desk shows. */
export function balancesOf<B extends StatedBalance>(balances: readonly B[], memberId: string): B[] {
  return [...balances.filter((b) => b.memberId === null), ...balances.filter((b) => b.memberId === memberId)];
}

export interface EstimateInput {
  readonly memberId: string;
  /** The case, when there is one: what its account was charged for what it booked comes from the server's figures. */
  readonly caseId: string | null;
  readonly packageCode: string | null;
  readonly packageAmount: number;
  /**
   * The case books nothing more (discharged or cancelled): what the patient pays is what its
   * bookings were charged, with no rest of the package to come.
   */
  readonly isClosed?: boolean;
  readonly now: Date;
}

/**
 * What the patient will pay: the case's charges so far, plus the patient's part of the rest of the
 * package decided as one medical charge against the stated accumulators (the admission co-pay if
 * no booking has paid it yet). A case the server has not heard of yet has booked and been charged
 * nothing.
 */
export function estimatePatientPart(benefits: StatedBenefits, input: EstimateInput): PatientEstimate {
  const known = input.caseId === null ? undefined : benefits.cases.find((c) => c.caseId === input.caseId);
  const booked = known?.booked ?? 0;
  const chargedSoFar = known?.patientCharged ?? 0;
  const rest = input.isClosed === true ? 0 : Math.max(0, input.packageAmount - booked);
  const isInWaitingPeriod =
    input.packageCode !== null &&
    benefits.waitingPeriods.some((w) => w.memberId === input.memberId && w.packageCode === input.packageCode && Date.parse(w.endsAt) > input.now.getTime());
  const decision = decideCharge(benefits.plan, accumulatorStateOf(benefits.accumulators.benefitBalance, input.memberId), {
    coverage: 'medical',
    amount: rest,
    isCopayDue: known?.isCopayDue ?? true,
    isInNetwork: benefits.isInNetwork,
    isInWaitingPeriod,
  });
  return {
    packageAmount: input.packageAmount,
    booked,
    chargedSoFar,
    rest,
    deductible: decision.deductible,
    coinsurance: decision.coinsurance,
    copay: decision.copay,
    notPaid: decision.notPaid,
    total: chargedSoFar + decision.costShare + decision.notPaid,
    planPart: decision.planPart,
  };
}
