import { useState, type FormEvent } from 'react';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice } from '../../shared/ui/Notice';
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

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError({ code: 'invalid-input', message: 'Enter your username and password.' });
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
        <h1 id="console-sign-in-heading">CoverDesk payer console</h1>
        <p>Sign in with your payer account (PPD, Medical Committee, Admin, CEX, CPD, ACO or HA).</p>
        {notice && !error ? <ErrorNotice error={notice} /> : null}
        {error ? <ErrorNotice error={error} title="Not signed in." /> : null}
        <form onSubmit={(event) => void submit(event)} noValidate>
          <TextField
            label="Username"
            name="username"
            autoComplete="username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            autoFocus
          />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <div className="button-row">
            <button type="submit" className="primary" disabled={isBusy}>
              {isBusy ? 'Signing in…' : 'Sign in'}
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
