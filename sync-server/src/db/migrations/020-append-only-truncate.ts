/**
 * 020 — append-only means TRUNCATE too, and the money ledger is append-only at the database.
 * The row triggers of 001 (audit_log) and 008 (payment_ledger) refuse UPDATE and DELETE, but a
 * TRUNCATE fires no row trigger: the runtime role could empty either table in one statement. And
 * `ledger` — every change to a family's money, from which balances are recomputed — had no
 * trigger at all. A correction is a new, reversing entry; nothing edits or removes one.
 */
export const sql = /* sql */ `
CREATE FUNCTION refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: TRUNCATE is refused', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER payment_ledger_no_truncate BEFORE TRUNCATE ON payment_ledger FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger is append-only: a correction is a new, reversing entry';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
`;
