import { createHash } from 'node:crypto';
import {
  exchangeFileName,
  formatExchangeFile,
  parseExchangeFile,
  type AccumulatorMovement as ExchangeMovement,
  type AccumulatorType,
  type BadLine,
} from '@domain/accumulator-exchange';
import type { AccumulatorKind } from '@domain/plan-design';
import { pgErrorCode, pgErrors, type Database, type Sql } from '../db/database';

/**
 * The daily accumulator exchange with a pharmacy benefit manager (issue 14, migration 033).
 *
 * Intake (`importExchangeFile`): the file is read whole and parsed first (every bad line named with
 * its number and reason); then applied in batches, each ONE transaction that locks the accumulator
 * rows its lines touch (family rows first, in one order, like every charge; a row no charge has
 * created yet starts at 0 with its plan year's maximums), checks each line in file order against
 * the row as the earlier lines left it (a line that would take a total below 0 or past its maximum
 * is refused with the reason, and the lines after it see the total without it), and writes every
 * accepted line as one accumulator entry (source `exchange`, id `<file>:<line>`) plus the totals
 * (new rows created with their movement), in two statements. A line is applied whole or not at all; an
 * applied line is never applied again (the entry's unique source id), so the same file may be
 * imported again; a known name with other bytes is refused whole (files are never overwritten).
 *
 * Export (`exportMedicalMovements`): the medical side's deductible and out-of-pocket movements since
 * the last export, in the same format, to a new file named by the date (never overwriting one).
 */

export interface ImportReport {
  readonly file: string;
  readonly lines: number;
  readonly applied: number;
  readonly alreadyApplied: number;
  readonly refused: readonly BadLine[];
}

/** The row a movement type moves. */
const target: Record<AccumulatorType, { level: 'family' | 'member'; kind: AccumulatorKind }> = {
  familyDeductible: { level: 'family', kind: 'deductible' },
  familyMaxPay: { level: 'family', kind: 'out-of-pocket' },
  individualDeductible: { level: 'member', kind: 'deductible' },
  individualMaxPay: { level: 'member', kind: 'out-of-pocket' },
};
const typeOf = (level: 'family' | 'member', kind: string): AccumulatorType | null =>
  kind === 'deductible'
    ? level === 'family'
      ? 'familyDeductible'
      : 'individualDeductible'
    : kind === 'out-of-pocket'
      ? level === 'family'
        ? 'familyMaxPay'
        : 'individualMaxPay'
      : null;

/** The policy year a calendar date belongs to (a year starts on the 1st of `startMonth`). */
export function policyYearOfDate(date: string, startMonth: number): number {
  const [year, month] = [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
  return month >= startMonth ? year : year - 1;
}

export const importBatchSize = 5_000;

export async function importExchangeFile(db: Database, name: string, bytes: Buffer, options: { batchSize?: number } = {}): Promise<ImportReport> {
  const parsed = parseExchangeFile(name, bytes.toString('utf8'));
  if ('error' in parsed) throw new ExchangeFileRefused(parsed.error);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const [known] = await db.query<{ sha256: string; direction: string }>('SELECT sha256, direction FROM exchange_files WHERE name = $1', [name]);
  if (known && (known.sha256 !== sha256 || known.direction !== 'import'))
    throw new ExchangeFileRefused(
      `A file named ${name} was ${known.direction === 'import' ? 'imported' : 'exported'} before with other content; files are never overwritten: send a correction as a new file (e.g. ${name.replace(/\.tsv$/, '-01.tsv')}).`,
    );
  const [scheme] = await db.query<{ year_start_month: number }>('SELECT year_start_month FROM schemes WHERE is_current');
  if (!scheme) throw new Error('There is no current scheme.');
  const refused: BadLine[] = [...parsed.errors];
  let applied = 0;
  let alreadyApplied = 0;
  const batchSize = options.batchSize ?? importBatchSize;
  for (let start = 0; start < parsed.movements.length; start += batchSize) {
    const batch = parsed.movements.slice(start, start + batchSize);
    const outcome = await decideBatch(db, name, batch, scheme.year_start_month);
    applied += outcome.applied;
    alreadyApplied += outcome.alreadyApplied;
    refused.push(...outcome.refused);
  }
  refused.sort((a, b) => a.line - b.line);
  const lines = parsed.movements.length + parsed.errors.length;
  await db.query(
    `INSERT INTO exchange_files (name, direction, sha256, lines, applied, refused) VALUES ($1, 'import', $2, $3, $4, $5)
     ON CONFLICT (name) DO UPDATE SET applied = exchange_files.applied + EXCLUDED.applied, refused = EXCLUDED.refused, last_run_at = now()`,
    [name, sha256, lines, applied, refused.length],
  );
  return { file: name, lines, applied, alreadyApplied, refused };
}

export class ExchangeFileRefused extends Error {}

/**
 * One batch in one transaction. The database refusing it (a CHECK constraint: a row this batch
 * created met a concurrent charge's row, and together they pass a maximum) rolls it back whole;
 * it is then decided again, with that row now there to lock and read.
 */
async function decideBatch(db: Database, name: string, batch: readonly ExchangeMovement[], startMonth: number) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction((sql) => applyBatch(sql, name, batch, startMonth));
    } catch (error) {
      if (pgErrorCode(error) !== pgErrors.checkViolation || attempt >= 3) throw error;
    }
  }
}

