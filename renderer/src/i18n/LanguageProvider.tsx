import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { RawIntlProvider } from 'react-intl';
import { browserStorage, readLanguage, rememberLanguage, type LanguageScope, type LanguageStorage } from './language-store';
import { languages, sourceLanguage, type Language } from './languages';
import { english, translatorFor, type Translator } from './translate';

interface LanguageContextValue {
  readonly translator: Translator;
  /** The languages this page offers (the desk offers English alone until its screens are converted). */
  readonly available: readonly Language[];
  readonly setLanguage: (language: Language) => void;
  /** Who is signed in (null: nobody): their remembered language is taken up, and later choices kept for them. */
  readonly setOperator: (operatorId: string | null) => void;
}

const LanguageContext = createContext<LanguageContextValue | null>(null);

/**
 * The operator's language for everything below it. Opens in the language last chosen on this
 * browser; when an operator signs in, in theirs if they chose one before (else the one on screen,
 * which becomes theirs). Sets `<html lang>`, so screen readers and the Devanagari font rule
 * (fonts.css) follow the language.
 */
export function LanguageProvider({
  scope,
  available = languages,
  storage = browserStorage(),
  children,
}: {
  readonly scope: LanguageScope;
  readonly available?: readonly Language[];
  readonly storage?: LanguageStorage | null;
  readonly children: ReactNode;
}) {
  const offered = useCallback(
    (language: Language | null): Language | null => (language !== null && available.includes(language) ? language : null),
    [available],
  );
  const [language, setLanguageState] = useState<Language>(() => offered(readLanguage(storage, scope, null)) ?? sourceLanguage);
  const [operatorId, setOperatorId] = useState<string | null>(null);

  const setOperator = useCallback(
    (next: string | null) => {
      setOperatorId(next);
      if (next === null) return;
      const theirs = offered(readLanguage(storage, scope, next));
      if (theirs) setLanguageState(theirs);
      else rememberLanguage(storage, scope, next, language);
    },
    [offered, storage, scope, language],
  );
  const setLanguage = useCallback(
    (next: Language) => {
      if (!offered(next)) return;
      setLanguageState(next);
      rememberLanguage(storage, scope, operatorId, next);
    },
    [offered, storage, scope, operatorId],
  );

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const value = useMemo(() => ({ translator: translatorFor(language), available, setLanguage, setOperator }), [language, available, setLanguage, setOperator]);
  return (
    <LanguageContext.Provider value={value}>
      <RawIntlProvider value={value.translator.intl}>{children}</RawIntlProvider>
    </LanguageContext.Provider>
  );
}

/** The messages of the operator's language; English outside a provider (tests rendering one view). */
export function useTranslator(): Translator {
  return useContext(LanguageContext)?.translator ?? english;
}

export function useLanguageChoice(): Pick<LanguageContextValue, 'available' | 'setLanguage' | 'setOperator'> & { readonly language: Language } {
  const context = useContext(LanguageContext);
  return {
    language: context?.translator.language ?? sourceLanguage,
    available: context?.available ?? [sourceLanguage],
    setLanguage: context?.setLanguage ?? (() => undefined),
    setOperator: context?.setOperator ?? (() => undefined),
  };
}
