/**
 * The KPI dashboard's data shaping (issue 15, "Screens"), pure: the filters as the server's query,
 * the reports' answers as chart series, the drill-down target of every mark, and a table cell as a
 * person reads it. The tables themselves come from @domain/kpi-tables, the definition the server's
 * CSV and XLSX exports use, so the screen and the download hold the same cells.
 */
import type { AgingBucket } from '@domain/kpis';
import type { ReasonCode } from '@domain/adjudication';
import { turnaroundBuckets, type TurnaroundBucket, type TurnaroundStage } from '@domain/turnaround';
import {
  agingBucketLabels,
  formatMinutes,
  monthStartInstant,
  reasonCodeLabels,
  turnaroundBucketLabels,
  turnaroundStageLabels,
  type KpiAgingFigures,
  type KpiCell,
  type KpiColumnKind,
  type KpiDenialFigures,
  type KpiMonthFigures,
  type KpiTurnaroundDistribution,
  type KpiTurnaroundFigures,
} from '@domain/kpi-tables';
import type { DrillSet } from '@contract/kpis';
import { formatMoney, type MoneyFormat } from '../../shared/money';
import { formatRate } from '../../shared/kpi-headlines';

/** The filters as the form holds them: '' is "all" (and the server's default period). */
export interface KpiFilterState {
  readonly from: string;
  readonly to: string;
  readonly hospital: string;
  readonly district: string;
  readonly specialty: string;
  readonly package: string;
}

export const noFilters: KpiFilterState = { from: '', to: '', hospital: '', district: '', specialty: '', package: '' };

const filterKeys = ['from', 'to', 'hospital', 'district', 'specialty', 'package'] as const;

/** The filters as a query string for /reports/kpis, /claims and /export: only what is chosen. */
export function filterParams(filters: KpiFilterState): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of filterKeys) if (filters[key] !== '') params.set(key, filters[key]);
  return params;
}

/** What a mark stands for: the drill-down's set and the point within it (docs/kpis.md, "Drill-down"). */
export interface DrillTarget {
  readonly set: DrillSet;
  readonly month?: string;
  readonly bucket?: AgingBucket;
  readonly reason?: ReasonCode;
  /** Said on the mark and over the claims list, e.g. "Claims submitted in March 2026". */
  readonly label: string;
}

function drillParams(filters: KpiFilterState, target: DrillTarget): URLSearchParams {
  const params = filterParams(filters);
  params.set('set', target.set);
  if (target.month) params.set('month', target.month);
  if (target.bucket) params.set('bucket', target.bucket);
  if (target.reason) params.set('reason', target.reason);
  return params;
}

export function drillPath(filters: KpiFilterState, target: DrillTarget, offset: number, limit: number): string {
  const params = drillParams(filters, target);
  params.set('limit', String(limit));
  params.set('offset', String(offset));
  return `/reports/kpis/claims?${params.toString()}`;
}

/** Every claim behind a mark as CSV or XLSX: the drill-down's own query, without paging. */
export function drillExportPath(filters: KpiFilterState, target: DrillTarget, format: 'csv' | 'xlsx'): string {
  const params = drillParams(filters, target);
  params.set('format', format);
  return `/reports/kpis/claims/export?${params.toString()}`;
}

export function exportPath(filters: KpiFilterState, table: string, format: 'csv' | 'xlsx'): string {
  const params = filterParams(filters);
  params.set('table', table);
  params.set('format', format);
  return `/reports/kpis/export?${params.toString()}`;
}

/**
 * The printable monthly report (GET /reports/kpis/monthly.pdf) of the period's last month, for the
 * chosen hospital or the whole scheme (a hospital reader: the server fills in its own). District,
 * specialty and package do not apply to it: the report is the scheme's or one hospital's.
 */
export function monthlyReportPath(filters: Pick<KpiFilterState, 'hospital'>, month: string): string {
  const params = new URLSearchParams({ month });
  if (filters.hospital !== '') params.set('hospital', filters.hospital);
  return `/reports/kpis/monthly.pdf?${params.toString()}`;
}

/**
 * The turnaround report's period for the dashboard's months: from the first instant of `from` in
 * the scheme's time zone to `asOf`, or with `asOf` null to the server's own now (no `to` sent: the
 * report answers with the end it used), and its hospital. District, specialty and package do not
 * apply to turnaround (a stage is not always a claim's).
 */
export function turnaroundPath(applied: { readonly from: string; readonly hospital: string | null }, asOf: string | null, timeZone: string): string {
  return `/reports/turnaround?${turnaroundParams(applied, asOf, timeZone).toString()}`;
}

function turnaroundParams(applied: { readonly from: string; readonly hospital: string | null }, asOf: string | null, timeZone: string): URLSearchParams {
  const params = new URLSearchParams({ from: monthStartInstant(applied.from, timeZone), ...(asOf === null ? {} : { to: asOf }) });
  if (applied.hospital !== null) params.set('hospital', applied.hospital);
  return params;
}

/** What a bar of the turnaround distribution stands for: one stage's completed clocks in one bucket. */
export interface TurnaroundDrillTarget {
  readonly kind: 'turnaround';
  readonly stage: TurnaroundStage;
  readonly bucket: TurnaroundBucket;
  readonly label: string;
}

