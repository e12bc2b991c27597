import { describe, expect, it } from 'vitest';
import { entryAmount, projectBooking, suggestedEnhancement } from './booking-projection';

const cashless = (amount: number) => ({ amount, patientEstimate: 0 });

describe('booking running total against the hold', () => {
  it('walks S1 step 5: 2,500 + 3,000 + 500 on a hold of 6,000', () => {
    expect(projectBooking(cashless(600_000), 0, 250_000)).toEqual({ total: 250_000, covered: 600_000, leftInHold: 350_000, beyondHold: 0 });
    expect(projectBooking(cashless(600_000), 250_000, 300_000)).toEqual({ total: 550_000, covered: 600_000, leftInHold: 50_000, beyondHold: 0 });
    expect(projectBooking(cashless(600_000), 550_000, 50_000)).toEqual({ total: 600_000, covered: 600_000, leftInHold: 0, beyondHold: 0 });
  });

  it('says how much goes beyond the hold (S3)', () => {
    expect(projectBooking(cashless(300_000), 300_000, 120_000)).toEqual({ total: 420_000, covered: 300_000, leftInHold: 0, beyondHold: 120_000 });
    expect(suggestedEnhancement(cashless(300_000), 420_000)).toBe(120_000);
    expect(suggestedEnhancement(cashless(300_000), 100_000)).toBe(0);
  });

  // S5 step 4: the mother's package of 60,000 once the family deductible is met: the hold is the
  // plan's 54,000 and the patient's estimated part 6,000 (10 % co-insurance).
  it('S5’s mother: 60,000 booked on a hold of 54,000 with 6,000 estimated as hers is not beyond the hold', () => {
    const mother = { amount: 5_400_000, patientEstimate: 600_000 };
    expect(projectBooking(mother, 0, 6_000_000)).toEqual({ total: 6_000_000, covered: 6_000_000, leftInHold: 0, beyondHold: 0 });
    expect(suggestedEnhancement(mother, 6_000_000)).toBe(0);
    // Truly beyond: 10,000 more, whole (the server decides the split of it).
    expect(projectBooking(mother, 6_000_000, 1_000_000)).toEqual({ total: 7_000_000, covered: 6_000_000, leftInHold: 0, beyondHold: 1_000_000 });
    expect(suggestedEnhancement(mother, 7_000_000)).toBe(1_000_000);
  });

  // S5 steps 2–3: the father's package of 40,000, hold 33,300 and estimate 6,700; 25,000 then 15,000.
  it('S5’s father: 25,000 then 15,000 on a hold of 33,300 with 6,700 estimated stay within it', () => {
    const father = { amount: 3_330_000, patientEstimate: 670_000 };
    expect(projectBooking(father, 0, 2_500_000)).toEqual({ total: 2_500_000, covered: 4_000_000, leftInHold: 1_500_000, beyondHold: 0 });
    expect(projectBooking(father, 2_500_000, 1_500_000)).toEqual({ total: 4_000_000, covered: 4_000_000, leftInHold: 0, beyondHold: 0 });
    // His enhancement of 10,000 (the hold grows by 9,000, the estimate by 1,000) covers 50,000.
    const enhanced = { amount: 4_230_000, patientEstimate: 770_000 };
    expect(projectBooking(enhanced, 4_000_000, 1_000_000).beyondHold).toBe(0);
    expect(projectBooking(enhanced, 4_000_000, 1_000_100).beyondHold).toBe(100);
  });

  it('a true shortfall under cost sharing is still beyond the hold: the cover held 50,000 of the plan’s 54,000', () => {
    expect(projectBooking({ amount: 5_000_000, patientEstimate: 600_000 }, 0, 6_000_000).beyondHold).toBe(400_000);
  });

  it('knows nothing about the hold before the server places it', () => {
    expect(projectBooking(null, 100, 50)).toEqual({ total: 150, covered: null, leftInHold: null, beyondHold: null });
    expect(suggestedEnhancement(null, 150)).toBe(0);
  });

  it('multiplies quantity by unit price only when both are known', () => {
    expect(entryAmount(3, 8_000)).toBe(24_000);
    expect(entryAmount(null, 8_000)).toBeNull();
    expect(entryAmount(2, Number.MAX_SAFE_INTEGER)).toBeNull();
  });
});
