import { useId, useState, type FormEvent } from 'react';
import { currencySymbol, formatMoney, parseAmount, type MoneyFormat } from '../../shared/money';
import { formatTime } from '../../shared/time';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog';
import { ErrorNotice } from '../../shared/ui/Notice';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { caseHash } from '../app/routes';
import { TimeLeftText } from '../app/TimeLeftText';
import type { TimeLeft } from '../app/waiting';
import type { ReviewClaim } from '../claims/claim-review';
import type { CommandAnswerOf, CommandResultOf } from '@contract/results';
import type { ConsoleError, ConsoleResult } from '../data/api';
import { previewBatch, type BatchPreview, type HospitalBatch, type PaidPayment, type ReconciliationReport } from './payment-batches';

type Scheme = MoneyFormat;

function percent(bp: number): string {
  return `${(bp / 100).toFixed(bp % 100 === 0 ? 0 : 2)}%`;
}

/** The server's answers to the payments approved in this session: reference, split, deductions and net paid. */
export function PaymentsApproved({ answers, scheme }: { readonly answers: readonly CommandResultOf<'approve-payment'>[]; readonly scheme: Scheme }) {
  if (answers.length === 0) return null;
  const money = (value: number) => formatMoney(value, scheme);
  return (
    <section className="panel" aria-labelledby="payments-approved-heading">
      <h2 id="payments-approved-heading">Payments approved in this session</h2>
      {answers.map((paid) => (
        <p key={paid.paymentId} className="notice notice-info" role="status">
          <strong>Payment approved: reference {paid.reference}.</strong> {money(paid.amount)} for {paid.claims} claim(s): government{' '}
          {money(paid.governmentAmount)}, insurer {money(paid.insurerAmount)}; deductions {money(paid.deductions)}, paid {money(paid.netPaid)}.
        </p>
      ))}
    </section>
  );
}

/** What ACO is about to approve, chosen claims and figures fixed at the moment they asked. */
export interface PendingPayment {
  readonly claimIds: readonly string[];
  readonly claimCount: number;
  readonly preview: BatchPreview;
  readonly governmentShareBp: number;
}

/**
 * The confirm step's words: money leaves the scheme, so the amount, the government/insurer split,
 * the deductions and the hospital are repeated before anything is sent.
 */
export function PaymentConfirmation({
  batch,
  payment,
  scheme,
}: {
  readonly batch: Pick<HospitalBatch, 'hospitalName' | 'hospitalCode'>;
  readonly payment: PendingPayment;
  readonly scheme: Scheme;
}) {
  const money = (minor: number) => formatMoney(minor, scheme);
  const { preview, governmentShareBp } = payment;
  return (
    <>
      <p>
        {payment.claimCount} approved claim{payment.claimCount === 1 ? '' : 's'} of{' '}
        <strong>
          {batch.hospitalName} ({batch.hospitalCode})
        </strong>
        , one payment with one reference:
      </p>
      <dl className="figures">
        <div>
          <dt>Approved total</dt>
          <dd>{money(preview.amount)}</dd>
        </div>
        <div>
          <dt>Government ({percent(governmentShareBp)})</dt>
          <dd>{money(preview.governmentAmount)}</dd>
        </div>
        <div>
          <dt>Insurer ({percent(10_000 - governmentShareBp)})</dt>
          <dd>{money(preview.insurerAmount)}</dd>
        </div>
        <div>
          <dt>Deductions</dt>
          <dd>{money(preview.deductions)}</dd>
        </div>
        <div>
          <dt>Paid to {batch.hospitalCode}</dt>
          <dd>{money(preview.netPaid)}</dd>
        </div>
      </dl>
      <p>The money leaves the scheme and the claims are marked paid. This cannot be undone.</p>
    </>
  );
}

/**
 * One hospital's approved claims → one payment: choose the claims (all by default), optional
 * deductions, the government/insurer split the server will apply, then approve — behind a confirm
 * step that repeats the amount, the split and the hospital.
 */
