import { useEffect, useState } from 'react';
import { useScheme } from '../../app/desk-context';
import { describeConfirmation, formatAge, formatTime } from '../time';

/** When the server confirmed a figure, re-worded every 30 s so "4 min ago" stays true. */
export function ConfirmedAt({ iso, isShort = false }: { readonly iso: string | null; readonly isShort?: boolean }) {
  const { locale } = useScheme();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className={iso === null ? 'confirmed-at unconfirmed' : 'confirmed-at'}>
      {iso === null ? null : (
        <time dateTime={iso}>{isShort ? `${formatTime(iso, locale, now)} (${formatAge(iso, now)})` : describeConfirmation(iso, locale, now)}</time>
      )}
      {iso === null ? describeConfirmation(null, locale, now) : null}
    </span>
  );
}
