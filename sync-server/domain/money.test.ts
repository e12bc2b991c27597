import { describe, expect, it } from 'vitest';
import { allocateBooking, decideHold, extensionCeiling, formatAmount, isMinorAmount, maxAmount, splitPayment } from './money';

describe('money rules', () => {
  it('holds what the cover allows and records the rest as shortfall (S1 step 2)', () => {
    expect(decideHold(500_000, 400_000, 'partial-hold')).toEqual({ granted: 400_000, shortfall: 100_000 });
    expect(decideHold(600_000, 1_000_000, 'partial-hold')).toEqual({ granted: 600_000, shortfall: 0 });
    expect(decideHold(100, 0, 'partial-hold')).toEqual({ granted: 0, shortfall: 100 });
  });

  it('refuses instead when the scheme refuses partial holds', () => {
    expect(decideHold(500_000, 400_000, 'refuse')).toBe('insufficient-cover');
    expect(decideHold(400_000, 400_000, 'refuse')).toEqual({ granted: 400_000, shortfall: 0 });
  });

  it('splits payments 60/40 with the remainder to the insurer, never losing a paisa (S1 step 9)', () => {
    expect(splitPayment(550_000, 6000)).toEqual({ government: 330_000, insurer: 220_000 });
    expect(splitPayment(1, 6000)).toEqual({ government: 0, insurer: 1 });
    expect(splitPayment(333, 5000)).toEqual({ government: 166, insurer: 167 });
  });

  it('allows automatic extension up to the tolerance over the authorized amount', () => {
    expect(extensionCeiling(300_000, 0)).toBe(300_000);
    expect(extensionCeiling(300_000, 1000)).toBe(330_000);
  });

  it("computes the extension ceiling exactly at the largest amounts, as PostgreSQL's bigint does (issue 24 item 9)", () => {
    // a × bp passes 2^53 here: the product rounded to a float floored one unit too high.
    const exact = (a: number, bp: number) => Number(BigInt(a) + (BigInt(a) * BigInt(bp)) / 10_000n);
    for (const [a, bp] of [
      [999_999_990_001, 9999],
      [999_999_996_667, 9997],
      [maxAmount, 10_000],
      [maxAmount - 1, 9999],
    ] as const) {
      expect(extensionCeiling(a, bp), `${a} at ${bp} bp`).toBe(exact(a, bp));
    }
  });

  it('allocates a booking against the free part of the hold', () => {
    expect(allocateBooking(250_000, 600_000)).toEqual({ fromHold: 250_000, excess: 0 });
    expect(allocateBooking(250_000, 100_000)).toEqual({ fromHold: 100_000, excess: 150_000 });
    expect(allocateBooking(250_000, 0)).toEqual({ fromHold: 0, excess: 250_000 });
  });

  it('accepts only whole, non-negative, bounded minor amounts', () => {
    expect(isMinorAmount(0)).toBe(true);
    expect(isMinorAmount(10.5)).toBe(false);
    expect(isMinorAmount(-1)).toBe(false);
    expect(isMinorAmount(1e15)).toBe(false);
  });

  it('formats rupees with Indian digit grouping', () => {
    expect(formatAmount(123_456_789, 'INR', 'en-IN')).toBe('₹12,34,567.89');
  });
});
