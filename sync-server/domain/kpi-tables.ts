/**
 * The tables behind the KPI dashboard's charts (issue 15, "Screens" and "Export"): one definition
 * of each table's columns and rows, from the report answers (contract/kpis.ts, contract/turnaround.ts),
 * used by the console to show the table beside its chart and by the server to write it as CSV and
 * XLSX, so a download holds exactly the cells the screen shows. Pure: cells are raw values (money in
 * minor units, rates as fractions, null where a measure is not available), formatting is the reader's.
 *
 * The input shapes are the contract's answers, restated structurally here (domain/ imports nothing
 * outside itself); the answers' types are assignable to them, which the callers' compilers check.
 */
import { agingBuckets, type AgingBucket } from './kpis';
import type { ReasonCode } from './adjudication';
import { turnaroundBuckets, type TurnaroundBucket, type TurnaroundStage } from './turnaround';

type Rate = number | null;

export interface KpiMonthFigures {
  readonly month: string;
  readonly charges: { readonly claims: number; readonly amount: number };
  readonly openReceivables: number;
  readonly daysInAccountsReceivable: number | null;
  readonly collections: { readonly paidClaims: number; readonly paidAmount: number; readonly grossCollectionRate: Rate; readonly netCollectionRate: Rate };
  readonly adjudication: {
    readonly claims: number;
    readonly deniedClaims: number;
    readonly disallowedAmount: number;
    readonly cleanClaimRate: Rate;
    readonly denialRateByCount: Rate;
    readonly denialRateByAmount: Rate;
    readonly reworkRate: Rate;
  };
  readonly patient: { readonly charged: number; readonly settled: number; readonly collectionRate: Rate };
}

export interface KpiAgingFigures {
  readonly buckets: readonly { readonly bucket: AgingBucket; readonly amount: number; readonly claims: number }[];
  readonly total: number;
}

interface DenialFigures {
  readonly adjudicatedClaims: number;
  readonly adjudicatedAmount: number;
  readonly deniedClaims: number;
  readonly disallowedAmount: number;
  readonly denialRateByCount: Rate;
  readonly denialRateByAmount: Rate;
}

export interface KpiDenialFigures {
  readonly byReason: readonly { readonly reasonCode: ReasonCode; readonly lines: number; readonly amount: number; readonly share: Rate }[];
  readonly byPackage: readonly ({ readonly package: string; readonly specialty: string } & DenialFigures)[];
  readonly bySpecialty: readonly ({ readonly specialty: string } & DenialFigures)[];
  readonly byHospital: readonly ({ readonly hospital: string; readonly hospitalName: string; readonly district: string } & DenialFigures)[];
}

export interface KpiTurnaroundDistribution {
  readonly distribution: readonly {
    readonly stage: TurnaroundStage;
    readonly completed: number;
    readonly buckets: readonly { readonly bucket: TurnaroundBucket; readonly completed: number }[];
  }[];
}

export interface KpiTurnaroundFigures {
  readonly stages: readonly {
    readonly stage: TurnaroundStage;
    readonly ownerRole: string;
    readonly serviceLevelMinutes: number;
    readonly completed: number;
    readonly averageMinutes: number | null;
    readonly p90Minutes: number | null;
    readonly completedPastServiceLevel: number;
    readonly openNow: number;
    readonly openPastServiceLevel: number;
  }[];
}

export const kpiTableNames = ['trend', 'aging', 'denial-reasons', 'denials-by-hospital', 'denials-by-package', 'denials-by-specialty', 'turnaround'] as const;
export type KpiTableName = (typeof kpiTableNames)[number];

/** How a column's cells read: money in minor units, rates as fractions, minutes of turnaround. */
export type KpiColumnKind = 'text' | 'count' | 'money' | 'rate' | 'days' | 'minutes';
export type KpiCell = string | number | null;

export interface KpiColumn {
  readonly label: string;
  readonly kind: KpiColumnKind;
}

