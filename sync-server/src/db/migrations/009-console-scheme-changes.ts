/**
 * 009 — scheme changes reach the payer console. Every console case document carries the scheme's
 * pre-auth turnaround target (queues show time waiting against it), and HA may change it
 * (set-scheme-parameters): the scheme row now records the transaction that last wrote it, like the
 * replicated tables of 002, so the console feed re-sends the cases of a changed scheme.
 */
export const sql = /* sql */ `
ALTER TABLE schemes ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE TRIGGER schemes_change_xid BEFORE UPDATE ON schemes FOR EACH ROW EXECUTE FUNCTION touch_change_xid();
CREATE INDEX schemes_change_xid_index ON schemes (change_xid);
`;
