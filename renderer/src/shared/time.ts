/**
 * Times on screen. Every money figure says when the server confirmed it, so an operator working
 * offline knows how old the number in front of them is.
 */
export function formatTime(iso: string, locale: string, now: Date = new Date()): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return 'unknown time';
  const isToday = time.toDateString() === now.toDateString();
  const options: Intl.DateTimeFormatOptions = isToday
    ? { hour: '2-digit', minute: '2-digit' }
    : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale, options).format(time);
}

/** "just now", "4 min ago", "3 h ago", "2 days ago". */
export function formatAge(iso: string, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (Number.isNaN(seconds)) return '';
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** "confirmed by the server at 16:02 (4 min ago)" or the plain fact that it never was. */
export function describeConfirmation(iso: string | null, locale: string, now: Date = new Date()): string {
  if (iso === null) return 'not yet confirmed by the server';
  return `confirmed by the server at ${formatTime(iso, locale, now)} (${formatAge(iso, now)})`;
}
