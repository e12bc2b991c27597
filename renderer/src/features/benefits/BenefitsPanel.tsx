import type { BenefitsAtDesk, PatientEstimateView } from '@desk-api/contract';
import { useScheme } from '../../app/desk-context';
import { useDeskQuery } from '../../shared/hooks/use-desk-request';
import { useSyncProgress } from '../../shared/hooks/use-sync-progress';
import { formatTime } from '../../shared/time';
import { ErrorNotice, InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { Money } from '../../shared/ui/Money';
import { AccumulatorTable } from '../../shared/ui/AccumulatorTable';

export interface BenefitsPanelProps {
  readonly memberId: string;
  /** The case whose estimate to show (its package and what it was charged so far). */
  readonly caseId?: string;
  /** At admission: the package chosen, and the estimated amount of an unspecified one. */
  readonly packageCode?: string;
  readonly amount?: number;
}

/**
 * What the patient will pay (issue 14): the estimate for the case's package (or the package chosen
 * at admission) and every accumulator of the member and the family, allowed / used / remaining,
 * with the time the server computed them. Offline it shows the last confirmed figures and says
 * so; once the server's figures are back, what changed since the provisional estimate.
 */
export function BenefitsPanel(props: BenefitsPanelProps) {
  const args = {
    memberId: props.memberId,
    ...(props.caseId !== undefined ? { caseId: props.caseId } : {}),
    ...(props.packageCode !== undefined ? { packageCode: props.packageCode } : {}),
    ...(props.amount !== undefined ? { amount: props.amount } : {}),
  };
  const benefits = useDeskQuery('benefits.view', args, { refetchOn: ['cases', 'bookings', 'families'] });
  useSyncProgress(benefits.reload);
  return (
    <section className="panel" aria-labelledby="benefits-title">
      <h2 id="benefits-title">What the patient pays</h2>
      {benefits.status === 'loading' ? <LoadingNotice>Reading the accumulators…</LoadingNotice> : null}
      {benefits.status === 'error' ? <ErrorNotice error={benefits.error} onRetry={benefits.reload} /> : null}
      {benefits.status === 'ready' ? <BenefitsFigures benefits={benefits.value} /> : null}
    </section>
  );
}

export function BenefitsFigures({ benefits }: { readonly benefits: BenefitsAtDesk }) {
  const scheme = useScheme();
  const asOf = benefits.computedAt ? formatTime(benefits.computedAt, scheme.locale) : null;
  return (
    <>
      {benefits.source === 'none' ? (
        <InfoNotice>
          <p>{benefits.unavailable?.message ?? 'The server has not stated these figures yet.'} This desk has no earlier figures for this family.</p>
        </InfoNotice>
      ) : null}
      {benefits.source === 'last-confirmed' && benefits.computedAt ? (
        <p className="notice notice-info" role="status">
          Last confirmed figures, as of <time dateTime={benefits.computedAt}>{asOf}</time>, offline.{' '}
          {benefits.isProvisional ? 'The estimate is provisional: the server decides the split when the bookings reach it.' : null}
        </p>
      ) : null}
      {benefits.changedFrom ? (
        <p className="notice notice-info" role="status">
          Changed since offline: this desk estimated <Money minor={benefits.changedFrom.total} /> from the figures as of{' '}
          <time dateTime={benefits.changedFrom.asOf}>{formatTime(benefits.changedFrom.asOf, scheme.locale)}</time>; the server’s figures now give{' '}
          <Money minor={benefits.estimate?.total} />.
        </p>
      ) : null}
      {benefits.estimate ? <EstimateFigures estimate={benefits.estimate} isProvisional={benefits.isProvisional} /> : null}
      {benefits.source !== 'none' ? (
        <>
          <p>{benefits.hasCostSharing ? `Plan ${benefits.planId ?? ''}: the patient shares the cost.` : 'Cashless cover: no deductible or co-insurance.'}</p>
          <AccumulatorTable lines={benefits.balances} caption="Accumulators this policy year" money={(minor) => <Money minor={minor} />} />
          {benefits.source === 'server' && benefits.computedAt ? (
            <p className="muted">
              As the server computed them at <time dateTime={benefits.computedAt}>{asOf}</time>.
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function EstimateFigures({ estimate, isProvisional }: { readonly estimate: PatientEstimateView; readonly isProvisional: boolean }) {
  return (
    <dl className="figures" aria-label="Patient estimate">
      <div>
        <dt>{isProvisional ? 'Patient pays (provisional estimate)' : 'Patient pays (estimate)'}</dt>
        <dd className="figure-strong" data-testid="patient-estimate">
          <Money minor={estimate.total} />
        </dd>
      </div>
      <div>
        <dt>Package</dt>
        <dd>
          <Money minor={estimate.packageAmount} />
        </dd>
      </div>
      {estimate.booked > 0 ? (
        <div>
          <dt>Charged for what is booked</dt>
          <dd>
            <Money minor={estimate.chargedSoFar} /> of <Money minor={estimate.booked} />
          </dd>
        </div>
      ) : null}
      {estimate.rest > 0 ? (
        <>
          <div>
            <dt>Of the rest: deductible</dt>
            <dd>
              <Money minor={estimate.deductible} />
            </dd>
          </div>
          <div>
            <dt>Co-insurance</dt>
            <dd>
              <Money minor={estimate.coinsurance} />
            </dd>
          </div>
          {estimate.copay > 0 ? (
            <div>
              <dt>Co-pay</dt>
              <dd>
                <Money minor={estimate.copay} />
              </dd>
            </div>
          ) : null}
          {estimate.notPaid > 0 ? (
            <div>
              <dt>Not covered by the plan</dt>
              <dd className="figure-bad">
                <Money minor={estimate.notPaid} />
              </dd>
            </div>
          ) : null}
          <div>
            <dt>Plan pays of the rest</dt>
            <dd>
              <Money minor={estimate.planPart} />
            </dd>
          </div>
        </>
      ) : null}
    </dl>
  );
}
