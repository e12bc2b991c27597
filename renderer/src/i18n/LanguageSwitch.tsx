import { useId } from 'react';
import { useLanguageChoice, useTranslator } from './LanguageProvider';
import { languageNames, isLanguage } from './languages';

/**
 * The operator's language: a labelled list of the languages this page offers, each named in its
 * own script (and marked with its lang, so a screen reader says it right). Nothing when there is
 * only one to choose.
 */
export function LanguageSwitch() {
  const { t } = useTranslator();
  const { language, available, setLanguage } = useLanguageChoice();
  const id = useId();
  if (available.length < 2) return null;
  return (
    <span className="language-switch">
      <label htmlFor={id}>{t('language.label')}</label>{' '}
      <select
        id={id}
        value={language}
        onChange={(event) => {
          if (isLanguage(event.target.value)) setLanguage(event.target.value);
        }}
      >
        {available.map((choice) => (
          <option key={choice} value={choice} lang={choice}>
            {languageNames[choice]}
          </option>
        ))}
      </select>
    </span>
  );
}
