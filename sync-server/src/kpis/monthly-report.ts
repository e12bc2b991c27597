import PDFDocument from 'pdfkit';
import type { KpiDashboardValue, KpiMonthlyReportQueryValue } from '@contract/kpis';
import type { TurnaroundReportValue } from '@contract/turnaround';
import {
  agingTable,
  denialReasonTable,
  formatMinutes,
  monthStartInstant,
  nextMonth,
  turnaroundTable,
  type KpiCell,
  type KpiColumnKind,
  type KpiTable,
} from '@domain/kpi-tables';
import { assertNever } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Database } from '../db/database';
import { turnaroundReport } from '../queries/turnaround';
import { formatAmount } from '../settlement/bill-pdf';
import { kpiDashboard } from './dashboard';

export interface KpiMonthlyReportFile {
  readonly fileName: string;
  readonly body: Buffer;
}

/** What the report is about, besides the figures: the scheme, the hospital if one, how to write numbers. */
export interface MonthlyReportHeading {
  readonly schemeName: string;
  readonly locale: string;
  readonly hospital: { readonly code: string; readonly name: string; readonly district: string } | null;
  /** False while the month runs: its figures are to the time of generation. */
  readonly isMonthOver: boolean;
}

/**
 * The printable monthly revenue-cycle report (issue 15, "Reports"): one month for the scheme, or for
 * one hospital (a hospital's desk operators: their own, and no other). Built from the same answers
 * as the dashboard and its exports (kpiDashboard for the month alone, turnaroundReport over the
 * month, the tables of domain/kpi-tables.ts), so the paper, the screen and the CSV cannot disagree;
 * the readers and the hospital scope are the dashboard's (selectionOf: another hospital is 403).
 * The same PDF stack as the patient bill (pdfkit, built-in Helvetica: amounts carry the currency
 * code because it has no rupee sign). Reads only.
 */
export async function kpiMonthlyReport(db: Database, principal: Principal, query: KpiMonthlyReportQueryValue): Promise<KpiMonthlyReportFile> {
  const dashboard = await kpiDashboard(db, principal, {
    from: query.month,
    to: query.month,
    ...(query.hospital === undefined ? {} : { hospital: query.hospital }),
  });
  const [scheme] = await db.query<{ name: string; locale: string; time_zone: string }>('SELECT name, locale, time_zone FROM schemes WHERE is_current');
  const code = dashboard.filters.hospital;
  const [hospital] =
    code === null ? [] : await db.query<{ code: string; name: string; district: string }>('SELECT code, name, district FROM hospitals WHERE code = $1', [code]);
  // The stages completed in the month: from its first instant to the next month's, or to now while it runs.
  const computedAt = new Date(dashboard.computedAt);
  const timeZone = scheme?.time_zone ?? 'UTC';
  const monthEnd = Date.parse(monthStartInstant(nextMonth(query.month), timeZone));
  const turnaround = await turnaroundReport(db, principal, {
    from: new Date(monthStartInstant(query.month, timeZone)),
    to: new Date(Math.min(monthEnd, computedAt.getTime())),
    asOf: computedAt,
    ...(code === null ? {} : { hospitalCode: code }),
  });
  const body = await renderMonthlyReportPdf(dashboard, turnaround, {
    schemeName: scheme?.name ?? 'The scheme',
    locale: scheme?.locale ?? 'en-IN',
    hospital: hospital ?? null,
    isMonthOver: computedAt.getTime() >= monthEnd,
  });
  return { fileName: `kpis-monthly-${query.month}${code === null ? '' : `-${code.replace(/[^A-Za-z0-9-]+/g, '_')}`}.pdf`, body };
}

const notAvailable = 'not available';

/** "2026-03" → "March 2026" (the scheme's calendar month, no time zone shift). */
function monthName(month: string, locale: string): string {
  const [year, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year!, m! - 1, 1)));
}

