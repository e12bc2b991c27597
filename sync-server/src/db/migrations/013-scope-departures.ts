/**
 * 013 — rows that leave a desk's scope. A desk replicates its registry district's families; when
 * HA moves the desk to another district, the old district's families must be removed from the
 * desk (issue 24.5). The server does not know which rows a desk holds, so it records which
 * district each desk left and in which transaction: a pull round whose scope changed sends a
 * removal for every family of a left district that is not in the desk's scope any more
 * (sync/pull.ts, table `removals`). A trigger, so every path that moves a desk records it.
 */
export const sql = /* sql */ `
CREATE TABLE desk_scope_departures (
  desk_id uuid NOT NULL REFERENCES desks(id),
  district text NOT NULL,
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (desk_id, district)
);

CREATE FUNCTION record_desk_scope_departure() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  hospital_district text;
  left_district text;
  entered_district text;
BEGIN
  SELECT district INTO hospital_district FROM hospitals WHERE id = NEW.hospital_id;
  left_district := COALESCE(OLD.registry_district, hospital_district);
  entered_district := COALESCE(NEW.registry_district, hospital_district);
  IF left_district IS DISTINCT FROM entered_district AND left_district IS NOT NULL THEN
    INSERT INTO desk_scope_departures (desk_id, district) VALUES (NEW.id, left_district)
      ON CONFLICT (desk_id, district) DO UPDATE SET change_xid = pg_current_xact_id();
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER desks_scope_departure AFTER UPDATE OF registry_district ON desks
  FOR EACH ROW EXECUTE FUNCTION record_desk_scope_departure();
`;
