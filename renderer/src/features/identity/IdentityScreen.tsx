import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react';
import type { BiometricEnrolments, FamilyView, MemberSummary } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { routeToHash } from '../../app/routes';
import { useFamily } from '../../shared/hooks/use-live-record';
import { identityMethodLabel } from '../../shared/labels';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog';
import { TextAreaField, TextField } from '../../shared/ui/Field';
import { ErrorNotice, InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import type { IdentityEvidence } from './identity-evidence';
import { FaceCapture } from './face/FaceCapture';
import type { FaceSample } from './identity-verifier';
import {
  attemptsLeft,
  canTry,
  initialIdentityState,
  overrideReasonProblem,
  recordOutcome,
  shouldOfferOtp,
  type IdentityOutcome,
  type IdentityState,
  type VerifiableMethod,
} from './identity-attempts';

/** Prove who the patient is before admitting them: fingerprint, face, OTP, or an audited override. */
export function IdentityScreen({ familyId, memberId }: { readonly familyId: string; readonly memberId: string }) {
  const family = useFamily(familyId);
  if (family.status === 'loading') {
    return (
      <ScreenFrame title="Confirm identity">
        <LoadingNotice>Loading the member…</LoadingNotice>
      </ScreenFrame>
    );
  }
  if (family.status === 'error') {
    return (
      <ScreenFrame title="Confirm identity">
        <ErrorNotice error={family.error} onRetry={family.reload} />
      </ScreenFrame>
    );
  }
  const member = family.value.members.find((candidate) => candidate.memberId === memberId);
  if (!member) {
    return (
      <ScreenFrame title="Confirm identity">
        <ErrorNotice error={{ code: 'not-found', message: 'This member is not in the family any more. Go back to the family and choose again.' }} />
      </ScreenFrame>
    );
  }
  return (
    <ScreenFrame
      title={`Confirm identity: ${member.fullName}`}
      headingExtra={
        <p className="screen-subtitle">
          {member.schemeMemberId} · born {member.birthYear} · {member.relation} in family {family.value.familyNumber}
        </p>
      }
    >
      {member.activeCase ? (
        <ErrorNotice
          error={{
            code: 'case-already-active',
            message: `${member.fullName} has an active case ${member.activeCase.isOwnHospital ? 'at this hospital' : `at ${member.activeCase.hospitalCode}`}: they cannot be admitted again until it is discharged.`,
          }}
        />
      ) : (
        <IdentityStep family={family.value} member={member} />
      )}
    </ScreenFrame>
  );
}

const methods: readonly VerifiableMethod[] = ['fingerprint', 'face', 'otp', 'override'];

function IdentityStep({ family, member }: { readonly family: FamilyView; readonly member: MemberSummary }) {
  const { identityEvidence } = useDesk();
  const [state, recordInState] = useReducer(recordOutcome, initialIdentityState);
  const record = (outcome: IdentityOutcome, evidence?: IdentityEvidence): void => {
    if (outcome.kind === 'verified' && evidence) identityEvidence.record(member.memberId, evidence);
    recordInState(outcome);
  };
  const [chosen, setChosen] = useState<VerifiableMethod>('fingerprint');
  const isOtpOffered = shouldOfferOtp(state);
  const method = isOtpOffered && chosen !== 'override' && !canTry(state, chosen) ? 'otp' : chosen;

  if (state.verifiedBy) return <IdentityConfirmed method={state.verifiedBy} family={family} member={member} outcomes={state.outcomes} />;

  return (
    <div className="identity-layout">
      <fieldset className="panel method-choice">
        <legend>Identify with</legend>
        {methods.map((candidate) => (
          <label key={candidate} className={canTry(state, candidate) ? undefined : 'is-exhausted'}>
            <input type="radio" name="identity-method" value={candidate} checked={method === candidate} onChange={() => setChosen(candidate)} />
            {identityMethodLabel(candidate)}
            <span className="muted"> {methodNote(state, candidate, family)}</span>
          </label>
        ))}
      </fieldset>
      <div className="method-panel">
        {isOtpOffered ? (
          <InfoNotice>
            Five biometric attempts did not match. Send a one-time code to the registered phone ending {family.registeredPhoneEnding} — a relative may read it
            out if the patient cannot — or, if that is not possible, use a supervisor override with a written reason (audited and reviewed).
          </InfoNotice>
        ) : null}
        <MethodPanel method={method} state={state} family={family} member={member} onOutcome={record} />
        <OutcomeLog outcomes={state.outcomes} />
      </div>
    </div>
  );
}

function IdentityConfirmed({
  method,
  family,
  member,
  outcomes,
}: {
  readonly method: VerifiableMethod;
  readonly family: FamilyView;
  readonly member: MemberSummary;
  readonly outcomes: readonly IdentityOutcome[];
}) {
  const continueRef = useRef<HTMLAnchorElement>(null);
  // React's autoFocus does not apply to links: the next step gets focus here, so Enter continues.
  useEffect(() => continueRef.current?.focus(), []);
  return (
    <section className="panel success-panel" aria-labelledby="identity-done">
      <h2 id="identity-done">Identity confirmed by {identityMethodLabel(method).toLowerCase()}</h2>
      {method === 'override' ? <p>The case will be flagged “identity by override” and listed for review.</p> : null}
      <a ref={continueRef} className="button primary" href={routeToHash({ screen: 'admit', familyId: family.familyId, memberId: member.memberId, method })}>
        Continue to admission
      </a>
      <OutcomeLog outcomes={outcomes} />
    </section>
  );
}

function methodNote(state: IdentityState, method: VerifiableMethod, family: FamilyView): string {
  if (method === 'override') return '(with a written reason, reviewed later)';
  if (method === 'otp' && state.isOtpLocked) return '(locked after too many wrong codes)';
  const left = attemptsLeft(state, method);
  const where = method === 'otp' ? `to the phone ending ${family.registeredPhoneEnding}, ` : '';
  return `(${where}${left} attempt${left === 1 ? '' : 's'} left)`;
}

interface MethodPanelProps {
  readonly method: VerifiableMethod;
  readonly state: IdentityState;
  readonly family: FamilyView;
  readonly member: MemberSummary;
  /** Every attempt's outcome; a verified one comes with the evidence the admission will carry. */
  readonly onOutcome: (outcome: IdentityOutcome, evidence?: IdentityEvidence) => void;
}

function MethodPanel(props: MethodPanelProps) {
  switch (props.method) {
    case 'fingerprint':
      return <FingerprintPanel {...props} />;
    case 'face':
      return <FacePanel {...props} />;
    case 'otp':
      return <OtpPanel {...props} />;
    case 'override':
      return <OverridePanel {...props} />;
  }
}

/** What this desk holds for the member: loaded when a biometric panel opens and after an enrolment. */
function useEnrolments(member: MemberSummary): {
  readonly enrolments: BiometricEnrolments | null;
  readonly problem: string | null;
  readonly reload: () => void;
} {
  const { verifier } = useDesk();
  const [state, setState] = useState<{ readonly enrolments: BiometricEnrolments | null; readonly problem: string | null }>({ enrolments: null, problem: null });
  const [version, setVersion] = useState(0);
  // Asked again for another member or after an enrolment, not each time the family record updates.
  const memberRef = useRef(member);
  memberRef.current = member;
  useEffect(() => {
    let isCurrent = true;
    void verifier.enrolments(memberRef.current).then((answer) => {
      if (isCurrent) setState(answer.ok ? { enrolments: answer.value, problem: null } : { enrolments: null, problem: answer.error.message });
    });
    return () => {
      isCurrent = false;
    };
  }, [verifier, member.memberId, version]);
  return { ...state, reload: () => setVersion((current) => current + 1) };
}

function FingerprintPanel({ state, member, onOutcome }: MethodPanelProps) {
  const { verifier } = useDesk();
  const { enrolments, problem, reload } = useEnrolments(member);
  const [activity, setActivity] = useState<'idle' | 'verifying'>('idle');
  const capture = async (): Promise<void> => {
    setActivity('verifying');
    const outcome = await verifier.verifyFingerprint(member);
    setActivity('idle');
    onOutcome(outcome, { method: 'fingerprint' });
  };
  const isAllowed = canTry(state, 'fingerprint');
  const isEnrolled = enrolments?.fingerprint != null;
  return (
    <section className="panel" aria-labelledby="method-title">
      <h2 id="method-title">Fingerprint</h2>
      {problem ? <ErrorNotice error={{ code: 'enrolments', message: problem }} onRetry={reload} /> : null}
      {enrolments && !enrolments.isFingerprintReaderReady ? (
        <InfoNotice>No fingerprint reader is ready at this desk (see the device status). Choose another method.</InfoNotice>
      ) : null}
      {enrolments === null && !problem ? <LoadingNotice>Checking the enrolment…</LoadingNotice> : null}
      {enrolments && isEnrolled ? <p>Ask the patient to place the enrolled finger flat on the reader, then capture.</p> : null}
      {enrolments && !isEnrolled ? <p>{notEnrolledYet(member, 'fingerprint')}</p> : null}
      {activity === 'verifying' ? <LoadingNotice>Waiting for the finger on the reader…</LoadingNotice> : null}
      {enrolments && isEnrolled ? (
        <button
          type="button"
          className="primary"
          onClick={() => void capture()}
          disabled={activity !== 'idle' || !isAllowed || !enrolments.isFingerprintReaderReady}
          autoFocus
        >
          Capture fingerprint
        </button>
      ) : null}
      {!isAllowed ? <p className="muted">No attempts left with this method: choose another.</p> : null}
    </section>
  );
}

/**
 * A member with nothing enrolled is identified another way this time: enrolment needs the patient
 * admitted here and a one-time code (issue 13 item 5), so it is offered on the case screen.
 */
function notEnrolledYet(member: MemberSummary, modality: 'fingerprint' | 'face'): string {
  return `${member.fullName} has no ${modality} enrolled yet. Identify the patient by one-time code or a supervisor override; once admitted, enrol the ${modality === 'face' ? 'face' : 'finger'} from the case (it needs a one-time code to the family's phone).`;
}

/**
 * Face: the camera (face/) gates the capture (one face, close enough, frontal, live) and computes
 * the descriptor; the desk backend compares it with the member's cached enrolment. A refused
 * capture (no face, two faces, …) is explained in the camera view and costs no attempt; a captured
 * face that does not match does.
 */
function FacePanel({ state, member, onOutcome }: MethodPanelProps) {
  const { verifier } = useDesk();
  const { enrolments, problem, reload } = useEnrolments(member);
  const isAllowed = canTry(state, 'face');
  const isEnrolled = enrolments?.face != null;
  const verify = async (sample: FaceSample): Promise<void> => {
    onOutcome(await verifier.verifyFace(member, sample), { method: 'face' });
  };
  return (
    <section className="panel" aria-labelledby="method-title">
      <h2 id="method-title">Face</h2>
      {problem ? <ErrorNotice error={{ code: 'enrolments', message: problem }} onRetry={reload} /> : null}
      {enrolments === null && !problem ? <LoadingNotice>Checking the enrolment…</LoadingNotice> : null}
      {enrolments && !isEnrolled ? <p>{notEnrolledYet(member, 'face')}</p> : null}
      {enrolments && isEnrolled ? <p>Ask the patient to look straight at the camera, alone in view, then verify.</p> : null}
      {enrolments && isEnrolled ? <FaceCapture key="verify" actionLabel="Verify face" onCaptured={verify} isDisabled={!isAllowed} /> : null}
      {!isAllowed ? <p className="muted">No attempts left with this method: choose another.</p> : null}
    </section>
  );
}

function OtpPanel({ state, family, member, onOutcome }: MethodPanelProps) {
  const { client } = useDesk();
  const [challenge, setChallenge] = useState<{ readonly challengeId: string; readonly phoneEnding: string } | null>(null);
  const [isForRelative, setIsForRelative] = useState(false);
  const [code, setCode] = useState('');
  const [isBusy, setIsBusy] = useState(false);

  const send = async (): Promise<void> => {
    setIsBusy(true);
    const answer = await client.call('identity.sendOtp', { memberId: member.memberId, isForRelative });
    setIsBusy(false);
    if (answer.ok) setChallenge(answer.value);
    else onOutcome({ kind: answer.error.code === 'offline-unavailable' ? 'unavailable' : 'failed', method: 'otp', detail: answer.error.message });
  };

  const check = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (!challenge || code.trim() === '' || isBusy) return;
    setIsBusy(true);
    const answer = await client.call('identity.verifyOtp', { challengeId: challenge.challengeId, code: code.trim() });
    setIsBusy(false);
    setCode('');
    if (!answer.ok) {
      onOutcome({ kind: answer.error.code === 'offline-unavailable' ? 'unavailable' : 'failed', method: 'otp', detail: answer.error.message });
      return;
    }
    const result = answer.value;
    if (result.verified)
      onOutcome({ kind: 'verified', method: 'otp', detail: 'The one-time code is correct.' }, { method: 'otp', otpChallengeId: challenge.challengeId });
    else if (result.lockedUntil)
      onOutcome({ kind: 'locked', method: 'otp', detail: result.message ?? 'Too many wrong codes: one-time codes are locked for now.' });
    else onOutcome({ kind: 'not-matched', method: 'otp', detail: result.message ?? 'That code is not right.' });
  };

  const isAllowed = canTry(state, 'otp');
  return (
    <section className="panel" aria-labelledby="method-title">
      <h2 id="method-title">One-time code</h2>
      <p>
        The code goes to the family’s registered phone, ending {family.registeredPhoneEnding}. It needs the server: offline, use fingerprint, face or an
        override.
      </p>
      <label className="checkbox">
        <input type="checkbox" checked={isForRelative} onChange={(event) => setIsForRelative(event.target.checked)} />A relative will read out the code (the
        patient cannot)
      </label>
      <button type="button" onClick={() => void send()} disabled={isBusy || !isAllowed} autoFocus={challenge === null}>
        {challenge ? 'Send a new code' : 'Send code'}
      </button>
      {challenge ? <p role="status">Code sent to the phone ending {challenge.phoneEnding}.</p> : null}
      {challenge ? (
        <form onSubmit={(event) => void check(event)} noValidate>
          <TextField
            label="Code received by SMS"
            value={code}
            onChange={(event) => setCode(event.target.value)}
            inputMode="numeric"
            autoComplete="one-time-code"
            autoFocus
            maxLength={8}
          />
          <button type="submit" className="primary" disabled={isBusy || !isAllowed}>
            {isBusy ? 'Checking…' : 'Check code'}
          </button>
        </form>
      ) : null}
    </section>
  );
}

