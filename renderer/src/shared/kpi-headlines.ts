/**
 * The revenue-cycle KPIs' headline measures (issue 15) as a person reads them, one definition for
 * the console's KPI dashboard tiles and the desk's "Our hospital's figures": the same names, the
 * same figures, the same "not available" where a rate has no denominator (never 0).
 */
import type { KpiDashboardValue } from '@contract/kpis';
import { formatMoney, type MoneyFormat } from './money';

/** A rate as a person reads it: "12.5 %", or "not available" where it has no denominator (never 0). */
export function formatRate(rate: number | null, locale: string): string {
  if (rate === null) return 'not available';
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(rate);
}

export interface HeadlineMeasure {
  readonly term: string;
  readonly value: string;
  /** What the value is of, or the figure beside it ("3 claims", "net 92.0 %"). */
  readonly note: string;
  /** Worth a second look: more than a quarter of open receivables over 90 days. */
  readonly isAlarming: boolean;
}

/** The period's headline measures, in the dashboard's order. */
export function headlineMeasures(answer: KpiDashboardValue, money: MoneyFormat): HeadlineMeasure[] {
  const { period, aging } = answer;
  const { locale } = money;
  const measure = (term: string, value: string, note: string, isAlarming = false): HeadlineMeasure => ({ term, value, note, isAlarming });
  return [
    measure('Charges', formatMoney(period.charges.amount, money), `${period.charges.claims} claims`),
    measure('Open receivables', formatMoney(period.openReceivables, money), `${aging.claims} claims`),
    measure(
      'Days in A/R',
      period.daysInAccountsReceivable === null
        ? 'not available'
        : new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(period.daysInAccountsReceivable),
      'over the period',
    ),
    measure('Over 90 days', formatRate(aging.over90Share, locale), 'of open receivables', (aging.over90Share ?? 0) > 0.25),
    measure('Gross collection', formatRate(period.collections.grossCollectionRate, locale), `net ${formatRate(period.collections.netCollectionRate, locale)}`),
    measure('Clean-claim rate', formatRate(period.adjudication.cleanClaimRate, locale), `${period.adjudication.claims} adjudicated`),
    measure(
      'Denial rate',
      formatRate(period.adjudication.denialRateByCount, locale),
      `${formatRate(period.adjudication.denialRateByAmount, locale)} by amount`,
    ),
    measure('Patient collection', formatRate(period.patient.collectionRate, locale), patientCollectionNote(period.patient, money)),
  ];
}

/**
 * The patient collection note. Settled above charged is not collection beyond 100 %: it is money
 * patients paid for claim lines CPD later denied (their charge came off the account), held until
 * the desk refunds it (sync-server/docs/kpis.md, "Patient credits"). Said in words beside the rate.
 */
export function patientCollectionNote(
  patient: { readonly charged: number; readonly settled: number; readonly collectionRate: number | null },
  money: MoneyFormat,
): string {
  if (patient.collectionRate === null) return 'no patient charges in the period';
  const charged = `of ${formatMoney(patient.charged, money)} charged`;
  if (patient.settled <= patient.charged) return charged;
  return `${charged}; includes ${formatMoney(patient.settled - patient.charged, money)} paid for denied lines, not yet refunded`;
}
