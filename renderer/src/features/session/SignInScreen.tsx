import { useState, type FormEvent } from 'react';
import type { DeskError, SessionInfo } from '@desk-api/contract';
import type { DeskConnection } from '../../desk-client/desk-link';
import { ErrorNotice } from '../../shared/ui/Notice';
import { TextField } from '../../shared/ui/Field';
import { canOfferPayerWorkspaces, PayerWorkspacesLink } from '../../console/desk-entry';

/**
 * Operator sign-in. The backend checks the server, or the cached offline verifier when the server is
 * unreachable (the session then says so in the header). Outside the workspace: no read model yet.
 */
export function SignInScreen({ client, onSignedIn }: { readonly client: DeskConnection; readonly onSignedIn: (session: SessionInfo) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [isBusy, setIsBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (isBusy) return;
    if (username.trim() === '' || password === '') {
      setError({ code: 'invalid-input', message: 'Enter your username and password.' });
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
      <h1>CoverDesk admission desk</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error ? 'sign-in-error' : undefined} noValidate>
        <TextField label="Username" name="username" autoComplete="username" autoFocus value={username} onChange={(event) => setUsername(event.target.value)} />
        <TextField
          label="Password"
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
          {isBusy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {canOfferPayerWorkspaces() ? (
        <p className="sign-in-aside">
          Payer staff (PPD, Medical Committee, Admin, CEX, CPD, ACO, HA): <PayerWorkspacesLink>open the payer workspaces</PayerWorkspacesLink> (online only;
          sign in there).
        </p>
      ) : null}
    </main>
  );
}
