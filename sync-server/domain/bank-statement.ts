/**
 * A bank statement as the payer's finance officer (ACO) downloads it: CSV, one credit per line, with
 * the bank's unique transaction reference (UTR), the reference the transfer carried (CoverDesk's
 * payment reference, `PAY-…`), the value date and the amount in the currency's major units
 * (issue 15, reconciliation against the bank). Pure: the server parses with it before anything is
 * written, so a file with one bad line is refused whole, every bad line named with its reason.
 *
 * Format: a header naming the columns `utr`, `reference`, `date` and `amount` (any order, any case;
 * other columns such as a narration are ignored), then one line per credit. Fields may be quoted
 * ("…", with "" for a quote inside). Dates are YYYY-MM-DD; amounts plain decimals with at most the
 * currency's minor digits ("3899", "3899.5", "3899.50"), no sign, no thousands separators.
 */

export interface BankCredit {
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  readonly utr: string;
  readonly reference: string;
  /** YYYY-MM-DD */
  readonly valueDate: string;
  /** Minor units. */
  readonly amount: number;
}

export interface BankStatementProblem {
  readonly line: number;
  readonly reason: string;
}

export const bankStatementLimits = { maxLines: 20_000, maxFieldLength: 100 } as const;
const requiredColumns = ['utr', 'reference', 'date', 'amount'] as const;

/** Split one CSV line into fields (RFC 4180 quoting, no line breaks inside a field). Null if a quote is left open. */
export function splitCsvLine(text: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let isQuoted = false;
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (isQuoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 2;
        continue;
      }
      if (char === '"') isQuoted = false;
      else field += char;
    } else if (char === '"' && field === '') isQuoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
    index += 1;
  }
  if (isQuoted) return null;
  fields.push(field);
  return fields;
}

/** An amount in major units as text → minor units, exactly (no floating point). Null if not a plain amount. */
export function parseMajorAmount(text: string, minorPerUnit: number): number | null {
  const digits = Math.round(Math.log10(minorPerUnit));
  const match = new RegExp(`^(\\d{1,15})(?:\\.(\\d{1,${Math.max(digits, 1)}}))?$`).exec(text);
  if (!match || (digits === 0 && match[2] !== undefined)) return null;
  const whole = Number(match[1]);
  const fraction = match[2] === undefined ? 0 : Number(match[2].padEnd(digits, '0'));
  const minor = whole * minorPerUnit + fraction;
  return Number.isSafeInteger(minor) ? minor : null;
}

function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/**
 * Parse a whole statement. `credits` are the good lines; `problems` every bad one (line number and
 * reason). A caller applies the credits only when `problems` is empty: nothing half-applied.
 */
export function parseBankStatement(text: string, minorPerUnit: number): { credits: BankCredit[]; problems: BankStatementProblem[] } {
  const problems: BankStatementProblem[] = [];
  const credits: BankCredit[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // A final line break does not make a line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const header = splitCsvLine(lines[0] ?? '')?.map((name) => name.trim().toLowerCase()) ?? [];
  const columns = Object.fromEntries(requiredColumns.map((name) => [name, header.indexOf(name)])) as Record<(typeof requiredColumns)[number], number>;
  const missing = requiredColumns.filter((name) => columns[name] < 0);
  if (missing.length > 0)
    return { credits, problems: [{ line: 1, reason: `The header must name the columns utr, reference, date and amount; ${missing.join(', ')} missing.` }] };
  if (lines.length - 1 > bankStatementLimits.maxLines)
    return {
      credits,
      problems: [{ line: bankStatementLimits.maxLines + 2, reason: `A statement holds at most ${bankStatementLimits.maxLines} credits; split the file.` }],
    };
  if (lines.length === 1) return { credits, problems: [{ line: 2, reason: 'The statement has a header and no credits.' }] };
  const seen = new Map<string, number>();
  lines.slice(1).forEach((text, index) => {
    const line = index + 2;
    if (text.trim() === '') return problems.push({ line, reason: 'The line is empty.' });
    const fields = splitCsvLine(text);
    if (fields === null) return problems.push({ line, reason: 'A quoted field is not closed.' });
    if (fields.length !== header.length) return problems.push({ line, reason: `The line has ${fields.length} fields; the header has ${header.length}.` });
    const utr = fields[columns.utr]!.trim();
    const reference = fields[columns.reference]!.trim();
    const valueDate = fields[columns.date]!.trim();
    const amountText = fields[columns.amount]!.trim();
    if (!/^[A-Za-z0-9]{6,40}$/.test(utr)) return problems.push({ line, reason: `The UTR "${utr.slice(0, 40)}" is not 6–40 letters and digits.` });
    if (reference === '' || reference.length > bankStatementLimits.maxFieldLength || !/^[\x21-\x7e]+$/.test(reference))
      return problems.push({ line, reason: 'The reference is empty, longer than 100 characters, or holds spaces or other than plain ASCII.' });
    if (!isCalendarDate(valueDate)) return problems.push({ line, reason: `The date "${valueDate.slice(0, 20)}" is not a calendar date written YYYY-MM-DD.` });
    const amount = parseMajorAmount(amountText, minorPerUnit);
    if (amount === null)
      return problems.push({ line, reason: `The amount "${amountText.slice(0, 30)}" is not a plain amount like 3899.50 (no sign, no separators).` });
    if (amount === 0) return problems.push({ line, reason: 'The amount is 0: a statement line is a credit.' });
    const first = seen.get(utr.toUpperCase());
    if (first !== undefined) return problems.push({ line, reason: `The UTR ${utr} is already on line ${first}: one credit, one UTR.` });
    seen.set(utr.toUpperCase(), line);
    credits.push({ line, utr: utr.toUpperCase(), reference, valueDate, amount });
    return undefined;
  });
  return { credits, problems };
}
