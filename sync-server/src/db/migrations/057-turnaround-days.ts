/**
 * 057 — turnaround by day and duration (issue 15, "a design that stays < 1 s at 100×").
 *
 * 049 made the turnaround report read only the clocks that stopped in its period, so its cost
 * grew with the period's clocks: some 440,000 in a year at the first seed's scale, 44 million at
 * 100×. This keeps, for every clock that is done, one count and one sum of elapsed seconds per
 * (scheme, stage, hospital, day it stopped in the scheme's time zone, duration bucket), and the
 * same without the hospital (the scheme's rows, hospital NULL). A report then reads, for the
 * whole days of its period, days × buckets rows, whatever the number of cases; only the two
 * partial days at its ends and the clocks of the few buckets a figure falls inside are read from
 * the clocks themselves (src/queries/turnaround.ts), so every figure stays exact.
 *
 * - `turnaround_bucket(elapsed)`: the bucket's upper bound in seconds, a clock falls in
 *   (previous bound, bound]: whole minutes up to 2 hours, 10 minutes up to 2 days, hours beyond;
 *   0 holds every clock of no time at all.
 * - Deltas are insert-only, as 045's: a statement trigger on `turnaround_clocks` (049 deletes and
 *   re-inserts an entity's clocks at each of its workflow entries) writes −1 for each done clock
 *   it removed and +1 for each one it wrote, so concurrent commits never wait on a shared row.
 * - `turnaround_fold(max_rows)` moves the oldest deltas into the facts, by hospital and for all
 *   hospitals (GROUPING SETS), one folder at a time, and drops rows that came to zero; src/kpis/
 *   fold.ts calls it beside kpi_fold. A report adds the deltas not yet folded, in one statement
 *   (one snapshot), so it is exact whether or not the folder has run.
 * - `turnaround_days_rebuild()` recomputes the facts from the clocks (the backfill below).
 * - An expression index on the done clocks by (stage, bucket, stopped_at) finds the clocks of one
 *   bucket in a period: the 90th percentile's bucket and a bucket a service level cuts through.
 *
 * The day is the scheme's (kpi_time_zone(), as the KPI facts' months): a scheme that changed its
 * time zone would rebuild (run it while no command runs).
 */
/** A done clock's elapsed seconds, as numeric (sums stay exact); src/queries/turnaround.ts says it alike, so the index serves. */
const elapsed = '(extract(epoch FROM (stopped_at - started_at)) - paused_seconds::numeric)';

