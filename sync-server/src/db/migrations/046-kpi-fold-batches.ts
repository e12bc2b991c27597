/**
 * 046 — the KPI folder in batches (issue 15; 045 made the aggregates).
 *
 * 045's kpi_fold() folded every pending delta in one statement per table: after a bulk load (a year
 * of history, 120,000 claims, about a million deltas) that one statement outlives the runtime's
 * 30 s statement_timeout, and each fold scanned all of kpi_receivables for rows come to zero.
 * kpi_fold(max_rows) folds the oldest max_rows deltas of each table (NULL: all, what kpi_rebuild
 * calls), so src/kpis/fold.ts folds in bounded transactions until nothing is left; a partial index
 * finds the zero rows. The sums are the same whatever the batches (src/kpis/kpis.test.ts).
 */
const monthColumns = [
  'submitted_claims',
  'submitted_amount',
  'adjudicated_claims',
  'adjudicated_amount',
  'denied_claims',
  'disallowed_amount',
  'contractual_amount',
  'clean_claims',
  'reworked_claims',
  'paid_claims',
  'paid_amount',
  'cohort_paid_amount',
  'cohort_contractual_amount',
  'patient_charged',
  'patient_settled',
];
const sums = monthColumns.map((c) => `sum(${c})`).join(', ');
const adds = monthColumns.map((c) => `${c} = kpi_month.${c} + EXCLUDED.${c}`).join(', ');

export const sql = /* sql */ `
DROP FUNCTION kpi_fold();
CREATE INDEX kpi_receivables_zero ON kpi_receivables (hospital_id) WHERE amount = 0 AND claims = 0;

-- Fold the oldest max_rows deltas of each table into the facts (NULL: all), one folder at a time;
-- rows committed while it runs wait for the next fold (a DELETE sees only committed rows).
CREATE FUNCTION kpi_fold(max_rows integer DEFAULT NULL) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  folded bigint := 0;
  n bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7244945) THEN RETURN 0; END IF;
  WITH d AS (DELETE FROM kpi_month_deltas WHERE id IN (SELECT id FROM kpi_month_deltas ORDER BY id LIMIT max_rows) RETURNING *),
  ins AS (
    INSERT INTO kpi_month (month, hospital_id, package_code, ${monthColumns.join(', ')})
    SELECT month, hospital_id, package_code, ${sums} FROM d
     GROUP BY GROUPING SETS ((month, hospital_id, package_code), (month, hospital_id), (month, package_code), (month))
    ON CONFLICT ON CONSTRAINT kpi_month_key DO UPDATE SET ${adds}
    RETURNING 1)
  SELECT (SELECT count(*) FROM d) INTO n;
  folded := folded + n;
  WITH d AS (DELETE FROM kpi_receivable_deltas WHERE id IN (SELECT id FROM kpi_receivable_deltas ORDER BY id LIMIT max_rows) RETURNING *),
  ins AS (
    INSERT INTO kpi_receivables (submitted_on, month, hospital_id, package_code, amount, claims)
    SELECT submitted_on, month, hospital_id, package_code, sum(amount), sum(claims) FROM d
     GROUP BY GROUPING SETS ((submitted_on, month, hospital_id, package_code), (submitted_on, month, hospital_id), (submitted_on, month, package_code), (submitted_on, month))
    ON CONFLICT ON CONSTRAINT kpi_receivables_key DO UPDATE SET amount = kpi_receivables.amount + EXCLUDED.amount, claims = kpi_receivables.claims + EXCLUDED.claims
    RETURNING 1)
  SELECT (SELECT count(*) FROM d) INTO n;
  folded := folded + n;
  -- A day whose claims are all settled adds nothing to any later aging (through the partial index: only those rows).
  DELETE FROM kpi_receivables WHERE amount = 0 AND claims = 0;
  WITH d AS (DELETE FROM kpi_disallowed_deltas WHERE id IN (SELECT id FROM kpi_disallowed_deltas ORDER BY id LIMIT max_rows) RETURNING *),
  ins AS (
    INSERT INTO kpi_disallowed (month, hospital_id, package_code, reason_code, lines, amount)
    SELECT month, hospital_id, package_code, reason_code, sum(lines), sum(amount) FROM d
     GROUP BY GROUPING SETS ((month, hospital_id, package_code, reason_code), (month, hospital_id, reason_code), (month, package_code, reason_code), (month, reason_code))
    ON CONFLICT ON CONSTRAINT kpi_disallowed_key DO UPDATE SET lines = kpi_disallowed.lines + EXCLUDED.lines, amount = kpi_disallowed.amount + EXCLUDED.amount
    RETURNING 1)
  SELECT (SELECT count(*) FROM d) INTO n;
  folded := folded + n;
  RETURN folded;
END $fn$;
`;