/** The rows of the headline table: each measure by its name in docs/kpis.md, its value, numerator and denominator. */
function headlineRows(
  dashboard: KpiDashboardValue,
  money: (minor: number) => string,
  rate: (value: number | null) => string,
  count: (n: number) => string,
  decimal: (value: number) => string,
): string[][] {
  const { period, aging } = dashboard;
  const { collections, adjudication, patient } = period;
  const over90 = aging.buckets.filter((b) => b.bucket === '91-120' || b.bucket === '>120').reduce((sum, b) => sum + b.amount, 0);
  const days = period.daysInAccountsReceivable === null ? notAvailable : decimal(period.daysInAccountsReceivable);
  const claims = (n: number) => `${count(n)} ${n === 1 ? 'claim' : 'claims'}`;
  const adjudicated = `${claims(adjudication.claims)} adjudicated`;
  return [
    ['Charges', money(period.charges.amount), `${claims(period.charges.claims)} submitted`, '-'],
    ['Paid in the month', money(collections.paidAmount), `${claims(collections.paidClaims)} paid`, '-'],
    ['Open receivables', money(period.openReceivables), `${claims(aging.claims)} open on ${aging.asOfDate}`, '-'],
    ['Days in A/R', days, money(period.openReceivables), `${money(period.charges.amount)} over ${period.days} days`],
    ['Share over 90 days', rate(aging.over90Share), money(over90), money(aging.total)],
    ['Gross collection rate', rate(collections.grossCollectionRate), money(collections.cohortPaidAmount), money(period.charges.amount)],
    [
      'Net collection rate',
      rate(collections.netCollectionRate),
      money(collections.cohortPaidAmount),
      money(period.charges.amount - collections.cohortContractualAmount),
    ],
    ['Clean-claim (first-pass) rate', rate(adjudication.cleanClaimRate), `${claims(adjudication.cleanClaims)} clean`, adjudicated],
    ['Denial rate, count', rate(adjudication.denialRateByCount), `${claims(adjudication.deniedClaims)} denied`, adjudicated],
    ['Denial rate, amount', rate(adjudication.denialRateByAmount), money(adjudication.disallowedAmount), money(adjudication.amount)],
    ['Rework rate', rate(adjudication.reworkRate), `${claims(adjudication.reworkedClaims)} reworked`, adjudicated],
    ['Patient collection rate', rate(patient.collectionRate), money(patient.settled), money(patient.charged)],
  ];
}

