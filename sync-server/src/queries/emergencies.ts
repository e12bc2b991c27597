import type { EmergencyListQueryValue, EmergencyListValue } from '@contract/emergencies';
import type { Role } from '@domain/ids';
import { fail } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { Principal } from '../auth/tokens';
import type { Database } from '../db/database';
import { hospitalScope } from './turnaround';

/** Who reads emergency cases: the desk (its hospital), the scheme's HA and ADMIN, and PPD (scheme-wide). */
export const emergencyReaders: readonly Role[] = ['MEDCO', 'PPD', 'ADMIN', 'HA'];

interface EmergencyRow {
  id: string;
  hospital_code: string;
  sex: 'male' | 'female' | 'other' | 'unknown';
  approximate_age: number;
  found_at: string;
  has_photo: boolean;
  admitted_at: Date;
  identify_by: Date;
  status: 'unidentified' | 'merged';
  overdue_noticed_at: Date | null;
  member_id: string | null;
  merged_at: Date | null;
  merged_late: boolean | null;
}

/**
 * The emergency cases in the principal's reach (a hospital's operators: their own; the scheme's
 * roles: all, or one hospital), most urgent first: unidentified by least time left, then merged
 * ones, newest first. `overdue` is the flag list: unidentified past the window, or merged late.
 */
export async function emergencyList(db: Database, principal: Principal, asOf: Date, query: EmergencyListQueryValue): Promise<EmergencyListValue> {
  if (!principal.roles.some((role) => emergencyReaders.includes(role)))
    throw fail('forbidden-role', 'Emergency cases are for desk operators, PPD, ADMIN and HA.');
  const hospital = await hospitalScope(db, principal, query.hospital);
  const rows = await db.query<EmergencyRow>(
    `SELECT e.id, h.code AS hospital_code, e.sex, e.approximate_age, e.found_at, e.photo IS NOT NULL AS has_photo, e.admitted_at, e.identify_by,
            e.status, e.overdue_noticed_at, e.member_id, e.merged_at, e.merged_late
       FROM emergency_cases e JOIN hospitals h ON h.id = e.hospital_id
      WHERE ($2::uuid IS NULL OR e.hospital_id = $2)
        AND ($3::text IS NULL OR ($3 = 'overdue' AND ((e.status = 'unidentified' AND e.identify_by < $1) OR e.merged_late)) OR e.status = $3)
      ORDER BY e.status DESC, CASE WHEN e.status = 'unidentified' THEN e.identify_by END, e.admitted_at DESC, e.id
      LIMIT 500`,
    [asOf, hospital?.id ?? null, query.status ?? null],
  );
  return {
    items: rows.map((row) => {
      const identifyBy = new Date(row.identify_by);
      const isOpen = row.status === 'unidentified';
      return {
        caseId: row.id,
        hospitalCode: row.hospital_code,
        sex: row.sex,
        approximateAge: row.approximate_age,
        foundAt: row.found_at,
        hasPhoto: row.has_photo,
        admittedAt: new Date(row.admitted_at).toISOString(),
        identifyBy: identifyBy.toISOString(),
        status: row.status,
        remainingMinutes: isOpen ? Math.floor((identifyBy.getTime() - asOf.getTime()) / 60_000) : null,
        isOverdue: isOpen ? identifyBy.getTime() < asOf.getTime() : row.merged_late === true,
        overdueNoticedAt: row.overdue_noticed_at === null ? null : new Date(row.overdue_noticed_at).toISOString(),
        memberId: row.member_id,
        mergedAt: row.merged_at === null ? null : new Date(row.merged_at).toISOString(),
      };
    }),
    computedAt: asOf.toISOString(),
  };
}

/**
 * Flag every emergency case still unidentified past its window that has no flag yet, and return
 * them. A window runs out by the passing of time, not by a command, so the breach watcher runs
 * this (console/breach-watcher.ts) and pokes desks and consoles after the commit. Whichever
 * server process runs it first writes each flag (the `overdue_noticed_at IS NULL` guard under the
 * row lock), so it is noticed and audited once.
 */
export async function noticeOverdueEmergencies(db: Database, asOf: Date): Promise<{ caseId: string; hospitalId: string }[]> {
  return db.transaction(async (sql) => {
    const flagged = await sql.query<{ id: string; hospital_id: string; identify_by: Date }>(
      `UPDATE emergency_cases SET overdue_noticed_at = $1, change_xid = pg_current_xact_id()
        WHERE status = 'unidentified' AND identify_by < $1 AND overdue_noticed_at IS NULL
       RETURNING id, hospital_id, identify_by`,
      [asOf],
    );
    for (const row of flagged)
      await appendAudit(sql, {
        actorId: null,
        action: 'emergency-overdue',
        entityType: 'case',
        entityId: row.id,
        after: { hospitalId: row.hospital_id, identifyBy: new Date(row.identify_by).toISOString() },
      });
    return flagged.map((row) => ({ caseId: row.id, hospitalId: row.hospital_id }));
  });
}
