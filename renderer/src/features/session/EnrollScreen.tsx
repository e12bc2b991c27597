import { useState, type FormEvent } from 'react';
import type { DeskError } from '@desk-api/contract';
import type { DeskConnection } from '../../desk-client/desk-link';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice } from '../../shared/ui/Notice';

/**
 * First start of a desk: IT staff enter the sync server's address and the one-time enrollment code
 * the health authority issued for this desk. The desk backend keeps the resulting credential.
 */
export function EnrollScreen({ client, onEnrolled }: { readonly client: DeskConnection; readonly onEnrolled: () => void }) {
  const [serverUrl, setServerUrl] = useState('');
  const [code, setCode] = useState('');
  const [isBusy, setIsBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (isBusy) return;
    if (serverUrl.trim() === '' || code.trim() === '') {
      setError({ code: 'invalid-input', message: 'Enter the server address and the enrollment code.' });
      return;
    }
    setIsBusy(true);
    setError(null);
    const answer = await client.call('enrollment.enroll', { serverUrl: serverUrl.trim(), code: code.trim() });
    setIsBusy(false);
    if (answer.ok) onEnrolled();
    else setError(answer.error);
  };

  return (
    <main id="main" className="sign-in">
      <h1>Enroll this desk</h1>
      <p>This desk is not enrolled yet. IT staff: enter the server address and the enrollment code issued for this desk by the health authority.</p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label="Sync server address"
          value={serverUrl}
          onChange={(event) => setServerUrl(event.target.value)}
          autoFocus
          autoComplete="url"
          inputMode="url"
          hint="e.g. https://coverdesk.example.org"
        />
        <TextField label="Enrollment code" value={code} onChange={(event) => setCode(event.target.value)} autoComplete="off" spellCheck={false} />
        {error ? <ErrorNotice error={error} /> : null}
        <button type="submit" className="primary" disabled={isBusy}>
          {isBusy ? 'Enrolling…' : 'Enroll desk'}
        </button>
      </form>
    </main>
  );
}
