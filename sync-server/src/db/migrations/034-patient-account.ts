/**
 * 034 — one patient account per case (issue 14, "the patient's bill and settlement").
 *
 * Everything a patient owes on a case — shortfall, deductible, co-insurance, co-pay, items the plan
 * does not cover, adjustments — is one append-only account, `patient_charges`, and nothing else.
 * It replaces `patient_shares`, where a pre-auth's shortfall (an estimate, known at admission) had
 * been recorded and then recorded again as booking shortfall when the bookings came (migration 011
 * reversed those and forbade new ones, but the table still carried both kinds and their reversals).
 *
 * - Each entry names its source (`source_kind`, `source_id`: the booking, the void of a booking,
 *   the command that covered a shortfall later, a claim adjustment, a migrated row) and, when it is
 *   one line of the bill, its booking. A source can charge each kind once per line: the unique key
 *   makes a second write of the same decision an error, whatever path tries it.
 * - Corrections are new, signed rows (a shortfall later covered or voided is a negative entry);
 *   UPDATE, DELETE and TRUNCATE are refused by triggers and not granted to the runtime role.
 * - Existing data: every booking-shortfall share is carried over as it was (source
 *   `patient-share` and its old id); the pre-auth shortfalls and their 011 reversals (which sum to
 *   zero per case) are not: a pre-auth's shortfall is never a charge.
 * - add_booking_decision (023) is replaced with the same signature; it writes the booking's
 *   shortfall here instead of into patient_shares.
 */
export const sql = /* sql */ `
CREATE TABLE patient_charges (
  id bigserial PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases(id),
  family_id uuid NOT NULL REFERENCES families(id),
  member_id uuid NOT NULL REFERENCES members(id),
  policy_year integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('shortfall', 'deductible', 'coinsurance', 'copay', 'uncovered', 'adjustment')),
  -- Signed, minor units: a correction is a new entry of the opposite sign, never an edit.
  amount bigint NOT NULL CHECK (amount <> 0),
  -- The bill line this entry belongs to (NULL for a case-level entry, e.g. a co-pay per admission).
  booking_id uuid REFERENCES bookings(id),
  source_kind text NOT NULL CHECK (source_kind ~ '^[a-z][a-z0-9-]{0,39}$'),
  source_id text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 200),
  command_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- One entry per source, kind and line: the same decision cannot be charged twice.
  CONSTRAINT patient_charges_once_per_source UNIQUE NULLS NOT DISTINCT (source_kind, source_id, kind, booking_id)
);
CREATE INDEX patient_charges_case ON patient_charges (case_id);
CREATE INDEX patient_charges_family_year ON patient_charges (family_id, policy_year);
CREATE INDEX patient_charges_member_year ON patient_charges (member_id, policy_year);

CREATE FUNCTION patient_charges_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'patient_charges is append-only: a correction is a new, reversing entry';
END $$;
CREATE TRIGGER patient_charges_append_only BEFORE UPDATE OR DELETE ON patient_charges
  FOR EACH ROW EXECUTE FUNCTION patient_charges_append_only();
CREATE TRIGGER patient_charges_no_truncate BEFORE TRUNCATE ON patient_charges FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

INSERT INTO patient_charges (case_id, family_id, member_id, policy_year, kind, amount, booking_id, source_kind, source_id, command_id, created_at)
SELECT s.case_id, s.family_id, s.member_id, c.policy_year, 'shortfall', s.amount, s.booking_id, 'patient-share', s.id::text, s.command_id, s.created_at
  FROM patient_shares s JOIN cases c ON c.id = s.case_id
 WHERE s.kind = 'booking-shortfall'
 ORDER BY s.id;

DROP TABLE patient_shares;

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
    -- Mirrors coverageOf (commands/bookings.ts).
    'coverage', CASE WHEN v_shortfall = 0 THEN 'covered' WHEN v_covered > 0 THEN 'partly-covered' ELSE 'shortfall' END,
    'packageCode', v_state.package_code, 'packageVersion', v_state.package_version,
    'hold', json_build_object('amount', v_hold_amount, 'consumed', v_hold_consumed, 'free', v_hold_amount - v_hold_consumed, 'extended', v_extended),
    'family', json_build_object('cover', v_cover, 'committed', v_committed, 'available', v_cover - v_committed)));
  UPDATE commands c SET http_status = 200, answer = v_answer::jsonb WHERE c.command_id = v_command_id;
  RETURN QUERY SELECT false, p_operator_id, p_request_hash, 200, v_answer;
END $fn$;

-- The runtime role (migration 025) adds entries and never changes or removes one.
REVOKE UPDATE, DELETE, TRUNCATE ON patient_charges FROM coverdesk_runtime;
`;
