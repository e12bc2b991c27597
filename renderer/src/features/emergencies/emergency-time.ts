import type { EmergencyView } from '@desk-api/contract';

/** "23 h 05 min" from whole minutes (0 and up). */
export function hoursAndMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = String(minutes % 60).padStart(2, '0');
  return hours > 0 ? `${hours} h ${rest} min` : `${minutes % 60} min`;
}

/** What the desk says of an emergency's window to identify (issue 19). */
export function windowSentence(emergency: EmergencyView): string {
  if (emergency.status === 'merged')
    return emergency.isOverdue ? 'Identified after the window had passed: flagged to the scheme.' : 'Identified within the window.';
  const left = emergency.remainingMinutes ?? 0;
  if (emergency.isOverdue) return `Overdue by ${hoursAndMinutes(Math.max(1, -left))}: identify the patient and raise the pre-auth now.`;
  return `Identify within ${hoursAndMinutes(left)}${emergency.isIdentifyByConfirmed ? '' : ' (the desk’s estimate until the server confirms)'}.`;
}

/** "Unknown male, about 45". */
export function emergencyTitle(emergency: Pick<EmergencyView, 'sex' | 'approximateAge'>): string {
  const who = emergency.sex === 'unknown' ? 'patient' : emergency.sex;
  return `Unknown ${who}, about ${emergency.approximateAge}`;
}