/** A table's name: one behind a chart (`KpiTableName`), or `claims`, the claims behind a point (drillDownTable). */
export interface KpiTable<Name extends string = KpiTableName> {
  readonly name: Name;
  readonly title: string;
  readonly columns: readonly KpiColumn[];
  readonly rows: readonly (readonly KpiCell[])[];
}

export const agingBucketLabels: Readonly<Record<AgingBucket, string>> = {
  '0-30': '0–30 days',
  '31-60': '31–60 days',
  '61-90': '61–90 days',
  '91-120': '91–120 days',
  '>120': 'Over 120 days',
};

/** The CPD reason codes in words (the same words the desk shows on a claim line). */
export const reasonCodeLabels: Readonly<Record<ReasonCode, string>> = {
  'not-medically-necessary': 'Not medically necessary',
  'tariff-exceeded': 'Above the package tariff',
  'not-covered': 'Not covered by the scheme',
  'duplicate-billing': 'Billed twice',
  'insufficient-documents': 'Supporting documents missing',
  'length-of-stay-excess': 'Stay longer than the package allows',
  other: 'Other',
};

export const turnaroundStageLabels: Readonly<Record<TurnaroundStage, string>> = {
  'preauth-decision': 'Pre-auth decision',
  committee: 'Medical Committee',
  'admin-approval': 'Admin approval',
  enhancement: 'Enhancement',
  'claim-processing': 'Claim processing (CEX)',
  'claim-verification': 'Claim verification (CPD)',
  payment: 'Payment',
};

const column = (label: string, kind: KpiColumnKind): KpiColumn => ({ label, kind });

export function trendTable(months: readonly KpiMonthFigures[]): KpiTable {
  return {
    name: 'trend',
    title: 'Revenue cycle by month',
    columns: [
      column('Month', 'text'),
      column('Claims submitted', 'count'),
      column('Charges', 'money'),
      column('Paid in the month', 'money'),
      column('Open receivables at month end', 'money'),
      column('Days in A/R', 'days'),
      column('Gross collection rate', 'rate'),
      column('Net collection rate', 'rate'),
      column('Claims adjudicated', 'count'),
      column('Clean-claim rate', 'rate'),
      column('Denial rate by count', 'rate'),
      column('Denial rate by amount', 'rate'),
      column('Rework rate', 'rate'),
      column('Patient charges', 'money'),
      column('Patient settled', 'money'),
      column('Patient collection rate', 'rate'),
    ],
    rows: months.map((m) => [
      m.month,
      m.charges.claims,
      m.charges.amount,
      m.collections.paidAmount,
      m.openReceivables,
      m.daysInAccountsReceivable,
      m.collections.grossCollectionRate,
      m.collections.netCollectionRate,
      m.adjudication.claims,
      m.adjudication.cleanClaimRate,
      m.adjudication.denialRateByCount,
      m.adjudication.denialRateByAmount,
      m.adjudication.reworkRate,
      m.patient.charged,
      m.patient.settled,
      m.patient.collectionRate,
    ]),
  };
}

export function agingTable(aging: KpiAgingFigures): KpiTable {
  return {
    name: 'aging',
    title: 'Open receivables by age (days since submission)',
    columns: [column('Age', 'text'), column('Claims', 'count'), column('Open amount', 'money'), column('Share of open receivables', 'rate')],
    rows: agingBuckets.map((bucket) => {
      const found = aging.buckets.find((b) => b.bucket === bucket);
      const amount = found?.amount ?? 0;
      return [agingBucketLabels[bucket], found?.claims ?? 0, amount, aging.total === 0 ? null : amount / aging.total];
    }),
  };
}

/** The denial Pareto: reasons by amount disallowed, largest first, with the running share. */
export function denialReasonTable(denials: Pick<KpiDenialFigures, 'byReason'>): KpiTable {
  const sorted = [...denials.byReason].sort((a, b) => b.amount - a.amount || a.reasonCode.localeCompare(b.reasonCode));
  const total = sorted.reduce((sum, row) => sum + row.amount, 0);
  let running = 0;
  return {
    name: 'denial-reasons',
    title: 'Disallowed by reason (Pareto)',
    columns: [
      column('Reason', 'text'),
      column('Lines', 'count'),
      column('Amount disallowed', 'money'),
      column('Share', 'rate'),
      column('Cumulative share', 'rate'),
    ],
    rows: sorted.map((row) => {
      running += row.amount;
      return [reasonCodeLabels[row.reasonCode], row.lines, row.amount, total === 0 ? null : row.amount / total, total === 0 ? null : running / total];
    }),
  };
}

