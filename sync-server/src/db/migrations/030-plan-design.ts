/**
 * 030 — plan design per policy year (issue 14). A family's floater cover of today is one plan,
 * the cashless scheme (no cost sharing: the cover pays, what it cannot is shortfall); a plan may
 * add cost sharing to it: deductibles, co-insurance, co-pays, out-of-pocket maximums, sub-limits,
 * category limits, waiting periods and a network (domain/plan-design.ts applies them).
 *
 * - `plans`: a plan's name. `plan_years`: its design for one policy year. A plan year is FROZEN
 *   from the moment it is defined (a trigger refuses UPDATE and DELETE): every decision that
 *   used it records its key (plan_id, policy_year), so the parameters a decision was taken with
 *   can always be read back. A change of design is the next year's row. A year a plan has no row
 *   for yet inherits the latest earlier year's design when the first family account of that year
 *   opens (`plan_year_for`).
 * - `families.plan_id`: the plan a family is on (NULL: the scheme's cashless cover, no plan year
 *   at all, which is what every family registered before this migration and by register-family
 *   keeps). `family_years.plan_id`: the plan of that family's account of the year, set once when
 *   the account opens (trigger) and never changed afterwards, so the plan of every decision on
 *   the account is fixed.
 * - `plan_year_waiting_periods`: days from a member's enrolment (members.created_at) during which
 *   the plan pays nothing for a package. `plan_year_network`: where `is_network_restricted`, the
 *   empanelled hospitals and pharmacies the plan pays at (elsewhere it pays nothing).
 * - `has_cost_sharing` (generated): whether anything here can make the patient pay part of a
 *   covered charge. add_booking_decision (migration 031) decides only bookings without it.
 */
