/**
 * 048 — bank statements for reconciliation (issue 15).
 *
 * ACO imports the bank's statement of the scheme's transfers (domain/bank-statement.ts) and the
 * reconciliation report matches each credit to a payment by the reference the transfer carried.
 *
 * - `bank_statements`: one row per imported file, keyed by its SHA-256: the same file again
 *   imports nothing (the first import's answer is given back).
 * - `bank_credits`: one row per credit, append-only like the payments it is matched against. The
 *   bank's UTR is unique across statements, so two statements covering the same days do not count
 *   a credit twice; a UTR seen before with other content is refused as a bad line.
 * - Matching is not stored: the report recomputes it from these rows and `payments`, as the
 *   paid + deductions = approved check does, so a correction is a new statement, never an edit.
 */
export const sql = /* sql */ `
CREATE TABLE bank_statements (
  id uuid PRIMARY KEY,
  file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
  sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  lines integer NOT NULL CHECK (lines >= 1),
  credits_added integer NOT NULL CHECK (credits_added >= 0),
  already_imported integer NOT NULL CHECK (already_imported >= 0),
  imported_by uuid NOT NULL REFERENCES operators(id),
  imported_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT every_line_counted CHECK (credits_added + already_imported = lines)
);

CREATE TABLE bank_credits (
  utr text PRIMARY KEY CHECK (utr ~ '^[A-Z0-9]{6,40}$'),
  statement_id uuid NOT NULL REFERENCES bank_statements(id),
  line integer NOT NULL CHECK (line >= 2),
  reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
  value_date date NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  UNIQUE (statement_id, line)
);
CREATE INDEX bank_credits_reference ON bank_credits (upper(reference));

CREATE TRIGGER bank_statements_append_only BEFORE UPDATE OR DELETE ON bank_statements FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER bank_statements_no_truncate BEFORE TRUNCATE ON bank_statements FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER bank_credits_append_only BEFORE UPDATE OR DELETE ON bank_credits FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER bank_credits_no_truncate BEFORE TRUNCATE ON bank_credits FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
REVOKE UPDATE, DELETE, TRUNCATE ON bank_statements, bank_credits FROM coverdesk_runtime;
`;
