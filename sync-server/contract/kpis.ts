/**
 * The revenue-cycle reports (issue 15): the KPI dashboard and the drill-down to the claims behind
 * any of its points. Definitions: sync-server/docs/kpis.md (formula, numerator, denominator,
 * period, source). Served by src/kpis/routes.ts (operators) and src/sync/routes.ts (a desk's
 * operator, online); the console dashboard reads these types, never casts an answer.
 *
 * Every rate is a fraction 0–1, or null when its denominator is empty ("not available", never 0).
 * Amounts are integer minor units. Months are YYYY-MM in the scheme's time zone.
 */
import { Type, type Static } from 'typebox';
import { closed, Count, Id, Minor, Nullable, Time } from './primitives';
import { reasonCodes } from '../domain/adjudication';
import { agingBuckets } from '../domain/kpis';
import { kpiTableNames } from '../domain/kpi-tables';

const monthPattern = '^[0-9]{4}-(0[1-9]|1[0-2])$';
export const Month = Type.String({ pattern: monthPattern, description: 'YYYY-MM, a month in the scheme time zone' });
const Rate = Nullable(Type.Number({ minimum: 0, description: 'A fraction 0–1; null when the denominator is empty (not available)' }));
const Amount = Type.Integer({ description: 'Minor currency units (may be negative for a correction)' });

/** The filters every report takes; all optional. A hospital's own operators always get their hospital. */
export const KpiFilters = Type.Object(
  {
    from: Type.Optional(Type.String({ pattern: monthPattern, description: 'First month (YYYY-MM); default: 11 months before `to`' })),
    to: Type.Optional(Type.String({ pattern: monthPattern, description: 'Last month (YYYY-MM); default: the current month' })),
    hospital: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,39}$', description: 'Hospital code, e.g. HSP-A' })),
    district: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    specialty: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    package: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{1,20}$', description: 'Package code, e.g. MC001A' })),
  },
  closed,
);
export type KpiFiltersValue = Static<typeof KpiFilters>;

/** The filters as applied: defaults filled in, a hospital perspective's hospital named. */
const AppliedFilters = Type.Object(
  {
    from: Month,
    to: Month,
    hospital: Nullable(Type.String()),
    district: Nullable(Type.String()),
    specialty: Nullable(Type.String()),
    package: Nullable(Type.String()),
  },
  closed,
);

/** The measures of one month, or of the whole period. */
const Measures = Type.Object(
  {
    /** Days the figures cover (a current month counts up to today). */
    days: Count,
    charges: Type.Object(
      { claims: Type.Integer(), amount: Amount },
      { ...closed, description: 'Claims submitted in the period and their payer amount (what the scheme is asked to pay)' },
    ),
    /** Open receivables with the scheme at the end of the period (or now): claimed, not disallowed, not paid. */
    openReceivables: Amount,
    daysInAccountsReceivable: Rate,
    collections: Type.Object(
      {
        /** Paid in the period (cash basis): what payments in the period approved. */
        paidClaims: Type.Integer(),
        paidAmount: Amount,
        /** Of the claims submitted in the period: paid so far, and cut by package rates (tariff-exceeded). */
        cohortPaidAmount: Amount,
        cohortContractualAmount: Amount,
        grossCollectionRate: Rate,
        netCollectionRate: Rate,
      },
      closed,
    ),
    adjudication: Type.Object(
      {
        /** Claims CPD verified in the period, and their payer amount. */
        claims: Type.Integer(),
        amount: Amount,
        deniedClaims: Type.Integer(),
        disallowedAmount: Amount,
        contractualAmount: Amount,
        cleanClaims: Type.Integer(),
        reworkedClaims: Type.Integer(),
        cleanClaimRate: Rate,
        denialRateByCount: Rate,
        denialRateByAmount: Rate,
        reworkRate: Rate,
      },
      closed,
    ),
    patient: Type.Object(
      {
        /** The patient's part of the cases admitted in the period, and what is settled of it (paid − refunded + sent to a secondary payer and not rejected). */
        charged: Amount,
        settled: Amount,
        collectionRate: Rate,
      },
      closed,
    ),
  },
  closed,
);
export type KpiMeasuresValue = Static<typeof Measures>;

/** Denials of one package, specialty or hospital in the period. */
const DenialBreakdown = {
  adjudicatedClaims: Type.Integer(),
  adjudicatedAmount: Amount,
  deniedClaims: Type.Integer(),
  disallowedAmount: Amount,
  denialRateByCount: Rate,
  denialRateByAmount: Rate,
};

export const KpiDashboard = Type.Object(
  {
    perspective: Type.Enum(['scheme', 'hospital']),
    filters: AppliedFilters,
    /** The instant the period-end figures (open receivables, aging) are as of: the end of `to`, or now. */
    asOf: Time,
    currency: Type.String(),
    minorPerUnit: Type.Integer({ minimum: 1 }),
    period: Measures,
    months: Type.Array(Type.Object({ month: Month, ...Measures.properties }, closed), { description: 'One per month from `from` to `to`' }),
    aging: Type.Object(
      {
        /** The local date ages are counted to (whole days since the claim's submission date). */
        asOfDate: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' }),
        buckets: Type.Array(Type.Object({ bucket: Type.Enum([...agingBuckets]), amount: Amount, claims: Type.Integer() }, closed)),
        total: Amount,
        claims: Type.Integer(),
        over90Share: Rate,
      },
      closed,
    ),
    denials: Type.Object(
      {
        byReason: Type.Array(Type.Object({ reasonCode: Type.Enum([...reasonCodes]), lines: Type.Integer(), amount: Amount, share: Rate }, closed), {
          description: 'Lines CPD disallowed in the period by reason code, largest amount first (the Pareto)',
        }),
        byPackage: Type.Array(Type.Object({ package: Type.String(), specialty: Type.String(), ...DenialBreakdown }, closed)),
        bySpecialty: Type.Array(Type.Object({ specialty: Type.String(), ...DenialBreakdown }, closed)),
        byHospital: Type.Array(Type.Object({ hospital: Type.String(), hospitalName: Type.String(), district: Type.String(), ...DenialBreakdown }, closed)),
      },
      closed,
    ),
    computedAt: Time,
  },
  closed,
);
export type KpiDashboardValue = Static<typeof KpiDashboard>;

