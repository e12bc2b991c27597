import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useLanguageChoice, useTranslator } from '../../i18n/LanguageProvider';
import { LanguageSwitch } from '../../i18n/LanguageSwitch';
import { describeConfirmationIn } from '../../i18n/time';
import type { Translator } from '../../i18n/translate';
import { InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ConsoleErrorNotice } from './ConsoleErrorNotice';
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
import { english } from '../../i18n/translate';

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
  const { setOperator } = useLanguageChoice();
  const operatorId = session?.operatorId ?? null;
  // The operator's remembered language (issue 19), taken up at sign-in and kept for them after.
  useEffect(() => setOperator(operatorId), [setOperator, operatorId]);

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
  const { t } = useTranslator();
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
        const detail = (error instanceof Error ? error.message.split('\n')[0] : undefined) ?? 'unknown error';
        if (isCurrent)
          setReadModel({
            status: 'failed',
            // The sentence in English; ConsoleErrorNotice says it in the operator's language from the detail.
            error: { code: 'read-model-unavailable', message: english.t('console.error.readModel', { detail }), details: { detail } },
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
        {readModel.status === 'failed' ? <ConsoleErrorNotice error={readModel.error} /> : <LoadingNotice>{t('console.app.openingQueues')}</LoadingNotice>}
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

function linkText(status: ConsoleReplicaStatus, translator: Translator): string {
  const { t } = translator;
  if (status.link === 'down')
    return status.pulledAt ? t('console.link.downSince', { confirmation: describeConfirmationIn(translator, status.pulledAt) }) : t('console.link.down');
  if (status.link === 'connecting') return t('console.link.connecting');
  return status.isReady ? t('console.link.live') : t('console.link.loading');
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
  const translator = useTranslator();
  const { t } = translator;
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
  else if (route.kind === 'home') content = mine.length === 0 ? <NoWorkspace /> : <LoadingNotice>{t('console.app.openingWorkspace')}</LoadingNotice>;
  else if (!current) content = <Refused title={t('console.app.notFound')} message={t('console.app.notFoundMessage', { path: route.path })} />;
  else if (!hasAnyRole(session, current.roles)) {
    content = (
      <Refused
        title={t('console.app.notYours')}
        message={t('console.app.notYoursMessage', {
          workspace: t(current.title),
          roles: translator.intl.formatList(current.roles, { type: 'disjunction' }),
          username: session.username,
          yourRoles: session.roles.join(', '),
        })}
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
        {t('console.app.skip')}
      </a>
      <header className="desk-header">
        <div className="brand">
          <span className="brand-name">{embedded ? t('console.app.brandEmbedded') : t('console.app.brand')}</span>
          <span className="brand-place">{session.scheme.name}</span>
        </div>
        <div className="sync-summary" role="status" aria-live="polite">
          <p className={`sync-state ${status.link === 'open' ? 'online' : ''}`}>
            <span className="sync-dot" aria-hidden="true" />
            {linkText(status, translator)}
          </p>
        </div>
        <div className="header-actions">
          <LanguageSwitch />
          <span>
            {session.displayName} ({session.username}, {session.roles.join(', ')})
          </span>
          <button type="button" onClick={onSignOut}>
            {t('console.app.signOut')}
          </button>
        </div>
      </header>
      <nav className="desk-nav" aria-label={t('console.app.workspaces')}>
        <ul>
          {mine.map((workspace) => (
            <li key={workspace.path}>
              <a href={workspaceHash(workspace.path)} aria-current={route.kind === 'workspace' && route.path === workspace.path ? 'page' : undefined}>
                {t(workspace.title)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {status.error ? <ConsoleErrorNotice error={status.error} title={t('console.app.queuesNotUpdated')} onRetry={() => replication.resync()} /> : null}
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
  const { t, rich } = useTranslator();
  const [dismissed, setDismissed] = useState(0);
  if (notices.count === 0 || notices.count === dismissed) return null;
  return (
    <div className="notice notice-error" role="alert">
      <p>
        {rich('console.breach.notice', {
          stages: notices.stages.map((stage) => t(stageLabels[stage])).join(', '),
          link: (chunks) => <a href={workspaceHash('clocks')}>{chunks}</a>,
        })}
      </p>
      <button type="button" onClick={() => setDismissed(notices.count)}>
        {t('console.breach.dismiss')}
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
  const { t } = useTranslator();
  return (
    <ScreenFrame title={t('console.app.noWorkspace')}>
      <InfoNotice>{t('console.app.noWorkspaceMessage')}</InfoNotice>
    </ScreenFrame>
  );
}
