import type { KpiDashboardValue, KpiFiltersValue, KpiMeasuresValue } from '@contract/kpis';
import type { ReasonCode } from '@domain/adjudication';
import { agingBucketOfDays, agingBuckets, daysInAccountsReceivable, grossCollectionRate, netCollectionRate, ratio } from '@domain/kpis';
import type { Database, Sql } from '../db/database';
import { Conditions, monthIndex, monthOf, selectionOf, type KpiReader, type KpiSelection } from './scope';

/**
 * The KPI dashboard (issue 15): every measure of docs/kpis.md for a period and a selection, by
 * month and for the whole period, from the aggregates of migration 045 (facts + deltas not yet
 * folded) in one REPEATABLE READ snapshot, so every figure is of the same instant. Its cost is
 * bounded by the months, hospitals and packages selected, never by the number of cases.
 */
export async function kpiDashboard(db: Database, reader: KpiReader, filters: KpiFiltersValue): Promise<KpiDashboardValue> {
  return db.transaction(async (sql) => {
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const selection = await selectionOf(sql, reader, filters);
    return readDashboard(sql, selection);
  });
}

/** The measures `kpi_month` sums per month and selection (migration 045). */
export const monthColumns = [
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
] as const;
type MonthRow = Record<(typeof monthColumns)[number], number>;
const zeroRow = (): MonthRow => Object.fromEntries(monthColumns.map((column) => [column, 0])) as MonthRow;
const summed = monthColumns.map((column) => `sum(${column})::bigint AS ${column}`).join(', ');
const listed = monthColumns.join(', ');

function add(into: MonthRow, row: MonthRow): void {
  for (const column of monthColumns) into[column] += row[column];
}

function daysInMonth(month: string): number {
  const [year, m] = month.split('-').map(Number);
  return new Date(Date.UTC(year!, m!, 0)).getUTCDate();
}

/** One month's or one period's measures from its summed flows and the open receivables at its end. */
export function measuresOf(row: MonthRow, openReceivables: number, days: number): KpiMeasuresValue {
  return {
    days,
    charges: { claims: row.submitted_claims, amount: row.submitted_amount },
    openReceivables,
    daysInAccountsReceivable: days === 0 ? null : daysInAccountsReceivable(openReceivables, row.submitted_amount, days),
    collections: {
      paidClaims: row.paid_claims,
      paidAmount: row.paid_amount,
      cohortPaidAmount: row.cohort_paid_amount,
      cohortContractualAmount: row.cohort_contractual_amount,
      grossCollectionRate: grossCollectionRate(row.cohort_paid_amount, row.submitted_amount),
      netCollectionRate: netCollectionRate(row.cohort_paid_amount, row.submitted_amount, row.cohort_contractual_amount),
    },
    adjudication: {
      claims: row.adjudicated_claims,
      amount: row.adjudicated_amount,
      deniedClaims: row.denied_claims,
      disallowedAmount: row.disallowed_amount,
      contractualAmount: row.contractual_amount,
      cleanClaims: row.clean_claims,
      reworkedClaims: row.reworked_claims,
      cleanClaimRate: ratio(row.clean_claims, row.adjudicated_claims),
      denialRateByCount: ratio(row.denied_claims, row.adjudicated_claims),
      denialRateByAmount: ratio(row.disallowed_amount, row.adjudicated_amount),
      reworkRate: ratio(row.reworked_claims, row.adjudicated_claims),
    },
    patient: { charged: row.patient_charged, settled: row.patient_settled, collectionRate: ratio(row.patient_settled, row.patient_charged) },
  };
}

/** The end of the period: now for the current month, else the last instant of `to` (scheme time zone). */
export async function periodEnd(sql: Sql, selection: KpiSelection): Promise<{ asOf: string; asOfDate: string }> {
  if (selection.to === selection.currentMonth) {
    const [row] = await sql.query<{ at: Date }>('SELECT now() AS at');
    return { asOf: new Date(row!.at).toISOString(), asOfDate: selection.today };
  }
  const [row] = await sql.query<{ at: Date; day: string }>(
    `SELECT ((($1::date + interval '1 month')::timestamp AT TIME ZONE $2) - interval '1 millisecond') AS at,
            to_char(($1::date + interval '1 month' - interval '1 day')::date, 'YYYY-MM-DD') AS day`,
    [`${selection.to}-01`, selection.timeZone],
  );
  return { asOf: new Date(row!.at).toISOString(), asOfDate: row!.day };
}

