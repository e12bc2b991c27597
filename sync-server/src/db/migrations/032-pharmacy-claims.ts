/**
 * 032 — pharmacies and their real-time claims (issue 14, S5 steps 1 and 5–8).
 *
 * - `pharmacies`: a pharmacy system is a credentialed client like a desk (src/pharmacy/auth.ts):
 *   `Authorization: Pharmacy <pharmacyId>.<secret>`, the secret high-entropy and kept as a SHA-256
 *   verifier; HA registers it (the secret is shown once) and may revoke it (refused at once).
 * - `pharmacy_claims`: one dispensing, decided in one transaction with the family's accumulators
 *   (src/pharmacy/claims.ts): what the patient pays (deductible, co-insurance, co-pay per
 *   prescription, and what the plan does not pay) and what the plan pays, drawn from the family's
 *   cover of the year like a hold. Idempotent on the pharmacy's own claim id: the same request
 *   again answers the stored answer; another request with that id is refused. A reversal gives
 *   back exactly what the claim moved (never re-adjudicating later claims) and is idempotent too.
 * - `ledger.component` gains 'pharmacy' (the plan's part of pharmacy claims, on the family's
 *   committed amount: committed = active holds + claims + pharmacy claims paid).
 */
export const sql = /* sql */ `
CREATE TABLE pharmacies (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  district text NOT NULL,
  credential_hash text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  registered_by uuid NOT NULL REFERENCES operators (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE pharmacy_claims (
  id uuid PRIMARY KEY,
  pharmacy_id uuid NOT NULL REFERENCES pharmacies (id),
  -- The pharmacy's own claim id: the idempotency key, unique per pharmacy.
  claim_ref text NOT NULL CHECK (claim_ref ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  request_hash text NOT NULL,
  family_id uuid NOT NULL REFERENCES families (id),
  member_id uuid NOT NULL REFERENCES members (id),
  policy_year integer NOT NULL,
  plan_id text,
  drug_code text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price bigint NOT NULL CHECK (unit_price > 0),
  amount bigint NOT NULL CHECK (amount > 0),
  deductible bigint NOT NULL CHECK (deductible >= 0),
  coinsurance bigint NOT NULL CHECK (coinsurance >= 0),
  copay bigint NOT NULL CHECK (copay >= 0),
  -- What the plan pays (drawn from the family's cover) and what it does not (network, limits,
  -- a cover used up): the patient's, outside cost sharing.
  plan_paid bigint NOT NULL CHECK (plan_paid >= 0),
  not_paid bigint NOT NULL CHECK (not_paid >= 0),
  not_paid_reason text,
  status text NOT NULL CHECK (status IN ('paid', 'reversed')),
  -- json, not jsonb: a replay sends the first answer with its keys in their order.
  answer json NOT NULL,
  reversal_answer json,
  created_at timestamptz NOT NULL DEFAULT now(),
  reversed_at timestamptz,
  UNIQUE (pharmacy_id, claim_ref),
  FOREIGN KEY (family_id, policy_year) REFERENCES family_years (family_id, policy_year),
  FOREIGN KEY (plan_id, policy_year) REFERENCES plan_years (plan_id, policy_year),
  CONSTRAINT pharmacy_claim_parts CHECK (deductible + coinsurance + copay + plan_paid + not_paid = amount),
  CONSTRAINT reversal_has_answer CHECK ((status = 'reversed') = (reversal_answer IS NOT NULL AND reversed_at IS NOT NULL))
);
CREATE INDEX pharmacy_claims_family ON pharmacy_claims (family_id, policy_year);

ALTER TABLE ledger DROP CONSTRAINT ledger_component_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_component_check CHECK (component IN ('hold', 'claim', 'pharmacy'));
`;
