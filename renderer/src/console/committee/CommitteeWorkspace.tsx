import { UnspecifiedQueueScreen } from './UnspecifiedQueueScreen';
import { useTranslator } from '../../i18n/LanguageProvider';

/** MC: unspecified-package cases waiting for the committee's recommended amount. */
export function CommitteeWorkspace() {
  const { t } = useTranslator();
  return (
    <UnspecifiedQueueScreen
      title={t('console.workspace.committee')}
      status="committee-review"
      pastStatuses={['admin-review', 'approved', 'rejected']}
      amountOf="estimate"
      intro={t('console.committee.intro')}
    />
  );
}
