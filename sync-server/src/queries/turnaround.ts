import type { ClockQueueValue, OpenClockValue, TurnaroundDrillDownValue, TurnaroundDrillQueryValue, TurnaroundReportValue } from '@contract/turnaround';
import type { HospitalId, Role } from '@domain/ids';
import { fail } from '@domain/outcomes';
import {
  claimStages,
  stageOwners,
  stagesOwnedBy,
  turnaroundBucketOf,
  turnaroundBuckets,
  turnaroundStages,
  type TurnaroundBucket,
  type TurnaroundStage,
} from '@domain/turnaround';
import { appendAudit } from '../audit/chain';
import type { Principal } from '../auth/tokens';
import type { Database, Sql } from '../db/database';
import { doneFigures, stageLevels } from './turnaround-days';

/**
 * Turnaround clocks (issue 15, migration 047). Every figure here comes from `stage_clocks`, whose
 * starts and stops are audit-trail entries: a clock has no timestamp of its own to disagree with
 * the trail. They are read from `turnaround_clocks` (migration 049), the same rows kept by the
 * commits that write the entries, so a report reads the clocks of its period, not the whole trail. A clock's elapsed time leaves out the time a pre-auth waited on the hospital's answer
 * to a query; an open clock runs to `asOf` (the server's now), or to the start of a pause still
 * running. Scope is the console's: payer roles and HA see the scheme (or one hospital they name), a
 * hospital's own operators their hospital only.
 */

/** Every column of a `stage_clocks` row, in order: the kept clocks are checked against the view by them. */
export const turnaroundClockColumns =
  'stage, owner_role, subject_id, case_id, claim_id, hospital_id, family_id, start_id, started_at, stop_id, stopped_at, outcome, paused_seconds, paused_since';

/**
 * The clocks with their service level and elapsed seconds as of $1 (a timestamptz). An emergency
 * case's pre-auth decision runs against the scheme's emergency service level (issue 19, migration
 * 055), so the clock queue and the breach watcher put it first and flag it sooner. The reports
 * (the distribution and its drill-down, as the report's counts and 057's kept facts) judge every
 * clock against its stage's level, `report_level_minutes`: the emergency level is the queues'.
 */
const clocksAsOf = `
  SELECT k.*, CASE WHEN k.stage = 'preauth-decision' AND kc.is_emergency THEN ks.emergency_preauth_turnaround_minutes ELSE l.minutes END AS service_level_minutes,
         l.minutes AS report_level_minutes, hs.code AS hospital_code,
         extract(epoch FROM (COALESCE(k.stopped_at, k.paused_since, $1::timestamptz) - k.started_at)) - k.paused_seconds AS elapsed_seconds
    FROM turnaround_clocks k JOIN hospitals hs ON hs.id = k.hospital_id
    JOIN stage_service_levels l ON l.scheme_id = k.scheme_id AND l.stage = k.stage
    JOIN cases kc ON kc.id = k.case_id JOIN schemes ks ON ks.id = k.scheme_id`;

/** Whose hospital a principal may see: null for the whole scheme. */
export async function hospitalScope(
  sql: Sql | Database,
  principal: Principal,
  hospitalCode: string | undefined,
): Promise<{ id: HospitalId; code: string } | null> {
  if (principal.hospitalId !== null) {
    const [own] = await sql.query<{ id: HospitalId; code: string }>('SELECT id, code FROM hospitals WHERE id = $1', [principal.hospitalId]);
    if (!own) throw fail('not-found', 'Your hospital is not registered any more.');
    // A hospital's operators see their own hospital and nobody else's: another code is not in reach.
    if (hospitalCode !== undefined && hospitalCode !== own.code) throw fail('not-found', `There is no hospital ${hospitalCode} in your reach.`);
    return own;
  }
  if (hospitalCode === undefined) return null;
  const [named] = await sql.query<{ id: HospitalId; code: string }>('SELECT id, code FROM hospitals WHERE code = $1', [hospitalCode]);
  if (!named) throw fail('not-found', `There is no hospital ${hospitalCode}.`);
  return named;
}

/** Roles that read turnaround: the payer roles and HA (scheme-wide), MEDCO (its hospital). */
export const turnaroundReaders: readonly Role[] = ['MEDCO', 'PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'];

interface OpenClockRow {
  stage: TurnaroundStage;
  owner_role: Role;
  case_id: string;
  claim_id: string | null;
  subject_id: string;
  hospital_code: string;
  start_id: string;
  started_at: Date;
  paused_seconds: number;
  paused_since: Date | null;
  service_level_minutes: number;
  elapsed_seconds: number;
  noticed_at: Date | null;
}

