/**
 * 055 — emergencies before identity (issue 19, scenario S6).
 *
 * An unconscious or unidentified patient is admitted at once: treatment is never held up by
 * identity. `emergency_cases` is the temporary record of such an admission (sex, approximate
 * age, where found, an optional photo), made at the desk by `admit-emergency` with no member and
 * so no hold: the family cover is not touched until somebody knows whose cover it is. Its id is
 * the case id the desk generated; when identity is established, `merge-emergency-case` admits the
 * member under that same id (a `cases` row through the admit handler, `is_emergency`), so the case
 * the desk has been showing becomes the member's, and its pre-auth then places its hold through
 * the same arbitration as every other (src/money/family-cover.ts): there is no second path for
 * money.
 *
 * - `identify_by`: the admission time plus the scheme's window to identify the member and raise
 *   the pre-auth (`schemes.emergency_identify_window_minutes`, default 24 h, set by HA through
 *   set-scheme-parameters), fixed when the record is made: a later change of the window does not
 *   move a running patient's deadline.
 * - `overdue_noticed_at`: written once by whichever server process sees the record still
 *   unidentified past `identify_by` (src/queries/emergencies.ts, run by the breach watcher): the
 *   flag to the desk and the scheme. `merged_late`: the merge came after `identify_by` (it still
 *   merges, flagged).
 * - `schemes.emergency_preauth_turnaround_minutes`: the emergency pre-auth's own service level
 *   (default 60 min, shorter than the 6 h of any pre-auth): the PPD queue, the console's case
 *   documents and the turnaround clocks of an emergency case use it for the pre-auth decision.
 *
 * The photo is kept as sent (JPEG or PNG, checked by its first bytes, at most 96 KiB): it is for a
 * relative or the police to recognise the patient, never matched, never logged, never in the
 * audit trail (which records only that there is one).
 *
 * Expand only: two columns with defaults and a new table; a server of the previous release
 * ignores them.
 */
export const sql = /* sql */ `
ALTER TABLE schemes ADD COLUMN emergency_identify_window_minutes integer NOT NULL DEFAULT 1440;
ALTER TABLE schemes ADD COLUMN emergency_preauth_turnaround_minutes integer NOT NULL DEFAULT 60;

CREATE TABLE emergency_cases (
  id uuid PRIMARY KEY,
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  sex text NOT NULL CHECK (sex IN ('male', 'female', 'other', 'unknown')),
  approximate_age integer NOT NULL CHECK (approximate_age BETWEEN 0 AND 120),
  found_at text NOT NULL CHECK (length(found_at) BETWEEN 1 AND 500),
  photo bytea CHECK (octet_length(photo) <= 98304),
  photo_type text CHECK (photo_type IN ('image/jpeg', 'image/png')),
  admitted_by uuid NOT NULL REFERENCES operators(id),
  admitted_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  identify_by timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'unidentified' CHECK (status IN ('unidentified', 'merged')),
  member_id uuid REFERENCES members(id),
  merged_at timestamptz,
  merged_by uuid REFERENCES operators(id),
  merged_late boolean,
  overdue_noticed_at timestamptz,
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT photo_whole CHECK ((photo IS NULL) = (photo_type IS NULL)),
  CONSTRAINT merge_whole CHECK ((status = 'merged') = (member_id IS NOT NULL AND merged_at IS NOT NULL AND merged_by IS NOT NULL AND merged_late IS NOT NULL))
);
CREATE INDEX emergency_cases_unidentified ON emergency_cases (identify_by) WHERE status = 'unidentified';
CREATE INDEX emergency_cases_hospital ON emergency_cases (hospital_id, admitted_at);
REVOKE DELETE, TRUNCATE ON emergency_cases FROM coverdesk_runtime;
`;
