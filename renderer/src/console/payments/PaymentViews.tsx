import { useId, useState, type FormEvent } from 'react';
import { currencySymbol, formatMoney, parseAmount, type MoneyFormat } from '../../shared/money';
import { amountProblemText } from '../../i18n/amount-problem';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
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
  const { t, rich } = useTranslator();
  if (answers.length === 0) return null;
  const money = (value: number) => formatMoney(value, scheme);
  return (
    <section className="panel" aria-labelledby="payments-approved-heading">
      <h2 id="payments-approved-heading">{t('console.payments.approvedHeading')}</h2>
      {answers.map((paid) => (
        <p key={paid.paymentId} className="notice notice-info" role="status">
          {rich('console.payments.approved', {
            reference: paid.reference,
            amount: money(paid.amount),
            claims: paid.claims,
            government: money(paid.governmentAmount),
            insurer: money(paid.insurerAmount),
            deductions: money(paid.deductions),
            paid: money(paid.netPaid),
            strong: (chunks) => <strong>{chunks}</strong>,
          })}
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
  const { t, rich } = useTranslator();
  const { preview, governmentShareBp } = payment;
  return (
    <>
      <p>
        {rich('console.payments.confirmIntro', {
          count: payment.claimCount,
          hospital: `${batch.hospitalName} (${batch.hospitalCode})`,
          strong: (chunks) => <strong>{chunks}</strong>,
        })}
      </p>
      <dl className="figures">
        <div>
          <dt>{t('console.payments.approvedTotal')}</dt>
          <dd>{money(preview.amount)}</dd>
        </div>
        <div>
          <dt>{t('console.payments.government', { share: percent(governmentShareBp) })}</dt>
          <dd>{money(preview.governmentAmount)}</dd>
        </div>
        <div>
          <dt>{t('console.payments.insurer', { share: percent(10_000 - governmentShareBp) })}</dt>
          <dd>{money(preview.insurerAmount)}</dd>
        </div>
        <div>
          <dt>{t('console.payments.deductions')}</dt>
          <dd>{money(preview.deductions)}</dd>
        </div>
        <div>
          <dt>{t('console.payments.paidTo', { hospital: batch.hospitalCode })}</dt>
          <dd>{money(preview.netPaid)}</dd>
        </div>
      </dl>
      <p>{t('console.payments.cannotUndo')}</p>
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
  const { t } = useTranslator();
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
    if (chosen.length === 0) return setProblem(t('console.payments.chooseClaim'));
    if (!deductionsParsed.ok) return setProblem(t('console.payments.deductionsProblem', { problem: amountProblemText(deductionsParsed, t) }));
    // The confirm step must show the split: without the scheme's share there is nothing to confirm.
    if (governmentShareBp === null) return setProblem(t('console.payments.noShare'));
    if (preview === null) return setProblem(t('console.payments.deductionsTooLarge'));
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
        {t('console.payments.batchHeading', { hospital: batch.hospitalName, code: batch.hospitalCode, count: batch.claims.length, past: pastCount })}
      </h2>
      <form onSubmit={submit} noValidate>
        <table className="data-table">
          <caption>{t('console.payments.batchCaption', { code: batch.hospitalCode })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('console.payments.pay')}</th>
              <th scope="col">{t('console.queue.patient')}</th>
              <th scope="col">{t('console.case.package')}</th>
              <th scope="col" className="number">
                {t('console.payments.claimedPayerPart')}
              </th>
              <th scope="col" className="number">
                {t('console.case.approved')}
              </th>
              <th scope="col">{t('console.queue.timeLeft')}</th>
            </tr>
          </thead>
          <tbody>
            {batch.claims.map((claim) => (
              <tr key={claim.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={t('console.payments.payClaimOf', { name: claim.memberName })}
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
                      <StatusBadge text={t('console.queue.emergency')} tone="bad" />
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
          <label htmlFor={`${headingId}-deductions`}>{t('console.payments.deductionsLabel', { currency: currencySymbol(scheme) })}</label>
          <input
            id={`${headingId}-deductions`}
            inputMode="decimal"
            value={deductionsText}
            disabled={paid !== null}
            onChange={(event) => setDeductionsText(event.target.value)}
            aria-describedby={`${headingId}-deductions-hint`}
          />
          <p id={`${headingId}-deductions-hint`} className="field-hint">
            {t('console.payments.deductionsHint')}
          </p>
        </div>
        {preview ? (
          <dl className="figures" aria-label={t('console.payments.previewLabel')}>
            <div>
              <dt>{t('console.payments.approvedTotal')}</dt>
              <dd>{money(preview.amount)}</dd>
            </div>
            <div>
              <dt>{t('console.payments.government', { share: percent(governmentShareBp!) })}</dt>
              <dd>{money(preview.governmentAmount)}</dd>
            </div>
            <div>
              <dt>{t('console.payments.insurer', { share: percent(10_000 - governmentShareBp!) })}</dt>
              <dd>{money(preview.insurerAmount)}</dd>
            </div>
            <div>
              <dt>{t('console.payments.deductions')}</dt>
              <dd>{money(preview.deductions)}</dd>
            </div>
            <div>
              <dt>{t('console.payments.paidToHospital')}</dt>
              <dd>{money(preview.netPaid)}</dd>
            </div>
          </dl>
        ) : governmentShareBp === null ? (
          <p className="screen-subtitle">{t('console.payments.splitByServer')}</p>
        ) : null}
        {problem ? (
          <p className="field-problem" role="alert">
            {problem}
          </p>
        ) : null}
        {error && confirming === null ? <ConsoleErrorNotice error={error} title={t('console.payments.notPaid')} /> : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={isBusy || paid !== null}>
            {t('console.payments.approveTo', { code: batch.hospitalCode })}
          </button>
        </div>
      </form>
      {/* The dialog has its own form: it sits beside the batch form, never inside it. */}
      <ConfirmDialog
        isOpen={confirming !== null}
        title={
          confirming
            ? t('console.payments.confirmTitle', { amount: money(confirming.preview.netPaid), hospital: batch.hospitalName, code: batch.hospitalCode })
            : t('console.payments.confirmTitleEmpty')
        }
        confirmLabel={
          confirming ? t('console.payments.confirmLabel', { amount: money(confirming.preview.netPaid), code: batch.hospitalCode }) : t('console.payments.pay')
        }
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
  const { t } = useTranslator();
  if (payments.length === 0) return <p>{t('console.payments.noneMade')}</p>;
  return (
    <table className="data-table">
      <caption>{t('console.payments.madeCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.payments.reference')}</th>
          <th scope="col">{t('console.queue.hospital')}</th>
          <th scope="col" className="number">
            {t('console.payments.claims')}
          </th>
          <th scope="col" className="number">
            {t('console.case.approved')}
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
export function ReconciliationView({ report, scheme }: { readonly report: ReconciliationReport; readonly scheme: Scheme }) {
  const money = (minor: number) => formatMoney(minor, scheme);
  const translator = useTranslator();
  const { t, rich } = translator;
  const problems = report.payments.filter((p) => !p.isBalanced);
  return (
    <>
      <p className={`notice ${report.isBalanced ? 'notice-info' : 'notice-error'}`} role="status">
        {report.isBalanced
          ? t('console.reconciliation.balanced', {
              paid: money(report.totals.netPaid),
              deductions: money(report.totals.deductions),
              approved: money(report.totals.approved),
            })
          : t('console.reconciliation.unbalanced', { payments: problems.length, claims: report.unmatchedClaims.length })}{' '}
        <span className="screen-subtitle">{t('console.reconciliation.checkedAt', { time: formatTimeIn(translator, report.computedAt) })}</span>
      </p>
      {report.payments.length === 0 ? (
        <p>{t('console.payments.noneMade')}</p>
      ) : (
        <table className="data-table reconciliation">
          <caption>{t('console.reconciliation.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('console.payments.reference')}</th>
              <th scope="col">{t('console.queue.hospital')}</th>
              <th scope="col" className="number">
                {t('console.payments.claims')}
              </th>
              <th scope="col" className="number">
                {t('console.case.approved')}
              </th>
              <th scope="col" className="number">
                {t('console.reconciliation.paid')}
              </th>
              <th scope="col" className="number">
                {t('console.payments.deductions')}
              </th>
              <th scope="col" className="number">
                {t('console.reconciliation.paidPlusDeductions')}
              </th>
              <th scope="col" className="number">
                {t('console.reconciliation.government')}
              </th>
              <th scope="col" className="number">
                {t('console.reconciliation.insurer')}
              </th>
              <th scope="col">{t('console.queue.status')}</th>
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
                <td>
                  {p.isBalanced ? (
                    <StatusBadge text={t('console.reconciliation.balancedBadge')} tone="good" />
                  ) : (
                    <StatusBadge text={t('console.reconciliation.mismatch')} tone="bad" />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                {t('console.reconciliation.total')}
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
          <h2 id="reconciliation-problems">{t('console.reconciliation.problems')}</h2>
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
                {rich('console.reconciliation.claimProblem', { id: c.claimId.slice(0, 8), message: c.message, code: (chunks) => <code>{chunks}</code> })}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
