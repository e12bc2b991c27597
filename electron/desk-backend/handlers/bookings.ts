// Bookings of services and items on a case: add, and void with a reason (queued in the outbox).
import { randomUUID } from 'node:crypto';
import { failure, ok, type HandlerModule } from './context';

export const bookingHandlers: HandlerModule<'bookings.add' | 'bookings.void'> = (desk, { requireMedco, queue }) => ({
  'bookings.add': async ({ caseId, itemCode, description, quantity, unitPrice }) => {
    const refused = requireMedco();
    if (refused) return refused;
    const familyId = desk.familyOfCase(caseId);
    if (!familyId) return failure('not-found', 'There is no such case on this desk.');
    const bookingId = randomUUID();
    const result = queue('add-booking', { bookingId, caseId, itemCode, description, quantity, unitPrice }, (commandId) =>
      desk.addPending('bookings', bookingId, caseId, familyId, commandId, {
        caseId,
        itemCode,
        description,
        quantity,
        unitPrice,
        amount: quantity * unitPrice,
        createdAt: new Date().toISOString(),
      }),
    );
    return result.ok ? ok({ bookingId }) : result;
  },
  'bookings.void': async ({ bookingId, reason }) => {
    const refused = requireMedco();
    if (refused) return refused;
    const booking = desk.reads.booking(bookingId);
    if (!booking) return failure('not-found', 'There is no such booking on this desk.');
    return queue('void-booking', { bookingId, reason }, (commandId) =>
      desk.addPending('booking-void', bookingId, booking.caseId, desk.familyOfCase(booking.caseId), commandId, { reason }),
    );
  },
});