const denialColumns = [
  column('Claims adjudicated', 'count'),
  column('Amount adjudicated', 'money'),
  column('Claims denied', 'count'),
  column('Amount disallowed', 'money'),
  column('Denial rate by count', 'rate'),
  column('Denial rate by amount', 'rate'),
];
const denialCells = (row: DenialFigures): KpiCell[] => [
  row.adjudicatedClaims,
  row.adjudicatedAmount,
  row.deniedClaims,
  row.disallowedAmount,
  row.denialRateByCount,
  row.denialRateByAmount,
];

export function denialsByHospitalTable(denials: Pick<KpiDenialFigures, 'byHospital'>): KpiTable {
  return {
    name: 'denials-by-hospital',
    title: 'Denials by hospital',
    columns: [column('Hospital', 'text'), column('Name', 'text'), column('District', 'text'), ...denialColumns],
    rows: denials.byHospital.map((row) => [row.hospital, row.hospitalName, row.district, ...denialCells(row)]),
  };
}

export function denialsByPackageTable(denials: Pick<KpiDenialFigures, 'byPackage'>): KpiTable {
  return {
    name: 'denials-by-package',
    title: 'Denials by package',
    columns: [column('Package', 'text'), column('Specialty', 'text'), ...denialColumns],
    rows: denials.byPackage.map((row) => [row.package, row.specialty, ...denialCells(row)]),
  };
}

export function denialsBySpecialtyTable(denials: Pick<KpiDenialFigures, 'bySpecialty'>): KpiTable {
  return {
    name: 'denials-by-specialty',
    title: 'Denials by specialty',
    columns: [column('Specialty', 'text'), ...denialColumns],
    rows: denials.bySpecialty.map((row) => [row.specialty, ...denialCells(row)]),
  };
}

export function turnaroundTable(report: KpiTurnaroundFigures): KpiTable {
  return {
    name: 'turnaround',
    title: 'Turnaround per stage against its service level',
    columns: [
      column('Stage', 'text'),
      column('Owner', 'text'),
      column('Service level', 'minutes'),
      column('Completed', 'count'),
      column('Average', 'minutes'),
      column('90th percentile', 'minutes'),
      column('Completed past service level', 'count'),
      column('Share within service level', 'rate'),
      column('Open now', 'count'),
      column('Open past service level', 'count'),
    ],
    rows: report.stages.map((s) => [
      turnaroundStageLabels[s.stage],
      s.ownerRole,
      s.serviceLevelMinutes,
      s.completed,
      s.averageMinutes === null ? null : Math.round(s.averageMinutes),
      s.p90Minutes === null ? null : Math.round(s.p90Minutes),
      s.completedPastServiceLevel,
      s.completed === 0 ? null : (s.completed - s.completedPastServiceLevel) / s.completed,
      s.openNow,
      s.openPastServiceLevel,
    ]),
  };
}

/** One claim of a drill-down (contract/kpis.ts KpiDrillDown items), restated structurally. */
export interface KpiDrillClaim {
  readonly claimId: string;
  readonly caseId: string;
  readonly hospital: string;
  readonly district: string;
  readonly package: string | null;
  readonly specialty: string | null;
  readonly status: string;
  readonly submittedAt: string;
  readonly verifiedAt: string | null;
  readonly paidAt: string | null;
  readonly payerAmount: number;
  readonly approvedAmount: number | null;
  readonly disallowedAmount: number;
  readonly openAmount: number;
  readonly ageDays: number;
  readonly reasonCodes: readonly ReasonCode[];
  readonly isReworked: boolean;
}

/**
 * The claims behind a dashboard point as a table (the drill-down's download): one row per claim,
 * its ids in full (a reader looks them up), times as ISO 8601 UTC, an event not yet reached empty,
 * an amount not yet approved "not available".
 */