/**
 * The override is the last resort (unconscious patient, no relative with the phone). The reason and
 * the supervisor go with the admission; the server audits them and lists the case for review.
 */
function OverridePanel({ onOutcome }: MethodPanelProps) {
  const [reason, setReason] = useState('');
  const [supervisor, setSupervisor] = useState('');
  const [problems, setProblems] = useState<{ readonly reason: string | null; readonly supervisor: string | null }>({ reason: null, supervisor: null });
  const [isConfirming, setIsConfirming] = useState(false);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const found = { reason: overrideReasonProblem(reason), supervisor: supervisor.trim() === '' ? 'Name the supervisor who authorises the override.' : null };
    setProblems(found);
    if (!found.reason && !found.supervisor) setIsConfirming(true);
  };
  return (
    <section className="panel" aria-labelledby="method-title">
      <h2 id="method-title">Supervisor override</h2>
      <form onSubmit={submit} noValidate>
        <TextAreaField
          label="Why the patient cannot be identified otherwise"
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          rows={3}
          problem={problems.reason}
          hint="e.g. unconscious after a road accident; wife confirmed identity with the ration card"
          autoFocus
        />
        <TextField
          label="Supervisor authorising the override"
          value={supervisor}
          onChange={(event) => setSupervisor(event.target.value)}
          problem={problems.supervisor}
          autoComplete="off"
        />
        <button type="submit" className="danger">
          Use supervisor override
        </button>
      </form>
      <ConfirmDialog
        isOpen={isConfirming}
        title="Identify by supervisor override?"
        confirmLabel="Yes, override"
        onCancel={() => setIsConfirming(false)}
        onConfirm={() => {
          setIsConfirming(false);
          onOutcome(
            { kind: 'verified', method: 'override', detail: `Override authorised by ${supervisor.trim()}.` },
            { method: 'override', overrideReason: reason.trim(), supervisorName: supervisor.trim() },
          );
        }}
      >
        <p>The case will be flagged “identity by override”, audited, and listed for review.</p>
        <p>Reason: {reason.trim()}</p>
      </ConfirmDialog>
    </section>
  );
}

function OutcomeLog({ outcomes }: { readonly outcomes: readonly IdentityOutcome[] }) {
  return (
    <section aria-labelledby="identity-log">
      <h2 id="identity-log" className="small-heading">
        Attempts
      </h2>
      <div role="log" aria-live="polite">
        <ol className="outcome-log">
          {outcomes.length === 0 ? <li className="muted">None yet.</li> : null}
          {outcomes.map((outcome, index) => (
            <li key={index} className={`outcome outcome-${outcome.kind}`}>
              <strong>
                {identityMethodLabel(outcome.method)}: {outcomeWord(outcome)}.
              </strong>{' '}
              {outcome.detail}
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}

function outcomeWord(outcome: IdentityOutcome): string {
  switch (outcome.kind) {
    case 'verified':
      return 'confirmed';
    case 'not-matched':
      return 'did not match';
    case 'unavailable':
      return 'not available';
    case 'locked':
      return 'locked';
    case 'failed':
      return 'failed';
  }
}
