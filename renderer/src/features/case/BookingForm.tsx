import { useId, useState, type FormEvent, type RefObject } from 'react';
import type { CaseView } from '@desk-api/contract';
import { useScheme } from '../../app/desk-context';
import { useDeskCommand } from '../../shared/hooks/use-desk-request';
import { currencySymbol, minorToInput, parseAmount } from '../../shared/money';
import { bookingProblems, draftQuantity, emptyBookingDraft, revisedProblems, type BookingDraft, type BookingProblems } from './booking-draft';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice } from '../../shared/ui/Notice';
import { Money } from '../../shared/ui/Money';
import { entryAmount, projectBooking } from './booking-projection';
import { useKnownItems } from './use-known-items';

/**
 * One service or item per entry. The item code field suggests items booked before (a native
 * datalist, keyboard-friendly); choosing one fills description and price, which stay editable.
 * Enter saves; the form clears and returns to the item code for the next entry.
 */
export function BookingForm({ liveCase, itemRef }: { readonly liveCase: CaseView; readonly itemRef: RefObject<HTMLInputElement | null> }) {
  const scheme = useScheme();
  const listId = useId();
  const knownItems = useKnownItems();
  const command = useDeskCommand();
  const [draft, setDraftState] = useState<BookingDraft>(emptyBookingDraft);
  const [problems, setProblems] = useState<BookingProblems>({});
  // Every edit re-checks the fields that show a problem, so none stays beside a value now valid.
  const setDraft = (next: BookingDraft): void => {
    setDraftState(next);
    setProblems((shown) => revisedProblems(shown, next, scheme.minorPerUnit));
  };

  const quantity = draftQuantity(draft);
  const price = parseAmount(draft.unitPrice, scheme.minorPerUnit);
  const amount = entryAmount(quantity, price.ok ? price.minor : null) ?? 0;
  const projection = projectBooking(liveCase.hold?.value ?? null, liveCase.bookingSum, amount);

  const chooseItemCode = (itemCode: string): void => {
    const known = knownItems.find((item) => item.itemCode.toLowerCase() === itemCode.trim().toLowerCase());
    setDraft(
      known
        ? { ...draft, itemCode: known.itemCode, description: known.description, unitPrice: minorToInput(known.unitPrice, scheme.minorPerUnit) }
        : { ...draft, itemCode },
    );
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const found = bookingProblems(draft, scheme.minorPerUnit);
    setProblems(found);
    if (Object.keys(found).length > 0 || quantity === null || !price.ok) return;
    const answer = await command.run('bookings.add', {
      caseId: liveCase.caseId,
      itemCode: draft.itemCode.trim(),
      description: draft.description.trim(),
      quantity,
      unitPrice: price.minor,
    });
    if (answer?.ok) {
      setDraft(emptyBookingDraft);
      itemRef.current?.focus();
    }
  };

  return (
    <form className="booking-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="booking-form-title">
      <h3 id="booking-form-title">Add a booking</h3>
      <div className="form-grid">
        <TextField
          label="Item code"
          inputRef={itemRef}
          list={listId}
          value={draft.itemCode}
          onChange={(event) => chooseItemCode(event.target.value)}
          problem={problems.itemCode ?? null}
          autoComplete="off"
          aria-keyshortcuts="Alt+B"
          hint="Type to pick an item booked before, or enter any code."
        />
        <datalist id={listId}>
          {knownItems.map((item) => (
            <option key={item.itemCode} value={item.itemCode}>
              {item.description}
            </option>
          ))}
        </datalist>
        <TextField
          label="Description"
          value={draft.description}
          onChange={(event) => setDraft({ ...draft, description: event.target.value })}
          problem={problems.description ?? null}
          autoComplete="off"
        />
        <TextField
          label="Quantity"
          value={draft.quantity}
          inputMode="numeric"
          onChange={(event) => setDraft({ ...draft, quantity: event.target.value })}
          problem={problems.quantity ?? null}
          autoComplete="off"
        />
        <TextField
          label={`Unit price (${currencySymbol(scheme)})`}
          value={draft.unitPrice}
          inputMode="decimal"
          onChange={(event) => setDraft({ ...draft, unitPrice: event.target.value })}
          problem={problems.unitPrice ?? null}
          autoComplete="off"
        />
      </div>
      <RunningTotal amount={amount} projection={projection} bookingSum={liveCase.bookingSum} patientEstimate={liveCase.hold?.value.patientEstimate ?? 0} />
      {command.state.status === 'failed' ? <ErrorNotice error={command.state.error} /> : null}
      <button type="submit" className="primary" disabled={command.state.status === 'running'}>
        {command.state.status === 'running' ? 'Saving…' : 'Add booking'}
      </button>
    </form>
  );
}

/**
 * Under cost sharing the hold is the plan's part: the running total is measured against the hold
 * plus the patient's estimated part (booking-projection.ts), and the sentence names both.
 */
function RunningTotal({
  amount,
  projection,
  bookingSum,
  patientEstimate,
}: {
  readonly amount: number;
  readonly projection: ReturnType<typeof projectBooking>;
  readonly bookingSum: number;
  readonly patientEstimate: number;
}) {
  const what = patientEstimate > 0 ? 'the hold and the patient’s estimated part' : 'the hold';
  return (
    <p className={projection.beyondHold ? 'running-total warning-text' : 'running-total'} aria-live="polite">
      Booked <Money minor={bookingSum} /> + this entry <Money minor={amount} /> ={' '}
      <strong>
        <Money minor={projection.total} />
      </strong>
      {projection.leftInHold === null ? (
        <> · no hold placed yet: the booking stays pending until the server places one.</>
      ) : projection.beyondHold ? (
        <>
          {' '}
          ·{' '}
          <strong>
            <Money minor={projection.beyondHold} /> beyond {what}
          </strong>
          : the server will extend the hold if policy allows, otherwise it is shortfall. Request an enhancement if the treatment needs it.
        </>
      ) : (
        <>
          {' '}
          · <Money minor={projection.leftInHold} /> left {patientEstimate > 0 ? <>of what {what} cover</> : <>in the hold</>}.
        </>
      )}
      {patientEstimate > 0 ? (
        <>
          {' '}
          (The plan’s part is held on the cover; the patient’s estimated part is <Money minor={patientEstimate} />
          .)
        </>
      ) : null}
    </p>
  );
}
