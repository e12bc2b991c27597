import type { Role } from './ids';

/**
 * The payer workflow's stages, each with a turnaround clock (issue 15). A clock starts and stops at
 * audit-trail entries the workflow already writes (migration 047, `stage_clocks`); the scheme sets
 * a service level per stage (`stage_service_levels`); the owner is the role whose queue holds the
 * work and who is told when it breaches.
 */
export const turnaroundStages = [
  'preauth-decision',
  'committee',
  'admin-approval',
  'enhancement',
  'claim-processing',
  'claim-verification',
  'payment',
] as const;
export type TurnaroundStage = (typeof turnaroundStages)[number];

export const stageOwners: Readonly<Record<TurnaroundStage, Role>> = {
  'preauth-decision': 'PPD',
  committee: 'MC',
  'admin-approval': 'ADMIN',
  enhancement: 'PPD',
  'claim-processing': 'CEX',
  'claim-verification': 'CPD',
  payment: 'ACO',
};

/**
 * How long a completed stage took, as a share of its service level: the buckets of the turnaround
 * distribution (the dashboard's chart and its drill-down). A stage exactly at its service level is
 * within it, as the report's "completed past service level" counts only longer ones.
 */
export const turnaroundBuckets = ['within-half', 'within', 'past', 'past-double'] as const;
export type TurnaroundBucket = (typeof turnaroundBuckets)[number];

/** The bucket of a duration against a service level (both in seconds or both in minutes). */
export function turnaroundBucketOf(elapsed: number, serviceLevel: number): TurnaroundBucket {
  if (elapsed <= serviceLevel / 2) return 'within-half';
  if (elapsed <= serviceLevel) return 'within';
  if (elapsed <= serviceLevel * 2) return 'past';
  return 'past-double';
}

/** The claim stages: a claim past its service level in any of them is a claim past SLA. */
export const claimStages: readonly TurnaroundStage[] = ['claim-processing', 'claim-verification', 'payment'];

/** The stages a set of roles owns (HA, who runs the scheme, watches all of them). */
export function stagesOwnedBy(roles: readonly Role[]): TurnaroundStage[] {
  if (roles.includes('HA')) return [...turnaroundStages];
  return turnaroundStages.filter((stage) => roles.includes(stageOwners[stage]));
}

/**
 * The duration buckets the turnaround facts are kept in (migration 057, `turnaround_bucket`): a
 * completed stage of `elapsed` seconds falls in (lower, upper], `upper` being the bucket's key:
 * whole minutes up to 2 hours, 10 minutes up to 2 days, hours beyond; 0 holds no time at all.
 * The report counts whole buckets and reads the stages themselves only in a bucket a figure falls
 * inside, so every figure stays exact. Change one, change the other (turnaround.test.ts checks).
 */
export function durationBucketOf(elapsedSeconds: number): number {
  if (elapsedSeconds <= 0) return 0;
  if (elapsedSeconds <= 7_200) return Math.ceil(elapsedSeconds / 60) * 60;
  if (elapsedSeconds <= 172_800) return Math.ceil(elapsedSeconds / 600) * 600;
  return Math.ceil(elapsedSeconds / 3_600) * 3_600;
}

/** The lower bound (exclusive) of a duration bucket; −∞ for the bucket of no time. */
export function durationBucketLower(bucket: number): number {
  if (bucket <= 0) return Number.NEGATIVE_INFINITY;
  if (bucket <= 7_200) return bucket - 60;
  if (bucket <= 172_800) return bucket - 600;
  return bucket - 3_600;
}
