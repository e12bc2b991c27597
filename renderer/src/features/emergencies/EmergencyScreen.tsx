import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { DeskError, EmergencySex, EmergencyView, IdentifyMatch, IdentityMethod } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { routeToHash } from '../../app/routes';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { emergencyTitle, windowSentence } from './emergency-time';

const sexLabels: Readonly<Record<EmergencySex, string>> = { male: 'Male', female: 'Female', other: 'Other', unknown: 'Cannot tell' };
const photoLimit = 98_304;

/**
 * Emergencies before identity (issue 19): admit an unconscious or unidentified patient at once
 * (no member, no hold; treatment is never held up by identity), see each one's window to identify,
 * and merge it into the member once identity is established. Everything is queued: it works offline.
 */
export function EmergencyScreen() {
  const { client } = useDesk();
  const [list, setList] = useState<{ status: 'loading' } | { status: 'ready'; items: EmergencyView[] } | { status: 'failed'; error: DeskError }>({
    status: 'loading',
  });
  const reload = useCallback(async () => {
    const answer = await client.call('emergencies.list', {});
    setList(answer.ok ? { status: 'ready', items: answer.value } : { status: 'failed', error: answer.error });
  }, [client]);
  useEffect(() => {
    void reload();
    // The time left moves with the clock; the server's answers arrive with sync.
    const timer = setInterval(() => void reload(), 30_000);
    const stop = client.on('sync.status', () => void reload());
    return () => {
      clearInterval(timer);
      stop();
    };
  }, [client, reload]);

  return (
    <ScreenFrame title="Emergencies">
      <AdmitEmergencyForm onAdmitted={() => void reload()} />
      <section className="panel" aria-labelledby="emergency-list-heading">
        <h2 id="emergency-list-heading">Emergency patients at this desk</h2>
        {list.status === 'loading' ? <LoadingNotice>Loading emergencies…</LoadingNotice> : null}
        {list.status === 'failed' ? <ErrorNotice error={list.error} onRetry={() => void reload()} /> : null}
        {list.status === 'ready' && list.items.length === 0 ? <p>No emergency patients admitted before identity.</p> : null}
        {list.status === 'ready' ? (
          <ul className="emergency-list">
            {list.items.map((emergency) => (
              <EmergencyItem key={emergency.caseId} emergency={emergency} onChanged={() => void reload()} />
            ))}
          </ul>
        ) : null}
      </section>
    </ScreenFrame>
  );
}

