/**
 * The patient's account of a case (issue 14): what the patient owes, one append-only entry per
 * decision (table `patient_charges`, migration 034). Pure: shared by the server, the desk and tests.
 */

/** What a charge is for. `adjustment` is a correction that fits no other kind (a claim adjustment, a goodwill waiver). */
export const patientChargeKinds = ['shortfall', 'deductible', 'coinsurance', 'copay', 'uncovered', 'adjustment'] as const;
export type PatientChargeKind = (typeof patientChargeKinds)[number];

/**
 * What caused a charge. One source charges each kind at most once per bill line (the database's
 * unique key), so a decision replayed by any path cannot charge twice.
 * - `booking`: the booking's uncovered part when it was placed (source id: the booking);
 * - `booking-void`: its reversal when the booking was voided or the case cancelled (the booking);
 * - `shortfall-covered`: a shortfall later covered by freed hold room (the command that freed it);
 * - `patient-share`: carried over by migration 034 from the old `patient_shares` row of that id;
 * - `claim-adjustment`: CPD denied the line, so the patient's part of it is reversed (the claim).
 */
export type PatientChargeSource = 'booking' | 'booking-void' | 'shortfall-covered' | 'patient-share' | 'claim-adjustment';
