import { describe, expect, it } from 'vitest';
import {
  agingTable,
  denialReasonTable,
  monthStartInstant,
  trendTable,
  turnaroundDistributionTable,
  turnaroundTable,
  type KpiMonthFigures,
} from '@domain/kpi-tables';
import { turnaroundBucketOf } from '@domain/turnaround';
import {
  agingBars,
  agingTarget,
  drillExportPath,
  drillPath,
  exportPath,
  monthlyReportPath,
  formatCell,
  formatRate,
  monthLabel,
  monthsBefore,
  monthTarget,
  noFilters,
  paretoBars,
  reasonTarget,
  trendSeries,
  turnaroundBars,
  turnaroundDistributionBars,
  turnaroundDistributionRows,
  turnaroundDrillPath,
  turnaroundPath,
  turnaroundTarget,
} from './kpi-dashboard-data';

const money = { currency: 'INR', locale: 'en-IN', minorPerUnit: 100 };

const month = (
  over: Partial<{
    month: string;
    charges: number;
    claims: number;
    paid: number;
    open: number;
    clean: number | null;
    denied: number | null;
    patient: number | null;
  }>,
): KpiMonthFigures => ({
  month: over.month ?? '2026-03',
  charges: { claims: over.claims ?? 0, amount: over.charges ?? 0 },
  openReceivables: over.open ?? 0,
  daysInAccountsReceivable: null,
  collections: { paidClaims: 0, paidAmount: over.paid ?? 0, grossCollectionRate: null, netCollectionRate: null },
  adjudication: {
    claims: 0,
    deniedClaims: 0,
    disallowedAmount: 0,
    cleanClaimRate: over.clean ?? null,
    denialRateByCount: over.denied ?? null,
    denialRateByAmount: null,
    reworkRate: null,
  },
  patient: { charged: 0, settled: 0, collectionRate: over.patient ?? null },
});

