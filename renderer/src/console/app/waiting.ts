/** Time waiting against a turnaround target, in words: "2 h 05 min of 6 h target". */
export function minutesBetween(fromIso: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - new Date(fromIso).getTime()) / 60_000));
}

export function formatDuration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? `${hours} h` : `${hours} h ${String(rest).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

export interface Waiting {
  readonly minutes: number;
  readonly text: string;
  readonly isOverdue: boolean;
  readonly tone: 'good' | 'warning' | 'bad';
}

export function waitingAgainst(fromIso: string, targetMinutes: number, now: Date): Waiting {
  const minutes = minutesBetween(fromIso, now);
  const isOverdue = minutes > targetMinutes;
  const tone = isOverdue ? 'bad' : minutes > targetMinutes * 0.75 ? 'warning' : 'good';
  const text = isOverdue
    ? `${formatDuration(minutes)}, over the ${formatDuration(targetMinutes)} target by ${formatDuration(minutes - targetMinutes)}`
    : `${formatDuration(minutes)} of ${formatDuration(targetMinutes)} target`;
  return { minutes, text, isOverdue, tone };
}
