import { describe, expect, it } from 'vitest';
import { adjudicateLines } from './adjudication';
import { RefusedError } from './outcomes';

const lines = [
  { bookingId: 'a', payerAmount: 250_000 },
  { bookingId: 'b', payerAmount: 300_000 },
  { bookingId: 'c', payerAmount: 50_000 },
];

describe('line-level adjudication', () => {
  it('approves full, partial and denied lines (S1 step 8: 5,500 of 6,000)', () => {
    const decided = adjudicateLines(lines, [
      { bookingId: 'a', decision: 'full' },
      { bookingId: 'b', decision: 'partial', approvedAmount: 250_000, reasonCode: 'tariff-exceeded' },
      { bookingId: 'c', decision: 'full' },
    ]);
    expect(decided.reduce((s, l) => s + l.approvedAmount, 0)).toBe(550_000);
    expect(decided[1]).toEqual({ bookingId: 'b', decision: 'partial', approvedAmount: 250_000, reasonCode: 'tariff-exceeded' });
  });

  it('requires a reason code for partial and denied lines', () => {
    expect(() => adjudicateLines(lines.slice(0, 1), [{ bookingId: 'a', decision: 'deny' }])).toThrow(RefusedError);
    expect(() => adjudicateLines(lines.slice(0, 1), [{ bookingId: 'a', decision: 'partial', approvedAmount: 1 }])).toThrow(/reason code/);
  });

  it('refuses a partial amount that is not below the line amount', () => {
    expect(() => adjudicateLines(lines.slice(0, 1), [{ bookingId: 'a', decision: 'partial', approvedAmount: 250_000, reasonCode: 'other' }])).toThrow(
      /less than the line amount/,
    );
  });

  it('requires every line decided exactly once and nothing else', () => {
    expect(() => adjudicateLines(lines, [{ bookingId: 'a', decision: 'full' }])).toThrow(/every line/);
    expect(() =>
      adjudicateLines(lines.slice(0, 1), [
        { bookingId: 'a', decision: 'full' },
        { bookingId: 'a', decision: 'full' },
      ]),
    ).toThrow(/only once/);
    expect(() =>
      adjudicateLines(lines.slice(0, 1), [
        { bookingId: 'a', decision: 'full' },
        { bookingId: 'z', decision: 'full' },
      ]),
    ).toThrow(/every line/);
  });
});
