import type { OpenClockValue } from '@contract/turnaround';
import { english, type Translate } from '../../i18n/translate';

/** Time waiting against a turnaround target, in words: "2 h 05 min of 6 h target". */
export function minutesBetween(fromIso: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - new Date(fromIso).getTime()) / 60_000));
}

export function formatDuration(minutes: number, t: Translate = english.t): string {
  if (minutes < 60) return t('duration.minutes', { minutes });
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? t('duration.hours', { hours }) : t('waiting.hoursMinutes', { hours, minutes: String(rest).padStart(2, '0') });
  return t('waiting.daysHours', { days: Math.floor(hours / 24), hours: hours % 24 });
}

export interface Waiting {
  readonly minutes: number;
  readonly text: string;
  readonly isOverdue: boolean;
  readonly tone: 'good' | 'warning' | 'bad';
}

export function waitingAgainst(fromIso: string, targetMinutes: number, now: Date, t: Translate = english.t): Waiting {
  const minutes = minutesBetween(fromIso, now);
  const isOverdue = minutes > targetMinutes;
  const tone = isOverdue ? 'bad' : minutes > targetMinutes * 0.75 ? 'warning' : 'good';
  const waited = formatDuration(minutes, t);
  const target = formatDuration(targetMinutes, t);
  const text = isOverdue
    ? t('waiting.overTarget', { waited, target, over: formatDuration(minutes - targetMinutes, t) })
    : t('waiting.ofTarget', { waited, target });
  return { minutes, text, isOverdue, tone };
}

export interface TimeLeft {
  /** Minutes to the service level (negative past it); null while paused. */
  readonly minutes: number | null;
  readonly label: string;
  readonly tone: 'good' | 'warning' | 'bad' | 'neutral';
  readonly text: string;
}

/** A clock's time left against its service level at `now`, in words. */
export function timeLeft(clock: OpenClockValue, now: Date, t: Translate = english.t): TimeLeft {
  const level = formatDuration(clock.serviceLevelMinutes, t);
  if (clock.isPaused || clock.dueAt === null) return { minutes: null, label: t('timeLeft.paused'), tone: 'neutral', text: t('timeLeft.pausedText', { level }) };
  const minutes = Math.floor((new Date(clock.dueAt).getTime() - now.getTime()) / 60_000);
  if (minutes < 0) return { minutes, label: t('timeLeft.past'), tone: 'bad', text: t('timeLeft.pastText', { level, over: formatDuration(-minutes, t) }) };
  return {
    minutes,
    label: minutes < clock.serviceLevelMinutes * 0.25 ? t('timeLeft.dueSoon') : t('timeLeft.within'),
    tone: minutes < clock.serviceLevelMinutes * 0.25 ? 'warning' : 'good',
    text: t('timeLeft.leftOf', { left: formatDuration(minutes, t), level }),
  };
}

/** One queue item with its clock's time left (null before the clocks are read, or with no clock). */
export interface Timed<T> {
  readonly item: T;
  readonly left: TimeLeft | null;
}

/**
 * A queue's order (issue 15): emergency cases first, then least time left against the stage's
 * service level (past-due at the top); a paused clock or one not read yet after those running,
 * then oldest first, then the key, so the order never depends on the feed's.
 */
export function byTimeLeft<T>(
  items: readonly T[],
  of: {
    readonly left: (item: T) => TimeLeft | null;
    readonly isEmergency: (item: T) => boolean;
    readonly since: (item: T) => string;
    readonly key: (item: T) => string;
  },
): Timed<T>[] {
  const urgency = (timed: Timed<T>): number => timed.left?.minutes ?? Number.MAX_SAFE_INTEGER;
  return items
    .map((item) => ({ item, left: of.left(item) }))
    .sort(
      (a, b) =>
        Number(of.isEmergency(b.item)) - Number(of.isEmergency(a.item)) ||
        urgency(a) - urgency(b) ||
        of.since(a.item).localeCompare(of.since(b.item)) ||
        of.key(a.item).localeCompare(of.key(b.item)),
    );
}
