/**
 * 051 — money between the scheme's office and a secondary payer (issue 14).
 *
 * A coordination-of-benefits claim (036) is decided by its payer (040) and may later be reduced by
 * reversals (043): `secondary_claim_standing.standing` is what the payer owes on it now. Until
 * this migration nothing recorded the money itself: the fund's remittance when it pays, and the
 * scheme's refund to it when a reversal after its payment left it having paid more than it owes.
 *
 * - `secondary_claim_remittances`: append-only, one row per money movement, `remittance` (the
 *   payer paid us) or `refund` (we paid the payer back), positive amounts, the payer's or the
 *   bank's reference, the date the money moved, who recorded it and the command that did
 *   (unique: a retried command records nothing twice).
 * - `secondary_claim_balance`: per claim, what it stands at, what was remitted and refunded, and
 *   the balance between the two sides: `payer_owes` (still to come from the payer) or
 *   `refund_owed` (to go back to it); at most one of them is above 0.
 * - The rule is one conditional statement under the account row's lock
 *   (src/money/secondary-remittances.ts): a remittance is inserted only if it is at most what the
 *   payer owes, a refund only if it is at most what we owe it. The patient's account does not
 *   move: the patient stopped owing this amount when it was sent to the payer (036).
 */
export const sql = /* sql */ `
CREATE TABLE secondary_claim_remittances (
  id bigserial PRIMARY KEY,
  claim_id uuid NOT NULL REFERENCES secondary_claims(id),
  case_id uuid NOT NULL REFERENCES cases(id),
  kind text NOT NULL CHECK (kind IN ('remittance', 'refund')),
  amount bigint NOT NULL CHECK (amount > 0),
  reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
  value_date date NOT NULL,
  recorded_by uuid NOT NULL REFERENCES operators(id),
  command_id uuid NOT NULL UNIQUE,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX secondary_claim_remittances_claim ON secondary_claim_remittances (claim_id);
CREATE INDEX secondary_claim_remittances_case ON secondary_claim_remittances (case_id);

CREATE TRIGGER secondary_claim_remittances_append_only BEFORE UPDATE OR DELETE ON secondary_claim_remittances FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER secondary_claim_remittances_no_truncate BEFORE TRUNCATE ON secondary_claim_remittances FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
REVOKE UPDATE, DELETE, TRUNCATE ON secondary_claim_remittances FROM coverdesk_runtime;

-- Per claim: what the payer owes on it now (043's standing: 0 while undecided is not owed yet, so
-- only decided claims owe), what moved, and the balance either way.
CREATE VIEW secondary_claim_balance AS
SELECT t.claim_id, t.case_id, t.is_decided,
       CASE WHEN t.is_decided THEN t.standing ELSE 0 END::bigint AS owed_total,
       m.remitted, m.refunded,
       GREATEST(0, CASE WHEN t.is_decided THEN t.standing ELSE 0 END - (m.remitted - m.refunded))::bigint AS payer_owes,
       GREATEST(0, (m.remitted - m.refunded) - CASE WHEN t.is_decided THEN t.standing ELSE 0 END)::bigint AS refund_owed
  FROM secondary_claim_standing t
  CROSS JOIN LATERAL (
    SELECT COALESCE(sum(r.amount) FILTER (WHERE r.kind = 'remittance'), 0)::bigint AS remitted,
           COALESCE(sum(r.amount) FILTER (WHERE r.kind = 'refund'), 0)::bigint AS refunded
      FROM secondary_claim_remittances r WHERE r.claim_id = t.claim_id) m;

-- The last line behind the command's conditional insert: after a remittance the payer has paid at
-- most what it owes; after a refund we have given back at most what it overpaid.
CREATE FUNCTION secondary_remittance_within_balance() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_balance record;
BEGIN
  SELECT b.owed_total, b.remitted - b.refunded AS net INTO v_balance FROM secondary_claim_balance b WHERE b.claim_id = NEW.claim_id;
  IF (NEW.kind = 'remittance' AND v_balance.net > v_balance.owed_total) OR (NEW.kind = 'refund' AND v_balance.net < v_balance.owed_total) THEN
    RAISE EXCEPTION 'secondary claim % would stand at % paid against % owed', NEW.claim_id, v_balance.net, v_balance.owed_total
      USING ERRCODE = 'check_violation', CONSTRAINT = 'remittance_within_balance';
  END IF;
  RETURN NULL;
END $fn$;
CREATE TRIGGER secondary_claim_remittances_within_balance AFTER INSERT ON secondary_claim_remittances
  FOR EACH ROW EXECUTE FUNCTION secondary_remittance_within_balance();
`;
