import { describe, expect, it } from 'vitest';
import { cardChecksum, encodeSchemeCardPayload, parseHealthCardPayload, ScanLineFramer, type HealthCardScanErrorKind } from './protocol';

const context = { currentYear: 2025 };
const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');

describe('scheme card format v1', () => {
  // Golden values computed independently (python: sum(s.encode()) % 256) and quoted in README.md.
  it('matches the documented checksum examples', () => {
    expect(cardChecksum('CDK1|PMJ-AB12CD34|204518|1987|')).toBe('E8');
    expect(cardChecksum('CDK1|PMJ-7QX9K2LM|3390021457|1952|')).toBe('09');
    expect(encodeSchemeCardPayload({ memberId: 'PMJ-AB12CD34', familyNumber: '204518', yearOfBirth: 1987 })).toBe('CDK1|PMJ-AB12CD34|204518|1987|E8');
  });

  it('reads a card', () => {
    expect(parseHealthCardPayload('CDK1|PMJ-AB12CD34|204518|1987|E8', context)).toEqual({
      ok: true,
      scan: { kind: 'scheme-card', memberId: 'PMJ-AB12CD34', familyNumber: '204518', yearOfBirth: 1987 },
    });
  });

  it('pads a small checksum to two digits and accepts lowercase hex', () => {
    expect(parseHealthCardPayload('CDK1|PMJ-7QX9K2LM|3390021457|1952|09', context).ok).toBe(true);
    const lower = encodeSchemeCardPayload({ memberId: 'PMJ-AB12CD34', familyNumber: 'F77', yearOfBirth: 2001 });
    const checksum = lower.slice(-2);
    expect(parseHealthCardPayload(lower.slice(0, -2) + checksum.toLowerCase(), context).ok).toBe(true);
  });

  it('ignores surrounding whitespace and an AIM symbology prefix', () => {
    expect(parseHealthCardPayload('  ]Q1CDK1|PMJ-AB12CD34|204518|1987|E8 \t', context).ok).toBe(true);
  });

  it('accepts a year of birth of this year but not next year', () => {
    const thisYear = encodeSchemeCardPayload({ memberId: 'PMJ-AB12CD34', familyNumber: '1', yearOfBirth: 2025 });
    const nextYear = encodeSchemeCardPayload({ memberId: 'PMJ-AB12CD34', familyNumber: '1', yearOfBirth: 2026 });
    expect(parseHealthCardPayload(thisYear, context).ok).toBe(true);
    expect(parseHealthCardPayload(nextYear, context)).toMatchObject({ ok: false, error: { kind: 'bad-year' } });
  });
});

describe('member id alone', () => {
  it.each(['PMJ-AB12CD34', 'pmj-ab12cd34', ' PMJ-AB12CD34\t'])('reads %j', (text) => {
    expect(parseHealthCardPayload(text, context)).toEqual({ ok: true, scan: { kind: 'member-id', memberId: 'PMJ-AB12CD34' } });
  });
});

