import { useState } from 'react';
import type { CommandResultOf } from '@contract/results';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { useConsole, useConsoleDocuments } from '../app/console-context';
import { useServerRead } from '../admin/use-server-read';
import type { ReviewClaim } from '../claims/claim-review';
import { approvedBatches, paidPayments, type ReconciliationReport } from './payment-batches';
import { PaidPaymentsList, PaymentBatchPanel, PaymentsApproved, ReconciliationView } from './PaymentViews';

/** ACO: approved claims batched per hospital into payments (live from the claims collection). */
export function PaymentsWorkspace() {
  const { api, session, replication } = useConsole();
  const claims = useConsoleDocuments('claims') as readonly ReviewClaim[] | null;
  const [answers, setAnswers] = useState<readonly CommandResultOf<'approve-payment'>[]>([]);
  const approvedCount = claims?.filter((c) => c.status === 'approved').length ?? 0;
  // The government share comes with the payment queue (ACO may read it; the scheme settings are HA's).
  const { read: queue } = useServerRead<{ items: { hospitalId: string; governmentShareBp: number }[] }>('/queues/payments', approvedCount);
  if (!claims || (!replication.status().isReady && claims.length === 0)) {
    return (
      <ScreenFrame title="Payments">
        <LoadingNotice>Loading approved claims…</LoadingNotice>
      </ScreenFrame>
    );
  }
  const batches = approvedBatches(claims);
  const shareOf = (hospitalId: string) =>
    queue.state === 'loaded' ? (queue.value.items.find((i) => i.hospitalId === hospitalId)?.governmentShareBp ?? null) : null;
  return (
    <ScreenFrame title="Payments">
      <p className="screen-subtitle">Approved claims, one payment per hospital with one reference; the server splits it between government and insurer.</p>
      <PaymentsApproved answers={answers} scheme={session.scheme} />
      {queue.state === 'failed' ? <ErrorNotice error={queue.error} title="The payment split could not be read." /> : null}
      {batches.length === 0 ? (
        <p className="notice notice-info">No approved claim is waiting for payment.</p>
      ) : (
        batches.map((batch) => (
          <PaymentBatchPanel
            key={`${batch.hospitalId}-${batch.claims.map((c) => c.id).join(',')}`}
            batch={batch}
            scheme={session.scheme}
            governmentShareBp={shareOf(batch.hospitalId)}
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
        <h2 id="payments-made-heading">Payments made</h2>
        <PaidPaymentsList payments={paidPayments(claims)} scheme={session.scheme} />
      </section>
    </ScreenFrame>
  );
}

/** ACO and HA: the reconciliation report, read again whenever the claims collection moves. */
export function ReconciliationWorkspace() {
  const { session } = useConsole();
  const claims = useConsoleDocuments('claims');
  const version = claims ? claims.filter((c) => c.status === 'paid').length : -1;
  const { read, reload } = useServerRead<ReconciliationReport>('/reports/reconciliation', version);
  return (
    <ScreenFrame title="Reconciliation">
      <p className="screen-subtitle">Every payment: paid + deductions = approved, government + insurer = amount, and the payment ledger agrees with both.</p>
      {read.state === 'loading' ? <LoadingNotice>Reconciling payments…</LoadingNotice> : null}
      {read.state === 'failed' ? <ErrorNotice error={read.error} title="The reconciliation could not be read." onRetry={reload} /> : null}
      {read.state === 'loaded' ? <ReconciliationView report={read.value} scheme={session.scheme} locale={session.scheme.locale} /> : null}
      <div className="button-row">
        <button type="button" onClick={reload}>
          Reconcile again
        </button>
      </div>
    </ScreenFrame>
  );
}
