/**
 * Policy years. A family's cover is per policy year; a year starts at 00:00 on the 1st of the
 * scheme's start month in the scheme's time zone and is named by the calendar year it starts in
 * (start month 4: 1 April 2026 – 31 March 2027 is policy year 2026; start month 1: the calendar
 * year). A case belongs to the year of its admission.
 */

/** One formatter per time zone: building one costs more than using it, and every command asks. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar year and month (1–12) of an instant in an IANA time zone. */
export function localYearMonth(instant: Date, timeZone: string): { year: number; month: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(instant);
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  if (!Number.isInteger(year) || !Number.isInteger(month)) throw new RangeError(`Cannot read a local date from ${instant.toISOString()} in ${timeZone}`);
  return { year, month };
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar day of an instant in an IANA time zone, as YYYY-MM-DD (en-CA's date order). */
export function localDay(instant: Date, timeZone: string): string {
  let formatter = dayFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, formatter);
  }
  return formatter.format(instant);
}

/** The policy year an instant falls in. */
export function policyYearOf(instant: Date, timeZone: string, yearStartMonth: number): number {
  if (!Number.isInteger(yearStartMonth) || yearStartMonth < 1 || yearStartMonth > 12)
    throw new RangeError(`A policy year starts in month 1–12, not ${yearStartMonth}`);
  const { year, month } = localYearMonth(instant, timeZone);
  return month >= yearStartMonth ? year : year - 1;
}

/**
 * How far the operator's clock may disagree with the server's for an admission: an admission
 * stamped up to this much in the future is taken as made now (clocks drift); more is refused.
 */
export const admissionClockSkewMs = 5 * 60_000;

/**
 * How long an admission may have been made before the server hears of it: a desk offline longer
 * than this must re-admit (a stamp further back could move a case into a closed year's cover).
 */
export const admissionMaxAgeMs = 7 * 24 * 3_600_000;

export type AdmissionTime = { readonly ok: true; readonly admittedAt: Date } | { readonly ok: false; readonly reason: 'in-the-future' | 'too-old' };

/**
 * The admission time the server records: the operator's (issue 12 item 4), when it is plausible
 * against the server's receipt time; a stamp a little ahead of the server's clock is the receipt.
 */
export function admissionTime(operatorTime: Date | undefined, receivedAt: Date): AdmissionTime {
  if (operatorTime === undefined) return { ok: true, admittedAt: receivedAt };
  const ahead = operatorTime.getTime() - receivedAt.getTime();
  if (ahead > admissionClockSkewMs) return { ok: false, reason: 'in-the-future' };
  if (-ahead > admissionMaxAgeMs) return { ok: false, reason: 'too-old' };
  return { ok: true, admittedAt: ahead > 0 ? receivedAt : operatorTime };
}
