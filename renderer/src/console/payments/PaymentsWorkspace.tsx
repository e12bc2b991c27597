import { useState } from 'react';
import type { CommandResultOf } from '@contract/results';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
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
  const approvedCount = valueOr(loaded, []).filter((c) => c.status === 'approved').length;
  // The government share comes with the payment queue (ACO may read it; the scheme settings are HA's).
  const queue = useServerRead<{ items: { hospitalId: string; governmentShareBp: number }[] }>('/queues/payments', approvedCount);
  if (loaded.status !== 'ready') {
    return (
      <ScreenFrame title="Payments">
        <LoadingNotice>Loading approved claims…</LoadingNotice>
      </ScreenFrame>
    );
  }
  const claims = loaded.value as readonly ReviewClaim[];
  const leftOf = (claim: ReviewClaim) => timeLeftOf({ stage: 'payment', caseId: claim.caseId, claimId: claim.claimId });
  const batches = batchesByTimeLeft(approvedBatches(claims), leftOf);
  const shareOf = (hospitalId: string) =>
    queue.status === 'ready' ? (queue.value.items.find((i) => i.hospitalId === hospitalId)?.governmentShareBp ?? null) : null;
  return (
    <ScreenFrame title="Payments">
      <p className="screen-subtitle">
        Approved claims, one payment per hospital with one reference; the server splits it between government and insurer. Emergency claims first, then least
        time left against the payment service level.
      </p>
      <PaymentsApproved answers={answers} scheme={session.scheme} />
      {queue.status === 'error' ? <ErrorNotice error={queue.error} title="The payment split could not be read." /> : null}
      {batches.length === 0 ? (
        <p className="notice notice-info">No approved claim is waiting for payment.</p>
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
  const version = claims.status === 'ready' ? claims.value.filter((c) => c.status === 'paid').length : -1;
  const read = useServerRead<ReconciliationReport>('/reports/reconciliation', version);
  return (
    <ScreenFrame title="Reconciliation">
      <p className="screen-subtitle">Every payment: paid + deductions = approved, government + insurer = amount, and the payment ledger agrees with both.</p>
      {read.status === 'loading' ? <LoadingNotice>Reconciling payments…</LoadingNotice> : null}
      {read.status === 'error' ? <ErrorNotice error={read.error} title="The reconciliation could not be read." onRetry={read.reload} /> : null}
      {read.status === 'ready' ? <ReconciliationView report={read.value} scheme={session.scheme} locale={session.scheme.locale} /> : null}
      <div className="button-row">
        <button type="button" onClick={read.reload}>
          Reconcile again
        </button>
      </div>
      <BankStatementPanel version={version} canImport={hasAnyRole(session, ['ACO'])} />
    </ScreenFrame>
  );
}
