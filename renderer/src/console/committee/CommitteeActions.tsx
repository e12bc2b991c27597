import { InfoNotice } from '../../shared/ui/Notice';
import { ConsoleMoney } from '../app/console-context';
import { DecisionForm } from '../case/DecisionForm';
import type { ConsoleCase } from '../data/documents';

/** MC on an unspecified-package case in committee review: the recommended amount and the reasoning. */
export function CommitteeCaseActions({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const preauth = caseDoc.preauth;
  if (!preauth?.isUnspecified) return null;
  if (preauth.status !== 'committee-review') {
    return preauth.recommendedAmount !== null ? (
      <InfoNotice>
        <p>
          The committee recommended <ConsoleMoney minor={preauth.recommendedAmount} />.
        </p>
      </InfoNotice>
    ) : null;
  }
  return (
    <DecisionForm
      title="Committee recommendation"
      command="recommend-preauth"
      body={{ caseId: caseDoc.caseId }}
      choices={[{ value: 'recommend', label: 'Recommend', needsAmount: true, needsReason: true }]}
      amountLabel="Recommended amount"
      reasonLabel="The committee's reasoning"
      submitLabel="Send recommendation"
    />
  );
}

/** ADMIN on an unspecified-package case in admin review: approve the recommendation, approve lower, or reject. */
export function AdminCaseActions({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const preauth = caseDoc.preauth;
  if (!preauth?.isUnspecified || preauth.status !== 'admin-review') return null;
  return (
    <>
      <InfoNotice>
        <p>
          The Medical Committee recommends <ConsoleMoney minor={preauth.recommendedAmount} />
          {preauth.decisionReason ? `: “${preauth.decisionReason}”` : '.'} The desk estimated <ConsoleMoney minor={preauth.requestedAmount} />.
        </p>
      </InfoNotice>
      <DecisionForm
        title="Admin approval"
        command="approve-unspecified"
        body={{ caseId: caseDoc.caseId }}
        maxAmount={preauth.recommendedAmount ?? preauth.requestedAmount}
        choices={[
          { value: 'approve', label: 'Approve the recommendation' },
          { value: 'approve-lower', label: 'Approve a lower amount', needsAmount: true, needsReason: true },
          { value: 'reject', label: 'Reject', needsReason: true },
        ]}
        amountLabel="Approved amount"
      />
    </>
  );
}
