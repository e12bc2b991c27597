import { useState } from 'react';
import type { BookingView, CaseView } from '@desk-api/contract';
import { useDeskCommand } from '../../shared/hooks/use-desk-request';
import { bookingStatusLabel } from '../../shared/labels';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog';
import { TextField } from '../../shared/ui/Field';
import { Money, useMoneyFormat } from '../../shared/ui/Money';
import { StatusBadge } from '../../shared/ui/StatusBadge';

/** Every booking of the case with what the server covered; voided ones stay listed, struck through. */
export function BookingsTable({ liveCase, canVoid }: { readonly liveCase: CaseView; readonly canVoid: boolean }) {
  const [voiding, setVoiding] = useState<BookingView | null>(null);
  if (liveCase.bookings.length === 0) return <p>No bookings yet.</p>;
  return (
    <>
      <table className="data-table bookings-table">
        <caption className="visually-hidden">Bookings</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="number">
              Qty
            </th>
            <th scope="col" className="number">
              Unit price
            </th>
            <th scope="col" className="number">
              Amount
            </th>
            <th scope="col" className="number">
              Covered
            </th>
            <th scope="col" className="number">
              Shortfall
            </th>
            <th scope="col">Status</th>
            {canVoid ? <th scope="col">Action</th> : null}
          </tr>
        </thead>
        <tbody>
          {liveCase.bookings.map((booking) => (
            <tr key={booking.bookingId} className={booking.isVoided ? 'is-voided' : undefined}>
              <th scope="row">
                <span className="item-code">{booking.itemCode}</span> {booking.description}
                {booking.reason ? <span className="muted"> ({booking.reason})</span> : null}
              </th>
              <td className="number">{booking.quantity}</td>
              <td className="number">
                <Money minor={booking.unitPrice} />
              </td>
              <td className="number">
                <Money minor={booking.amount} />
              </td>
              <td className="number">
                <Money minor={booking.coveredAmount} />
              </td>
              <td className="number">
                <Money minor={booking.shortfallAmount} />
              </td>
              <td>
                <StatusBadge {...bookingStatusLabel(booking.status, booking.isVoided)} />
              </td>
              {canVoid ? (
                <td>
                  {booking.isVoided ? null : (
                    <button type="button" onClick={() => setVoiding(booking)} aria-label={`Void ${booking.itemCode} ${booking.description}`}>
                      Void…
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Booking sum (not voided)
            </th>
            <td className="number">
              <strong>
                <Money minor={liveCase.bookingSum} />
              </strong>
            </td>
            <td colSpan={canVoid ? 4 : 3} />
          </tr>
        </tfoot>
      </table>
      {voiding ? <VoidDialog booking={voiding} onClose={() => setVoiding(null)} /> : null}
    </>
  );
}

function VoidDialog({ booking, onClose }: { readonly booking: BookingView; readonly onClose: () => void }) {
  const command = useDeskCommand();
  const format = useMoneyFormat();
  const [reason, setReason] = useState('');
  const isReasonGiven = reason.trim().length >= 5;
  return (
    <ConfirmDialog
      isOpen
      title={`Void booking ${booking.itemCode}?`}
      confirmLabel="Void booking"
      canConfirm={isReasonGiven}
      isBusy={command.state.status === 'running'}
      error={command.state.status === 'failed' ? command.state.error : null}
      onCancel={onClose}
      onConfirm={() => {
        void command.run('bookings.void', { bookingId: booking.bookingId, reason: reason.trim() }).then((answer) => {
          if (answer?.ok) onClose();
        });
      }}
    >
      <p>
        {booking.description}, {booking.quantity} × {format(booking.unitPrice)} = {format(booking.amount)}. A voided booking stays on record for audit and no
        longer counts in the booking sum.
      </p>
      <TextField
        label="Reason for voiding"
        value={reason}
        onChange={(event) => setReason(event.target.value)}
        hint="At least 5 characters, e.g. entered twice. Enter confirms."
        autoFocus
        autoComplete="off"
      />
    </ConfirmDialog>
  );
}