export function drillDownTable(title: string, claims: readonly KpiDrillClaim[]): KpiTable<'claims'> {
  return {
    name: 'claims',
    title,
    columns: [
      column('Claim', 'text'),
      column('Case', 'text'),
      column('Hospital', 'text'),
      column('District', 'text'),
      column('Package', 'text'),
      column('Specialty', 'text'),
      column('Status', 'text'),
      column('Submitted at (UTC)', 'text'),
      column('Verified at (UTC)', 'text'),
      column('Paid at (UTC)', 'text'),
      column('Claimed', 'money'),
      column('Approved', 'money'),
      column('Disallowed', 'money'),
      column('Open', 'money'),
      column('Age (days)', 'count'),
      column('Reasons', 'text'),
      column('Reworked', 'text'),
    ],
    rows: claims.map((c) => [
      c.claimId,
      c.caseId,
      c.hospital,
      c.district,
      c.package ?? '',
      c.specialty ?? '',
      c.status,
      c.submittedAt,
      c.verifiedAt ?? '',
      c.paidAt ?? '',
      c.payerAmount,
      c.approvedAmount,
      c.disallowedAmount,
      c.openAmount,
      c.ageDays,
      c.reasonCodes.map((code) => reasonCodeLabels[code]).join('; '),
      c.isReworked ? 'yes' : 'no',
    ]),
  };
}

export const turnaroundBucketLabels: Readonly<Record<TurnaroundBucket, string>> = {
  'within-half': 'Within half the service level',
  within: 'Within the service level, over half',
  past: 'Past it, up to twice the service level',
  'past-double': 'Over twice the service level',
};

/**
 * The turnaround distribution: for each stage with something completed in the period, how many
 * took how long against its service level (turnaroundBuckets), and their share of the stage.
 * One row a (stage, bucket), so each row stands for the stages behind it (the drill-down).
 */
export function turnaroundDistributionTable(report: KpiTurnaroundDistribution): KpiTable<'turnaround-distribution'> {
  return {
    name: 'turnaround-distribution',
    title: 'Stages completed by time taken against the service level',
    columns: [column('Stage', 'text'), column('Time taken', 'text'), column('Completed', 'count'), column('Share of the stage', 'rate')],
    rows: report.distribution
      .filter((s) => s.completed > 0)
      .flatMap((s) =>
        turnaroundBuckets.map((bucket) => {
          const completed = s.buckets.find((b) => b.bucket === bucket)?.completed ?? 0;
          return [turnaroundStageLabels[s.stage], turnaroundBucketLabels[bucket], completed, completed / s.completed];
        }),
      ),
  };
}

/**
 * The instant a month (YYYY-MM) begins in a time zone, as an ISO string: the turnaround report
 * takes instants, the KPI dashboard months, and both must cover the same days. Two passes over the
 * zone's offset, so a month starting on a daylight-saving change still lands on local midnight.
 */
export function monthStartInstant(month: string, timeZone: string): string {
  const [year, m] = month.split('-').map(Number);
  const wall = Date.UTC(year!, m! - 1, 1);
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsetAt = (instant: number): number => {
    const parts = Object.fromEntries(formatter.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
    const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    return local - instant;
  };
  let instant = wall - offsetAt(wall);
  instant = wall - offsetAt(instant);
  return new Date(instant).toISOString();
}

/** The month after a YYYY-MM month. */
export function nextMonth(month: string): string {
  const [year, m] = month.split('-').map(Number);
  return m === 12 ? `${year! + 1}-01` : `${year}-${String(m! + 1).padStart(2, '0')}`;
}

/** A turnaround in minutes as a person reads it: "45 min", "5 h 20 min", "3 d 4 h" (the console's tables and the monthly PDF). */
export function formatMinutes(minutes: number): string {
  const total = Math.round(minutes);
  if (total < 60) return `${total} min`;
  if (total < 24 * 60) return `${Math.floor(total / 60)} h${total % 60 ? ` ${total % 60} min` : ''}`;
  const hours = Math.floor(total / 60);
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}
