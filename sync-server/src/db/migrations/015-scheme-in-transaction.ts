/**
 * 015 — add-booking decides with the scheme's parameters as committed (issue 24 item 11).
 *
 * add_booking_decision took the auto-extension tolerance as a parameter, from the calling
 * process's copy of the scheme, refreshed every 5 s: another process's set-scheme-parameters was
 * ignored for up to 5 s. It also arbitrated a partial extension under the 'refuse' policy. Replaced
 * (011 is shipped and stays as it was) by a function with one parameter fewer that reads
 * auto_extend_bp and shortfall_policy from the current schemes row inside its own statement, and
 * under 'refuse' extends by the whole excess or nothing (bookingExtension in domain/money.ts).
 * The old signature is dropped, not kept beside it: one way to decide, not two. It still mirrors
 * addBooking (src/commands/bookings.ts) step by step; booking-decision.test.ts holds them equal.
 * Change one, change the other.
 */
export const sql = /* sql */ `
DROP FUNCTION add_booking_decision(text, uuid, uuid, text, text, uuid, text, text, integer, bigint, bigint, integer);

CREATE FUNCTION add_booking_decision(
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
  SELECT k.id, k.member_id, k.family_id, k.hospital_id, k.status INTO v_case FROM cases k WHERE k.id = p_case_id FOR UPDATE;
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
    FROM holds h JOIN preauths p ON p.case_id = h.case_id JOIN families f ON f.id = h.family_id
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

  -- The scheme's parameters as committed now (currentScheme in commands/context.ts), never a
  -- value a server process loaded earlier.
  SELECT s.auto_extend_bp, s.shortfall_policy INTO v_scheme FROM schemes s WHERE s.is_current;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No scheme is configured in this database: load a scheme before taking commands.';
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
      UPDATE families f
         SET last_change = LEAST(v_wanted, f.cover - f.committed),
             committed = f.committed + LEAST(v_wanted, f.cover - f.committed),
             updated_at = now()
       WHERE f.id = v_case.family_id AND (v_scheme.shortfall_policy <> 'refuse' OR f.cover - f.committed >= v_wanted)
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
    INSERT INTO ledger (family_id, case_id, component, delta, reason, command_id)
      VALUES (v_case.family_id, v_case.id, 'hold', v_extended, 'booking-extension', v_command_id);
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
