import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { DeskError, SessionInfo } from '@desk-api/contract';
import { createDeskDatabase, type DeskDatabase } from '../data/database';
import { replicateReadModel, type ReadModelReplication } from '../data/replication';
import type { DeskConnection } from '../desk-client/desk-link';
import { AdmissionScreen } from '../features/admission/AdmissionScreen';
import { CaseScreen } from '../features/case/CaseScreen';
import { CaseListScreen } from '../features/cases/CaseListScreen';
import { EmergencyScreen } from '../features/emergencies/EmergencyScreen';
import { HospitalFiguresScreen } from '../features/kpis/HospitalFiguresScreen';
import { FamilyScreen } from '../features/family/FamilyScreen';
import { FindScreen } from '../features/find/FindScreen';
import { HelpDialog } from '../features/help/HelpDialog';
import { ScanInbox } from '../features/find/scan-inbox';
import { IdentityEvidenceStore } from '../features/identity/identity-evidence';
import type { IdentityVerifier } from '../features/identity/identity-verifier';
import { IdentityScreen } from '../features/identity/IdentityScreen';
import { NotificationToasts } from '../features/notifications/NotificationToasts';
import { DeskHeader } from '../features/status/DeskHeader';
import { ReplicaNotice } from '../features/status/ReplicaNotice';
import { ErrorNotice, LoadingNotice } from '../shared/ui/Notice';
import { DeskContext, useDesk, type DeskWorkspace } from './desk-context';
import { routeToHash, type Route } from './routes';
import { ShortcutProvider, useShortcut } from './shortcut-registry';
import { globalShortcuts } from './shortcuts';
import { useHashRoute } from './use-hash-route';
import { canOfferPayerWorkspaces, hasPayerRole, PayerWorkspacesLink } from '../console/desk-entry';

type ReadModel =
  | { readonly status: 'opening' }
  | { readonly status: 'failed'; readonly error: DeskError }
  | { readonly status: 'open'; readonly database: DeskDatabase; readonly replication: ReadModelReplication };

/**
 * A signed-in desk: opens the read model (RxDB, replicated from the backend) for this session and
 * removes it on sign-out, so the next operator starts from nothing.
 */
export function Workspace({
  client,
  session,
  verifier,
  onSignOut,
  devTools,
}: {
  readonly client: DeskConnection;
  readonly session: SessionInfo;
  readonly verifier: IdentityVerifier;
  readonly onSignOut: () => void;
  readonly devTools?: ReactNode;
}) {
  const [readModel, setReadModel] = useState<ReadModel>({ status: 'opening' });
  const { route, navigate } = useHashRoute();

  useEffect(() => {
    let isCurrent = true;
    let opened: { database: DeskDatabase; replication: ReadModelReplication } | null = null;
    createDeskDatabase().then(
      (database) => {
        if (!isCurrent) {
          void database.remove();
          return;
        }
        opened = { database, replication: replicateReadModel(database, client) };
        setReadModel({ status: 'open', ...opened });
      },
      (error: unknown) => {
        // Usually a page served over plain http from another machine: RxDB needs a secure context (crypto.subtle).
        const detail = error instanceof Error ? error.message.split('\n')[0] : 'unknown error';
        if (isCurrent)
          setReadModel({
            status: 'failed',
            error: {
              code: 'read-model-unavailable',
              message: `This window could not open its working copy of the desk’s data (${detail}). Open CoverDesk from the desk itself (localhost) or call IT support.`,
            },
          });
      },
    );
    return () => {
      isCurrent = false;
      if (opened) {
        const { database, replication } = opened;
        void replication.cancel().then(() => database.remove());
      }
    };
  }, [client]);

  if (readModel.status !== 'open') {
    return (
      <main id="main" className="starting">
        {readModel.status === 'opening' ? <LoadingNotice>Opening the desk…</LoadingNotice> : <ErrorNotice error={readModel.error} />}
      </main>
    );
  }
  return (
    <SignedInDesk
      client={client}
      session={session}
      verifier={verifier}
      database={readModel.database}
      replication={readModel.replication}
      route={route}
      navigate={navigate}
      onSignOut={onSignOut}
      devTools={devTools}
    />
  );
}

interface SignedInDeskProps {
  readonly client: DeskConnection;
  readonly session: SessionInfo;
  readonly verifier: IdentityVerifier;
  readonly database: DeskDatabase;
  readonly replication: ReadModelReplication;
  readonly route: Route;
  readonly navigate: (route: Route) => void;
  readonly onSignOut: () => void;
  readonly devTools?: ReactNode;
}

