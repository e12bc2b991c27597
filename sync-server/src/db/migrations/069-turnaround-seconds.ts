/**
 * 069 — turnaround by the second inside a bucket (issue 15: the clocks a report reads stay few at
 * any scale).
 *
 * 057 and 064 answer counts and sums from duration buckets, but three figures fall inside a
 * bucket: the 90th percentile (the value of rank ⌈0.9 N⌉) and a threshold (half, whole or twice a
 * service level) that cuts one. The report read those buckets' clocks one by one, so its cost grew
 * with the clocks: at 10× the seed's scale a year's percentile buckets held tens of thousands.
 * This keeps, for every done clock, its count by **whole second** (`ceil(elapsed)`) per scheme,
 * stage, hospital (and all hospitals) and **month** (the whole months of a period) or **day** (the
 * whole days outside them). A bucket's rows are then at most its width in seconds per month or
 * day (60, 600 or 3,600), however many clocks it holds:
 *
 * - a whole-minute threshold (every service level is whole minutes) is answered from the counts
 *   alone: a clock is past t exactly when its whole second is;
 * - the percentile's rank is found in the counts by second, and only the clocks of that one second
 *   are read (an index on stage, whole second and stop time) for the exact value.
 *
 * The deltas (057's, insert-only) gain the second; the fold moves them into both tables; a delta
 * written before this migration has no second and is folded into 057's and 064's facts only (the
 * backfill below reads the clocks themselves, which already hold it). The report checks, per
 * bucket, that the counts by second add up to the bucket's count and reads the bucket's clocks as
 * before when they do not (a commit that raced this migration), so a figure is never wrong.
 */
const elapsed = '(extract(epoch FROM (stopped_at - started_at)) - paused_seconds::numeric)';

export const sql = /* sql */ `
ALTER TABLE turnaround_day_deltas ADD COLUMN second integer;

CREATE TABLE turnaround_second_months (
  scheme_id text NOT NULL,
  stage text NOT NULL,
  -- NULL: every hospital of the scheme
  hospital_id uuid,
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  second integer NOT NULL,
  completed bigint NOT NULL,
  CONSTRAINT turnaround_second_months_key UNIQUE NULLS NOT DISTINCT (hospital_id, stage, second, month, scheme_id)
);
CREATE INDEX turnaround_second_months_zero ON turnaround_second_months (month) WHERE completed = 0;

CREATE TABLE turnaround_second_days (
  scheme_id text NOT NULL,
  stage text NOT NULL,
  hospital_id uuid,
  day date NOT NULL,
  second integer NOT NULL,
  completed bigint NOT NULL,
  CONSTRAINT turnaround_second_days_key UNIQUE NULLS NOT DISTINCT (hospital_id, stage, second, day, scheme_id)
);
CREATE INDEX turnaround_second_days_zero ON turnaround_second_days (day) WHERE completed = 0;

CREATE INDEX turnaround_clocks_second ON turnaround_clocks (stage, (ceil(${elapsed})::integer), stopped_at) WHERE outcome = 'done';

CREATE OR REPLACE FUNCTION turnaround_days_delta() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $fn$
DECLARE
  tz text := kpi_time_zone();
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO turnaround_day_deltas (scheme_id, stage, hospital_id, day, bucket, second, completed, elapsed_seconds)
      SELECT scheme_id, stage, hospital_id, (stopped_at AT TIME ZONE tz)::date, turnaround_bucket(${elapsed}), ceil(${elapsed})::integer, -count(*), -sum(${elapsed})
        FROM old_clocks WHERE outcome = 'done' GROUP BY 1, 2, 3, 4, 5, 6;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO turnaround_day_deltas (scheme_id, stage, hospital_id, day, bucket, second, completed, elapsed_seconds)
      SELECT scheme_id, stage, hospital_id, (stopped_at AT TIME ZONE tz)::date, turnaround_bucket(${elapsed}), ceil(${elapsed})::integer, count(*), sum(${elapsed})
        FROM new_clocks WHERE outcome = 'done' GROUP BY 1, 2, 3, 4, 5, 6;
  END IF;
  RETURN NULL;
END $fn$;

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
    RETURNING 1),
  to_second_days AS (
    INSERT INTO turnaround_second_days (scheme_id, stage, hospital_id, day, second, completed)
    SELECT scheme_id, stage, hospital_id, day, second, sum(completed) FROM d WHERE second IS NOT NULL
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, day, second), (scheme_id, stage, day, second))
    ON CONFLICT ON CONSTRAINT turnaround_second_days_key DO UPDATE SET completed = turnaround_second_days.completed + EXCLUDED.completed
    RETURNING 1),
  to_second_months AS (
    INSERT INTO turnaround_second_months (scheme_id, stage, hospital_id, month, second, completed)
    SELECT scheme_id, stage, hospital_id, month, second, sum(completed)
      FROM (SELECT d.*, date_trunc('month', d.day::timestamp)::date AS month FROM d WHERE d.second IS NOT NULL) m
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, month, second), (scheme_id, stage, month, second))
    ON CONFLICT ON CONSTRAINT turnaround_second_months_key DO UPDATE SET completed = turnaround_second_months.completed + EXCLUDED.completed
    RETURNING 1)
  SELECT count(*) FROM d INTO n;
  -- A bucket or second whose clocks were all recomputed away adds nothing (through the partial indexes).
  DELETE FROM turnaround_days WHERE completed = 0;
  DELETE FROM turnaround_months WHERE completed = 0;
  DELETE FROM turnaround_second_days WHERE completed = 0;
  DELETE FROM turnaround_second_months WHERE completed = 0;
  RETURN n;
END $fn$;

-- The counts by second from the clocks (the backfill, and turnaround_days_rebuild's last step).
CREATE FUNCTION turnaround_seconds_from_clocks() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  tz text := kpi_time_zone();
BEGIN
  DELETE FROM turnaround_second_days;
  DELETE FROM turnaround_second_months;
  INSERT INTO turnaround_second_days (scheme_id, stage, hospital_id, day, second, completed)
    SELECT scheme_id, stage, hospital_id, day, second, count(*)
      FROM (SELECT scheme_id, stage, hospital_id, (stopped_at AT TIME ZONE tz)::date AS day, ceil(${elapsed})::integer AS second
              FROM turnaround_clocks WHERE outcome = 'done') k
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, day, second), (scheme_id, stage, day, second));
  INSERT INTO turnaround_second_months (scheme_id, stage, hospital_id, month, second, completed)
    SELECT scheme_id, stage, hospital_id, date_trunc('month', day::timestamp)::date, second, sum(completed)
      FROM turnaround_second_days GROUP BY scheme_id, stage, hospital_id, date_trunc('month', day::timestamp)::date, second;
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
      FROM (SELECT scheme_id, stage, hospital_id, (stopped_at AT TIME ZONE tz)::date AS day, turnaround_bucket(${elapsed}) AS bucket, ${elapsed} AS e
              FROM turnaround_clocks WHERE outcome = 'done') k
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, day, bucket), (scheme_id, stage, day, bucket));
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM turnaround_months_from_days();
  PERFORM turnaround_seconds_from_clocks();
  RETURN n;
END $fn$;
SELECT turnaround_seconds_from_clocks();
`;
