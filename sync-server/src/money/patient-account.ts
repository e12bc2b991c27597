import type { Sql } from '../db/database';
import type { PatientChargeKind, PatientChargeSource } from '@domain/patient-account';

/**
 * What a patient owes on a case has one source: `patient_charges` (migration 034), one signed,
 * append-only entry per decision — a shortfall later covered or voided is a negative entry, never
 * an edit. Each entry names its source; the unique key (source, kind, line) refuses a second
 * charge for the same decision. A pre-auth's shortfall is an estimate shown with the hold, never
 * a charge (the double count migration 011 reversed and 034 did not carry over).
 * add_booking_decision (migration 034) writes the booking's shortfall with the same values.
 */
export interface PatientCharge {
  readonly caseId: string;
  readonly familyId: string;
  readonly memberId: string;
  readonly policyYear: number;
  readonly kind: PatientChargeKind;
  /** Signed minor units; zero writes nothing. */
  readonly amount: number;
  /** The bill line (booking) this entry belongs to, or null for a case-level entry. */
  readonly bookingId: string | null;
  readonly sourceKind: PatientChargeSource;
  readonly sourceId: string;
  readonly commandId: string;
}

export async function recordPatientCharge(sql: Sql, charge: PatientCharge): Promise<void> {
  if (charge.amount === 0) return;
  await sql.defer(
    `INSERT INTO patient_charges (case_id, family_id, member_id, policy_year, kind, amount, booking_id, source_kind, source_id, command_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      charge.caseId,
      charge.familyId,
      charge.memberId,
      charge.policyYear,
      charge.kind,
      charge.amount,
      charge.bookingId,
      charge.sourceKind,
      charge.sourceId,
      charge.commandId,
    ],
  );
}

/** The case's row fields a charge needs (CaseRow in commands/case-access.ts has them). */
interface CaseOfCharge {
  readonly id: string;
  readonly family_id: string;
  readonly member_id: string;
  readonly policy_year: number;
}

/**
 * A booking's shortfall moved by `amount` (signed) because of `source`. Ids are validated as
 * hyphenated hex (contract/commands.ts `uuidPattern`), so lower case is PostgreSQL's own text of
 * the uuid: the same source id add_booking_decision writes (`v_booking_id::text`).
 */
export async function recordBookingShortfall(
  sql: Sql,
  caseRow: CaseOfCharge,
  bookingId: string,
  amount: number,
  source: { readonly kind: 'booking' | 'booking-void' | 'shortfall-covered'; readonly id: string },
  commandId: string,
): Promise<void> {
  await recordPatientCharge(sql, {
    caseId: caseRow.id,
    familyId: caseRow.family_id,
    memberId: caseRow.member_id,
    policyYear: caseRow.policy_year,
    kind: 'shortfall',
    amount,
    bookingId: bookingId.toLowerCase(),
    sourceKind: source.kind,
    sourceId: source.id.toLowerCase(),
    commandId,
  });
}