/**
 * The open stages the principal's roles own (HA: all), most urgent first: least time remaining,
 * past-due ones at the top. A paused pre-auth (queried, waiting on the hospital) has no due time.
 */
export async function clockQueue(db: Database, principal: Principal, asOf: Date, hospitalCode?: string): Promise<ClockQueueValue> {
  const stages = stagesOwnedBy(principal.roles);
  if (stages.length === 0)
    throw fail('forbidden-role', 'The clock queue shows the stages a payer role owns (PPD, MC, ADMIN, CEX, CPD, ACO) and all of them to HA.');
  const hospital = await hospitalScope(db, principal, hospitalCode);
  const rows = await db.query<OpenClockRow>(
    `SELECT c.*, b.noticed_at FROM (${clocksAsOf}) c
       LEFT JOIN service_level_breaches b ON b.stage = c.stage AND b.start_id = c.start_id
      WHERE c.outcome = 'open' AND c.stage = ANY($2::text[]) AND ($3::uuid IS NULL OR c.hospital_id = $3)
      ORDER BY c.service_level_minutes * 60 - c.elapsed_seconds, c.start_id`,
    [asOf, stages, hospital?.id ?? null],
  );
  return { items: rows.map((row) => openClock(row)), computedAt: asOf.toISOString() };
}

function openClock(row: OpenClockRow): OpenClockValue {
  const limitSeconds = row.service_level_minutes * 60;
  const isPaused = row.paused_since !== null;
  const startedAt = new Date(row.started_at);
  return {
    stage: row.stage,
    ownerRole: row.owner_role,
    caseId: row.case_id,
    claimId: row.claim_id,
    enhancementId: row.stage === 'enhancement' ? row.subject_id : null,
    hospitalCode: row.hospital_code,
    startAuditId: Number(row.start_id),
    startedAt: startedAt.toISOString(),
    serviceLevelMinutes: row.service_level_minutes,
    elapsedMinutes: Math.floor(row.elapsed_seconds / 60),
    remainingMinutes: Math.floor((limitSeconds - row.elapsed_seconds) / 60),
    dueAt: isPaused ? null : new Date(startedAt.getTime() + (Number(row.paused_seconds) + limitSeconds) * 1000).toISOString(),
    isPaused,
    isPastServiceLevel: row.elapsed_seconds > limitSeconds,
    breachNoticedAt: row.noticed_at === null ? null : new Date(row.noticed_at).toISOString(),
  };
}

/**
 * Turnaround per stage for the period [from, to): stages completed (decided) in it, their average
 * and 90th-percentile duration (nearest rank: percentile_disc, as domain/kpis.ts percentile), how
 * many of them ran past the service level; and, as of `asOf`, stages open and open past it. The
 * completed stages come from the kept facts by day and duration (migration 057,
 * turnaround-days.ts), the open ones from their clocks, in one REPEATABLE READ snapshot; the
 * figures are those of turnaroundReportFromClocks (the definition, read from every clock of the
 * period), which the tests hold it to.
 */
