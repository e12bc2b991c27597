/** 001 — the initial schema. Migrations are append-only: never edit one that has shipped. */
export const sql = /* sql */ `
CREATE TABLE server_secrets (
  name text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE schemes (
  id text PRIMARY KEY,
  name text NOT NULL,
  policy_year integer NOT NULL,
  currency text NOT NULL,
  locale text NOT NULL,
  minor_per_unit integer NOT NULL DEFAULT 100,
  government_share_bp integer NOT NULL CHECK (government_share_bp BETWEEN 0 AND 10000),
  -- What a pre-auth does when the cover is short: hold what is left and record the patient's
  -- shortfall (default), or refuse the hold outright.
  shortfall_policy text NOT NULL DEFAULT 'partial-hold' CHECK (shortfall_policy IN ('partial-hold', 'refuse')),
  -- How far bookings may grow a hold past the authorized amount without a new decision.
  auto_extend_bp integer NOT NULL DEFAULT 0 CHECK (auto_extend_bp BETWEEN 0 AND 10000),
  preauth_turnaround_minutes integer NOT NULL DEFAULT 360,
  is_current boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX one_current_scheme ON schemes (is_current) WHERE is_current;

CREATE TABLE hospitals (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  district text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE desks (
  id uuid PRIMARY KEY,
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  name text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operators (
  id uuid PRIMARY KEY,
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  password_hash text NOT NULL,
  roles text[] NOT NULL CHECK (cardinality(roles) > 0),
  hospital_id uuid REFERENCES hospitals(id),
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A desk operator always works for one hospital: that is their scope.
  CONSTRAINT medco_has_hospital CHECK (NOT ('MEDCO' = ANY (roles)) OR hospital_id IS NOT NULL)
);

CREATE TABLE families (
  id uuid PRIMARY KEY,
  scheme_id text NOT NULL REFERENCES schemes(id),
  family_number text NOT NULL UNIQUE,
  cover bigint NOT NULL CHECK (cover >= 0),
  -- committed = active holds + claims in adjudication + claims approved or paid.
  committed bigint NOT NULL DEFAULT 0,
  -- The amount the last arbitration statement added to committed. SET expressions all read the
  -- row as it was, so one UPDATE can both grant and report LEAST(requested, cover - committed).
  last_change bigint NOT NULL DEFAULT 0,
  registered_phone text NOT NULL,
  district text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- THE invariant of the product: no family is ever committed beyond its cover. The database
  -- refuses any statement that would break it, whatever the application does.
  CONSTRAINT committed_within_cover CHECK (committed >= 0 AND committed <= cover)
);
CREATE INDEX families_district ON families (district);

CREATE TABLE members (
  id uuid PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES families(id),
  scheme_member_id text NOT NULL UNIQUE,
  full_name text NOT NULL,
  birth_year integer NOT NULL,
  gender text NOT NULL,
  relation text NOT NULL,
  -- The national id is never stored: only an HMAC keyed with a server secret, usable for lookup.
  national_id_hash text UNIQUE,
  health_card_number text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_family ON members (family_id);

CREATE TABLE packages (
  code text PRIMARY KEY,
  specialty text NOT NULL,
  name text NOT NULL,
  is_unspecified boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE package_prices (
  package_code text NOT NULL REFERENCES packages(code),
  version integer NOT NULL CHECK (version >= 1),
  price bigint NOT NULL CHECK (price > 0),
  effective_from timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (package_code, version)
);

CREATE TABLE cases (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members(id),
  family_id uuid NOT NULL REFERENCES families(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  status text NOT NULL CHECK (status IN ('admitted', 'discharged', 'cancelled')),
  identity_method text NOT NULL,
  is_emergency boolean NOT NULL DEFAULT false,
  admitted_by uuid NOT NULL REFERENCES operators(id),
  admitted_at timestamptz NOT NULL DEFAULT now(),
  discharged_at timestamptz,
  cancelled_at timestamptz,
  cancel_reason text
);
-- One active case per member across all hospitals (PM-JAY rule: a patient not discharged
-- elsewhere cannot be admitted). The index is the arbiter, so two desks racing both cannot win.
CREATE UNIQUE INDEX one_active_case_per_member ON cases (member_id) WHERE status = 'admitted';
CREATE INDEX cases_hospital ON cases (hospital_id, status);
CREATE INDEX cases_family ON cases (family_id);

CREATE TABLE preauths (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL UNIQUE REFERENCES cases(id),
  package_code text NOT NULL,
  package_version integer NOT NULL,
  package_price bigint NOT NULL,
  requested_amount bigint NOT NULL CHECK (requested_amount > 0),
  recommended_amount bigint,
  approved_amount bigint,
  status text NOT NULL CHECK (status IN ('pending', 'queried', 'committee-review', 'admin-review', 'approved', 'rejected', 'cancelled')),
  clinical_note text,
  query_reason text,
  query_response text,
  decision_reason text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by uuid REFERENCES operators(id),
  FOREIGN KEY (package_code, package_version) REFERENCES package_prices(package_code, version)
);
CREATE INDEX preauths_status ON preauths (status, requested_at);

CREATE TABLE holds (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL UNIQUE REFERENCES cases(id),
  family_id uuid NOT NULL REFERENCES families(id),
  amount bigint NOT NULL CHECK (amount >= 0),
  -- The part of the hold already consumed by covered bookings: a hold never shrinks below it,
  -- so a booking once confirmed covered never turns into shortfall.
  consumed bigint NOT NULL DEFAULT 0,
  -- The amount decisions have authorized (requested, approved, plus approved enhancements).
  authorized bigint NOT NULL CHECK (authorized >= 0),
  package_code text NOT NULL,
  package_version integer NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'claimed', 'released')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT consumed_within_hold CHECK (consumed >= 0 AND consumed <= amount),
  FOREIGN KEY (package_code, package_version) REFERENCES package_prices(package_code, version)
);
CREATE INDEX holds_family ON holds (family_id, status);

CREATE TABLE enhancements (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases(id),
  requested_amount bigint NOT NULL CHECK (requested_amount > 0),
  approved_amount bigint,
  granted_amount bigint,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
  reason text NOT NULL,
  decision_reason text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by uuid REFERENCES operators(id)
);
CREATE UNIQUE INDEX one_pending_enhancement ON enhancements (case_id) WHERE status = 'pending';

CREATE TABLE bookings (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  case_id uuid NOT NULL REFERENCES cases(id),
  family_id uuid NOT NULL REFERENCES families(id),
  item_code text NOT NULL,
  description text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price bigint NOT NULL CHECK (unit_price > 0),
  amount bigint NOT NULL CHECK (amount > 0),
  covered_amount bigint NOT NULL CHECK (covered_amount >= 0),
  shortfall_amount bigint NOT NULL CHECK (shortfall_amount >= 0),
  package_code text NOT NULL,
  package_version integer NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'voided')),
  void_reason text,
  -- Set when the claim is submitted: the booking is closed but kept for audit.
  closed_at timestamptz,
  created_by uuid NOT NULL REFERENCES operators(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT booking_parts CHECK (covered_amount + shortfall_amount = amount)
);
CREATE INDEX bookings_case ON bookings (case_id, seq);

CREATE TABLE payments (
  id uuid PRIMARY KEY,
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  reference text NOT NULL UNIQUE,
  amount bigint NOT NULL CHECK (amount >= 0),
  government_amount bigint NOT NULL CHECK (government_amount >= 0),
  insurer_amount bigint NOT NULL CHECK (insurer_amount >= 0),
  deductions bigint NOT NULL DEFAULT 0 CHECK (deductions >= 0),
  approved_by uuid NOT NULL REFERENCES operators(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payment_split CHECK (government_amount + insurer_amount = amount),
  CONSTRAINT deductions_within_amount CHECK (deductions <= amount)
);

CREATE TABLE claims (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL UNIQUE REFERENCES cases(id),
  family_id uuid NOT NULL REFERENCES families(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  amount bigint NOT NULL CHECK (amount > 0),
  payer_amount bigint NOT NULL CHECK (payer_amount >= 0),
  patient_amount bigint NOT NULL CHECK (patient_amount >= 0),
  approved_amount bigint,
  status text NOT NULL CHECK (status IN ('submitted', 'processed', 'approved', 'denied', 'paid')),
  payment_id uuid REFERENCES payments(id),
  submitted_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  processed_by uuid REFERENCES operators(id),
  verified_at timestamptz,
  verified_by uuid REFERENCES operators(id),
  CONSTRAINT claim_parts CHECK (payer_amount + patient_amount = amount),
  CONSTRAINT approved_within_payer CHECK (approved_amount IS NULL OR (approved_amount >= 0 AND approved_amount <= payer_amount))
);
CREATE INDEX claims_status ON claims (status, submitted_at);

CREATE TABLE claim_lines (
  claim_id uuid NOT NULL REFERENCES claims(id),
  booking_id uuid NOT NULL REFERENCES bookings(id),
  payer_amount bigint NOT NULL,
  patient_amount bigint NOT NULL,
  cex_decision text,
  cex_amount bigint,
  cex_reason_code text,
  cpd_decision text,
  approved_amount bigint,
  reason_code text,
  PRIMARY KEY (claim_id, booking_id)
);

-- Append-only record of every change to a family's committed amount. component says which part
-- of committed moved (holds or claims); families.committed must always equal the sum of deltas.
CREATE TABLE ledger (
  id bigserial PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES families(id),
  case_id uuid REFERENCES cases(id),
  component text NOT NULL CHECK (component IN ('hold', 'claim')),
  delta bigint NOT NULL CHECK (delta <> 0),
  reason text NOT NULL,
  command_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_family ON ledger (family_id);

-- Patient share per member and family (shortfalls, later co-payments): feeds out-of-pocket
-- accumulators and patient billing. Signed entries: a shortfall later covered is a negative entry.
CREATE TABLE patient_shares (
  id bigserial PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES families(id),
  member_id uuid NOT NULL REFERENCES members(id),
  case_id uuid NOT NULL REFERENCES cases(id),
  booking_id uuid REFERENCES bookings(id),
  kind text NOT NULL CHECK (kind IN ('preauth-shortfall', 'booking-shortfall')),
  amount bigint NOT NULL CHECK (amount <> 0),
  command_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_shares_member ON patient_shares (member_id);
CREATE INDEX patient_shares_family ON patient_shares (family_id);

-- Processed commands: the first answer to each client-generated id, so repeats change nothing.
CREATE TABLE commands (
  command_id uuid PRIMARY KEY,
  operator_id uuid NOT NULL REFERENCES operators(id),
  name text NOT NULL,
  request_hash text NOT NULL,
  http_status integer,
  answer jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only, hash-chained audit log. Entries are written inside the transaction that made the
-- change (chain_seq NULL); a single chainer then links them in a total order. Linking later keeps
-- the global chain head off the hot path of every money transaction.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_id uuid,
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  before jsonb,
  after jsonb,
  command_id uuid,
  chain_seq bigint UNIQUE,
  prev_hash text,
  hash text
);
CREATE INDEX audit_unchained ON audit_log (id) WHERE chain_seq IS NULL;
CREATE INDEX audit_entity ON audit_log (entity_type, entity_id);

CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  chain_seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, chain_seq, hash) VALUES (1, 0, 'genesis');

-- The audit log may only grow: rows are never deleted, and once linked never changed.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit_log is append-only';
  END IF;
  IF OLD.chain_seq IS NOT NULL THEN
    RAISE EXCEPTION 'audit_log entry % is already chained and cannot change', OLD.id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
`;
