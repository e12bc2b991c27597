/**
 * A signed-in workspace for component tests: the fake backend, a validating read model replicated
 * from it, and the desk-API biometric verifier over that fake backend.
 */
import type { ReactNode } from 'react';
import { DeskContext, type DeskWorkspace } from '../app/desk-context';
import { replicateReadModel } from '../data/replication';
import { createCheckedDeskDatabase } from '../data/testing';
import { FakeDeskBackend } from '../../dev/fake-backend';
import { ScanInbox } from '../features/find/scan-inbox';
import { IdentityEvidenceStore } from '../features/identity/identity-evidence';
import { createDeskVerifier } from '../features/identity/identity-verifier';

export async function createTestWorkspace(): Promise<{ workspace: DeskWorkspace; backend: FakeDeskBackend; close: () => Promise<void> }> {
  const backend = new FakeDeskBackend({ signedInAs: 'medco.a' });
  const session = await backend.call('session.current', {});
  if (!session.ok || !session.value) throw new Error('fake backend has no session');
  const database = await createCheckedDeskDatabase();
  const replication = replicateReadModel(database, backend);
  const workspace: DeskWorkspace = {
    client: backend,
    session: session.value,
    database,
    replication,
    verifier: createDeskVerifier(backend),
    identityEvidence: new IdentityEvidenceStore(),
    scanInbox: new ScanInbox(),
    navigate: () => undefined,
  };
  return {
    workspace,
    backend,
    close: async () => {
      await replication.cancel();
      await database.close();
      backend.close();
    },
  };
}

export function InWorkspace({ workspace, children }: { readonly workspace: DeskWorkspace; readonly children: ReactNode }) {
  return <DeskContext.Provider value={workspace}>{children}</DeskContext.Provider>;
}