export async function turnaroundReport(
  db: Database,
  principal: Principal,
  period: { readonly from: Date; readonly to: Date; readonly asOf: Date; readonly hospitalCode?: string },
): Promise<TurnaroundReportValue> {
  if (!(period.from.getTime() < period.to.getTime())) throw fail('invalid-input', 'The period must start before it ends: give from earlier than to.');
  const hospital = await hospitalScope(db, principal, period.hospitalCode);
  return db.transaction(async (sql) => {
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const levels = await stageLevels(sql);
    const done = await doneFigures(sql, period, hospital?.id ?? null, levels);
    const open = await sql.query<{ stage: TurnaroundStage; open_now: number; open_past: number; claims_past: number }>(
      `WITH levels AS (SELECT l.stage, l.minutes FROM stage_service_levels l JOIN schemes s ON s.id = l.scheme_id AND s.is_current),
            clocks AS (SELECT k.stage, k.claim_id, own.minutes AS own_minutes, cur.minutes AS minutes,
                              extract(epoch FROM (COALESCE(k.stopped_at, k.paused_since, $1::timestamptz) - k.started_at)) - k.paused_seconds AS elapsed_seconds
                         FROM turnaround_clocks k
                         JOIN stage_service_levels own ON own.scheme_id = k.scheme_id AND own.stage = k.stage
                         JOIN levels cur ON cur.stage = k.stage
                        WHERE k.outcome = 'open' AND ($2::uuid IS NULL OR k.hospital_id = $2))
       SELECT l.stage, COALESCE(o.open_now, 0) AS open_now, COALESCE(o.open_past, 0) AS open_past,
              (SELECT count(DISTINCT c.claim_id) FROM clocks c WHERE c.stage = ANY($3::text[]) AND c.elapsed_seconds > c.own_minutes * 60)::int AS claims_past
         FROM levels l LEFT JOIN (SELECT stage, count(*)::int AS open_now, count(*) FILTER (WHERE elapsed_seconds > minutes * 60)::int AS open_past
                                    FROM clocks GROUP BY stage) o ON o.stage = l.stage`,
      [period.asOf, hospital?.id ?? null, claimStages],
    );
    const openOf = new Map(open.map((row) => [row.stage, row]));
    const minutes = (seconds: number | null) => (seconds === null ? null : Math.round((seconds / 60) * 100) / 100);
    return {
      perspective: hospital === null ? 'scheme' : 'hospital',
      hospitalCode: hospital?.code ?? null,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      stages: turnaroundStages.map((stage) => {
        const level = levels.current.get(stage);
        const row = openOf.get(stage);
        if (level === undefined || !row) throw new Error(`No service level for ${stage}`);
        const figures = done.get(stage);
        return {
          stage,
          ownerRole: stageOwners[stage],
          serviceLevelMinutes: level,
          completed: figures?.completed ?? 0,
          averageMinutes: minutes(figures?.averageSeconds ?? null),
          p90Minutes: minutes(figures?.p90Seconds ?? null),
          completedPastServiceLevel: figures?.completedPast ?? 0,
          openNow: row.open_now,
          openPastServiceLevel: row.open_past,
        };
      }),
      claimsPastServiceLevel: open[0]?.claims_past ?? 0,
      distribution: turnaroundStages.map((stage) => {
        const counts = done.get(stage)?.distribution;
        const buckets = turnaroundBuckets.map((bucket) => ({ bucket, completed: counts?.[bucket] ?? 0 }));
        return { stage, completed: buckets.reduce((sum, b) => sum + b.completed, 0), buckets };
      }),
      computedAt: period.asOf.toISOString(),
    };
  });
}

/**
 * The same report read from every clock of the period (049's way): the definition the kept facts
 * must equal (turnaround.test.ts compares them on hand-made and randomized trails, and
 * bench:reports times both).
 */
