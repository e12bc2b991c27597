import type { CommandBody } from '@contract/commands';
import { allocateBooking, bookingExtension, extensionCeiling } from '@domain/money';
import {
  decideCharge,
  movementsOf,
  withoutMovements,
  type AccumulatorMovement,
  type AccumulatorState,
  type ChargeDecision,
  type PlanYear,
} from '@domain/plan-design';
import { appendAudit } from '../audit/chain';
import {
  applyMovements,
  isInNetwork,
  lockAccumulators,
  lockExistingAccumulators,
  movementsOfSource,
  planOfAccount,
  readAccumulators,
  type AccountPlan,
} from '../money/accumulators';
import { reserveCover } from '../money/family-cover';
import { recordPatientCharge } from '../money/patient-account';
import type { CaseRow } from './case-access';
import { writeBooking } from './booking-write';
import { yearParameters, type CommandContext, type CommandResult } from './context';

/** The state addBooking has read under the case lock (bookings.ts). */
export interface BookingState {
  hold_id: string;
  amount: number;
  consumed: number;
  authorized: number;
  cost_share_estimate: number;
  package_code: string;
  package_version: number;
  preauth_status: string;
  cover: number;
  committed: number;
}

/** Network and waiting period of a case's package for the plan year (both from the case's own rows). */
export async function caseEligibility(
  context: Pick<CommandContext, 'sql'>,
  plan: PlanYear,
  caseRow: CaseRow,
  packageCode: string,
): Promise<{ isInNetwork: boolean; isInWaitingPeriod: boolean }> {
  const [waiting] = await context.sql.query<{ is_waiting: boolean }>(
    `SELECT k.admitted_at < m.created_at + make_interval(days => w.days) AS is_waiting
       FROM cases k JOIN members m ON m.id = k.member_id
       JOIN plan_year_waiting_periods w ON w.plan_id = $2 AND w.policy_year = $3 AND w.package_code = $4
      WHERE k.id = $1`,
    [caseRow.id, plan.planId, plan.policyYear, packageCode],
  );
  return { isInNetwork: await isInNetwork(context.sql, plan, 'hospital', caseRow.hospital_id), isInWaitingPeriod: waiting?.is_waiting ?? false };
}

/**
 * add-booking on an account whose plan year shares costs (the PL/pgSQL decision hands these
 * back, migration 031). The same steps as addBooking, with the charge split first:
 * 1. lock the family's accumulators (after the case lock addBooking took) and decide the charge:
 *    the patient's deductible, co-insurance and co-pay (the admission co-pay on the case's first
 *    booking), and the plan's part, capped by the limits, network and waiting period;
 * 2. the plan's part consumes the hold and past it extends the hold within policy, through the
 *    same conditional statement as every hold; the plan's authorized amount is the authorized
 *    amount less the patient's estimate kept on the hold. What the cover does not take, and what
 *    the plan does not pay, is shortfall;
 * 3. the accumulators move by the cost share and by what the plan actually paid, in this
 *    transaction.
 */
