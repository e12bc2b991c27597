/**
 * 040 — a secondary payer's decision on a coordination-of-benefits claim (issue 14).
 *
 * take-payment with method `secondary` (036) sends the remainder of a patient's part to a
 * serious-illness fund or a commercial top-up and counts it in `patient_accounts.secondary`, so
 * the patient owes it no longer. The payer then accepts it, accepts part of it, or rejects it.
 *
 * - `secondary_claim_decisions`: the decision table, one row per claim (the primary key: a claim
 *   is decided once), append-only like the claim it decides. `accepted + rejected = amount` and
 *   the decision agrees with its amounts (CHECKs); a partial or rejected one names its reason.
 *   `secondary_claims` itself is never edited: its status is the decision's, or `submitted`.
 * - What the payer rejects goes back on the patient's account: `patient_accounts.secondary` falls
 *   by the rejected amount, in the same statement that records the decision
 *   (src/money/secondary-claims.ts), so the patient owes it again; `secondary >= 0` (036) is the
 *   last line.
 */
export const sql = /* sql */ `
CREATE TABLE secondary_claim_decisions (
  claim_id uuid PRIMARY KEY REFERENCES secondary_claims(id),
  case_id uuid NOT NULL REFERENCES cases(id),
  decision text NOT NULL CHECK (decision IN ('accepted', 'partial', 'rejected')),
  claim_amount bigint NOT NULL CHECK (claim_amount > 0),
  accepted_amount bigint NOT NULL CHECK (accepted_amount >= 0),
  rejected_amount bigint NOT NULL CHECK (rejected_amount >= 0),
  reason_code text CHECK (reason_code ~ '^[a-z][a-z0-9-]{0,39}$'),
  payer_reference text NOT NULL CHECK (length(payer_reference) BETWEEN 1 AND 200),
  decided_by uuid NOT NULL REFERENCES operators(id),
  command_id uuid NOT NULL,
  decided_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT decision_splits_the_claim CHECK (accepted_amount + rejected_amount = claim_amount),
  CONSTRAINT decision_matches_its_amounts CHECK (
    (decision = 'accepted' AND rejected_amount = 0 AND reason_code IS NULL)
    OR (decision = 'partial' AND accepted_amount > 0 AND rejected_amount > 0 AND reason_code IS NOT NULL)
    OR (decision = 'rejected' AND accepted_amount = 0 AND reason_code IS NOT NULL))
);
CREATE INDEX secondary_claim_decisions_case ON secondary_claim_decisions (case_id);

CREATE TRIGGER secondary_claim_decisions_append_only BEFORE UPDATE OR DELETE ON secondary_claim_decisions FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER secondary_claim_decisions_no_truncate BEFORE TRUNCATE ON secondary_claim_decisions FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
REVOKE UPDATE, DELETE, TRUNCATE ON secondary_claim_decisions FROM coverdesk_runtime;
`;
