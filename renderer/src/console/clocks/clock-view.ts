import type { TurnaroundStage } from '@domain/turnaround';
import type { MessageId } from '../../i18n/catalog';
import { english, type Translate } from '../../i18n/translate';

/** Words for the payer stages and their clocks (issue 15): messages, said in the operator's language. */
export const stageLabels: Readonly<Record<TurnaroundStage, MessageId>> = {
  'preauth-decision': 'console.stage.preauthDecision',
  committee: 'console.stage.committee',
  'admin-approval': 'console.stage.adminApproval',
  enhancement: 'console.stage.enhancement',
  'claim-processing': 'console.stage.claimProcessing',
  'claim-verification': 'console.stage.claimVerification',
  payment: 'console.stage.payment',
};

/** A duration in minutes as a person reads it: "45 min", "5 h 20 min", "3 d 4 h". */
export function formatMinutes(total: number, t: Translate = english.t): string {
  const minutes = Math.abs(Math.round(total));
  if (minutes < 60) return t('duration.minutes', { minutes });
  if (minutes < 24 * 60) {
    const rest = minutes % 60;
    const hours = Math.floor(minutes / 60);
    return rest === 0 ? t('duration.hours', { hours }) : t('duration.hoursMinutes', { hours, minutes: rest });
  }
  const hours = Math.floor(minutes / 60) % 24;
  const days = Math.floor(minutes / (24 * 60));
  return hours === 0 ? t('duration.days', { days }) : t('duration.daysHours', { days, hours });
}

/** What the clock column says: time left, how far past, or that it waits on the hospital. */
export function remainingText(
  clock: { readonly remainingMinutes: number; readonly isPaused: boolean; readonly isPastServiceLevel: boolean },
  t: Translate = english.t,
): string {
  if (clock.isPaused) return t('console.clock.pausedLeft', { duration: formatMinutes(clock.remainingMinutes, t) });
  if (clock.isPastServiceLevel) return t('console.clock.pastBy', { duration: formatMinutes(-clock.remainingMinutes, t) });
  return t('console.clock.left', { duration: formatMinutes(clock.remainingMinutes, t) });
}
