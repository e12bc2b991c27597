import { InfoNotice } from '../../shared/ui/Notice';
import { useTranslator } from '../../i18n/LanguageProvider';
import { ConsoleMoney } from '../app/console-context';
import { DecisionForm } from '../case/DecisionForm';
import type { ConsoleCase } from '../data/documents';

/** MC on an unspecified-package case in committee review: the recommended amount and the reasoning. */
export function CommitteeCaseActions({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const preauth = caseDoc.preauth;
  const { t, rich } = useTranslator();
  if (!preauth?.isUnspecified) return null;
  if (preauth.status !== 'committee-review') {
    return preauth.recommendedAmount !== null ? (
      <InfoNotice>
        <p>{rich('console.committee.recommended', { amount: <ConsoleMoney minor={preauth.recommendedAmount} /> })}</p>
      </InfoNotice>
    ) : null;
  }
  return (
    <DecisionForm
      title={t('console.committee.recommendation')}
      command="recommend-preauth"
      body={{ caseId: caseDoc.caseId }}
      choices={[{ value: 'recommend', label: t('console.committee.recommend'), needsAmount: true, needsReason: true }]}
      amountLabel={t('console.committee.recommendedAmount')}
      reasonLabel={t('console.committee.reasoning')}
      submitLabel={t('console.committee.send')}
    />
  );
}

/** ADMIN on an unspecified-package case in admin review: approve the recommendation, approve lower, or reject. */
export function AdminCaseActions({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const preauth = caseDoc.preauth;
  const { t, rich } = useTranslator();
  if (!preauth?.isUnspecified || preauth.status !== 'admin-review') return null;
  return (
    <>
      <InfoNotice>
        <p>
          {rich('console.admin.recommends', {
            recommended: <ConsoleMoney minor={preauth.recommendedAmount} />,
            hasReason: preauth.decisionReason ? 'yes' : 'no',
            reason: preauth.decisionReason ?? '',
            estimated: <ConsoleMoney minor={preauth.requestedAmount} />,
          })}
        </p>
      </InfoNotice>
      <DecisionForm
        title={t('console.workspace.admin')}
        command="approve-unspecified"
        body={{ caseId: caseDoc.caseId }}
        maxAmount={preauth.recommendedAmount ?? preauth.requestedAmount}
        choices={[
          { value: 'approve', label: t('console.admin.approveRecommendation') },
          { value: 'approve-lower', label: t('console.decision.approveLower'), needsAmount: true, needsReason: true },
          { value: 'reject', label: t('console.decision.reject'), needsReason: true },
        ]}
        amountLabel={t('console.decision.approvedAmount')}
      />
    </>
  );
}