/** Either drill-down of the dashboard: claims behind a money mark, or stages behind a turnaround bar. */
export type DashboardDrill = DrillTarget | TurnaroundDrillTarget;

export function isTurnaroundDrill(drill: DashboardDrill): drill is TurnaroundDrillTarget {
  return 'kind' in drill && drill.kind === 'turnaround';
}

export function turnaroundTarget(stage: TurnaroundStage, bucket: TurnaroundBucket): TurnaroundDrillTarget {
  const within = turnaroundBucketLabels[bucket].replace(/^./, (first) => first.toLowerCase());
  return { kind: 'turnaround', stage, bucket, label: `${turnaroundStageLabels[stage]} stages completed ${within}` };
}

/** The same period and hospital as the turnaround report, one stage and bucket, one page. */
export function turnaroundDrillPath(
  applied: { readonly from: string; readonly hospital: string | null },
  asOf: string,
  timeZone: string,
  target: TurnaroundDrillTarget,
  offset: number,
  limit: number,
): string {
  const params = turnaroundParams(applied, asOf, timeZone);
  params.set('stage', target.stage);
  params.set('bucket', target.bucket);
  params.set('limit', String(limit));
  params.set('offset', String(offset));
  return `/reports/turnaround/stages?${params.toString()}`;
}

export interface TurnaroundDistributionBar {
  readonly stage: TurnaroundStage;
  readonly label: string;
  readonly completed: number;
  /** Per bucket: the share of the stage's completed clocks, per cent (the bar's length), and the count. */
  readonly shares: Readonly<Record<TurnaroundBucket, number>>;
  readonly counts: Readonly<Record<TurnaroundBucket, number>>;
}

/** Stages with something completed, each a 100 % bar split by time taken against its service level. */
export function turnaroundDistributionBars(report: KpiTurnaroundDistribution): TurnaroundDistributionBar[] {
  return report.distribution
    .filter((s) => s.completed > 0)
    .map((s) => {
      const count = (bucket: TurnaroundBucket) => s.buckets.find((b) => b.bucket === bucket)?.completed ?? 0;
      const counts = Object.fromEntries(turnaroundBuckets.map((bucket) => [bucket, count(bucket)])) as Record<TurnaroundBucket, number>;
      const shares = Object.fromEntries(turnaroundBuckets.map((bucket) => [bucket, Math.round((count(bucket) / s.completed) * 1000) / 10])) as Record<
        TurnaroundBucket,
        number
      >;
      return { stage: s.stage, label: turnaroundStageLabels[s.stage], completed: s.completed, shares, counts };
    });
}

/** The rows of turnaroundDistributionTable as (stage, bucket) pairs, in its order, for the rows' drill buttons. */
export function turnaroundDistributionRows(report: KpiTurnaroundDistribution): { readonly target: TurnaroundDrillTarget; readonly completed: number }[] {
  return report.distribution
    .filter((s) => s.completed > 0)
    .flatMap((s) =>
      turnaroundBuckets.map((bucket) => ({ target: turnaroundTarget(s.stage, bucket), completed: s.buckets.find((b) => b.bucket === bucket)?.completed ?? 0 })),
    );
}

/** The month `count` months before a YYYY-MM month. */
export function monthsBefore(month: string, count: number): string {
  const [year, m] = month.split('-').map(Number);
  const index = year! * 12 + (m! - 1) - count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** "2026-03" → "Mar 2026" (the month as the scheme names it, no time zone shift). */
export function monthLabel(month: string, locale: string, style: 'short' | 'long' = 'short'): string {
  const [year, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { month: style, year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year!, m! - 1, 1)));
}

const percent = (rate: number | null): number | null => (rate === null ? null : Math.round(rate * 1000) / 10);
const units = (minor: number, minorPerUnit: number): number => minor / minorPerUnit;

export interface TrendPoint {
  readonly month: string;
  readonly label: string;
  /** Currency units (a chart's axis), not minor units. */
  readonly charges: number;
  readonly paid: number;
  readonly open: number;
  readonly submittedClaims: number;
  /** Per cent, or null where the month has no denominator (a gap in the line, never a 0). */
  readonly cleanClaimRate: number | null;
  readonly denialRate: number | null;
  readonly grossCollectionRate: number | null;
  readonly patientCollectionRate: number | null;
}

export function trendSeries(months: readonly KpiMonthFigures[], minorPerUnit: number, locale: string): TrendPoint[] {
  return months.map((m) => ({
    month: m.month,
    label: monthLabel(m.month, locale),
    charges: units(m.charges.amount, minorPerUnit),
    paid: units(m.collections.paidAmount, minorPerUnit),
    open: units(m.openReceivables, minorPerUnit),
    submittedClaims: m.charges.claims,
    cleanClaimRate: percent(m.adjudication.cleanClaimRate),
    denialRate: percent(m.adjudication.denialRateByCount),
    grossCollectionRate: percent(m.collections.grossCollectionRate),
    patientCollectionRate: percent(m.patient.collectionRate),
  }));
}

