import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import { formatTime } from '../../shared/time';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { useServerRead } from '../admin/use-server-read';
import { ConsoleMoney, useConsole } from '../app/console-context';

type Balance = AccumulatorEnquiryValue['benefitBalance'][number];

const typeLabels: Record<Balance['type'], string> = { deductible: 'deductible', 'out-of-pocket-maximum': 'out of pocket', benefit: 'plan paid' };
const categoryLabels: Record<Balance['category'], string> = { combined: '', medical: ', medical', pharmacy: ', pharmacy' };

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
          <table className="data-table">
            <caption>Allowed, used and remaining</caption>
            <thead>
              <tr>
                <th scope="col">Accumulator</th>
                <th scope="col" className="number">
                  Allowed
                </th>
                <th scope="col" className="number">
                  Used
                </th>
                <th scope="col" className="number">
                  Remaining
                </th>
              </tr>
            </thead>
            <tbody>
              {read.value.benefitBalance
                .filter((b) => b.memberId === null || b.memberId === memberId)
                .map((b) => (
                  <tr key={`${b.memberId ?? 'family'}-${b.type}-${b.category}`}>
                    <th scope="row">
                      {b.unit === 'family' ? 'Family' : 'Member'}: {typeLabels[b.type]}
                      {categoryLabels[b.category]}
                    </th>
                    <td className="number">{b.allowed === null ? 'no limit' : <ConsoleMoney minor={b.allowed} />}</td>
                    <td className="number">
                      <ConsoleMoney minor={b.used} />
                    </td>
                    <td className="number">{b.remaining === null ? '—' : <ConsoleMoney minor={b.remaining} />}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <p className="muted">
            Computed by the server at <time dateTime={read.value.computedAt}>{formatTime(read.value.computedAt, session.scheme.locale)}</time>.
          </p>
        </>
      ) : null}
    </section>
  );
}
