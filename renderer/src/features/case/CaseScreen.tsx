import { useRef, useState } from 'react';
import { useShortcut } from '../../app/shortcut-registry';
import { useCase, useFamily, type LiveCase } from '../../shared/hooks/use-live-record';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { BalanceBar } from '../family/BalanceBar';
import { BookingForm } from './BookingForm';
import { BookingsTable } from './BookingsTable';
import { caseShortcuts } from './case-shortcuts';
import { CaseSummary } from './CaseSummary';
import { canRaiseClaim, ClosingPanel } from './ClosingPanel';
import { EnhancementPanel } from './EnhancementPanel';
import { HoldSummary } from './HoldSummary';
import { PreauthPanel } from './PreauthPanel';
import { PatientBillPanel } from '../settlement/PatientBillPanel';
import { BenefitsPanel } from '../benefits/BenefitsPanel';
import { EnrolmentPanel } from '../identity/EnrolmentPanel';
import { PastTreatmentPanel } from '../history/PastTreatmentPanel';
import { DocumentsPanel } from '../documents/DocumentsPanel';

/** One case, live: pre-auth decisions, hold, bookings and the family balance update as they happen. */
export function CaseScreen({ caseId }: { readonly caseId: string }) {
  const liveCase = useCase(caseId);
  if (liveCase.status === 'loading') {
    return (
      <ScreenFrame title="Case">
        <LoadingNotice>Loading the case…</LoadingNotice>
      </ScreenFrame>
    );
  }
  if (liveCase.status === 'error') {
    return (
      <ScreenFrame title="Case">
        <ErrorNotice error={liveCase.error} onRetry={liveCase.reload} />
      </ScreenFrame>
    );
  }
  return <CaseWorkspace liveCase={liveCase.value} />;
}

function CaseWorkspace({ liveCase }: { readonly liveCase: LiveCase }) {
  const family = useFamily(liveCase.familyId);
  const itemRef = useRef<HTMLInputElement>(null);
  const enhancementRef = useRef<HTMLInputElement>(null);
  const claimRef = useRef<HTMLInputElement>(null);
  const preauthRef = useRef<HTMLHeadingElement>(null);
  const [isDischargeOpen, setIsDischargeOpen] = useState(false);
  const isActive = liveCase.status === 'admitted' || liveCase.status === 'pending-sync';
  const member = family.status === 'ready' ? family.value.members.find((candidate) => candidate.memberId === liveCase.memberId) : undefined;

  useShortcut(caseShortcuts.booking, () => itemRef.current?.focus(), isActive);
  useShortcut(caseShortcuts.enhancement, () => enhancementRef.current?.focus(), isActive);
  useShortcut(caseShortcuts.discharge, () => setIsDischargeOpen(true), isActive);
  useShortcut(caseShortcuts.claim, () => claimRef.current?.focus(), canRaiseClaim(liveCase));
  useShortcut(caseShortcuts.preauth, () => preauthRef.current?.focus());

  return (
    <ScreenFrame title={`Case of ${liveCase.memberName}`} headingExtra={<p className="screen-subtitle">{liveCase.schemeMemberId}</p>}>
      <CaseSummary liveCase={liveCase} />
      <div className="case-columns">
        <div className="case-main">
          <PreauthPanel liveCase={liveCase} headingRef={preauthRef} />
          {/* The checklist and attaching (issue 19): what each stage still needs, before it is sent. */}
          {liveCase.status === 'rejected' ? null : (
            <DocumentsPanel caseId={liveCase.caseId} packageCode={liveCase.preauth.packageCode ?? null} version={liveCase} />
          )}
          <section className="panel" aria-labelledby="bookings-title">
            <h2 id="bookings-title">Bookings</h2>
            <BookingsTable liveCase={liveCase} canVoid={isActive} />
            {isActive ? <BookingForm liveCase={liveCase} itemRef={itemRef} /> : null}
          </section>
          <EnhancementPanel liveCase={liveCase} amountRef={enhancementRef} />
          <ClosingPanel liveCase={liveCase} isDischargeOpen={isDischargeOpen} onDischargeOpen={setIsDischargeOpen} claimRef={claimRef} />
          {liveCase.status === 'discharged' ? <PatientBillPanel caseId={liveCase.caseId} /> : null}
          {/* Biometrics are enrolled only for a patient the server holds as admitted here (issue 13 item 5). */}
          {liveCase.status === 'admitted' && member ? <EnrolmentPanel caseId={liveCase.caseId} member={member} /> : null}
          {/* Past treatment at every hospital, with the patient's consent, while admitted here (issue 16; online only). */}
          {liveCase.status === 'admitted' ? <PastTreatmentPanel caseId={liveCase.caseId} memberId={liveCase.memberId} /> : null}
        </div>
        <div className="case-side">
          <HoldSummary liveCase={liveCase} />
          {liveCase.status === 'rejected' ? null : <BenefitsPanel memberId={liveCase.memberId} caseId={liveCase.caseId} />}
          {family.status === 'ready' ? (
            <BalanceBar balance={family.value.balance} pendingAmount={family.value.pendingAmount} heading="Family cover" />
          ) : family.status === 'loading' ? (
            <LoadingNotice>Loading the family balance…</LoadingNotice>
          ) : (
            <ErrorNotice error={family.error} onRetry={family.reload} />
          )}
        </div>
      </div>
    </ScreenFrame>
  );
}
