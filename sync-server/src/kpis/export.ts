import writeXlsxFile, { type Cell, type Row } from 'write-excel-file/node';
import type { DrillSet, KpiDashboardValue, KpiDrillExportQueryValue, KpiDrillDownValue, KpiExportQueryValue } from '@contract/kpis';
import {
  agingBucketLabels,
  agingTable,
  denialReasonTable,
  drillDownTable,
  reasonCodeLabels,
  denialsByHospitalTable,
  denialsByPackageTable,
  denialsBySpecialtyTable,
  monthStartInstant,
  trendTable,
  turnaroundTable,
  type KpiCell,
  type KpiColumn,
  type KpiTable,
  type KpiTableName,
} from '@domain/kpi-tables';
import { assertNever } from '@domain/outcomes';
import type { Database } from '../db/database';
import type { Principal } from '../auth/tokens';
import { turnaroundReport } from '../queries/turnaround';
import { kpiDashboard } from './dashboard';
import { kpiDrillDownAll } from './drill-down';

export interface KpiExportFile {
  readonly fileName: string;
  readonly contentType: string;
  readonly body: Buffer;
}

const notAvailable = 'not available';

/**
 * One table behind a dashboard chart as CSV or XLSX (issue 15, "Export"). Generated here rather
 * than in the console: the cells come from the same report answer and the same table definition
 * (domain/kpi-tables.ts) the screen shows, the readers and their hospital scope are the reports'
 * own, and the XLSX writer (write-excel-file, ~40 KB with fflate) stays out of the browser bundle.
 * Money is written in currency units, rates as percentages; a rate with no denominator reads
 * "not available", never 0. Turnaround takes the period and hospital; district, specialty and
 * package do not apply to it (a stage is not always a claim's).
 */
export async function kpiExport(db: Database, principal: Principal, query: KpiExportQueryValue): Promise<KpiExportFile> {
  const { table: name, format, ...filters } = query;
  const dashboard = await kpiDashboard(db, principal, filters);
  const table = await tableOf(db, principal, name, dashboard);
  const fileName = fileNameOf(['kpis', name], dashboard.filters, format);
  return fileOf(table, format, fileName, dashboard, aboutOf(table.title, dashboard, [['Computed at', dashboard.computedAt]], dashboard.currency));
}

type AppliedFilters = KpiDashboardValue['filters'];

function fileNameOf(parts: readonly (string | null)[], filters: AppliedFilters, format: 'csv' | 'xlsx'): string {
  return `${[...parts, filters.from, 'to', filters.to, filters.hospital, filters.district, filters.specialty, filters.package]
    .filter((part): part is string => part !== null)
    .join('-')
    .replace(/[^A-Za-z0-9-]+/g, '_')}.${format}`;
}

/** The About sheet: what the table is, its filters and as-of (the reader of a file sees no screen). */
function aboutOf(title: string, answer: { perspective: string; filters: AppliedFilters; asOf: string }, more: Row[], currency: string): Row[] {
  const { filters } = answer;
  return [
    [{ value: title, type: String, fontWeight: 'bold' }],
    ['Perspective', answer.perspective],
    ['Period', `${filters.from} to ${filters.to}`],
    ['Hospital', filters.hospital ?? 'all'],
    ['District', filters.district ?? 'all'],
    ['Specialty', filters.specialty ?? 'all'],
    ['Package', filters.package ?? 'all'],
    ['As of', answer.asOf],
    ...more,
    ['Currency', currency],
    ['Definitions', 'sync-server/docs/kpis.md'],
  ];
}

