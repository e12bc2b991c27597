/**
 * 036 — settling the patient's account (issue 14): payments, refunds, receipts, secondary payers.
 *
 * - `patient_accounts`: one row per case with money in its patient account, the arbitration row.
 *   `charged` follows `patient_charges` (a trigger adds every entry, so no writer of charges — the
 *   booking handler, add_booking_decision, cost sharing — can forget it); `paid`, `refunded` and
 *   `secondary` move only by the conditional UPDATEs in src/money/patient-payments.ts: a payment
 *   is taken only if `charged − (paid − refunded) − secondary` covers it, a refund only out of a
 *   credit and out of what the patient paid. The row lock serializes every payment of a case across
 *   server processes. `charged` may fall below what was paid (a booking voided, a charge adjusted
 *   after payment): that is the credit a refund gives back, so no CHECK ties paid to charged; the
 *   CHECKs hold what is always true.
 * - `patient_payments`: append-only, one row per payment or refund, with its receipt number.
 * - `receipt_counters`: receipts are numbered per hospital without gaps (the counter moves in the
 *   payment's transaction, so a rolled-back payment returns its number).
 * - `secondary_claims`: a remainder sent to a serious-illness fund or a commercial top-up as a
 *   coordination-of-benefits claim (the primary plan's part and the patient's charged part at the time).
 */
export const sql = /* sql */ `
CREATE TABLE patient_accounts (
  case_id uuid PRIMARY KEY REFERENCES cases(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  charged bigint NOT NULL DEFAULT 0,
  paid bigint NOT NULL DEFAULT 0 CHECK (paid >= 0),
  refunded bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0),
  secondary bigint NOT NULL DEFAULT 0 CHECK (secondary >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Money given back never exceeds money taken from the patient.
  CONSTRAINT refunds_within_payments CHECK (refunded <= paid)
);
CREATE INDEX patient_accounts_hospital ON patient_accounts (hospital_id);

CREATE FUNCTION patient_account_charge() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO patient_accounts (case_id, hospital_id, charged)
    SELECT NEW.case_id, c.hospital_id, NEW.amount FROM cases c WHERE c.id = NEW.case_id
  ON CONFLICT (case_id) DO UPDATE SET charged = patient_accounts.charged + EXCLUDED.charged, updated_at = now();
  RETURN NULL;
END $fn$;
CREATE TRIGGER patient_charges_to_account AFTER INSERT ON patient_charges FOR EACH ROW EXECUTE FUNCTION patient_account_charge();

INSERT INTO patient_accounts (case_id, hospital_id, charged)
SELECT p.case_id, c.hospital_id, sum(p.amount) FROM patient_charges p JOIN cases c ON c.id = p.case_id GROUP BY p.case_id, c.hospital_id;

CREATE TABLE receipt_counters (
  hospital_id uuid PRIMARY KEY REFERENCES hospitals(id),
  last_number bigint NOT NULL CHECK (last_number > 0)
);

CREATE TABLE patient_payments (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  family_id uuid NOT NULL REFERENCES families(id),
  member_id uuid NOT NULL REFERENCES members(id),
  direction text NOT NULL CHECK (direction IN ('payment', 'refund')),
  method text NOT NULL CHECK (method IN ('cash', 'card', 'upi', 'secondary')),
  amount bigint NOT NULL CHECK (amount > 0),
  reference text CHECK (length(reference) BETWEEN 1 AND 1000),
  secondary_payer text CHECK (secondary_payer IN ('serious-illness-fund', 'commercial-top-up')),
  reason text,
  receipt_number text NOT NULL UNIQUE,
  operator_id uuid NOT NULL REFERENCES operators(id),
  taken_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  command_id uuid NOT NULL,
  CONSTRAINT secondary_names_its_payer CHECK ((method = 'secondary') = (secondary_payer IS NOT NULL)),
  CONSTRAINT refunds_go_to_the_patient CHECK (direction = 'payment' OR method <> 'secondary'),
  CONSTRAINT card_and_upi_have_references CHECK (method NOT IN ('card', 'upi', 'secondary') OR reference IS NOT NULL)
);
CREATE INDEX patient_payments_case ON patient_payments (case_id);
CREATE INDEX patient_payments_drawer ON patient_payments (operator_id, taken_at);

CREATE TABLE secondary_claims (
  id uuid PRIMARY KEY REFERENCES patient_payments(id),
  case_id uuid NOT NULL REFERENCES cases(id),
  payer text NOT NULL CHECK (payer IN ('serious-illness-fund', 'commercial-top-up')),
  member_reference text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  -- What the primary plan covers and what the patient was charged on the case when it was sent.
  primary_paid bigint NOT NULL CHECK (primary_paid >= 0),
  patient_charged bigint NOT NULL,
  status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted')),
  submitted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX secondary_claims_case ON secondary_claims (case_id);

CREATE FUNCTION settlement_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: a correction is a new entry (a refund)', TG_TABLE_NAME;
END $$;
CREATE TRIGGER patient_payments_append_only BEFORE UPDATE OR DELETE ON patient_payments FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER patient_payments_no_truncate BEFORE TRUNCATE ON patient_payments FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER secondary_claims_append_only BEFORE UPDATE OR DELETE ON secondary_claims FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER secondary_claims_no_truncate BEFORE TRUNCATE ON secondary_claims FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

REVOKE UPDATE, DELETE, TRUNCATE ON patient_payments, secondary_claims FROM coverdesk_runtime;
REVOKE DELETE, TRUNCATE ON patient_accounts, receipt_counters FROM coverdesk_runtime;
`;
