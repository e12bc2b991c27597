/**
 * The member's cross-hospital history and who looked at it (issue 16): the consent rule, pure.
 *
 * A treating hospital sees a member's cases at other hospitals only while the member's consent
 * stands. The consent is given at that hospital's desk for one admitted case, and ends at the
 * first of: the case's discharge or cancellation, or `consentHours` after it was given. Why both:
 * "until discharge" is what a patient means by "the doctors treating me now"; the cap keeps a
 * long stay (or a case left open by mistake) from being an open door for weeks — a patient still
 * in hospital after three days consents again in a minute.
 */

/** A consent lasts at most this long after it was given (and never past its case's discharge). */
export const consentHours = 72;

/** How long a verified one-time code may back a consent (the enrolment rule's 30 minutes). */
export const consentCodeMinutes = 30;

/**
 * How fresh a fingerprint or face match must be to count as consent (minutes before the grant):
 * the match is made *for* the consent, with the patient at the desk being asked, not the
 * admission's match from earlier in the day. Short, so a match cannot be kept and used later.
 */
export const consentMatchMinutes = 5;

/** How far ahead of the server's clock a desk's capture time may be (clock skew), in minutes. */
export const consentMatchSkewMinutes = 2;

/** Whether a match captured at `capturedAtMs` is fresh enough to back a consent granted at `nowMs`. */
export function isConsentMatchFresh(capturedAtMs: number, nowMs: number): boolean {
  if (!Number.isFinite(capturedAtMs)) return false;
  return capturedAtMs <= nowMs + consentMatchSkewMinutes * 60_000 && nowMs - capturedAtMs <= consentMatchMinutes * 60_000;
}

export type CaseStatus = 'admitted' | 'discharged' | 'cancelled';

/** The latest end of a consent given at `grantedAt`. */
export function consentExpiry(grantedAt: Date): Date {
  return new Date(grantedAt.getTime() + consentHours * 3_600_000);
}

/** Whether a consent still stands at `now`: its case still admitted and its time not up. */
export function isConsentStanding(consent: { readonly expiresAt: Date; readonly caseStatus: CaseStatus }, now: Date): boolean {
  return consent.caseStatus === 'admitted' && now.getTime() < consent.expiresAt.getTime();
}
