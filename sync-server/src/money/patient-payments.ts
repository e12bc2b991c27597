import type { Sql } from '../db/database';
import type { PatientAccountTotalsValue } from '@contract/settlement';

/**
 * Arbitration on a case's patient account (migration 036). Each decision is ONE conditional
 * UPDATE of the case's `patient_accounts` row: the row lock serializes every payment and refund of
 * the case across server processes, the WHERE clause reads the row as it is under that lock (never
 * a balance the application read earlier), and the CHECK constraints are the last line.
 */
interface AccountRow {
  charged: number;
  paid: number;
  refunded: number;
  secondary: number;
}

/** owed and credit from the row: what the patient still owes, and what may be given back now. */
export function accountTotals(row: AccountRow | null): PatientAccountTotalsValue {
  const { charged, paid, refunded, secondary } = row ?? { charged: 0, paid: 0, refunded: 0, secondary: 0 };
  const settled = paid - refunded + secondary;
  return {
    charged,
    paid,
    refunded,
    secondary,
    owed: Math.max(0, charged - settled),
    // Only money the patient paid goes back to the patient; a secondary payer's part does not.
    credit: Math.max(0, Math.min(paid - refunded, settled - charged)),
  };
}

export async function readAccount(sql: Pick<Sql, 'query'>, caseId: string): Promise<PatientAccountTotalsValue> {
  const [row] = await sql.query<AccountRow>('SELECT charged, paid, refunded, secondary FROM patient_accounts WHERE case_id = $1', [caseId]);
  return accountTotals(row ?? null);
}

/**
 * Take `amount` against what the case still owes: never more (the WHERE clause). A secondary
 * payer's part moves `secondary`, the patient's own money `paid`. Null: the amount is more than owed.
 */
export async function settleOwed(sql: Sql, caseId: string, amount: number, isSecondary: boolean): Promise<PatientAccountTotalsValue | null> {
  const [row] = await sql.query<AccountRow>(
    `UPDATE patient_accounts
        SET paid = paid + CASE WHEN $3::boolean THEN 0 ELSE $2::bigint END,
            secondary = secondary + CASE WHEN $3::boolean THEN $2::bigint ELSE 0 END,
            updated_at = now()
      WHERE case_id = $1 AND charged - (paid - refunded) - secondary >= $2::bigint
      RETURNING charged, paid, refunded, secondary`,
    [caseId, amount, isSecondary],
  );
  return row ? accountTotals(row) : null;
}

/** Give back `amount` out of the credit and out of what the patient paid. Null: more than the credit. */
export async function refundCredit(sql: Sql, caseId: string, amount: number): Promise<PatientAccountTotalsValue | null> {
  const [row] = await sql.query<AccountRow>(
    `UPDATE patient_accounts SET refunded = refunded + $2::bigint, updated_at = now()
      WHERE case_id = $1 AND (paid - refunded + secondary) - charged >= $2::bigint AND paid - refunded >= $2::bigint
      RETURNING charged, paid, refunded, secondary`,
    [caseId, amount],
  );
  return row ? accountTotals(row) : null;
}

/** The hospital's next receipt number, without gaps: the counter moves in the payment's own transaction. */
export async function nextReceiptNumber(sql: Sql, hospitalId: string, hospitalCode: string): Promise<string> {
  const [row] = await sql.query<{ last_number: number }>(
    `INSERT INTO receipt_counters (hospital_id, last_number) VALUES ($1, 1)
     ON CONFLICT (hospital_id) DO UPDATE SET last_number = receipt_counters.last_number + 1 RETURNING last_number`,
    [hospitalId],
  );
  if (!row) throw new Error(`no receipt number for hospital ${hospitalId}`);
  return `${hospitalCode}-R${String(row.last_number).padStart(6, '0')}`;
}
