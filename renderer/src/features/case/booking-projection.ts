/**
 * The running total of the booking form: what the case has booked, plus the entry being typed,
 * against what the hold covers. Beyond it the server either extends the hold (within policy, or
 * through an approved enhancement) or records shortfall; the desk says so before saving.
 *
 * Like with like: bookings are what the hospital charges, whole. On the cashless cover the hold
 * is all of it; under a plan with cost sharing (S5) the hold is the plan's part only, and the
 * patient's estimated part (deductible, co-insurance, co-pay) is kept beside it on the hold
 * document. A booking is beyond the hold only past the two together: S5's mother, 60,000 booked
 * on a hold of 54,000 with 6,000 estimated as hers, is not beyond it (issue 14). Offline these are
 * the figures of the last pull.
 */
export interface HoldFigures {
  /** What the family cover holds for the case (the plan's part under cost sharing). */
  readonly amount: number;
  /** The patient's estimated part of the authorized amount, as the server last stated it; 0 on the cashless cover. */
  readonly patientEstimate: number;
}

export interface BookingProjection {
  readonly total: number;
  /** What the hold and the patient's estimated part cover together; null while no hold is placed. */
  readonly covered: number | null;
  /** Of that, what this entry leaves unused; null while no hold is placed. */
  readonly leftInHold: number | null;
  /** How much of the total the hold and the patient's estimated part do not cover; null while no hold is placed. */
  readonly beyondHold: number | null;
}

/** What the hold and the patient's estimated part cover together, or null while no hold is placed. */
export function holdCovers(hold: HoldFigures | null): number | null {
  return hold === null ? null : hold.amount + hold.patientEstimate;
}

export function projectBooking(hold: HoldFigures | null, bookingSum: number, entryAmount: number): BookingProjection {
  const total = bookingSum + Math.max(0, entryAmount);
  const covered = holdCovers(hold);
  if (covered === null) return { total, covered: null, leftInHold: null, beyondHold: null };
  return { total, covered, leftInHold: Math.max(0, covered - total), beyondHold: Math.max(0, total - covered) };
}

/** quantity × unit price in minor units, or null until both are valid whole numbers. */
export function entryAmount(quantity: number | null, unitPrice: number | null): number | null {
  if (quantity === null || unitPrice === null) return null;
  const amount = quantity * unitPrice;
  return Number.isSafeInteger(amount) ? amount : null;
}

/**
 * Enhancement suggested when bookings outgrow the hold (S3: 4,200 booked on a hold of 3,000 →
 * 1,200). An enhancement asks for an authorized amount, whole: the server holds the plan's part
 * of it and adds the patient's part to the estimate (S5's father: 10,000 asked, the hold grows by
 * 9,000), so the suggestion is measured against the hold plus the patient's estimated part.
 */
export function suggestedEnhancement(hold: HoldFigures | null, bookingSum: number): number {
  const covered = holdCovers(hold);
  return covered === null ? 0 : Math.max(0, bookingSum - covered);
}