export async function addCostSharedBooking(
  context: CommandContext,
  body: CommandBody<'add-booking'>,
  caseRow: CaseRow,
  state: BookingState,
  amount: number,
  account: AccountPlan,
): Promise<CommandResult<'add-booking'>> {
  const { plan } = account;
  const eligibility = await caseEligibility(context, plan, caseRow, state.package_code);
  const [copays] = await context.sql.query<{ is_due: boolean }>(
    "SELECT NOT EXISTS (SELECT 1 FROM bookings WHERE case_id = $1 AND status = 'active' AND copay_amount > 0) AS is_due",
    [caseRow.id],
  );
  const accumulators = await lockAccumulators(context.sql, caseRow.family_id, caseRow.member_id, plan);
  const decision: ChargeDecision = decideCharge(plan, accumulators, {
    coverage: 'medical',
    amount,
    isCopayDue: copays?.is_due ?? true,
    ...eligibility,
  });

  const { fromHold, excess } = allocateBooking(decision.planPart, state.amount - state.consumed);
  let extended = 0;
  let family = { cover: state.cover, committed: state.committed };
  if (excess > 0 && state.preauth_status !== 'rejected') {
    const parameters = await yearParameters(context.sql, caseRow.policy_year);
    const planAuthorized = Math.max(0, state.authorized - state.cost_share_estimate);
    const room = Math.max(0, extensionCeiling(planAuthorized, parameters.auto_extend_bp) - state.amount);
    const { requested, allowPartial } = bookingExtension(excess, room, parameters.shortfall_policy);
    if (requested > 0) {
      const grant = await reserveCover(context.sql, caseRow.family_id, caseRow.policy_year, requested, allowPartial);
      if (grant) {
        extended = grant.granted;
        family = { cover: grant.cover, committed: grant.committed };
      }
    }
  }
  const covered = fromHold + extended;
  const shortfall = amount - decision.costShare - covered;
  const hold = { amount: state.amount + extended, consumed: state.consumed + covered };
  await applyMovements(
    context.sql,
    {
      familyId: caseRow.family_id,
      memberId: caseRow.member_id,
      policyYear: caseRow.policy_year,
      planId: plan.planId,
      sourceKind: 'booking',
      sourceId: body.bookingId,
      commandId: context.commandId,
    },
    movementsOf(decision, covered, 'medical'),
  );
  await writeBooking(
    context,
    caseRow,
    state,
    body,
    { amount, covered, shortfall, extended, hold },
    { total: decision.costShare, deductible: decision.deductible, coinsurance: decision.coinsurance, copay: decision.copay, planId: plan.planId },
  );
  // The patient's cost sharing on the case's account (patient_charges, migration 034), one entry per part.
  for (const [kind, part] of [
    ['deductible', decision.deductible],
    ['coinsurance', decision.coinsurance],
    ['copay', decision.copay],
  ] as const) {
    await recordPatientCharge(context.sql, {
      caseId: caseRow.id,
      familyId: caseRow.family_id,
      memberId: caseRow.member_id,
      policyYear: caseRow.policy_year,
      kind,
      amount: part,
      bookingId: body.bookingId.toLowerCase(),
      sourceKind: 'booking',
      sourceId: body.bookingId.toLowerCase(),
      commandId: context.commandId,
    });
  }
  const costShare = { deductible: decision.deductible, coinsurance: decision.coinsurance, copay: decision.copay, total: decision.costShare };
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'booking-added',
    entityType: 'booking',
    entityId: body.bookingId,
    after: {
      caseId: caseRow.id,
      amount,
      covered,
      shortfall,
      extended,
      holdAmount: hold.amount,
      consumed: hold.consumed,
      planId: plan.planId,
      policyYear: plan.policyYear,
      costShare,
      notPaid: decision.notPaid,
      notPaidReason: decision.notPaidReason,
    },
    commandId: context.commandId,
  });
  return {
    bookingId: body.bookingId,
    caseId: caseRow.id,
    amount,
    coveredAmount: covered,
    shortfallAmount: shortfall,
    costShare,
    coverage: shortfall === 0 ? 'covered' : covered > 0 ? 'partly-covered' : 'shortfall',
    packageCode: state.package_code,
    packageVersion: state.package_version,
    hold: { amount: hold.amount, consumed: hold.consumed, free: hold.amount - hold.consumed, extended },
    family: { ...family, available: family.cover - family.committed },
  };
}

/**
 * A voided booking (or every booking of a cancelled case) gives back exactly what its charge
 * moved in the accumulators, whatever was charged since: later charges are not re-adjudicated.
 * Nothing for a booking of the cashless cover, which moved nothing.
 */
export async function reverseBookingAccumulators(context: Pick<CommandContext, 'sql' | 'commandId'>, caseRow: CaseRow, bookingId: string): Promise<void> {
  const moved = await movementsOfSource(context.sql, 'booking', bookingId);
  const [booking] = await context.sql.query<{ plan_id: string | null; deductible_amount: number; coinsurance_amount: number; copay_amount: number }>(
    'SELECT plan_id, deductible_amount, coinsurance_amount, copay_amount FROM bookings WHERE id = $1',
    [bookingId],
  );
  // The patient's cost-sharing charges go back with the booking, as its shortfall does (bookings.ts).
  for (const [kind, part] of [
    ['deductible', booking?.deductible_amount ?? 0],
    ['coinsurance', booking?.coinsurance_amount ?? 0],
    ['copay', booking?.copay_amount ?? 0],
  ] as const) {
    await recordPatientCharge(context.sql, {
      caseId: caseRow.id,
      familyId: caseRow.family_id,
      memberId: caseRow.member_id,
      policyYear: caseRow.policy_year,
      kind,
      amount: -part,
      bookingId: bookingId.toLowerCase(),
      sourceKind: 'booking-void',
      sourceId: bookingId.toLowerCase(),
      commandId: context.commandId,
    });
  }
  if (moved.length === 0) return;
  const [accountPlan] = await context.sql.query<{ plan_id: string }>('SELECT plan_id FROM family_years WHERE family_id = $1 AND policy_year = $2', [
    caseRow.family_id,
    caseRow.policy_year,
  ]);
  // The rows exist (the booking created them); lock them in the family's order before moving.
  await lockExistingAccumulators(context.sql, caseRow.family_id, caseRow.member_id, caseRow.policy_year);
  await applyMovements(
    context.sql,
    {
      familyId: caseRow.family_id,
      memberId: caseRow.member_id,
      policyYear: caseRow.policy_year,
      planId: booking?.plan_id ?? accountPlan?.plan_id ?? null,
      sourceKind: 'booking-void',
      sourceId: bookingId,
      commandId: context.commandId,
    },
    moved.map((m) => ({ ...m, delta: -m.delta })),
  );
}

export interface PreauthEstimate {
  readonly deductible: number;
  readonly coinsurance: number;
  readonly copay: number;
  readonly notPaid: number;
  /** All the patient is estimated to pay of the requested amount. */
  readonly total: number;
  /** The plan's part: what the hold asks of the family's cover. */
  readonly planPart: number;
}

