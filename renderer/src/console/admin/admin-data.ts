/** The health authority's reference data, as GET /admin/* and GET /dashboard send it. */
import type { Role } from '@domain/ids';

export interface AdminDesk {
  readonly id: string;
  readonly name: string;
  readonly status: 'active' | 'revoked';
  readonly enrolledAt: string | null;
  readonly registryDistrict: string;
  readonly pendingCodeExpiresAt: string | null;
}

export interface AdminHospital {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly district: string;
  readonly desks: readonly AdminDesk[];
}

export interface AdminOperator {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
  readonly hospitalId: string | null;
  readonly hospitalCode: string | null;
  readonly isActive: boolean;
}

export interface AdminPackage {
  readonly code: string;
  readonly name: string;
  readonly specialty: string;
  readonly isUnspecified: boolean;
  readonly versions: readonly { readonly version: number; readonly price: number; readonly effectiveFrom: string }[];
}

export interface SchemeParameters {
  readonly governmentShareBp: number;
  readonly shortfallPolicy: 'partial-hold' | 'refuse';
  readonly autoExtendBp: number;
  readonly preauthTurnaroundMinutes: number;
}

export interface AdminScheme extends SchemeParameters {
  readonly id: string;
  readonly name: string;
  readonly policyYear: number;
  readonly currency: string;
}

export interface DashboardFigures {
  readonly cases: readonly { readonly status: string; readonly count: number }[];
  readonly holds: readonly { readonly status: string; readonly count: number; readonly amount: number }[];
  readonly claims: readonly { readonly status: string; readonly count: number; readonly amount: number }[];
  readonly computedAt: string;
}

export type ParameterChange = Partial<SchemeParameters>;

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
