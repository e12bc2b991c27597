/**
 * The console's workspaces: one entry per workspace, with the roles that may open it. The shell's
 * navigation lists only the entries of the signed-in operator's roles, and a direct URL to any
 * other is refused with a message. `caseActions` are the decision panels a workspace adds to the
 * case view (shown only to its roles). The server refuses every action of another role anyway
 * (403); this keeps the screens honest about it.
 */
import type { ComponentType } from 'react';
import type { Role } from '@domain/ids';
import { DashboardWorkspace, HospitalsWorkspace, OperatorsWorkspace, PackagesWorkspace, SchemeWorkspace } from './admin/AdminWorkspaces';
import { CexWorkspace, CpdWorkspace } from './claims/ClaimsWorkspace';
import { ClocksWorkspace } from './clocks/ClocksWorkspace';
import { FleetWorkspace } from './fleet/FleetWorkspace';
import { KpiDashboardWorkspace } from './kpis/KpiDashboardWorkspace';
import { AdminWorkspace } from './committee/AdminWorkspace';
import { AdminCaseActions, CommitteeCaseActions } from './committee/CommitteeActions';
import { CommitteeWorkspace } from './committee/CommitteeWorkspace';
import type { ConsoleCase } from './data/documents';
import { PpdCaseActions } from './ppd/PpdActions';
import { PaymentsWorkspace, ReconciliationWorkspace } from './payments/PaymentsWorkspace';
import { PpdWorkspace } from './ppd/PpdWorkspace';

export interface ConsoleWorkspaceDefinition {
  /** The hash path: #/<path>. */
  readonly path: string;
  /** Navigation label and screen title. */
  readonly title: string;
  readonly roles: readonly Role[];
  readonly component: ComponentType;
  readonly caseActions?: ComponentType<{ readonly caseDoc: ConsoleCase }>;
}

export const workspaces: readonly ConsoleWorkspaceDefinition[] = [
  { path: 'ppd', title: 'Pre-auth review', roles: ['PPD'], component: PpdWorkspace, caseActions: PpdCaseActions },
  { path: 'committee', title: 'Medical Committee', roles: ['MC'], component: CommitteeWorkspace, caseActions: CommitteeCaseActions },
  { path: 'admin', title: 'Admin approval', roles: ['ADMIN'], component: AdminWorkspace, caseActions: AdminCaseActions },
  { path: 'cex', title: 'Claims processing', roles: ['CEX'], component: CexWorkspace },
  { path: 'cpd', title: 'Claim verification', roles: ['CPD'], component: CpdWorkspace },
  { path: 'payments', title: 'Payments', roles: ['ACO'], component: PaymentsWorkspace },
  { path: 'dashboard', title: 'Dashboard', roles: ['HA'], component: DashboardWorkspace },
  { path: 'kpis', title: 'Revenue cycle', roles: ['HA', 'ACO'], component: KpiDashboardWorkspace },
  { path: 'hospitals', title: 'Hospitals and desks', roles: ['HA'], component: HospitalsWorkspace },
  { path: 'fleet', title: 'Desk fleet', roles: ['HA'], component: FleetWorkspace },
  { path: 'operators', title: 'Operators', roles: ['HA'], component: OperatorsWorkspace },
  { path: 'packages', title: 'Packages', roles: ['HA'], component: PackagesWorkspace },
  { path: 'scheme', title: 'Scheme parameters', roles: ['HA'], component: SchemeWorkspace },
  { path: 'reconciliation', title: 'Reconciliation', roles: ['ACO', 'HA'], component: ReconciliationWorkspace },
  { path: 'clocks', title: 'Turnaround clocks', roles: ['PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'], component: ClocksWorkspace },
];

export function workspacesFor(roles: readonly Role[], all: readonly ConsoleWorkspaceDefinition[] = workspaces): ConsoleWorkspaceDefinition[] {
  return all.filter((workspace) => workspace.roles.some((role) => roles.includes(role)));
}
