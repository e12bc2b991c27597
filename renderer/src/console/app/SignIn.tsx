import { useState, type FormEvent } from 'react';
import { TextField } from '../../shared/ui/Field';
import { useTranslator } from '../../i18n/LanguageProvider';
import { LanguageSwitch } from '../../i18n/LanguageSwitch';
import { ConsoleErrorNotice } from './ConsoleErrorNotice';
import type { ConsoleApi, ConsoleError } from '../data/api';
import type { ConsoleSession } from '../data/documents';

/** Operator sign-in against the server (POST /auth/login); `notice` says why a previous session ended. */
export function SignIn({
  api,
  onSignedIn,
  notice,
}: {
  readonly api: ConsoleApi;
  readonly onSignedIn: (session: ConsoleSession) => void;
  readonly notice: ConsoleError | null;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ConsoleError | null>(null);
  const [isBusy, setBusy] = useState(false);
  const { t } = useTranslator();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError({ code: 'invalid-input', message: t('console.signIn.missing') });
      return;
    }
    setBusy(true);
    setError(null);
    const answer = await api.signIn(username.trim(), password);
    setBusy(false);
    if (answer.ok) onSignedIn(answer.value);
    else setError(answer.error);
  };

  return (
    <main id="main" className="sign-in" tabIndex={-1}>
      <section className="panel sign-in-panel" aria-labelledby="console-sign-in-heading">
        <div className="sign-in-language">
          <LanguageSwitch />
        </div>
        <h1 id="console-sign-in-heading">{t('console.app.brand')}</h1>
        <p>{t('console.signIn.intro')}</p>
        {notice && !error ? <ConsoleErrorNotice error={notice} /> : null}
        {error ? <ConsoleErrorNotice error={error} title={t('console.signIn.failed')} /> : null}
        <form onSubmit={(event) => void submit(event)} noValidate>
          <TextField
            label={t('console.signIn.username')}
            name="username"
            autoComplete="username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            autoFocus
          />
          <TextField
            label={t('console.signIn.password')}
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <div className="button-row">
            <button type="submit" className="primary" disabled={isBusy}>
              {isBusy ? t('console.signIn.busy') : t('console.signIn.submit')}
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
