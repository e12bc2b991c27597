/**
 * 050 — the desk fleet and the minimum desk version (issue 23).
 *
 * - `desk_fleet_reports`: the latest report of each desk, one row per desk, replaced (upserted) by
 *   every pull and push it sends, never a growing log. Two kinds of fields:
 *   what the server saw itself (`last_seen_at`: any authenticated sync request; `last_pull_at`: the
 *   last pull that reached the end of the desk's scope), written whatever the desk sent; and what
 *   the desk says about itself in its report header (app version, outbox depth, its oldest unsent
 *   command, replica size, its clock, kept as the offset from the server's clock when the report
 *   arrived), written only from a report that passes the contract (`DeskReport`), with
 *   `reported_at`. A malformed report changes none of them and never fails the sync.
 * - `desk_update_policy`: the one row of the minimum desk version (NULL: none). A desk below it
 *   pulls as usual but its pushes are refused (`desk-update-required`, 426) and its outbox kept.
 *   Set by HA through `POST /admin/desk-fleet/minimum-version`, audited with the reason.
 *
 * Expand only (new tables): a server of the previous release ignores them.
 */
export const sql = /* sql */ `
CREATE TABLE desk_fleet_reports (
  desk_id uuid PRIMARY KEY REFERENCES desks(id) ON DELETE CASCADE,
  last_seen_at timestamptz NOT NULL,
  last_pull_at timestamptz,
  reported_at timestamptz,
  app_version text CHECK (length(app_version) BETWEEN 1 AND 64),
  outbox_depth integer CHECK (outbox_depth >= 0),
  oldest_unsent_at timestamptz,
  replica_bytes bigint CHECK (replica_bytes >= 0),
  clock_offset_ms bigint,
  CONSTRAINT report_whole CHECK (
    (reported_at IS NULL AND app_version IS NULL AND outbox_depth IS NULL AND replica_bytes IS NULL AND clock_offset_ms IS NULL AND oldest_unsent_at IS NULL)
    OR (reported_at IS NOT NULL AND app_version IS NOT NULL AND outbox_depth IS NOT NULL AND replica_bytes IS NOT NULL AND clock_offset_ms IS NOT NULL)
  )
);

CREATE TABLE desk_update_policy (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  minimum_version text CHECK (length(minimum_version) BETWEEN 1 AND 64),
  set_by uuid NOT NULL REFERENCES operators(id),
  set_at timestamptz NOT NULL DEFAULT now(),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500)
);
`;
