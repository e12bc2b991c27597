/**
 * 006 — pokes to desks travel with the commit. Every command writes its row in `commands` and
 * every online lookup writes `desk_lookups`, so a statement trigger there NOTIFYs inside the very
 * transaction that changed something: PostgreSQL delivers it exactly when (and only if) the
 * transaction commits, to every server process listening, even if the committing server dies a
 * millisecond later. Duplicates within one transaction are folded by PostgreSQL itself.
 */
export const sql = /* sql */ `
CREATE FUNCTION notify_desks_of_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('coverdesk_changed', '');
  RETURN NULL;
END $$;
CREATE TRIGGER commands_notify AFTER INSERT OR UPDATE ON commands FOR EACH STATEMENT EXECUTE FUNCTION notify_desks_of_change();
CREATE TRIGGER desk_lookups_notify AFTER INSERT OR UPDATE ON desk_lookups FOR EACH STATEMENT EXECUTE FUNCTION notify_desks_of_change();
`;
