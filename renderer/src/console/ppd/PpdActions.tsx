import { InfoNotice } from '../../shared/ui/Notice';
import { useMoney } from '../app/console-context';
import { DecisionForm } from '../case/DecisionForm';
import type { ConsoleCase } from '../data/documents';

/** PPD's decisions on a case: the pre-auth (approve, approve lower, reject, query) and each pending enhancement. */
export function PpdCaseActions({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const preauth = caseDoc.preauth;
  const pendingEnhancements = caseDoc.enhancements.filter((e) => e.status === 'pending');
  const money = useMoney();
  return (
    <>
      {preauth && !preauth.isUnspecified && preauth.status === 'pending' ? (
        <DecisionForm
          title="Decide the pre-authorization"
          command="decide-preauth"
          body={{ caseId: caseDoc.caseId }}
          maxAmount={preauth.requestedAmount}
          choices={[
            { value: 'approve', label: 'Approve' },
            { value: 'approve-lower', label: 'Approve a lower amount', needsAmount: true, needsReason: true },
            { value: 'reject', label: 'Reject', needsReason: true },
            { value: 'query', label: 'Query the desk', needsReason: true },
          ]}
          amountLabel="Approved amount"
          reasonLabel="Reason or question for the desk"
        />
      ) : null}
      {preauth?.status === 'queried' ? (
        <InfoNotice>
          <p>
            <strong>Waiting on the desk.</strong> Your query: “{preauth.queryReason}”. The case comes back to your queue when the desk answers.
          </p>
        </InfoNotice>
      ) : null}
      {pendingEnhancements.map((enhancement) => (
        <DecisionForm
          key={enhancement.id}
          title={`Decide the enhancement request of ${money(enhancement.requestedAmount)} (“${enhancement.reason}”)`}
          command="decide-enhancement"
          body={{ enhancementId: enhancement.id }}
          maxAmount={enhancement.requestedAmount}
          choices={[
            { value: 'approve', label: 'Approve' },
            { value: 'approve-lower', label: 'Approve a lower amount', needsAmount: true, needsReason: true },
            { value: 'reject', label: 'Reject', needsReason: true },
          ]}
          amountLabel="Approved amount"
        />
      ))}
    </>
  );
}
