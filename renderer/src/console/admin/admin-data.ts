/** The health authority's reference data, as GET /admin/* and GET /dashboard send it (sync-server/contract/reads.ts). */
import type {
  AdministrationHospitalsValue,
  AdministrationOperatorsValue,
  AdministrationPackagesValue,
  AdministrationSchemeValue,
  DashboardValue,
} from '@contract/reads';
import type { TurnaroundStage } from '@domain/turnaround';

export type AdminHospital = AdministrationHospitalsValue['items'][number];
export type AdminDesk = AdminHospital['desks'][number];
export type AdminOperator = AdministrationOperatorsValue['items'][number];
export type AdminPackage = AdministrationPackagesValue['items'][number];
export type AdminScheme = AdministrationSchemeValue['items'];
export type SchemeParameters = Pick<AdminScheme, 'governmentShareBp' | 'shortfallPolicy' | 'autoExtendBp' | 'preauthTurnaroundMinutes'>;
export type DashboardFigures = DashboardValue['items'];

export type ParameterChange = Partial<SchemeParameters> & { readonly serviceLevels?: Partial<Record<TurnaroundStage, number>> };

/** The stages whose service level the form sets; the pre-auth decision's is the turnaround target above. */
export const formServiceLevelStages = [
  'committee',
  'admin-approval',
  'enhancement',
  'claim-processing',
  'claim-verification',
  'payment',
] as const satisfies readonly TurnaroundStage[];

/** The service levels that differ from the current ones (issue 15), or undefined when none does. */
export function changedServiceLevels(
  current: AdminScheme['serviceLevels'],
  edited: Readonly<Record<(typeof formServiceLevelStages)[number], number>>,
): Partial<Record<TurnaroundStage, number>> | undefined {
  const change = Object.fromEntries(formServiceLevelStages.filter((stage) => current[stage] !== edited[stage]).map((stage) => [stage, edited[stage]]));
  return Object.keys(change).length === 0 ? undefined : change;
}

/** Only what differs from the current values goes into set-scheme-parameters. */
export function changedParameters(current: SchemeParameters, edited: SchemeParameters): ParameterChange {
  const change: Record<string, unknown> = {};
  for (const key of ['governmentShareBp', 'shortfallPolicy', 'autoExtendBp', 'preauthTurnaroundMinutes'] as const) {
    if (current[key] !== edited[key]) change[key] = edited[key];
  }
  return change as ParameterChange;
}

/** "60" (percent, as typed) → 6000 basis points; null when it is not a percentage with at most two decimals. */
export function percentToBasisPoints(text: string): number | null {
  const match = /^\s*(\d{1,3})(?:\.(\d{1,2}))?\s*%?\s*$/.exec(text);
  if (!match) return null;
  const bp = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return bp <= 10_000 ? bp : null;
}

export function basisPointsToPercent(bp: number): string {
  return bp % 100 === 0 ? String(bp / 100) : (bp / 100).toFixed(2);
}
