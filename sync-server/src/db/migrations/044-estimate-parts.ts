/**
 * 044 — the patient's estimate by part, on the hold and on each enhancement (issue 14).
 *
 * Under a plan with cost sharing a pre-auth's hold is the plan's part and the patient's estimated
 * part is kept on the hold as one number (`holds.cost_share_estimate`, 031), to which each
 * approved enhancement adds its own part. A hospital system reading the FHIR ClaimResponse must
 * be told what that estimate is made of — deductible, co-insurance, co-pay, items the plan does
 * not pay — apart from a true shortfall (what the family's cover cannot hold), since the patient
 * owes the first by the plan's design and the second only because the cover ran out.
 *
 * - `holds.estimate_deductible`, `_coinsurance`, `_copay`, `_not_covered`: the parts of
 *   `cost_share_estimate`, written by request-preauth and moved by decide-enhancement in the same
 *   UPDATE. NULL on holds placed before this migration (their estimate was never split; the FHIR
 *   answer then states it whole as the member's liability), and the CHECK holds every other row
 *   to the sum.
 * - `enhancements.patient_deductible`, `_coinsurance`, `_copay`, `_not_covered`: the part of the
 *   approved amount that is the patient's (decide-enhancement); NULL until approved, or on
 *   enhancements approved before this migration.
 */
export const sql = /* sql */ `
ALTER TABLE holds
  ADD COLUMN estimate_deductible bigint CHECK (estimate_deductible >= 0),
  ADD COLUMN estimate_coinsurance bigint CHECK (estimate_coinsurance >= 0),
  ADD COLUMN estimate_copay bigint CHECK (estimate_copay >= 0),
  ADD COLUMN estimate_not_covered bigint CHECK (estimate_not_covered >= 0),
  ADD CONSTRAINT estimate_parts_sum CHECK (
    (estimate_deductible IS NULL AND estimate_coinsurance IS NULL AND estimate_copay IS NULL AND estimate_not_covered IS NULL)
    OR estimate_deductible + estimate_coinsurance + estimate_copay + estimate_not_covered = cost_share_estimate);

ALTER TABLE enhancements
  ADD COLUMN patient_deductible bigint CHECK (patient_deductible >= 0),
  ADD COLUMN patient_coinsurance bigint CHECK (patient_coinsurance >= 0),
  ADD COLUMN patient_copay bigint CHECK (patient_copay >= 0),
  ADD COLUMN patient_not_covered bigint CHECK (patient_not_covered >= 0),
  ADD CONSTRAINT patient_parts_together CHECK (
    (patient_deductible IS NULL) = (patient_coinsurance IS NULL)
    AND (patient_deductible IS NULL) = (patient_copay IS NULL)
    AND (patient_deductible IS NULL) = (patient_not_covered IS NULL));
`;
