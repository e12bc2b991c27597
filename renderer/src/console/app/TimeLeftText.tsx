import { useTranslator } from '../../i18n/LanguageProvider';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { formatDuration, minutesBetween, type TimeLeft } from './waiting';

/**
 * A queue row's time left against its stage's service level, in words with a badge ("Past service
 * level", "Due soon", …: the flag is text, colour only repeats it). Before the clocks are read, the
 * time waiting since `since`.
 */
export function TimeLeftText({ left, since, now }: { readonly left: TimeLeft | null; readonly since: string; readonly now: Date }) {
  const { t } = useTranslator();
  if (!left) return <>{t('timeLeft.waiting', { duration: formatDuration(minutesBetween(since, now), t) })}</>;
  return (
    <>
      <StatusBadge text={left.label} tone={left.tone} /> {left.text}
    </>
  );
}