export async function turnaroundReportFromClocks(
  db: Database,
  principal: Principal,
  period: { readonly from: Date; readonly to: Date; readonly asOf: Date; readonly hospitalCode?: string },
): Promise<TurnaroundReportValue> {
  if (!(period.from.getTime() < period.to.getTime())) throw fail('invalid-input', 'The period must start before it ends: give from earlier than to.');
  const hospital = await hospitalScope(db, principal, period.hospitalCode);
  const rows = await db.query<{
    stage: TurnaroundStage;
    service_level_minutes: number;
    completed: number;
    average_seconds: number | null;
    p90_seconds: number | null;
    completed_past: number;
    open_now: number;
    open_past: number;
    claims_past: number;
  }>(
    // Only the clocks that stopped in the period and the open ones are read (two partial indexes),
    // each once and only the columns the figures need: grouped by stage, not a subquery per stage.
    // A clock counts under the current scheme's stage and level; its own scheme's level must exist,
    // as in clocksAsOf, and says when an open claim stage is past.
    `WITH levels AS (SELECT l.stage, l.minutes FROM stage_service_levels l JOIN schemes s ON s.id = l.scheme_id AND s.is_current),
          clocks AS (SELECT k.stage, k.outcome, k.claim_id, own.minutes AS own_minutes, cur.minutes AS minutes,
                            extract(epoch FROM (COALESCE(k.stopped_at, k.paused_since, $1::timestamptz) - k.started_at)) - k.paused_seconds AS elapsed_seconds
                       FROM turnaround_clocks k
                       JOIN stage_service_levels own ON own.scheme_id = k.scheme_id AND own.stage = k.stage
                       JOIN levels cur ON cur.stage = k.stage
                      WHERE ((k.outcome = 'done' AND k.stopped_at >= $2 AND k.stopped_at < $3) OR k.outcome = 'open')
                        AND ($4::uuid IS NULL OR k.hospital_id = $4)),
          done AS (SELECT d.stage, count(*)::int AS completed, avg(d.elapsed_seconds)::double precision AS average_seconds,
                          percentile_disc(0.9) WITHIN GROUP (ORDER BY d.elapsed_seconds)::double precision AS p90_seconds,
                          count(*) FILTER (WHERE d.elapsed_seconds > d.minutes * 60)::int AS completed_past
                     FROM clocks d WHERE d.outcome = 'done' GROUP BY d.stage),
          open AS (SELECT o.stage, count(*)::int AS open_now, count(*) FILTER (WHERE o.elapsed_seconds > o.minutes * 60)::int AS open_past
                     FROM clocks o WHERE o.outcome = 'open' GROUP BY o.stage)
     SELECT l.stage, l.minutes AS service_level_minutes, COALESCE(d.completed, 0) AS completed, d.average_seconds, d.p90_seconds,
            COALESCE(d.completed_past, 0) AS completed_past, COALESCE(o.open_now, 0) AS open_now, COALESCE(o.open_past, 0) AS open_past,
            (SELECT count(DISTINCT c.claim_id) FROM clocks c WHERE c.outcome = 'open' AND c.stage = ANY($5::text[]) AND c.elapsed_seconds > c.own_minutes * 60)::int AS claims_past
       FROM levels l LEFT JOIN done d ON d.stage = l.stage LEFT JOIN open o ON o.stage = l.stage`,
    [period.asOf, period.from, period.to, hospital?.id ?? null, claimStages],
  );
  // The distribution: completed stages by time taken against the service level, counted in SQL.
  const counts = await db.query<Record<TurnaroundBucket, number> & { stage: TurnaroundStage }>(
    `WITH clocks AS (${clocksAsOf} WHERE ($4::uuid IS NULL OR k.hospital_id = $4))
     SELECT stage, ${turnaroundBuckets.map((bucket) => `count(*) FILTER (WHERE ${bucketConditions[bucket]})::int AS "${bucket}"`).join(', ')}
       FROM clocks WHERE outcome = 'done' AND stopped_at >= $2 AND stopped_at < $3 GROUP BY stage`,
    [period.asOf, period.from, period.to, hospital?.id ?? null],
  );
  const countsOf = new Map(counts.map((row) => [row.stage, row]));
  const byStage = new Map(rows.map((row) => [row.stage, row]));
  const minutes = (seconds: number | null) => (seconds === null ? null : Math.round((seconds / 60) * 100) / 100);
  return {
    perspective: hospital === null ? 'scheme' : 'hospital',
    hospitalCode: hospital?.code ?? null,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    stages: turnaroundStages.map((stage) => {
      const row = byStage.get(stage);
      if (!row) throw new Error(`No service level for ${stage}`);
      return {
        stage,
        ownerRole: stageOwners[stage],
        serviceLevelMinutes: row.service_level_minutes,
        completed: row.completed,
        averageMinutes: minutes(row.average_seconds),
        p90Minutes: minutes(row.p90_seconds),
        completedPastServiceLevel: row.completed_past,
        openNow: row.open_now,
        openPastServiceLevel: row.open_past,
      };
    }),
    claimsPastServiceLevel: rows[0]?.claims_past ?? 0,
    distribution: turnaroundStages.map((stage) => {
      const row = countsOf.get(stage);
      const buckets = turnaroundBuckets.map((bucket) => ({ bucket, completed: row?.[bucket] ?? 0 }));
      return { stage, completed: buckets.reduce((sum, b) => sum + b.completed, 0), buckets };
    }),
    computedAt: period.asOf.toISOString(),
  };
}

/**
 * Each bucket as a condition on a clock row of clocksAsOf (elapsed seconds against the service
 * level in minutes): the same bounds as domain/turnaround.ts turnaroundBucketOf, so a bar's count
 * is its drill-down's total, and "past" + "past-double" is the report's completedPastServiceLevel.
 */
const bucketConditions: Readonly<Record<TurnaroundBucket, string>> = {
  'within-half': 'elapsed_seconds <= report_level_minutes * 30',
  within: 'elapsed_seconds > report_level_minutes * 30 AND elapsed_seconds <= report_level_minutes * 60',
  past: 'elapsed_seconds > report_level_minutes * 60 AND elapsed_seconds <= report_level_minutes * 120',
  'past-double': 'elapsed_seconds > report_level_minutes * 120',
};

/**
 * The stages behind a bar of the turnaround distribution (issue 15, the dashboard's drill-down):
 * one stage's clocks completed in [from, to), optionally one bucket, longest first, paged; each
 * with its case (and claim or enhancement), hospital, start, stop and minutes. Same readers and
 * scope as the report (a hospital's operators: their hospital; another is not in reach, 404).
 */