async function readDashboard(sql: Sql, selection: KpiSelection): Promise<KpiDashboardValue> {
  const fromDate = `${selection.from}-01`;
  const toDate = `${selection.to}-01`;
  const end = await periodEnd(sql, selection);

  // Flows by month up to the period's end; months before it only count towards open receivables.
  const flows = new Conditions(selection);
  const flowRows = await sql.query<MonthRow & { month: string }>(
    `WITH rows AS (
       SELECT month, ${listed} FROM kpi_month WHERE ${flows.facts()} AND month <= ${flows.param(toDate)}::date
       UNION ALL
       SELECT month, ${listed} FROM kpi_month_deltas WHERE ${flows.deltas()} AND month <= ${flows.param(toDate)}::date)
     SELECT CASE WHEN month < ${flows.param(fromDate)}::date THEN 'before' ELSE to_char(month, 'YYYY-MM') END AS month, ${summed}
       FROM rows GROUP BY 1`,
    flows.params,
  );
  const byMonth = new Map(flowRows.map((row) => [row.month, row]));
  const before = byMonth.get('before') ?? zeroRow();
  let open = before.submitted_amount - before.disallowed_amount - before.paid_amount;
  const period = zeroRow();
  let periodDays = 0;
  const months: KpiDashboardValue['months'] = [];
  for (let index = monthIndex(selection.from); index <= monthIndex(selection.to); index += 1) {
    const month = monthOf(index);
    const row = byMonth.get(month) ?? zeroRow();
    open += row.submitted_amount - row.disallowed_amount - row.paid_amount;
    const days = month === selection.currentMonth ? Number(selection.today.slice(8, 10)) : daysInMonth(month);
    add(period, row);
    periodDays += days;
    months.push({ month, ...measuresOf(row, open, days) });
  }

  // Aging of what is open at the period's end, by whole days since the submission date.
  const agingConditions = new Conditions(selection);
  const agingRows = await sql.query<{ age: number; amount: number; claims: number }>(
    `WITH rows AS (
       SELECT submitted_on, amount, claims FROM kpi_receivables WHERE ${agingConditions.facts()} AND month <= ${agingConditions.param(toDate)}::date
       UNION ALL
       SELECT submitted_on, amount, claims FROM kpi_receivable_deltas WHERE ${agingConditions.deltas()} AND month <= ${agingConditions.param(toDate)}::date)
     SELECT (${agingConditions.param(end.asOfDate)}::date - submitted_on) AS age, sum(amount)::bigint AS amount, sum(claims)::bigint AS claims
       FROM rows GROUP BY submitted_on HAVING sum(amount) <> 0 OR sum(claims) <> 0`,
    agingConditions.params,
  );
  const buckets = agingBuckets.map((bucket) => ({ bucket, amount: 0, claims: 0 }));
  for (const row of agingRows) {
    const bucket = buckets.find((b) => b.bucket === agingBucketOfDays(Math.max(0, row.age)))!;
    bucket.amount += row.amount;
    bucket.claims += row.claims;
  }
  const agingTotal = buckets.reduce((sum, b) => sum + b.amount, 0);
  const over90 = buckets.filter((b) => b.bucket === '91-120' || b.bucket === '>120').reduce((sum, b) => sum + b.amount, 0);

  // Denials in the period: by reason (lines), by package, by hospital.
  const inPeriod = (c: Conditions) => `month BETWEEN ${c.param(fromDate)}::date AND ${c.param(toDate)}::date`;
  const reasons = new Conditions(selection);
  const reasonRows = await sql.query<{ reason_code: ReasonCode; lines: number; amount: number }>(
    `WITH rows AS (
       SELECT reason_code, lines, amount FROM kpi_disallowed WHERE ${reasons.facts()} AND ${inPeriod(reasons)}
       UNION ALL
       SELECT reason_code, lines, amount FROM kpi_disallowed_deltas WHERE ${reasons.deltas()} AND ${inPeriod(reasons)})
     SELECT reason_code, sum(lines)::bigint AS lines, sum(amount)::bigint AS amount FROM rows
      GROUP BY reason_code HAVING sum(lines) <> 0 OR sum(amount) <> 0 ORDER BY sum(amount) DESC, reason_code`,
    reasons.params,
  );
  const reasonTotal = reasonRows.reduce((sum, row) => sum + row.amount, 0);

  const breakdownColumns = 'adjudicated_claims, adjudicated_amount, denied_claims, disallowed_amount';
  const breakdownSums =
    'sum(adjudicated_claims)::bigint AS adjudicated_claims, sum(adjudicated_amount)::bigint AS adjudicated_amount, sum(denied_claims)::bigint AS denied_claims, sum(disallowed_amount)::bigint AS disallowed_amount';
  type BreakdownRow = { adjudicated_claims: number; adjudicated_amount: number; denied_claims: number; disallowed_amount: number };
  const breakdown = (row: BreakdownRow) => ({
    adjudicatedClaims: row.adjudicated_claims,
    adjudicatedAmount: row.adjudicated_amount,
    deniedClaims: row.denied_claims,
    disallowedAmount: row.disallowed_amount,
    denialRateByCount: ratio(row.denied_claims, row.adjudicated_claims),
    denialRateByAmount: ratio(row.disallowed_amount, row.adjudicated_amount),
  });
  const packages = new Conditions(selection);
  const packageRows = await sql.query<BreakdownRow & { package_code: string; specialty: string }>(
    `WITH rows AS (
       SELECT package_code, ${breakdownColumns} FROM kpi_month WHERE ${packages.facts({ package: 'each' })} AND ${inPeriod(packages)}
       UNION ALL
       SELECT package_code, ${breakdownColumns} FROM kpi_month_deltas WHERE ${packages.deltas()} AND ${inPeriod(packages)})
     SELECT r.package_code, p.specialty, ${breakdownSums.replace(/sum\(/g, 'sum(r.')}
       FROM rows r JOIN packages p ON p.code = r.package_code
      GROUP BY r.package_code, p.specialty HAVING sum(r.adjudicated_claims) <> 0 ORDER BY sum(r.disallowed_amount) DESC, r.package_code`,
    packages.params,
  );
  const specialties = new Map<string, BreakdownRow>();
  for (const row of packageRows) {
    const into = specialties.get(row.specialty) ?? { adjudicated_claims: 0, adjudicated_amount: 0, denied_claims: 0, disallowed_amount: 0 };
    into.adjudicated_claims += row.adjudicated_claims;
    into.adjudicated_amount += row.adjudicated_amount;
    into.denied_claims += row.denied_claims;
    into.disallowed_amount += row.disallowed_amount;
    specialties.set(row.specialty, into);
  }
  const hospitals = new Conditions(selection);
  const hospitalRows = await sql.query<BreakdownRow & { code: string; name: string; district: string }>(
    `WITH rows AS (
       SELECT hospital_id, ${breakdownColumns} FROM kpi_month WHERE ${hospitals.facts({ hospital: 'each' })} AND ${inPeriod(hospitals)}
       UNION ALL
       SELECT hospital_id, ${breakdownColumns} FROM kpi_month_deltas WHERE ${hospitals.deltas()} AND ${inPeriod(hospitals)})
     SELECT h.code, h.name, h.district, ${breakdownSums.replace(/sum\(/g, 'sum(r.')}
       FROM rows r JOIN hospitals h ON h.id = r.hospital_id
      GROUP BY h.code, h.name, h.district HAVING sum(r.adjudicated_claims) <> 0 ORDER BY sum(r.disallowed_amount) DESC, h.code`,
    hospitals.params,
  );
  const [scheme] = await sql.query<{ currency: string; minor_per_unit: number }>('SELECT currency, minor_per_unit FROM schemes WHERE is_current');

  return {
    perspective: selection.perspective,
    filters: selection.applied,
    asOf: end.asOf,
    currency: scheme!.currency,
    minorPerUnit: scheme!.minor_per_unit,
    period: measuresOf(period, open, periodDays),
    months,
    aging: {
      asOfDate: end.asOfDate,
      buckets,
      total: agingTotal,
      claims: buckets.reduce((sum, b) => sum + b.claims, 0),
      over90Share: ratio(over90, agingTotal),
    },
    denials: {
      byReason: reasonRows.map((row) => ({ reasonCode: row.reason_code, lines: row.lines, amount: row.amount, share: ratio(row.amount, reasonTotal) })),
      byPackage: packageRows.map((row) => ({ package: row.package_code, specialty: row.specialty, ...breakdown(row) })),
      bySpecialty: [...specialties.entries()]
        .sort(([a, x], [b, y]) => y.disallowed_amount - x.disallowed_amount || a.localeCompare(b))
        .map(([specialty, row]) => ({ specialty, ...breakdown(row) })),
      byHospital: hospitalRows.map((row) => ({ hospital: row.code, hospitalName: row.name, district: row.district, ...breakdown(row) })),
    },
    computedAt: new Date().toISOString(),
  };
}
