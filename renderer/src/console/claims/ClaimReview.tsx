import { useId, useState, type FormEvent } from 'react';
import type { LineDecision, ReasonCode } from '@domain/adjudication';
import { currencySymbol, formatMoney, formatMoneyOrDash, type MoneyFormat } from '../../shared/money';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
import { caseHash } from '../app/routes';
import { TimeLeftText } from '../app/TimeLeftText';
import { byTimeLeft, type TimeLeft } from '../app/waiting';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import type { CommandAnswerOf } from '@contract/results';
import type { ConsoleError, ConsoleResult } from '../data/api';
import {
  checkDrafts,
  decisionLabel,
  documentKindLabel,
  formatSize,
  initialDrafts,
  partialAmountProblem,
  reasonChoices,
  reasonLabel,
  type ClaimStage,
  type CommandLine,
  type LineDraft,
  type ReviewClaim,
} from './claim-review';

export interface ClaimReviewProps {
  readonly claim: ReviewClaim;
  readonly stage: ClaimStage;
  readonly scheme: MoneyFormat;
  /** Sends process-claim (CEX) or verify-claim (CPD); the answer's result is shown. */
  readonly onSend: (lines: readonly CommandLine[]) => Promise<ConsoleResult<CommandAnswerOf<'process-claim' | 'verify-claim'>>>;
}

/**
 * One claim, line by line: the booking behind each line (what, when, quantity × price, the
 * covered and patient parts), the supporting documents declared with it, and a decision per line
 * (full, partial with the approved amount, deny) with a reason code. CPD sees CEX's recommendation
 * and starts from it.
 */
