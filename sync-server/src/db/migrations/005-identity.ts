/** 005 — identity: one-time codes to the registered phone, lockouts, and audited overrides. */
export const sql = /* sql */ `
CREATE TABLE otp_challenges (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members(id),
  -- Only an HMAC of the code is kept; the code itself exists in the SMS alone.
  code_hash text NOT NULL,
  phone_ending text NOT NULL,
  is_for_relative boolean NOT NULL DEFAULT false,
  created_by uuid NOT NULL REFERENCES operators(id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  verified_at timestamptz,
  used_by_case uuid
);
CREATE INDEX otp_challenges_member ON otp_challenges (member_id, created_at);

CREATE TABLE identity_locks (
  member_id uuid PRIMARY KEY REFERENCES members(id),
  locked_until timestamptz NOT NULL,
  reason text NOT NULL
);

CREATE TABLE identity_overrides (
  case_id uuid PRIMARY KEY REFERENCES cases(id),
  member_id uuid NOT NULL REFERENCES members(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  reason text NOT NULL,
  supervisor_name text NOT NULL,
  created_by uuid NOT NULL REFERENCES operators(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  reviewed_at timestamptz,
  reviewed_by uuid REFERENCES operators(id),
  review_note text
);
`;
