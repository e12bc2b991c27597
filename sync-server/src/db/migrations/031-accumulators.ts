/**
 * 031 — the accumulator ledger (issue 14): what each member and each family has met of its
 * deductible, paid out of pocket, and had paid by the plan (the limits), per policy year, per
 * coverage type (medical, pharmacy).
 *
 * - `accumulator_entries`: append-only movements (trigger and runtime-role grants refuse UPDATE,
 *   DELETE, TRUNCATE), each tied to its source: a booking, a voided booking, a pharmacy claim or
 *   its reversal, a line of an exchange file, a prior-carrier carry-over, a correction. A
 *   correction reverses, never edits. Each names the plan year it was decided with.
 * - `accumulator_totals`: one row per holder (the family, or one member), year and kind, with the
 *   medical and pharmacy parts and the plan year's maximums. The CHECK constraints are the
 *   database's guarantee that no deductible is met twice and no out-of-pocket maximum or limit is
 *   passed, whatever the application does: `met_within_maximum` and the per-category ones. Rows are
 *   changed only in the transaction of the decision that appends their entries, after locking the
 *   family's rows first (src/money/accumulators.ts), so the sum of a holder's entries always
 *   equals its row (tested).
 * - `bookings.cost_share_amount`: the patient's deductible + co-insurance + co-pay part of a booking;
 *   covered + shortfall + cost share = amount. `bookings.plan_id` names the plan year used.
 * - add_booking_decision is restated from 034's (same signature; its answer gains the add-booking result's
 *   new costShare, all 0) to hand a booking on a cost-sharing plan
 *   year back to the TypeScript handler (SQLSTATE CD307): cost sharing has one implementation,
 *   domain/plan-design.ts, and the PL/pgSQL mirror stays exactly the cashless rule
 *   (docs/cost-sharing-decision.md says why and what it costs).
 */
