import type { HospitalId } from '@domain/ids';
import { durationBucketLower, durationBucketOf, turnaroundBuckets, type TurnaroundBucket, type TurnaroundStage } from '@domain/turnaround';
import type { Sql } from '../db/database';

/**
 * The completed stages of a period, read from the kept turnaround facts (migrations 057 and 064):
 * for the whole months of the period (in the scheme's time zone) one row per scheme, stage, month
 * and duration bucket; for the whole days outside them one row per day and bucket (folded, plus
 * the deltas not folded yet, by day); for the partial days at its two ends the clocks themselves. Every figure is exact: a count past a threshold adds the buckets wholly past it and,
 * in the one bucket the threshold falls inside, the clocks themselves; the 90th percentile is the
 * value of rank ⌈0.9 N⌉ (percentile_disc), found in the bucket that holds that rank. Its cost is
 * (months + days outside them) × buckets plus those few buckets' clocks, not the number of cases.
 *
 * Call it inside one REPEATABLE READ transaction: the buckets and the clocks read after them must
 * be of the same instant.
 */

/** A done clock's elapsed seconds, as numeric: migration 057's index on turnaround_clocks says it alike. */
const elapsed = '(extract(epoch FROM (k.stopped_at - k.started_at)) - k.paused_seconds::numeric)';

export interface StageLevels {
  /** The current scheme's level per stage, in minutes: "past its service level" in the report. */
  readonly current: ReadonlyMap<TurnaroundStage, number>;
  /** Each scheme's own level per stage (`${scheme}\u0000${stage}`): the distribution's bars. */
  readonly own: ReadonlyMap<string, number>;
}

export interface DoneFigures {
  readonly completed: number;
  readonly averageSeconds: number | null;
  readonly p90Seconds: number | null;
  readonly completedPast: number;
  readonly distribution: Readonly<Record<TurnaroundBucket, number>>;
}

interface Bucket {
  readonly bucket: number;
  readonly completed: number;
}

interface Group {
  readonly scheme: string;
  readonly stage: TurnaroundStage;
  readonly buckets: Bucket[];
  elapsed: number;
}

const ownKey = (scheme: string, stage: string) => `${scheme}\u0000${stage}`;
/** The lower bound of the bucket of no time (−∞) as an integer for SQL. */
const noTimeLower = -2_147_483_648;

export async function stageLevels(sql: Sql): Promise<StageLevels> {
  const rows = await sql.query<{ scheme_id: string; stage: TurnaroundStage; minutes: number; is_current: boolean }>(
    'SELECT l.scheme_id, l.stage, l.minutes, s.is_current FROM stage_service_levels l JOIN schemes s ON s.id = l.scheme_id',
  );
  return {
    current: new Map(rows.filter((row) => row.is_current).map((row) => [row.stage, Number(row.minutes)])),
    own: new Map(rows.map((row) => [ownKey(row.scheme_id, row.stage), Number(row.minutes)])),
  };
}

