/**
 * The language of printed documents (issue 19): the patient bill and the e-card in English, Hindi
 * or Marathi, as the desk operator (or console user) who prints them reads. The messages are ICU
 * MessageFormat, formatted with FormatJS's intl-messageformat (the library the screens' react-intl
 * is built on); English is the source, Hindi and Marathi translate it key for key, and
 * print-messages.test.ts fails when a language lacks a key, a message does not parse, or a
 * translation names other placeholders. Amounts come formatted (formatAmount, the scheme's
 * locale: Indian grouping) in every language, never by a message.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import { Type } from 'typebox';
import en from './messages/en.json';
import hi from './messages/hi.json';
import mr from './messages/mr.json';

export const printLanguages = ['en', 'hi', 'mr'] as const;
export type PrintLanguage = (typeof printLanguages)[number];
export const defaultPrintLanguage: PrintLanguage = 'en';

export type PrintMessageId = keyof typeof en;
export const printCatalogs: Readonly<Record<PrintLanguage, Readonly<Record<string, string>>>> = { en, hi, mr };

/** Latin digits in every language: counts and dates on Indian hospital paper are written so. */
const locales: Readonly<Record<PrintLanguage, string>> = { en: 'en-IN', hi: 'hi-IN', mr: 'mr-IN-u-nu-latn' };

export type PrintValues = Readonly<Record<string, string | number>>;
export type PrintTranslate = (id: PrintMessageId, values?: PrintValues) => string;

export function isPrintLanguage(value: unknown): value is PrintLanguage {
  return typeof value === 'string' && (printLanguages as readonly string[]).includes(value);
}

const formats = new Map<string, IntlMessageFormat>();

/** The messages of one language: `t('bill.total')`, `t('bill.patient', { name, schemeMemberId })`. */
export function printTranslator(language: PrintLanguage): PrintTranslate {
  return (id, values) => {
    const key = `${language}:${id}`;
    let format = formats.get(key);
    if (!format) {
      format = new IntlMessageFormat(printCatalogs[language][id] ?? en[id], locales[language]);
      formats.set(key, format);
    }
    return String(format.format(values));
  };
}

/** The `language` query of every route that prints (absent: English); any other value is a 400 from the schema. */
export const PrintLanguageQuery = Type.Optional(
  Type.Enum([...printLanguages], { description: "The printed document's language: en (default), hi or mr (issue 19)" }),
);