function SignedInDesk({ client, session, verifier, database, replication, route, navigate, onSignOut, devTools }: SignedInDeskProps) {
  const identityEvidence = useMemo(() => new IdentityEvidenceStore(), []);
  const scanInbox = useMemo(() => new ScanInbox(), []);
  const workspace = useMemo<DeskWorkspace>(
    () => ({ client, session, database, replication, verifier, identityEvidence, scanInbox, navigate }),
    [client, session, database, replication, verifier, identityEvidence, scanInbox, navigate],
  );
  return (
    <DeskContext.Provider value={workspace}>
      <ShortcutProvider>
        <DeskLayout route={route} onSignOut={onSignOut} devTools={devTools} />
      </ShortcutProvider>
    </DeskContext.Provider>
  );
}

function DeskLayout({ route, onSignOut, devTools }: { readonly route: Route; readonly onSignOut: () => void; readonly devTools?: ReactNode }) {
  const [isHelpOpen, setIsHelpOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  const { navigate, session } = useDesk();
  useScansFromDeskScanner(route);
  useShortcut(globalShortcuts.find, () => navigate({ screen: 'find' }));
  useShortcut(globalShortcuts.cases, () => navigate({ screen: 'cases' }));
  useShortcut(globalShortcuts.help, () => setIsHelpOpen(true));
  useShortcut(globalShortcuts.helpAlternative, () => setIsHelpOpen(true));

  return (
    <div className="desk">
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to main content
      </button>
      <DeskHeader onOpenHelp={() => setIsHelpOpen(true)} onSignOut={onSignOut} />
      <nav className="desk-nav" aria-label="Desk">
        <ul>
          <li>
            <a href={routeToHash({ screen: 'find' })} aria-current={route.screen === 'find' ? 'page' : undefined} aria-keyshortcuts="Alt+F">
              Find a beneficiary <kbd>Alt+F</kbd>
            </a>
          </li>
          <li>
            <a href={routeToHash({ screen: 'cases' })} aria-current={route.screen === 'cases' ? 'page' : undefined} aria-keyshortcuts="Alt+C">
              Cases <kbd>Alt+C</kbd>
            </a>
          </li>
          <li>
            <a href={routeToHash({ screen: 'emergencies' })} aria-current={route.screen === 'emergencies' ? 'page' : undefined}>
              Emergencies
            </a>
          </li>
          <li>
            <a href={routeToHash({ screen: 'figures' })} aria-current={route.screen === 'figures' ? 'page' : undefined}>
              Our hospital's figures (online)
            </a>
          </li>
          {hasPayerRole(session.roles) && canOfferPayerWorkspaces() ? (
            <li>
              <PayerWorkspacesLink>Payer workspaces (online)</PayerWorkspacesLink>
            </li>
          ) : null}
        </ul>
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <ReplicaNotice />
        <CurrentScreen route={route} />
      </main>
      <NotificationToasts />
      <HelpDialog isOpen={isHelpOpen} onClose={() => setIsHelpOpen(false)} />
      {devTools}
    </div>
  );
}

/**
 * A card read by the desk's scanner is a request to find that member, whatever screen is open: the
 * find screen opens and searches. A misread card is only worth saying on the find screen itself.
 */
function useScansFromDeskScanner(route: Route): void {
  const { client, navigate, scanInbox } = useDesk();
  const isOnFind = useRef(route.screen === 'find');
  isOnFind.current = route.screen === 'find';
  useEffect(() => {
    const stopScans = client.on('device.scan', ({ schemeMemberId }) => {
      scanInbox.deliver({ kind: 'scan', schemeMemberId });
      if (!isOnFind.current) navigate({ screen: 'find' });
    });
    const stopErrors = client.on('device.scan-error', ({ message }) => {
      if (isOnFind.current) scanInbox.deliver({ kind: 'error', message });
    });
    return () => {
      stopScans();
      stopErrors();
    };
  }, [client, navigate, scanInbox]);
}

function CurrentScreen({ route }: { readonly route: Route }) {
  // Keyed by route so a screen's local state (forms, identity attempts) never leaks into the next one.
  const key = routeToHash(route);
  switch (route.screen) {
    case 'find':
      return <FindScreen key={key} />;
    case 'family':
      return <FamilyScreen key={key} familyId={route.familyId} />;
    case 'identify':
      return <IdentityScreen key={key} familyId={route.familyId} memberId={route.memberId} />;
    case 'admit':
      return <AdmissionScreen key={key} familyId={route.familyId} memberId={route.memberId} method={route.method} />;
    case 'case':
      return <CaseScreen key={key} caseId={route.caseId} />;
    case 'cases':
      return <CaseListScreen key={key} />;
    case 'emergencies':
      return <EmergencyScreen key={key} />;
    case 'figures':
      return <HospitalFiguresScreen key={key} />;
  }
}
