import { describe, expect, it } from 'vitest';
import { parseBankStatement, parseMajorAmount, splitCsvLine } from './bank-statement';

describe('bank statement parsing', () => {
  it('amounts in major units become exact minor units, never through floating point', () => {
    expect(parseMajorAmount('3899.50', 100)).toBe(389_950);
    expect(parseMajorAmount('3899.5', 100)).toBe(389_950);
    expect(parseMajorAmount('3899', 100)).toBe(389_900);
    expect(parseMajorAmount('0.07', 100)).toBe(7);
    expect(parseMajorAmount('1.005', 100)).toBeNull();
    expect(parseMajorAmount('1,000.00', 100)).toBeNull();
    expect(parseMajorAmount('-5', 100)).toBeNull();
    expect(parseMajorAmount('+5', 100)).toBeNull();
    expect(parseMajorAmount('5.', 100)).toBeNull();
    expect(parseMajorAmount('12', 1)).toBe(12);
    expect(parseMajorAmount('12.5', 1)).toBeNull();
    expect(parseMajorAmount('99999999999999999', 100)).toBeNull();
  });

  it('CSV fields: quotes, doubled quotes and commas inside quotes; an open quote is refused', () => {
    expect(splitCsvLine('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', '']);
    expect(splitCsvLine('a,"b')).toBeNull();
  });

  it('a statement: header in any order and case, extra columns ignored, UTRs upper-cased, lines numbered from the header', () => {
    const { credits, problems } = parseBankStatement(
      '\uFEFFAmount,Date,Narration,UTR,Reference\r\n1000.00,2026-12-01,"NEFT, CR",sbin0001,PAY-1\r\n5,2026-12-02,x,SBIN0002,PAY-2\r\n',
      100,
    );
    expect(problems).toEqual([]);
    expect(credits).toEqual([
      { line: 2, utr: 'SBIN0001', reference: 'PAY-1', valueDate: '2026-12-01', amount: 100_000 },
      { line: 3, utr: 'SBIN0002', reference: 'PAY-2', valueDate: '2026-12-02', amount: 500 },
    ]);
  });

  it('every bad line is named with its number and reason', () => {
    const text = [
      'utr,reference,date,amount',
      'SBIN0001,PAY-1,2026-12-01,10',
      'SBIN0002,PAY 2,2026-12-01,10',
      'S1,PAY-3,2026-12-01,10',
      'SBIN0004,PAY-4,2026-13-01,10',
      'SBIN0005,PAY-5,2026-12-01,0',
      'sbin0001,PAY-6,2026-12-01,10',
      '',
      'SBIN0008,"PAY-8,2026-12-01,10',
    ].join('\n');
    const { credits, problems } = parseBankStatement(text, 100);
    expect(credits.map((c) => c.line)).toEqual([2]);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(problems.map((p) => p.reason)).toEqual([
      'The reference is empty, longer than 100 characters, or holds spaces or other than plain ASCII.',
      'The UTR "S1" is not 6–40 letters and digits.',
      'The date "2026-13-01" is not a calendar date written YYYY-MM-DD.',
      'The amount is 0: a statement line is a credit.',
      'The UTR sbin0001 is already on line 2: one credit, one UTR.',
      'The line is empty.',
      'A quoted field is not closed.',
    ]);
  });

  it('a header without the required columns, or no credits at all, is one problem on its line', () => {
    expect(parseBankStatement('utr,reference,amount\nSBIN0001,PAY-1,10\n', 100).problems).toEqual([
      { line: 1, reason: 'The header must name the columns utr, reference, date and amount; date missing.' },
    ]);
    expect(parseBankStatement('utr,reference,date,amount\r\n', 100).problems).toEqual([{ line: 2, reason: 'The statement has a header and no credits.' }]);
  });
});