describe('malformed scans', () => {
  const withChecksum = (body: string): string => `${body}${cardChecksum(body)}`;
  const cases: ReadonlyArray<readonly [string, string, HealthCardScanErrorKind]> = [
    ['empty', '', 'empty'],
    ['whitespace only', '   \t ', 'empty'],
    ['symbology prefix only', ']Q1', 'empty'],
    ['a URL', 'https://example.org/card', 'unknown-format'],
    ['a bare number', '204518', 'unknown-format'],
    ['pipes but not a card', 'A|B|C', 'unknown-format'],
    ['member id too short', 'PMJ-AB12CD3', 'bad-member-id'],
    ['member id with punctuation', 'PMJ-AB12CD3!', 'bad-member-id'],
    ['a later card version', 'CDK2|PMJ-AB12CD34|204518|1987|E9', 'unsupported-card-version'],
    ['one character changed', 'CDK1|PMJ-AB12CD35|204518|1987|E8', 'bad-checksum'],
    ['checksum not hex', 'CDK1|PMJ-AB12CD34|204518|1987|G8', 'bad-checksum'],
    ['checksum missing', 'CDK1|PMJ-AB12CD34|204518|1987|', 'bad-checksum'],
    ['truncated read', 'CDK1|PMJ-AB12CD34|2045', 'bad-checksum'],
    ['extra field', withChecksum('CDK1|PMJ-AB12CD34|204518|1987|X|'), 'bad-checksum'],
    ['lowercase member id inside a card', withChecksum('CDK1|pmj-ab12cd34|204518|1987|'), 'bad-member-id'],
    ['empty family number', withChecksum('CDK1|PMJ-AB12CD34||1987|'), 'bad-family-number'],
    ['family number too long', withChecksum(`CDK1|PMJ-AB12CD34|${'1'.repeat(21)}|1987|`), 'bad-family-number'],
    ['two-digit year', withChecksum('CDK1|PMJ-AB12CD34|204518|87|'), 'bad-year'],
    ['year before 1900', withChecksum('CDK1|PMJ-AB12CD34|204518|1899|'), 'bad-year'],
    ['year not digits', withChecksum('CDK1|PMJ-AB12CD34|204518|19X7|'), 'bad-year'],
  ];
  it.each(cases)('%s → %s', (_, text, kind) => {
    const result = parseHealthCardPayload(text, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.kind).toBe(kind);
    expect(result.error.message.length).toBeGreaterThan(20);
  });

  it('never repeats the scanned text in its message (it carries a member id)', () => {
    const result = parseHealthCardPayload(withChecksum('CDK1|PMJ-AB12CD34|204518|1899|'), context);
    expect(!result.ok && result.error.message).not.toMatch(/AB12CD34|1899|204518/);
  });
});

describe('scan line framer', () => {
  it.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('ends lines on %s', (_, terminator) => {
    const framer = new ScanLineFramer();
    expect(framer.push(bytes(`ONE${terminator}TWO${terminator}`))).toEqual([
      { ok: true, line: 'ONE' },
      { ok: true, line: 'TWO' },
    ]);
  });

  it('joins a line split across writes, including a CRLF split in two', () => {
    const framer = new ScanLineFramer();
    expect(framer.push(bytes('CDK1|PMJ-'))).toEqual([]);
    expect(framer.push(bytes('AB12CD34\r'))).toEqual([{ ok: true, line: 'CDK1|PMJ-AB12CD34' }]);
    expect(framer.push(bytes('\nNEXT'))).toEqual([]);
    expect(framer.push(bytes('\r\n'))).toEqual([{ ok: true, line: 'NEXT' }]);
  });

  it('strips control bytes, DEL and high bytes', () => {
    const framer = new ScanLineFramer();
    const noisy = Buffer.concat([
      Buffer.from([0x00, 0xff, 0x02]),
      bytes('PMJ-'),
      Buffer.from([0x1b, 0x7f, 0x80]),
      bytes('AB12CD34'),
      Buffer.from([0x03, 0x0d]),
    ]);
    expect(framer.push(noisy)).toEqual([{ ok: true, line: 'PMJ-AB12CD34' }]);
  });

  it('reports an over-long line once, at its end, and then carries on', () => {
    const framer = new ScanLineFramer({ maxLineLength: 10 });
    expect(framer.push(bytes('0123456789'))).toEqual([]);
    expect(framer.push(bytes('ABCDEFGHIJKLMNOP'))).toEqual([]);
    expect(framer.push(bytes('\rOK\r'))).toEqual([
      { ok: false, error: 'line-too-long' },
      { ok: true, line: 'OK' },
    ]);
    expect(framer.push(bytes('0123456789\r'))).toEqual([{ ok: true, line: '0123456789' }]);
  });

  it('drops a partial line on reset', () => {
    const framer = new ScanLineFramer();
    framer.push(bytes('PARTIAL'));
    framer.reset();
    expect(framer.push(bytes('WHOLE\r'))).toEqual([{ ok: true, line: 'WHOLE' }]);
  });
});
