import { describe, expect, it } from 'vitest';
import type { KpiDashboardValue } from '@contract/kpis';
import { headlineMeasures, patientCollectionNote } from './kpi-headlines';

const measures = {
  days: 31,
  charges: { claims: 4, amount: 1_250_000 },
  openReceivables: 600_000,
  daysInAccountsReceivable: 14.88,
  collections: {
    paidClaims: 2,
    paidAmount: 500_000,
    cohortPaidAmount: 500_000,
    cohortContractualAmount: 50_000,
    grossCollectionRate: 0.4,
    netCollectionRate: 0.4167,
  },
  adjudication: {
    claims: 3,
    amount: 900_000,
    deniedClaims: 1,
    disallowedAmount: 100_000,
    contractualAmount: 50_000,
    cleanClaims: 2,
    reworkedClaims: 0,
    cleanClaimRate: 2 / 3,
    denialRateByCount: 1 / 3,
    denialRateByAmount: 0.1111,
    reworkRate: 0,
  },
  patient: { charged: 0, settled: 0, collectionRate: null },
} satisfies KpiDashboardValue['period'];

const answer: KpiDashboardValue = {
  perspective: 'hospital',
  filters: { from: '2026-01', to: '2026-01', hospital: 'HSP-B', district: null, specialty: null, package: null },
  asOf: '2026-01-31T18:29:59.999Z',
  currency: 'INR',
  minorPerUnit: 100,
  period: measures,
  months: [{ month: '2026-01', ...measures }],
  aging: { asOfDate: '2026-01-31', buckets: [], total: 600_000, claims: 2, over90Share: 0.5 },
  denials: { byReason: [], byPackage: [], bySpecialty: [], byHospital: [] },
  computedAt: '2026-02-01T04:00:00.000Z',
};

describe('headline measures', () => {
  it("read as the dashboard names them, rates without a denominator 'not available' (never 0)", () => {
    const read = headlineMeasures(answer, { currency: 'INR', locale: 'en-IN', minorPerUnit: 100 });
    expect(read.map((m) => [m.term, m.value, m.note, m.isAlarming])).toEqual([
      ['Charges', '₹12,500.00', '4 claims', false],
      ['Open receivables', '₹6,000.00', '2 claims', false],
      ['Days in A/R', '14.9', 'over the period', false],
      ['Over 90 days', '50.0%', 'of open receivables', true],
      ['Gross collection', '40.0%', 'net 41.7%', false],
      ['Clean-claim rate', '66.7%', '3 adjudicated', false],
      ['Denial rate', '33.3%', '11.1% by amount', false],
      ['Patient collection', 'not available', 'no patient charges in the period', false],
    ]);
  });
});

describe('the patient collection note', () => {
  const money = { currency: 'INR', locale: 'en-IN', minorPerUnit: 100 };
  it('says in words when settled passes charged: credits for denied lines not yet refunded (issue 15)', () => {
    // 1,22,000 settled of 1,00,000 charged: the 122 % of the generated history, 22,000 of it credit.
    expect(patientCollectionNote({ charged: 10_000_000, settled: 12_200_000, collectionRate: 1.22 }, money)).toBe(
      'of ₹1,00,000.00 charged; includes ₹22,000.00 paid for denied lines, not yet refunded',
    );
    expect(patientCollectionNote({ charged: 10_000_000, settled: 8_000_000, collectionRate: 0.8 }, money)).toBe('of ₹1,00,000.00 charged');
    expect(patientCollectionNote({ charged: 0, settled: 0, collectionRate: null }, money)).toBe('no patient charges in the period');
  });
});
