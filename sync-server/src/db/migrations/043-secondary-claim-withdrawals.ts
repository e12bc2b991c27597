/**
 * 043 — a reversal withdraws what a secondary payer no longer owes (issue 14).
 *
 * A coordination-of-benefits claim (036) is the remainder of the patient's part sent to a
 * serious-illness fund or a commercial top-up. When the charge it covers is reversed — a booking
 * voided, a case cancelled, a line CPD denies, a shortfall later covered by the plan — the
 * account's `charged` falls and what was settled on it (paid − refunded + secondary) may now
 * exceed it. Before, that excess stayed on the secondary claim, and the payer was asked to pay
 * for a charge that no longer existed.
 *
 * The rule (the choice, and why): the secondary claim was the remainder, the last money in, so
 * it is the first given back. The excess, up to `secondary`, comes off the case's secondary
 * claims — undecided ones first (newest first; the payer has not answered, so the claim is
 * reduced, or withdrawn when nothing is left of it), then decided ones (the payer has accepted
 * and paid or will pay: what it accepted above what is now owed is a refund due to that payer,
 * `refund-due`). Only what is left after that is the patient's credit (036's `credit`, given back
 * with refund-payment). So a patient who paid part in cash keeps that payment standing against
 * what they still owe, and no payer is asked for money the patient does not owe.
 *
 * - `secondary_claim_withdrawals`: append-only, one row per claim and reversing charge (the unique
 *   key: a charge entry withdraws from a claim once, so a retried decision cannot do it twice).
 *   A claim's standing amount is its amount less what was withdrawn before its decision (the
 *   payer decides that), or once decided its accepted amount less what became refundable; the
 *   sum of the standing amounts is `patient_accounts.secondary`.
 * - ONE trigger on `patient_charges` (after the account's own, `patient_charges_to_account`,
 *   which fires first by name), for every negative entry: whatever command writes the reversal,
 *   the withdrawal is in its transaction, under the account row's lock (taken by that update),
 *   with an audit entry naming the charge's source. decide-secondary-claim locks the same row
 *   before it reads a claim (src/commands/patient-payments.ts), so a decision and a reversal at
 *   the same instant serialize, and the payer decides the claim as it stands.
 */
export const sql = /* sql */ `
CREATE TABLE secondary_claim_withdrawals (
  id bigserial PRIMARY KEY,
  claim_id uuid NOT NULL REFERENCES secondary_claims(id),
  case_id uuid NOT NULL REFERENCES cases(id),
  -- reduced / withdrawn: an undecided claim asks for less (withdrawn: nothing left of it);
  -- refund-due: the payer had accepted, and that much of what it accepted goes back to it.
  kind text NOT NULL CHECK (kind IN ('reduced', 'withdrawn', 'refund-due')),
  amount bigint NOT NULL CHECK (amount > 0),
  charge_id bigint NOT NULL REFERENCES patient_charges(id),
  command_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT withdrawn_once_per_charge UNIQUE (claim_id, charge_id)
);
CREATE INDEX secondary_claim_withdrawals_case ON secondary_claim_withdrawals (case_id);

CREATE TRIGGER secondary_claim_withdrawals_append_only BEFORE UPDATE OR DELETE ON secondary_claim_withdrawals FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER secondary_claim_withdrawals_no_truncate BEFORE TRUNCATE ON secondary_claim_withdrawals FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
REVOKE UPDATE, DELETE, TRUNCATE ON secondary_claim_withdrawals FROM coverdesk_runtime;

-- What each claim stands at, in one place (the trigger below, decide-secondary-claim, the bill and
-- the receivables read it): withdrawn before the decision (the payer decides the rest), refundable
-- after it (out of what the payer accepted).
CREATE VIEW secondary_claim_standing AS
SELECT s.id AS claim_id, s.case_id, d.claim_id IS NOT NULL AS is_decided, w.withdrawn, w.refund_due,
       s.amount - w.withdrawn AS open_amount,
       COALESCE(d.accepted_amount, s.amount - w.withdrawn) - w.refund_due AS standing
  FROM secondary_claims s
  LEFT JOIN secondary_claim_decisions d ON d.claim_id = s.id
  CROSS JOIN LATERAL (
    SELECT COALESCE(sum(x.amount) FILTER (WHERE x.kind <> 'refund-due'), 0)::bigint AS withdrawn,
           COALESCE(sum(x.amount) FILTER (WHERE x.kind = 'refund-due'), 0)::bigint AS refund_due
      FROM secondary_claim_withdrawals x WHERE x.claim_id = s.id) w;

CREATE FUNCTION withdraw_secondary_excess() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_account record;
  v_excess bigint;
  v_left bigint;
  v_take bigint;
  v_kind text;
  v_claim record;
  v_actor uuid;
BEGIN
  -- Locked already by this transaction (patient_charges_to_account just moved it).
  SELECT a.charged, a.paid, a.refunded, a.secondary INTO v_account FROM patient_accounts a WHERE a.case_id = NEW.case_id FOR UPDATE;
  IF NOT FOUND OR v_account.secondary = 0 THEN
    RETURN NULL;
  END IF;
  v_excess := LEAST(v_account.secondary, v_account.paid - v_account.refunded + v_account.secondary - v_account.charged);
  IF v_excess <= 0 THEN
    RETURN NULL;
  END IF;
  SELECT c.operator_id INTO v_actor FROM commands c WHERE c.command_id = NEW.command_id;
  v_left := v_excess;
  FOR v_claim IN
    SELECT t.claim_id AS id, t.is_decided, t.standing
      FROM secondary_claim_standing t JOIN secondary_claims s ON s.id = t.claim_id
     WHERE t.case_id = NEW.case_id
     ORDER BY t.is_decided, s.submitted_at DESC, s.id DESC
  LOOP
    EXIT WHEN v_left = 0;
    CONTINUE WHEN v_claim.standing <= 0;
    v_take := LEAST(v_left, v_claim.standing);
    v_kind := CASE WHEN v_claim.is_decided THEN 'refund-due' WHEN v_take = v_claim.standing THEN 'withdrawn' ELSE 'reduced' END;
    INSERT INTO secondary_claim_withdrawals (claim_id, case_id, kind, amount, charge_id, command_id)
      VALUES (v_claim.id, NEW.case_id, v_kind, v_take, NEW.id, NEW.command_id);
    INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, command_id)
      VALUES (v_actor, 'secondary-claim-withdrawn', 'case', NEW.case_id::text,
              jsonb_build_object('claimId', v_claim.id, 'standing', v_claim.standing),
              jsonb_build_object('claimId', v_claim.id, 'kind', v_kind, 'amount', v_take, 'standing', v_claim.standing - v_take,
                                 'sourceKind', NEW.source_kind, 'sourceId', NEW.source_id, 'chargeId', NEW.id),
              NEW.command_id);
    v_left := v_left - v_take;
  END LOOP;
  -- The standing amounts sum to secondary, so the loop takes the whole excess; the CHECK
  -- secondary >= 0 (036) is the last line.
  UPDATE patient_accounts a SET secondary = a.secondary - (v_excess - v_left), updated_at = now() WHERE a.case_id = NEW.case_id;
  RETURN NULL;
END $fn$;

-- Fires after patient_charges_to_account (triggers of one event fire in name order).
CREATE TRIGGER patient_charges_withdraw_secondary AFTER INSERT ON patient_charges
  FOR EACH ROW WHEN (NEW.amount < 0) EXECUTE FUNCTION withdraw_secondary_excess();
`;
