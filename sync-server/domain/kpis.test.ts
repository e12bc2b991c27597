import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aging, agingBucketOf, claimQuality, daysInAccountsReceivable, grossCollectionRate, netCollectionRate, percentile, turnaround } from './kpis';

const day = 86_400_000;
const asOf = Date.UTC(2026, 11, 6);

describe('revenue-cycle measures', () => {
  it('days in A/R: receivables ÷ average daily charges; none without charges', () => {
    // 90 days of 4,500,000 charged (50,000 a day), 1,500,000 open: 30 days.
    expect(daysInAccountsReceivable(1_500_000, 4_500_000, 90)).toBe(30);
    expect(daysInAccountsReceivable(1_500_000, 0, 90)).toBeNull();
    expect(() => daysInAccountsReceivable(1, 1, 0)).toThrow(RangeError);
  });

  it('aging: buckets by whole days at their edges, and the share over 90 days', () => {
    expect([0, 30, 31, 60, 61, 90, 91, 120, 121].map((days) => agingBucketOf(asOf - days * day, asOf))).toEqual([
      '0-30',
      '0-30',
      '31-60',
      '31-60',
      '61-90',
      '61-90',
      '91-120',
      '91-120',
      '>120',
    ]);
    const result = aging(
      [
        { amount: 600, raisedAt: asOf - 10 * day },
        { amount: 300, raisedAt: asOf - 95 * day },
        { amount: 100, raisedAt: asOf - 400 * day },
      ],
      asOf,
    );
    expect(result).toEqual({ buckets: { '0-30': 600, '31-60': 0, '61-90': 0, '91-120': 300, '>120': 100 }, total: 1000, over90Share: 0.4 });
    expect(aging([], asOf).over90Share).toBeNull();
  });

  it('collection rates: gross over charges, net over charges less contractual adjustments', () => {
    expect(grossCollectionRate(900, 1000)).toBe(0.9);
    expect(netCollectionRate(900, 1000, 100)).toBe(1);
    expect(grossCollectionRate(0, 0)).toBeNull();
  });

  it('claim quality: clean-claim, denial by count and amount, rework; not available without claims', () => {
    const claims = [
      { firstPassApproved: true, reworked: false, amount: 6000, deniedAmount: 0, denied: false },
      { firstPassApproved: false, reworked: false, amount: 6000, deniedAmount: 500, denied: false },
      { firstPassApproved: false, reworked: true, amount: 2000, deniedAmount: 2000, denied: true },
      { firstPassApproved: false, reworked: true, amount: 6000, deniedAmount: 0, denied: false },
    ];
    expect(claimQuality(claims)).toEqual({ cleanClaimRate: 0.25, denialRateByCount: 0.25, denialRateByAmount: 2500 / 20_000, reworkRate: 0.5 });
    expect(claimQuality([])).toEqual({ cleanClaimRate: null, denialRateByCount: null, denialRateByAmount: null, reworkRate: null });
  });

  it('percentile by nearest rank: at least p % of values are at or below it', () => {
    expect(percentile([15, 20, 35, 40, 50], 30)).toBe(20);
    expect(percentile([15, 20, 35, 40, 50], 100)).toBe(50);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 90)).toBeNull();
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
        const value = percentile(values, p)!;
        expect(values.filter((v) => v <= value).length / values.length).toBeGreaterThanOrEqual(p / 100);
        expect(values.filter((v) => v < value).length / values.length).toBeLessThan(p / 100);
      }),
      { seed: 20_261_206 },
    );
  });

  it('turnaround: completed stages against the service level, and open ones already past it', () => {
    const hour = 3_600_000;
    const stages = [
      { startedAt: asOf - 10 * hour, endedAt: asOf - 8 * hour },
      { startedAt: asOf - 10 * hour, endedAt: asOf - 2 * hour },
      { startedAt: asOf - 7 * hour, endedAt: null },
      { startedAt: asOf - 1 * hour, endedAt: null },
    ];
    expect(turnaround(stages, 6 * hour, asOf)).toEqual({ completed: 2, averageMs: 5 * hour, p90Ms: 8 * hour, overServiceLevel: 1, openPastServiceLevel: 1 });
  });
});
