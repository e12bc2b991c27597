/**
 * 010 — pokes leave after the commit, not inside it. A transaction that NOTIFYs holds
 * PostgreSQL's global notify lock from its pre-commit until its commit record is on disk, so 006's
 * triggers made every command's commit wait for every other's fsync: on the 2-core machine the
 * server topped out near 950 decisions/s with a third of the CPU idle (1,470/s without them, same
 * run). The server process that commits now announces it (ChangeNotifier.changed: its own desks
 * at once, the other processes by one NOTIFY after the commit, coalesced), and a process that
 * restarts announces itself, so a change committed just before a crash still reaches every desk.
 */
export const sql = /* sql */ `
DROP TRIGGER IF EXISTS commands_notify ON commands;
DROP TRIGGER IF EXISTS desk_lookups_notify ON desk_lookups;
DROP FUNCTION IF EXISTS notify_desks_of_change();
`;
