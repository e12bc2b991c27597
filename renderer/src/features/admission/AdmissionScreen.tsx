import { useState, type FormEvent } from 'react';
import type { DeskError, FamilyView, IdentityMethod, MemberSummary } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { routeToHash } from '../../app/routes';
import { useFamily } from '../../shared/hooks/use-live-record';
import { admitIdentityArguments, type IdentityEvidence } from '../identity/identity-evidence';
import { identityMethodLabel } from '../../shared/labels';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { BenefitsPanel } from '../benefits/BenefitsPanel';
import { emptyPreauthDraft, preauthRequestOf, PreauthRequestFields, type PreauthDraft } from './PreauthRequestFields';

/** Admit an identified member and ask for pre-authorization of a treatment package. */
export function AdmissionScreen({ familyId, memberId, method }: { readonly familyId: string; readonly memberId: string; readonly method: IdentityMethod }) {
  const family = useFamily(familyId);
  if (family.status !== 'ready') {
    return (
      <ScreenFrame title="Admission">
        {family.status === 'loading' ? <LoadingNotice>Loading the member…</LoadingNotice> : <ErrorNotice error={family.error} onRetry={family.reload} />}
      </ScreenFrame>
    );
  }
  const member = family.value.members.find((candidate) => candidate.memberId === memberId);
  if (!member) {
    return (
      <ScreenFrame title="Admission">
        <ErrorNotice error={{ code: 'not-found', message: 'This member is not in the family. Go back to the family and choose again.' }} />
      </ScreenFrame>
    );
  }
  return (
    <ScreenFrame
      title={`Admit ${member.fullName}`}
      headingExtra={
        <p className="screen-subtitle">
          {member.schemeMemberId} · identity confirmed by {identityMethodLabel(method).toLowerCase()}
        </p>
      }
    >
      <AdmissionStep family={family.value} member={member} method={method} />
    </ScreenFrame>
  );
}

/** The admission needs what the identity step proved for this member (kept in memory, see identity-evidence.ts). */
function AdmissionStep({ family, member, method }: { readonly family: FamilyView; readonly member: MemberSummary; readonly method: IdentityMethod }) {
  const { identityEvidence } = useDesk();
  const evidence = identityEvidence.peek(member.memberId);
  if (!evidence || evidence.method !== method) {
    return (
      <div className="notice notice-error" role="alert">
        <p>Confirm {member.fullName}’s identity before admitting.</p>
        <a href={routeToHash({ screen: 'identify', familyId: family.familyId, memberId: member.memberId })}>Go to the identity step</a>
      </div>
    );
  }
  return <AdmissionForm family={family} member={member} evidence={evidence} />;
}

function AdmissionForm({ family, member, evidence }: { readonly family: FamilyView; readonly member: MemberSummary; readonly evidence: IdentityEvidence }) {
  const { client, navigate, session, identityEvidence } = useDesk();
  const [isEmergency, setIsEmergency] = useState(false);
  const [draft, setDraft] = useState<PreauthDraft>(emptyPreauthDraft);
  const [problem, setProblem] = useState<{ readonly field: 'package' | 'estimate'; readonly message: string } | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  // Once admitted, a retry only re-sends the pre-auth: admitting twice would be refused anyway.
  const [admittedCaseId, setAdmittedCaseId] = useState<string | null>(null);

  const admit = async (): Promise<string | null> => {
    if (admittedCaseId) return admittedCaseId;
    const answer = await client.call('cases.admit', { memberId: member.memberId, isEmergency, ...admitIdentityArguments(evidence) });
    if (!answer.ok) {
      setError(answer.error);
      return null;
    }
    // An OTP challenge admits once; a new admission needs a new identity step.
    identityEvidence.forget(member.memberId);
    setAdmittedCaseId(answer.value.caseId);
    return answer.value.caseId;
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (isBusy) return;
    const request = preauthRequestOf(draft, session.scheme);
    if (!request.ok) {
      setProblem(request);
      return;
    }
    setProblem(null);
    setError(null);
    setIsBusy(true);
    const caseId = await admit();
    if (caseId) {
      const answer = await client.call('cases.requestPreauth', { caseId, ...request.request });
      if (answer.ok) navigate({ screen: 'case', caseId });
      else setError({ ...answer.error, message: `Admitted, but the pre-auth request failed: ${answer.error.message}` });
    }
    setIsBusy(false);
  };

  const admitOnly = async (): Promise<void> => {
    if (isBusy) return;
    setError(null);
    setIsBusy(true);
    const caseId = await admit();
    setIsBusy(false);
    if (caseId) navigate({ screen: 'case', caseId });
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate className="admission-form">
      <div className="panel">
        <label className="checkbox">
          <input type="checkbox" checked={isEmergency} onChange={(event) => setIsEmergency(event.target.checked)} disabled={admittedCaseId !== null} />
          Emergency admission
        </label>
      </div>
      <div className="panel">
        <PreauthRequestFields draft={draft} onChange={setDraft} family={family} problem={problem} />
      </div>
      {draft.pkg ? <AdmissionEstimate memberId={member.memberId} draft={draft} /> : null}
      {error ? <ErrorNotice error={error} /> : null}
      {admittedCaseId ? (
        <p>
          <a href={routeToHash({ screen: 'case', caseId: admittedCaseId })}>Open the case</a> to request the pre-auth later.
        </p>
      ) : null}
      <div className="button-row">
        <button type="submit" className="primary" disabled={isBusy}>
          {isBusy ? 'Sending…' : admittedCaseId ? 'Request pre-auth' : 'Admit and request pre-auth'}
        </button>
        {admittedCaseId ? null : (
          <button type="button" onClick={() => void admitOnly()} disabled={isBusy}>
            Admit now, choose the package later
          </button>
        )}
      </div>
    </form>
  );
}

/** The patient's estimate for the chosen package, before anything is booked (issue 14). */
function AdmissionEstimate({ memberId, draft }: { readonly memberId: string; readonly draft: PreauthDraft }) {
  const { session } = useDesk();
  const request = preauthRequestOf(draft, session.scheme);
  if (!draft.pkg || (draft.pkg.isUnspecified && !request.ok)) return null;
  const amount = request.ok ? request.request.estimatedAmount : undefined;
  return <BenefitsPanel memberId={memberId} packageCode={draft.pkg.code} {...(amount !== undefined ? { amount } : {})} />;
}
