/**
 * The daily accumulator exchange file (issue 14): how CoverDesk and a pharmacy benefit manager tell
 * each other what members and families have paid out of pocket and toward their deductibles.
 *
 * - Tab-separated UTF-8 text, one accumulator movement per line, an optional header line:
 *   `subscriberId  memberId  type  coverageType  value  transactionDate`
 *   (subscriber = the family's scheme number; type ∈ familyDeductible | familyMaxPay |
 *   individualDeductible | individualMaxPay; coverageType ∈ medical | pharmacy; value in currency
 *   units with exactly two decimals, negative for a correction; date as YYYY-MM-DD).
 * - Files are named by their date, `accumulators-YYYY-MM-DD[-NN].tsv`, and never overwritten: a
 *   correction is a new file (a later NN) whose lines reverse or add to earlier movements.
 * - A file is read whole before anything is applied: every bad line is reported with its number
 *   and the reason, and the good ones carry their line number so intake can be idempotent per file
 *   and line.
 * Pure: no I/O. The import and export commands use it (`npm run accumulators:import FILE`).
 */

export const accumulatorTypes = ['familyDeductible', 'familyMaxPay', 'individualDeductible', 'individualMaxPay'] as const;
export type AccumulatorType = (typeof accumulatorTypes)[number];
export const exchangeCoverageTypes = ['medical', 'pharmacy'] as const;
export type ExchangeCoverageType = (typeof exchangeCoverageTypes)[number];

export const exchangeHeader = ['subscriberId', 'memberId', 'type', 'coverageType', 'value', 'transactionDate'] as const;

export interface AccumulatorMovement {
  /** 1-based line number in its file: with the file name, the movement's identity. */
  readonly line: number;
  readonly subscriberId: string;
  readonly memberId: string;
  readonly type: AccumulatorType;
  readonly coverageType: ExchangeCoverageType;
  /** Minor units (value × 100); negative for a correction. */
  readonly amount: number;
  readonly transactionDate: string;
}

export interface BadLine {
  readonly line: number;
  readonly reason: string;
}

export interface ParsedExchangeFile {
  readonly fileDate: string;
  readonly sequence: number;
  readonly movements: readonly AccumulatorMovement[];
  readonly errors: readonly BadLine[];
}

const fileNamePattern = /^accumulators-(\d{4}-\d{2}-\d{2})(?:-(\d{2}))?\.tsv$/;
const idPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const valuePattern = /^(-)?(\d{1,10})\.(\d{2})$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date, YYYY-MM-DD. */
export function isCalendarDate(text: string): boolean {
  const match = datePattern.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The date and sequence a file's name gives, or why the name is refused. */
export function parseExchangeFileName(name: string): { fileDate: string; sequence: number } | { error: string } {
  const match = fileNamePattern.exec(name);
  if (!match || !isCalendarDate(match[1]!))
    return { error: `The file name ${JSON.stringify(name)} is not accumulators-YYYY-MM-DD.tsv or accumulators-YYYY-MM-DD-NN.tsv with a real date.` };
  return { fileDate: match[1]!, sequence: match[2] === undefined ? 0 : Number(match[2]) };
}

/** Minor units from "1234.50" / "-20.00"; null if the text is not exactly that form. */
export function parseExchangeValue(text: string): number | null {
  const match = valuePattern.exec(text);
  if (!match) return null;
  const minor = Number(match[2]) * 100 + Number(match[3]);
  return match[1] ? -minor : minor;
}

export function formatExchangeValue(minor: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`An amount is a whole number of minor units, got ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const absolute = Math.abs(minor);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}

function parseLine(fields: readonly string[], line: number): AccumulatorMovement | BadLine {
  if (fields.length !== exchangeHeader.length)
    return { line, reason: `expected ${exchangeHeader.length} tab-separated fields (${exchangeHeader.join(', ')}), found ${fields.length}` };
  const [subscriberId, memberId, type, coverageType, value, transactionDate] = fields as [string, string, string, string, string, string];
  if (!idPattern.test(subscriberId))
    return { line, reason: `subscriberId ${JSON.stringify(subscriberId)} is not a family number (letters, digits, . _ -, at most 64)` };
  if (!idPattern.test(memberId)) return { line, reason: `memberId ${JSON.stringify(memberId)} is not a scheme member id (letters, digits, . _ -, at most 64)` };
  if (!(accumulatorTypes as readonly string[]).includes(type))
    return { line, reason: `type ${JSON.stringify(type)} is not one of ${accumulatorTypes.join(', ')}` };
  if (!(exchangeCoverageTypes as readonly string[]).includes(coverageType))
    return { line, reason: `coverageType ${JSON.stringify(coverageType)} is not medical or pharmacy` };
  const amount = parseExchangeValue(value);
  if (amount === null)
    return { line, reason: `value ${JSON.stringify(value)} is not an amount with exactly two decimals (e.g. 1250.00, or -200.00 for a correction)` };
  if (amount === 0) return { line, reason: 'value is 0.00: a movement moves something' };
  if (!isCalendarDate(transactionDate)) return { line, reason: `transactionDate ${JSON.stringify(transactionDate)} is not a real date as YYYY-MM-DD` };
  return { line, subscriberId, memberId, type: type as AccumulatorType, coverageType: coverageType as ExchangeCoverageType, amount, transactionDate };
}

/**
 * Read a whole exchange file. Blank lines are skipped (they keep their numbers); a byte-order
 * mark and CRLF line ends are accepted; the header is optional and only on line 1. A movement
 * dated after the file's own date is refused (a file cannot report the future).
 */
export function parseExchangeFile(name: string, text: string): ParsedExchangeFile | { error: string } {
  const named = parseExchangeFileName(name);
  if ('error' in named) return named;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const movements: AccumulatorMovement[] = [];
  const errors: BadLine[] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const fields = raw.split('\t');
    if (line === 1 && fields.join('\t') === exchangeHeader.join('\t')) return;
    const parsed = parseLine(fields, line);
    if ('reason' in parsed) errors.push(parsed);
    else if (parsed.transactionDate > named.fileDate)
      errors.push({ line, reason: `transactionDate ${parsed.transactionDate} is after the file's date ${named.fileDate}` });
    else movements.push(parsed);
  });
  return { ...named, movements, errors };
}

/** Write movements as an exchange file's text, header first, one line each, LF line ends. */
export function formatExchangeFile(movements: readonly Omit<AccumulatorMovement, 'line'>[]): string {
  const rows = movements.map((m) => [m.subscriberId, m.memberId, m.type, m.coverageType, formatExchangeValue(m.amount), m.transactionDate].join('\t'));
  return [exchangeHeader.join('\t'), ...rows].join('\n') + '\n';
}

/** The name of the file for a date: the next sequence after those already written that day. */
export function exchangeFileName(fileDate: string, existing: readonly string[]): string {
  if (!isCalendarDate(fileDate)) throw new RangeError(`Not a date: ${fileDate}`);
  const taken = existing
    .map(parseExchangeFileName)
    .filter((n): n is { fileDate: string; sequence: number } => !('error' in n) && n.fileDate === fileDate)
    .map((n) => n.sequence);
  if (taken.length === 0) return `accumulators-${fileDate}.tsv`;
  const next = Math.max(...taken) + 1;
  if (next > 99) throw new RangeError(`More than 99 files for ${fileDate}`);
  return `accumulators-${fileDate}-${String(next).padStart(2, '0')}.tsv`;
}
