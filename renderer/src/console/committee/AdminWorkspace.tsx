import { UnspecifiedQueueScreen } from './UnspecifiedQueueScreen';
import { useTranslator } from '../../i18n/LanguageProvider';

/** ADMIN: the committee's recommendations waiting for approval. */
export function AdminWorkspace() {
  const { t } = useTranslator();
  return (
    <UnspecifiedQueueScreen
      title={t('console.workspace.admin')}
      status="admin-review"
      pastStatuses={['approved', 'rejected']}
      amountOf="recommendation"
      intro={t('console.admin.intro')}
    />
  );
}