/** Which claims a dashboard point stands for (docs/kpis.md, "Drill-down"). */
export const drillSets = ['submitted', 'adjudicated', 'denied', 'disallowed', 'clean', 'reworked', 'paid', 'open'] as const;
export type DrillSet = (typeof drillSets)[number];

export const KpiDrillQuery = Type.Object(
  {
    ...KpiFilters.properties,
    set: Type.Enum([...drillSets]),
    /** One month of the period (a trend point); default the whole period. */
    month: Type.Optional(Type.String({ pattern: monthPattern })),
    /** With set=open: one aging bucket (open at the period's end). */
    bucket: Type.Optional(Type.Enum([...agingBuckets])),
    /** With set=disallowed: lines disallowed for this reason. */
    reason: Type.Optional(Type.Enum([...reasonCodes])),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1–500, default 50' })),
    offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$', description: 'Claims to skip, default 0' })),
  },
  closed,
);
export type KpiDrillQueryValue = Static<typeof KpiDrillQuery>;

export const KpiDrillDown = Type.Object(
  {
    perspective: Type.Enum(['scheme', 'hospital']),
    filters: AppliedFilters,
    set: Type.Enum([...drillSets]),
    month: Nullable(Month),
    bucket: Nullable(Type.Enum([...agingBuckets])),
    reason: Nullable(Type.Enum([...reasonCodes])),
    asOf: Time,
    /** Claims in the set (all pages), and this page. */
    total: Count,
    offset: Count,
    limit: Count,
    items: Type.Array(
      Type.Object(
        {
          claimId: Id,
          caseId: Id,
          hospital: Type.String(),
          district: Type.String(),
          package: Nullable(Type.String()),
          specialty: Nullable(Type.String()),
          status: Type.Enum(['submitted', 'processed', 'approved', 'denied', 'paid']),
          submittedAt: Time,
          verifiedAt: Nullable(Time),
          paidAt: Nullable(Time),
          payerAmount: Minor,
          approvedAmount: Nullable(Minor),
          disallowedAmount: Minor,
          /** Open with the scheme at `asOf`. */
          openAmount: Minor,
          /** Whole days from the submission date to `asOf`'s date. */
          ageDays: Count,
          reasonCodes: Type.Array(Type.Enum([...reasonCodes])),
          isReworked: Type.Boolean(),
        },
        closed,
      ),
    ),
  },
  closed,
);
export type KpiDrillDownValue = Static<typeof KpiDrillDown>;

/** `GET /reports/kpis/filters`: what the dashboard's filters may name (a hospital reader: its own hospital), and the scheme's time zone and month. */
export const KpiFilterChoices = Type.Object(
  {
    perspective: Type.Enum(['scheme', 'hospital']),
    /** The scheme's time zone (months are its calendar months) and its current month. */
    timeZone: Type.String(),
    currentMonth: Month,
    hospitals: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), district: Type.String() }, closed)),
    districts: Type.Array(Type.String()),
    specialties: Type.Array(Type.String()),
    packages: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), specialty: Type.String() }, closed)),
  },
  closed,
);
export type KpiFilterChoicesValue = Static<typeof KpiFilterChoices>;

/** `GET /reports/kpis/export`: one table behind a chart (domain/kpi-tables.ts) as CSV or XLSX, with the dashboard's filters. */
export const KpiExportQuery = Type.Object(
  {
    ...KpiFilters.properties,
    table: Type.Enum([...kpiTableNames]),
    format: Type.Enum(['csv', 'xlsx']),
  },
  closed,
);
export type KpiExportQueryValue = Static<typeof KpiExportQuery>;

/** `GET /reports/kpis/claims/export`: every claim behind a point (the drill-down's query, without paging) as CSV or XLSX. */
const { limit: _limit, offset: _offset, ...drillSelection } = KpiDrillQuery.properties;
export const KpiDrillExportQuery = Type.Object({ ...drillSelection, format: Type.Enum(['csv', 'xlsx']) }, closed);
export type KpiDrillExportQueryValue = Static<typeof KpiDrillExportQuery>;

/** `GET /reports/kpis/monthly.pdf`: the printable report of one month, for the scheme or one hospital (a hospital reader: its own). */
export const KpiMonthlyReportQuery = Type.Object(
  {
    month: Type.String({ pattern: monthPattern, description: 'The month reported on (YYYY-MM, scheme time zone); not after the current month' }),
    hospital: KpiFilters.properties.hospital,
  },
  closed,
);
export type KpiMonthlyReportQueryValue = Static<typeof KpiMonthlyReportQuery>;
