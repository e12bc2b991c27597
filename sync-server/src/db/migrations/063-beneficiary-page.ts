/**
 * 063 — the beneficiary page (issue 16; src/member-record/beneficiary-*.ts): a member signs in
 * with their scheme id and a one-time code sent to the family's registered phone.
 *
 * - `beneficiary_codes`: one row per code sent; only a keyed hash of the code is kept (the code
 *   exists in the SMS alone). A code is used once (`used_at`): a replayed code is refused.
 * - `beneficiary_sessions`: a signed-in browser, by a keyed hash of its cookie (the cookie itself
 *   is never stored), with a short expiry; sign-out ends it (`ended_at`).
 *
 * Attempts and sends are counted in the existing throttle tables (`login_throttle`,
 * `request_throttle`) under keys of their own, shared by every server process.
 *
 * Expand only (new tables): a server of the previous release ignores them.
 */
export const sql = /* sql */ `
CREATE TABLE beneficiary_codes (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members(id),
  code_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
  used_at timestamptz,
  sms_failed_at timestamptz
);
CREATE INDEX beneficiary_codes_member ON beneficiary_codes (member_id, created_at);

CREATE TABLE beneficiary_sessions (
  token_hash text PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members(id),
  family_id uuid NOT NULL REFERENCES families(id),
  code_id uuid NOT NULL UNIQUE REFERENCES beneficiary_codes(id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
  ended_at timestamptz
);
REVOKE DELETE, TRUNCATE ON beneficiary_sessions FROM coverdesk_runtime;
`;