export const sql = /* sql */ `
CREATE TABLE plans (
  id text PRIMARY KEY CHECK (id ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
  scheme_id text NOT NULL REFERENCES schemes (id),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE plan_years (
  plan_id text NOT NULL REFERENCES plans (id),
  policy_year integer NOT NULL,
  -- The family deductible, shared by medical and pharmacy; a member's own (embedded) or NULL.
  family_deductible bigint NOT NULL DEFAULT 0 CHECK (family_deductible >= 0),
  member_deductible bigint CHECK (member_deductible >= 0),
  -- The patient's share after the deductible, in basis points.
  coinsurance_medical_bp integer NOT NULL DEFAULT 0 CHECK (coinsurance_medical_bp BETWEEN 0 AND 10000),
  coinsurance_pharmacy_bp integer NOT NULL DEFAULT 0 CHECK (coinsurance_pharmacy_bp BETWEEN 0 AND 10000),
  -- Fixed co-pays: once per admission (a case's first booking), once per prescription (pharmacy claim).
  copay_admission bigint NOT NULL DEFAULT 0 CHECK (copay_admission >= 0),
  copay_prescription bigint NOT NULL DEFAULT 0 CHECK (copay_prescription >= 0),
  -- Out-of-pocket maximums, medical and pharmacy combined; the member's is embedded. NULL: none.
  member_oop_max bigint CHECK (member_oop_max >= 0),
  family_oop_max bigint CHECK (family_oop_max >= 0),
  -- What the plan pays at most per member per year (sub-limit), and per category per family.
  member_sub_limit bigint CHECK (member_sub_limit >= 0),
  medical_limit bigint CHECK (medical_limit >= 0),
  pharmacy_limit bigint CHECK (pharmacy_limit >= 0),
  is_network_restricted boolean NOT NULL DEFAULT false,
  has_cost_sharing boolean GENERATED ALWAYS AS (
    family_deductible > 0 OR COALESCE(member_deductible, 0) > 0 OR coinsurance_medical_bp > 0 OR coinsurance_pharmacy_bp > 0
    OR copay_admission > 0 OR copay_prescription > 0 OR member_sub_limit IS NOT NULL OR medical_limit IS NOT NULL
    OR pharmacy_limit IS NOT NULL OR is_network_restricted) STORED,
  defined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plan_id, policy_year)
);

CREATE TABLE plan_year_waiting_periods (
  plan_id text NOT NULL,
  policy_year integer NOT NULL,
  package_code text NOT NULL REFERENCES packages (code),
  days integer NOT NULL CHECK (days BETWEEN 1 AND 3660),
  PRIMARY KEY (plan_id, policy_year, package_code),
  FOREIGN KEY (plan_id, policy_year) REFERENCES plan_years (plan_id, policy_year)
);

CREATE TABLE plan_year_network (
  plan_id text NOT NULL,
  policy_year integer NOT NULL,
  provider_kind text NOT NULL CHECK (provider_kind IN ('hospital', 'pharmacy')),
  provider_id uuid NOT NULL,
  PRIMARY KEY (plan_id, policy_year, provider_kind, provider_id),
  FOREIGN KEY (plan_id, policy_year) REFERENCES plan_years (plan_id, policy_year)
);

-- A plan year is frozen once defined: decisions name it, and must read back what they used.
CREATE FUNCTION plan_year_frozen() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '% is frozen once defined: define the design of a later policy year instead', TG_TABLE_NAME;
END $fn$;
CREATE TRIGGER plan_years_frozen BEFORE UPDATE OR DELETE ON plan_years FOR EACH ROW EXECUTE FUNCTION plan_year_frozen();
CREATE TRIGGER plan_year_waiting_periods_frozen BEFORE UPDATE OR DELETE ON plan_year_waiting_periods FOR EACH ROW EXECUTE FUNCTION plan_year_frozen();
CREATE TRIGGER plan_year_network_frozen BEFORE UPDATE OR DELETE ON plan_year_network FOR EACH ROW EXECUTE FUNCTION plan_year_frozen();
CREATE TRIGGER plan_years_no_truncate BEFORE TRUNCATE ON plan_years FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

-- The design of a plan for a year: the year's own row, or else a copy of the latest earlier
-- year's (with its waiting periods and network), frozen as that year's. Two callers at once
-- insert once (ON CONFLICT).
CREATE FUNCTION plan_year_for(p_plan_id text, p_year integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  v_from integer;
BEGIN
  IF EXISTS (SELECT 1 FROM plan_years WHERE plan_id = p_plan_id AND policy_year = p_year) THEN
    RETURN;
  END IF;
  SELECT max(policy_year) INTO v_from FROM plan_years WHERE plan_id = p_plan_id AND policy_year < p_year;
  IF v_from IS NULL THEN
    RAISE EXCEPTION 'Plan % has no design for policy year % or any earlier year.', p_plan_id, p_year;
  END IF;
  INSERT INTO plan_years (plan_id, policy_year, family_deductible, member_deductible, coinsurance_medical_bp, coinsurance_pharmacy_bp, copay_admission,
                          copay_prescription, member_oop_max, family_oop_max, member_sub_limit, medical_limit, pharmacy_limit, is_network_restricted)
    SELECT plan_id, p_year, family_deductible, member_deductible, coinsurance_medical_bp, coinsurance_pharmacy_bp, copay_admission,
           copay_prescription, member_oop_max, family_oop_max, member_sub_limit, medical_limit, pharmacy_limit, is_network_restricted
      FROM plan_years WHERE plan_id = p_plan_id AND policy_year = v_from
    ON CONFLICT DO NOTHING;
  IF FOUND THEN
    INSERT INTO plan_year_waiting_periods (plan_id, policy_year, package_code, days)
      SELECT plan_id, p_year, package_code, days FROM plan_year_waiting_periods WHERE plan_id = p_plan_id AND policy_year = v_from;
    INSERT INTO plan_year_network (plan_id, policy_year, provider_kind, provider_id)
      SELECT plan_id, p_year, provider_kind, provider_id FROM plan_year_network WHERE plan_id = p_plan_id AND policy_year = v_from;
  END IF;
END $fn$;

ALTER TABLE families ADD COLUMN plan_id text REFERENCES plans (id);
ALTER TABLE family_years ADD COLUMN plan_id text;
ALTER TABLE family_years ADD CONSTRAINT family_years_plan_year FOREIGN KEY (plan_id, policy_year) REFERENCES plan_years (plan_id, policy_year);

-- The account's plan is the family's plan when the account opens, and stays that.
-- (UPDATE OF plan_id only: the arbitration UPDATEs of committed never fire it.)
CREATE FUNCTION family_year_plan() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.plan_id := (SELECT plan_id FROM families WHERE id = NEW.family_id);
    IF NEW.plan_id IS NOT NULL THEN
      PERFORM plan_year_for(NEW.plan_id, NEW.policy_year);
    END IF;
  ELSIF NEW.plan_id IS DISTINCT FROM OLD.plan_id THEN
    RAISE EXCEPTION 'The plan of a family''s policy-year account is fixed when the account opens.';
  END IF;
  RETURN NEW;
END $fn$;
CREATE TRIGGER family_years_plan BEFORE INSERT ON family_years FOR EACH ROW EXECUTE FUNCTION family_year_plan();
CREATE TRIGGER family_years_plan_fixed BEFORE UPDATE OF plan_id ON family_years FOR EACH ROW EXECUTE FUNCTION family_year_plan();

DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coverdesk_runtime') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON plan_years, plan_year_waiting_periods, plan_year_network FROM coverdesk_runtime;
  END IF;
END $do$;
`;
