import writeXlsxFile, { type Cell, type Row } from 'write-excel-file/node';
import type { KpiDashboardValue, KpiExportQueryValue } from '@contract/kpis';
import {
  agingTable,
  denialReasonTable,
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
  const fileName = `${[
    'kpis',
    name,
    dashboard.filters.from,
    'to',
    dashboard.filters.to,
    dashboard.filters.hospital,
    dashboard.filters.district,
    dashboard.filters.specialty,
    dashboard.filters.package,
  ]
    .filter((part): part is string => part !== null)
    .join('-')
    .replace(/[^A-Za-z0-9-]+/g, '_')}.${format}`;
  switch (format) {
    case 'csv':
      return { fileName, contentType: 'text/csv; charset=utf-8', body: Buffer.from(toCsv(table, dashboard), 'utf8') };
    case 'xlsx':
      return { fileName, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', body: await toXlsx(table, dashboard) };
    default:
      return assertNever(format);
  }
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
function toCsv(table: KpiTable, dashboard: KpiDashboardValue): string {
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
async function toXlsx(table: KpiTable, dashboard: KpiDashboardValue): Promise<Buffer> {
  const header: Row = table.columns.map((column) => ({ value: headerOf(column, dashboard.currency), type: String, fontWeight: 'bold', wrap: true }));
  const rows: Row[] = [header, ...table.rows.map((row) => row.map((cell, i) => xlsxCell(cell, table.columns[i]!, dashboard.minorPerUnit)))];
  const { filters } = dashboard;
  const about: Row[] = [
    [{ value: table.title, type: String, fontWeight: 'bold' }],
    ['Perspective', dashboard.perspective],
    ['Period', `${filters.from} to ${filters.to}`],
    ['Hospital', filters.hospital ?? 'all'],
    ['District', filters.district ?? 'all'],
    ['Specialty', filters.specialty ?? 'all'],
    ['Package', filters.package ?? 'all'],
    ['As of', dashboard.asOf],
    ['Computed at', dashboard.computedAt],
    ['Currency', dashboard.currency],
    ['Definitions', 'sync-server/docs/kpis.md'],
  ];
  return writeXlsxFile([
    {
      data: rows,
      sheet: table.title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31),
      columns: table.columns.map((column) => ({ width: column.kind === 'text' ? 28 : 18 })),
      stickyRowsCount: 1,
    },
    { data: about, sheet: 'About', columns: [{ width: 16 }, { width: 40 }] },
  ]).toBuffer();
}
