import { describe, expect, it } from 'vitest';
import { entryAmount, projectBooking, suggestedEnhancement } from './booking-projection';

describe('booking running total against the hold', () => {
  it('walks S1 step 5: 2,500 + 3,000 + 500 on a hold of 6,000', () => {
    expect(projectBooking(600_000, 0, 250_000)).toEqual({ total: 250_000, leftInHold: 350_000, beyondHold: 0 });
    expect(projectBooking(600_000, 250_000, 300_000)).toEqual({ total: 550_000, leftInHold: 50_000, beyondHold: 0 });
    expect(projectBooking(600_000, 550_000, 50_000)).toEqual({ total: 600_000, leftInHold: 0, beyondHold: 0 });
  });

  it('says how much goes beyond the hold (S3)', () => {
    expect(projectBooking(300_000, 300_000, 120_000)).toEqual({ total: 420_000, leftInHold: 0, beyondHold: 120_000 });
    expect(suggestedEnhancement(300_000, 420_000)).toBe(120_000);
    expect(suggestedEnhancement(300_000, 100_000)).toBe(0);
  });

  it('knows nothing about the hold before the server places it', () => {
    expect(projectBooking(null, 100, 50)).toEqual({ total: 150, leftInHold: null, beyondHold: null });
  });

  it('multiplies quantity by unit price only when both are known', () => {
    expect(entryAmount(3, 8_000)).toBe(24_000);
    expect(entryAmount(null, 8_000)).toBeNull();
    expect(entryAmount(2, Number.MAX_SAFE_INTEGER)).toBeNull();
  });
});
