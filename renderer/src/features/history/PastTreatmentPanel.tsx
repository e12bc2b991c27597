import { useState, type FormEvent } from 'react';
import type { DeskError } from '@desk-api/contract';
import type { MemberHistoryValue } from '@contract/member-record';
import { useDesk, useScheme } from '../../app/desk-context';
import { TextField } from '../../shared/ui/Field';
import { Money } from '../../shared/ui/Money';
import { ErrorNotice, InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { formatTime } from '../../shared/time';

const statusWords: Record<MemberHistoryValue['pastCases'][number]['status'], string> = {
  admitted: 'Still admitted',
  discharged: 'Discharged',
  cancelled: 'Cancelled',
};

/**
 * "Past treatment" on the case screen (issue 16): the patient's cases at every hospital, shown only
 * with their consent. The operator asks the patient, sends a one-time code to the family's
 * registered phone, the patient (or a relative) reads it out — or the patient's enrolled finger
 * matches on this desk's reader — and the desk records the consent on the server; it lasts until discharge, at most 72 hours. Every look is logged on the server and
 * shown to the member on their own page. Online only: nothing of the history is kept on the desk.
 */
export function PastTreatmentPanel({ caseId, memberId }: { readonly caseId: string; readonly memberId: string }) {
  const { client } = useDesk();
  const scheme = useScheme();
  const [history, setHistory] = useState<MemberHistoryValue | null>(null);
  const [problem, setProblem] = useState<DeskError | null>(null);
  const [challenge, setChallenge] = useState<{ readonly challengeId: string; readonly phoneEnding: string } | null>(null);
  const [needsConsent, setNeedsConsent] = useState(false);
  const [code, setCode] = useState('');
  const [isBusy, setIsBusy] = useState(false);

  const show = async (): Promise<void> => {
    setIsBusy(true);
    const answer = await client.call('history.view', { caseId });
    setIsBusy(false);
    if (answer.ok) {
      setHistory(answer.value);
      setProblem(null);
      setNeedsConsent(false);
    } else if (answer.error.code === 'consent-required') {
      setNeedsConsent(true);
      setProblem(null);
    } else setProblem(answer.error);
  };
  const send = async (): Promise<void> => {
    setIsBusy(true);
    const answer = await client.call('identity.sendOtp', { memberId });
    setIsBusy(false);
    if (answer.ok) setChallenge(answer.value);
    else setProblem(answer.error);
  };
  const consent = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (!challenge || code.trim() === '' || isBusy) return;
    setIsBusy(true);
    const verified = await client.call('identity.verifyOtp', { challengeId: challenge.challengeId, code: code.trim() });
    setCode('');
    if (!verified.ok || !verified.value.verified) {
      setIsBusy(false);
      setProblem(verified.ok ? { code: verified.value.reason ?? 'wrong-code', message: verified.value.message ?? 'That code is not right.' } : verified.error);
      return;
    }
    const granted = await client.call('history.consent', { caseId, otpChallengeId: challenge.challengeId });
    setIsBusy(false);
    if (!granted.ok) {
      setProblem(granted.error);
      return;
    }
    setChallenge(null);
    await show();
  };

  // The alternative to a code: the patient puts their enrolled finger on this desk's reader now;
  // the desk process signs that match for the consent and the server checks it (issue 16).
  const consentByFingerprint = async (): Promise<void> => {
    if (isBusy) return;
    setIsBusy(true);
    setProblem(null);
    const matched = await client.call('identity.verifyFingerprint', { memberId });
    if (!matched.ok || !matched.value.matched) {
      setIsBusy(false);
      setProblem(matched.ok ? { code: 'no-match', message: `The fingerprint did not match: ${matched.value.detail}` } : matched.error);
      return;
    }
    const granted = await client.call('history.consent', { caseId, method: 'fingerprint' });
    setIsBusy(false);
    if (!granted.ok) {
      setProblem(granted.error);
      return;
    }
    setChallenge(null);
    await show();
  };

  return (
    <section className="panel" aria-labelledby="past-treatment-title">
      <h2 id="past-treatment-title">Past treatment</h2>
      {problem ? <ErrorNotice error={problem} /> : null}
      {history === null && !needsConsent ? (
        <>
          <p className="muted">The patient’s cases at every hospital, with their consent. Needs the server; each look is recorded and shown to the patient.</p>
          <button type="button" onClick={() => void show()} disabled={isBusy}>
            Show past treatment
          </button>
        </>
      ) : null}
      {needsConsent && history === null ? (
        <>
          <InfoNotice>
            The patient has not consented to this hospital seeing their past treatment. Ask them; if they agree, send a code to the family’s registered phone
            and enter the code they read out, or let them put their enrolled finger on the reader. The consent lasts until discharge, at most 72 hours.
          </InfoNotice>
          <div className="button-row">
            <button type="button" onClick={() => void send()} disabled={isBusy}>
              {challenge ? 'Send a new code' : 'Send consent code'}
            </button>
            <button type="button" onClick={() => void consentByFingerprint()} disabled={isBusy}>
              Consent by fingerprint
            </button>
          </div>
          {challenge ? <p role="status">Code sent to the phone ending {challenge.phoneEnding}.</p> : null}
          {challenge ? (
            <form onSubmit={(event) => void consent(event)} noValidate>
              <TextField
                label="Consent code read out by the patient"
                value={code}
                onChange={(event) => setCode(event.target.value)}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={8}
              />
              <button type="submit" className="primary" disabled={isBusy}>
                Record consent and show
              </button>
            </form>
          ) : null}
        </>
      ) : null}
      {isBusy ? <LoadingNotice>Asking the server…</LoadingNotice> : null}
      {history ? (
        <>
          <p className="muted">
            Consent until {formatTime(history.consent.expiresAt, scheme.locale)} (or discharge). Read at {formatTime(history.lookedAt, scheme.locale)}.
          </p>
          {history.pastCases.length === 0 ? (
            <p>No earlier cases at any hospital.</p>
          ) : (
            <table className="data-table" aria-label="Past cases">
              <thead>
                <tr>
                  <th scope="col">Admitted</th>
                  <th scope="col">Hospital</th>
                  <th scope="col">Package</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Claim</th>
                </tr>
              </thead>
              <tbody>
                {history.pastCases.map((past) => (
                  <tr key={`${past.hospitalCode}-${past.admittedAt}`}>
                    <td>
                      <time dateTime={past.admittedAt}>{formatTime(past.admittedAt, scheme.locale)}</time>
                      {past.dischargedAt ? (
                        <>
                          {' – '}
                          <time dateTime={past.dischargedAt}>{formatTime(past.dischargedAt, scheme.locale)}</time>
                        </>
                      ) : null}
                    </td>
                    <td>
                      {past.hospitalName}
                      {past.isThisHospital ? ' (here)' : ''}
                    </td>
                    <td>{past.package ? `${past.package.code} ${past.package.name}` : '—'}</td>
                    <td>
                      {statusWords[past.status]}
                      {past.isEmergency ? ', emergency' : ''}
                      {past.preauthStatus ? `; pre-auth ${past.preauthStatus}` : ''}
                    </td>
                    <td>
                      {past.claim ? (
                        <>
                          {past.claim.status}, <Money minor={past.claim.amount} />
                          {past.claim.approvedAmount !== null ? (
                            <>
                              {' '}
                              (approved <Money minor={past.claim.approvedAmount} />)
                            </>
                          ) : null}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {history.truncated ? <p className="muted">Only the newest {history.pastCases.length} cases are shown.</p> : null}
        </>
      ) : null}
    </section>
  );
}
