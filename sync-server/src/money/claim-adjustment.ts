import type { AccumulatorMovement } from '@domain/plan-design';
import type { Sql } from '../db/database';
import { applyMovements, lockAccumulators, planOfAccount } from './accumulators';
import { recordPatientCharge } from './patient-account';

/**
 * What CPD's final line decisions change for the patient and the accumulators (issue 14: "refunds
 * when a claim adjustment lowers the patient's part"). The rule, line by line:
 * - `deny`: the service is disallowed. The scheme pays nothing for it and the hospital may not
 *   bill it to the patient either, so every part of the patient's charge on that line (shortfall,
 *   deductible, co-insurance, co-pay) is reversed by a new `claim-adjustment` entry in
 *   `patient_charges` (source id: the claim). What the patient already paid above what they now
 *   owe is the case's credit: a refund due, shown on the bill and given back with refund-payment.
 *   On a plan with cost sharing, the line's deductible, out of pocket and plan-paid (`benefit`)
 *   movements are reversed by `correction` entries; later charges are not re-adjudicated (as for
 *   a void, S5 step 8).
 * - `partial`: the plan pays less; the patient's part is unchanged (what the plan does not
 *   approve is the hospital's, never the patient's). The plan-paid accumulator falls by the part
 *   not approved, by a `correction` entry.
 * - `full`: nothing changes.
 * Entries are never edited. Called by verify-claim under the case and claim locks, before the
 * family's cover moves (lock order: case → accumulators → family_years).
 */
export interface DecidedLine {
  readonly bookingId: string;
  readonly decision: 'full' | 'partial' | 'deny';
  readonly approvedAmount: number;
  /** What the claim asked the plan for on this line (the booking's covered amount at submission). */
  readonly payerAmount: number;
}

interface ClaimOfAdjustment {
  readonly id: string;
  readonly case_id: string;
  readonly family_id: string;
  readonly policy_year: number;
}

interface BookingRow {
  id: string;
  plan_id: string | null;
  shortfall_amount: number;
  deductible_amount: number;
  coinsurance_amount: number;
  copay_amount: number;
}

/** Returns what the patient's part fell by, in total. */
export async function adjustForAdjudication(sql: Sql, claim: ClaimOfAdjustment, lines: readonly DecidedLine[], commandId: string): Promise<number> {
  const changed = lines.filter((line) => line.decision === 'deny' || (line.decision === 'partial' && line.approvedAmount < line.payerAmount));
  if (changed.length === 0) return 0;
  const [caseRow] = await sql.query<{ member_id: string }>('SELECT member_id FROM cases WHERE id = $1', [claim.case_id]);
  if (!caseRow) throw new Error(`claim ${claim.id} has no case`);
  const bookings = await sql.query<BookingRow>(
    'SELECT id, plan_id, shortfall_amount, deductible_amount, coinsurance_amount, copay_amount FROM bookings WHERE id = ANY($1::uuid[])',
    [changed.map((line) => line.bookingId)],
  );
  const byId = new Map(bookings.map((booking) => [booking.id, booking]));
  const account = bookings.some((booking) => booking.plan_id !== null) ? await planOfAccount(sql, claim.family_id, claim.policy_year) : null;
  // The family's accumulator rows first, in the family's order, before any of them moves.
  if (account) await lockAccumulators(sql, claim.family_id, caseRow.member_id, account.plan);
  let lowered = 0;
  for (const line of changed) {
    const booking = byId.get(line.bookingId.toLowerCase());
    if (!booking) throw new Error(`claim line ${line.bookingId} has no booking`);
    const movements: AccumulatorMovement[] = [];
    const notApproved = line.payerAmount - line.approvedAmount;
    if (line.decision === 'deny') {
      for (const [kind, part] of [
        ['shortfall', booking.shortfall_amount],
        ['deductible', booking.deductible_amount],
        ['coinsurance', booking.coinsurance_amount],
        ['copay', booking.copay_amount],
      ] as const) {
        await recordPatientCharge(sql, {
          caseId: claim.case_id,
          familyId: claim.family_id,
          memberId: caseRow.member_id,
          policyYear: claim.policy_year,
          kind,
          amount: -part,
          bookingId: booking.id,
          sourceKind: 'claim-adjustment',
          sourceId: claim.id,
          commandId,
        });
        lowered += part;
      }
      const costShare = booking.deductible_amount + booking.coinsurance_amount + booking.copay_amount;
      for (const level of ['family', 'member'] as const) {
        if (booking.deductible_amount > 0) movements.push({ level, kind: 'deductible', coverage: 'medical', delta: -booking.deductible_amount });
        if (costShare > 0) movements.push({ level, kind: 'out-of-pocket', coverage: 'medical', delta: -costShare });
      }
    }
    if (notApproved > 0)
      for (const level of ['family', 'member'] as const) movements.push({ level, kind: 'benefit', coverage: 'medical', delta: -notApproved });
    if (booking.plan_id !== null && movements.length > 0)
      await applyMovements(
        sql,
        {
          familyId: claim.family_id,
          memberId: caseRow.member_id,
          policyYear: claim.policy_year,
          planId: booking.plan_id,
          sourceKind: 'correction',
          sourceId: `claim-adjustment:${claim.id}:${booking.id}`,
          commandId,
        },
        movements,
      );
  }
  return lowered;
}