interface Resolved {
  readonly movement: ExchangeMovement;
  readonly familyId: string;
  readonly memberId: string;
  readonly year: number;
}

interface AccountRow {
  family_id: string;
  policy_year: number;
  plan_id: string | null;
  family_deductible: number | null;
  member_deductible: number | null;
  family_oop_max: number | null;
  member_oop_max: number | null;
  member_sub_limit: number | null;
  medical_limit: number | null;
  pharmacy_limit: number | null;
}

interface Total {
  readonly holderId: string;
  readonly familyId: string;
  readonly memberId: string | null;
  readonly year: number;
  readonly kind: AccumulatorKind;
  medical: number;
  pharmacy: number;
  readonly maximum: number | null;
  readonly moved: { medical: number; pharmacy: number };
}

/**
 * The maximums a new accumulator row of an account's year starts with: the plan year's (a family
 * on the cashless cover, with no plan, has no deductible to meet: 0).
 */
function maximumsOf(
  account: AccountRow,
  kind: AccumulatorKind,
  isMember: boolean,
): { maximum: number | null; medicalMaximum: number | null; pharmacyMaximum: number | null } {
  switch (kind) {
    case 'deductible':
      return { maximum: isMember ? account.member_deductible : (account.family_deductible ?? 0), medicalMaximum: null, pharmacyMaximum: null };
    case 'out-of-pocket':
      return { maximum: isMember ? account.member_oop_max : account.family_oop_max, medicalMaximum: null, pharmacyMaximum: null };
    default:
      return isMember
        ? { maximum: account.member_sub_limit, medicalMaximum: null, pharmacyMaximum: null }
        : { maximum: null, medicalMaximum: account.medical_limit, pharmacyMaximum: account.pharmacy_limit };
  }
}

