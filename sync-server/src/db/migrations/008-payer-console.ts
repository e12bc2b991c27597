/**
 * 008 — the payer console's records: the supporting documents declared with a claim, and the
 * payment ledger (one append-only entry per claim paid) that reconciliation checks payments against.
 */
export const sql = /* sql */ `
-- Supporting documents a desk declares with its claim. The desk cannot upload files yet: it sends
-- each document's metadata (name, kind, size, SHA-256 of the bytes), so CEX/CPD see what the
-- hospital holds and a file produced later can be matched against its hash.
CREATE TABLE claim_documents (
  claim_id uuid NOT NULL REFERENCES claims(id),
  position integer NOT NULL CHECK (position >= 1),
  name text NOT NULL,
  kind text NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (claim_id, position),
  UNIQUE (claim_id, sha256)
);

-- What the hospital actually receives: amount - deductions, stored when the payment is approved so
-- that reconciliation compares two recorded figures (paid + deductions = approved) rather than
-- recomputing one from the other.
ALTER TABLE payments ADD COLUMN net_paid bigint;
UPDATE payments SET net_paid = amount - deductions;
ALTER TABLE payments ALTER COLUMN net_paid SET NOT NULL;
ALTER TABLE payments ADD CONSTRAINT net_paid_non_negative CHECK (net_paid >= 0);

-- One entry per claim paid: the approved amount and its share of the government/insurer split.
-- A payment's entries add up to the payment by construction (the command writes both in one
-- transaction); reconciliation lists any payment, claim or entry where they do not.
CREATE TABLE payment_ledger (
  id bigserial PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments(id),
  claim_id uuid NOT NULL UNIQUE REFERENCES claims(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  approved_amount bigint NOT NULL CHECK (approved_amount >= 0),
  government_amount bigint NOT NULL CHECK (government_amount >= 0),
  insurer_amount bigint NOT NULL CHECK (insurer_amount >= 0),
  command_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payment_ledger_split CHECK (government_amount + insurer_amount = approved_amount)
);
CREATE INDEX payment_ledger_payment ON payment_ledger (payment_id);

-- Payments made before this migration: their entries, the government part allocated by cumulative
-- share (floor of the running total) so that the entries add up exactly to the payment's split.
INSERT INTO payment_ledger (payment_id, claim_id, hospital_id, approved_amount, government_amount, insurer_amount)
SELECT payment_id, id, hospital_id, approved, government, approved - government FROM (
  SELECT c.payment_id, c.id, c.hospital_id, COALESCE(c.approved_amount, 0) AS approved,
         CASE WHEN p.amount = 0 THEN 0 ELSE
           floor(sum(COALESCE(c.approved_amount, 0)) OVER w * p.government_amount / p.amount)
           - floor((sum(COALESCE(c.approved_amount, 0)) OVER w - COALESCE(c.approved_amount, 0)) * p.government_amount / p.amount) END AS government
    FROM claims c JOIN payments p ON p.id = c.payment_id
  WINDOW w AS (PARTITION BY c.payment_id ORDER BY c.id)
) allocated;

CREATE FUNCTION payment_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'payment_ledger is append-only';
END $$;
CREATE TRIGGER payment_ledger_append_only BEFORE UPDATE OR DELETE ON payment_ledger
  FOR EACH ROW EXECUTE FUNCTION payment_ledger_append_only();
`;