function AdmitEmergencyForm({ onAdmitted }: { readonly onAdmitted: () => void }) {
  const { client } = useDesk();
  const [sex, setSex] = useState<EmergencySex>('unknown');
  const [age, setAge] = useState('');
  const [foundAt, setFoundAt] = useState('');
  const [photo, setPhoto] = useState<{ type: 'image/jpeg' | 'image/png'; base64: string } | null>(null);
  const [error, setError] = useState<DeskError | null>(null);
  const [admitted, setAdmitted] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);

  const choosePhoto = async (file: File | undefined): Promise<void> => {
    setError(null);
    if (!file) return setPhoto(null);
    if (file.type !== 'image/jpeg' && file.type !== 'image/png') return setError({ code: 'invalid-input', message: 'The photo must be a JPEG or PNG.' });
    if (file.size > photoLimit) return setError({ code: 'invalid-input', message: 'The photo is larger than 96 KiB: take it again smaller.' });
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    setPhoto({ type: file.type, base64: btoa(binary) });
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (isBusy) return;
    const approximateAge = Number(age);
    if (age.trim() === '' || !Number.isInteger(approximateAge) || approximateAge < 0 || approximateAge > 120)
      return setError({ code: 'invalid-input', message: 'Give an approximate age in whole years, 0 to 120.' });
    if (foundAt.trim() === '') return setError({ code: 'invalid-input', message: 'Say where and how the patient was found or brought in.' });
    setIsBusy(true);
    setError(null);
    const answer = await client.call('emergencies.admit', { sex, approximateAge, foundAt: foundAt.trim(), ...(photo ? { photo } : {}) });
    setIsBusy(false);
    if (!answer.ok) return setError(answer.error);
    setAdmitted(emergencyTitle({ sex, approximateAge }));
    setAge('');
    setFoundAt('');
    setPhoto(null);
    onAdmitted();
  };

  return (
    <form className="panel" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="emergency-admit-heading">
      <h2 id="emergency-admit-heading">Admit an unidentified patient</h2>
      <p>Treat first: the patient is admitted now, with no member and nothing held on any cover, and identified later.</p>
      <label className="stacked-label">
        Sex
        <select value={sex} onChange={(event) => setSex(event.target.value as EmergencySex)}>
          {(Object.keys(sexLabels) as EmergencySex[]).map((value) => (
            <option key={value} value={value}>
              {sexLabels[value]}
            </option>
          ))}
        </select>
      </label>
      <label className="stacked-label">
        Approximate age (years)
        <input inputMode="numeric" value={age} onChange={(event) => setAge(event.target.value)} />
      </label>
      <label className="stacked-label">
        Where found, brought in by
        <textarea value={foundAt} maxLength={500} onChange={(event) => setFoundAt(event.target.value)} />
      </label>
      <label className="stacked-label">
        Photo (optional, JPEG or PNG)
        <input type="file" accept="image/jpeg,image/png" onChange={(event) => void choosePhoto(event.target.files?.[0])} />
      </label>
      {error ? <ErrorNotice error={error} /> : null}
      {admitted ? <p role="status">{admitted} admitted as an emergency case.</p> : null}
      <div className="button-row">
        <button type="submit" className="primary" disabled={isBusy}>
          {isBusy ? 'Admitting…' : 'Admit as emergency'}
        </button>
      </div>
    </form>
  );
}

function EmergencyItem({ emergency, onChanged }: { readonly emergency: EmergencyView; readonly onChanged: () => void }) {
  const syncLabel =
    emergency.sync === 'pending' ? 'Waiting to reach the server' : emergency.sync === 'refused' ? 'Refused by the server' : 'Confirmed by the server';
  return (
    <li className={`panel emergency${emergency.isOverdue ? ' emergency-overdue' : ''}`} data-case-id={emergency.caseId}>
      <h3>{emergencyTitle(emergency)}</h3>
      <p>
        Admitted {new Date(emergency.admittedAt).toLocaleString()} · found: {emergency.foundAt}
        {emergency.hasPhoto ? ' · photo taken' : ''}
      </p>
      <p className={emergency.isOverdue ? 'notice notice-error' : 'notice'} role={emergency.isOverdue ? 'alert' : undefined}>
        {windowSentence(emergency)}
      </p>
      <p className="muted">
        {syncLabel}
        {emergency.rejection ? `: ${emergency.rejection}` : ''}
      </p>
      {emergency.status === 'merged' ? (
        <p>
          <a href={routeToHash({ screen: 'case', caseId: emergency.caseId })}>Open the case</a>
        </p>
      ) : (
        <MergeForm emergency={emergency} onMerged={onChanged} />
      )}
    </li>
  );
}

const mergeMethods: readonly { readonly method: IdentityMethod; readonly label: string }[] = [
  { method: 'fingerprint', label: 'Fingerprint on the desk reader' },
  { method: 'override', label: 'Supervisor override (audited, reviewed)' },
  { method: 'document', label: 'Document shown' },
];

