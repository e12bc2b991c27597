/**
 * Health-card scans: what a scanner's bytes mean. Pure: no I/O, the year is passed in.
 *
 * Two payloads are accepted (the format is documented in README.md, "Scheme card format v1"):
 * - the scheme card's QR code: `CDK1|<schemeMemberId>|<familyNo>|<yearOfBirth>|<checksum>`;
 * - a scheme member id alone (`PMJ-` + 8 uppercase letters or digits), typed or scanned from a
 *   printed slip.
 * Anything else is a typed error with a sentence the operator can act on. Messages never repeat
 * the scanned text: it carries a member's id and year of birth, which must not reach logs.
 */

declare const schemeMemberIdBrand: unique symbol;
/** `PMJ-` followed by 8 uppercase letters or digits, checked. */
export type SchemeMemberId = string & { readonly [schemeMemberIdBrand]: true };

export interface SchemeCardScan {
  readonly kind: 'scheme-card';
  readonly memberId: SchemeMemberId;
  readonly familyNumber: string;
  readonly yearOfBirth: number;
}

export interface MemberIdScan {
  readonly kind: 'member-id';
  readonly memberId: SchemeMemberId;
}

export type HealthCardScan = SchemeCardScan | MemberIdScan;

export type HealthCardScanErrorKind =
  | 'empty' // nothing but whitespace / noise
  | 'unknown-format' // neither a scheme card nor a member id
  | 'unsupported-card-version' // a scheme card of a later format (CDK2…)
  | 'bad-checksum' // the card's check digits do not match: a damaged or misread code
  | 'bad-member-id' // the member id field is not PMJ-XXXXXXXX
  | 'bad-family-number' // the family number field is not 1-20 letters or digits
  | 'bad-year' // the year of birth is not a plausible four-digit year
  | 'line-too-long'; // the scanner sent more than the framer's maximum without a terminator

export interface HealthCardScanError {
  readonly kind: HealthCardScanErrorKind;
  /** What to show the operator. Never contains the scanned text. */
  readonly message: string;
}

export type HealthCardParseResult = { readonly ok: true; readonly scan: HealthCardScan } | { readonly ok: false; readonly error: HealthCardScanError };

export interface ParseContext {
  /** The current calendar year, from the caller's clock: a year of birth cannot be later. */
  readonly currentYear: number;
}

export const cardFormatPrefix = 'CDK1';
/** Oldest year of birth accepted: older is certainly a misread, not a member. */
export const earliestYearOfBirth = 1900;

const memberIdPattern = /^PMJ-[A-Z0-9]{8}$/;
const familyNumberPattern = /^[A-Z0-9]{1,20}$/;
/**
 * AIM symbology identifier (`]Q1` for QR, `]C0` for Code 128…), which some scanners are configured
 * to prefix. It says which barcode type was read and is not part of the payload.
 */
const symbologyIdentifierPattern = /^\][A-Za-z][0-9A-Za-z]/;

export function isSchemeMemberId(text: string): text is SchemeMemberId {
  return memberIdPattern.test(text);
}

export function scanError(kind: HealthCardScanErrorKind): HealthCardScanError {
  return { kind, message: scanErrorMessage(kind) };
}

export function scanErrorMessage(kind: HealthCardScanErrorKind): string {
  switch (kind) {
    case 'empty':
      return 'The scan was empty. Scan the card again.';
    case 'unknown-format':
      return 'This is not a scheme health card or member id. Scan the QR code on the scheme card, or type the member id (PMJ- and 8 letters or digits).';
    case 'unsupported-card-version':
      return 'This scheme card uses a newer format than this desk understands. Type the member id printed on the card, and ask IT to update the desk.';
    case 'bad-checksum':
      return 'The card was not read correctly (its check digits do not match). Hold the card steady and scan again; if it keeps failing, type the member id.';
    case 'bad-member-id':
      return 'The member id is not valid: it must be PMJ- followed by 8 capital letters or digits.';
    case 'bad-family-number':
      return "The card's family number is not valid. Type the member id printed on the card instead.";
    case 'bad-year':
      return "The card's year of birth is not valid. Type the member id printed on the card instead.";
    case 'line-too-long':
      return 'The scanner sent more data than a health card holds. Scan only the QR code on the scheme card.';
    default:
      return assertNever(kind);
  }
}

