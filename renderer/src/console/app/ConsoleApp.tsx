import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { describeConfirmation } from '../../shared/time';
import { ErrorNotice, InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { expiredError, type ConsoleApi, type ConsoleError } from '../data/api';
import { createConsoleDatabase, type ConsoleDatabase } from '../data/database';
import type { ConsoleSession } from '../data/documents';
import { replicateConsole, type ConsoleReplicaStatus, type ConsoleReplication } from '../data/replication';
import { CaseScreen } from '../case/CaseScreen';
import { workspaces as registeredWorkspaces, workspacesFor, type ConsoleWorkspaceDefinition } from '../workspaces';
import { ConsoleContext, hasAnyRole, useConsole, type ConsoleWorkspaceContext } from './console-context';
import { parseConsoleRoute, workspaceHash } from './routes';
import { SignIn } from './SignIn';
import { useBreachNotices } from './open-clocks';
import { stageLabels } from '../clocks/clock-view';

const subscribeToHash = (listener: () => void): (() => void) => {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
};

/**
 * The payer console: sign-in, then a shell with the workspaces of the operator's roles over a live
 * read model. A session that ends (token expired, refused) returns to sign-in saying why, and the
 * read model is removed, so the next operator starts from nothing.
 */
export function ConsoleApp({
  api,
  workspaces = registeredWorkspaces,
  embedded = false,
}: {
  readonly api: ConsoleApi;
  readonly workspaces?: readonly ConsoleWorkspaceDefinition[];
  readonly embedded?: boolean;
}) {
  const [session, setSession] = useState<ConsoleSession | null>(null);
  const [notice, setNotice] = useState<ConsoleError | null>(null);

  const end = useCallback(
    (why: ConsoleError | null) => {
      api.signOut();
      setSession(null);
      setNotice(why);
    },
    [api],
  );
  useEffect(() => api.onSessionEnded(end), [api, end]);

  if (!session)
    return (
      <SignIn
        api={api}
        notice={notice}
        onSignedIn={(signedIn) => {
          setNotice(null);
          setSession(signedIn);
        }}
      />
    );
  return <SignedInConsole key={session.token} api={api} session={session} workspaces={workspaces} embedded={embedded} onSignOut={end} />;
}

type ReadModel =
  | { readonly status: 'opening' }
  | { readonly status: 'failed'; readonly error: ConsoleError }
  | { readonly status: 'open'; readonly database: ConsoleDatabase; readonly replication: ConsoleReplication };

function SignedInConsole({
  api,
  session,
  workspaces,
  embedded,
  onSignOut,
}: {
  readonly api: ConsoleApi;
  readonly session: ConsoleSession;
  readonly workspaces: readonly ConsoleWorkspaceDefinition[];
  readonly embedded: boolean;
  readonly onSignOut: (why: ConsoleError | null) => void;
}) {
  const [readModel, setReadModel] = useState<ReadModel>({ status: 'opening' });
  useEffect(() => {
    let isCurrent = true;
    let opened: { database: ConsoleDatabase; replication: ConsoleReplication } | null = null;
    createConsoleDatabase().then(
      (database) => {
        if (!isCurrent) {
          void database.remove();
          return;
        }
        opened = { database, replication: replicateConsole(database, api, session.collections, { onExpired: () => onSignOut(expiredError) }) };
        setReadModel({ status: 'open', ...opened });
      },
      (error: unknown) => {
        const detail = error instanceof Error ? error.message.split('\n')[0] : 'unknown error';
        if (isCurrent)
          setReadModel({
            status: 'failed',
            error: {
              code: 'read-model-unavailable',
              message: `This window could not open its working copy of the queues (${detail}). Open the console over https or from the server itself, or call IT support.`,
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
  }, [api, session, onSignOut]);

  const navigate = useCallback((hash: string) => {
    window.location.hash = hash;
  }, []);
  const context = useMemo<ConsoleWorkspaceContext | null>(
    () => (readModel.status === 'open' ? { api, session, database: readModel.database, replication: readModel.replication, navigate } : null),
    [api, session, readModel, navigate],
  );

  if (!context) {
    return (
      <main id="main" className="starting">
        {readModel.status === 'failed' ? <ErrorNotice error={readModel.error} /> : <LoadingNotice>Opening your queues…</LoadingNotice>}
      </main>
    );
  }
  return (
    <ConsoleContext.Provider value={context}>
      <Shell workspaces={workspaces} embedded={embedded} onSignOut={() => onSignOut(null)} />
    </ConsoleContext.Provider>
  );
}

function useReplicaStatus(replication: ConsoleReplication): ConsoleReplicaStatus {
  const [status, setStatus] = useState(replication.status());
  useEffect(() => {
    const subscription = replication.status$.subscribe(setStatus);
    return () => subscription.unsubscribe();
  }, [replication]);
  return status;
}

function linkText(status: ConsoleReplicaStatus, locale: string): string {
  if (status.link === 'down')
    return `Server unreachable: showing what was last received${status.pulledAt ? ` (${describeConfirmation(status.pulledAt, locale)})` : ''}. Decisions cannot be sent until it is back.`;
  if (status.link === 'connecting') return 'Connecting to the server…';
  return status.isReady ? 'Live: queues update as the server changes' : 'Loading the queues…';
}

function Shell({
  workspaces,
  embedded,
  onSignOut,
}: {
  readonly workspaces: readonly ConsoleWorkspaceDefinition[];
  readonly embedded: boolean;
  readonly onSignOut: () => void;
}) {
  const { session, replication } = useConsole();
  const status = useReplicaStatus(replication);
  const hash = useSyncExternalStore(subscribeToHash, () => window.location.hash);
  const route = parseConsoleRoute(hash);
  // Stable across renders: the redirect effect below depends on it.
  const mine = useMemo(() => workspacesFor(session.roles, workspaces), [session.roles, workspaces]);

  useEffect(() => {
    // Home goes to the operator's first workspace.
    if (route.kind === 'home' && mine[0]) window.location.replace(workspaceHash(mine[0].path));
  }, [route.kind, mine]);

  const current = route.kind === 'workspace' ? workspaces.find((workspace) => workspace.path === route.path) : undefined;
  let content;
  if (route.kind === 'case') content = <CaseScreen caseId={route.caseId} workspaces={workspaces} />;
  else if (route.kind === 'home') content = mine.length === 0 ? <NoWorkspace /> : <LoadingNotice>Opening your workspace…</LoadingNotice>;
  else if (!current)
    content = <Refused title="Page not found" message={`There is no console page “${route.path}”. Use the navigation to open one of your workspaces.`} />;
  else if (!hasAnyRole(session, current.roles)) {
    content = (
      <Refused
        title="Not available to you"
        message={`The ${current.title} workspace is for ${current.roles.join(' or ')}. You are signed in as ${session.username} (${session.roles.join(', ')}), so it cannot be opened here.`}
      />
    );
  } else {
    const Workspace = current.component;
    content = <Workspace />;
  }

  return (
    <div className="desk console">
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="desk-header">
        <div className="brand">
          <span className="brand-name">CoverDesk{embedded ? ' payer workspaces' : ' payer console'}</span>
          <span className="brand-place">{session.scheme.name}</span>
        </div>
        <div className="sync-summary" role="status" aria-live="polite">
          <p className={`sync-state ${status.link === 'open' ? 'online' : ''}`}>
            <span className="sync-dot" aria-hidden="true" />
            {linkText(status, session.scheme.locale)}
          </p>
        </div>
        <div className="header-actions">
          <span>
            {session.displayName} ({session.username}, {session.roles.join(', ')})
          </span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="desk-nav" aria-label="Workspaces">
        <ul>
          {mine.map((workspace) => (
            <li key={workspace.path}>
              <a href={workspaceHash(workspace.path)} aria-current={route.kind === 'workspace' && route.path === workspace.path ? 'page' : undefined}>
                {workspace.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {status.error ? <ErrorNotice error={status.error} title="The queues could not be updated." onRetry={() => replication.resync()} /> : null}
        <BreachNotice />
        {content}
      </main>
    </div>
  );
}

/**
 * A stage of the operator's roles passed its service level while the console was open (issue 15:
 * the server tells only the owning roles, and HA): said at once, on whatever screen is open, with
 * the way to the clocks, until dismissed; a later breach says it again.
 */
function BreachNotice() {
  const notices = useBreachNotices();
  const [dismissed, setDismissed] = useState(0);
  if (notices.count === 0 || notices.count === dismissed) return null;
  return (
    <div className="notice notice-error" role="alert">
      <p>
        Past the service level now: {notices.stages.map((stage) => stageLabels[stage]).join(', ')}.{' '}
        <a href={workspaceHash('clocks')}>Open the turnaround clocks</a> to see which.
      </p>
      <button type="button" onClick={() => setDismissed(notices.count)}>
        Dismiss the service-level notice
      </button>
    </div>
  );
}

function Refused({ title, message }: { readonly title: string; readonly message: string }) {
  return (
    <ScreenFrame title={title}>
      <div className="notice notice-error" role="alert">
        <p>{message}</p>
      </div>
    </ScreenFrame>
  );
}

function NoWorkspace() {
  return (
    <ScreenFrame title="No workspace">
      <InfoNotice>Your roles have no console workspace yet.</InfoNotice>
    </ScreenFrame>
  );
}
