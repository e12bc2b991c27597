import { describe, expect, it } from 'vitest';
import { hasValidVerhoeffDigit, lookupKeys, parseCardNumber, parseHealthAccount, verhoeffCheckDigit } from './identifiers';

describe('Verhoeff check digit', () => {
  it("matches the published examples (Verhoeff's algorithm as Wikipedia and Aadhaar validators give it)", () => {
    expect(verhoeffCheckDigit('236')).toBe(3);
    expect(verhoeffCheckDigit('12345')).toBe(1);
    expect(verhoeffCheckDigit('75872')).toBe(2);
    expect(hasValidVerhoeffDigit('2363')).toBe(true);
    expect(hasValidVerhoeffDigit('123451')).toBe(true);
    expect(hasValidVerhoeffDigit('758722')).toBe(true);
  });

  it('catches every single-digit change and every adjacent swap of a valid 14-digit number', () => {
    const valid = '91234567890124';
    expect(hasValidVerhoeffDigit(valid)).toBe(true);
    for (let i = 0; i < valid.length; i += 1) {
      for (let d = 0; d <= 9; d += 1) {
        const changed = valid.slice(0, i) + String(d) + valid.slice(i + 1);
        if (changed !== valid) expect(hasValidVerhoeffDigit(changed), changed).toBe(false);
      }
      if (i + 1 < valid.length && valid[i] !== valid[i + 1]) {
        const swapped = valid.slice(0, i) + valid[i + 1]! + valid[i]! + valid.slice(i + 2);
        expect(hasValidVerhoeffDigit(swapped), swapped).toBe(false);
      }
    }
  });
});

describe('identifier rules', () => {
  it('reads a health account number with or without separators, and refuses a bad length or check digit', () => {
    expect(parseHealthAccount('91-2345-6789-0124')).toEqual({ ok: true, value: '91234567890124' });
    expect(parseHealthAccount(' 9123 4567 8901 24 ')).toEqual({ ok: true, value: '91234567890124' });
    expect(parseHealthAccount('91234567890125')).toMatchObject({ ok: false, message: expect.stringContaining('check digit') });
    expect(parseHealthAccount('9123456789012')).toMatchObject({ ok: false, message: expect.stringContaining('14 digits') });
    expect(parseHealthAccount('9123456789012a')).toMatchObject({ ok: false });
  });

  it('card numbers: upper case, inner spaces dropped, 1–32 of A–Z 0–9 / -', () => {
    expect(parseCardNumber(' mrn 10/01 ', 'x')).toEqual({ ok: true, value: 'MRN10/01' });
    expect(parseCardNumber('a;b', 'x').ok).toBe(false);
    expect(parseCardNumber('X'.repeat(33), 'x').ok).toBe(false);
  });

  it('a lookup text becomes the keys it may be, most specific first; MRNs of this hospital only', () => {
    expect(lookupKeys('NID:NIA:REF-1', 'h-1')).toEqual([{ kind: 'national-id-qr', issuer: 'NIA', value: 'REF-1' }]);
    expect(lookupKeys('91234567890124', 'h-1')).toEqual([
      { kind: 'health-account', issuer: '', value: '91234567890124' },
      { kind: 'hospital-mrn', issuer: 'h-1', value: '91234567890124' },
      { kind: 'state-card', issuer: null, value: '91234567890124' },
    ]);
    expect(lookupKeys('mrn-7', null)).toEqual([{ kind: 'state-card', issuer: null, value: 'MRN-7' }]);
    expect(lookupKeys('NID:', 'h-1')).toEqual([]);
    expect(lookupKeys('a;b', 'h-1')).toEqual([]);
  });
});
