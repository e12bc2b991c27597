import { useState, type FormEvent } from 'react';
import type { DeskError, SessionInfo } from '@desk-api/contract';
import type { DeskConnection } from '../../desk-client/desk-link';
import { ErrorNotice } from '../../shared/ui/Notice';
import { TextField } from '../../shared/ui/Field';
import { canOfferPayerWorkspaces, PayerWorkspacesLink } from '../../console/desk-entry';
import { useTranslator } from '../../i18n/LanguageProvider';
import { LanguageSwitch } from '../../i18n/LanguageSwitch';

/**
 * Operator sign-in. The backend checks the server, or the cached offline verifier when the server is
 * unreachable (the session then says so in the header). Outside the workspace: no read model yet.
 */
export function SignInScreen({ client, onSignedIn }: { readonly client: DeskConnection; readonly onSignedIn: (session: SessionInfo) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [isBusy, setIsBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const { t, rich } = useTranslator();

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (isBusy) return;
    if (username.trim() === '' || password === '') {
      setError({ code: 'invalid-input', message: t('console.signIn.missing') });
      return;
    }
    setIsBusy(true);
    setError(null);
    const answer = await client.call('session.signIn', { username: username.trim(), password });
    setIsBusy(false);
    if (answer.ok) onSignedIn(answer.value);
    else {
      setError(answer.error);
      setPassword('');
    }
  };

  return (
    <main id="main" className="sign-in">
      <p className="sign-in-language">
        <LanguageSwitch />
      </p>
      <h1>{t('desk.signIn.title')}</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error ? 'sign-in-error' : undefined} noValidate>
        <TextField
          label={t('console.signIn.username')}
          name="username"
          autoComplete="username"
          autoFocus
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <TextField
          label={t('console.signIn.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {error ? (
          <div id="sign-in-error">
            <ErrorNotice error={error} />
          </div>
        ) : null}
        <button type="submit" className="primary" disabled={isBusy}>
          {isBusy ? t('console.signIn.busy') : t('console.signIn.submit')}
        </button>
      </form>
      {canOfferPayerWorkspaces() ? (
        <p className="sign-in-aside">
          {rich('desk.signIn.payerAside', {
            // The link's words are plain text in every language: the link takes a string.
            link: (chunks) => <PayerWorkspacesLink>{chunks.filter((chunk): chunk is string => typeof chunk === 'string').join('')}</PayerWorkspacesLink>,
          })}
        </p>
      ) : null}
    </main>
  );
}
