// The writes every add-booking makes once its figures are decided, cashless or cost-shared: the
// hold's new amount and consumption, the ledger entry of its extension, the booking row and the
// booking's shortfall on the patient's account. One place, so both paths write the same rows.
import type { CommandBody } from '@contract/commands';
import { appendLedger } from '../money/family-cover';
import { recordBookingShortfall } from '../money/patient-account';
import type { CaseRow } from './case-access';
import type { CommandContext } from './context';

export interface BookingFigures {
  readonly amount: number;
  readonly covered: number;
  readonly shortfall: number;
  /** How far the hold was extended for this booking (0 when it fit). */
  readonly extended: number;
  readonly hold: { readonly amount: number; readonly consumed: number };
}

/** The patient's cost-sharing parts of a booking and the plan that decided them (none on a cashless cover). */
export interface BookingCostShare {
  readonly total: number;
  readonly deductible: number;
  readonly coinsurance: number;
  readonly copay: number;
  readonly planId: string | null;
}

export async function writeBooking(
  context: CommandContext,
  caseRow: CaseRow,
  state: { readonly hold_id: string; readonly package_code: string; readonly package_version: number },
  body: CommandBody<'add-booking'>,
  figures: BookingFigures,
  costShare: BookingCostShare | null,
): Promise<void> {
  const { amount, covered, shortfall, extended, hold } = figures;
  await context.sql.defer('UPDATE holds SET amount = $2, consumed = $3, updated_at = now() WHERE id = $1', [state.hold_id, hold.amount, hold.consumed]);
  await appendLedger(context.sql, {
    familyId: caseRow.family_id,
    policyYear: caseRow.policy_year,
    caseId: caseRow.id,
    component: 'hold',
    delta: extended,
    reason: 'booking-extension',
    commandId: context.commandId,
  });
  await context.sql.defer(
    `INSERT INTO bookings (id, case_id, family_id, item_code, description, quantity, unit_price, amount, covered_amount, shortfall_amount, package_code, package_version, status, created_by,
                           cost_share_amount, deductible_amount, coinsurance_amount, copay_amount, plan_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'active', $13, $14, $15, $16, $17, $18)`,
    [
      body.bookingId,
      caseRow.id,
      caseRow.family_id,
      body.itemCode,
      body.description,
      body.quantity,
      body.unitPrice,
      amount,
      covered,
      shortfall,
      state.package_code,
      state.package_version,
      context.principal.operatorId,
      costShare?.total ?? 0,
      costShare?.deductible ?? 0,
      costShare?.coinsurance ?? 0,
      costShare?.copay ?? 0,
      costShare?.planId ?? null,
    ],
  );
  await recordBookingShortfall(context.sql, caseRow, body.bookingId, shortfall, { kind: 'booking', id: body.bookingId }, context.commandId);
}