export function PaymentBatchPanel({
  batch,
  scheme,
  governmentShareBp,
  onPay,
  leftOf,
  now,
}: {
  readonly batch: HospitalBatch;
  readonly scheme: Scheme;
  readonly governmentShareBp: number | null;
  /** A claim's time left against the payment service level (useTimeLeft), null until the clocks are read. */
  readonly leftOf: (claim: ReviewClaim) => TimeLeft | null;
  readonly now: Date;
  readonly onPay: (claimIds: readonly string[], deductions: number) => Promise<ConsoleResult<CommandAnswerOf<'approve-payment'>>>;
}) {
  const headingId = useId();
  // The answer itself is shown by the workspace (PaymentsApproved): once paid, the claims leave
  // the approved list and this panel goes with them.
  const [excluded, setExcluded] = useState<ReadonlySet<string>>(new Set());
  const [deductionsText, setDeductionsText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [paid, setPaid] = useState<CommandResultOf<'approve-payment'> | null>(null);
  const [confirming, setConfirming] = useState<PendingPayment | null>(null);
  const [isBusy, setBusy] = useState(false);
  const money = (minor: number) => formatMoney(minor, scheme);
  const chosen = batch.claims.filter((claim) => !excluded.has(claim.claimId));
  const deductionsParsed = deductionsText.trim() === '' ? { ok: true as const, minor: 0 } : parseAmount(deductionsText, scheme.minorPerUnit);
  const preview = governmentShareBp !== null && deductionsParsed.ok ? previewBatch(chosen, governmentShareBp, deductionsParsed.minor) : null;
  const pastCount = batch.claims.filter((claim) => (leftOf(claim)?.minutes ?? 0) < 0).length;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (chosen.length === 0) return setProblem('Choose at least one claim to pay.');
    if (!deductionsParsed.ok) return setProblem(`Deductions: ${deductionsParsed.message}`);
    // The confirm step must show the split: without the scheme's share there is nothing to confirm.
    if (governmentShareBp === null)
      return setProblem('The government share has not been read from the server yet, so the split cannot be shown; wait a moment or reload, then approve.');
    if (preview === null) return setProblem('Deductions cannot exceed the approved amount.');
    setProblem(null);
    setConfirming({ claimIds: chosen.map((claim) => claim.claimId), claimCount: chosen.length, preview, governmentShareBp });
    return undefined;
  };

  const pay = async (payment: PendingPayment) => {
    setBusy(true);
    const answer = await onPay(payment.claimIds, payment.preview.deductions);
    setBusy(false);
    if (!answer.ok) return setError(answer.error);
    setConfirming(null);
    setPaid(answer.value.result);
    return undefined;
  };

  return (
    <section className="panel payment-batch" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {batch.hospitalName} ({batch.hospitalCode}): {batch.claims.length} approved claim{batch.claims.length === 1 ? '' : 's'}
        {pastCount > 0 ? `, ${pastCount} past the service level` : ''}
      </h2>
      <form onSubmit={submit} noValidate>
        <table className="data-table">
          <caption>Approved claims of {batch.hospitalCode} not yet paid, emergency first, then least time left</caption>
          <thead>
            <tr>
              <th scope="col">Pay</th>
              <th scope="col">Patient</th>
              <th scope="col">Package</th>
              <th scope="col" className="number">
                Claimed payer part
              </th>
              <th scope="col" className="number">
                Approved
              </th>
              <th scope="col">Time left</th>
            </tr>
          </thead>
          <tbody>
            {batch.claims.map((claim) => (
              <tr key={claim.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Pay the claim of ${claim.memberName}`}
                    checked={!excluded.has(claim.claimId)}
                    disabled={paid !== null}
                    onChange={(event) =>
                      setExcluded((current) => {
                        const next = new Set(current);
                        if (event.target.checked) next.delete(claim.claimId);
                        else next.add(claim.claimId);
                        return next;
                      })
                    }
                  />
                </td>
                <th scope="row">
                  <a href={caseHash(claim.caseId)}>{claim.memberName}</a>
                  {claim.isEmergency ? (
                    <>
                      {' '}
                      <StatusBadge text="Emergency" tone="bad" />
                    </>
                  ) : null}
                </th>
                <td>{claim.packageCode ?? '—'}</td>
                <td className="number">{money(claim.payerAmount)}</td>
                <td className="number">{money(claim.approvedAmount ?? 0)}</td>
                <td>
                  <TimeLeftText left={leftOf(claim)} since={claim.verifiedAt ?? claim.submittedAt} now={now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="field">
          <label htmlFor={`${headingId}-deductions`}>Deductions ({currencySymbol(scheme)}, optional)</label>
          <input
            id={`${headingId}-deductions`}
            inputMode="decimal"
            value={deductionsText}
            disabled={paid !== null}
            onChange={(event) => setDeductionsText(event.target.value)}
            aria-describedby={`${headingId}-deductions-hint`}
          />
          <p id={`${headingId}-deductions-hint`} className="field-hint">
            Withheld from what the hospital receives (e.g. tax deducted at source).
          </p>
        </div>
        {preview ? (
          <dl className="figures" aria-label="The payment the server will make">
            <div>
              <dt>Approved total</dt>
              <dd>{money(preview.amount)}</dd>
            </div>
            <div>
              <dt>Government ({percent(governmentShareBp!)})</dt>
              <dd>{money(preview.governmentAmount)}</dd>
            </div>
            <div>
              <dt>Insurer ({percent(10_000 - governmentShareBp!)})</dt>
              <dd>{money(preview.insurerAmount)}</dd>
            </div>
            <div>
              <dt>Deductions</dt>
              <dd>{money(preview.deductions)}</dd>
            </div>
            <div>
              <dt>Paid to the hospital</dt>
              <dd>{money(preview.netPaid)}</dd>
            </div>
          </dl>
        ) : governmentShareBp === null ? (
          <p className="screen-subtitle">The split is computed by the server from the scheme's government share.</p>
        ) : null}
        {problem ? (
          <p className="field-problem" role="alert">
            {problem}
          </p>
        ) : null}
        {error && confirming === null ? <ErrorNotice error={error} title="Not paid." /> : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={isBusy || paid !== null}>
            {`Approve payment to ${batch.hospitalCode}…`}
          </button>
        </div>
      </form>
      {/* The dialog has its own form: it sits beside the batch form, never inside it. */}
      <ConfirmDialog
        isOpen={confirming !== null}
        title={confirming ? `Pay ${money(confirming.preview.netPaid)} to ${batch.hospitalName} (${batch.hospitalCode})?` : 'Approve the payment?'}
        confirmLabel={confirming ? `Pay ${money(confirming.preview.netPaid)} to ${batch.hospitalCode}` : 'Pay'}
        isBusy={isBusy}
        error={error}
        onCancel={() => {
          setError(null);
          setConfirming(null);
        }}
        onConfirm={() => {
          if (confirming) void pay(confirming);
        }}
      >
        {confirming ? <PaymentConfirmation batch={batch} payment={confirming} scheme={scheme} /> : null}
      </ConfirmDialog>
    </section>
  );
}

export function PaidPaymentsList({ payments, scheme }: { readonly payments: readonly PaidPayment[]; readonly scheme: Scheme }) {
  if (payments.length === 0) return <p>No payment made yet.</p>;
  return (
    <table className="data-table">
      <caption>Payments made, by reference</caption>
      <thead>
        <tr>
          <th scope="col">Reference</th>
          <th scope="col">Hospital</th>
          <th scope="col" className="number">
            Claims
          </th>
          <th scope="col" className="number">
            Approved
          </th>
        </tr>
      </thead>
      <tbody>
        {payments.map((payment) => (
          <tr key={payment.reference}>
            <th scope="row">
              <code>{payment.reference}</code>
            </th>
            <td>{payment.hospitalCode}</td>
            <td className="number">{payment.claims.length}</td>
            <td className="number">{formatMoney(payment.approved, scheme)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Reconciliation: per payment, paid + deductions against approved, the split and the payment
 * ledger, as the server recomputed them; every payment or claim that does not add up is listed
 * with the server's sentence.
 */
export function ReconciliationView({ report, scheme, locale }: { readonly report: ReconciliationReport; readonly scheme: Scheme; readonly locale: string }) {
  const money = (minor: number) => formatMoney(minor, scheme);
  const problems = report.payments.filter((p) => !p.isBalanced);
  return (
    <>
      <p className={`notice ${report.isBalanced ? 'notice-info' : 'notice-error'}`} role="status">
        {report.isBalanced ? (
          <>
            Everything reconciles: paid {money(report.totals.netPaid)} + deductions {money(report.totals.deductions)} = approved {money(report.totals.approved)}
            .
          </>
        ) : (
          <>
            Not reconciled: {problems.length} payment(s) and {report.unmatchedClaims.length} claim(s) do not add up. They are listed below.
          </>
        )}{' '}
        <span className="screen-subtitle">Checked by the server at {formatTime(report.computedAt, locale)}.</span>
      </p>
      {report.payments.length === 0 ? (
        <p>No payment made yet.</p>
      ) : (
        <table className="data-table reconciliation">
          <caption>Payments: paid + deductions = approved</caption>
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Hospital</th>
              <th scope="col" className="number">
                Claims
              </th>
              <th scope="col" className="number">
                Approved
              </th>
              <th scope="col" className="number">
                Paid
              </th>
              <th scope="col" className="number">
                Deductions
              </th>
              <th scope="col" className="number">
                Paid + deductions
              </th>
              <th scope="col" className="number">
                Government
              </th>
              <th scope="col" className="number">
                Insurer
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {report.payments.map((p) => (
              <tr key={p.paymentId}>
                <th scope="row">
                  <code>{p.reference}</code>
                </th>
                <td>{p.hospitalCode}</td>
                <td className="number">{p.claims}</td>
                <td className="number">{money(p.approved)}</td>
                <td className="number">{money(p.netPaid)}</td>
                <td className="number">{money(p.deductions)}</td>
                <td className="number">{money(p.netPaid + p.deductions)}</td>
                <td className="number">{money(p.governmentAmount)}</td>
                <td className="number">{money(p.insurerAmount)}</td>
                <td>{p.isBalanced ? <StatusBadge text="Balanced" tone="good" /> : <StatusBadge text="Mismatch" tone="bad" />}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td className="number">{money(report.totals.approved)}</td>
              <td className="number">{money(report.totals.netPaid)}</td>
              <td className="number">{money(report.totals.deductions)}</td>
              <td className="number">{money(report.totals.netPaid + report.totals.deductions)}</td>
              <td className="number">{money(report.totals.governmentAmount)}</td>
              <td className="number">{money(report.totals.insurerAmount)}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}
      {problems.length > 0 || report.unmatchedClaims.length > 0 ? (
        <section className="panel" aria-labelledby="reconciliation-problems">
          <h2 id="reconciliation-problems">What does not add up</h2>
          <ul>
            {problems.flatMap((p) =>
              p.problems.map((problem) => (
                <li key={`${p.paymentId}-${problem.kind}`}>
                  <code>{p.reference}</code>: {problem.message}
                </li>
              )),
            )}
            {report.unmatchedClaims.map((c) => (
              <li key={`${c.claimId}-${c.kind}`}>
                Claim <code>{c.claimId.slice(0, 8)}</code>: {c.message}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
