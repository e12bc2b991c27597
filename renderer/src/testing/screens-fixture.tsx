/** Elements under test, written in JSX here because the repository's vitest runs only *.test.ts files. */
import type { CaseView, DeskError, FamilyView } from '@desk-api/contract';
import type { DeskWorkspace } from '../app/desk-context';
import type { LiveCase } from '../shared/hooks/use-live-record';
import { PackagePicker } from '../features/admission/PackagePicker';
import { PreauthRequestFields, emptyPreauthDraft } from '../features/admission/PreauthRequestFields';
import { BookingForm } from '../features/case/BookingForm';
import { BookingsTable } from '../features/case/BookingsTable';
import { ClosingPanel } from '../features/case/ClosingPanel';
import { EnhancementPanel } from '../features/case/EnhancementPanel';
import { PreauthPanel } from '../features/case/PreauthPanel';
import { BalanceBar } from '../features/family/BalanceBar';
import { MembersTable } from '../features/family/MembersTable';
import { FindScreen } from '../features/find/FindScreen';
import { EnrollScreen } from '../features/session/EnrollScreen';
import { SignInScreen } from '../features/session/SignInScreen';
import { PaymentForm } from '../features/settlement/PatientBillPanel';
import type { PayableBalance } from '../features/settlement/payment-draft';
import { ErrorNotice } from '../shared/ui/Notice';
import { InWorkspace } from './workspace-fixture';

const noop = (): void => undefined;
const ref = { current: null };

export const fixtures = {
  signIn: (workspace: DeskWorkspace) => <SignInScreen client={workspace.client} onSignedIn={noop} />,
  enroll: (workspace: DeskWorkspace) => <EnrollScreen client={workspace.client} onEnrolled={noop} />,
  find: (workspace: DeskWorkspace) => (
    <InWorkspace workspace={workspace}>
      <FindScreen />
    </InWorkspace>
  ),
  family: (workspace: DeskWorkspace, family: FamilyView) => (
    <InWorkspace workspace={workspace}>
      <BalanceBar balance={family.balance} pendingAmount={family.pendingAmount} />
      <MembersTable family={family} />
    </InWorkspace>
  ),
  admission: (workspace: DeskWorkspace, family: FamilyView) => (
    <InWorkspace workspace={workspace}>
      <PackagePicker selectedCode={null} onSelect={noop} />
      <PreauthRequestFields
        draft={{
          ...emptyPreauthDraft,
          pkg: { code: 'SG999U', name: 'General Surgery: unspecified procedure', specialty: 'General Surgery', isUnspecified: true, price: 100, version: 1 },
          estimate: '3000',
        }}
        onChange={noop}
        family={family}
        problem={null}
      />
    </InWorkspace>
  ),
  caseWork: (workspace: DeskWorkspace, liveCase: LiveCase) => (
    <InWorkspace workspace={workspace}>
      <PreauthPanel liveCase={liveCase} headingRef={ref} />
      <BookingsTable liveCase={liveCase} canVoid />
      <BookingForm liveCase={liveCase} itemRef={ref} />
      <EnhancementPanel liveCase={liveCase} amountRef={ref} />
      <ClosingPanel liveCase={liveCase} isDischargeOpen={false} onDischargeOpen={noop} claimRef={ref} />
    </InWorkspace>
  ),
  paymentForm: (workspace: DeskWorkspace, balance: PayableBalance | null) => (
    <InWorkspace workspace={workspace}>
      <PaymentForm caseId="11111111-2222-4333-8444-555555555555" balance={balance} onTaken={noop} />
    </InWorkspace>
  ),
  error: (error: DeskError) => <ErrorNotice error={error} onRetry={noop} />,
};

export type { CaseView };