/** Sum of the UTF-8 bytes modulo 256, as two uppercase hex digits. */
export function cardChecksum(text: string): string {
  let sum = 0;
  for (const byte of new TextEncoder().encode(text)) sum = (sum + byte) % 256;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

export interface SchemeCardFields {
  readonly memberId: string;
  readonly familyNumber: string;
  readonly yearOfBirth: number;
}

/** The card issuer's side: builds a v1 QR payload. Used by the simulator and as the format's reference. */
export function encodeSchemeCardPayload(fields: SchemeCardFields): string {
  const body = `${cardFormatPrefix}|${fields.memberId}|${fields.familyNumber}|${fields.yearOfBirth}|`;
  return `${body}${cardChecksum(body)}`;
}

/**
 * Reads one scan (one line from a scanner, or what an operator typed). Surrounding whitespace and an
 * AIM symbology identifier are ignored.
 */
export function parseHealthCardPayload(raw: string, context: ParseContext): HealthCardParseResult {
  let text = raw.trim();
  if (symbologyIdentifierPattern.test(text)) text = text.slice(3).trim();
  if (text === '') return { ok: false, error: scanError('empty') };

  if (!text.includes('|')) {
    // Typed ids arrive in any case; the id itself is defined in capitals.
    const candidate = text.toUpperCase();
    if (isSchemeMemberId(candidate)) return { ok: true, scan: { kind: 'member-id', memberId: candidate } };
    return { ok: false, error: scanError(/^PMJ-/i.test(text) ? 'bad-member-id' : 'unknown-format') };
  }

  const fields = text.split('|');
  const [version, memberId, familyNumber, yearText, checksum] = fields;
  if (version === undefined || !/^CDK[0-9]+$/.test(version)) return { ok: false, error: scanError('unknown-format') };
  if (version !== cardFormatPrefix) return { ok: false, error: scanError('unsupported-card-version') };
  if (fields.length !== 5 || memberId === undefined || familyNumber === undefined || yearText === undefined || checksum === undefined) {
    // A v1 card always has five fields; fewer or more means a truncated or merged read.
    return { ok: false, error: scanError('bad-checksum') };
  }
  // The checksum is checked first: if the read is damaged, the other fields cannot be trusted
  // and "bad year" would send the operator after the wrong problem.
  const body = text.slice(0, text.length - checksum.length);
  if (!/^[0-9A-Fa-f]{2}$/.test(checksum) || checksum.toUpperCase() !== cardChecksum(body)) {
    return { ok: false, error: scanError('bad-checksum') };
  }
  if (!isSchemeMemberId(memberId)) return { ok: false, error: scanError('bad-member-id') };
  if (!familyNumberPattern.test(familyNumber)) return { ok: false, error: scanError('bad-family-number') };
  if (!/^[0-9]{4}$/.test(yearText)) return { ok: false, error: scanError('bad-year') };
  const yearOfBirth = Number.parseInt(yearText, 10);
  if (yearOfBirth < earliestYearOfBirth || yearOfBirth > context.currentYear) return { ok: false, error: scanError('bad-year') };
  return { ok: true, scan: { kind: 'scheme-card', memberId, familyNumber, yearOfBirth } };
}

// ---------------------------------------------------------------------------------------------
// Line framing

export type FramedLine = { readonly ok: true; readonly line: string } | { readonly ok: false; readonly error: 'line-too-long' };

export interface LineFramerOptions {
  /** Longest line accepted, in characters. A v1 card payload is under 60. */
  readonly maxLineLength?: number;
}

export const defaultMaxLineLength = 256;

const carriageReturn = 0x0d;
const lineFeed = 0x0a;

/**
 * Splits a scanner's byte stream into lines. Stateful (a line may arrive in many writes), but does
 * no I/O.
 * - CR, LF and CRLF all end a line (scanners are configured either way); empty lines are dropped,
 *   which also makes a CRLF split across two writes count once.
 * - Only printable ASCII is kept. Control bytes, DEL and bytes ≥ 0x80 are line noise, typically
 *   from a scanner powering up or a USB-serial adapter glitching, never part of a payload.
 * - A line longer than the maximum is dropped whole and reported once, when its terminator arrives,
 *   so memory stays bounded whatever the device sends.
 */
export class ScanLineFramer {
  private readonly maxLineLength: number;
  private characters: string[] = [];
  private isOverflowing = false;

  constructor(options: LineFramerOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? defaultMaxLineLength;
  }

  push(chunk: Uint8Array): FramedLine[] {
    const lines: FramedLine[] = [];
    for (const byte of chunk) {
      if (byte === carriageReturn || byte === lineFeed) {
        if (this.isOverflowing) lines.push({ ok: false, error: 'line-too-long' });
        else if (this.characters.length > 0) lines.push({ ok: true, line: this.characters.join('') });
        this.characters = [];
        this.isOverflowing = false;
        continue;
      }
      if (byte < 0x20 || byte > 0x7e) continue;
      if (this.isOverflowing) continue;
      if (this.characters.length >= this.maxLineLength) {
        this.isOverflowing = true;
        this.characters = [];
        continue;
      }
      this.characters.push(String.fromCharCode(byte));
    }
    return lines;
  }

  /** Forgets a partial line, e.g. after the device was unplugged mid-scan. */
  reset(): void {
    this.characters = [];
    this.isOverflowing = false;
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
