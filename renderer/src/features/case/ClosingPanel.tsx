import { useState, type FormEvent, type RefObject } from 'react';
import type { ClaimLineView } from '@desk-api/contract';
import type { LiveCase } from '../../shared/hooks/use-live-record';
import { claimReasonLabel } from '../../shared/labels';
import { useScheme } from '../../app/desk-context';
import { useDeskCommand } from '../../shared/hooks/use-desk-request';
import { currencySymbol, minorToInput, parseAmount } from '../../shared/money';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog';
import { TextField } from '../../shared/ui/Field';
import { Money, useMoneyFormat } from '../../shared/ui/Money';

interface ClosingPanelProps {
  readonly liveCase: LiveCase;
  readonly isDischargeOpen: boolean;
  readonly onDischargeOpen: (isOpen: boolean) => void;
  readonly claimRef: RefObject<HTMLInputElement | null>;
}

/** Discharge, claim and cancellation: the irreversible steps, each behind a confirmation. */
/** A refused claim (it reached the server from the outbox and was rejected) can be raised again. */
export function canRaiseClaim(liveCase: Pick<LiveCase, 'status' | 'claim'>): boolean {
  return liveCase.status === 'discharged' && (!liveCase.claim || liveCase.claim.status === 'rejected');
}

export function ClosingPanel({ liveCase, isDischargeOpen, onDischargeOpen, claimRef }: ClosingPanelProps) {
  const isActive = liveCase.status === 'admitted' || liveCase.status === 'pending-sync';
  const claim = liveCase.claim;
  return (
    <section className="panel" aria-labelledby="closing-title">
      <h2 id="closing-title">Discharge and claim</h2>
      {isActive ? <DischargeAction liveCase={liveCase} isOpen={isDischargeOpen} onOpen={onDischargeOpen} /> : null}
      {claim?.status === 'rejected' ? <ClaimRefusal claim={claim} bookingSum={liveCase.bookingSum} /> : null}
      {canRaiseClaim(liveCase) ? <ClaimForm liveCase={liveCase} amountRef={claimRef} /> : null}
      {claim && claim.status !== 'rejected' ? (
        <p>
          Claim of <Money minor={claim.amount} />: {claim.status}
          {claim.approvedAmount !== null ? (
            <>
              {' '}
              — <Money minor={claim.approvedAmount} /> approved by the payer
            </>
          ) : null}
          .
        </p>
      ) : null}
      {claim && claim.lines.some((line) => line.decision === 'partial' || line.decision === 'deny') ? <ClaimDeductions lines={claim.lines} /> : null}
      {isActive && !liveCase.claim ? <CancelAction liveCase={liveCase} /> : null}
      {liveCase.status === 'cancelled' || liveCase.status === 'rejected' ? <p>This case is closed.</p> : null}
    </section>
  );
}

function DischargeAction({ liveCase, isOpen, onOpen }: { readonly liveCase: LiveCase; readonly isOpen: boolean; readonly onOpen: (isOpen: boolean) => void }) {
  const command = useDeskCommand();
  const format = useMoneyFormat();
  const close = (): void => {
    command.reset();
    onOpen(false);
  };
  return (
    <>
      <button type="button" onClick={() => onOpen(true)} aria-keyshortcuts="Alt+D">
        Discharge…
      </button>
      <ConfirmDialog
        isOpen={isOpen}
        title={`Discharge ${liveCase.memberName}?`}
        confirmLabel="Discharge"
        isBusy={command.state.status === 'running'}
        error={command.state.status === 'failed' ? command.state.error : null}
        onCancel={close}
        onConfirm={() => {
          void command.run('cases.discharge', { caseId: liveCase.caseId }).then((answer) => {
            if (answer?.ok) close();
          });
        }}
      >
        <p>After discharge no booking can be added or voided. The booking sum is {format(liveCase.bookingSum)}: the claim must equal it.</p>
      </ConfirmDialog>
    </>
  );
}

