/**
 * 002 — replication to desks.
 *
 * Every replicated row carries the id of the transaction that last wrote it (xid8). A pull window
 * starts at the oldest transaction still running when the previous window began
 * (pg_snapshot_xmin): every transaction with a smaller id has finished, so a row committed "out of
 * order" (its transaction began early, committed late) is still inside the next window. A plain
 * sequence or updated_at would skip it.
 */
const replicated = ['families', 'members', 'cases', 'preauths', 'holds', 'enhancements', 'bookings', 'claims', 'packages', 'package_prices'];

export const sql = /* sql */ `
CREATE FUNCTION touch_change_xid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id();
  RETURN NEW;
END $$;

${replicated
  .map(
    (table) => `
ALTER TABLE ${table} ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE TRIGGER ${table}_change_xid BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION touch_change_xid();
CREATE INDEX ${table}_change_xid_index ON ${table} (change_xid);`,
  )
  .join('\n')}

-- Desks are enrolled devices: a one-time code from HA is exchanged for the desk's own credential.
ALTER TABLE desks ADD COLUMN credential_hash text;
ALTER TABLE desks ADD COLUMN enrolled_at timestamptz;
-- The registry a desk replicates for offline search (default: its hospital's district).
ALTER TABLE desks ADD COLUMN registry_district text;

CREATE TABLE enrollment_codes (
  code_hash text PRIMARY KEY,
  desk_id uuid NOT NULL REFERENCES desks(id),
  issued_by uuid NOT NULL REFERENCES operators(id),
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Families a desk looked up online: they join that desk's replication scope.
CREATE TABLE desk_lookups (
  desk_id uuid NOT NULL REFERENCES desks(id),
  family_id uuid NOT NULL REFERENCES families(id),
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  looked_up_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (desk_id, family_id)
);
CREATE INDEX desk_lookups_change_xid_index ON desk_lookups (change_xid);
`;