describe('KPI dashboard data shaping', () => {
  it('filters become the server query: only what is chosen, the drill-down point and page, the export table and format', () => {
    const filters = { ...noFilters, from: '2026-01', to: '2026-03', hospital: 'HSP-A', specialty: 'General Medicine' };
    expect(drillPath(filters, agingTarget('91-120', '2026-03-31'), 25, 25)).toBe(
      '/reports/kpis/claims?from=2026-01&to=2026-03&hospital=HSP-A&specialty=General+Medicine&set=open&bucket=91-120&limit=25&offset=25',
    );
    expect(drillPath(noFilters, reasonTarget('not-covered'), 0, 25)).toBe('/reports/kpis/claims?set=disallowed&reason=not-covered&limit=25&offset=0');
    expect(drillPath(noFilters, monthTarget('denied', '2026-02', 'en-IN'), 0, 10)).toBe('/reports/kpis/claims?set=denied&month=2026-02&limit=10&offset=0');
    expect(exportPath({ ...noFilters, package: 'SB001A' }, 'aging', 'xlsx')).toBe('/reports/kpis/export?package=SB001A&table=aging&format=xlsx');
  });

  it('each mark says which claims it stands for', () => {
    expect(monthTarget('submitted', '2026-03', 'en-IN').label).toBe('Claims submitted in March 2026');
    expect(agingTarget('>120', '2026-03-31').label).toBe('Claims open over 120 days on 2026-03-31');
    expect(agingTarget('0-30', '2026-03-31').label).toBe('Claims open 0–30 days on 2026-03-31');
    expect(reasonTarget('tariff-exceeded').label).toBe('Claims with lines disallowed as “Above the package tariff”');
  });

  it('trend series: currency units, rates in per cent, a month with no denominator a gap (null), never 0', () => {
    const series = trendSeries(
      [month({ month: '2026-02' }), month({ charges: 1_250_000, claims: 5, paid: 660_000, open: 350_000, clean: 1 / 3, denied: 0.25 })],
      100,
      'en-IN',
    );
    expect(series[0]).toMatchObject({ month: '2026-02', charges: 0, cleanClaimRate: null, denialRate: null, patientCollectionRate: null });
    expect(series[1]).toMatchObject({ charges: 12_500, paid: 6_600, open: 3_500, submittedClaims: 5, cleanClaimRate: 33.3, denialRate: 25 });
    expect(series[1]!.label).toBe(monthLabel('2026-03', 'en-IN'));
  });

  it('aging bars: every bucket, the ones over 90 days marked; the table beside them adds the share', () => {
    const aging = {
      buckets: [
        { bucket: '0-30', amount: 250_000, claims: 2 },
        { bucket: '31-60', amount: 0, claims: 0 },
        { bucket: '61-90', amount: 0, claims: 0 },
        { bucket: '91-120', amount: 150_000, claims: 1 },
        { bucket: '>120', amount: 100_000, claims: 1 },
      ] as const,
      total: 500_000,
    };
    expect(agingBars(aging, 100).map((bar) => [bar.label, bar.amount, bar.isOverNinety])).toEqual([
      ['0–30 days', 2_500, false],
      ['31–60 days', 0, false],
      ['61–90 days', 0, false],
      ['91–120 days', 1_500, true],
      ['Over 120 days', 1_000, true],
    ]);
    expect(agingTable(aging).rows.map((row) => row[3])).toEqual([0.5, 0, 0, 0.3, 0.2]);
    // Nothing open: the shares are not available rather than 0 %.
    expect(agingTable({ buckets: [], total: 0 }).rows[0]).toEqual(['0–30 days', 0, 0, null]);
  });

  it('the denial Pareto: largest amount first, the running share reaching 100 %, the same order as its table', () => {
    const denials = {
      byReason: [
        { reasonCode: 'tariff-exceeded', lines: 1, amount: 40_000, share: 40_000 / 240_000 },
        { reasonCode: 'not-covered', lines: 1, amount: 150_000, share: 150_000 / 240_000 },
        { reasonCode: 'insufficient-documents', lines: 2, amount: 50_000, share: 50_000 / 240_000 },
      ] as const,
    };
    expect(paretoBars(denials, 100).map((bar) => [bar.reason, bar.amount, bar.cumulative])).toEqual([
      ['not-covered', 1_500, 62.5],
      ['insufficient-documents', 500, 83.3],
      ['tariff-exceeded', 400, 100],
    ]);
    expect(denialReasonTable(denials).rows.map((row) => row[0])).toEqual([
      'Not covered by the scheme',
      'Supporting documents missing',
      'Above the package tariff',
    ]);
  });

  it('turnaround: each stage against its own service level, per cent; stages with nothing completed left out of the chart, kept in the table', () => {
    const report = {
      stages: [
        {
          stage: 'preauth-decision',
          ownerRole: 'PPD',
          serviceLevelMinutes: 360,
          completed: 10,
          averageMinutes: 180,
          p90Minutes: 450,
          completedPastServiceLevel: 2,
          openNow: 1,
          openPastServiceLevel: 0,
        },
        {
          stage: 'committee',
          ownerRole: 'MC',
          serviceLevelMinutes: 1440,
          completed: 0,
          averageMinutes: null,
          p90Minutes: null,
          completedPastServiceLevel: 0,
          openNow: 0,
          openPastServiceLevel: 0,
        },
      ] as const,
    };
    expect(turnaroundBars(report)).toEqual([
      { stage: 'preauth-decision', label: 'Pre-auth decision', average: 50, p90: 125, completed: 10, withinServiceLevel: 80 },
    ]);
    const table = turnaroundTable(report);
    expect(table.rows).toHaveLength(2);
    expect(table.rows[1]).toEqual(['Medical Committee', 'MC', 1440, 0, null, null, 0, null, 0, 0]);
    expect(formatCell(table.rows[0]![5]!, 'minutes', money)).toBe('7 h 30 min');
  });

  it('turnaround distribution: each stage a 100 % bar by bucket, its table one row a (stage, bucket) with the stages behind it', () => {
    // The bounds: exactly half and exactly the service level are within; past it up to twice, then over twice.
    expect([180, 181, 360, 361, 720, 721].map((minutes) => turnaroundBucketOf(minutes, 360))).toEqual([
      'within-half',
      'within',
      'within',
      'past',
      'past',
      'past-double',
    ]);
    const report = {
      distribution: [
        {
          stage: 'preauth-decision' as const,
          completed: 4,
          buckets: [
            { bucket: 'within-half' as const, completed: 1 },
            { bucket: 'within' as const, completed: 2 },
            { bucket: 'past' as const, completed: 0 },
            { bucket: 'past-double' as const, completed: 1 },
          ],
        },
        { stage: 'committee' as const, completed: 0, buckets: [] },
      ],
    };
    expect(turnaroundDistributionBars(report)).toEqual([
      {
        stage: 'preauth-decision',
        label: 'Pre-auth decision',
        completed: 4,
        shares: { 'within-half': 25, within: 50, past: 0, 'past-double': 25 },
        counts: { 'within-half': 1, within: 2, past: 0, 'past-double': 1 },
      },
    ]);
    const table = turnaroundDistributionTable(report);
    expect(table.rows).toEqual([
      ['Pre-auth decision', 'Within half the service level', 1, 0.25],
      ['Pre-auth decision', 'Within the service level, over half', 2, 0.5],
      ['Pre-auth decision', 'Past it, up to twice the service level', 0, 0],
      ['Pre-auth decision', 'Over twice the service level', 1, 0.25],
    ]);
    const rows = turnaroundDistributionRows(report);
    expect(rows.map((row) => [row.target.bucket, row.completed])).toEqual([
      ['within-half', 1],
      ['within', 2],
      ['past', 0],
      ['past-double', 1],
    ]);
    const target = turnaroundTarget('preauth-decision', 'past-double');
    expect(target.label).toBe('Pre-auth decision stages completed over twice the service level');
    expect(turnaroundDrillPath({ from: '2026-01', hospital: 'HSP-A' }, '2026-03-31T18:30:00.000Z', 'Asia/Kolkata', target, 25, 25)).toBe(
      '/reports/turnaround/stages?from=2025-12-31T18%3A30%3A00.000Z&to=2026-03-31T18%3A30%3A00.000Z&hospital=HSP-A&stage=preauth-decision&bucket=past-double&limit=25&offset=25',
    );
  });

  it('downloads: the claims behind a mark without paging, the monthly PDF of a month for a hospital or the scheme', () => {
    const filters = { ...noFilters, from: '2026-01', to: '2026-03', hospital: 'HSP-A' };
    expect(drillExportPath(filters, { set: 'open', bucket: '0-30', label: '' }, 'xlsx')).toBe(
      '/reports/kpis/claims/export?from=2026-01&to=2026-03&hospital=HSP-A&set=open&bucket=0-30&format=xlsx',
    );
    expect(monthlyReportPath(filters, '2026-03')).toBe('/reports/kpis/monthly.pdf?month=2026-03&hospital=HSP-A');
    expect(monthlyReportPath({ ...filters, hospital: '' }, '2026-03')).toBe('/reports/kpis/monthly.pdf?month=2026-03');
  });

  it('a rate with no denominator reads "not available" on screen, never 0 (the patient collection rate before patient bills)', () => {
    const table = trendTable([month({})]);
    const patientRate = table.rows[0]!.at(-1)!;
    expect(patientRate).toBeNull();
    expect(formatCell(patientRate, 'rate', money)).toBe('not available');
    expect(formatRate(null, 'en-IN')).toBe('not available');
    expect(formatRate(0, 'en-IN')).toBe('0.0%');
    expect(formatCell(123_456_789, 'money', money)).toBe('₹12,34,567.89');
  });

  it("months: the period's start, and the turnaround report's instants in the scheme's time zone", () => {
    expect(monthsBefore('2026-03', 11)).toBe('2025-04');
    expect(monthsBefore('2026-01', 1)).toBe('2025-12');
    expect(monthStartInstant('2026-03', 'Asia/Kolkata')).toBe('2026-02-28T18:30:00.000Z');
    // A month starting in summer time (New York, April: UTC−4).
    expect(monthStartInstant('2026-04', 'America/New_York')).toBe('2026-04-01T04:00:00.000Z');
    expect(turnaroundPath({ from: '2026-01', hospital: 'HSP-A' }, '2026-03-31T18:30:00.000Z', 'Asia/Kolkata')).toBe(
      '/reports/turnaround?from=2025-12-31T18%3A30%3A00.000Z&to=2026-03-31T18%3A30%3A00.000Z&hospital=HSP-A',
    );
    // The dashboard's own request: no end, the server's now (its answer says which end it used).
    expect(turnaroundPath({ from: '2026-01', hospital: null }, null, 'Asia/Kolkata')).toBe('/reports/turnaround?from=2025-12-31T18%3A30%3A00.000Z');
  });
});
