import type { TurnaroundStage } from '@domain/turnaround';

/** Words for the payer stages and their clocks (issue 15). */
export const stageLabels: Readonly<Record<TurnaroundStage, string>> = {
  'preauth-decision': 'Pre-auth decision',
  committee: 'Medical Committee',
  'admin-approval': 'Admin approval',
  enhancement: 'Enhancement',
  'claim-processing': 'Claim processing (CEX)',
  'claim-verification': 'Claim verification (CPD)',
  payment: 'Payment',
};

/** A duration in minutes as a person reads it: "45 min", "5 h 20 min", "3 d 4 h". */
export function formatMinutes(total: number): string {
  const minutes = Math.abs(Math.round(total));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) {
    const rest = minutes % 60;
    return `${Math.floor(minutes / 60)} h${rest === 0 ? '' : ` ${rest} min`}`;
  }
  const hours = Math.floor(minutes / 60) % 24;
  return `${Math.floor(minutes / (24 * 60))} d${hours === 0 ? '' : ` ${hours} h`}`;
}

/** What the clock column says: time left, how far past, or that it waits on the hospital. */
export function remainingText(clock: { readonly remainingMinutes: number; readonly isPaused: boolean; readonly isPastServiceLevel: boolean }): string {
  if (clock.isPaused) return `Paused (query with the hospital), ${formatMinutes(clock.remainingMinutes)} left`;
  if (clock.isPastServiceLevel) return `Past by ${formatMinutes(-clock.remainingMinutes)}`;
  return `${formatMinutes(clock.remainingMinutes)} left`;
}