export async function doneFigures(
  sql: Sql,
  period: { readonly from: Date; readonly to: Date },
  hospitalId: HospitalId | null,
  levels: StageLevels,
): Promise<Map<TurnaroundStage, DoneFigures>> {
  // The whole days [lo, hi) of the period and where they begin and end; none when it is shorter.
  // The whole months [m_lo, m_hi) inside those days (migration 064), empty (both at hi) when none.
  const [span] = await sql.query<{ lo: string; hi: string; m_lo: string; m_hi: string; lo_at: Date; hi_at: Date }>(
    `WITH z AS (SELECT kpi_time_zone() AS tz),
          d AS (SELECT ($1::timestamptz AT TIME ZONE z.tz)::date AS f, ($2::timestamptz AT TIME ZONE z.tz)::date AS t, z.tz FROM z),
          w AS (SELECT CASE WHEN (d.f::timestamp AT TIME ZONE d.tz) < $1::timestamptz THEN d.f + 1 ELSE d.f END AS lo, d.t AS hi, d.tz FROM d),
          m AS (SELECT w.*, (date_trunc('month', (w.lo - 1)::timestamp) + interval '1 month')::date AS m_lo, date_trunc('month', w.hi::timestamp)::date AS m_hi FROM w)
     SELECT to_char(lo, 'YYYY-MM-DD') AS lo, to_char(hi, 'YYYY-MM-DD') AS hi,
            to_char(CASE WHEN m_lo < m_hi THEN m_lo ELSE hi END, 'YYYY-MM-DD') AS m_lo, to_char(CASE WHEN m_lo < m_hi THEN m_hi ELSE hi END, 'YYYY-MM-DD') AS m_hi,
            lo::timestamp AT TIME ZONE tz AS lo_at, hi::timestamp AT TIME ZONE tz AS hi_at FROM m`,
    [period.from, period.to],
  );
  const whole = span!.lo < span!.hi;
  const days = whole ? { lo: span!.lo, hi: span!.hi } : { lo: span!.lo, hi: span!.lo };
  const months = whole ? { lo: span!.m_lo, hi: span!.m_hi } : { lo: span!.lo, hi: span!.lo };
  // Clocks read directly: [from, lo_at) and [hi_at, to), or the whole period when it has no whole day.
  const loAt = whole ? new Date(span!.lo_at) : period.to;
  const hiAt = whole ? new Date(span!.hi_at) : period.to;
  const hospitalFacts = hospitalId === null ? 'hospital_id IS NULL' : 'hospital_id = $5::uuid';
  const rows = await sql.query<{ scheme_id: string; stage: TurnaroundStage; bucket: number; completed: string; elapsed_seconds: string }>(
    `SELECT scheme_id, stage, bucket, sum(completed)::bigint AS completed, sum(elapsed_seconds) AS elapsed_seconds FROM (
       SELECT scheme_id, stage, bucket, completed, elapsed_seconds FROM turnaround_months
        WHERE ${hospitalFacts} AND month >= $8::date AND month < $9::date
       UNION ALL
       SELECT scheme_id, stage, bucket, completed, elapsed_seconds FROM turnaround_days
        WHERE ${hospitalFacts} AND day >= $3::date AND day < $8::date
       UNION ALL
       SELECT scheme_id, stage, bucket, completed, elapsed_seconds FROM turnaround_days
        WHERE ${hospitalFacts} AND day >= $9::date AND day < $4::date
       UNION ALL
       SELECT scheme_id, stage, bucket, completed, elapsed_seconds FROM turnaround_day_deltas
        WHERE ($5::uuid IS NULL OR hospital_id = $5::uuid) AND day >= $3::date AND day < $4::date
       UNION ALL
       SELECT k.scheme_id, k.stage, turnaround_bucket(${elapsed}), 1, ${elapsed} FROM turnaround_clocks k
        WHERE k.outcome = 'done' AND ((k.stopped_at >= $1 AND k.stopped_at < $6) OR (k.stopped_at >= $7 AND k.stopped_at < $2))
          AND ($5::uuid IS NULL OR k.hospital_id = $5::uuid)
     ) x GROUP BY scheme_id, stage, bucket HAVING sum(completed) <> 0 ORDER BY scheme_id, stage, bucket`,
    [period.from, period.to, days.lo, days.hi, hospitalId, loAt, hiAt, months.lo, months.hi],
  );

  // Only clocks whose own scheme has a level for the stage count (as the clocks' own report joins them).
  const groups = new Map<string, Group>();
  for (const row of rows) {
    if (!levels.own.has(ownKey(row.scheme_id, row.stage))) continue;
    const key = ownKey(row.scheme_id, row.stage);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { scheme: row.scheme_id, stage: row.stage, buckets: [], elapsed: 0 }));
    group.buckets.push({ bucket: Number(row.bucket), completed: Number(row.completed) });
    group.elapsed += Number(row.elapsed_seconds);
  }

  // The thresholds each figure needs (seconds), per group: the current level for "past", the own
  // level's half, whole and double for the distribution; and per stage the 90th percentile's rank.
  const thresholdsOf = (group: Group): number[] => {
    const own = levels.own.get(ownKey(group.scheme, group.stage))!;
    const current = levels.current.get(group.stage);
    return [own * 30, own * 60, own * 120, ...(current === undefined ? [] : [current * 60])];
  };
  const cut = (buckets: readonly Bucket[], threshold: number) =>
    buckets.find((b) => b.completed !== 0 && durationBucketLower(b.bucket) < threshold && threshold < b.bucket);
  const wanted = new Set<string>();
  for (const group of groups.values())
    for (const threshold of thresholdsOf(group)) {
      const bucket = cut(group.buckets, threshold);
      if (bucket) wanted.add(`${group.stage}\u0000${bucket.bucket}`);
    }
  const byStage = new Map<TurnaroundStage, Group[]>();
  for (const group of groups.values()) byStage.set(group.stage, [...(byStage.get(group.stage) ?? []), group]);
  const rankBucket = new Map<TurnaroundStage, { bucket: number; before: number; rank: number }>();
  for (const [stage, stageGroups] of byStage) {
    if (!levels.current.has(stage)) continue;
    const merged = new Map<number, number>();
    for (const group of stageGroups) for (const b of group.buckets) merged.set(b.bucket, (merged.get(b.bucket) ?? 0) + b.completed);
    const total = [...merged.values()].reduce((sum, n) => sum + n, 0);
    if (total === 0) continue;
    const rank = Math.ceil(0.9 * total);
    let before = 0;
    for (const bucket of [...merged.keys()].sort((a, b) => a - b)) {
      const here = merged.get(bucket)!;
      if (before + here >= rank) {
        rankBucket.set(stage, { bucket, before, rank });
        wanted.add(`${stage}\u0000${bucket}`);
        break;
      }
      before += here;
    }
  }

  // The counts by whole second of those buckets (migration 069): whole months, whole days outside
  // them, deltas not folded, and the partial days' clocks. Rows per bucket are bounded by its
  // width in seconds per month or day, not by its clocks.
  const pairs = [...wanted].map((key) => key.split('\u0000') as [TurnaroundStage, string]).map(([stage, bucket]) => ({ stage, bucket: Number(bucket) }));
  const secondsOf = new Map<string, Map<number, number>>();
  const bucketKey = (scheme: string, stage: string, bucket: number) => `${scheme}\u0000${stage}\u0000${bucket}`;
  if (pairs.length) {
    const hospitalFine = hospitalId === null ? 'f.hospital_id IS NULL' : 'f.hospital_id = $5::uuid';
    const fine = (table: string, range: string) =>
      `SELECT f.scheme_id, f.stage, f.second, f.completed FROM unnest($10::text[], $11::int[], $12::int[]) AS w(stage, lo, hi)
         JOIN ${table} f ON f.stage = w.stage AND f.second > w.lo AND f.second <= w.hi WHERE ${range}`;
    const rows = await sql.query<{ scheme_id: string; stage: TurnaroundStage; second: number; completed: string }>(
      `WITH partial AS MATERIALIZED (
         -- The two partial days' done clocks, found by stop time (few whatever the scale).
         SELECT k.scheme_id, k.stage, ceil(${elapsed})::integer AS second FROM turnaround_clocks k
          WHERE k.outcome = 'done' AND ((k.stopped_at >= $1 AND k.stopped_at < $6) OR (k.stopped_at >= $7 AND k.stopped_at < $2))
            AND ($5::uuid IS NULL OR k.hospital_id = $5::uuid))
       SELECT scheme_id, stage, second, sum(completed)::bigint AS completed FROM (
         ${fine('turnaround_second_months', `${hospitalFine} AND f.month >= $8::date AND f.month < $9::date`)}
         UNION ALL ${fine('turnaround_second_days', `${hospitalFine} AND f.day >= $3::date AND f.day < $8::date`)}
         UNION ALL ${fine('turnaround_second_days', `${hospitalFine} AND f.day >= $9::date AND f.day < $4::date`)}
         UNION ALL ${fine('turnaround_day_deltas', `f.second IS NOT NULL AND ($5::uuid IS NULL OR f.hospital_id = $5::uuid) AND f.day >= $3::date AND f.day < $4::date`)}
         UNION ALL
         SELECT p.scheme_id, p.stage, p.second, 1 FROM unnest($10::text[], $11::int[], $12::int[]) AS w(stage, lo, hi)
           JOIN partial p ON p.stage = w.stage AND p.second > w.lo AND p.second <= w.hi
       ) x GROUP BY scheme_id, stage, second HAVING sum(completed) <> 0`,
      [
        period.from,
        period.to,
        days.lo,
        days.hi,
        hospitalId,
        loAt,
        hiAt,
        months.lo,
        months.hi,
        pairs.map((p) => p.stage),
        pairs.map((p) => Math.max(durationBucketLower(p.bucket), noTimeLower)),
        pairs.map((p) => p.bucket),
      ],
    );
    for (const row of rows) {
      const second = Number(row.second);
      const key = bucketKey(row.scheme_id, row.stage, durationBucketOf(second));
      let counts = secondsOf.get(key);
      if (!counts) secondsOf.set(key, (counts = new Map()));
      counts.set(second, Number(row.completed));
    }
  }
  // A bucket whose counts by second do not add up to its count (a delta written before 069, or a
  // commit that raced it), or that a threshold of a fraction of a second cuts, is read clock by
  // clock, as before 069: every figure stays exact.
  const byClock = new Set<string>();
  for (const group of groups.values())
    for (const b of group.buckets) {
      if (!wanted.has(`${group.stage}\u0000${b.bucket}`)) continue;
      const counts = secondsOf.get(bucketKey(group.scheme, group.stage, b.bucket));
      const sum = counts ? [...counts.values()].reduce((total, n) => total + n, 0) : 0;
      if (sum !== b.completed) byClock.add(`${group.stage}\u0000${b.bucket}`);
    }
  for (const group of groups.values())
    for (const threshold of thresholdsOf(group)) {
      const bucket = cut(group.buckets, threshold);
      if (bucket && !Number.isInteger(threshold)) byClock.add(`${group.stage}\u0000${bucket.bucket}`);
    }
  const clockPairs = [...byClock].map((key) => key.split('\u0000') as [string, string]);
  const clocks = clockPairs.length
    ? await sql.query<{ scheme_id: string; stage: TurnaroundStage; bucket: number; elapsed_seconds: string }>(
        `SELECT k.scheme_id, k.stage, turnaround_bucket(${elapsed}) AS bucket, ${elapsed} AS elapsed_seconds
           FROM unnest($3::text[], $4::int[]) AS w(stage, bucket)
           JOIN turnaround_clocks k ON k.stage = w.stage AND turnaround_bucket(${elapsed}) = w.bucket
          WHERE k.outcome = 'done' AND k.stopped_at >= $1 AND k.stopped_at < $2 AND ($5::uuid IS NULL OR k.hospital_id = $5::uuid)`,
        [period.from, period.to, clockPairs.map((p) => p[0]), clockPairs.map((p) => Number(p[1])), hospitalId],
      )
    : [];
  const valuesOf = new Map<string, number[]>();
  for (const clock of clocks) {
    const key = bucketKey(clock.scheme_id, clock.stage, clock.bucket);
    valuesOf.set(key, [...(valuesOf.get(key) ?? []), Number(clock.elapsed_seconds)]);
  }
  const above = (group: Group, threshold: number): number => {
    let count = 0;
    for (const b of group.buckets) if (durationBucketLower(b.bucket) >= threshold) count += b.completed;
    const inside = cut(group.buckets, threshold);
    if (!inside) return count;
    const key = bucketKey(group.scheme, group.stage, inside.bucket);
    if (byClock.has(`${group.stage}\u0000${inside.bucket}`)) return count + (valuesOf.get(key) ?? []).filter((v) => v > threshold).length;
    // A whole-second threshold: a clock is past it exactly when its whole second is.
    for (const [second, n] of secondsOf.get(key) ?? []) if (second > threshold) count += n;
    return count;
  };

  const figures = new Map<TurnaroundStage, DoneFigures>();
  for (const [stage, stageGroups] of byStage) {
    const distribution = Object.fromEntries(turnaroundBuckets.map((bucket) => [bucket, 0])) as Record<TurnaroundBucket, number>;
    let completed = 0;
    let elapsedSum = 0;
    let completedPast = 0;
    const current = levels.current.get(stage);
    for (const group of stageGroups) {
      const own = levels.own.get(ownKey(group.scheme, stage))!;
      const n = group.buckets.reduce((sum, b) => sum + b.completed, 0);
      const [half, level, double] = [above(group, own * 30), above(group, own * 60), above(group, own * 120)];
      distribution['within-half'] += n - half;
      distribution.within += half - level;
      distribution.past += level - double;
      distribution['past-double'] += double;
      if (current === undefined) continue;
      completed += n;
      elapsedSum += group.elapsed;
      completedPast += above(group, current * 60);
    }
    let p90Seconds: number | null = null;
    const ranked = rankBucket.get(stage);
    if (ranked && byClock.has(`${stage}\u0000${ranked.bucket}`)) {
      const values = stageGroups.flatMap((group) => valuesOf.get(bucketKey(group.scheme, stage, ranked.bucket)) ?? []).sort((a, b) => a - b);
      p90Seconds = values[ranked.rank - ranked.before - 1] ?? null;
    } else if (ranked) {
      // The rank's whole second from the counts, then only that second's clocks (069's index).
      const merged = new Map<number, number>();
      for (const group of stageGroups)
        for (const [second, n] of secondsOf.get(bucketKey(group.scheme, stage, ranked.bucket)) ?? []) merged.set(second, (merged.get(second) ?? 0) + n);
      let before = ranked.before;
      for (const second of [...merged.keys()].sort((a, b) => a - b)) {
        const here = merged.get(second)!;
        if (before + here < ranked.rank) {
          before += here;
          continue;
        }
        const values = (
          await sql.query<{ elapsed_seconds: string }>(
            `SELECT ${elapsed} AS elapsed_seconds FROM turnaround_clocks k
              WHERE k.outcome = 'done' AND k.stage = $3 AND ceil(${elapsed})::integer = $4 AND k.stopped_at >= $1 AND k.stopped_at < $2
                AND ($5::uuid IS NULL OR k.hospital_id = $5::uuid) AND k.scheme_id = ANY($6::text[])`,
            [period.from, period.to, stage, second, hospitalId, stageGroups.map((group) => group.scheme)],
          )
        )
          .map((row) => Number(row.elapsed_seconds))
          .sort((a, b) => a - b);
        if (values.length === here) p90Seconds = values[ranked.rank - before - 1] ?? null;
        else {
          // Counts and clocks disagree (cannot in one snapshot once 069's backfill ran): the bucket's clocks decide.
          const inBucket = (
            await sql.query<{ elapsed_seconds: string }>(
              `SELECT ${elapsed} AS elapsed_seconds FROM turnaround_clocks k
                WHERE k.outcome = 'done' AND k.stage = $3 AND turnaround_bucket(${elapsed}) = $4 AND k.stopped_at >= $1 AND k.stopped_at < $2
                  AND ($5::uuid IS NULL OR k.hospital_id = $5::uuid) AND k.scheme_id = ANY($6::text[])`,
              [period.from, period.to, stage, ranked.bucket, hospitalId, stageGroups.map((group) => group.scheme)],
            )
          )
            .map((row) => Number(row.elapsed_seconds))
            .sort((a, b) => a - b);
          p90Seconds = inBucket[ranked.rank - ranked.before - 1] ?? null;
        }
        break;
      }
    }
    figures.set(stage, { completed, averageSeconds: completed === 0 ? null : elapsedSum / completed, p90Seconds, completedPast, distribution });
  }
  return figures;
}
