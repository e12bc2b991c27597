import { createHash, randomUUID } from 'node:crypto';
import type {
  BankCreditMatchValue,
  BankReconciliationValue,
  BankStatementImportBodyValue,
  BankStatementImportedValue,
  PaymentCreditValue,
} from '@contract/reconciliation';
import { parseBankStatement, type BankCredit } from '@domain/bank-statement';
import { fail } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { Principal } from '../auth/tokens';
import type { Database, Sql } from '../db/database';

/**
 * Reconciliation against the bank (issue 15, migration 048). ACO imports the bank's statement; each
 * credit is matched to a payment by the reference its transfer carried (the payment's `PAY-…`
 * reference, any case). A payment's credits are taken in value-date order: those up to its net
 * paid amount are applied, one arriving when it is already credited in full is a duplicate, one
 * whose reference no payment has is unmatched. Matching is recomputed at every read from the
 * stored rows, like the paid + deductions = approved check (reads.ts paymentReconciliation).
 */

/** Imports run one at a time: each checks the UTRs earlier statements brought before it writes. */
const importLock = 7_244_915;

export async function importBankStatement(db: Database, principal: Principal, body: BankStatementImportBodyValue): Promise<BankStatementImportedValue> {
  const sha256 = createHash('sha256').update(body.content, 'utf8').digest('hex');
  return db.transaction(async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock($1)', [importLock]);
    // The same file again: its first import, nothing written.
    const [known] = await sql.query<StatementRow>('SELECT * FROM bank_statements WHERE sha256 = $1', [sha256]);
    if (known) return imported(sql, known, true);
    const [scheme] = await sql.query<{ minor_per_unit: number }>('SELECT minor_per_unit FROM schemes WHERE is_current');
    if (!scheme) throw fail('not-found', 'There is no current scheme.');
    const { credits, problems } = parseBankStatement(body.content, scheme.minor_per_unit);
    // A UTR an earlier statement brought is the same credit (statements overlap) when it says the
    // same; saying something else about it is a bad line, like any other.
    const earlier = await sql.query<{ utr: string; reference: string; value_date: string; amount: number }>(
      "SELECT utr, reference, to_char(value_date, 'YYYY-MM-DD') AS value_date, amount FROM bank_credits WHERE utr = ANY($1::text[])",
      [credits.map((credit) => credit.utr)],
    );
    const earlierByUtr = new Map(earlier.map((row) => [row.utr, row]));
    const fresh: BankCredit[] = [];
    for (const credit of credits) {
      const before = earlierByUtr.get(credit.utr);
      if (!before) fresh.push(credit);
      else if (before.reference !== credit.reference || before.value_date !== credit.valueDate || Number(before.amount) !== credit.amount)
        problems.push({
          line: credit.line,
          reason: `The UTR ${credit.utr} was imported before as ${before.reference}, ${before.value_date}, ${Number(before.amount)} minor units; this line says otherwise.`,
        });
    }
    if (problems.length > 0) {
      problems.sort((a, b) => a.line - b.line);
      throw fail(
        'invalid-input',
        `The statement was not imported: ${problems.length} bad line${problems.length === 1 ? '' : 's'}, first line ${problems[0]!.line}: ${problems[0]!.reason} Correct the file and import it again; nothing was written.`,
        { problems: problems.slice(0, 200), problemCount: problems.length },
      );
    }
    const statementId = randomUUID();
    const [row] = await sql.query<StatementRow>(
      `INSERT INTO bank_statements (id, file_name, sha256, lines, credits_added, already_imported, imported_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [statementId, body.fileName, sha256, credits.length, fresh.length, credits.length - fresh.length, principal.operatorId],
    );
    for (let start = 0; start < fresh.length; start += 1000) {
      const batch = fresh.slice(start, start + 1000);
      await sql.query(
        `INSERT INTO bank_credits (utr, statement_id, line, reference, value_date, amount)
         SELECT u, $1, l, r, d::date, a FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::bigint[]) AS t(u, l, r, d, a)`,
        [
          statementId,
          batch.map((credit) => credit.utr),
          batch.map((credit) => credit.line),
          batch.map((credit) => credit.reference),
          batch.map((credit) => credit.valueDate),
          batch.map((credit) => credit.amount),
        ],
      );
    }
    await appendAudit(sql, {
      actorId: principal.operatorId,
      action: 'bank-statement-imported',
      entityType: 'bank-statement',
      entityId: statementId,
      after: { fileName: body.fileName, sha256, lines: credits.length, creditsAdded: fresh.length, alreadyImported: credits.length - fresh.length },
    });
    return imported(sql, row!, false);
  });
}

interface StatementRow {
  id: string;
  file_name: string;
  sha256: string;
  lines: number;
  credits_added: number;
  already_imported: number;
  imported_by: string;
  imported_at: Date;
}

async function imported(sql: Sql, row: StatementRow, isReplay: boolean): Promise<BankStatementImportedValue> {
  const matches = (await creditMatches(sql)).filter((credit) => credit.statementId === row.id);
  return {
    statementId: row.id,
    fileName: row.file_name,
    sha256: row.sha256,
    lines: row.lines,
    creditsAdded: row.credits_added,
    alreadyImported: row.already_imported,
    isReplay,
    credits: {
      applied: matches.filter((credit) => credit.match === 'applied').length,
      duplicate: matches.filter((credit) => credit.match === 'duplicate').length,
      unmatched: matches.filter((credit) => credit.match === 'unmatched').length,
    },
    importedAt: new Date(row.imported_at).toISOString(),
  };
}

/** Every credit with its match: a payment's credits in value-date order, applied until it is paid in full. */
async function creditMatches(sql: Sql): Promise<BankCreditMatchValue[]> {
  const rows = await sql.query<{
    utr: string;
    reference: string;
    value_date: string;
    amount: number;
    statement_id: string;
    file_name: string;
    line: number;
    payment_id: string | null;
    net_paid: number | null;
    credited_before: number;
  }>(
    `SELECT c.utr, c.reference, to_char(c.value_date, 'YYYY-MM-DD') AS value_date, c.amount, c.statement_id, s.file_name, c.line, p.id AS payment_id, p.net_paid,
            COALESCE(sum(c.amount) OVER (PARTITION BY p.id ORDER BY c.value_date, s.imported_at, c.statement_id, c.line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS credited_before
       FROM bank_credits c JOIN bank_statements s ON s.id = c.statement_id LEFT JOIN payments p ON upper(p.reference) = upper(c.reference)
      ORDER BY c.value_date, s.imported_at, c.statement_id, c.line`,
  );
  return rows.map((row) => ({
    utr: row.utr,
    reference: row.reference,
    valueDate: row.value_date,
    amount: Number(row.amount),
    statementId: row.statement_id,
    fileName: row.file_name,
    line: row.line,
    // A credit for a payment already credited in full (or with nothing due) is a duplicate.
    match: row.payment_id === null ? 'unmatched' : Number(row.credited_before) >= Number(row.net_paid) ? 'duplicate' : 'applied',
    paymentId: row.payment_id,
  }));
}

export async function bankReconciliation(db: Database): Promise<BankReconciliationValue> {
  return db.transaction(async (sql) => {
    // One snapshot: the credits, the payments and the statements agree with each other.
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const credits = await creditMatches(sql);
    const payments = await sql.query<{ id: string; reference: string; hospital_code: string; created_at: Date; net_paid: number }>(
      'SELECT p.id, p.reference, h.code AS hospital_code, p.created_at, p.net_paid FROM payments p JOIN hospitals h ON h.id = p.hospital_id ORDER BY p.created_at, p.id',
    );
    const statements = await sql.query<StatementRow & { username: string }>(
      'SELECT s.*, o.username FROM bank_statements s JOIN operators o ON o.id = s.imported_by ORDER BY s.imported_at, s.id',
    );
    const applied = new Map<string, { amount: number; count: number }>();
    for (const credit of credits) {
      if (credit.match !== 'applied' || credit.paymentId === null) continue;
      const sum = applied.get(credit.paymentId) ?? { amount: 0, count: 0 };
      applied.set(credit.paymentId, { amount: sum.amount + credit.amount, count: sum.count + 1 });
    }
    const paymentCredits: PaymentCreditValue[] = payments.map((payment) => {
      const netPaid = Number(payment.net_paid);
      const sum = applied.get(payment.id) ?? { amount: 0, count: 0 };
      const status: PaymentCreditValue['status'] =
        netPaid === 0 && sum.count === 0
          ? 'nothing-due'
          : sum.count === 0
            ? 'not-credited'
            : sum.amount < netPaid
              ? 'short-paid'
              : sum.amount > netPaid
                ? 'over-paid'
                : 'credited';
      return {
        paymentId: payment.id,
        reference: payment.reference,
        hospitalCode: payment.hospital_code,
        createdAt: new Date(payment.created_at).toISOString(),
        netPaid,
        credited: sum.amount,
        credits: sum.count,
        status,
        difference: sum.amount - netPaid,
      };
    });
    const unmatchedCredits = credits.filter((credit) => credit.match === 'unmatched');
    const duplicateCredits = credits.filter((credit) => credit.match === 'duplicate');
    const total = (list: readonly { amount: number }[]) => list.reduce((sum, item) => sum + item.amount, 0);
    return {
      statements: statements.map((s) => ({
        statementId: s.id,
        fileName: s.file_name,
        sha256: s.sha256,
        lines: s.lines,
        creditsAdded: s.credits_added,
        alreadyImported: s.already_imported,
        importedBy: s.username,
        importedAt: new Date(s.imported_at).toISOString(),
      })),
      payments: paymentCredits,
      shortPaid: paymentCredits.filter((p) => p.status === 'short-paid'),
      overPaid: paymentCredits.filter((p) => p.status === 'over-paid'),
      notCredited: paymentCredits.filter((p) => p.status === 'not-credited'),
      unmatchedCredits,
      duplicateCredits,
      totals: {
        netPaid: paymentCredits.reduce((sum, p) => sum + p.netPaid, 0),
        credited: paymentCredits.reduce((sum, p) => sum + p.credited, 0),
        unmatched: total(unmatchedCredits),
        duplicate: total(duplicateCredits),
      },
      isReconciled:
        unmatchedCredits.length === 0 && duplicateCredits.length === 0 && paymentCredits.every((p) => p.status === 'credited' || p.status === 'nothing-due'),
      computedAt: new Date().toISOString(),
    };
  });
}
