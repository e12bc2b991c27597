/**
 * The operator's languages (issue 19): English, the source of every message, and Hindi and Marathi
 * (the demo hospitals are in Maharashtra). One list: the catalogs, the switch and the stored choice
 * all follow it, so a language added here fails the catalog test until its messages exist.
 */
export const languages = ['en', 'hi', 'mr'] as const;
export type Language = (typeof languages)[number];
export const sourceLanguage: Language = 'en';

/** Each language in its own script: an operator who cannot read the current one still finds theirs. */
export const languageNames: Readonly<Record<Language, string>> = {
  en: 'English',
  hi: 'हिन्दी',
  mr: 'मराठी',
};

/**
 * The Intl locale of each language, for plurals, numbers and dates inside messages. Marathi asks
 * for Latin digits (`-u-nu-latn`): CLDR gives mr Devanagari digits by default, while counts, times
 * and ids at an Indian hospital desk (and on its printed bills) are written in Latin digits; Hindi
 * and English already use them. Amounts do not follow this: see formatAmountIn in format.ts.
 */
export const intlLocales: Readonly<Record<Language, string>> = {
  en: 'en-IN',
  hi: 'hi-IN',
  mr: 'mr-IN-u-nu-latn',
};

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}
