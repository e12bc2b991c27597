import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { BiometricEnrolments, MemberSummary } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { FaceCapture } from './face/FaceCapture';
import type { EnrolmentCase, EnrolmentOutcome, FaceSample } from './identity-verifier';

/**
 * Enrolling a patient's finger and face, from their case admitted at this hospital (issue 13 item
 * 5): the server enrols only a patient admitted here, and only on a one-time code sent to the
 * family's registered phone and verified in the last 30 minutes. So the operator first sends and
 * checks a code, then captures; a wrong enrolment is not overwritten here (the health authority
 * reviews a replacement).
 */
export function EnrolmentPanel({ caseId, member }: { readonly caseId: string; readonly member: MemberSummary }) {
  const { verifier, client } = useDesk();
  const [enrolments, setEnrolments] = useState<BiometricEnrolments | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [challenge, setChallenge] = useState<{ readonly challengeId: string; readonly phoneEnding: string } | null>(null);
  const [scope, setScope] = useState<EnrolmentCase | null>(null);
  const [code, setCode] = useState('');
  const [isBusy, setIsBusy] = useState(false);
  const [outcome, setOutcome] = useState<EnrolmentOutcome | null>(null);

  // Asked again for another member or after an enrolment, not each time the family record updates.
  const memberRef = useRef(member);
  memberRef.current = member;
  useEffect(() => {
    let isCurrent = true;
    void verifier.enrolments(memberRef.current).then((answer) => {
      if (!isCurrent) return;
      setEnrolments(answer.ok ? answer.value : null);
      setProblem(answer.ok ? null : answer.error.message);
    });
    return () => {
      isCurrent = false;
    };
  }, [verifier, member.memberId, version]);

  if (problem) return <ErrorNotice error={{ code: 'enrolments', message: problem }} onRetry={() => setVersion((current) => current + 1)} />;
  if (!enrolments) return <LoadingNotice>Checking the enrolment…</LoadingNotice>;
  const needsFinger = enrolments.fingerprint === null;
  const needsFace = enrolments.face === null;
  if (!needsFinger && !needsFace && !outcome) return null;

  const send = async (): Promise<void> => {
    setIsBusy(true);
    const answer = await client.call('identity.sendOtp', { memberId: member.memberId });
    setIsBusy(false);
    if (answer.ok) setChallenge(answer.value);
    else setOutcome({ kind: 'failed', detail: answer.error.message });
  };
  const check = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (!challenge || code.trim() === '' || isBusy) return;
    setIsBusy(true);
    const answer = await client.call('identity.verifyOtp', { challengeId: challenge.challengeId, code: code.trim() });
    setIsBusy(false);
    setCode('');
    if (!answer.ok) setOutcome({ kind: 'failed', detail: answer.error.message });
    else if (answer.value.verified) {
      setScope({ caseId, otpChallengeId: challenge.challengeId });
      setOutcome(null);
    } else setOutcome({ kind: 'failed', detail: answer.value.message ?? 'That code is not right.' });
  };
  const enrolled = (result: EnrolmentOutcome): void => {
    setOutcome(result);
    if (result.kind === 'enrolled') setVersion((current) => current + 1);
  };
  const enrolFinger = async (current: EnrolmentCase): Promise<void> => {
    setIsBusy(true);
    const result = await verifier.enrollFingerprint(member, current);
    setIsBusy(false);
    enrolled(result);
  };
  const enrolFace = async (current: EnrolmentCase, sample: FaceSample): Promise<void> => enrolled(await verifier.enrollFace(member, current, sample));

  return (
    <section className="panel" aria-labelledby="enrolment-title">
      <h2 id="enrolment-title">Enrol biometrics</h2>
      <p>
        {member.fullName} has no {needsFinger && needsFace ? 'fingerprint or face' : needsFinger ? 'fingerprint' : 'face'} enrolled. Enrolling needs the server
        and a one-time code sent to the family’s registered phone, read out by the patient or a relative.
      </p>
      {outcome ? (
        outcome.kind === 'enrolled' ? (
          <p role="status">{outcome.detail}</p>
        ) : (
          <ErrorNotice error={{ code: 'enrolment-failed', message: outcome.detail }} />
        )
      ) : null}
      {scope === null ? (
        <>
          <button type="button" onClick={() => void send()} disabled={isBusy}>
            {challenge ? 'Send a new code' : 'Send code for enrolment'}
          </button>
          {challenge ? <p role="status">Code sent to the phone ending {challenge.phoneEnding}.</p> : null}
          {challenge ? (
            <form onSubmit={(event) => void check(event)} noValidate>
              <TextField
                label="Enrolment code received by SMS"
                value={code}
                onChange={(event) => setCode(event.target.value)}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={8}
              />
              <button type="submit" className="primary" disabled={isBusy}>
                Check code
              </button>
            </form>
          ) : null}
        </>
      ) : (
        <>
          {needsFinger ? (
            <button type="button" onClick={() => void enrolFinger(scope)} disabled={isBusy || !enrolments.isFingerprintReaderReady}>
              Enrol fingerprint
            </button>
          ) : null}
          {needsFinger && !enrolments.isFingerprintReaderReady ? <p className="muted">No fingerprint reader is ready at this desk.</p> : null}
          {isBusy ? <LoadingNotice>Enrolling: place the finger, lift it, place it again…</LoadingNotice> : null}
          {needsFace ? <FaceCapture key="enrol" actionLabel="Enrol face" onCaptured={(sample) => enrolFace(scope, sample)} /> : null}
        </>
      )}
    </section>
  );
}
