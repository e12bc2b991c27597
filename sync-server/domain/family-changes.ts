/**
 * Family changes (issue 16): a newborn or a new spouse registered into an existing family at a
 * desk, with the supporting document, decided by the scheme's enrolment role (HA). The pure rules
 * every side applies alike: which document each change needs, the relation and the effective date
 * the member gets, and how a pending-enrolment admission describes the patient.
 * Nothing here touches money: a family change never changes the family's cover (one floater per
 * family per policy year, DESIGN.md) nor what is committed on it.
 */

export const familyChangeKinds = ['newborn', 'spouse'] as const;
export type FamilyChangeKind = (typeof familyChangeKinds)[number];

export const familyChangeStatuses = ['pending', 'approved', 'rejected'] as const;
export type FamilyChangeStatus = (typeof familyChangeStatuses)[number];

/** The documents a family change is supported by: one kind per change kind. */
export const familyDocumentKinds = ['birth-certificate', 'marriage-certificate'] as const;
export type FamilyDocumentKind = (typeof familyDocumentKinds)[number];

export const requiredFamilyDocument: Readonly<Record<FamilyChangeKind, FamilyDocumentKind>> = {
  newborn: 'birth-certificate',
  spouse: 'marriage-certificate',
};

export const familyDocumentNames: Readonly<Record<FamilyDocumentKind, string>> = {
  'birth-certificate': 'birth certificate',
  'marriage-certificate': 'marriage certificate',
};

export type Gender = 'F' | 'M' | 'X';
export type FamilyRelation = 'son' | 'daughter' | 'spouse' | 'other';

/** The relation the new member is registered with: a newborn is the head's son or daughter (other when X), a spouse is the spouse. */
export function relationOf(kind: FamilyChangeKind, gender: Gender): FamilyRelation {
  if (kind === 'spouse') return 'spouse';
  switch (gender) {
    case 'M':
      return 'son';
    case 'F':
      return 'daughter';
    case 'X':
      return 'other';
  }
}

/**
 * How long after the birth a newborn may be registered as one: a year. Past that the child is
 * enrolled as any member is (register-family by HA), not as a newborn from a birth certificate.
 */
export const newbornRegistrationDays = 365;

export type BirthDateProblem = 'not-a-date' | 'in-the-future' | 'too-old-for-newborn' | 'before-1900';

/** Whole days from `from` to `to` (both YYYY-MM-DD, calendar days, no time zone). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A real calendar day as YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const instant = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(instant.getTime()) && instant.toISOString().slice(0, 10) === value;
}

/**
 * What is wrong with a birth date given the scheme's calendar day today, or null. A date of birth
 * after today is refused for both kinds; a newborn's is at most `newbornRegistrationDays` ago.
 */
export function birthDateProblem(kind: FamilyChangeKind, birthDate: string, today: string): BirthDateProblem | null {
  if (!isCalendarDay(birthDate)) return 'not-a-date';
  if (birthDate < '1900-01-01') return 'before-1900';
  if (birthDate > today) return 'in-the-future';
  if (kind === 'newborn' && daysBetween(birthDate, today) > newbornRegistrationDays) return 'too-old-for-newborn';
  return null;
}

/**
 * The day the new member's cover starts (issue 16). Newborn: the date of birth — a child born on
 * the 3rd and admitted on the 4th is covered for that admission once approved. Spouse: the day of
 * approval in the scheme's time zone; the scheme has no rule that backdates a spouse to the
 * marriage (the demo scheme's, and the seed documents', none), so the cover starts when HA accepts
 * the marriage certificate.
 */
export function effectiveDate(kind: FamilyChangeKind, birthDate: string, approvalDay: string): string {
  return kind === 'newborn' ? birthDate : approvalDay;
}

/** A pending-enrolment admission as an emergency record: the sex the registration gives. */
export function emergencySexOf(gender: Gender): 'male' | 'female' | 'other' {
  return gender === 'M' ? 'male' : gender === 'F' ? 'female' : 'other';
}

/** Whole years of age on `today` (0 for a newborn), capped to the emergency record's 0–120. */
export function ageInYears(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  const years = ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
  return Math.min(120, Math.max(0, years));
}
