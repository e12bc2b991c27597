/**
 * Money is always an integer number of minor currency units (paise, cents). Never floats.
 * The largest amount the system accepts is far below Number.MAX_SAFE_INTEGER so sums of many
 * amounts stay exact.
 */
export const maxAmount = 1_000_000_000_000; // 10 billion units of a 2-decimal currency

export function isMinorAmount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= maxAmount;
}

export function assertMinorAmount(value: number, what: string): number {
  if (!isMinorAmount(value)) throw new RangeError(`${what} must be a whole number of minor units between 0 and ${maxAmount}, got ${value}`);
  return value;
}

export type ShortfallPolicy = 'partial-hold' | 'refuse';

/**
 * How much of a request a family's cover can hold. The server's single conditional SQL statement
 * is the authority (reserveCover in sync-server/src/money/family-cover.ts, under the database's
 * committed_within_cover CHECK); this pure function states the same rule for tests,
 * the desk's estimates and the documentation.
 */
export function decideHold(requested: number, available: number, policy: ShortfallPolicy): { granted: number; shortfall: number } | 'insufficient-cover' {
  const grantable = Math.max(0, Math.min(requested, available));
  if (grantable < requested && policy === 'refuse') return 'insufficient-cover';
  return { granted: grantable, shortfall: requested - grantable };
}

/**
 * Split a payment between government subsidy and insurer. The government share is rounded down
 * to the minor unit; the insurer takes the remainder so the two always add up to the amount.
 */
export function splitPayment(amount: number, governmentShareBasisPoints: number): { government: number; insurer: number } {
  const government = Math.floor((amount * governmentShareBasisPoints) / 10_000);
  return { government, insurer: amount - government };
}

/**
 * The most a hold may grow to without a new decision: the authorized amount plus the scheme's
 * automatic-extension tolerance. Beyond it a booking is shortfall until an enhancement is approved.
 * Mirrored in SQL by add_booking_decision (sync-server/src/db/migrations/004-hot-path.ts).
 */
export function extensionCeiling(authorized: number, autoExtendBasisPoints: number): number {
  // floor(a × bp / 10,000) computed as floor(a / 10,000) × bp + floor((a mod 10,000) × bp / 10,000):
  // every intermediate stays below 2^53 for any safe `a` (a × bp itself does not once a passes
  // about 9 × 10^11, and a rounded product can floor one unit off what PostgreSQL computes).
  // add_booking_decision computes the same split in bigint, where a × bp could overflow.
  const whole = Math.floor(authorized / 10_000);
  const rest = authorized - whole * 10_000;
  return authorized + whole * autoExtendBasisPoints + Math.floor((rest * autoExtendBasisPoints) / 10_000);
}

/**
 * Split one booking against what is left in its case's hold. Mirrored in SQL by
 * add_booking_decision (sync-server/src/db/migrations/004-hot-path.ts).
 */
export function allocateBooking(amount: number, holdFree: number): { fromHold: number; excess: number } {
  const fromHold = Math.max(0, Math.min(amount, holdFree));
  return { fromHold, excess: amount - fromHold };
}

/**
 * The extension a booking asks of the family's cover beyond its hold: its excess, bounded by the
 * room under the extension ceiling (`room`: ceiling minus the hold). Under 'partial-hold' the cover
 * may grant part of it (allowPartial). Under 'refuse' it is the whole excess or nothing: an excess
 * past the ceiling asks for nothing, and the cover grants all of it or nothing (the scheme refuses
 * holds the cover cannot take whole); what is not extended is the booking's shortfall.
 * Mirrored in SQL by add_booking_decision (sync-server/src/db/migrations/015-scheme-in-transaction.ts).
 */
export function bookingExtension(excess: number, room: number, policy: ShortfallPolicy): { requested: number; allowPartial: boolean } {
  if (policy === 'refuse') return { requested: excess <= room ? excess : 0, allowPartial: false };
  return { requested: Math.max(0, Math.min(excess, room)), allowPartial: true };
}

/** Format minor units for people, e.g. 1234567 paise in en-IN → "₹12,345.67". */
export function formatAmount(minor: number, currency: string, locale: string, minorPerUnit = 100): string {
  const fractionDigits = Math.round(Math.log10(minorPerUnit));
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }).format(
    minor / minorPerUnit,
  );
}