/** Which claims a trend series' point stands for. */
export const trendDrillSets = {
  charges: 'submitted',
  paid: 'paid',
  cleanClaimRate: 'clean',
  denialRate: 'denied',
  grossCollectionRate: 'submitted',
} as const satisfies Partial<Record<keyof TrendPoint, DrillSet>>;

const drillSetPhrases: Readonly<Record<DrillSet, string>> = {
  submitted: 'Claims submitted',
  adjudicated: 'Claims adjudicated',
  denied: 'Claims denied',
  disallowed: 'Claims with lines disallowed',
  clean: 'Clean claims',
  reworked: 'Reworked claims',
  paid: 'Claims paid',
  open: 'Claims open',
};

export function monthTarget(set: DrillSet, month: string, locale: string): DrillTarget {
  return { set, month, label: `${drillSetPhrases[set]} in ${monthLabel(month, locale, 'long')}` };
}

export interface AgingBar {
  readonly bucket: AgingBucket;
  readonly label: string;
  readonly amount: number;
  readonly claims: number;
  readonly isOverNinety: boolean;
}

export function agingBars(aging: KpiAgingFigures, minorPerUnit: number): AgingBar[] {
  return aging.buckets.map((b) => ({
    bucket: b.bucket,
    label: agingBucketLabels[b.bucket],
    amount: units(b.amount, minorPerUnit),
    claims: b.claims,
    isOverNinety: b.bucket === '91-120' || b.bucket === '>120',
  }));
}

export function agingTarget(bucket: AgingBucket, asOfDate: string): DrillTarget {
  return { set: 'open', bucket, label: `Claims open ${agingBucketLabels[bucket].replace(/^Over/, 'over')} on ${asOfDate}` };
}

export interface ParetoBar {
  readonly reason: ReasonCode;
  readonly label: string;
  readonly amount: number;
  readonly lines: number;
  /** Running share of everything disallowed, per cent (the Pareto line). */
  readonly cumulative: number;
}

/** Reasons by amount disallowed, largest first, with the running share: the few reasons that make most of the loss. */
export function paretoBars(denials: Pick<KpiDenialFigures, 'byReason'>, minorPerUnit: number): ParetoBar[] {
  const sorted = [...denials.byReason].sort((a, b) => b.amount - a.amount || a.reasonCode.localeCompare(b.reasonCode));
  const total = sorted.reduce((sum, r) => sum + r.amount, 0);
  let running = 0;
  return sorted.map((r) => {
    running += r.amount;
    return {
      reason: r.reasonCode,
      label: reasonCodeLabels[r.reasonCode],
      amount: units(r.amount, minorPerUnit),
      lines: r.lines,
      cumulative: total === 0 ? 0 : Math.round((running / total) * 1000) / 10,
    };
  });
}

export function reasonTarget(reason: ReasonCode): DrillTarget {
  return { set: 'disallowed', reason, label: `Claims with lines disallowed as “${reasonCodeLabels[reason]}”` };
}

export interface TurnaroundBar {
  readonly stage: TurnaroundStage;
  readonly label: string;
  /** Average and 90th percentile as a share of the stage's service level, per cent (100 = at the limit). */
  readonly average: number | null;
  readonly p90: number | null;
  readonly completed: number;
  readonly withinServiceLevel: number | null;
}

/**
 * Stages have service levels from 6 hours to 15 days, so each is drawn against its own: the
 * average and the 90th percentile as a per cent of the service level, a line at 100 %. Stages with
 * nothing completed in the period are left out of the chart (their table row says so).
 */
export function turnaroundBars(report: KpiTurnaroundFigures): TurnaroundBar[] {
  return report.stages
    .filter((s) => s.completed > 0)
    .map((s) => ({
      stage: s.stage,
      label: turnaroundStageLabels[s.stage],
      average: s.averageMinutes === null ? null : Math.round((s.averageMinutes / s.serviceLevelMinutes) * 1000) / 10,
      p90: s.p90Minutes === null ? null : Math.round((s.p90Minutes / s.serviceLevelMinutes) * 1000) / 10,
      completed: s.completed,
      withinServiceLevel: Math.round(((s.completed - s.completedPastServiceLevel) / s.completed) * 1000) / 10,
    }));
}

export { formatRate };

/** One table cell as the screen shows it; the CSV and XLSX carry the raw value in the same column. */
export function formatCell(cell: KpiCell, kind: KpiColumnKind, money: MoneyFormat): string {
  if (cell === null) return 'not available';
  if (typeof cell === 'string') return cell;
  switch (kind) {
    case 'money':
      return formatMoney(cell, money);
    case 'rate':
      return formatRate(cell, money.locale);
    case 'days':
      return new Intl.NumberFormat(money.locale, { maximumFractionDigits: 1 }).format(cell);
    case 'minutes':
      return formatMinutes(cell);
    case 'text':
    case 'count':
      return new Intl.NumberFormat(money.locale).format(cell);
  }
}

/** Compact money for an axis: "₹12.5L"-style grouping is the locale's; e.g. 1.2M, 350K. */
export function compactUnits(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}
