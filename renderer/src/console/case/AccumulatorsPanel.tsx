import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import { formatTime } from '../../shared/time';
import { AccumulatorTable } from '../../shared/ui/AccumulatorTable';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { useServerRead } from '../admin/use-server-read';
import { ConsoleMoney, useConsole } from '../app/console-context';

/**
 * The member's and the family's accumulators for the policy year (issue 14): allowed, used and
 * remaining, as GET /members/:id/accumulators states them with the time computed. Read again
 * whenever the case document moves (a booking, a decision).
 */
export function AccumulatorsPanel({ memberId, version }: { readonly memberId: string; readonly version: unknown }) {
  const { session } = useConsole();
  const read = useServerRead<AccumulatorEnquiryValue>(`/members/${memberId}/accumulators`, version);
  return (
    <section className="panel" aria-labelledby="accumulators-heading">
      <h2 id="accumulators-heading">Accumulators</h2>
      {read.status === 'loading' ? <LoadingNotice>Reading the accumulators…</LoadingNotice> : null}
      {read.status === 'error' ? <ErrorNotice error={read.error} onRetry={read.reload} /> : null}
      {read.status === 'ready' ? (
        <>
          <p>
            {read.value.hasCostSharing
              ? `Plan ${read.value.planId ?? ''}, policy year ${read.value.policyYear}.`
              : `Cashless cover, policy year ${read.value.policyYear}.`}
          </p>
          <AccumulatorTable
            lines={read.value.benefitBalance.filter((b) => b.memberId === null || b.memberId === memberId)}
            caption="Allowed, used and remaining"
            money={(minor) => <ConsoleMoney minor={minor} />}
          />
          <p className="muted">
            Computed by the server at <time dateTime={read.value.computedAt}>{formatTime(read.value.computedAt, session.scheme.locale)}</time>.
          </p>
        </>
      ) : null}
    </section>
  );
}
