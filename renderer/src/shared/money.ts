/**
 * Amounts on screen. Every amount the desk API hands over is an integer in minor units of the
 * scheme's currency (paise for the demo scheme); the operator reads and types whole currency units.
 * Formatting delegates to the domain core so the server's reports and the desk agree to the paisa.
 */
import { formatAmount, isMinorAmount } from '@domain/money';
import type { SchemeInfo } from '@desk-api/contract';

export type MoneyFormat = Pick<SchemeInfo, 'currency' | 'locale' | 'minorPerUnit'>;

/** e.g. 123456789 paise in en-IN → "₹12,34,567.89" (Indian digit grouping comes from the locale). */
export function formatMoney(minor: number, scheme: MoneyFormat): string {
  return formatAmount(minor, scheme.currency, scheme.locale, scheme.minorPerUnit);
}

/** Like formatMoney, but for a figure that may not be known yet (e.g. a hold the server has not placed). */
export function formatMoneyOrDash(minor: number | null | undefined, scheme: MoneyFormat): string {
  return minor === null || minor === undefined ? '—' : formatMoney(minor, scheme);
}

/** Why a typed amount was refused: `code` lets a screen say it in the operator's language (`message` is English). */
export type AmountProblem = 'empty' | 'not-a-number' | 'no-decimals' | 'too-many-decimals' | 'too-large';
export type AmountParse =
  | { readonly ok: true; readonly minor: number }
  | { readonly ok: false; readonly code: AmountProblem; readonly message: string; readonly fractionDigits: number };

/**
 * Reads what an operator typed ("2,500", "2500.5", "₹ 12,34,567.89") as minor units, without ever
 * going through a float: 0.1 + 0.2 style errors on money are exactly what the scheme forbids.
 * Grouping separators are ignored wherever they are (Indian and Western grouping both appear on
 * hospital bills); the decimal separator is a dot.
 */
export function parseAmount(text: string, minorPerUnit: number): AmountParse {
  const fractionDigits = Math.round(Math.log10(minorPerUnit));
  const cleaned = text.replace(/[\s,₹]/g, '');
  if (cleaned === '') return { ok: false, code: 'empty', message: 'Enter an amount.', fractionDigits };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return { ok: false, code: 'not-a-number', message: 'Use digits only, with at most one decimal point.', fractionDigits };
  const wholePart = match[1] ?? '0';
  const fractionPart = match[2] ?? '';
  if (fractionPart.length > fractionDigits) {
    return fractionDigits === 0
      ? { ok: false, code: 'no-decimals', message: 'This currency has no decimal places.', fractionDigits }
      : { ok: false, code: 'too-many-decimals', message: `Use at most ${fractionDigits} decimal places.`, fractionDigits };
  }
  const minor = Number(wholePart) * minorPerUnit + Number(fractionPart.padEnd(fractionDigits, '0') || '0');
  if (!isMinorAmount(minor)) return { ok: false, code: 'too-large', message: 'The amount is too large.', fractionDigits };
  return { ok: true, minor };
}

/** The inverse of parseAmount for prefilling a field: 600000 → "6000.00" (no grouping, easy to edit). */
export function minorToInput(minor: number, minorPerUnit: number): string {
  const fractionDigits = Math.round(Math.log10(minorPerUnit));
  const whole = Math.floor(minor / minorPerUnit);
  if (fractionDigits === 0) return String(whole);
  const fraction = String(minor % minorPerUnit).padStart(fractionDigits, '0');
  return `${whole}.${fraction}`;
}

/** "₹" for INR in en-IN: labels say which currency a field is in without hard-coding it. */
export function currencySymbol(scheme: Pick<MoneyFormat, 'currency' | 'locale'>): string {
  return (
    new Intl.NumberFormat(scheme.locale, { style: 'currency', currency: scheme.currency }).formatToParts(0).find((part) => part.type === 'currency')?.value ??
    scheme.currency
  );
}
