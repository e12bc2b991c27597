import { useState } from 'react';
import type { CommandResultOf } from '@contract/results';
import { useTranslator } from '../../i18n/LanguageProvider';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { hasAnyRole, useConsole, useConsoleDocuments, useNow } from '../app/console-context';
import { BankStatementPanel } from './BankStatementPanel';
import { useServerRead } from '../admin/use-server-read';
import type { ReviewClaim } from '../claims/claim-review';
import { valueOr } from '../../shared/loadable';
import { useTimeLeft } from '../app/open-clocks';
import { approvedBatches, batchesByTimeLeft, paidPayments, type ReconciliationReport } from './payment-batches';
import { PaidPaymentsList, PaymentBatchPanel, PaymentsApproved, ReconciliationView } from './PaymentViews';

/** ACO: approved claims batched per hospital into payments (live from the claims collection). */
export function PaymentsWorkspace() {
  const { api, session, replication } = useConsole();
  const loaded = useConsoleDocuments('claims');
  const [answers, setAnswers] = useState<readonly CommandResultOf<'approve-payment'>[]>([]);
  const timeLeftOf = useTimeLeft();
  const now = useNow();
  const { t } = useTranslator();
  const approvedCount = valueOr(loaded, []).filter((c) => c.status === 'approved').length;
  // The government share comes with the payment queue (ACO may read it; the scheme settings are HA's).
  const queue = useServerRead<{ items: { hospitalId: string; governmentShareBp: number }[] }>('/queues/payments', approvedCount);
  if (loaded.status !== 'ready') {
    return (
      <ScreenFrame title={t('console.workspace.payments')}>
        <LoadingNotice>{t('console.payments.loading')}</LoadingNotice>
      </ScreenFrame>
    );
  }
  const claims = loaded.value as readonly ReviewClaim[];
  const leftOf = (claim: ReviewClaim) => timeLeftOf({ stage: 'payment', caseId: claim.caseId, claimId: claim.claimId });
  const batches = batchesByTimeLeft(approvedBatches(claims), leftOf);
  const shareOf = (hospitalId: string) =>
    queue.status === 'ready' ? (queue.value.items.find((i) => i.hospitalId === hospitalId)?.governmentShareBp ?? null) : null;
  return (
    <ScreenFrame title={t('console.workspace.payments')}>
      <p className="screen-subtitle">{t('console.payments.intro')}</p>
      <PaymentsApproved answers={answers} scheme={session.scheme} />
      {queue.status === 'error' ? <ConsoleErrorNotice error={queue.error} title={t('console.payments.splitUnreadable')} /> : null}
      {batches.length === 0 ? (
        <p className="notice notice-info">{t('console.payments.empty')}</p>
      ) : (
        batches.map((batch) => (
          <PaymentBatchPanel
            // The claims' ids in a fixed order: a batch re-sorted by its clocks keeps its panel (and what was typed).
            key={`${batch.hospitalId}-${batch.claims
              .map((c) => c.id)
              .sort()
              .join(',')}`}
            batch={batch}
            scheme={session.scheme}
            governmentShareBp={shareOf(batch.hospitalId)}
            leftOf={leftOf}
            now={now}
            onPay={async (claimIds, deductions) => {
              const answer = await api.command(
                'approve-payment',
                { paymentId: crypto.randomUUID(), claimIds: [...claimIds], ...(deductions > 0 ? { deductions } : {}) },
                { newIdField: 'paymentId' },
              );
              if (answer.ok) setAnswers((current) => [...current, answer.value.result]);
              replication.resync();
              return answer;
            }}
          />
        ))
      )}
      <section className="panel" aria-labelledby="payments-made-heading">
        <h2 id="payments-made-heading">{t('console.payments.made')}</h2>
        <PaidPaymentsList payments={paidPayments(claims)} scheme={session.scheme} />
      </section>
    </ScreenFrame>
  );
}

/** ACO and HA: the reconciliation report, read again whenever the claims collection moves. */
export function ReconciliationWorkspace() {
  const { session } = useConsole();
  const claims = useConsoleDocuments('claims');
  const version = claims.status === 'ready' ? claims.value.filter((c) => c.status === 'paid').length : -1;
  const read = useServerRead<ReconciliationReport>('/reports/reconciliation', version);
  const { t } = useTranslator();
  return (
    <ScreenFrame title={t('console.workspace.reconciliation')}>
      <p className="screen-subtitle">{t('console.reconciliation.intro')}</p>
      {read.status === 'loading' ? <LoadingNotice>{t('console.reconciliation.loading')}</LoadingNotice> : null}
      {read.status === 'error' ? <ConsoleErrorNotice error={read.error} title={t('console.reconciliation.unreadable')} onRetry={read.reload} /> : null}
      {read.status === 'ready' ? <ReconciliationView report={read.value} scheme={session.scheme} /> : null}
      <div className="button-row">
        <button type="button" onClick={read.reload}>
          {t('console.reconciliation.again')}
        </button>
      </div>
      <BankStatementPanel version={version} canImport={hasAnyRole(session, ['ACO'])} />
    </ScreenFrame>
  );
}
