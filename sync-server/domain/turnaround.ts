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

/** The claim stages: a claim past its service level in any of them is a claim past SLA. */
export const claimStages: readonly TurnaroundStage[] = ['claim-processing', 'claim-verification', 'payment'];

/** The stages a set of roles owns (HA, who runs the scheme, watches all of them). */
export function stagesOwnedBy(roles: readonly Role[]): TurnaroundStage[] {
  if (roles.includes('HA')) return [...turnaroundStages];
  return turnaroundStages.filter((stage) => roles.includes(stageOwners[stage]));
}
