import { useId, useState, type FormEvent } from 'react';
import type { LineDecision, ReasonCode } from '@domain/adjudication';
import { currencySymbol, formatMoney, formatMoneyOrDash, type MoneyFormat } from '../../shared/money';
import { formatTime } from '../../shared/time';
import { ErrorNotice } from '../../shared/ui/Notice';
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
  const preview = checkDrafts(claim.lines, drafts, scheme);
  const documents = claim.documents ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    const checked = checkDrafts(claim.lines, drafts, scheme);
    if (!checked.ok) return setProblems(checked.problems);
    setProblems({});
    setBusy(true);
    const answer = await onSend(checked.lines);
    setBusy(false);
    if (!answer.ok) return setError(answer.error);
    const { result } = answer.value;
    setDone(
      result.status === 'processed'
        ? `Processed: ${money(result.recommendedAmount)} recommended; the claim goes to CPD for verification.`
        : `Verified: ${money(result.approvedAmount)} approved, ${money(result.returnedToCover)} returned to the family cover.`,
    );
    return undefined;
  };

  return (
    <section className="panel claim-review" aria-labelledby={headingId}>
      <h2 id={headingId}>
        Claim of {claim.memberName} · {claim.hospitalCode} · {claim.packageCode ?? 'no package'}
      </h2>
      <dl className="figures">
        <div>
          <dt>Claimed</dt>
          <dd>{money(claim.amount)}</dd>
        </div>
        <div>
          <dt>Payer part</dt>
          <dd>{money(claim.payerAmount)}</dd>
        </div>
        <div>
          <dt>Patient part (shortfall)</dt>
          <dd>{money(claim.patientAmount)}</dd>
        </div>
        <div>
          <dt>Pre-auth approved</dt>
          <dd>{money(claim.preauthApproved)}</dd>
        </div>
      </dl>
      <p className="screen-subtitle">
        {claim.schemeMemberId} · submitted {formatTime(claim.submittedAt, scheme.locale)} ·{' '}
        <a href={caseHash(claim.caseId)}>Open the case (audit trail and chain status)</a>
      </p>

      <h3>Supporting documents</h3>
      {documents.length === 0 ? (
        <p className="notice notice-info">No supporting documents were declared with this claim.</p>
      ) : (
        <table className="data-table">
          <caption>Documents declared by the hospital with the claim</caption>
          <thead>
            <tr>
              <th scope="col">Document</th>
              <th scope="col">Kind</th>
              <th scope="col" className="number">
                Size
              </th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {documents.map((d) => (
              <tr key={d.position}>
                <th scope="row">{d.name}</th>
                <td>{documentKindLabel(d.kind)}</td>
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
          <caption>Claim lines and the bookings behind them</caption>
          <thead>
            <tr>
              <th scope="col">Booking</th>
              <th scope="col">Booked</th>
              <th scope="col" className="number">
                Quantity × price
              </th>
              <th scope="col" className="number">
                Amount
              </th>
              <th scope="col" className="number">
                Payer part
              </th>
              {stage === 'cpd' ? <th scope="col">CEX recommendation</th> : null}
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {claim.lines.map((line) => {
              const draft = drafts.find((d) => d.bookingId === line.bookingId)!;
              const lineName = `${line.itemCode} ${line.description}`;
              // The amount is checked as it is typed (3,500 on a 3,000 line is said at once);
              // what only a send reveals (a missing reason code) waits for the send.
              const amountProblem = partialAmountProblem(line, draft, scheme);
              const problem = problems[line.bookingId] ?? amountProblem;
              const problemId = `${headingId}-${line.bookingId}-problem`;
              return (
                <tr key={line.bookingId}>
                  <th scope="row">
                    {line.itemCode} · {line.description}
                    <div className="screen-subtitle">booking {line.bookingId.slice(0, 8)}</div>
                  </th>
                  <td>{formatTime(line.bookedAt, scheme.locale)}</td>
                  <td className="number">
                    {line.quantity} × {money(line.unitPrice)}
                  </td>
                  <td className="number">{money(line.amount)}</td>
                  <td className="number">
                    {money(line.payerAmount)}
                    {line.patientAmount > 0 ? <div className="screen-subtitle">patient {money(line.patientAmount)}</div> : null}
                  </td>
                  {stage === 'cpd' ? (
                    <td>
                      {decisionLabel(line.cexDecision)}
                      {line.cexDecision === 'partial' ? ` ${money(line.cexAmount)}` : ''}
                      {line.cexReasonCode ? <div className="screen-subtitle">{reasonLabel(line.cexReasonCode)}</div> : null}
                    </td>
                  ) : null}
                  <td>
                    <div className="line-decision">
                      <select
                        aria-label={`Decision for ${lineName}`}
                        value={draft.decision}
                        onChange={(event) => update(line.bookingId, { decision: event.target.value as LineDecision })}
                      >
                        <option value="full">Approve in full</option>
                        <option value="partial">Approve in part</option>
                        <option value="deny">Deny</option>
                      </select>
                      {draft.decision === 'partial' ? (
                        <input
                          aria-label={`Approved amount for ${lineName} (${currencySymbol(scheme)})`}
                          inputMode="decimal"
                          value={draft.amountText}
                          aria-invalid={amountProblem ? true : undefined}
                          aria-describedby={problem ? problemId : undefined}
                          onChange={(event) => update(line.bookingId, { amountText: event.target.value })}
                        />
                      ) : null}
                      {draft.decision !== 'full' ? (
                        <select
                          aria-label={`Reason code for ${lineName}`}
                          value={draft.reasonCode}
                          onChange={(event) => update(line.bookingId, { reasonCode: event.target.value as ReasonCode | '' })}
                        >
                          <option value="">Reason code…</option>
                          {reasonChoices.map((choice) => (
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
          {preview.ok ? (
            <>
              Approving <strong>{money(preview.approvedTotal)}</strong> of {money(claim.payerAmount)}; {money(claim.payerAmount - preview.approvedTotal)} would
              return to the family cover.
            </>
          ) : (
            'Complete every line to see the total.'
          )}
        </p>
        {error ? <ErrorNotice error={error} title="Not recorded." /> : null}
        {done ? (
          <p className="notice notice-info" role="status">
            {done}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={isBusy || done !== null}>
            {isBusy ? 'Sending…' : stage === 'cex' ? 'Send processing to CPD' : 'Verify the claim'}
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
  if (claims.length === 0)
    return (
      <p className="notice notice-info">
        {stage === 'cex' ? 'No submitted claim is waiting for processing.' : 'No processed claim is waiting for verification.'}
      </p>
    );
  const since = (claim: ReviewClaim) => (stage === 'cex' ? claim.submittedAt : (claim.processedAt ?? claim.submittedAt));
  const timed = byTimeLeft(claims, { left: leftOf, isEmergency: (claim) => claim.isEmergency, since, key: (claim) => claim.id });
  return (
    <table className="data-table queue-table">
      <caption>
        {stage === 'cex' ? 'Submitted claims, emergency first, then least time left' : 'Claims processed by CEX, emergency first, then least time left'}
      </caption>
      <thead>
        <tr>
          <th scope="col">Patient</th>
          <th scope="col">Hospital</th>
          <th scope="col">Package</th>
          <th scope="col" className="number">
            Lines
          </th>
          <th scope="col" className="number">
            Payer part
          </th>
          <th scope="col">{stage === 'cex' ? 'Submitted' : 'Processed'}</th>
          <th scope="col">Time left</th>
          <th scope="col">
            <span className="visually-hidden">Action</span>
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
                  <StatusBadge text="Emergency" tone="bad" />
                </>
              ) : null}
              <div className="screen-subtitle">{claim.schemeMemberId}</div>
            </th>
            <td>{claim.hospitalCode}</td>
            <td>{claim.packageCode ?? '—'}</td>
            <td className="number">{claim.lines.length}</td>
            <td className="number">{formatMoney(claim.payerAmount, scheme)}</td>
            <td>{formatTime(since(claim), scheme.locale, now)}</td>
            <td>
              <TimeLeftText left={left} since={since(claim)} now={now} />
            </td>
            <td>
              <button type="button" onClick={() => onSelect(claim.id)} aria-pressed={claim.id === selectedId}>
                {stage === 'cex' ? 'Process' : 'Verify'}
                <span className="visually-hidden"> the claim of {claim.memberName}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
