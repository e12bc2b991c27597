import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { AccumulatorTable } from '../../shared/ui/AccumulatorTable';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
import { useServerRead } from '../admin/use-server-read';
import { ConsoleMoney } from '../app/console-context';

/**
 * The member's and the family's accumulators for the policy year (issue 14): allowed, used and
 * remaining, as GET /members/:id/accumulators states them with the time computed. Read again
 * whenever the case document moves (a booking, a decision).
 */
export function AccumulatorsPanel({ memberId, version }: { readonly memberId: string; readonly version: unknown }) {
  const translator = useTranslator();
  const { t, rich } = translator;
  const read = useServerRead<AccumulatorEnquiryValue>(`/members/${memberId}/accumulators`, version);
  return (
    <section className="panel" aria-labelledby="accumulators-heading">
      <h2 id="accumulators-heading">{t('console.accumulators.heading')}</h2>
      {read.status === 'loading' ? <LoadingNotice>{t('console.accumulators.loading')}</LoadingNotice> : null}
      {read.status === 'error' ? <ConsoleErrorNotice error={read.error} onRetry={read.reload} /> : null}
      {read.status === 'ready' ? (
        <>
          <p>
            {read.value.hasCostSharing
              ? t('console.accumulators.plan', { plan: read.value.planId ?? '', year: String(read.value.policyYear) })
              : t('console.accumulators.cashless', { year: String(read.value.policyYear) })}
          </p>
          <AccumulatorTable
            lines={read.value.benefitBalance.filter((b) => b.memberId === null || b.memberId === memberId)}
            caption={t('console.accumulators.caption')}
            money={(minor) => <ConsoleMoney minor={minor} />}
          />
          <p className="muted">
            {rich('console.accumulators.computedAt', {
              time: formatTimeIn(translator, read.value.computedAt),
              when: (chunks) => <time dateTime={read.value.computedAt}>{chunks}</time>,
            })}
          </p>
        </>
      ) : null}
    </section>
  );
}