function ClaimForm({ liveCase, amountRef }: { readonly liveCase: LiveCase; readonly amountRef: RefObject<HTMLInputElement | null> }) {
  const scheme = useScheme();
  const format = useMoneyFormat();
  const command = useDeskCommand();
  // The claim must equal the booking sum (openIMIS booking rule): start from it.
  const [amount, setAmount] = useState(() => minorToInput(liveCase.bookingSum, scheme.minorPerUnit));
  const [problem, setProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const parsed = parseAmount(amount, scheme.minorPerUnit);
  const difference = parsed.ok ? parsed.minor - liveCase.bookingSum : 0;

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (!parsed.ok) {
      setProblem(parsed.message);
      return;
    }
    // The server refuses a claim that is not the booking sum (409 claim-amount-mismatch): a claim
    // the desk knows will be refused is not offered for submission at all.
    const mismatch = claimMismatch(parsed.minor, liveCase.bookingSum, format);
    if (mismatch) {
      setProblem(mismatch);
      return;
    }
    setProblem(null);
    setConfirming(parsed.minor);
  };

  // The dialog has its own form: it sits beside the claim form, never inside it (nested forms are invalid).
  return (
    <>
      <form onSubmit={submit} noValidate>
        <TextField
          label={`Claim amount (${currencySymbol(scheme)})`}
          inputRef={amountRef}
          value={amount}
          onChange={(event) => {
            setAmount(event.target.value);
            setProblem(null);
          }}
          inputMode="decimal"
          autoComplete="off"
          aria-keyshortcuts="Alt+L"
          problem={problem}
          hint={
            difference !== 0
              ? `The booking sum is ${format(liveCase.bookingSum)}; this differs by ${format(Math.abs(difference))}, and the server refuses such a claim: it cannot be submitted.`
              : `Equals the booking sum, ${format(liveCase.bookingSum)}.`
          }
        />
        <button type="submit" className="primary">
          Submit claim…
        </button>
      </form>
      <ConfirmDialog
        isOpen={confirming !== null}
        title={`Submit a claim of ${format(confirming ?? 0)}?`}
        confirmLabel="Submit claim"
        isBusy={command.state.status === 'running'}
        error={command.state.status === 'failed' ? command.state.error : null}
        onCancel={() => {
          command.reset();
          setConfirming(null);
        }}
        onConfirm={() => {
          if (confirming === null) return;
          void command.run('cases.submitClaim', { caseId: liveCase.caseId, amount: confirming }).then((answer) => {
            if (answer?.ok) setConfirming(null);
          });
        }}
      >
        <p>The bookings of {liveCase.memberName} close and the hold becomes a claim in adjudication. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}

/**
 * Why the desk will not submit this amount, or null when it may: a claim must equal the booking
 * sum (openIMIS booking rule, enforced by the server), so the difference is said with both figures.
 */
export function claimMismatch(amount: number, bookingSum: number, format: (minor: number) => string): string | null {
  if (amount === bookingSum) return null;
  return `This claim cannot be submitted: the bookings add up to ${format(bookingSum)} and ${format(amount)} differs by ${format(Math.abs(amount - bookingSum))}. Claim ${format(bookingSum)}, or correct the bookings first.`;
}

/** A claim the server refused: its own sentence (a mismatch names the difference), then what to do. */
export function ClaimRefusal({ claim, bookingSum }: { readonly claim: NonNullable<LiveCase['claim']>; readonly bookingSum: number }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>
          The server refused the claim of <Money minor={claim.amount} />
          {claim.rejection ? ':' : '.'}
        </strong>{' '}
        {claim.rejection?.message ??
          (claim.amount !== bookingSum ? (
            <>
              A claim must equal the booking sum, <Money minor={bookingSum} />.
            </>
          ) : null)}
      </p>
      <p>Correct it and raise the claim again.</p>
    </div>
  );
}

function CancelAction({ liveCase }: { readonly liveCase: LiveCase }) {
  const command = useDeskCommand();
  const [isOpen, setIsOpen] = useState(false);
  const [reason, setReason] = useState('');
  const close = (): void => {
    command.reset();
    setIsOpen(false);
  };
  return (
    <>
      <button type="button" className="danger-quiet" onClick={() => setIsOpen(true)}>
        Cancel this admission…
      </button>
      <ConfirmDialog
        isOpen={isOpen}
        title={`Cancel the admission of ${liveCase.memberName}?`}
        confirmLabel="Cancel admission"
        canConfirm={reason.trim().length >= 5}
        isBusy={command.state.status === 'running'}
        error={command.state.status === 'failed' ? command.state.error : null}
        onCancel={close}
        onConfirm={() => {
          void command.run('cases.cancel', { caseId: liveCase.caseId, reason: reason.trim() }).then((answer) => {
            if (answer?.ok) close();
          });
        }}
      >
        <p>The hold on the family cover is released and the case is closed. This cannot be undone.</p>
        <TextField
          label="Reason for cancelling"
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          hint="At least 5 characters, e.g. admitted in error. Enter confirms."
          autoFocus
          autoComplete="off"
        />
      </ConfirmDialog>
    </>
  );
}

/** What the payer did not pay, line by line, with its reason: what the desk tells the patient and billing. */
function ClaimDeductions({ lines }: { readonly lines: readonly ClaimLineView[] }) {
  const reduced = lines.filter((line) => line.decision === 'partial' || line.decision === 'deny');
  return (
    <table className="data-table">
      <caption>Reduced by the payer</caption>
      <thead>
        <tr>
          <th scope="col">Booking</th>
          <th scope="col" className="number">
            Claimed
          </th>
          <th scope="col" className="number">
            Approved
          </th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {reduced.map((line) => (
          <tr key={line.bookingId}>
            <td>{line.description || line.bookingId}</td>
            <td className="number">
              <Money minor={line.payerAmount} />
            </td>
            <td className="number">
              <Money minor={line.approvedAmount ?? 0} />
            </td>
            <td>{claimReasonLabel(line.reasonCode)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
