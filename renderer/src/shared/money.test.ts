import { describe, expect, it } from 'vitest';
import { currencySymbol, formatMoney, formatMoneyOrDash, minorToInput, parseAmount } from './money';

const rupees = { currency: 'INR', locale: 'en-IN', minorPerUnit: 100 } as const;

describe('formatMoney', () => {
  it('uses Indian digit grouping for en-IN', () => {
    expect(formatMoney(123_456_789, rupees)).toBe('₹12,34,567.89');
  });

  it('shows the S1 cover and the mother’s shortfall', () => {
    expect(formatMoney(1_000_000, rupees)).toBe('₹10,000.00');
    expect(formatMoney(100_000, rupees)).toBe('₹1,000.00');
  });

  it('divides by the scheme’s minor units', () => {
    expect(formatMoney(1_234_567, { currency: 'USD', locale: 'en-US', minorPerUnit: 100 })).toBe('$12,345.67');
    expect(formatMoney(1_500, { currency: 'JPY', locale: 'ja-JP', minorPerUnit: 1 })).toMatch(/1,500/);
  });

  it('shows a dash for a figure not known yet', () => {
    expect(formatMoneyOrDash(null, rupees)).toBe('—');
    expect(formatMoneyOrDash(0, rupees)).toBe('₹0.00');
  });
});

describe('parseAmount', () => {
  it('reads whole units and decimals into minor units without floats', () => {
    expect(parseAmount('2500', 100)).toEqual({ ok: true, minor: 250_000 });
    expect(parseAmount('0.29', 100)).toEqual({ ok: true, minor: 29 });
    expect(parseAmount('2500.5', 100)).toEqual({ ok: true, minor: 250_050 });
    expect(parseAmount('1.', 100)).toEqual({ ok: true, minor: 100 });
  });

  it('ignores grouping, spaces and the rupee sign', () => {
    expect(parseAmount('₹ 12,34,567.89', 100)).toEqual({ ok: true, minor: 123_456_789 });
    expect(parseAmount('1,234,567.89', 100)).toEqual({ ok: true, minor: 123_456_789 });
  });

  it('refuses what is not an amount, with a sentence', () => {
    expect(parseAmount('', 100)).toEqual({ ok: false, code: 'empty', message: 'Enter an amount.', fractionDigits: 2 });
    expect(parseAmount('-5', 100).ok).toBe(false);
    expect(parseAmount('12.345', 100)).toEqual({ ok: false, code: 'too-many-decimals', message: 'Use at most 2 decimal places.', fractionDigits: 2 });
    expect(parseAmount('1e5', 100).ok).toBe(false);
    expect(parseAmount('5.5', 1)).toEqual({ ok: false, code: 'no-decimals', message: 'This currency has no decimal places.', fractionDigits: 0 });
    expect(parseAmount('99999999999999999', 100)).toEqual({ ok: false, code: 'too-large', message: 'The amount is too large.', fractionDigits: 2 });
  });
});

describe('minorToInput', () => {
  it('round-trips with parseAmount', () => {
    expect(minorToInput(600_000, 100)).toBe('6000.00');
    expect(minorToInput(5, 100)).toBe('0.05');
    expect(minorToInput(1_500, 1)).toBe('1500');
    for (const minor of [0, 1, 99, 100, 123_456_789]) {
      expect(parseAmount(minorToInput(minor, 100), 100)).toEqual({ ok: true, minor });
    }
  });
});

describe('currencySymbol', () => {
  it('names the scheme currency as the locale writes it', () => {
    expect(currencySymbol(rupees)).toBe('₹');
    expect(currencySymbol({ currency: 'USD', locale: 'en-US' })).toBe('$');
  });
});