export async function turnaroundDrillDown(db: Database, principal: Principal, query: TurnaroundDrillQueryValue): Promise<TurnaroundDrillDownValue> {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  if (limit < 1 || limit > 500) throw fail('invalid-input', `A page holds 1 to 500 stages, not ${limit}.`, { limit });
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (!(from.getTime() < to.getTime())) throw fail('invalid-input', 'The period must start before it ends: give from earlier than to.');
  const hospital = await hospitalScope(db, principal, query.hospital);
  const where = `outcome = 'done' AND stopped_at >= $2 AND stopped_at < $3 AND stage = $5${query.bucket === undefined ? '' : ` AND ${bucketConditions[query.bucket]}`}`;
  const clocks = `WITH clocks AS (${clocksAsOf} WHERE ($4::uuid IS NULL OR k.hospital_id = $4))`;
  const params = [new Date(), from, to, hospital?.id ?? null, query.stage];
  const [counted] = await db.query<{ total: number }>(`${clocks} SELECT count(*)::int AS total FROM clocks WHERE ${where}`, params);
  const [level] = await db.query<{ minutes: number }>(
    'SELECT l.minutes FROM stage_service_levels l JOIN schemes s ON s.id = l.scheme_id AND s.is_current WHERE l.stage = $1',
    [query.stage],
  );
  const rows = await db.query<{
    case_id: string;
    claim_id: string | null;
    subject_id: string;
    hospital_code: string;
    started_at: Date;
    stopped_at: Date;
    elapsed_seconds: number;
    report_level_minutes: number;
  }>(
    `${clocks} SELECT case_id, claim_id, subject_id, hospital_code, started_at, stopped_at, elapsed_seconds, report_level_minutes
       FROM clocks WHERE ${where} ORDER BY elapsed_seconds DESC, start_id LIMIT $6 OFFSET $7`,
    [...params, limit, offset],
  );
  return {
    perspective: hospital === null ? 'scheme' : 'hospital',
    hospitalCode: hospital?.code ?? null,
    from: from.toISOString(),
    to: to.toISOString(),
    stage: query.stage,
    bucket: query.bucket ?? null,
    serviceLevelMinutes: level?.minutes ?? 0,
    total: counted?.total ?? 0,
    offset,
    limit,
    items: rows.map((row) => ({
      caseId: row.case_id,
      claimId: row.claim_id,
      enhancementId: query.stage === 'enhancement' ? row.subject_id : null,
      hospitalCode: row.hospital_code,
      startedAt: new Date(row.started_at).toISOString(),
      stoppedAt: new Date(row.stopped_at).toISOString(),
      elapsedMinutes: Math.round((Number(row.elapsed_seconds) / 60) * 100) / 100,
      bucket: turnaroundBucketOf(Number(row.elapsed_seconds), row.report_level_minutes * 60),
    })),
  };
}

/**
 * Record a notice for every open stage now past its service level that has none yet, and return
 * them. Whichever server process runs this first writes each notice (the primary key makes the
 * rest insert nothing), so the owning role is told once per breach; the caller pokes the consoles
 * after the commit (the way queue changes reach them) and the clock queue shows when it was noticed.
 */
export async function noticeBreaches(
  db: Database,
  asOf: Date,
): Promise<{ stage: TurnaroundStage; ownerRole: Role; caseId: string; claimId: string | null; hospitalId: string }[]> {
  return db.transaction(async (sql) => {
    const inserted = await sql.query<{ stage: TurnaroundStage; owner_role: Role; case_id: string; claim_id: string | null; hospital_id: string }>(
      `INSERT INTO service_level_breaches (stage, subject_id, start_id, case_id, claim_id, hospital_id, owner_role, service_level_minutes)
       SELECT c.stage, c.subject_id, c.start_id, c.case_id, c.claim_id, c.hospital_id, c.owner_role, c.service_level_minutes
         FROM (${clocksAsOf}) c
        WHERE c.outcome = 'open' AND c.elapsed_seconds > c.service_level_minutes * 60
       ON CONFLICT (stage, start_id) DO NOTHING
       RETURNING stage, owner_role, case_id, claim_id, hospital_id`,
      [asOf],
    );
    for (const row of inserted)
      await appendAudit(sql, {
        actorId: null,
        action: 'service-level-breached',
        entityType: row.claim_id === null ? 'case' : 'claim',
        entityId: row.claim_id ?? row.case_id,
        after: { stage: row.stage, ownerRole: row.owner_role },
      });
    return inserted.map((row) => ({ stage: row.stage, ownerRole: row.owner_role, caseId: row.case_id, claimId: row.claim_id, hospitalId: row.hospital_id }));
  });
}