async function applyBatch(
  sql: Sql,
  file: string,
  batch: readonly ExchangeMovement[],
  startMonth: number,
): Promise<{ applied: number; alreadyApplied: number; refused: BadLine[] }> {
  const refused: BadLine[] = [];
  const sourceId = (m: ExchangeMovement) => `${file}:${m.line}`;
  const done = new Set(
    (
      await sql.query<{ source_id: string }>("SELECT source_id FROM accumulator_entries WHERE source_kind = 'exchange' AND source_id = ANY ($1::text[])", [
        batch.map(sourceId),
      ])
    ).map((r) => r.source_id),
  );
  const pending = batch.filter((m) => !done.has(sourceId(m)));
  // Families and members by their scheme numbers, in one statement.
  const known = await sql.query<{ family_number: string; scheme_member_id: string; family_id: string; member_id: string }>(
    `SELECT f.family_number, m.scheme_member_id, f.id AS family_id, m.id AS member_id
       FROM members m JOIN families f ON f.id = m.family_id
      WHERE m.scheme_member_id = ANY ($1::text[])`,
    [[...new Set(pending.map((m) => m.memberId))]],
  );
  const memberBy = new Map(known.map((k) => [k.scheme_member_id, k]));
  const resolved: Resolved[] = [];
  for (const movement of pending) {
    const member = memberBy.get(movement.memberId);
    if (!member) refused.push({ line: movement.line, reason: `memberId ${movement.memberId} is not a member of the scheme` });
    else if (member.family_number !== movement.subscriberId)
      refused.push({ line: movement.line, reason: `member ${movement.memberId} is not in family ${movement.subscriberId}` });
    else resolved.push({ movement, familyId: member.family_id, memberId: member.member_id, year: policyYearOfDate(movement.transactionDate, startMonth) });
  }
  if (resolved.length === 0) return { applied: 0, alreadyApplied: batch.length - pending.length, refused };

  // Open the accounts the lines need (only those missing) and read each account's plan year: the
  // maximums of any accumulator row the batch creates, and the plan every entry records.
  const accountKeys = [...new Map(resolved.map((r) => [`${r.familyId}|${r.year}`, r])).values()];
  const accountArgs = [accountKeys.map((a) => a.familyId), accountKeys.map((a) => a.year)];
  await sql.query(
    `INSERT INTO family_years (family_id, policy_year, cover)
     SELECT f.id, v.year, f.cover FROM unnest($1::uuid[], $2::int[]) AS v(family_id, year) JOIN families f ON f.id = v.family_id
      WHERE NOT EXISTS (SELECT 1 FROM family_years y WHERE y.family_id = v.family_id AND y.policy_year = v.year)
     ON CONFLICT DO NOTHING`,
    accountArgs,
  );
  const accounts = new Map(
    (
      await sql.query<AccountRow>(
        `SELECT y.family_id, y.policy_year, y.plan_id, p.family_deductible, p.member_deductible, p.family_oop_max, p.member_oop_max,
                p.member_sub_limit, p.medical_limit, p.pharmacy_limit
           FROM unnest($1::uuid[], $2::int[]) AS v(family_id, year)
           JOIN family_years y ON y.family_id = v.family_id AND y.policy_year = v.year
           LEFT JOIN plan_years p ON p.plan_id = y.plan_id AND p.policy_year = y.policy_year`,
        accountArgs,
      )
    ).map((a) => [`${a.family_id}|${a.policy_year}`, a]),
  );
  const needed = new Map<string, { holderId: string; familyId: string; memberId: string | null; year: number; kind: AccumulatorKind }>();
  for (const r of resolved) {
    const { level, kind } = target[r.movement.type];
    const holderId = level === 'family' ? r.familyId : r.memberId;
    needed.set(`${holderId}|${r.year}|${kind}`, { holderId, familyId: r.familyId, memberId: level === 'member' ? r.memberId : null, year: r.year, kind });
  }
  const keys = [...needed.values()];
  // Lock the rows that exist, family rows first and in one order (as every charge does). A row
  // that does not exist yet starts at 0 with its plan year's maximums and is created by the write
  // below: creating it first and updating it after would write every new row twice.
  const locked = await sql.query<{ holder_id: string; policy_year: number; kind: string; medical: number; pharmacy: number; maximum: number | null }>(
    `SELECT t.holder_id, t.policy_year, t.kind, t.medical, t.pharmacy, t.maximum FROM accumulator_totals t
       JOIN unnest($1::uuid[], $2::int[], $3::text[]) AS v(holder_id, year, kind) ON t.holder_id = v.holder_id AND t.policy_year = v.year AND t.kind = v.kind
      ORDER BY t.family_id, t.member_id IS NOT NULL, t.member_id, t.policy_year, t.kind FOR UPDATE OF t`,
    [keys.map((k) => k.holderId), keys.map((k) => k.year), keys.map((k) => k.kind)],
  );
  const existing = new Map(locked.map((r) => [`${r.holder_id}|${r.policy_year}|${r.kind}`, r]));
  const totals = new Map<string, Total>();
  for (const [key, k] of needed) {
    const row = existing.get(key);
    const account = accounts.get(`${k.familyId}|${k.year}`);
    if (!account) throw new Error(`family year ${k.familyId} ${k.year} missing after it was opened`);
    totals.set(key, {
      ...k,
      medical: row?.medical ?? 0,
      pharmacy: row?.pharmacy ?? 0,
      maximum: row ? row.maximum : maximumsOf(account, k.kind, k.memberId !== null).maximum,
      moved: { medical: 0, pharmacy: 0 },
    });
  }
  const entries: { family: string; member: string | null; year: number; plan: string | null; kind: string; coverage: string; delta: number; source: string }[] =
    [];
  for (const r of resolved) {
    const { level, kind } = target[r.movement.type];
    const holder = level === 'family' ? r.familyId : r.memberId;
    const row = totals.get(`${holder}|${r.year}|${kind}`)!;
    const coverage = r.movement.coverageType;
    const after = row[coverage] + r.movement.amount;
    const total = row.medical + row.pharmacy + r.movement.amount;
    if (after < 0) {
      refused.push({
        line: r.movement.line,
        reason: `${r.movement.type} ${coverage} would fall to ${after / 100} for the year ${r.year}: a correction cannot take back more than was moved`,
      });
      continue;
    }
    if (row.maximum !== null && total > row.maximum) {
      refused.push({
        line: r.movement.line,
        reason: `${r.movement.type} would reach ${total / 100} for the year ${r.year}, past the plan's maximum of ${row.maximum / 100}`,
      });
      continue;
    }
    row[coverage] = after;
    row.moved[coverage] += r.movement.amount;
    entries.push({
      family: r.familyId,
      member: level === 'member' ? r.memberId : null,
      year: r.year,
      plan: accounts.get(`${r.familyId}|${r.year}`)!.plan_id,
      kind,
      coverage,
      delta: r.movement.amount,
      source: sourceId(r.movement),
    });
  }
  if (entries.length > 0) {
    // One write for every row the accepted lines moved: an existing (locked) row gets its
    // movement added, a new row is created with it. A new row that another transaction created
    // meanwhile (a pharmacy claim of the same family) is waited for and added to, and if the sum
    // passes a maximum the CHECK constraints refuse the whole batch, which is then decided again
    // (`importExchangeFile`) with that row locked: the constraints stay the last line of defence.
    const moved = [...totals.values()].filter((t) => t.moved.medical !== 0 || t.moved.pharmacy !== 0);
    const maximums = moved.map((t) => maximumsOf(accounts.get(`${t.familyId}|${t.year}`)!, t.kind, t.memberId !== null));
    await sql.query(
      `INSERT INTO accumulator_totals AS t (holder_id, family_id, member_id, policy_year, kind, medical, pharmacy, maximum, medical_maximum, pharmacy_maximum)
       SELECT holder_id, family_id, NULLIF(member_text, '')::uuid, year, kind, medical, pharmacy,
              NULLIF(maximum, -1), NULLIF(medical_maximum, -1), NULLIF(pharmacy_maximum, -1)
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
              AS v(holder_id, family_id, member_text, year, kind, medical, pharmacy, maximum, medical_maximum, pharmacy_maximum)
       ON CONFLICT (holder_id, policy_year, kind) DO UPDATE
          SET medical = t.medical + EXCLUDED.medical, pharmacy = t.pharmacy + EXCLUDED.pharmacy, updated_at = now()`,
      [
        moved.map((t) => t.holderId),
        moved.map((t) => t.familyId),
        // '' for a family row: the array parameter carries text, NULLIF makes it the NULL member.
        moved.map((t) => t.memberId ?? ''),
        moved.map((t) => t.year),
        moved.map((t) => t.kind),
        moved.map((t) => t.moved.medical),
        moved.map((t) => t.moved.pharmacy),
        // -1 for no maximum (a maximum is never negative): NULLIF makes it NULL.
        maximums.map((m) => m.maximum ?? -1),
        maximums.map((m) => m.medicalMaximum ?? -1),
        maximums.map((m) => m.pharmacyMaximum ?? -1),
      ],
    );
    await sql.query(
      // In file order: the entries' ids follow the lines.
      `INSERT INTO accumulator_entries (family_id, member_id, policy_year, plan_id, kind, coverage_type, delta, source_kind, source_id)
       SELECT family_id, NULLIF(member_text, '')::uuid, year, NULLIF(plan_text, ''), kind, coverage, delta, 'exchange', source
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[])
              WITH ORDINALITY AS u(family_id, member_text, year, plan_text, kind, coverage, delta, source, position)
        ORDER BY position`,
      [
        entries.map((e) => e.family),
        entries.map((e) => e.member ?? ''),
        entries.map((e) => e.year),
        entries.map((e) => e.plan ?? ''),
        entries.map((e) => e.kind),
        entries.map((e) => e.coverage),
        entries.map((e) => e.delta),
        entries.map((e) => e.source),
      ],
    );
  }
  return { applied: entries.length, alreadyApplied: batch.length - pending.length, refused };
}

