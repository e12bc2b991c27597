/**
 * Messages through FormatJS (react-intl's `createIntl`): ICU MessageFormat with plurals, numbers
 * and dates in the operator's language. `Translate` is what pure helpers take, so they stay plain
 * functions (`t` comes last and defaults to English, the language their tests read).
 */
import type { ReactNode } from 'react';
import { createIntl, createIntlCache, type IntlShape } from 'react-intl';
import { catalogs, type MessageId } from './catalog';
import { intlLocales, type Language, sourceLanguage } from './languages';

export type MessageValue = string | number | boolean | Date | null | undefined;
export type MessageValues = Readonly<Record<string, MessageValue>>;
export type RichValues = Readonly<Record<string, MessageValue | ReactNode | ((chunks: ReactNode[]) => ReactNode)>>;

/** A message as text: `t('console.signOut')`, `t('console.queue.count', { count: 3 })`. */
export type Translate = (id: MessageId, values?: MessageValues) => string;

export interface Translator {
  readonly language: Language;
  /** The Intl locale of messages, dates and counts (see intlLocales). */
  readonly locale: string;
  readonly t: Translate;
  /** A message with markup: `rich('x', { link: (chunks) => <a href="…">{chunks}</a> })`. */
  readonly rich: (id: MessageId, values: RichValues) => ReactNode;
  /** The underlying react-intl object, for RawIntlProvider. */
  readonly intl: IntlShape;
}

const cache = createIntlCache();

export function createTranslator(language: Language): Translator {
  const intl = createIntl(
    {
      locale: intlLocales[language],
      defaultLocale: intlLocales[sourceLanguage],
      // A key missing from a translation falls back to English (the catalog test keeps that from happening).
      messages: { ...catalogs[sourceLanguage], ...catalogs[language] },
      onError: (error) => {
        // Missing translations cannot happen past the catalog test; anything else is a bug worth seeing.
        if (error.code !== 'MISSING_TRANSLATION') console.error(error);
      },
    },
    cache,
  );
  const format = intl.formatMessage as (descriptor: { id: string }, values?: Readonly<Record<string, unknown>>) => string | ReactNode | ReactNode[];
  return {
    language,
    locale: intlLocales[language],
    intl,
    t: (id, values) => String(format({ id }, values)),
    rich: (id, values) => format({ id }, values) as ReactNode,
  };
}

const translators = new Map<Language, Translator>();

/** One translator per language, made once. */
export function translatorFor(language: Language): Translator {
  let translator = translators.get(language);
  if (!translator) {
    translator = createTranslator(language);
    translators.set(language, translator);
  }
  return translator;
}

/** English: what a screen says outside any provider (and what existing tests read). */
export const english: Translator = translatorFor(sourceLanguage);
