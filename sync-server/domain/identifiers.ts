/**
 * A member's other identifiers (issue 16, "one member, many cards"): the cards and numbers a
 * patient already carries, linked to their scheme membership so any of them finds the member at a
 * desk. Pure rules shared by the server (link-identifier, identify-member by linked-id) and the
 * desk's offline lookup: what each kind looks like, its check digit, and how a typed or scanned
 * text becomes the keys it may match. The national ID's secure QR (signed, Node crypto) is
 * `node-shared/national-id-qr.ts`.
 */

/** The kinds of identifier a member's scheme record links (migration 058 `member_identifiers.kind`). */
export const identifierKinds = ['national-id-qr', 'health-account', 'hospital-mrn', 'state-card'] as const;
export type IdentifierKind = (typeof identifierKinds)[number];

/**
 * What an identifier is unique within. One identifier belongs to one member: (kind, issuer, value)
 * is unique among active links. The issuer is the national-ID QR's issuer id, the hospital's id for
 * a patient number (each hospital numbers its own patients), the state code for a state card, and
 * empty for the health account number (one national numbering).
 */
export interface IdentifierKey {
  readonly kind: IdentifierKind;
  readonly issuer: string;
  readonly value: string;
}

// Verhoeff's dihedral-group check digit (J. Verhoeff, 1969): it catches every single-digit error
// and every swap of two adjacent digits, which a plain modulus-10 sum does not. Aadhaar numbers
// carry it as their last digit; CoverDesk checks the 14-digit health account number with it too.
const multiplication: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const permutation: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const inverse: readonly number[] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

function verhoeffFold(digits: string, offset: number): number {
  let check = 0;
  for (let i = 0; i < digits.length; i += 1) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    check = multiplication[check]![permutation[(i + offset) % 8]![digit]!]!;
  }
  return check;
}

/** The Verhoeff check digit to append to `digits` (a string of 0–9). */
export function verhoeffCheckDigit(digits: string): number {
  if (!/^[0-9]+$/.test(digits)) throw new RangeError('Verhoeff works on decimal digits only');
  return inverse[verhoeffFold(digits, 1)]!;
}

/** Whether `digits` (the check digit last) passes Verhoeff's check. */
export function hasValidVerhoeffDigit(digits: string): boolean {
  return /^[0-9]{2,}$/.test(digits) && verhoeffFold(digits, 0) === 0;
}

/** A health account number: 14 digits, the last a Verhoeff check digit; written with spaces or hyphens (91-1234-5678-9012) or without. */
export const healthAccountDigits = 14;

/** A card or patient number as typed or scanned: trimmed, upper case, inner spaces dropped. */
export function cardText(text: string): string {
  return text.trim().toUpperCase().replace(/\s+/g, '');
}

const cardNumberPattern = /^[A-Z0-9][A-Z0-9/-]{0,31}$/;
const statePattern = /^[A-Z]{2}$/;

export type ParsedIdentifier = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

/** A health account number's stored form (14 digits), or why it is not one. */
export function parseHealthAccount(text: string): ParsedIdentifier {
  const digits = text.trim().replace(/[\s-]/g, '');
  if (!new RegExp(`^[0-9]{${healthAccountDigits}}$`).test(digits))
    return { ok: false, message: `A health account number has ${healthAccountDigits} digits (spaces and hyphens allowed between them).` };
  if (!hasValidVerhoeffDigit(digits))
    return { ok: false, message: 'This health account number fails its check digit: a digit is mistyped or two are swapped. Read it again from the card.' };
  return { ok: true, value: digits };
}

/** A hospital patient number (MRN) or state card number: 1–32 of A–Z 0–9 / -, upper case. */
export function parseCardNumber(text: string, what: string): ParsedIdentifier {
  const value = cardText(text);
  if (!cardNumberPattern.test(value)) return { ok: false, message: `A ${what} is 1 to 32 letters, digits, / or - (got ${value.length} characters).` };
  return { ok: true, value };
}

/** A state code (two letters, as the state card prints it: MH, KA). */
export function parseStateCode(text: string): ParsedIdentifier {
  const value = text.trim().toUpperCase();
  return statePattern.test(value) ? { ok: true, value } : { ok: false, message: 'A state card names its state by its two-letter code (MH, KA…).' };
}

/**
 * The lookup text of a national ID QR's reference at identify-member (`by: linked-id`): the desk
 * reads the QR and sends only its issuer and reference, which fit the 64 characters a lookup takes.
 */
export const nationalIdLookupPrefix = 'NID:';
export function nationalIdLookupText(issuer: string, reference: string): string {
  return `${nationalIdLookupPrefix}${issuer}:${reference}`;
}

/**
 * The identifier keys a typed or scanned text may be, most specific first: a national ID QR's
 * lookup text; 14 digits with a good check digit as a health account number; and as this
 * hospital's patient number and a state card of any state (issuer `null`: any).
 * `hospitalId` is the searching desk's or operator's hospital: another hospital's patient numbers
 * are not searched (nor sent to desks): they would tell this hospital where else the member was treated.
 */
export function lookupKeys(text: string, hospitalId: string | null): { kind: IdentifierKind; issuer: string | null; value: string }[] {
  const trimmed = text.trim();
  if (trimmed.toUpperCase().startsWith(nationalIdLookupPrefix)) {
    const [issuer, reference] = [trimmed.slice(nationalIdLookupPrefix.length).split(':')[0] ?? '', trimmed.split(':').slice(2).join(':')];
    return issuer && reference ? [{ kind: 'national-id-qr', issuer, value: reference }] : [];
  }
  const account = parseHealthAccount(trimmed);
  const card = cardText(trimmed);
  return [
    ...(account.ok ? [{ kind: 'health-account' as const, issuer: '', value: account.value }] : []),
    ...(cardNumberPattern.test(card)
      ? [
          ...(hospitalId ? [{ kind: 'hospital-mrn' as const, issuer: hospitalId, value: card }] : []),
          { kind: 'state-card' as const, issuer: null, value: card },
        ]
      : []),
  ];
}
