/**
 * 023 — policy years (issue 24 item 10). The cover is per family PER YEAR: `policy_year` was
 * stored on the scheme and never read, `committed` never reset, and a new year's scheme would have
 * split old claims at the new rate.
 *
 * - A policy year starts on the 1st of the scheme's `year_start_month`, in the scheme's time zone
 *   (domain/policy-year.ts). `schemes.policy_year` is the open year; when the clock passes into the
 *   next one, the scheme rolls over (commands/policy-year.ts): the closing year's parameters are
 *   frozen in `scheme_years` and the scheme row carries the new year. `policy_year_parameters`
 *   answers "the parameters of year Y" for both.
 * - `family_years` is the family's cover account of one year: the arbitration row (cover,
 *   committed, last_change, the committed_within_cover CHECK) moved here from `families`, whose
 *   `cover` is now the yearly entitlement each new account opens with. Accounts open when the year
 *   rolls over (for every family) or on a family's first money decision of the year.
 * - A case belongs to the year of its admission (the operator's time, issue 12 item 4; the server's
 *   receipt is `received_at`). Its hold, claim and ledger entries carry that year, and foreign keys
 *   tie them to the year's account: a case admitted on 31 December and booked on 1 January books
 *   against the old year's cover, with the old year's parameters.
 * - A change to an account touches its family row, so the family document reaches desks again.
 * - add_booking_decision is replaced with the same signature, reading the case's year.
 * Not a rolling migration: the arbitration row moves (families.committed is dropped, so no process
 * of the previous release can go on deciding against a row nobody else reads). Stop the previous
 * release's servers before the first new one starts; desks keep working offline meanwhile.
 */
