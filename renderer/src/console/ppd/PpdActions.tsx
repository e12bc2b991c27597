import { useTranslator } from '../../i18n/LanguageProvider';
import { InfoNotice } from '../../shared/ui/Notice';
import { useMoney } from '../app/console-context';
import { DecisionForm } from '../case/DecisionForm';
import type { ConsoleCase } from '../data/documents';

/** PPD's decisions on a case: the pre-auth (approve, approve lower, reject, query) and each pending enhancement. */
export function PpdCaseActions({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const preauth = caseDoc.preauth;
  const pendingEnhancements = caseDoc.enhancements.filter((e) => e.status === 'pending');
  const money = useMoney();
  const { t, rich } = useTranslator();
  return (
    <>
      {preauth && !preauth.isUnspecified && preauth.status === 'pending' ? (
        <DecisionForm
          title={t('console.ppd.decidePreauth')}
          command="decide-preauth"
          body={{ caseId: caseDoc.caseId }}
          maxAmount={preauth.requestedAmount}
          choices={[
            { value: 'approve', label: t('console.decision.approve') },
            { value: 'approve-lower', label: t('console.decision.approveLower'), needsAmount: true, needsReason: true },
            { value: 'reject', label: t('console.decision.reject'), needsReason: true },
            { value: 'query', label: t('console.decision.query'), needsReason: true },
          ]}
          amountLabel={t('console.decision.approvedAmount')}
          reasonLabel={t('console.ppd.reasonOrQuestion')}
        />
      ) : null}
      {preauth?.status === 'queried' ? (
        <InfoNotice>
          <p>{rich('console.ppd.waitingOnDesk', { query: preauth.queryReason ?? '', strong: (chunks) => <strong>{chunks}</strong> })}</p>
        </InfoNotice>
      ) : null}
      {pendingEnhancements.map((enhancement) => (
        <DecisionForm
          key={enhancement.id}
          title={t('console.ppd.decideEnhancement', { amount: money(enhancement.requestedAmount), reason: enhancement.reason })}
          command="decide-enhancement"
          body={{ enhancementId: enhancement.id }}
          maxAmount={enhancement.requestedAmount}
          choices={[
            { value: 'approve', label: t('console.decision.approve') },
            { value: 'approve-lower', label: t('console.decision.approveLower'), needsAmount: true, needsReason: true },
            { value: 'reject', label: t('console.decision.reject'), needsReason: true },
          ]}
          amountLabel={t('console.decision.approvedAmount')}
        />
      ))}
    </>
  );
}
