/**
 * 062 — a cross-hospital history the member controls (issue 16; src/member-record/).
 *
 * - `history_consents`: the member's consent, given at the treating hospital's desk, for that
 *   hospital to see the member's past cases at every hospital while one case lasts. A grant names
 *   the member, the hospital, the case, the method (a one-time code sent to the family's registered
 *   phone and verified at that hospital: `otp_challenge_id`), who recorded it, when, and when it
 *   ends (`expires_at`: 72 hours after the grant; it also ends when its case is discharged or
 *   cancelled, read from the case, so nothing has to rewrite the grant). A code backs one grant.
 * - `history_access_log`: every look at that history (who, when, which hospital, under which
 *   grant), shown to the member on the beneficiary page. Append-only, like the audit log: a trigger
 *   refuses UPDATE, DELETE and TRUNCATE, and the runtime role is not granted them.
 *
 * Expand only (new tables): a server of the previous release ignores them.
 */
export const sql = /* sql */ `
CREATE TABLE history_consents (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members(id),
  family_id uuid NOT NULL REFERENCES families(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  case_id uuid NOT NULL REFERENCES cases(id),
  method text NOT NULL CHECK (method IN ('otp')),
  otp_challenge_id uuid NOT NULL UNIQUE REFERENCES otp_challenges(id),
  granted_by uuid NOT NULL REFERENCES operators(id),
  granted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > granted_at),
  command_id uuid NOT NULL
);
CREATE INDEX history_consents_case ON history_consents (case_id, expires_at);

CREATE TABLE history_access_log (
  id bigserial PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members(id),
  family_id uuid NOT NULL REFERENCES families(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  case_id uuid NOT NULL REFERENCES cases(id),
  operator_id uuid NOT NULL REFERENCES operators(id),
  consent_id uuid NOT NULL REFERENCES history_consents(id),
  via text NOT NULL CHECK (via IN ('desk', 'api')),
  cases_shown integer NOT NULL CHECK (cases_shown >= 0),
  looked_at timestamptz NOT NULL
);
CREATE INDEX history_access_log_family ON history_access_log (family_id, looked_at);

CREATE FUNCTION history_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'history_access_log is append-only: every look at a member''s history stays on the member''s record';
END $$;
CREATE TRIGGER history_access_log_append_only BEFORE UPDATE OR DELETE ON history_access_log FOR EACH ROW EXECUTE FUNCTION history_access_log_append_only();
CREATE TRIGGER history_access_log_no_truncate BEFORE TRUNCATE ON history_access_log FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
REVOKE UPDATE, DELETE, TRUNCATE ON history_access_log FROM coverdesk_runtime;
REVOKE UPDATE, DELETE, TRUNCATE ON history_consents FROM coverdesk_runtime;
`;
