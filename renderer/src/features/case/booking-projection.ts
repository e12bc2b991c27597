/**
 * The running total of the booking form: what the case has booked, plus the entry being typed,
 * against what the cover holds for the case. Beyond the hold the server either extends it (within
 * policy, or through an approved enhancement) or records shortfall; the desk says so before saving.
 */
export interface BookingProjection {
  readonly total: number;
  /** Hold not yet used after this entry; null while no hold is placed. */
  readonly leftInHold: number | null;
  /** How much of the total the hold does not cover; null while no hold is placed. */
  readonly beyondHold: number | null;
}

export function projectBooking(holdAmount: number | null, bookingSum: number, entryAmount: number): BookingProjection {
  const total = bookingSum + Math.max(0, entryAmount);
  if (holdAmount === null) return { total, leftInHold: null, beyondHold: null };
  return { total, leftInHold: Math.max(0, holdAmount - total), beyondHold: Math.max(0, total - holdAmount) };
}

/** quantity × unit price in minor units, or null until both are valid whole numbers. */
export function entryAmount(quantity: number | null, unitPrice: number | null): number | null {
  if (quantity === null || unitPrice === null) return null;
  const amount = quantity * unitPrice;
  return Number.isSafeInteger(amount) ? amount : null;
}

/** Enhancement suggested when bookings outgrow the hold (S3: 4,200 booked on a hold of 3,000 → 1,200). */
export function suggestedEnhancement(holdAmount: number | null, bookingSum: number): number {
  return holdAmount === null ? 0 : Math.max(0, bookingSum - holdAmount);
}
