/**
 * Revenue-cycle measures (issue 15), as pure functions over rows the server reads: one definition
 * of each, used by the reports and stated in sync-server/docs/kpis.md (formula, numerator,
 * denominator, period, source). A measure whose denominator is empty is `null` (shown as "not
 * available"), never 0: a hospital with no claims has no denial rate, not a perfect one.
 * Amounts are integer minor units; times are epoch milliseconds; rates are fractions 0–1.
 */

const dayMs = 86_400_000;

export type Rate = number | null;

/** numerator ÷ denominator, or null (not available) when the denominator is 0. */
export function ratio(numerator: number, denominator: number): Rate {
  return denominator === 0 ? null : numerator / denominator;
}

/**
 * Days in A/R: the receivables open at the end of the period divided by the average daily charges
 * of the period (HFMA MAP Key "Days in Accounts Receivable", gross charges). For the scheme,
 * charges are the claim amounts submitted in the period and receivables the approved-or-pending
 * amounts not yet paid.
 */
export function daysInAccountsReceivable(openReceivables: number, chargesInPeriod: number, periodDays: number): number | null {
  if (periodDays <= 0) throw new RangeError('A period has at least one day');
  const averageDailyCharges = chargesInPeriod / periodDays;
  return averageDailyCharges === 0 ? null : openReceivables / averageDailyCharges;
}

export const agingBuckets = ['0-30', '31-60', '61-90', '91-120', '>120'] as const;
export type AgingBucket = (typeof agingBuckets)[number];

/** The aging bucket of a receivable raised at `raisedAt`, on `asOf`: whole days elapsed. */
export function agingBucketOf(raisedAt: number, asOf: number): AgingBucket {
  return agingBucketOfDays(Math.max(0, Math.floor((asOf - raisedAt) / dayMs)));
}

/** The aging bucket of a receivable `days` old (the reports count calendar days in the scheme's time zone). */
export function agingBucketOfDays(days: number): AgingBucket {
  if (days <= 30) return '0-30';
  if (days <= 60) return '31-60';
  if (days <= 90) return '61-90';
  if (days <= 120) return '91-120';
  return '>120';
}

/** Open receivables by aging bucket (amounts), and the share of the total older than 90 days. */
export function aging(
  receivables: readonly { readonly amount: number; readonly raisedAt: number }[],
  asOf: number,
): { readonly buckets: Readonly<Record<AgingBucket, number>>; readonly total: number; readonly over90Share: Rate } {
  const buckets = Object.fromEntries(agingBuckets.map((bucket) => [bucket, 0])) as Record<AgingBucket, number>;
  for (const receivable of receivables) buckets[agingBucketOf(receivable.raisedAt, asOf)] += receivable.amount;
  const total = agingBuckets.reduce((sum, bucket) => sum + buckets[bucket], 0);
  return { buckets, total, over90Share: ratio(buckets['91-120'] + buckets['>120'], total) };
}

/** Gross collection rate: payments ÷ charges, for the claims of the period. */
export function grossCollectionRate(payments: number, charges: number): Rate {
  return ratio(payments, charges);
}

/**
 * Net collection rate: payments ÷ (charges − contractual adjustments). For the scheme the
 * contractual adjustment of a claim is what the package rates and the scheme's rules disallow
 * (CEX/CPD partial approvals with a tariff reason); denials for other reasons are not adjustments
 * and count against the rate.
 */
export function netCollectionRate(payments: number, charges: number, contractualAdjustments: number): Rate {
  return ratio(payments, charges - contractualAdjustments);
}

export interface AdjudicatedClaim {
  /** Approved in full at its first adjudication, without a query or resubmission. */
  readonly firstPassApproved: boolean;
  /** Queried or resubmitted at least once. */
  readonly reworked: boolean;
  /** Claimed amount and the part denied (0 if none). */
  readonly amount: number;
  readonly deniedAmount: number;
  /** Denied in full. */
  readonly denied: boolean;
}

/** Clean-claim (first-pass) rate, denial rates by count and by amount, and rework rate of adjudicated claims. */
export function claimQuality(claims: readonly AdjudicatedClaim[]): {
  readonly cleanClaimRate: Rate;
  readonly denialRateByCount: Rate;
  readonly denialRateByAmount: Rate;
  readonly reworkRate: Rate;
} {
  const amount = claims.reduce((sum, claim) => sum + claim.amount, 0);
  return {
    cleanClaimRate: ratio(claims.filter((claim) => claim.firstPassApproved).length, claims.length),
    denialRateByCount: ratio(claims.filter((claim) => claim.denied).length, claims.length),
    denialRateByAmount: ratio(
      claims.reduce((sum, claim) => sum + claim.deniedAmount, 0),
      amount,
    ),
    reworkRate: ratio(claims.filter((claim) => claim.reworked).length, claims.length),
  };
}

/**
 * The p-th percentile (0–100) of durations by the nearest-rank method: the smallest value such that
 * at least p % of values are at or below it. Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (p < 0 || p > 100) throw new RangeError(`A percentile is 0–100, got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** A stage's turnaround against its service level: average, 90th percentile, and how many ran over. */
export function turnaround(
  stages: readonly { readonly startedAt: number; readonly endedAt: number | null }[],
  serviceLevelMs: number,
  asOf: number,
): {
  readonly completed: number;
  readonly averageMs: number | null;
  readonly p90Ms: number | null;
  readonly overServiceLevel: number;
  readonly openPastServiceLevel: number;
} {
  const durations = stages.filter((stage) => stage.endedAt !== null).map((stage) => stage.endedAt! - stage.startedAt);
  return {
    completed: durations.length,
    averageMs: durations.length === 0 ? null : durations.reduce((sum, value) => sum + value, 0) / durations.length,
    p90Ms: percentile(durations, 90),
    overServiceLevel: durations.filter((duration) => duration > serviceLevelMs).length,
    // Stages still running whose clock is already past the service level: the queue flags these.
    openPastServiceLevel: stages.filter((stage) => stage.endedAt === null && asOf - stage.startedAt > serviceLevelMs).length,
  };
}
