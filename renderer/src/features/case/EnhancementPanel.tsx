import { useState, type FormEvent, type RefObject } from 'react';
import type { CaseView } from '@desk-api/contract';
import { useScheme } from '../../app/desk-context';
import { useDeskCommand } from '../../shared/hooks/use-desk-request';
import { currencySymbol, minorToInput, parseAmount } from '../../shared/money';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice } from '../../shared/ui/Notice';
import { Money } from '../../shared/ui/Money';
import { suggestedEnhancement } from './booking-projection';

/** Ask the reviewer to grow the hold when treatment needs more than the package (S3). */
export function EnhancementPanel({ liveCase, amountRef }: { readonly liveCase: CaseView; readonly amountRef: RefObject<HTMLInputElement | null> }) {
  const canRequest = liveCase.status === 'admitted' && liveCase.preauth.status === 'approved';
  return (
    <section className="panel" aria-labelledby="enhancement-title">
      <h2 id="enhancement-title">Enhancements</h2>
      {liveCase.enhancements.length > 0 ? (
        <table className="data-table">
          <caption className="visually-hidden">Enhancement requests</caption>
          <thead>
            <tr>
              <th scope="col" className="number">
                Requested
              </th>
              <th scope="col" className="number">
                Approved
              </th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Reviewer's reason</th>
            </tr>
          </thead>
          <tbody>
            {liveCase.enhancements.map((enhancement) => (
              <tr key={enhancement.enhancementId}>
                <td className="number">
                  <Money minor={enhancement.requestedAmount} />
                </td>
                <td className="number">
                  <Money minor={enhancement.approvedAmount} />
                </td>
                <td>{enhancement.status}</td>
                <td>{enhancement.reason}</td>
                <td>{enhancement.decisionReason ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No enhancement requested.</p>
      )}
      {canRequest ? (
        <EnhancementForm liveCase={liveCase} amountRef={amountRef} />
      ) : (
        <p className="muted">An enhancement can be requested once the pre-auth is approved, while the patient is admitted.</p>
      )}
    </section>
  );
}

function EnhancementForm({ liveCase, amountRef }: { readonly liveCase: CaseView; readonly amountRef: RefObject<HTMLInputElement | null> }) {
  const scheme = useScheme();
  const command = useDeskCommand();
  const suggestion = suggestedEnhancement(liveCase.hold?.value ?? null, liveCase.bookingSum);
  const [amount, setAmount] = useState(suggestion > 0 ? minorToInput(suggestion, scheme.minorPerUnit) : '');
  const [reason, setReason] = useState('');
  const [problems, setProblems] = useState<{ amount?: string; reason?: string }>({});
  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const parsed = parseAmount(amount, scheme.minorPerUnit);
    const found = {
      ...(!parsed.ok ? { amount: parsed.message } : parsed.minor === 0 ? { amount: 'The amount must be more than zero.' } : {}),
      ...(reason.trim().length < 5 ? { reason: 'Give the clinical reason the reviewer will judge.' } : {}),
    };
    setProblems(found);
    if (!parsed.ok || Object.keys(found).length > 0) return;
    const answer = await command.run('cases.requestEnhancement', { caseId: liveCase.caseId, amount: parsed.minor, reason: reason.trim() });
    if (answer?.ok) {
      setAmount('');
      setReason('');
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <div className="form-grid">
        <TextField
          label={`Additional amount (${currencySymbol(scheme)})`}
          inputRef={amountRef}
          value={amount}
          onChange={(event) => setAmount(event.target.value)}
          inputMode="decimal"
          problem={problems.amount ?? null}
          autoComplete="off"
          aria-keyshortcuts="Alt+E"
          hint={suggestion > 0 ? 'Prefilled with what the bookings exceed the hold by.' : undefined}
        />
        <TextField
          label="Clinical reason"
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          problem={problems.reason ?? null}
          autoComplete="off"
        />
      </div>
      {command.state.status === 'failed' ? <ErrorNotice error={command.state.error} /> : null}
      <button type="submit" disabled={command.state.status === 'running'}>
        {command.state.status === 'running' ? 'Sending…' : 'Request enhancement'}
      </button>
    </form>
  );
}
