/**
 * Times in the operator's language: the clock time through Intl (ICU) in the language's locale,
 * the age and the server's confirmation as messages. shared/time.ts keeps the English versions
 * the desk screens use until they are converted.
 */
import { formatTime } from '../shared/time';
import type { Translator } from './translate';

/** "16:02" today, "7 Dec, 16:02" otherwise (in Hindi "7 दिस॰, 4:02 pm"), in the language's locale. */
export function formatTimeIn(translator: Translator, iso: string, now: Date = new Date()): string {
  if (Number.isNaN(new Date(iso).getTime())) return translator.t('common.unknownTime');
  return formatTime(iso, translator.locale, now);
}

/** "just now", "4 min ago", "3 h ago", "2 days ago". */
export function formatAgeIn(translator: Translator, iso: string, now: Date = new Date()): string {
  const { t } = translator;
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (Number.isNaN(seconds)) return '';
  if (seconds < 60) return t('time.justNow');
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t('time.minutesAgo', { minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('time.hoursAgo', { hours });
  return t('time.daysAgo', { days: Math.floor(hours / 24) });
}

/** "confirmed by the server at 16:02 (4 min ago)" or the plain fact that it never was. */
export function describeConfirmationIn(translator: Translator, iso: string | null, now: Date = new Date()): string {
  if (iso === null) return translator.t('time.notConfirmed');
  return translator.t('time.confirmedAt', { time: formatTimeIn(translator, iso, now), age: formatAgeIn(translator, iso, now) });
}