async function fileOf(
  table: KpiTable<string>,
  format: 'csv' | 'xlsx',
  fileName: string,
  money: { readonly currency: string; readonly minorPerUnit: number },
  about: Row[],
): Promise<KpiExportFile> {
  switch (format) {
    case 'csv':
      return { fileName, contentType: 'text/csv; charset=utf-8', body: Buffer.from(toCsv(table, money), 'utf8') };
    case 'xlsx':
      return { fileName, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', body: await toXlsx(table, money, about) };
    default:
      return assertNever(format);
  }
}

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

/** What the claims are, in words: "Claims submitted in 2026-03", "Claims open 0–30 days on 2026-12-07". */
function drillTitle(drill: KpiDrillDownValue): string {
  const what = drillSetPhrases[drill.set];
  if (drill.bucket !== null) return `${what} ${agingBucketLabels[drill.bucket].replace(/^Over/, 'over')} on ${drill.asOf.slice(0, 10)}`;
  const why = drill.reason === null ? '' : ` as "${reasonCodeLabels[drill.reason]}"`;
  if (drill.month !== null) return `${what}${why} in ${drill.month}`;
  if (drill.set === 'open') return `${what} at ${drill.asOf}`;
  return `${what}${why}, ${drill.filters.from} to ${drill.filters.to}`;
}

/**
 * Every claim behind a dashboard point as CSV or XLSX (GET /reports/kpis/claims/export): the
 * drill-down's set, point, filters and readers, all its pages (kpiDrillDownAll, at most
 * maxExportedClaims), written like the chart tables (money in currency units, the same CSV and XLSX
 * rules) so one reader reads both.
 */
export async function kpiDrillExport(db: Database, principal: Principal, query: KpiDrillExportQueryValue): Promise<KpiExportFile> {
  const { format, ...drillQuery } = query;
  const drill = await kpiDrillDownAll(db, principal, drillQuery);
  const [scheme] = await db.query<{ currency: string; minor_per_unit: number }>('SELECT currency, minor_per_unit FROM schemes WHERE is_current');
  const title = drillTitle(drill);
  const table = drillDownTable(title, drill.items);
  const fileName = fileNameOf(['kpis-claims', drill.set, drill.month, drill.bucket, drill.reason], drill.filters, format);
  const money = { currency: scheme?.currency ?? 'INR', minorPerUnit: scheme?.minor_per_unit ?? 100 };
  return fileOf(table, format, fileName, money, aboutOf(title, drill, [['Claims', String(drill.total)]], money.currency));
}

async function tableOf(db: Database, principal: Principal, name: KpiTableName, dashboard: KpiDashboardValue): Promise<KpiTable> {
  switch (name) {
    case 'trend':
      return trendTable(dashboard.months);
    case 'aging':
      return agingTable(dashboard.aging);
    case 'denial-reasons':
      return denialReasonTable(dashboard.denials);
    case 'denials-by-hospital':
      return denialsByHospitalTable(dashboard.denials);
    case 'denials-by-package':
      return denialsByPackageTable(dashboard.denials);
    case 'denials-by-specialty':
      return denialsBySpecialtyTable(dashboard.denials);
    case 'turnaround': {
      const [scheme] = await db.query<{ time_zone: string }>('SELECT time_zone FROM schemes WHERE is_current');
      const report = await turnaroundReport(db, principal, {
        from: new Date(monthStartInstant(dashboard.filters.from, scheme?.time_zone ?? 'UTC')),
        to: new Date(dashboard.asOf),
        asOf: new Date(dashboard.asOf),
        ...(dashboard.filters.hospital === null ? {} : { hospitalCode: dashboard.filters.hospital }),
      });
      return turnaroundTable(report);
    }
    default:
      return assertNever(name);
  }
}

function headerOf(column: KpiColumn, currency: string): string {
  switch (column.kind) {
    case 'money':
      return `${column.label} (${currency})`;
    case 'rate':
      return `${column.label} (%)`;
    case 'minutes':
      return `${column.label} (minutes)`;
    case 'days':
      return `${column.label} (days)`;
    case 'text':
    case 'count':
      return column.label;
    default:
      return assertNever(column.kind);
  }
}

const decimalsOf = (minorPerUnit: number): number => Math.max(0, Math.round(Math.log10(minorPerUnit)));

function csvText(cell: KpiCell, column: KpiColumn, minorPerUnit: number): string {
  if (cell === null) return notAvailable;
  if (typeof cell === 'string') return cell;
  switch (column.kind) {
    case 'money':
      return (cell / minorPerUnit).toFixed(decimalsOf(minorPerUnit));
    case 'rate':
      return (cell * 100).toFixed(1);
    case 'days':
      return cell.toFixed(1);
    case 'text':
    case 'count':
    case 'minutes':
      return String(cell);
    default:
      return assertNever(column.kind);
  }
}

/** RFC 4180: comma-separated, CRLF, quoted where a field holds a comma, quote or line break; a BOM so spreadsheets read UTF-8. */
function toCsv(table: KpiTable<string>, dashboard: { readonly currency: string; readonly minorPerUnit: number }): string {
  const quote = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = [table.columns.map((column) => quote(headerOf(column, dashboard.currency)))];
  for (const row of table.rows) lines.push(row.map((cell, i) => quote(csvText(cell, table.columns[i]!, dashboard.minorPerUnit))));
  return `\uFEFF${lines.map((line) => line.join(',')).join('\r\n')}\r\n`;
}

function xlsxCell(cell: KpiCell, column: KpiColumn, minorPerUnit: number): Cell {
  if (cell === null) return { value: notAvailable, type: String };
  if (typeof cell === 'string') return { value: cell, type: String };
  const decimals = decimalsOf(minorPerUnit);
  switch (column.kind) {
    case 'money':
      return { value: cell / minorPerUnit, type: Number, format: decimals === 0 ? '#,##0' : `#,##0.${'0'.repeat(decimals)}` };
    case 'rate':
      return { value: cell, type: Number, format: '0.0%' };
    case 'days':
      return { value: Math.round(cell * 10) / 10, type: Number, format: '0.0' };
    case 'text':
    case 'count':
    case 'minutes':
      return { value: cell, type: Number, format: '#,##0' };
    default:
      return assertNever(column.kind);
  }
}

/** The table on its own sheet (header row bold, frozen), and a second sheet saying what it is: filters, as-of, computed at. */
async function toXlsx(table: KpiTable<string>, dashboard: { readonly currency: string; readonly minorPerUnit: number }, about: Row[]): Promise<Buffer> {
  const header: Row = table.columns.map((column) => ({ value: headerOf(column, dashboard.currency), type: String, fontWeight: 'bold', wrap: true }));
  const rows: Row[] = [header, ...table.rows.map((row) => row.map((cell, i) => xlsxCell(cell, table.columns[i]!, dashboard.minorPerUnit)))];
  return writeXlsxFile([
    {
      data: rows,
      // A drill-down's title is long and says its point (on the About sheet); its sheet is "Claims".
      sheet: table.name === 'claims' ? 'Claims' : table.title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31),
      columns: table.columns.map((column) => ({ width: column.kind === 'text' ? 28 : 18 })),
      stickyRowsCount: 1,
    },
    { data: about, sheet: 'About', columns: [{ width: 16 }, { width: 40 }] },
  ]).toBuffer();
}