/**
 * The patient's estimate at pre-auth (S5 step 2: 40,000 → 6,700, the plan holds 33,300): the
 * requested amount decided as one charge, the case's first, against the accumulators as
 * committed now, unlocked and moving nothing (bookings decide for real). On the cashless cover
 * the plan's part is the whole request.
 */
export async function preauthEstimate(
  context: Pick<CommandContext, 'sql'>,
  caseRow: CaseRow,
  packageCode: string,
  requested: number,
): Promise<PreauthEstimate> {
  const account = await planOfAccount(context.sql, caseRow.family_id, caseRow.policy_year);
  if (!account?.hasCostSharing) return { deductible: 0, coinsurance: 0, copay: 0, notPaid: 0, total: 0, planPart: requested };
  const eligibility = await caseEligibility(context, account.plan, caseRow, packageCode);
  const state = await readAccumulators(context.sql, caseRow.family_id, caseRow.member_id, caseRow.policy_year);
  const decision = decideCharge(account.plan, state, { coverage: 'medical', amount: requested, isCopayDue: true, ...eligibility });
  return {
    deductible: decision.deductible,
    coinsurance: decision.coinsurance,
    copay: decision.copay,
    notPaid: decision.notPaid,
    total: decision.costShare + decision.notPaid,
    planPart: decision.planPart,
  };
}

/**
 * The plan's part of an enhancement (issue 14): what the hold may grow by, as request-preauth
 * holds only the plan's part of the package. The case's authorized amount before and after the
 * enhancement are each decided as one charge, the case's first, against the same base — the
 * family's accumulators as locked now less what this case's own bookings moved (the state the
 * case's estimate is made from) — and the enhancement's patient part is the difference. So a
 * deductible already in the pre-auth's estimate is not asked again, and co-insurance and the
 * out-of-pocket maximums apply to the increase as they would have to a larger request.
 */
export async function enhancementEstimate(
  context: Pick<CommandContext, 'sql'>,
  caseRow: CaseRow,
  packageCode: string,
  costSharing: { readonly plan: PlanYear; readonly state: AccumulatorState },
  authorizedBefore: number,
  approved: number,
): Promise<EnhancementEstimate> {
  const moved = await context.sql.query<{
    level: 'family' | 'member';
    kind: AccumulatorMovement['kind'];
    coverage_type: AccumulatorMovement['coverage'];
    delta: number;
  }>(
    `SELECT CASE WHEN e.member_id IS NULL THEN 'family' ELSE 'member' END AS level, e.kind, e.coverage_type, sum(e.delta)::bigint AS delta
       FROM accumulator_entries e
      WHERE e.source_kind IN ('booking', 'booking-void') AND e.source_id IN (SELECT b.id::text FROM bookings b WHERE b.case_id = $1)
      GROUP BY 1, 2, 3`,
    [caseRow.id],
  );
  const base = withoutMovements(
    costSharing.state,
    moved.map((m) => ({ level: m.level, kind: m.kind, coverage: m.coverage_type, delta: m.delta })),
  );
  const eligibility = await caseEligibility(context, costSharing.plan, caseRow, packageCode);
  const decide = (amount: number) => decideCharge(costSharing.plan, base, { coverage: 'medical', amount, isCopayDue: true, ...eligibility });
  const before = decide(authorizedBefore);
  const after = decide(authorizedBefore + approved);
  const patientOf = (decision: typeof before) => decision.costShare + decision.notPaid;
  const patientPart = Math.min(approved, Math.max(0, patientOf(after) - patientOf(before)));
  return { patientPart, planPart: approved - patientPart, parts: partsWithin(patientPart, after, before) };
}

/** The patient's part of an enhancement by kind (migration 044); the parts sum to `patientPart`. */
export interface EnhancementEstimate {
  readonly patientPart: number;
  readonly planPart: number;
  readonly parts: EstimateParts;
}
export interface EstimateParts {
  readonly deductible: number;
  readonly coinsurance: number;
  readonly copay: number;
  readonly notCovered: number;
}
export const noEstimateParts: EstimateParts = { deductible: 0, coinsurance: 0, copay: 0, notCovered: 0 };

/**
 * Each part's growth from one decision to the other, taken in this order until `total` is used
 * (each part only grows with the amount decided; the cap keeps the sum exact if one did not).
 */
function partsWithin(
  total: number,
  after: { readonly deductible: number; readonly coinsurance: number; readonly copay: number; readonly notPaid: number },
  before: typeof after,
): EstimateParts {
  let left = total;
  const take = (grown: number) => {
    const part = Math.min(left, Math.max(0, grown));
    left -= part;
    return part;
  };
  const deductible = take(after.deductible - before.deductible);
  const coinsurance = take(after.coinsurance - before.coinsurance);
  const copay = take(after.copay - before.copay);
  const notCovered = take(after.notPaid - before.notPaid);
  // Whatever growth the parts did not show (none when each part grows with the amount) is the plan's not paying.
  return { deductible, coinsurance, copay, notCovered: notCovered + left };
}