export interface ExportResult {
  readonly file: string | null;
  readonly lines: number;
}

/**
 * Write the medical side's deductible and out-of-pocket movements since the last export to a new
 * file for `date` in `directory` (created exclusively: an existing file is never overwritten).
 * Nothing to send writes no file.
 */
export async function exportMedicalMovements(
  db: Database,
  directory: string,
  date: string,
  files: { list: (dir: string) => Promise<string[]>; writeNew: (path: string, text: string) => Promise<void> },
): Promise<ExportResult> {
  const [last] = await db.query<{ up_to: number | null }>("SELECT max(up_to_entry) AS up_to FROM exchange_files WHERE direction = 'export'");
  const rows = await db.query<{ id: number; family_number: string; scheme_member_id: string; is_member: boolean; kind: string; delta: number; day: string }>(
    `SELECT e.id, f.family_number, m.scheme_member_id, e.member_id IS NOT NULL AS is_member, e.kind, e.delta,
            to_char(e.created_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD') AS day
       FROM accumulator_entries e
       JOIN families f ON f.id = e.family_id
       CROSS JOIN (SELECT time_zone FROM schemes WHERE is_current) s
       JOIN members m ON m.id = COALESCE(e.member_id,
            (SELECT o.member_id FROM accumulator_entries o WHERE o.source_kind = e.source_kind AND o.source_id = e.source_id AND o.member_id IS NOT NULL LIMIT 1))
      WHERE e.id > $1 AND e.coverage_type = 'medical' AND e.kind IN ('deductible', 'out-of-pocket') AND e.source_kind <> 'exchange'
      ORDER BY e.id`,
    [last?.up_to ?? 0],
  );
  if (rows.length === 0) return { file: null, lines: 0 };
  const movements = rows.map((r) => ({
    subscriberId: r.family_number,
    memberId: r.scheme_member_id,
    type: typeOf(r.is_member ? 'member' : 'family', r.kind)!,
    coverageType: 'medical' as const,
    amount: r.delta,
    transactionDate: r.day > date ? date : r.day,
  }));
  const text = formatExchangeFile(movements);
  const name = exchangeFileName(date, await files.list(directory));
  await files.writeNew(`${directory}/${name}`, text);
  await db.query("INSERT INTO exchange_files (name, direction, sha256, lines, applied, refused, up_to_entry) VALUES ($1, 'export', $2, $3, $3, 0, $4)", [
    name,
    createHash('sha256').update(text).digest('hex'),
    movements.length,
    rows[rows.length - 1]!.id,
  ]);
  return { file: name, lines: movements.length };
}