/** The report as an A4 PDF: pure over the answers (tests render it from literals too). */
export function renderMonthlyReportPdf(dashboard: KpiDashboardValue, turnaround: TurnaroundReportValue, heading: MonthlyReportHeading): Promise<Buffer> {
  const month = dashboard.filters.to;
  const title = `Revenue-cycle report, ${monthName(month, heading.locale)}`;
  const subject =
    heading.hospital === null
      ? `${heading.schemeName} - all hospitals`
      : `Hospital ${heading.hospital.code} - ${heading.hospital.name}, ${heading.hospital.district}`;
  // bufferPages: the page numbers ("Page 1 of 3") are written once every page exists.
  const doc = new PDFDocument({
    size: 'A4',
    margin: 40,
    bufferPages: true,
    info: { Title: `${title} - ${subject}`, Author: heading.schemeName },
    compress: true,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const money = (minor: number) => formatAmount({ currency: dashboard.currency, locale: heading.locale, minorPerUnit: dashboard.minorPerUnit }, minor);
  const percent = new Intl.NumberFormat(heading.locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const rate = (value: number | null) => (value === null ? notAvailable : percent.format(value));
  const counted = new Intl.NumberFormat(heading.locale);
  const count = (n: number) => counted.format(n);
  const tenths = new Intl.NumberFormat(heading.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const decimal = (n: number) => tenths.format(n);
  const cell = (value: KpiCell, kind: KpiColumnKind): string => {
    if (value === null) return notAvailable;
    if (typeof value === 'string') return value;
    switch (kind) {
      case 'money':
        return money(value);
      case 'rate':
        return rate(value);
      case 'days':
        return decimal(value);
      case 'minutes':
        return formatMinutes(value);
      case 'text':
      case 'count':
        return count(value);
      default:
        return assertNever(kind);
    }
  };

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const footerSpace = 24;
  /** A table: the first column wider, text left, figures right; the header repeated on a new page. */
  const table = (columns: readonly { label: string; isText: boolean }[], rows: readonly (readonly string[])[], fontSize = 9) => {
    const weights = columns.map((c, i) => (i === 0 ? 2.4 : c.isText ? 1.3 : 1));
    const total = weights.reduce((sum, w) => sum + w, 0);
    let x = left;
    const placed = columns.map((c, i) => {
      const w = (width * weights[i]!) / total;
      const at = { x, width: w, align: c.isText ? ('left' as const) : ('right' as const) };
      x += w;
      return at;
    });
    const line = (cells: readonly string[], isBold: boolean) => {
      doc.font(isBold ? 'Helvetica-Bold' : 'Helvetica').fontSize(fontSize);
      const height = Math.max(...cells.map((text, i) => doc.heightOfString(text, { width: placed[i]!.width - 4 })));
      if (doc.y + height + 4 > doc.page.height - doc.page.margins.bottom - footerSpace) {
        doc.addPage();
        if (!isBold)
          line(
            columns.map((c) => c.label),
            true,
          );
        doc.font(isBold ? 'Helvetica-Bold' : 'Helvetica').fontSize(fontSize);
      }
      const y = doc.y;
      cells.forEach((text, i) => doc.text(text, placed[i]!.x, y, { width: placed[i]!.width - 4, align: placed[i]!.align }));
      doc.x = left;
      doc.y = y + height + 3;
      if (isBold) {
        doc
          .moveTo(left, doc.y - 1)
          .lineTo(left + width, doc.y - 1)
          .lineWidth(0.5)
          .strokeColor('#888888')
          .stroke();
        doc.y += 2;
      }
    };
    line(
      columns.map((c) => c.label),
      true,
    );
    for (const row of rows) line(row, false);
  };
  const section = (name: string, note?: string) => {
    if (doc.y + 80 > doc.page.height - doc.page.margins.bottom - footerSpace) doc.addPage();
    doc.moveDown(0.8);
    doc.font('Helvetica-Bold').fontSize(12).fillColor('#000000').text(name, left, doc.y, { width });
    if (note) doc.font('Helvetica').fontSize(8.5).fillColor('#444444').text(note, left, doc.y, { width }).fillColor('#000000');
    doc.moveDown(0.3);
  };
  const kpiTable = (kpi: KpiTable, empty: string) => {
    if (kpi.rows.length === 0) {
      doc.font('Helvetica').fontSize(9).text(empty, left, doc.y, { width });
      return;
    }
    table(
      kpi.columns.map((c) => ({ label: c.label, isText: c.kind === 'text' })),
      kpi.rows.map((row) => row.map((value, i) => cell(value, kpi.columns[i]!.kind))),
      kpi.columns.length > 6 ? 7.5 : 9,
    );
  };

  doc.font('Helvetica-Bold').fontSize(16).text(title, left, doc.y, { width });
  doc.font('Helvetica-Bold').fontSize(11).text(subject, left, doc.y, { width });
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor('#444444')
    .text(
      `${heading.hospital === null ? "The scheme's perspective: every hospital." : "The hospital's own report."} Amounts in ${dashboard.currency}; rates with nothing to count are "not available", never 0. Open receivables and aging as of ${dashboard.aging.asOfDate}${heading.isMonthOver ? '' : ' (the month is not over)'}. Definitions: CoverDesk docs/kpis.md.`,
      left,
      doc.y,
      { width },
    )
    .fillColor('#000000');

  section('Headline measures', 'Each measure by its name in the definitions, for the month, with what it is counted from.');
  table(
    [
      { label: 'Measure', isText: true },
      { label: 'Value', isText: false },
      { label: 'Numerator', isText: false },
      { label: 'Denominator', isText: false },
    ],
    headlineRows(dashboard, money, rate, count, decimal),
  );

  section('A/R aging', `Open receivables on ${dashboard.aging.asOfDate} by whole days since the claim was submitted.`);
  kpiTable(agingTable(dashboard.aging), 'Nothing is open.');

  section('Denials by reason (Pareto)', 'Lines CPD disallowed in the month by reason code, largest amount first, with the running share.');
  kpiTable(denialReasonTable(dashboard.denials), 'Nothing was disallowed in the month.');

  section(
    'Turnaround per stage against its service level',
    'Stages completed in the month (their average and 90th percentile, and how many took longer than the service level); open stages as of the time this report was generated.',
  );
  kpiTable(turnaroundTable(turnaround), 'No stage has a service level.');

  section(
    'Patient collection',
    'The patient part of the cases admitted in the month, and what is settled of it (paid less refunded, plus what secondary payers took on).',
  );
  const { patient } = dashboard.period;
  table(
    [
      { label: 'Cases admitted in the month', isText: true },
      { label: 'Patient charges', isText: false },
      { label: 'Settled', isText: false },
      { label: 'Outstanding', isText: false },
      { label: 'Patient collection rate', isText: false },
    ],
    [['All', money(patient.charged), money(patient.settled), money(patient.charged - patient.settled), rate(patient.collectionRate)]],
  );

  // Every page: when it was generated and "Page i of n", below the bottom margin (so no new page).
  const generated = `Generated ${dashboard.computedAt.slice(0, 19).replace('T', ' ')} UTC`;
  const pages = doc.bufferedPageRange();
  for (let index = pages.start; index < pages.start + pages.count; index += 1) {
    doc.switchToPage(index);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - bottom + 8;
    doc.font('Helvetica').fontSize(8).fillColor('#444444');
    doc.text(`${title} - ${subject}. ${generated}.`, left, y, { width: width - 90, lineBreak: false });
    doc.text(`Page ${index - pages.start + 1} of ${pages.count}`, left + width - 90, y, { width: 90, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