export const sql = /* sql */ `
CREATE FUNCTION turnaround_bucket(elapsed numeric) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN elapsed <= 0 THEN 0
              WHEN elapsed <= 7200 THEN ceil(elapsed / 60)::integer * 60
              WHEN elapsed <= 172800 THEN ceil(elapsed / 600)::integer * 600
              ELSE ceil(elapsed / 3600)::integer * 3600 END
$fn$;

CREATE TABLE turnaround_days (
  scheme_id text NOT NULL,
  stage text NOT NULL,
  -- NULL: every hospital of the scheme
  hospital_id uuid,
  day date NOT NULL,
  bucket integer NOT NULL,
  completed bigint NOT NULL,
  elapsed_seconds numeric NOT NULL,
  CONSTRAINT turnaround_days_key UNIQUE NULLS NOT DISTINCT (hospital_id, day, scheme_id, stage, bucket)
);
CREATE INDEX turnaround_days_zero ON turnaround_days (day) WHERE completed = 0;

CREATE TABLE turnaround_day_deltas (
  id bigserial PRIMARY KEY,
  scheme_id text NOT NULL,
  stage text NOT NULL,
  hospital_id uuid NOT NULL,
  day date NOT NULL,
  bucket integer NOT NULL,
  completed integer NOT NULL,
  elapsed_seconds numeric NOT NULL
);
CREATE INDEX turnaround_day_deltas_day ON turnaround_day_deltas (day);

CREATE INDEX turnaround_clocks_bucket ON turnaround_clocks (stage, turnaround_bucket(${elapsed}), stopped_at) WHERE outcome = 'done';

CREATE FUNCTION turnaround_days_delta() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $fn$
DECLARE
  tz text := kpi_time_zone();
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO turnaround_day_deltas (scheme_id, stage, hospital_id, day, bucket, completed, elapsed_seconds)
      SELECT scheme_id, stage, hospital_id, (stopped_at AT TIME ZONE tz)::date, turnaround_bucket(${elapsed}), -count(*), -sum(${elapsed})
        FROM old_clocks WHERE outcome = 'done' GROUP BY 1, 2, 3, 4, 5;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO turnaround_day_deltas (scheme_id, stage, hospital_id, day, bucket, completed, elapsed_seconds)
      SELECT scheme_id, stage, hospital_id, (stopped_at AT TIME ZONE tz)::date, turnaround_bucket(${elapsed}), count(*), sum(${elapsed})
        FROM new_clocks WHERE outcome = 'done' GROUP BY 1, 2, 3, 4, 5;
  END IF;
  RETURN NULL;
END $fn$;

CREATE TRIGGER turnaround_clocks_days_insert AFTER INSERT ON turnaround_clocks REFERENCING NEW TABLE AS new_clocks
  FOR EACH STATEMENT EXECUTE FUNCTION turnaround_days_delta();
CREATE TRIGGER turnaround_clocks_days_delete AFTER DELETE ON turnaround_clocks REFERENCING OLD TABLE AS old_clocks
  FOR EACH STATEMENT EXECUTE FUNCTION turnaround_days_delta();
CREATE TRIGGER turnaround_clocks_days_update AFTER UPDATE ON turnaround_clocks REFERENCING OLD TABLE AS old_clocks NEW TABLE AS new_clocks
  FOR EACH STATEMENT EXECUTE FUNCTION turnaround_days_delta();

-- Fold the oldest max_rows deltas into the facts (NULL: all), one folder at a time; a delta
-- committed while it runs waits for the next fold.
CREATE FUNCTION turnaround_fold(max_rows integer DEFAULT NULL) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  n bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7244957) THEN RETURN 0; END IF;
  WITH d AS (DELETE FROM turnaround_day_deltas WHERE id IN (SELECT id FROM turnaround_day_deltas ORDER BY id LIMIT max_rows) RETURNING *),
  ins AS (
    INSERT INTO turnaround_days (scheme_id, stage, hospital_id, day, bucket, completed, elapsed_seconds)
    SELECT scheme_id, stage, hospital_id, day, bucket, sum(completed), sum(elapsed_seconds) FROM d
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, day, bucket), (scheme_id, stage, day, bucket))
    ON CONFLICT ON CONSTRAINT turnaround_days_key DO UPDATE
      SET completed = turnaround_days.completed + EXCLUDED.completed, elapsed_seconds = turnaround_days.elapsed_seconds + EXCLUDED.elapsed_seconds
    RETURNING 1)
  SELECT (SELECT count(*) FROM d) INTO n;
  -- A bucket whose clocks were all recomputed away adds nothing (through the partial index).
  DELETE FROM turnaround_days WHERE completed = 0;
  RETURN n;
END $fn$;

-- Every fact again from the clocks: the backfill, and after a bulk change of the clocks. Run it
-- while no command runs.
CREATE FUNCTION turnaround_days_rebuild() RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  tz text := kpi_time_zone();
  n bigint;
BEGIN
  DELETE FROM turnaround_day_deltas;
  DELETE FROM turnaround_days;
  INSERT INTO turnaround_days (scheme_id, stage, hospital_id, day, bucket, completed, elapsed_seconds)
    SELECT scheme_id, stage, hospital_id, day, bucket, count(*), sum(e)
      FROM (SELECT scheme_id, stage, hospital_id, (stopped_at AT TIME ZONE tz)::date AS day, turnaround_bucket(${elapsed}) AS bucket, ${elapsed} AS e
              FROM turnaround_clocks WHERE outcome = 'done') k
     GROUP BY GROUPING SETS ((scheme_id, stage, hospital_id, day, bucket), (scheme_id, stage, day, bucket));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $fn$;
SELECT turnaround_days_rebuild();
`;
