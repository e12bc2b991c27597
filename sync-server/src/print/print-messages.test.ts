import { isArgumentElement, isPluralElement, isSelectElement, parse, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { printCatalogs, printLanguages, printTranslator } from './print-language';
import { scriptRuns } from './pdf-fonts';

/** The arguments a message names: `name:argument`, `direction:select`. */
function placeholders(elements: readonly MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (isArgumentElement(element)) into.add(`${element.value}:argument`);
    else if (isPluralElement(element) || isSelectElement(element)) {
      into.add(`${element.value}:${isPluralElement(element) ? 'plural' : 'select'}`);
      for (const option of Object.values(element.options)) placeholders(option.value, into);
    }
  }
  return into;
}

/** Left as English has them in every language: codes, and the bare arrangement of two placeholders. */
const sameInEveryLanguage = new Set(['bill.method.upi', 'bill.line', 'bill.methodWithPayer']);

const english = printCatalogs.en;
const englishKeys = Object.keys(english).sort();

describe("printed documents' messages (issue 19)", () => {
  for (const language of printLanguages) {
    const catalog = printCatalogs[language];
    it(`${language}: exactly English's keys, each parsing as ICU MessageFormat with English's placeholders`, () => {
      expect(englishKeys.filter((key) => !(key in catalog))).toEqual([]);
      expect(Object.keys(catalog).filter((key) => !(key in english))).toEqual([]);
      const problems: string[] = [];
      for (const key of englishKeys) {
        try {
          const mine = [...placeholders(parse(catalog[key] ?? '', { requiresOtherClause: true }))].sort().join();
          const theirs = [...placeholders(parse(english[key] ?? ''))].sort().join();
          if (mine !== theirs) problems.push(`${key}: ${mine} ≠ ${theirs}`);
        } catch (error) {
          problems.push(`${key}: does not parse (${String(error)})`);
        }
      }
      expect(problems).toEqual([]);
    });
    if (language !== 'en') {
      it(`${language}: every message with words is translated`, () => {
        expect(englishKeys.filter((key) => !sameInEveryLanguage.has(key) && catalog[key] === english[key])).toEqual([]);
      });
    }
  }

  it('formats with ICU select in the language', () => {
    const values = { receipt: 'R1', time: '2026-03-04 10:40', method: 'UPI' };
    expect(printTranslator('en')('bill.receipt', { ...values, direction: 'refund' })).toBe('R1  2026-03-04 10:40 UTC  Refund by UPI');
    expect(printTranslator('mr')('bill.receipt', { ...values, direction: 'payment' })).toBe('R1  2026-03-04 10:40 UTC  UPI द्वारे देयक');
    expect(printTranslator('hi')('bill.receipt', { ...values, direction: 'refund' })).toBe('R1  2026-03-04 10:40 UTC  UPI द्वारा वापसी');
  });

  it('cuts text into runs by the font file that has each character', () => {
    expect(scriptRuns('रुग्ण: Sunita (PMJ-1) ₹1,00,000.00')).toEqual([
      { script: 'devanagari', text: 'रुग्ण' },
      { script: 'latin', text: ': Sunita (PMJ-1) ' },
      { script: 'devanagari', text: '₹' },
      { script: 'latin', text: '1,00,000.00' },
    ]);
    expect(scriptRuns('एकूण देय')).toEqual([{ script: 'devanagari', text: 'एकूण देय' }]);
  });
});
