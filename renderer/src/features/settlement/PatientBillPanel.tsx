import { useId, useRef, useState, type FormEvent } from 'react';
import type { DeskPaymentView, PaymentMethod, PaymentReceiptAtDesk, SecondaryPayer } from '@desk-api/contract';
import type { PatientBillValue } from '@contract/settlement';
import { useScheme } from '../../app/desk-context';
import { useTranslator } from '../../i18n/LanguageProvider';
import { useSyncProgress } from '../../shared/hooks/use-sync-progress';
import { useDeskCommand, useDeskQuery } from '../../shared/hooks/use-desk-request';
import { currencySymbol, minorToInput, parseAmount } from '../../shared/money';
import { formatTime } from '../../shared/time';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice, InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { Money, useMoneyFormat } from '../../shared/ui/Money';
import {
  payableBalance,
  paymentMethodLabels,
  paymentMethodPhrases,
  problemOfRefusal,
  readPaymentDraft,
  referenceLabel,
  secondaryPayerLabels,
  type PayableBalance,
  type PaymentDraft,
  type PaymentProblems,
} from './payment-draft';

/**
 * The patient's bill of a discharged case and the payment desk: each line with the plan's and the
 * patient's part, what is owed, receipts; a payment or a refund made offline is queued and says so,
 * and the figures shown count it as pending until the server's bill has it. When the server cannot
 * be reached, the bill last read here stays on screen, said to be that and as of when.
 */
export function PatientBillPanel({ caseId }: { readonly caseId: string }) {
  const bill = useDeskQuery('settlement.bill', { caseId }, { refetchOn: ['cases', 'bookings'] });
  useSyncProgress(bill.reload);
  // The last bill the server answered for this case: kept to show, labelled, while it cannot be reached.
  const lastRead = useRef<PatientBillValue | null>(null);
  if (bill.status === 'ready' && bill.value.bill) lastRead.current = bill.value.bill;
  const isLastRead = bill.status === 'ready' && !bill.value.bill && bill.value.unavailable?.code === 'offline-unavailable';
  const shown = bill.status === 'ready' ? (bill.value.bill ?? (isLastRead && lastRead.current?.caseId === caseId ? lastRead.current : null)) : null;
  const pending = bill.status === 'ready' ? pendingAmounts(bill.value.deskPayments) : { payments: 0, refunds: 0 };
  return (
    <section className="panel" aria-labelledby="patient-bill-title">
      <h2 id="patient-bill-title">Patient bill</h2>
      {bill.status === 'loading' ? <LoadingNotice>Reading the patient bill…</LoadingNotice> : null}
      {bill.status === 'error' ? <ErrorNotice error={bill.error} onRetry={bill.reload} /> : null}
      {bill.status === 'ready' ? (
        <>
          {bill.value.unavailable ? (
            <InfoNotice>
              <p>{bill.value.unavailable.message}</p>
            </InfoNotice>
          ) : null}
          {shown ? <BillStatement bill={shown} pending={pending} isLastRead={shown !== bill.value.bill} /> : null}
          {bill.value.bill ? <PrintBill caseId={caseId} /> : null}
          {shown ? (
            <RefundSection caseId={caseId} credit={Math.max(0, shown.account.credit - pending.refunds)} queued={pending.refunds} onGiven={bill.reload} />
          ) : null}
          {bill.value.deskPayments.length > 0 ? <DeskPayments payments={bill.value.deskPayments} /> : null}
          <PaymentForm
            caseId={caseId}
            balance={payableBalance(bill.value.bill, isLastRead && lastRead.current?.caseId === caseId ? lastRead.current : null, pending.payments)}
            onTaken={bill.reload}
          />
        </>
      ) : null}
    </section>
  );
}

/** What this desk has queued and the server has not taken yet: payments, and refunds out of the credit. */
interface PendingAmounts {
  readonly payments: number;
  readonly refunds: number;
}

function pendingAmounts(deskPayments: readonly DeskPaymentView[]): PendingAmounts {
  const queued = (direction: DeskPaymentView['direction']) =>
    deskPayments.filter((payment) => payment.state === 'queued' && payment.direction === direction).reduce((sum, payment) => sum + payment.amount, 0);
  return { payments: queued('payment'), refunds: queued('refund') };
}

