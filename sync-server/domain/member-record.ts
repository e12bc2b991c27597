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

export type CaseStatus = 'admitted' | 'discharged' | 'cancelled';

/** The latest end of a consent given at `grantedAt`. */
export function consentExpiry(grantedAt: Date): Date {
  return new Date(grantedAt.getTime() + consentHours * 3_600_000);
}

/** Whether a consent still stands at `now`: its case still admitted and its time not up. */
export function isConsentStanding(consent: { readonly expiresAt: Date; readonly caseStatus: CaseStatus }, now: Date): boolean {
  return consent.caseStatus === 'admitted' && now.getTime() < consent.expiresAt.getTime();
}
