import type { KpiDrillDownValue, KpiDrillQueryValue } from '@contract/kpis';
import type { ReasonCode } from '@domain/adjudication';
import type { AgingBucket } from '@domain/kpis';
import { assertNever, fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import { periodEnd } from './dashboard';
import { Conditions, monthIndex, selectionOf, type KpiReader } from './scope';

const bucketDays: Record<AgingBucket, [number, number]> = {
  '0-30': [0, 30],
  '31-60': [31, 60],
  '61-90': [61, 90],
  '91-120': [91, 120],
  '>120': [121, 1_000_000],
};

/**
 * The claims behind a dashboard point, paged: the same definitions as the aggregates
 * (docs/kpis.md), read from the claims themselves, so a bar's count is the drill-down's total.
 */
export async function kpiDrillDown(db: Database, reader: KpiReader, query: KpiDrillQueryValue): Promise<KpiDrillDownValue> {
  const { limit: askedLimit, offset: askedOffset, ...rest } = query;
  const limit = askedLimit === undefined ? 50 : Number(askedLimit);
  const offset = askedOffset === undefined ? 0 : Number(askedOffset);
  if (limit < 1 || limit > 500) throw fail('invalid-input', `A page holds 1 to 500 claims, not ${limit}.`, { limit });
  return drillClaims(db, reader, rest, { limit, offset });
}

/** The most claims one download of a drill-down holds: a larger set is narrowed by the filters first. */
export const maxExportedClaims = 50_000;

/**
 * Every claim behind a point, for a download (GET /reports/kpis/claims/export): the same set,
 * filters, readers and snapshot as the paged drill-down, all pages at once, up to maxExportedClaims
 * (more is refused as bad input before a row is read, naming the count).
 */
export async function kpiDrillDownAll(db: Database, reader: KpiReader, query: Omit<KpiDrillQueryValue, 'limit' | 'offset'>): Promise<KpiDrillDownValue> {
  return drillClaims(db, reader, query, { limit: null, offset: 0 });
}

async function drillClaims(
  db: Database,
  reader: KpiReader,
  query: Omit<KpiDrillQueryValue, 'limit' | 'offset'>,
  page: { readonly limit: number | null; readonly offset: number },
): Promise<KpiDrillDownValue> {
  const { set, month, bucket, reason } = query;
  const { offset } = page;
  if (bucket !== undefined && set !== 'open') throw fail('invalid-input', `An aging bucket belongs to the open receivables: ask for set=open, not set=${set}.`);
  if (reason !== undefined && set !== 'disallowed')
    throw fail('invalid-input', `A reason code belongs to disallowed lines: ask for set=disallowed, not set=${set}.`);
  if (month !== undefined && set === 'open') throw fail('invalid-input', 'Open receivables are as of the end of the period: give `to`, not `month`.');
  const { set: _set, month: _month, bucket: _bucket, reason: _reason, ...filters } = query;
  return db.transaction(async (sql) => {
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const selection = await selectionOf(sql, reader, filters);
    if (month !== undefined && (monthIndex(month) < monthIndex(selection.from) || monthIndex(month) > monthIndex(selection.to)))
      throw fail('invalid-input', `The month ${month} is outside the period ${selection.from} to ${selection.to}.`, { month });
    const end = await periodEnd(sql, selection);
    const reworked = 'p.query_reason IS NOT NULL';
    /** The claims of the set, as SQL conditions whose parameters are added to `c` as they are used. */
    const whereOf = (c: Conditions): string => {
      const tz = () => c.param(selection.timeZone);
      const range = (column: string) =>
        `${column} >= (${c.param(`${month ?? selection.from}-01`)}::date::timestamp AT TIME ZONE ${tz()}) AND ${column} < ((${c.param(`${month ?? selection.to}-01`)}::date + interval '1 month')::timestamp AT TIME ZONE ${tz()})`;
      const asOf = () => `${c.param(end.asOf)}::timestamptz`;
      const where = [
        selection.hospitalIds === null ? 'true' : `c.hospital_id = ANY(${c.param(selection.hospitalIds)}::uuid[])`,
        selection.packageCodes === null ? 'true' : `p.package_code = ANY(${c.param(selection.packageCodes)}::text[])`,
      ];
      switch (set) {
        case 'submitted':
          where.push(range('c.submitted_at'));
          break;
        case 'adjudicated':
          where.push(range('c.verified_at'));
          break;
        case 'denied':
          where.push(`${range('c.verified_at')} AND c.approved_amount = 0`);
          break;
        case 'disallowed':
          where.push(
            reason === undefined
              ? `${range('c.verified_at')} AND c.approved_amount < c.payer_amount`
              : `${range('c.verified_at')} AND EXISTS (SELECT 1 FROM claim_lines l WHERE l.claim_id = c.id AND l.cpd_decision IN ('partial', 'deny') AND COALESCE(l.reason_code, 'other') = ${c.param(reason)})`,
          );
          break;
        case 'clean':
          where.push(
            `${range('c.verified_at')} AND NOT (${reworked}) AND NOT EXISTS (SELECT 1 FROM claim_lines l WHERE l.claim_id = c.id AND l.cpd_decision IS DISTINCT FROM 'full')`,
          );
          break;
        case 'reworked':
          where.push(`${range('c.verified_at')} AND ${reworked}`);
          break;
        case 'paid':
          where.push(range('pay.created_at'));
          break;
        case 'open': {
          // Open at the period's end: submitted by then, not denied by then, not paid by then.
          where.push(
            `c.submitted_at <= ${asOf()} AND NOT COALESCE(c.verified_at <= ${asOf()} AND c.approved_amount = 0, false) AND (pay.created_at IS NULL OR pay.created_at > ${asOf()})`,
          );
          if (bucket !== undefined) {
            const [low, high] = bucketDays[bucket];
            where.push(`(${c.param(end.asOfDate)}::date - (c.submitted_at AT TIME ZONE ${tz()})::date) BETWEEN ${low} AND ${high}`);
          }
          break;
        }
        default:
          return assertNever(set);
      }
      return where.join(' AND ');
    };
    const order = set === 'paid' ? 'pay.created_at, c.id' : set === 'submitted' || set === 'open' ? 'c.submitted_at, c.id' : 'c.verified_at, c.id';
    const from = `claims c JOIN hospitals h ON h.id = c.hospital_id LEFT JOIN preauths p ON p.case_id = c.case_id
                  LEFT JOIN packages pk ON pk.code = p.package_code LEFT JOIN payments pay ON pay.id = c.payment_id`;
    const counting = new Conditions(selection);
    const [counted] = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${from} WHERE ${whereOf(counting)}`, counting.params);
    const total = counted?.total ?? 0;
    if (page.limit === null && total > maxExportedClaims)
      throw fail(
        'invalid-input',
        `These are ${total} claims, more than the ${maxExportedClaims} one download holds: narrow the period or add a hospital, district, specialty or package filter.`,
        { total, maxExportedClaims },
      );
    const limit = page.limit ?? total;
    const c = new Conditions(selection);
    const asOf = c.param(end.asOf);
    const tz = c.param(selection.timeZone);
    const rows = await sql.query<{
      id: string;
      case_id: string;
      code: string;
      district: string;
      package_code: string | null;
      specialty: string | null;
      status: KpiDrillDownValue['items'][number]['status'];
      submitted_at: Date;
      verified_at: Date | null;
      paid_at: Date | null;
      payer_amount: number;
      approved_amount: number | null;
      age: number;
      is_verified: boolean;
      is_paid: boolean;
      is_reworked: boolean;
      reasons: ReasonCode[];
    }>(
      `SELECT c.id, c.case_id, h.code, h.district, p.package_code, pk.specialty, c.status, c.submitted_at, c.verified_at, pay.created_at AS paid_at,
              c.payer_amount, c.approved_amount, (${c.param(end.asOfDate)}::date - (c.submitted_at AT TIME ZONE ${tz})::date) AS age,
              COALESCE(c.verified_at <= ${asOf}::timestamptz, false) AS is_verified, COALESCE(pay.created_at <= ${asOf}::timestamptz, false) AS is_paid,
              COALESCE(${reworked}, false) AS is_reworked,
              ARRAY(SELECT DISTINCT COALESCE(l.reason_code, 'other') FROM claim_lines l WHERE l.claim_id = c.id AND l.cpd_decision IN ('partial', 'deny') ORDER BY 1) AS reasons
         FROM ${from} WHERE ${whereOf(c)}
        ORDER BY ${order} LIMIT ${page.limit === null ? 'ALL' : c.param(page.limit)} OFFSET ${c.param(offset)}`,
      c.params,
    );
    return {
      perspective: selection.perspective,
      filters: selection.applied,
      set,
      month: month ?? null,
      bucket: bucket ?? null,
      reason: reason ?? null,
      asOf: end.asOf,
      total,
      offset,
      limit,
      items: rows.map((row) => {
        const approved = row.approved_amount ?? 0;
        const disallowed = row.verified_at === null ? 0 : row.payer_amount - approved;
        // Open at asOf: the payer amount, less what was disallowed by then, less what was paid by then.
        const openAmount = row.payer_amount - (row.is_verified ? disallowed : 0) - (row.is_paid ? approved : 0);
        return {
          claimId: row.id,
          caseId: row.case_id,
          hospital: row.code,
          district: row.district,
          package: row.package_code,
          specialty: row.specialty,
          status: row.status,
          submittedAt: new Date(row.submitted_at).toISOString(),
          verifiedAt: row.verified_at === null ? null : new Date(row.verified_at).toISOString(),
          paidAt: row.paid_at === null ? null : new Date(row.paid_at).toISOString(),
          payerAmount: row.payer_amount,
          approvedAmount: row.approved_amount,
          disallowedAmount: disallowed,
          openAmount: Math.max(0, openAmount),
          ageDays: Math.max(0, row.age),
          reasonCodes: row.reasons,
          isReworked: row.is_reworked,
        };
      }),
    };
  });
}
