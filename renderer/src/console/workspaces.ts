/**
 * The console's workspaces: one entry per workspace, with the roles that may open it. The shell's
 * navigation lists only the entries of the signed-in operator's roles, and a direct URL to any
 * other is refused with a message. `caseActions` are the decision panels a workspace adds to the
 * case view (shown only to its roles). The server refuses every action of another role anyway
 * (403); this keeps the screens honest about it.
 */
import type { ComponentType } from 'react';
import type { Role } from '@domain/ids';
import type { MessageId } from '../i18n/catalog';
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
  /** Navigation label and screen title: a message, said in the operator's language. */
  readonly title: MessageId;
  readonly roles: readonly Role[];
  readonly component: ComponentType;
  readonly caseActions?: ComponentType<{ readonly caseDoc: ConsoleCase }>;
}

export const workspaces: readonly ConsoleWorkspaceDefinition[] = [
  { path: 'ppd', title: 'console.workspace.ppd', roles: ['PPD'], component: PpdWorkspace, caseActions: PpdCaseActions },
  { path: 'committee', title: 'console.workspace.committee', roles: ['MC'], component: CommitteeWorkspace, caseActions: CommitteeCaseActions },
  { path: 'admin', title: 'console.workspace.admin', roles: ['ADMIN'], component: AdminWorkspace, caseActions: AdminCaseActions },
  { path: 'cex', title: 'console.workspace.cex', roles: ['CEX'], component: CexWorkspace },
  { path: 'cpd', title: 'console.workspace.cpd', roles: ['CPD'], component: CpdWorkspace },
  { path: 'payments', title: 'console.workspace.payments', roles: ['ACO'], component: PaymentsWorkspace },
  { path: 'dashboard', title: 'console.workspace.dashboard', roles: ['HA'], component: DashboardWorkspace },
  { path: 'kpis', title: 'console.workspace.kpis', roles: ['HA', 'ACO'], component: KpiDashboardWorkspace },
  { path: 'hospitals', title: 'console.workspace.hospitals', roles: ['HA'], component: HospitalsWorkspace },
  { path: 'fleet', title: 'console.workspace.fleet', roles: ['HA'], component: FleetWorkspace },
  { path: 'operators', title: 'console.workspace.operators', roles: ['HA'], component: OperatorsWorkspace },
  { path: 'packages', title: 'console.workspace.packages', roles: ['HA'], component: PackagesWorkspace },
  { path: 'scheme', title: 'console.workspace.scheme', roles: ['HA'], component: SchemeWorkspace },
  { path: 'reconciliation', title: 'console.workspace.reconciliation', roles: ['ACO', 'HA'], component: ReconciliationWorkspace },
  { path: 'clocks', title: 'console.workspace.clocks', roles: ['PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'], component: ClocksWorkspace },
];

export function workspacesFor(roles: readonly Role[], all: readonly ConsoleWorkspaceDefinition[] = workspaces): ConsoleWorkspaceDefinition[] {
  return all.filter((workspace) => workspace.roles.some((role) => roles.includes(role)));
}
