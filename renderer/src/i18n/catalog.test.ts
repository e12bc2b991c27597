import {
  isArgumentElement,
  isDateElement,
  isNumberElement,
  isNumberSkeleton,
  isPluralElement,
  isSelectElement,
  isTagElement,
  isTimeElement,
  parse,
  type MessageFormatElement,
} from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { catalogs } from './catalog';
import { languages, sourceLanguage } from './languages';

/** Every argument and tag a message names, with its kind: `count:plural`, `amount:argument`, `link:tag`. */
function placeholders(elements: readonly MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (isArgumentElement(element)) into.add(`${element.value}:argument`);
    else if (isNumberElement(element)) into.add(`${element.value}:number`);
    else if (isDateElement(element) || isTimeElement(element)) into.add(`${element.value}:date`);
    else if (isPluralElement(element) || isSelectElement(element)) {
      into.add(`${element.value}:${isPluralElement(element) ? 'plural' : 'select'}`);
      for (const option of Object.values(element.options)) placeholders(option.value, into);
    } else if (isTagElement(element)) {
      into.add(`${element.value}:tag`);
      placeholders(element.children, into);
    }
  }
  return into;
}

function currencyNumbers(elements: readonly MessageFormatElement[]): string[] {
  return elements.flatMap((element): string[] => {
    if (isNumberElement(element)) {
      const style = element.style;
      const isCurrency =
        style === 'currency' || (typeof style === 'object' && style !== null && isNumberSkeleton(style) && style.parsedOptions.style === 'currency');
      return isCurrency ? [element.value] : [];
    }
    if (isPluralElement(element) || isSelectElement(element)) return Object.values(element.options).flatMap((option) => currencyNumbers(option.value));
    if (isTagElement(element)) return currencyNumbers(element.children);
    return [];
  });
}

/**
 * Messages a translation may leave as English has them: names and codes that are the same in
 * every language. Anything else identical to English is an untranslated string.
 */
const sameInEveryLanguage = new Set<string>([]);

const english = catalogs[sourceLanguage];
const englishKeys = Object.keys(english).sort();

describe('message catalogs (issue 19)', () => {
  it('has English messages to translate', () => {
    expect(englishKeys.length).toBeGreaterThan(0);
  });

  for (const language of languages) {
    const catalog = catalogs[language];

    it(`${language}: has exactly the keys English has`, () => {
      const keys = new Set(Object.keys(catalog));
      expect(
        englishKeys.filter((key) => !keys.has(key)),
        `${language} lacks`,
      ).toEqual([]);
      expect(
        Object.keys(catalog).filter((key) => !(key in english)),
        `${language} has keys English does not`,
      ).toEqual([]);
    });

    it(`${language}: every message parses as ICU MessageFormat, with English's placeholders`, () => {
      const problems: string[] = [];
      for (const key of englishKeys) {
        const message = catalog[key];
        if (typeof message !== 'string' || message.trim() === '') {
          problems.push(`${key}: empty`);
          continue;
        }
        try {
          const mine = [...placeholders(parse(message, { requiresOtherClause: true }))].sort();
          const theirs = [...placeholders(parse(english[key] ?? ''))].sort();
          if (mine.join() !== theirs.join()) problems.push(`${key}: ${mine.join(' ')} ≠ English ${theirs.join(' ')}`);
        } catch (error) {
          problems.push(`${key}: does not parse (${error instanceof Error ? error.message : String(error)})`);
        }
      }
      expect(problems).toEqual([]);
    });

    it(`${language}: never formats an amount itself (amounts come formatted, in the Indian grouping)`, () => {
      const offenders = englishKeys.filter((key) => currencyNumbers(parse(catalog[key] ?? '')).length > 0);
      expect(offenders).toEqual([]);
    });

    if (language !== sourceLanguage) {
      it(`${language}: translates every message that has words (not left in English)`, () => {
        const untranslated = englishKeys.filter(
          (key) => !sameInEveryLanguage.has(key) && catalog[key] === english[key] && /[A-Za-z]{3}/.test(english[key] ?? ''),
        );
        expect(untranslated).toEqual([]);
      });
    }
  }

  it('catches what it is for: a missing key, a broken message and a renamed placeholder', () => {
    const broken = { 'x.a': 'नमस्ते {name' };
    expect(() => parse(broken['x.a'])).toThrow();
    expect([...placeholders(parse('{count, plural, one {# case} other {# cases}}'))]).toEqual(['count:plural']);
    expect([...placeholders(parse('{total, plural, one {# केस} other {# केस}}'))]).toEqual(['total:plural']);
    expect(currencyNumbers(parse('{amount, number, ::currency/INR}'))).toEqual(['amount']);
  });
});
