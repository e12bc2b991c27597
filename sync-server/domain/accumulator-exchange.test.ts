import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accumulatorTypes,
  exchangeFileName,
  exchangeHeader,
  formatExchangeFile,
  formatExchangeValue,
  parseExchangeFile,
  parseExchangeValue,
  type AccumulatorMovement,
} from './accumulator-exchange';

const header = exchangeHeader.join('\t');

describe('the accumulator exchange file', () => {
  it('reads S5 step 1 and step 5 as the pharmacy benefit manager would send them', () => {
    const text = `${header}\nFAM-S5-0001\tPMJ-S5000001\tfamilyDeductible\tpharmacy\t2000.00\t2026-12-01\nFAM-S5-0001\tPMJ-S5000001\tindividualMaxPay\tpharmacy\t3300.00\t2026-12-05\n`;
    const parsed = parseExchangeFile('accumulators-2026-12-05.tsv', text);
    expect(parsed).toEqual({
      fileDate: '2026-12-05',
      sequence: 0,
      errors: [],
      movements: [
        {
          line: 2,
          subscriberId: 'FAM-S5-0001',
          memberId: 'PMJ-S5000001',
          type: 'familyDeductible',
          coverageType: 'pharmacy',
          amount: 200_000,
          transactionDate: '2026-12-01',
        },
        {
          line: 3,
          subscriberId: 'FAM-S5-0001',
          memberId: 'PMJ-S5000001',
          type: 'individualMaxPay',
          coverageType: 'pharmacy',
          amount: 330_000,
          transactionDate: '2026-12-05',
        },
      ],
    });
  });

  it('reports every bad line with its number and reason, and keeps the good ones', () => {
    const lines = [
      header,
      'FAM-1\tM-1\tfamilyDeductible\tmedical\t100.00\t2026-12-01',
      'FAM-1\tM-1\tfamilyDeductible\tmedical\t100.0\t2026-12-01',
      'FAM-1\tM-1\tdeductible\tmedical\t100.00\t2026-12-01',
      'FAM-1\tM-1\tfamilyMaxPay\tdental\t100.00\t2026-12-01',
      'FAM-1\tM-1\tfamilyMaxPay\tmedical\t100.00\t2026-02-30',
      'FAM-1\tM-1\tfamilyMaxPay\tmedical',
      '',
      'FAM 1\tM-1\tfamilyMaxPay\tmedical\t1.00\t2026-12-01',
      'FAM-1\tM-1\tfamilyMaxPay\tmedical\t0.00\t2026-12-01',
      'FAM-1\tM-1\tfamilyMaxPay\tmedical\t1,000.00\t2026-12-01',
      'FAM-1\tM-1\tfamilyMaxPay\tmedical\t5.00\t2026-12-09',
      'FAM-1\tM-1\tindividualMaxPay\tpharmacy\t-200.00\t2026-12-02',
    ];
    const parsed = parseExchangeFile('accumulators-2026-12-05-01.tsv', lines.join('\r\n'));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.sequence).toBe(1);
    expect(parsed.movements.map((m) => [m.line, m.amount])).toEqual([
      [2, 10_000],
      [13, -20_000],
    ]);
    expect(parsed.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 9, 10, 11, 12]);
    expect(parsed.errors.find((e) => e.line === 3)?.reason).toMatch(/exactly two decimals/);
    expect(parsed.errors.find((e) => e.line === 6)?.reason).toMatch(/not a real date/);
    expect(parsed.errors.find((e) => e.line === 7)?.reason).toMatch(/expected 6 tab-separated fields/);
    expect(parsed.errors.find((e) => e.line === 12)?.reason).toMatch(/after the file's date/);
  });

  it('refuses a file whose name does not carry a real date', () => {
    for (const name of [
      'accumulators.tsv',
      'accumulators-2026-13-01.tsv',
      'accumulators-2026-12-01-1.tsv',
      'acc-2026-12-01.tsv',
      '../accumulators-2026-12-01.tsv',
    ]) {
      expect(parseExchangeFile(name, header)).toEqual({ error: expect.stringContaining(JSON.stringify(name)) });
    }
  });

  it('names files by date and never reuses a name: a correction is the next file of the day', () => {
    expect(exchangeFileName('2026-12-05', [])).toBe('accumulators-2026-12-05.tsv');
    expect(exchangeFileName('2026-12-05', ['accumulators-2026-12-05.tsv', 'accumulators-2026-12-04-07.tsv'])).toBe('accumulators-2026-12-05-01.tsv');
    expect(exchangeFileName('2026-12-05', ['accumulators-2026-12-05.tsv', 'accumulators-2026-12-05-01.tsv'])).toBe('accumulators-2026-12-05-02.tsv');
  });

  it('writes what it reads: any movements round-trip through the text exactly', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
    const day = fc.integer({ min: 0, max: 3000 }).map((n) => new Date(Date.UTC(2020, 0, 1 + n)).toISOString().slice(0, 10));
    const movement = fc.record({
      subscriberId: id,
      memberId: id,
      type: fc.constantFrom(...accumulatorTypes),
      coverageType: fc.constantFrom('medical' as const, 'pharmacy' as const),
      amount: fc.integer({ min: -99_999_999_999, max: 99_999_999_999 }).filter((n) => n !== 0),
      transactionDate: day,
    });
    fc.assert(
      fc.property(fc.array(movement, { maxLength: 40 }), (movements) => {
        const parsed = parseExchangeFile('accumulators-2029-12-31.tsv', formatExchangeFile(movements));
        if ('error' in parsed) throw new Error(parsed.error);
        expect(parsed.errors).toEqual([]);
        expect(parsed.movements.map(({ line: _line, ...rest }: AccumulatorMovement) => rest)).toEqual(movements);
      }),
      { seed: 20_261_206, numRuns: 200 },
    );
  });

  it('values: two decimals exactly, both ways', () => {
    expect(parseExchangeValue('0.05')).toBe(5);
    expect(parseExchangeValue('-12.30')).toBe(-1230);
    expect([
      parseExchangeValue('12'),
      parseExchangeValue('12.3'),
      parseExchangeValue('12.345'),
      parseExchangeValue('+1.00'),
      parseExchangeValue('1e3'),
    ]).toEqual([null, null, null, null, null]);
    expect(formatExchangeValue(-1230)).toBe('-12.30');
    expect(formatExchangeValue(5)).toBe('0.05');
  });
});
