/**
 * 027 — what a desk role may reach, and how often it may look people up (issue 13 item 8;
 * src/identity/reach.ts, src/identity/lookup-limits.ts).
 *
 * `family_lookups`: a family an operator of a hospital identified (identify-member), so that the
 * hospital may read its balance and send its members one-time codes for a day; the member it is
 * admitting, not the whole scheme.
 *
 * `request_throttle`: lookups and one-time codes counted per operator and per member in a
 * window, shared by every server process; a key past its limit is refused (429) until the window ends.
 */
export const sql = /* sql */ `
CREATE TABLE family_lookups (
  hospital_id uuid NOT NULL REFERENCES hospitals (id),
  family_id uuid NOT NULL REFERENCES families (id),
  looked_up_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hospital_id, family_id)
);
CREATE TABLE request_throttle (
  key text PRIMARY KEY,
  count integer NOT NULL,
  window_started timestamptz NOT NULL
);
`;
