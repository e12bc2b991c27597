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