export const sql = /* sql */ `
ALTER TABLE schemes ADD COLUMN year_start_month integer NOT NULL DEFAULT 1 CHECK (year_start_month BETWEEN 1 AND 12);

CREATE TABLE scheme_years (
  policy_year integer PRIMARY KEY,
  scheme_id text NOT NULL REFERENCES schemes(id),
  government_share_bp integer NOT NULL CHECK (government_share_bp BETWEEN 0 AND 10000),
  shortfall_policy text NOT NULL CHECK (shortfall_policy IN ('partial-hold', 'refuse')),
  auto_extend_bp integer NOT NULL CHECK (auto_extend_bp BETWEEN 0 AND 10000),
  closed_at timestamptz NOT NULL DEFAULT now()
);

CREATE VIEW policy_year_parameters AS
  SELECT policy_year, government_share_bp, shortfall_policy, auto_extend_bp, false AS is_open FROM scheme_years
  UNION ALL
  SELECT policy_year, government_share_bp, shortfall_policy, auto_extend_bp, true AS is_open FROM schemes WHERE is_current;

CREATE TABLE family_years (
  family_id uuid NOT NULL REFERENCES families(id),
  policy_year integer NOT NULL,
  cover bigint NOT NULL CHECK (cover >= 0),
  committed bigint NOT NULL DEFAULT 0,
  last_change bigint NOT NULL DEFAULT 0,
  opened_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (family_id, policy_year),
  -- THE invariant of the product, per family and year: the database refuses any statement that
  -- would commit a family beyond its cover for the year, whatever the application does.
  CONSTRAINT committed_within_cover CHECK (committed >= 0 AND committed <= cover)
);

INSERT INTO family_years (family_id, policy_year, cover, committed, last_change)
  SELECT f.id, s.policy_year, f.cover, f.committed, f.last_change FROM families f CROSS JOIN schemes s WHERE s.is_current;

-- Existing rows belong to the open year; ALTER ... ADD COLUMN with a default writes no row
-- (the append-only ledger refuses UPDATE), and the default is dropped at once.
DO $do$
DECLARE
  y integer := COALESCE((SELECT policy_year FROM schemes WHERE is_current), 0);
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['cases', 'holds', 'claims', 'ledger'] LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN policy_year integer NOT NULL DEFAULT %s', t, y);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN policy_year DROP DEFAULT', t);
  END LOOP;
END $do$;
ALTER TABLE holds ADD CONSTRAINT holds_year_account FOREIGN KEY (family_id, policy_year) REFERENCES family_years (family_id, policy_year);
ALTER TABLE claims ADD CONSTRAINT claims_year_account FOREIGN KEY (family_id, policy_year) REFERENCES family_years (family_id, policy_year);
ALTER TABLE ledger ADD CONSTRAINT ledger_year_account FOREIGN KEY (family_id, policy_year) REFERENCES family_years (family_id, policy_year);
CREATE INDEX ledger_family_year ON ledger (family_id, policy_year);

-- When the operator admitted the patient is admitted_at; when the server heard of it, received_at.
ALTER TABLE cases ADD COLUMN received_at timestamptz;
UPDATE cases SET received_at = admitted_at;
ALTER TABLE cases ALTER COLUMN received_at SET NOT NULL, ALTER COLUMN received_at SET DEFAULT now();

ALTER TABLE families DROP CONSTRAINT committed_within_cover, DROP COLUMN committed, DROP COLUMN last_change;

-- An admission stamped in a closed policy year is reviewed like an identity override.
ALTER TABLE identity_overrides DROP CONSTRAINT identity_overrides_method_check;
ALTER TABLE identity_overrides ADD CONSTRAINT identity_overrides_method_check CHECK (method IN ('override', 'document', 'closed-year'));

CREATE FUNCTION touch_family_of_account() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE families SET updated_at = now() WHERE id = NEW.family_id;
  RETURN NULL;
END $fn$;
CREATE TRIGGER family_years_touch_family AFTER UPDATE ON family_years FOR EACH ROW EXECUTE FUNCTION touch_family_of_account();

CREATE OR REPLACE FUNCTION add_booking_decision(
  p_command_id text,        -- verbatim from the request: the answer echoes it as the runner does
  p_operator_id uuid,
  p_hospital_id uuid,       -- the operator's hospital scope; NULL for operators without one
  p_request_hash text,
  p_booking_id text,        -- verbatim, like the handler's answer and audit entry
  p_case_id uuid,
  p_item_code text,
  p_description text,
  p_quantity integer,
  p_unit_price bigint,
  p_amount bigint           -- quantity × unit price, computed and range-checked by the server
) RETURNS TABLE (is_replay boolean, claim_operator_id uuid, claim_request_hash text, answer_status integer, answer_body json)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_command_id uuid := p_command_id::uuid;
  v_booking_id uuid := p_booking_id::uuid;
  v_case record;
  v_state record;
  v_grant record;
  v_scheme record;
  v_from_hold bigint;
  v_excess bigint;
  v_wanted bigint;
  v_extended bigint := 0;
  v_cover bigint;
  v_committed bigint;
  v_covered bigint;
  v_shortfall bigint;
  v_hold_amount bigint;
  v_hold_consumed bigint;
  v_answer json;
BEGIN
  -- The claim comes first (see runner.ts): a duplicate waits here for this transaction.
  INSERT INTO commands (command_id, operator_id, name, request_hash)
    VALUES (v_command_id, p_operator_id, 'add-booking', p_request_hash)
    ON CONFLICT (command_id) DO NOTHING;
  IF NOT FOUND THEN
    -- READ COMMITTED: this statement's snapshot is taken after the wait, so the first answer is visible.
    RETURN QUERY SELECT true, c.operator_id, c.request_hash, c.http_status, c.answer::json FROM commands c WHERE c.command_id = v_command_id;
    RETURN;
  END IF;

  -- lockCase (case-access.ts): another hospital's case answers exactly like a missing one.
  SELECT k.id, k.member_id, k.family_id, k.hospital_id, k.status, k.policy_year INTO v_case FROM cases k WHERE k.id = p_case_id FOR UPDATE;
  IF NOT FOUND OR (p_hospital_id IS NOT NULL AND v_case.hospital_id <> p_hospital_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'CD404', MESSAGE = 'not-found';
  END IF;
  IF v_case.status <> 'admitted' THEN
    RAISE EXCEPTION USING ERRCODE = 'CD409', MESSAGE = 'case-not-admitted', DETAIL = v_case.status;
  END IF;

  -- The case lock is the mutex for all of the case's rows, so this read cannot go stale.
  SELECT h.id AS hold_id, h.amount, h.consumed, h.authorized, h.package_code, h.package_version, p.status AS preauth_status, f.cover, f.committed,
         EXISTS (SELECT 1 FROM bookings b WHERE b.id = v_booking_id) AS booking_exists,
         (SELECT COALESCE(sum(b.amount), 0) FROM bookings b WHERE b.case_id = h.case_id AND b.status = 'active')::bigint AS booked
    INTO v_state
    FROM holds h JOIN preauths p ON p.case_id = h.case_id JOIN family_years f ON f.family_id = h.family_id AND f.policy_year = h.policy_year
   WHERE h.case_id = v_case.id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'CD409', MESSAGE = 'preauth-not-requested';
  END IF;
  IF v_state.booking_exists THEN
    RAISE EXCEPTION USING ERRCODE = 'CD409', MESSAGE = 'booking-exists';
  END IF;
  -- The case's total stays within what one claim can carry (maxAmount in domain/money.ts, the
  -- claim amount's own limit): a total created above it could never be claimed.
  IF v_state.booked + p_amount > 1000000000000 THEN
    RAISE EXCEPTION USING ERRCODE = 'CD409', MESSAGE = 'case-total-too-large', DETAIL = v_state.booked::text;
  END IF;

  -- The parameters of the case's policy year as committed now (yearParameters in
  -- commands/context.ts), never a value a server process loaded earlier.
  SELECT s.auto_extend_bp, s.shortfall_policy INTO v_scheme FROM policy_year_parameters s WHERE s.policy_year = v_case.policy_year;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Policy year % has no scheme parameters in this database.', v_case.policy_year;
  END IF;

  -- Mirrors allocateBooking(amount, holdFree) in domain/money.ts.
  v_from_hold := GREATEST(0, LEAST(p_amount, v_state.amount - v_state.consumed));
  v_excess := p_amount - v_from_hold;
  v_cover := v_state.cover;
  v_committed := v_state.committed;
  IF v_excess > 0 AND v_state.preauth_status <> 'rejected' THEN
    -- Mirrors extensionCeiling(authorized, autoExtendBasisPoints) in domain/money.ts, split the
    -- same way (whole ten-thousands, then the rest) so authorized × bp never overflows bigint;
    -- integer division of non-negative values is the floor.
    v_wanted := LEAST(v_excess, GREATEST(0, v_state.authorized + (v_state.authorized / 10000) * v_scheme.auto_extend_bp
                                            + ((v_state.authorized % 10000) * v_scheme.auto_extend_bp) / 10000 - v_state.amount));
    -- Mirrors bookingExtension(excess, room, policy) in domain/money.ts: under 'refuse' the whole
    -- excess or nothing, so an excess past the ceiling asks for nothing.
    IF v_scheme.shortfall_policy = 'refuse' AND v_wanted < v_excess THEN
      v_wanted := 0;
    END IF;
    IF v_wanted > 0 THEN
      -- THE arbitration: reserveCover's conditional UPDATE (money/family-cover.ts), allowPartial
      -- except under 'refuse', where it changes nothing unless the whole amount fits.
      -- The SET expressions read the row as it is under its lock, never a value read earlier, and
      -- the committed_within_cover CHECK constraint remains the guarantee.
      UPDATE family_years f
         SET last_change = LEAST(v_wanted, f.cover - f.committed),
             committed = f.committed + LEAST(v_wanted, f.cover - f.committed),
             updated_at = now()
       WHERE f.family_id = v_case.family_id AND f.policy_year = v_case.policy_year AND (v_scheme.shortfall_policy <> 'refuse' OR f.cover - f.committed >= v_wanted)
       RETURNING f.last_change AS granted, f.committed, f.cover INTO v_grant;
      IF FOUND THEN
        v_extended := v_grant.granted;
        v_cover := v_grant.cover;
        v_committed := v_grant.committed;
      END IF;
    END IF;
  END IF;
  v_covered := v_from_hold + v_extended;
  v_shortfall := p_amount - v_covered;
  v_hold_amount := v_state.amount + v_extended;
  v_hold_consumed := v_state.consumed + v_covered;

  -- The handler's writes, in its order (appendLedger and recordPatientShare skip zero amounts).
  UPDATE holds h SET amount = v_hold_amount, consumed = v_hold_consumed, updated_at = now() WHERE h.id = v_state.hold_id;
  IF v_extended <> 0 THEN
    INSERT INTO ledger (family_id, policy_year, case_id, component, delta, reason, command_id)
      VALUES (v_case.family_id, v_case.policy_year, v_case.id, 'hold', v_extended, 'booking-extension', v_command_id);
  END IF;
  INSERT INTO bookings (id, case_id, family_id, item_code, description, quantity, unit_price, amount, covered_amount, shortfall_amount, package_code, package_version, status, created_by)
    VALUES (v_booking_id, v_case.id, v_case.family_id, p_item_code, p_description, p_quantity, p_unit_price, p_amount, v_covered, v_shortfall, v_state.package_code, v_state.package_version, 'active', p_operator_id);
  IF v_shortfall <> 0 THEN
    INSERT INTO patient_shares (family_id, member_id, case_id, booking_id, kind, amount, command_id)
      VALUES (v_case.family_id, v_case.member_id, v_case.id, v_booking_id, 'booking-shortfall', v_shortfall, v_command_id);
  END IF;
  INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, command_id)
    VALUES (p_operator_id, 'booking-added', 'booking', p_booking_id, NULL,
            jsonb_build_object('caseId', v_case.id, 'amount', p_amount, 'covered', v_covered, 'shortfall', v_shortfall, 'extended', v_extended, 'holdAmount', v_hold_amount, 'consumed', v_hold_consumed),
            v_command_id);

  -- The handler's answer, key for key and in its order (json, not jsonb, keeps the order).
  v_answer := json_build_object('commandId', p_command_id, 'command', 'add-booking', 'result', json_build_object(
    'bookingId', p_booking_id, 'caseId', v_case.id, 'amount', p_amount, 'coveredAmount', v_covered, 'shortfallAmount', v_shortfall,
    -- Mirrors coverageOf (commands/bookings.ts).
    'coverage', CASE WHEN v_shortfall = 0 THEN 'covered' WHEN v_covered > 0 THEN 'partly-covered' ELSE 'shortfall' END,
    'packageCode', v_state.package_code, 'packageVersion', v_state.package_version,
    'hold', json_build_object('amount', v_hold_amount, 'consumed', v_hold_consumed, 'free', v_hold_amount - v_hold_consumed, 'extended', v_extended),
    'family', json_build_object('cover', v_cover, 'committed', v_committed, 'available', v_cover - v_committed)));
  UPDATE commands c SET http_status = 200, answer = v_answer::jsonb WHERE c.command_id = v_command_id;
  RETURN QUERY SELECT false, p_operator_id, p_request_hash, 200, v_answer;
END $fn$;
`;
