/**
 * What every screen of a signed-in desk can reach: the typed desk API, the session (scheme, hospital),
 * the read model and the way to move between screens. Provided once by the Workspace.
 */
import { createContext, useContext } from 'react';
import type { SchemeInfo, SessionInfo } from '@desk-api/contract';
import type { DeskConnection } from '../desk-client/desk-link';
import type { DeskDatabase } from '../data/database';
import type { ReadModelReplication } from '../data/replication';
import type { ScanInbox } from '../features/find/scan-inbox';
import type { IdentityEvidenceStore } from '../features/identity/identity-evidence';
import type { IdentityVerifier } from '../features/identity/identity-verifier';
import type { Route } from './routes';

export interface DeskWorkspace {
  readonly client: DeskConnection;
  readonly session: SessionInfo;
  readonly database: DeskDatabase;
  readonly replication: ReadModelReplication;
  readonly verifier: IdentityVerifier;
  /** What the identity step proved, for the admission step; lives as long as the session. */
  readonly identityEvidence: IdentityEvidenceStore;
  /** Card scans from the desk's scanner, waiting for the find screen. */
  readonly scanInbox: ScanInbox;
  readonly navigate: (route: Route) => void;
}

export const DeskContext = createContext<DeskWorkspace | null>(null);

export function useDesk(): DeskWorkspace {
  const desk = useContext(DeskContext);
  if (!desk) throw new Error('useDesk() outside a signed-in workspace');
  return desk;
}

export function useScheme(): SchemeInfo {
  return useDesk().session.scheme;
}
