import { useId, useState, type FormEvent } from 'react';
import type { BankCreditMatchValue, BankReconciliationValue, BankStatementImportedValue, PaymentCreditValue } from '@contract/reconciliation';
import { formatMoney } from '../../shared/money';
import { useTranslator } from '../../i18n/LanguageProvider';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
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
  const { t } = useTranslator();
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
      <h2 id="bank-heading">{t('console.bank.heading')}</h2>
      {canImport ? (
        <form onSubmit={(event) => void submit(event)}>
          <label htmlFor={inputId}>{t('console.bank.fileLabel')}</label>
          <input id={inputId} type="file" accept=".csv,text/csv" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />
          <div className="button-row">
            <button type="submit" className="primary" disabled={!file || isBusy}>
              {t('console.bank.import')}
            </button>
          </div>
        </form>
      ) : null}
      {result?.ok === true ? (
        <p className="notice notice-info" role="status">
          {result.value.isReplay
            ? t('console.bank.replay', { file: result.value.fileName })
            : t('console.bank.imported', {
                file: result.value.fileName,
                added: result.value.creditsAdded,
                already: result.value.alreadyImported,
                applied: result.value.credits.applied,
                duplicate: result.value.credits.duplicate,
                unmatched: result.value.credits.unmatched,
              })}
        </p>
      ) : null}
      {result?.ok === false ? (
        <div className="notice notice-error" role="alert">
          <p>
            <strong>{t('console.bank.notImported')} </strong>
            {result.error.message}
          </p>
          {problemsOf(result.error).length > 0 ? (
            <ul aria-label={t('console.bank.badLines')}>
              {problemsOf(result.error).map((p) => (
                <li key={p.line}>{t('console.bank.line', { line: String(p.line), reason: p.reason })}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {read.status === 'loading' ? <LoadingNotice>{t('console.bank.loading')}</LoadingNotice> : null}
      {read.status === 'error' ? <ConsoleErrorNotice error={read.error} title={t('console.bank.unreadable')} onRetry={read.reload} /> : null}
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
  const { t } = useTranslator();
  if (payments.length === 0) return null;
  return (
    <table className="queue-table" aria-label={title}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.bank.payment')}</th>
          <th scope="col">{t('console.queue.hospital')}</th>
          <th scope="col" className="number">
            {t('console.bank.netPaid')}
          </th>
          <th scope="col" className="number">
            {t('console.bank.credited')}
          </th>
          <th scope="col" className="number">
            {t('console.bank.difference')}
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
  const { t } = useTranslator();
  if (credits.length === 0) return null;
  return (
    <table className="queue-table" aria-label={title}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">UTR</th>
          <th scope="col">{t('console.payments.reference')}</th>
          <th scope="col">{t('console.bank.date')}</th>
          <th scope="col" className="number">
            {t('console.queue.amount')}
          </th>
          <th scope="col">{t('console.bank.statementLine')}</th>
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
            <td>{t('console.bank.fileLine', { file: c.fileName, line: String(c.line) })}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BankReconciliationView({ report, money }: { readonly report: BankReconciliationValue; readonly money: (minor: number) => string }) {
  const { t } = useTranslator();
  if (report.statements.length === 0) return <p className="notice notice-info">{t('console.bank.none')}</p>;
  return (
    <>
      <p>
        {report.isReconciled ? (
          <StatusBadge text={t('console.bank.reconciled')} tone="good" />
        ) : (
          <StatusBadge text={t('console.bank.differences')} tone="bad" />
        )}{' '}
        {t('console.bank.summary', { count: report.statements.length, credited: money(report.totals.credited), paid: money(report.totals.netPaid) })}
      </p>
      <PaymentList title={t('console.bank.shortPaid')} payments={report.shortPaid} money={money} />
      <PaymentList title={t('console.bank.overPaid')} payments={report.overPaid} money={money} />
      <PaymentList title={t('console.bank.notCredited')} payments={report.notCredited} money={money} />
      <CreditList title={t('console.bank.unmatched')} credits={report.unmatchedCredits} money={money} />
      <CreditList title={t('console.bank.duplicate')} credits={report.duplicateCredits} money={money} />
    </>
  );
}
