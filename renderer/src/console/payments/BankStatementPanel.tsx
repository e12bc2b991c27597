import { useId, useState, type FormEvent } from 'react';
import type { BankCreditMatchValue, BankReconciliationValue, BankStatementImportedValue, PaymentCreditValue } from '@contract/reconciliation';
import { formatMoney } from '../../shared/money';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { useServerRead } from '../admin/use-server-read';
import { useConsole } from '../app/console-context';
import type { ConsoleError } from '../data/api';

/** A refused statement's bad lines, as the server lists them (details.problems). */
function problemsOf(error: ConsoleError): { line: number; reason: string }[] {
  const problems = error.details?.problems;
  return Array.isArray(problems)
    ? problems.filter(
        (p): p is { line: number; reason: string } => typeof p === 'object' && p !== null && typeof p.line === 'number' && typeof p.reason === 'string',
      )
    : [];
}

/**
 * Reconciliation against the bank (issue 15): ACO imports the bank's statement (CSV: utr,
 * reference, date, amount); everyone here sees how its credits match the payments. A refused file
 * lists every bad line; the same file again adds nothing.
 */
export function BankStatementPanel({ version, canImport }: { readonly version: number; readonly canImport: boolean }) {
  const { api, session } = useConsole();
  const [imports, setImports] = useState(0);
  const read = useServerRead<BankReconciliationValue>('/reports/bank-reconciliation', `${version}:${imports}`);
  const [file, setFile] = useState<File | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const [result, setResult] = useState<{ ok: true; value: BankStatementImportedValue } | { ok: false; error: ConsoleError } | null>(null);
  const inputId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setIsBusy(true);
    const answer = await api.post<BankStatementImportedValue>('/reconciliation/bank-statements', { fileName: file.name, content: await file.text() });
    setIsBusy(false);
    setResult(answer);
    if (answer.ok) setImports((n) => n + 1);
  };
  const money = (minor: number) => formatMoney(minor, session.scheme);
  return (
    <section className="panel" aria-labelledby="bank-heading">
      <h2 id="bank-heading">Against the bank statement</h2>
      {canImport ? (
        <form onSubmit={(event) => void submit(event)}>
          <label htmlFor={inputId}>Bank statement (CSV with utr, reference, date, amount)</label>
          <input id={inputId} type="file" accept=".csv,text/csv" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />
          <div className="button-row">
            <button type="submit" className="primary" disabled={!file || isBusy}>
              Import statement
            </button>
          </div>
        </form>
      ) : null}
      {result?.ok === true ? (
        <p className="notice notice-info" role="status">
          {result.value.isReplay
            ? `${result.value.fileName} was imported before; nothing was added.`
            : `Imported ${result.value.fileName}: ${result.value.creditsAdded} new credit${result.value.creditsAdded === 1 ? '' : 's'} (${result.value.alreadyImported} already imported); ${result.value.credits.applied} applied, ${result.value.credits.duplicate} duplicate, ${result.value.credits.unmatched} unmatched.`}
        </p>
      ) : null}
      {result?.ok === false ? (
        <div className="notice notice-error" role="alert">
          <p>
            <strong>Not imported. </strong>
            {result.error.message}
          </p>
          {problemsOf(result.error).length > 0 ? (
            <ul aria-label="Bad lines">
              {problemsOf(result.error).map((p) => (
                <li key={p.line}>
                  Line {p.line}: {p.reason}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {read.status === 'loading' ? <LoadingNotice>Matching credits to payments…</LoadingNotice> : null}
      {read.status === 'error' ? <ErrorNotice error={read.error} title="The bank reconciliation could not be read." onRetry={read.reload} /> : null}
      {read.status === 'ready' ? <BankReconciliationView report={read.value} money={money} /> : null}
    </section>
  );
}

function PaymentList({
  title,
  payments,
  money,
}: {
  readonly title: string;
  readonly payments: readonly PaymentCreditValue[];
  readonly money: (minor: number) => string;
}) {
  if (payments.length === 0) return null;
  return (
    <table className="queue-table" aria-label={title}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Payment</th>
          <th scope="col">Hospital</th>
          <th scope="col" className="number">
            Net paid
          </th>
          <th scope="col" className="number">
            Credited
          </th>
          <th scope="col" className="number">
            Difference
          </th>
        </tr>
      </thead>
      <tbody>
        {payments.map((p) => (
          <tr key={p.paymentId}>
            <th scope="row">
              <code>{p.reference}</code>
            </th>
            <td>{p.hospitalCode}</td>
            <td className="number">{money(p.netPaid)}</td>
            <td className="number">{money(p.credited)}</td>
            <td className="number">{money(p.difference)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CreditList({
  title,
  credits,
  money,
}: {
  readonly title: string;
  readonly credits: readonly BankCreditMatchValue[];
  readonly money: (minor: number) => string;
}) {
  if (credits.length === 0) return null;
  return (
    <table className="queue-table" aria-label={title}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">UTR</th>
          <th scope="col">Reference</th>
          <th scope="col">Date</th>
          <th scope="col" className="number">
            Amount
          </th>
          <th scope="col">Statement line</th>
        </tr>
      </thead>
      <tbody>
        {credits.map((c) => (
          <tr key={c.utr}>
            <th scope="row">
              <code>{c.utr}</code>
            </th>
            <td>
              <code>{c.reference}</code>
            </td>
            <td>{c.valueDate}</td>
            <td className="number">{money(c.amount)}</td>
            <td>
              {c.fileName}, line {c.line}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BankReconciliationView({ report, money }: { readonly report: BankReconciliationValue; readonly money: (minor: number) => string }) {
  if (report.statements.length === 0) return <p className="notice notice-info">No bank statement has been imported yet.</p>;
  return (
    <>
      <p>
        {report.isReconciled ? <StatusBadge text="Reconciled with the bank" tone="good" /> : <StatusBadge text="Differences with the bank" tone="bad" />}{' '}
        {report.statements.length} statement{report.statements.length === 1 ? '' : 's'} imported; {money(report.totals.credited)} credited against{' '}
        {money(report.totals.netPaid)} paid.
      </p>
      <PaymentList title="Short-paid payments" payments={report.shortPaid} money={money} />
      <PaymentList title="Over-paid payments" payments={report.overPaid} money={money} />
      <PaymentList title="Payments not credited yet" payments={report.notCredited} money={money} />
      <CreditList title="Unmatched credits" credits={report.unmatchedCredits} money={money} />
      <CreditList title="Duplicate credits" credits={report.duplicateCredits} money={money} />
    </>
  );
}