function BillStatement({
  bill,
  pending,
  isLastRead,
}: {
  readonly bill: PatientBillValue;
  readonly pending: PendingAmounts;
  /** The server cannot be reached: this is the bill as it was last read here. */
  readonly isLastRead: boolean;
}) {
  const scheme = useScheme();
  const { account } = bill;
  return (
    <>
      {isLastRead ? (
        <p className="notice notice-info" role="status">
          Offline: the bill as the server last stated it, at <time dateTime={bill.computedAt}>{formatTime(bill.computedAt, scheme.locale)}</time>. Payments and
          refunds made here since are pending until the server takes them.
        </p>
      ) : null}
      <table className="data-table">
        <caption className="visually-hidden">Bill lines</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="number">
              Amount
            </th>
            <th scope="col" className="number">
              Plan pays
            </th>
            <th scope="col" className="number">
              Patient pays
            </th>
          </tr>
        </thead>
        <tbody>
          {bill.lines.map((line) => (
            <tr key={line.bookingId} className={line.status === 'voided' ? 'is-voided' : undefined}>
              <th scope="row">
                <span className="item-code">{line.itemCode}</span> {line.description}
                {line.quantity > 1 ? <span className="muted"> × {line.quantity}</span> : null}
                {line.status === 'voided' ? <span className="muted"> (voided)</span> : null}
                {line.status === 'active' && (line.claimDecision === 'deny' || line.claimDecision === 'partial') ? (
                  <span className="muted">
                    {' '}
                    ({line.claimDecision === 'deny' ? 'denied' : 'cut'} by the scheme: <Money minor={line.writtenOff} /> not billable to the patient)
                  </span>
                ) : null}
              </th>
              <td className="number">
                <Money minor={line.amount} />
              </td>
              <td className="number">
                <Money minor={line.planPart} />
              </td>
              <td className="number">
                <Money minor={line.patientPart} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td className="number">
              <Money minor={bill.totals.amount} />
            </td>
            <td className="number">
              <Money minor={bill.totals.planPart} />
            </td>
            <td className="number">
              <Money minor={bill.totals.patientPart} />
            </td>
          </tr>
        </tfoot>
      </table>
      <dl className="figures" aria-label="Patient account">
        <div>
          <dt>Charged to the patient</dt>
          <dd>
            <Money minor={account.charged} />
          </dd>
        </div>
        <div>
          <dt>Paid</dt>
          <dd>
            <Money minor={account.paid - account.refunded} />
          </dd>
        </div>
        {account.secondary > 0 ? (
          <div>
            <dt>Sent to a secondary payer</dt>
            <dd>
              <Money minor={account.secondary} />
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Balance due</dt>
          <dd className="figure-strong">
            <Money minor={account.owed} />
          </dd>
        </div>
        {account.credit > 0 ? (
          <div>
            <dt>Credit to give back</dt>
            <dd className="figure-strong">
              <Money minor={account.credit} />
            </dd>
          </div>
        ) : null}
        {pending.payments > 0 ? (
          <>
            <div>
              <dt>Taken here, queued (pending)</dt>
              <dd>
                <Money minor={pending.payments} />
              </dd>
            </div>
            <div>
              <dt>Balance due once sent (pending)</dt>
              <dd>
                <Money minor={Math.max(0, account.owed - pending.payments)} />
              </dd>
            </div>
          </>
        ) : null}
        {pending.refunds > 0 ? (
          <>
            <div>
              <dt>Given back here, queued (pending)</dt>
              <dd>
                <Money minor={pending.refunds} />
              </dd>
            </div>
            <div>
              <dt>Credit once sent (pending)</dt>
              <dd>
                <Money minor={Math.max(0, account.credit - pending.refunds)} />
              </dd>
            </div>
          </>
        ) : null}
      </dl>
      {isLastRead ? null : <p className="muted">As the server computed it at {formatTime(bill.computedAt, scheme.locale)}.</p>}
      {bill.payments.length > 0 ? (
        <table className="data-table">
          <caption>Receipts</caption>
          <thead>
            <tr>
              <th scope="col">Receipt</th>
              <th scope="col">Method</th>
              <th scope="col">Taken</th>
              <th scope="col" className="number">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {bill.payments.map((payment) => (
              <tr key={payment.paymentId}>
                <th scope="row">{payment.receiptNumber}</th>
                <td>
                  {payment.direction === 'refund' ? 'Refund, ' : ''}
                  {paymentMethodLabels[payment.method]}
                </td>
                <td>
                  <time dateTime={payment.takenAt}>{formatTime(payment.takenAt, scheme.locale)}</time>
                </td>
                <td className="number">
                  <Money minor={payment.amount} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function DeskPayments({ payments }: { readonly payments: readonly DeskPaymentView[] }) {
  const format = useMoneyFormat();
  const what = (payment: DeskPaymentView): string =>
    payment.direction === 'refund'
      ? `${format(payment.amount)} given back ${paymentMethodPhrases[payment.method]} (refund: ${payment.reason ?? ''})`
      : `${format(payment.amount)} ${paymentMethodPhrases[payment.method]}`;
  return (
    <ul className="desk-payments" aria-label="Payments and refunds made at this desk, not on the bill yet">
      {payments.map((payment) =>
        payment.state === 'queued' ? (
          <li key={payment.paymentId}>{what(payment)}: queued, will be sent when online.</li>
        ) : (
          <li key={payment.paymentId} role="alert">
            {what(payment)} was refused by the server: {payment.rejection?.message}
          </li>
        ),
      )}
    </ul>
  );
}

/** What the amount field says the patient owes, and from which bill. */
function balanceHint(balance: PayableBalance | null, format: (minor: number) => string, locale: string): string {
  if (balance === null) return 'The balance is not known: no bill of this case has been read at this desk.';
  const queued = balance.queued > 0 ? `, after ${format(balance.queued)} taken here and queued (pending)` : '';
  if (balance.asOf === null) return `The patient owes ${format(balance.owed)}${queued}.`;
  return `Offline: as of the bill last read here, at ${formatTime(balance.asOf, locale)}, the patient owes ${format(balance.owed)}${queued}. Take at most that.`;
}

const emptyDraft: PaymentDraft = { amount: '', method: 'cash', reference: '', secondaryPayer: '' };
const methods: readonly PaymentMethod[] = ['cash', 'card', 'upi', 'secondary'];

/**
 * Take a payment. `balance` is the server's bill, or offline the bill last read here as of its time
 * (null only when no bill was ever read here): never more than it, less what is queued here.
 */
export function PaymentForm({ caseId, balance, onTaken }: { readonly caseId: string; readonly balance: PayableBalance | null; readonly onTaken: () => void }) {
  const scheme = useScheme();
  const format = useMoneyFormat();
  const command = useDeskCommand();
  const amountRef = useRef<HTMLInputElement>(null);
  const [draft, setDraft] = useState<PaymentDraft>(emptyDraft);
  const [problems, setProblems] = useState<PaymentProblems>({});
  const [formProblem, setFormProblem] = useState<string | null>(null);
  const [paymentId, setPaymentId] = useState<string | null>(null);
  const edit = (next: Partial<PaymentDraft>, field: keyof PaymentProblems): void => {
    setDraft((current) => ({ ...current, ...next }));
    setProblems((current) => ({ ...current, [field]: undefined }));
    setFormProblem(null);
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const read = readPaymentDraft(draft, scheme.minorPerUnit, balance, format);
    if (!read.ok) {
      setProblems(read.problems);
      return;
    }
    const answer = await command.run('settlement.takePayment', { caseId, ...read.request });
    if (!answer) return;
    if (!answer.ok) {
      const refusal = problemOfRefusal(answer.error);
      if (refusal.field) setProblems({ [refusal.field]: refusal.message });
      else setFormProblem(refusal.message);
      return;
    }
    setPaymentId(answer.value.paymentId);
    setDraft(emptyDraft);
    setProblems({});
    onTaken();
    amountRef.current?.focus();
  };

  return (
    <>
      {paymentId ? <LatestReceipt paymentId={paymentId} /> : null}
      {balance?.owed === 0 ? (
        <p>
          {balance.asOf === null
            ? 'Nothing is owed on this case.'
            : `Nothing is owed on this case as of the bill last read here, at ${formatTime(balance.asOf, scheme.locale)}.`}
        </p>
      ) : (
        <form onSubmit={(event) => void submit(event)} noValidate aria-labelledby="payment-form-title">
          <h3 id="payment-form-title">Take a payment</h3>
          <TextField
            label={`Amount (${currencySymbol(scheme)})`}
            inputRef={amountRef}
            value={draft.amount}
            onChange={(event) => edit({ amount: event.target.value }, 'amount')}
            inputMode="decimal"
            autoComplete="off"
            problem={problems.amount ?? null}
            hint={balanceHint(balance, format, scheme.locale)}
          />
          {balance !== null ? (
            <button type="button" onClick={() => edit({ amount: minorToInput(balance.owed, scheme.minorPerUnit) }, 'amount')}>
              Whole balance
            </button>
          ) : null}
          <fieldset className="method-choice">
            <legend>Paid by</legend>
            {methods.map((method) => (
              <label key={method}>
                <input
                  type="radio"
                  name={`payment-method-${caseId}`}
                  value={method}
                  checked={draft.method === method}
                  onChange={() => edit({ method }, 'reference')}
                />
                {paymentMethodLabels[method]}
              </label>
            ))}
          </fieldset>
          {draft.method === 'secondary' ? (
            <SecondaryPayerField
              value={draft.secondaryPayer}
              problem={problems.secondaryPayer ?? null}
              onChange={(secondaryPayer) => edit({ secondaryPayer }, 'secondaryPayer')}
            />
          ) : null}
          {draft.method !== 'cash' ? (
            <TextField
              label={referenceLabel(draft.method)}
              value={draft.reference}
              onChange={(event) => edit({ reference: event.target.value }, 'reference')}
              autoComplete="off"
              problem={problems.reference ?? null}
            />
          ) : null}
          {formProblem ? <ErrorNotice error={{ code: 'refused', message: formProblem }} /> : null}
          <button type="submit" className="primary" disabled={command.state.status === 'running'}>
            Take payment
          </button>
        </form>
      )}
    </>
  );
}

function SecondaryPayerField({
  value,
  problem,
  onChange,
}: {
  readonly value: SecondaryPayer | '';
  readonly problem: string | null;
  readonly onChange: (payer: SecondaryPayer | '') => void;
}) {
  const id = useId();
  const problemId = `${id}-problem`;
  return (
    <div className="field">
      <label htmlFor={id}>Secondary payer</label>
      <select
        id={id}
        value={value}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? problemId : undefined}
        onChange={(event) => {
          const chosen = event.target.value;
          onChange(chosen === 'serious-illness-fund' || chosen === 'commercial-top-up' ? chosen : '');
        }}
      >
        <option value="">Choose…</option>
        <option value="serious-illness-fund">{secondaryPayerLabels['serious-illness-fund']}</option>
        <option value="commercial-top-up">{secondaryPayerLabels['commercial-top-up']}</option>
      </select>
      {problem ? (
        <p id={problemId} className="field-problem">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

/** The payment (or refund) just made: queued, its receipt number once the server answered, or its refusal. */
function LatestReceipt({ paymentId, isRefund = false }: { readonly paymentId: string; readonly isRefund?: boolean }) {
  const receipt = useDeskQuery('settlement.receipt', { paymentId });
  useSyncProgress(receipt.reload);
  if (receipt.status !== 'ready') return receipt.status === 'error' ? <ErrorNotice error={receipt.error} onRetry={receipt.reload} /> : null;
  return <ReceiptNotice receipt={receipt.value} isRefund={isRefund} />;
}

function ReceiptNotice({ receipt, isRefund }: { readonly receipt: PaymentReceiptAtDesk; readonly isRefund: boolean }) {
  const format = useMoneyFormat();
  switch (receipt.state) {
    case 'queued':
      return (
        <p className="notice notice-info" role="status">
          {format(receipt.amount)} {isRefund ? 'given back' : 'taken'}: queued, will be sent when online.
        </p>
      );
    case 'answered':
      return isRefund ? (
        <p className="notice notice-info" role="status">
          Receipt {receipt.receiptNumber}: {format(receipt.amount)} given back {paymentMethodPhrases[receipt.method]}. The patient&apos;s credit is now{' '}
          {format(receipt.account.credit)}; the patient owes {format(receipt.account.owed)}.
        </p>
      ) : (
        <p className="notice notice-info" role="status">
          Receipt {receipt.receiptNumber}: {format(receipt.amount)} {paymentMethodPhrases[receipt.method]}. The patient owes {format(receipt.account.owed)}.
        </p>
      );
    case 'refused':
      return <ErrorNotice error={receipt.error} title={isRefund ? 'The server refused this refund.' : 'The server refused this payment.'} />;
  }
}

/** Save the server's PDF of the bill (fetched through the desk backend with the operator's proof), to print or hand over. */
function PrintBill({ caseId }: { readonly caseId: string }) {
  const command = useDeskCommand();
  // Printed in the operator's language (issue 19): the server writes the bill in it.
  const { language } = useTranslator();
  const print = async (): Promise<void> => {
    const answer = await command.run('settlement.billPdf', { caseId, language });
    if (!answer?.ok) return;
    const bytes = Uint8Array.from(atob(answer.value.pdfBase64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = answer.value.fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <div className="button-row">
      <button type="button" onClick={() => void print()} disabled={command.state.status === 'running'}>
        {command.state.status === 'running' ? 'Preparing the bill…' : 'Print bill (PDF)'}
      </button>
      {command.state.status === 'failed' ? <ErrorNotice error={command.state.error} /> : null}
    </div>
  );
}

type RefundMethod = 'cash' | 'card' | 'upi';

/**
 * Give money back out of the patient's credit, with the reason (refund-payment; queued offline like
 * a payment). `credit` is what is left after the refunds queued here; the receipt of the refund just
 * made stays shown when nothing is left to give back.
 */
function RefundSection({
  caseId,
  credit,
  queued,
  onGiven,
}: {
  readonly caseId: string;
  readonly credit: number;
  readonly queued: number;
  readonly onGiven: () => void;
}) {
  const [refundId, setRefundId] = useState<string | null>(null);
  if (credit === 0 && refundId === null) return null;
  return (
    <>
      {refundId ? <LatestReceipt paymentId={refundId} isRefund /> : null}
      {credit > 0 ? (
        <RefundForm
          key={credit}
          caseId={caseId}
          credit={credit}
          queued={queued}
          onGiven={(id) => {
            setRefundId(id);
            onGiven();
          }}
        />
      ) : null}
    </>
  );
}

function RefundForm({
  caseId,
  credit,
  queued,
  onGiven,
}: {
  readonly caseId: string;
  readonly credit: number;
  readonly queued: number;
  readonly onGiven: (refundId: string) => void;
}) {
  const scheme = useScheme();
  const format = useMoneyFormat();
  const command = useDeskCommand();
  const [amount, setAmount] = useState(() => minorToInput(credit, scheme.minorPerUnit));
  const [method, setMethod] = useState<RefundMethod>('cash');
  const [reference, setReference] = useState('');
  const [reason, setReason] = useState('');
  const [problems, setProblems] = useState<{ amount?: string; reference?: string; reason?: string; form?: string }>({});
  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const parsed = parseAmount(amount, scheme.minorPerUnit);
    if (!parsed.ok || parsed.minor === 0) {
      setProblems({ amount: parsed.ok ? 'Enter the amount given back: more than zero.' : parsed.message });
      return;
    }
    const answer = await command.run('settlement.refund', {
      caseId,
      amount: parsed.minor,
      method,
      ...(method !== 'cash' ? { reference } : {}),
      reason,
    });
    if (!answer) return;
    if (!answer.ok) {
      const field = answer.error.details?.field;
      setProblems(field === 'amount' || field === 'reference' || field === 'reason' ? { [field]: answer.error.message } : { form: answer.error.message });
      return;
    }
    setProblems({});
    setReason('');
    setReference('');
    onGiven(answer.value.refundId);
  };
  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-labelledby="refund-form-title">
      <h3 id="refund-form-title">Give money back</h3>
      <p>
        The patient has a credit of {format(credit)} on this case
        {queued > 0 ? `, after ${format(queued)} given back here and queued (pending until the server takes it)` : ''}.
      </p>
      <TextField
        label={`Amount given back (${currencySymbol(scheme)})`}
        value={amount}
        onChange={(event) => setAmount(event.target.value)}
        inputMode="decimal"
        autoComplete="off"
        problem={problems.amount ?? null}
      />
      <fieldset className="method-choice">
        <legend>Given back by</legend>
        {(['cash', 'card', 'upi'] as const).map((choice) => (
          <label key={choice}>
            <input type="radio" name={`refund-method-${caseId}`} value={choice} checked={method === choice} onChange={() => setMethod(choice)} />
            {paymentMethodLabels[choice]}
          </label>
        ))}
      </fieldset>
      {method !== 'cash' ? (
        <TextField
          label="Refund reference"
          value={reference}
          onChange={(event) => setReference(event.target.value)}
          autoComplete="off"
          problem={problems.reference ?? null}
        />
      ) : null}
      <TextField label="Reason" value={reason} onChange={(event) => setReason(event.target.value)} autoComplete="off" problem={problems.reason ?? null} />
      {problems.form ? <ErrorNotice error={{ code: 'refused', message: problems.form }} /> : null}
      <button type="submit" disabled={command.state.status === 'running'}>
        Give money back
      </button>
    </form>
  );
}
