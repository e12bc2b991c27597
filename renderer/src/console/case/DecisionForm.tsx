import { createContext, useContext, useId, useState, type FormEvent } from 'react';
import { currencySymbol, parseAmount } from '../../shared/money';
import { TextAreaField, TextField } from '../../shared/ui/Field';
import { amountProblemText } from '../../i18n/amount-problem';
import { useTranslator } from '../../i18n/LanguageProvider';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
import { useConsole, useMoney } from '../app/console-context';
import type { ConsoleError } from '../data/api';

/**
 * Where a recorded decision is announced: the case view keeps one live region that outlives the
 * form (a decided form disappears as soon as the feed brings the new state back).
 */
export const DecisionOutcomeContext = createContext<(message: string) => void>(() => undefined);

export interface DecisionChoice {
  readonly value: string;
  readonly label: string;
  /** The choice needs an amount (approve lower, recommend). */
  readonly needsAmount?: boolean;
  /** The choice needs a written reason. */
  readonly needsReason?: boolean;
}

/**
 * A decision with its reason, sent as one server command: the choices, an amount when the choice
 * needs one, a reason, and the server's answer (a refusal is shown in its own words; nothing is
 * assumed done until the server says so and the feed brings the change back).
 */
export function DecisionForm({
  title,
  command,
  body,
  choices,
  amountLabel,
  reasonLabel,
  submitLabel,
  maxAmount,
}: {
  readonly title: string;
  readonly command: 'decide-preauth' | 'recommend-preauth' | 'approve-unspecified' | 'decide-enhancement';
  readonly body: Record<string, unknown>;
  readonly choices: readonly DecisionChoice[];
  readonly amountLabel?: string;
  readonly reasonLabel?: string;
  readonly submitLabel?: string;
  /** Shown as a hint and checked before sending: e.g. approve-lower must be below the request. */
  readonly maxAmount?: number;
}) {
  const { api, session, replication } = useConsole();
  const money = useMoney();
  const { t } = useTranslator();
  const amountText = amountLabel ?? t('console.decision.amount');
  const reasonText = reasonLabel ?? t('console.decision.reason');
  const headingId = useId();
  const [choice, setChoice] = useState(choices.length === 1 ? choices[0]!.value : '');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<{ field: 'choice' | 'amount' | 'reason'; message: string } | null>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const announce = useContext(DecisionOutcomeContext);
  const [isBusy, setBusy] = useState(false);
  const selected = choices.find((c) => c.value === choice);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!selected) return setProblem({ field: 'choice', message: t('console.decision.choose') });
    const payload: Record<string, unknown> = { ...body };
    if (choices.length > 1) payload.decision = selected.value;
    if (selected.needsAmount) {
      const parsed = parseAmount(amount, session.scheme.minorPerUnit);
      if (!parsed.ok) return setProblem({ field: 'amount', message: amountProblemText(parsed, t) });
      if (parsed.minor <= 0) return setProblem({ field: 'amount', message: t('console.decision.moreThanZero') });
      if (maxAmount !== undefined && parsed.minor >= maxAmount && selected.value === 'approve-lower')
        return setProblem({ field: 'amount', message: t('console.decision.lowerThan', { amount: money(maxAmount) }) });
      payload[command === 'recommend-preauth' ? 'recommendedAmount' : 'amount'] = parsed.minor;
    }
    if (selected.needsReason && reason.trim() === '') return setProblem({ field: 'reason', message: t('console.decision.writeReason') });
    if (reason.trim() !== '') payload.reason = reason.trim();
    setProblem(null);
    setBusy(true);
    const answer = await api.command(command, payload);
    setBusy(false);
    if (!answer.ok) return setError(answer.error);
    announce(t('console.decision.recorded', { title, choice: selected.label }));
    setReason('');
    setAmount('');
    replication.resync();
    return undefined;
  };

  return (
    <section className="panel decision" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        {choices.length > 1 ? (
          <fieldset aria-describedby={problem?.field === 'choice' ? `${headingId}-choice-problem` : undefined}>
            <legend>{t('console.decision.legend')}</legend>
            <div className="inline-choice">
              {choices.map((c) => (
                <label key={c.value} className="checkbox">
                  <input type="radio" name={`${headingId}-decision`} value={c.value} checked={choice === c.value} onChange={() => setChoice(c.value)} />
                  {c.label}
                </label>
              ))}
            </div>
            {problem?.field === 'choice' ? (
              <p id={`${headingId}-choice-problem`} className="field-problem">
                {problem.message}
              </p>
            ) : null}
          </fieldset>
        ) : null}
        {selected?.needsAmount ? (
          <TextField
            label={`${amountText} (${currencySymbol(session.scheme)})`}
            inputMode="decimal"
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
            hint={maxAmount !== undefined ? t('console.decision.requested', { amount: money(maxAmount) }) : undefined}
            problem={problem?.field === 'amount' ? problem.message : null}
          />
        ) : null}
        <TextAreaField
          label={selected?.needsReason ? reasonText : t('console.decision.optional', { label: reasonText })}
          value={reason}
          rows={3}
          maxLength={2000}
          onChange={(event) => setReason(event.target.value)}
          problem={problem?.field === 'reason' ? problem.message : null}
        />
        {error ? <ConsoleErrorNotice error={error} title={t('console.decision.notRecorded')} /> : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={isBusy}>
            {isBusy ? t('console.decision.sending') : (submitLabel ?? t('console.decision.send'))}
          </button>
        </div>
      </form>
    </section>
  );
}
