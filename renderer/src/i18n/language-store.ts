/**
 * Where an operator's language is remembered: the browser profile's localStorage, one key per
 * operator id and screen family (`coverdesk.console.language.<operatorId>`), plus the last choice
 * made on this browser, which the sign-in screen opens in (no operator is known there yet). Nothing
 * about patients is stored; the desk replica and the server keep no language setting (issue 19
 * asked for none: a language is how one terminal's operator reads, not scheme data).
 */
import { isLanguage, type Language } from './languages';

export type LanguageScope = 'console' | 'desk';

/** The part of the Web Storage API used here, so tests pass a Map-backed one. */
export type LanguageStorage = Pick<Storage, 'getItem' | 'setItem'>;

export function languageKey(scope: LanguageScope, operatorId: string | null): string {
  return operatorId === null ? `coverdesk.${scope}.language` : `coverdesk.${scope}.language.${operatorId}`;
}

/** The stored language, or null when none (or an unknown one, or storage refused) is stored. */
export function readLanguage(storage: LanguageStorage | null, scope: LanguageScope, operatorId: string | null): Language | null {
  try {
    const stored = storage?.getItem(languageKey(scope, operatorId));
    return isLanguage(stored) ? stored : null;
  } catch {
    // A profile that refuses storage (private mode, policy) still works, in the default language.
    return null;
  }
}

/** Remembers a choice for the operator (when one is signed in) and as this browser's last. */
export function rememberLanguage(storage: LanguageStorage | null, scope: LanguageScope, operatorId: string | null, language: Language): void {
  try {
    storage?.setItem(languageKey(scope, null), language);
    if (operatorId !== null) storage?.setItem(languageKey(scope, operatorId), language);
  } catch {
    // Not remembered, still switched: the operator chooses again next time.
  }
}

/** The browser's localStorage, or null where there is none (server-side rendering in tests). */
export function browserStorage(): LanguageStorage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    return null;
  }
}