export const sql = /* sql */ `
CREATE TABLE accumulator_totals (
  holder_id uuid NOT NULL,
  family_id uuid NOT NULL REFERENCES families (id),
  member_id uuid REFERENCES members (id),
  policy_year integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('deductible', 'out-of-pocket', 'benefit')),
  medical bigint NOT NULL DEFAULT 0 CHECK (medical >= 0),
  pharmacy bigint NOT NULL DEFAULT 0 CHECK (pharmacy >= 0),
  maximum bigint CHECK (maximum >= 0),
  medical_maximum bigint CHECK (medical_maximum >= 0),
  pharmacy_maximum bigint CHECK (pharmacy_maximum >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (holder_id, policy_year, kind),
  FOREIGN KEY (family_id, policy_year) REFERENCES family_years (family_id, policy_year),
  CONSTRAINT holder_is_member_or_family CHECK (holder_id = COALESCE(member_id, family_id)),
  -- THE accumulator invariant: met never passes the maximum (a deductible met twice, an
  -- out-of-pocket maximum passed, a limit exceeded are all refused by the database).
  CONSTRAINT met_within_maximum CHECK (maximum IS NULL OR medical + pharmacy <= maximum),
  CONSTRAINT medical_within_maximum CHECK (medical_maximum IS NULL OR medical <= medical_maximum),
  CONSTRAINT pharmacy_within_maximum CHECK (pharmacy_maximum IS NULL OR pharmacy <= pharmacy_maximum)
);
CREATE INDEX accumulator_totals_family ON accumulator_totals (family_id, policy_year);

CREATE TABLE accumulator_entries (
  id bigserial PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES families (id),
  member_id uuid REFERENCES members (id),
  policy_year integer NOT NULL,
  plan_id text,
  kind text NOT NULL CHECK (kind IN ('deductible', 'out-of-pocket', 'benefit')),
  coverage_type text NOT NULL CHECK (coverage_type IN ('medical', 'pharmacy')),
  delta bigint NOT NULL CHECK (delta <> 0),
  source_kind text NOT NULL CHECK (source_kind IN ('booking', 'booking-void', 'pharmacy-claim', 'pharmacy-reversal', 'exchange', 'carry-over', 'correction')),
  source_id text NOT NULL,
  command_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (family_id, policy_year) REFERENCES family_years (family_id, policy_year),
  FOREIGN KEY (plan_id, policy_year) REFERENCES plan_years (plan_id, policy_year)
);
CREATE INDEX accumulator_entries_family ON accumulator_entries (family_id, policy_year);
CREATE INDEX accumulator_entries_source ON accumulator_entries (source_kind, source_id);
-- One exchange-file line moves one accumulator once (intake is idempotent per file and line).
CREATE UNIQUE INDEX accumulator_entries_exchange_line ON accumulator_entries (source_id) WHERE source_kind = 'exchange';

CREATE FUNCTION accumulator_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'accumulator_entries is append-only: a correction is a new, reversing entry';
END $fn$;
CREATE TRIGGER accumulator_entries_append_only BEFORE UPDATE OR DELETE ON accumulator_entries FOR EACH ROW EXECUTE FUNCTION accumulator_entries_append_only();
CREATE TRIGGER accumulator_entries_no_truncate BEFORE TRUNCATE ON accumulator_entries FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

ALTER TABLE bookings ADD COLUMN cost_share_amount bigint NOT NULL DEFAULT 0 CHECK (cost_share_amount >= 0);
ALTER TABLE bookings ADD COLUMN deductible_amount bigint NOT NULL DEFAULT 0 CHECK (deductible_amount >= 0);
ALTER TABLE bookings ADD COLUMN coinsurance_amount bigint NOT NULL DEFAULT 0 CHECK (coinsurance_amount >= 0);
ALTER TABLE bookings ADD COLUMN copay_amount bigint NOT NULL DEFAULT 0 CHECK (copay_amount >= 0);
ALTER TABLE bookings ADD CONSTRAINT booking_cost_share_parts CHECK (deductible_amount + coinsurance_amount + copay_amount = cost_share_amount);
ALTER TABLE bookings ADD COLUMN plan_id text;
ALTER TABLE bookings DROP CONSTRAINT booking_parts;
ALTER TABLE bookings ADD CONSTRAINT booking_parts CHECK (covered_amount + shortfall_amount + cost_share_amount = amount);
-- The patient's estimate at pre-auth (deductible + co-insurance + co-pay + what the plan does not
-- pay) is kept on the hold, as authorized − amount keeps a shortfall's.
ALTER TABLE holds ADD COLUMN cost_share_estimate bigint NOT NULL DEFAULT 0 CHECK (cost_share_estimate >= 0);

DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coverdesk_runtime') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON accumulator_entries FROM coverdesk_runtime;
  END IF;
END $do$;

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

  -- Cost sharing is decided by the TypeScript handler only (migration 031): one implementation of
  -- each rule. A booking on an account whose plan year shares costs is handed back, with nothing
  -- written (raising rolls back this statement, the command claim included).
  IF EXISTS (SELECT 1 FROM family_years fy JOIN plan_years py ON py.plan_id = fy.plan_id AND py.policy_year = fy.policy_year
              WHERE fy.family_id = v_case.family_id AND fy.policy_year = v_case.policy_year AND py.has_cost_sharing) THEN
    RAISE EXCEPTION USING ERRCODE = 'CD307', MESSAGE = 'cost-sharing';
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

  -- The handler's writes, in its order (appendLedger and recordPatientCharge skip zero amounts).
  UPDATE holds h SET amount = v_hold_amount, consumed = v_hold_consumed, updated_at = now() WHERE h.id = v_state.hold_id;
  IF v_extended <> 0 THEN
    INSERT INTO ledger (family_id, policy_year, case_id, component, delta, reason, command_id)
      VALUES (v_case.family_id, v_case.policy_year, v_case.id, 'hold', v_extended, 'booking-extension', v_command_id);
  END IF;
  INSERT INTO bookings (id, case_id, family_id, item_code, description, quantity, unit_price, amount, covered_amount, shortfall_amount, package_code, package_version, status, created_by)
    VALUES (v_booking_id, v_case.id, v_case.family_id, p_item_code, p_description, p_quantity, p_unit_price, p_amount, v_covered, v_shortfall, v_state.package_code, v_state.package_version, 'active', p_operator_id);
  IF v_shortfall <> 0 THEN
    -- recordPatientCharge (money/patient-account.ts): the booking's uncovered part, sourced by the booking.
    INSERT INTO patient_charges (case_id, family_id, member_id, policy_year, kind, amount, booking_id, source_kind, source_id, command_id)
      VALUES (v_case.id, v_case.family_id, v_case.member_id, v_case.policy_year, 'shortfall', v_shortfall, v_booking_id, 'booking', v_booking_id::text, v_command_id);
  END IF;
  INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, command_id)
    VALUES (p_operator_id, 'booking-added', 'booking', p_booking_id, NULL,
            jsonb_build_object('caseId', v_case.id, 'amount', p_amount, 'covered', v_covered, 'shortfall', v_shortfall, 'extended', v_extended, 'holdAmount', v_hold_amount, 'consumed', v_hold_consumed),
            v_command_id);

  -- The handler's answer, key for key and in its order (json, not jsonb, keeps the order).
  v_answer := json_build_object('commandId', p_command_id, 'command', 'add-booking', 'result', json_build_object(
    'bookingId', p_booking_id, 'caseId', v_case.id, 'amount', p_amount, 'coveredAmount', v_covered, 'shortfallAmount', v_shortfall,
    -- The cashless cover shares no cost (cost sharing is the handler's, above).
    'costShare', json_build_object('deductible', 0, 'coinsurance', 0, 'copay', 0, 'total', 0),
    -- Mirrors coverageOf (commands/bookings.ts).
    'coverage', CASE WHEN v_shortfall = 0 THEN 'covered' WHEN v_covered > 0 THEN 'partly-covered' ELSE 'shortfall' END,
    'packageCode', v_state.package_code, 'packageVersion', v_state.package_version,
    'hold', json_build_object('amount', v_hold_amount, 'consumed', v_hold_consumed, 'free', v_hold_amount - v_hold_consumed, 'extended', v_extended),
    'family', json_build_object('cover', v_cover, 'committed', v_committed, 'available', v_cover - v_committed)));
  UPDATE commands c SET http_status = 200, answer = v_answer::jsonb WHERE c.command_id = v_command_id;
  RETURN QUERY SELECT false, p_operator_id, p_request_hash, 200, v_answer;
END $fn$;
`;
