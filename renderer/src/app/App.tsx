import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { DeskError, SessionInfo } from '@desk-api/contract';
import type { DeskConnection } from '../desk-client/desk-link';
import type { IdentityVerifier } from '../features/identity/identity-verifier';
import { EnrollScreen } from '../features/session/EnrollScreen';
import { SignInScreen } from '../features/session/SignInScreen';
import { useLinkStatus } from '../features/status/use-link-status';
import { ErrorNotice, LoadingNotice } from '../shared/ui/Notice';
import { useLanguageChoice, useTranslator } from '../i18n/LanguageProvider';
import { Workspace } from './Workspace';

type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: DeskError }
  | { readonly status: 'not-enrolled' }
  | { readonly status: 'signed-out' }
  | { readonly status: 'signed-in'; readonly session: SessionInfo };

/**
 * The whole page: wait for the desk backend, check the desk is enrolled, ask who is signed in, then
 * show enrollment, sign-in or the desk.
 * A backend of another desk API version is final: nothing works until the page is updated.
 */
export function App({ client, verifier, devTools }: { readonly client: DeskConnection; readonly verifier: IdentityVerifier; readonly devTools?: ReactNode }) {
  const link = useLinkStatus(client);
  const [session, setSession] = useState<SessionState>({ status: 'loading' });
  const isLinkOpen = link.state === 'open';
  const [attempt, setAttempt] = useState(0);
  // Browser mode keeps a sign-in per connection: after the link comes back it is a new connection,
  // so ask again who is signed in (the sign-in screen, not a workspace whose calls all fail).
  const wasLinkOpen = useRef(isLinkOpen);
  const { t } = useTranslator();
  // The operator's language (issue 19): their remembered choice once signed in, and later choices kept for them.
  const { setOperator } = useLanguageChoice();
  const operatorId = session.status === 'signed-in' ? session.session.operatorId : null;
  useEffect(() => setOperator(operatorId), [setOperator, operatorId]);
  useEffect(() => {
    if (isLinkOpen && !wasLinkOpen.current) setSession((current) => (current.status === 'signed-in' ? { status: 'loading' } : current));
    wasLinkOpen.current = isLinkOpen;
  }, [isLinkOpen]);

  useEffect(() => {
    if (!isLinkOpen || session.status !== 'loading') return;
    let isCurrent = true;
    void (async () => {
      const enrollment = await client.call('enrollment.status', {});
      if (!isCurrent) return;
      if (!enrollment.ok) return setSession({ status: 'error', error: enrollment.error });
      if (!enrollment.value.isEnrolled) return setSession({ status: 'not-enrolled' });
      const current = await client.call('session.current', {});
      if (!isCurrent) return;
      if (!current.ok) setSession({ status: 'error', error: current.error });
      else setSession(current.value ? { status: 'signed-in', session: current.value } : { status: 'signed-out' });
    })();
    return () => {
      isCurrent = false;
    };
    // Re-asked after a reconnect or a retry, never while signed in.
  }, [client, isLinkOpen, session.status, attempt]);

  if (link.state === 'refused' && link.problem) {
    return (
      <main id="main" className="starting">
        <h1>{t('desk.app.cannotStart')}</h1>
        <ErrorNotice error={link.problem} />
      </main>
    );
  }

  switch (session.status) {
    case 'loading':
      return (
        <main id="main" className="starting">
          <h1>CoverDesk</h1>
          <LoadingNotice>{isLinkOpen ? t('desk.app.checkingSession') : (link.problem?.message ?? t('desk.app.connecting'))}</LoadingNotice>
        </main>
      );
    case 'error':
      return (
        <main id="main" className="starting">
          <h1>CoverDesk</h1>
          <ErrorNotice
            error={session.error}
            onRetry={() => {
              setSession({ status: 'loading' });
              setAttempt((value) => value + 1);
            }}
          />
        </main>
      );
    case 'not-enrolled':
      return <EnrollScreen client={client} onEnrolled={() => setSession({ status: 'signed-out' })} />;
    case 'signed-out':
      return <SignInScreen client={client} onSignedIn={(value) => setSession({ status: 'signed-in', session: value })} />;
    case 'signed-in':
      return (
        <Workspace
          client={client}
          session={session.session}
          verifier={verifier}
          devTools={devTools}
          onSignOut={() => {
            // Patient data leaves the screen at once, whether or not the backend answers.
            window.location.hash = '';
            setSession({ status: 'signed-out' });
            void client.call('session.signOut', {});
          }}
        />
      );
  }
}