export function ClaimReview({ claim, stage, scheme, onSend }: ClaimReviewProps) {
  const translator = useTranslator();
  const { t, rich } = translator;
  const headingId = useId();
  const [drafts, setDrafts] = useState<LineDraft[]>(() => initialDrafts(claim, stage, scheme.minorPerUnit));
  const [problems, setProblems] = useState<Readonly<Record<string, string>>>({});
  const [error, setError] = useState<ConsoleError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const money = (minor: number | null | undefined) => formatMoneyOrDash(minor, scheme);
  const update = (bookingId: string, change: Partial<LineDraft>) => {
    setDrafts((current) => current.map((d) => (d.bookingId === bookingId ? { ...d, ...change } : d)));
    // A line's problem goes once the reviewer changes that line; the rest stay until the next send.
    setProblems((current) => Object.fromEntries(Object.entries(current).filter(([id]) => id !== bookingId)));
  };
  const preview = checkDrafts(claim.lines, drafts, scheme, t);
  const documents = claim.documents ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    const checked = checkDrafts(claim.lines, drafts, scheme, t);
    if (!checked.ok) return setProblems(checked.problems);
    setProblems({});
    setBusy(true);
    const answer = await onSend(checked.lines);
    setBusy(false);
    if (!answer.ok) return setError(answer.error);
    const { result } = answer.value;
    setDone(
      result.status === 'processed'
        ? t('console.claim.processed', { amount: money(result.recommendedAmount) })
        : t('console.claim.verified', { approved: money(result.approvedAmount), returned: money(result.returnedToCover) }),
    );
    return undefined;
  };

  return (
    <section className="panel claim-review" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {t('console.claim.heading', { name: claim.memberName, hospital: claim.hospitalCode, package: claim.packageCode ?? t('console.claim.noPackage') })}
      </h2>
      <dl className="figures">
        <div>
          <dt>{t('console.claim.claimed')}</dt>
          <dd>{money(claim.amount)}</dd>
        </div>
        <div>
          <dt>{t('console.claim.payerPart')}</dt>
          <dd>{money(claim.payerAmount)}</dd>
        </div>
        <div>
          <dt>{t('console.claim.patientPart')}</dt>
          <dd>{money(claim.patientAmount)}</dd>
        </div>
        <div>
          <dt>{t('console.claim.preauthApproved')}</dt>
          <dd>{money(claim.preauthApproved)}</dd>
        </div>
      </dl>
      <p className="screen-subtitle">
        {rich('console.claim.subtitle', {
          memberId: claim.schemeMemberId,
          submitted: formatTimeIn(translator, claim.submittedAt),
          link: (chunks) => <a href={caseHash(claim.caseId)}>{chunks}</a>,
        })}
      </p>

      <h3>{t('console.claim.documents')}</h3>
      {documents.length === 0 ? (
        <p className="notice notice-info">{t('console.claim.noDocuments')}</p>
      ) : (
        <table className="data-table">
          <caption>{t('console.claim.documentsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('console.claim.document')}</th>
              <th scope="col">{t('console.claim.kind')}</th>
              <th scope="col" className="number">
                {t('console.claim.size')}
              </th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {documents.map((d) => (
              <tr key={d.position}>
                <th scope="row">{d.name}</th>
                <td>{documentKindLabel(d.kind, t)}</td>
                <td className="number">{formatSize(d.sizeBytes)}</td>
                <td>
                  <code title={d.sha256}>{d.sha256.slice(0, 16)}…</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <form onSubmit={(event) => void submit(event)} noValidate>
        <table className="data-table claim-lines">
          <caption>{t('console.claim.linesCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('console.claim.booking')}</th>
              <th scope="col">{t('console.claim.booked')}</th>
              <th scope="col" className="number">
                {t('console.claim.quantityPrice')}
              </th>
              <th scope="col" className="number">
                {t('console.queue.amount')}
              </th>
              <th scope="col" className="number">
                {t('console.claim.payerPart')}
              </th>
              {stage === 'cpd' ? <th scope="col">{t('console.claim.cexRecommendation')}</th> : null}
              <th scope="col">{t('console.decision.legend')}</th>
            </tr>
          </thead>
          <tbody>
            {claim.lines.map((line) => {
              const draft = drafts.find((d) => d.bookingId === line.bookingId)!;
              const lineName = `${line.itemCode} ${line.description}`;
              // The amount is checked as it is typed (3,500 on a 3,000 line is said at once);
              // what only a send reveals (a missing reason code) waits for the send.
              const amountProblem = partialAmountProblem(line, draft, scheme, t);
              const problem = problems[line.bookingId] ?? amountProblem;
              const problemId = `${headingId}-${line.bookingId}-problem`;
              return (
                <tr key={line.bookingId}>
                  <th scope="row">
                    {line.itemCode} · {line.description}
                    <div className="screen-subtitle">{t('console.claim.bookingId', { id: line.bookingId.slice(0, 8) })}</div>
                  </th>
                  <td>{formatTimeIn(translator, line.bookedAt)}</td>
                  <td className="number">
                    {line.quantity} × {money(line.unitPrice)}
                  </td>
                  <td className="number">{money(line.amount)}</td>
                  <td className="number">
                    {money(line.payerAmount)}
                    {line.patientAmount > 0 ? (
                      <div className="screen-subtitle">{t('console.claim.patientAmount', { amount: money(line.patientAmount) })}</div>
                    ) : null}
                  </td>
                  {stage === 'cpd' ? (
                    <td>
                      {decisionLabel(line.cexDecision, t)}
                      {line.cexDecision === 'partial' ? ` ${money(line.cexAmount)}` : ''}
                      {line.cexReasonCode ? <div className="screen-subtitle">{reasonLabel(line.cexReasonCode, t)}</div> : null}
                    </td>
                  ) : null}
                  <td>
                    <div className="line-decision">
                      <select
                        aria-label={t('console.claim.decisionFor', { line: lineName })}
                        value={draft.decision}
                        onChange={(event) => update(line.bookingId, { decision: event.target.value as LineDecision })}
                      >
                        <option value="full">{t('console.claim.approveFull')}</option>
                        <option value="partial">{t('console.claim.approvePart')}</option>
                        <option value="deny">{t('console.claim.deny')}</option>
                      </select>
                      {draft.decision === 'partial' ? (
                        <input
                          aria-label={t('console.claim.amountFor', { line: lineName, currency: currencySymbol(scheme) })}
                          inputMode="decimal"
                          value={draft.amountText}
                          aria-invalid={amountProblem ? true : undefined}
                          aria-describedby={problem ? problemId : undefined}
                          onChange={(event) => update(line.bookingId, { amountText: event.target.value })}
                        />
                      ) : null}
                      {draft.decision !== 'full' ? (
                        <select
                          aria-label={t('console.claim.reasonFor', { line: lineName })}
                          value={draft.reasonCode}
                          onChange={(event) => update(line.bookingId, { reasonCode: event.target.value as ReasonCode | '' })}
                        >
                          <option value="">{t('console.claim.reasonCode')}</option>
                          {reasonChoices(t).map((choice) => (
                            <option key={choice.value} value={choice.value}>
                              {choice.label}
                            </option>
                          ))}
                        </select>
                      ) : null}
                    </div>
                    {problem ? (
                      <p id={problemId} className="field-problem" role="alert">
                        {problem}
                      </p>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="claim-total" aria-live="polite">
          {preview.ok
            ? rich('console.claim.total', {
                approved: money(preview.approvedTotal),
                of: money(claim.payerAmount),
                returned: money(claim.payerAmount - preview.approvedTotal),
                strong: (chunks) => <strong>{chunks}</strong>,
              })
            : t('console.claim.completeLines')}
        </p>
        {error ? <ConsoleErrorNotice error={error} title={t('console.decision.notRecorded')} /> : null}
        {done ? (
          <p className="notice notice-info" role="status">
            {done}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={isBusy || done !== null}>
            {isBusy ? t('console.decision.sending') : stage === 'cex' ? t('console.claim.sendToCpd') : t('console.claim.verify')}
          </button>
        </div>
      </form>
    </section>
  );
}

/**
 * The CEX or CPD queue, a compact row per claim: emergency claims first, then least time left
 * against the stage's service level (claim processing for CEX, verification for CPD: the server's
 * turnaround clock, issue 15), a claim past it flagged in words.
 */
export function ClaimQueue({
  claims,
  stage,
  scheme,
  selectedId,
  onSelect,
  now,
  leftOf,
}: {
  readonly claims: readonly ReviewClaim[];
  readonly stage: ClaimStage;
  readonly scheme: MoneyFormat;
  readonly selectedId: string | null;
  readonly onSelect: (claimId: string) => void;
  readonly now: Date;
  /** The claim's time left in this stage (useTimeLeft), null until the clocks are read. */
  readonly leftOf: (claim: ReviewClaim) => TimeLeft | null;
}) {
  const translator = useTranslator();
  const { t } = translator;
  if (claims.length === 0) return <p className="notice notice-info">{stage === 'cex' ? t('console.claims.emptyCex') : t('console.claims.emptyCpd')}</p>;
  const since = (claim: ReviewClaim) => (stage === 'cex' ? claim.submittedAt : (claim.processedAt ?? claim.submittedAt));
  const timed = byTimeLeft(claims, { left: leftOf, isEmergency: (claim) => claim.isEmergency, since, key: (claim) => claim.id });
  return (
    <table className="data-table queue-table">
      <caption>{stage === 'cex' ? t('console.claims.captionCex') : t('console.claims.captionCpd')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.queue.patient')}</th>
          <th scope="col">{t('console.queue.hospital')}</th>
          <th scope="col">{t('console.case.package')}</th>
          <th scope="col" className="number">
            {t('console.claims.lines')}
          </th>
          <th scope="col" className="number">
            {t('console.claim.payerPart')}
          </th>
          <th scope="col">{stage === 'cex' ? t('console.claims.submitted') : t('console.claims.processed')}</th>
          <th scope="col">{t('console.queue.timeLeft')}</th>
          <th scope="col">
            <span className="visually-hidden">{t('console.claims.action')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {timed.map(({ item: claim, left }) => (
          <tr key={claim.id}>
            <th scope="row">
              <a href={caseHash(claim.caseId)}>{claim.memberName}</a>
              {claim.isEmergency ? (
                <>
                  {' '}
                  <StatusBadge text={t('console.queue.emergency')} tone="bad" />
                </>
              ) : null}
              <div className="screen-subtitle">{claim.schemeMemberId}</div>
            </th>
            <td>{claim.hospitalCode}</td>
            <td>{claim.packageCode ?? '—'}</td>
            <td className="number">{claim.lines.length}</td>
            <td className="number">{formatMoney(claim.payerAmount, scheme)}</td>
            <td>{formatTimeIn(translator, since(claim), now)}</td>
            <td>
              <TimeLeftText left={left} since={since(claim)} now={now} />
            </td>
            <td>
              <button type="button" onClick={() => onSelect(claim.id)} aria-pressed={claim.id === selectedId}>
                {stage === 'cex' ? t('console.claims.process') : t('console.claims.verify')}
                <span className="visually-hidden">{t('console.claims.theClaimOf', { name: claim.memberName })}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
