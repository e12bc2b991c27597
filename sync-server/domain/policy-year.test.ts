import { describe, expect, it } from 'vitest';
import { admissionClockSkewMs, admissionMaxAgeMs, admissionTime, localDay, policyYearOf } from './policy-year';

describe('policy years', () => {
  it('a calendar-year scheme changes year at local midnight on 1 January, not at UTC midnight', () => {
    // 31 Dec 2026 23:59 IST is 18:29 UTC; 1 Jan 2027 00:00 IST is 31 Dec 18:30 UTC.
    expect(policyYearOf(new Date('2026-12-31T18:29:59.999Z'), 'Asia/Kolkata', 1)).toBe(2026);
    expect(policyYearOf(new Date('2026-12-31T18:30:00.000Z'), 'Asia/Kolkata', 1)).toBe(2027);
    expect(policyYearOf(new Date('2026-12-31T23:59:59.999Z'), 'UTC', 1)).toBe(2026);
  });

  it('an April scheme names the year it starts in', () => {
    expect(policyYearOf(new Date('2027-03-31T12:00:00Z'), 'Asia/Kolkata', 4)).toBe(2026);
    expect(policyYearOf(new Date('2027-04-01T00:00:00+05:30'), 'Asia/Kolkata', 4)).toBe(2027);
    expect(policyYearOf(new Date('2026-04-01T00:00:00+05:30'), 'Asia/Kolkata', 4)).toBe(2026);
  });

  it('refuses a start month outside 1–12', () => {
    expect(() => policyYearOf(new Date(), 'UTC', 0)).toThrow(RangeError);
    expect(() => policyYearOf(new Date(), 'UTC', 13)).toThrow(RangeError);
  });
});

describe('the admission time the server records', () => {
  const received = new Date('2027-01-01T00:10:00Z');
  it("is the operator's time when it is in the past and recent", () => {
    const made = new Date('2026-12-31T23:58:00Z');
    expect(admissionTime(made, received)).toEqual({ ok: true, admittedAt: made });
  });
  it('is the receipt time when none was sent, or when the stamp is a little ahead', () => {
    expect(admissionTime(undefined, received)).toEqual({ ok: true, admittedAt: received });
    expect(admissionTime(new Date(received.getTime() + admissionClockSkewMs), received)).toEqual({ ok: true, admittedAt: received });
  });
  it('refuses a stamp far in the future or older than the offline limit', () => {
    expect(admissionTime(new Date(received.getTime() + admissionClockSkewMs + 1), received)).toEqual({ ok: false, reason: 'in-the-future' });
    expect(admissionTime(new Date(received.getTime() - admissionMaxAgeMs - 1), received)).toEqual({ ok: false, reason: 'too-old' });
    expect(admissionTime(new Date(received.getTime() - admissionMaxAgeMs), received).ok).toBe(true);
  });

  it('gives the local calendar day: 20:00 UTC on 31 March is 1 April in India, still 31 March in UTC', () => {
    const instant = new Date('2026-03-31T20:00:00Z');
    expect(localDay(instant, 'Asia/Kolkata')).toBe('2026-04-01');
    expect(localDay(instant, 'UTC')).toBe('2026-03-31');
    expect(localDay(new Date('2026-01-05T00:00:00Z'), 'America/New_York')).toBe('2026-01-04');
  });
});
