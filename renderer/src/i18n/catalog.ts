/**
 * The message catalogs: English (`messages/en.json`) is the source, Hindi and Marathi translate
 * it key for key. Message ids are typed from the English catalog, so a screen asking for an id
 * English lacks does not compile; `catalog.test.ts` fails when a translation lacks a key, has one
 * English does not, does not parse as ICU MessageFormat, or names other placeholders.
 */
import en from './messages/en.json';
import hi from './messages/hi.json';
import mr from './messages/mr.json';
import type { Language } from './languages';

export type MessageId = keyof typeof en;
export type Catalog = Readonly<Record<string, string>>;

export const catalogs: Readonly<Record<Language, Catalog>> = { en, hi, mr };
