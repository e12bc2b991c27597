/**
 * 064 — turnaround by month and duration (issue 15: the dashboard stays < 1 s at 10× and beyond).
 *
 * 057 keeps the done clocks' counts and elapsed sums by (scheme, stage, hospital, day, duration
 * bucket). A year of the scheme's turnaround then reads 365 days × ~570 stage-and-bucket rows
 * (209,000 rows at the seed's scale, summed with exact numerics: 836 ms of the 1,403 ms the
 * report took at 10×, the sort spilling to disk). This keeps the same facts by the month the
 * clock stopped in (the scheme's time zone, as the days), so a period reads its whole months from
 * here (12 × ~570 rows for a year), the whole days outside them from 057's facts, and the partial
 * days at its ends from the clocks — every figure as exact as before.
 *
 * - `turnaround_fold` folds each delta into the day and into the month (by hospital and for all
 *   hospitals), in the one statement that removes it, so both facts always hold the same deltas.
 * - `turnaround_days_rebuild` rebuilds both from the clocks; the backfill below derives the months
 *   from the days 057 already holds (the same rows, summed).
 * - Nothing on the commands' path changes: the deltas and their trigger are 057's.
 */
export const sql = /* sql */ `
CREATE TABLE turnaround_months (
  scheme_id text NOT NULL,
  stage text NOT NULL,
  -- NULL: every hospital of the scheme
  hospital_id uuid,
  -- the first day of the month, in the scheme's time zone
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  bucket integer NOT NULL,
  completed bigint NOT NULL,
  elapsed_seconds numeric NOT NULL,
  CONSTRAINT turnaround_months_key UNIQUE NULLS NOT DISTINCT (hospital_id, month, scheme_id, stage, bucket)
);
CREATE INDEX turnaround_months_zero ON turnaround_months (month) WHERE completed = 0;

CREATE OR REPLACE FUNCTION turnaround_fold(max_rows integer DEFAULT NULL) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  n bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7244957) THEN RETURN 0; END IF;
  WITH d AS (DELETE FROM turnaround_day_deltas WHERE id IN (SELECT id FROM turnaround_day_deltas ORDER BY id LIMIT max_rows) RETURNING *),
  to_days AS (
    INSERT INTO turnaround_days (scheme_id, stage, hospital_id, day, bucket, completed, elapsed_seconds)
    SELECT scheme_id, stage, hospital_id, day, bucket, sum(completed), sum(elapsed_seconds) FROM d
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, day, bucket), (scheme_id, stage, day, bucket))
    ON CONFLICT ON CONSTRAINT turnaround_days_key DO UPDATE
      SET completed = turnaround_days.completed + EXCLUDED.completed, elapsed_seconds = turnaround_days.elapsed_seconds + EXCLUDED.elapsed_seconds
    RETURNING 1),
  to_months AS (
    INSERT INTO turnaround_months (scheme_id, stage, hospital_id, month, bucket, completed, elapsed_seconds)
    SELECT scheme_id, stage, hospital_id, month, bucket, sum(completed), sum(elapsed_seconds)
      FROM (SELECT d.*, date_trunc('month', d.day::timestamp)::date AS month FROM d) m
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, month, bucket), (scheme_id, stage, month, bucket))
    ON CONFLICT ON CONSTRAINT turnaround_months_key DO UPDATE
      SET completed = turnaround_months.completed + EXCLUDED.completed, elapsed_seconds = turnaround_months.elapsed_seconds + EXCLUDED.elapsed_seconds
    RETURNING 1)
  SELECT count(*) FROM d INTO n;
  -- A bucket whose clocks were all recomputed away adds nothing (through the partial indexes).
  DELETE FROM turnaround_days WHERE completed = 0;
  DELETE FROM turnaround_months WHERE completed = 0;
  RETURN n;
END $fn$;

CREATE OR REPLACE FUNCTION turnaround_days_rebuild() RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  tz text := kpi_time_zone();
  n bigint;
BEGIN
  DELETE FROM turnaround_day_deltas;
  DELETE FROM turnaround_days;
  DELETE FROM turnaround_months;
  INSERT INTO turnaround_days (scheme_id, stage, hospital_id, day, bucket, completed, elapsed_seconds)
    SELECT scheme_id, stage, hospital_id, day, bucket, count(*), sum(e)
      FROM (SELECT scheme_id, stage, hospital_id, (stopped_at AT TIME ZONE tz)::date AS day,
                   turnaround_bucket(extract(epoch FROM (stopped_at - started_at)) - paused_seconds::numeric) AS bucket,
                   extract(epoch FROM (stopped_at - started_at)) - paused_seconds::numeric AS e
              FROM turnaround_clocks WHERE outcome = 'done') k
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, day, bucket), (scheme_id, stage, day, bucket));
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM turnaround_months_from_days();
  RETURN n;
END $fn$;

-- The months from the days (each month's days summed; the scheme's rows from its own rows).
CREATE FUNCTION turnaround_months_from_days() RETURNS void LANGUAGE sql AS $fn$
  INSERT INTO turnaround_months (scheme_id, stage, hospital_id, month, bucket, completed, elapsed_seconds)
  SELECT scheme_id, stage, hospital_id, date_trunc('month', day::timestamp)::date, bucket, sum(completed), sum(elapsed_seconds)
    FROM turnaround_days GROUP BY scheme_id, stage, hospital_id, date_trunc('month', day::timestamp)::date, bucket
$fn$;
SELECT turnaround_months_from_days();
`;