/** Identity established: find the member by scheme id, prove it, and merge the emergency case into them. */
function MergeForm({ emergency, onMerged }: { readonly emergency: EmergencyView; readonly onMerged: () => void }) {
  const { client, navigate } = useDesk();
  const [schemeId, setSchemeId] = useState('');
  const [match, setMatch] = useState<IdentifyMatch | null>(null);
  const [method, setMethod] = useState<IdentityMethod>('fingerprint');
  const [isVerified, setIsVerified] = useState(false);
  const [reason, setReason] = useState('');
  const [supervisor, setSupervisor] = useState('');
  const [documentLast4, setDocumentLast4] = useState('');
  const [error, setError] = useState<DeskError | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const label = `merge-${emergency.caseId}`;

  const find = async (): Promise<void> => {
    setError(null);
    setMatch(null);
    setIsVerified(false);
    const answer = await client.call('members.identify', { by: 'scheme-id', value: schemeId.trim() });
    if (!answer.ok) return setError(answer.error);
    const [first] = answer.value.matches;
    if (!first) return setError({ code: 'not-found', message: `No member with the scheme id ${schemeId.trim()}.` });
    setMatch(first);
  };

  const verify = async (): Promise<void> => {
    if (!match) return;
    setError(null);
    const answer = await client.call('identity.verifyFingerprint', { memberId: match.member.memberId });
    if (!answer.ok) return setError(answer.error);
    setIsVerified(answer.value.matched);
    if (!answer.value.matched) setError({ code: 'not-matched', message: answer.value.detail });
  };

  const merge = async (): Promise<void> => {
    if (!match || isBusy) return;
    setIsBusy(true);
    setError(null);
    const answer = await client.call('emergencies.merge', {
      caseId: emergency.caseId,
      memberId: match.member.memberId,
      identityMethod: method,
      ...(method === 'override' ? { overrideReason: reason.trim(), supervisorName: supervisor.trim() } : {}),
      ...(method === 'document' ? { document: { type: 'health-card' as const, numberLast4: documentLast4.trim() } } : {}),
    });
    setIsBusy(false);
    if (!answer.ok) return setError(answer.error);
    onMerged();
    navigate({ screen: 'case', caseId: emergency.caseId });
  };

  return (
    <div className="emergency-merge" role="group" aria-label={`Identify ${emergencyTitle(emergency).toLowerCase()}`}>
      <label htmlFor={`${label}-scheme`}>Scheme member id</label>
      <div className="button-row">
        <input id={`${label}-scheme`} value={schemeId} onChange={(event) => setSchemeId(event.target.value)} />
        <button type="button" onClick={() => void find()} disabled={schemeId.trim() === ''}>
          Find member
        </button>
      </div>
      {match ? (
        <>
          <p>
            {match.member.fullName} · {match.member.schemeMemberId} · family {match.familyNumber}
          </p>
          <label className="stacked-label">
            Identity proven by
            <select
              value={method}
              onChange={(event) => {
                setMethod(event.target.value as IdentityMethod);
                setIsVerified(false);
              }}
            >
              {mergeMethods.map((option) => (
                <option key={option.method} value={option.method}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          {method === 'fingerprint' ? (
            <button type="button" onClick={() => void verify()}>
              {isVerified ? 'Fingerprint matched' : 'Verify on the reader'}
            </button>
          ) : null}
          {method === 'override' ? (
            <>
              <label className="stacked-label">
                Why identity cannot be proven otherwise
                <textarea value={reason} onChange={(event) => setReason(event.target.value)} />
              </label>
              <label className="stacked-label">
                Authorising supervisor
                <input value={supervisor} onChange={(event) => setSupervisor(event.target.value)} />
              </label>
            </>
          ) : null}
          {method === 'document' ? (
            <label className="stacked-label">
              Last 4 characters of the health card
              <input value={documentLast4} maxLength={4} onChange={(event) => setDocumentLast4(event.target.value)} />
            </label>
          ) : null}
          <div className="button-row">
            <button type="button" className="primary" onClick={() => void merge()} disabled={isBusy || (method === 'fingerprint' && !isVerified)}>
              {isBusy ? 'Merging…' : `Merge into ${match.member.fullName}`}
            </button>
          </div>
        </>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
