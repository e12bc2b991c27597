/**
 * 003 — a desk's replication scope can change (HA sets its registry district). Rows that enter the
 * scope are old and outside the desk's pull window, so the next pull after a change resends the
 * whole scope: the transaction that changed it is recorded here.
 */
export const sql = /* sql */ `
ALTER TABLE desks ADD COLUMN scope_changed_xid xid8 NOT NULL DEFAULT '0';
`;
