import type { SecondaryClaimBalanceValue } from '@contract/settlement';
import type { Sql } from '../db/database';

/**
 * Money between the scheme's office and a secondary payer (issue 14, migration 051), as ONE
 * conditional statement: a remittance row is inserted only if its amount is at most what the
 * payer still owes on the decided claim, a refund only if it is at most what the payer overpaid.
 * The caller holds the account row's lock (`lockAccountOfClaim`, the row every reversal of the
 * case moves first), so neither a reversal nor another movement can land between this
 * statement's read and its write; 051's trigger is the last line behind it.
 */
export interface SecondaryMoneyMovement {
  readonly claimId: string;
  readonly movement: 'remittance' | 'refund';
  readonly amount: number;
  readonly reference: string;
  readonly valueDate: string;
  readonly operatorId: string;
  readonly commandId: string;
}

/** A row of migration 051's `secondary_claim_balance`, as selected by the reads and the command. */
export interface SecondaryBalanceRow {
  owed_total: number;
  remitted: number;
  refunded: number;
  payer_owes: number;
  refund_owed: number;
}

export const balanceOf = (row: SecondaryBalanceRow): SecondaryClaimBalanceValue => ({
  owedTotal: row.owed_total,
  remitted: row.remitted,
  refunded: row.refunded,
  payerOwes: row.payer_owes,
  refundOwed: row.refund_owed,
});

/** True if the movement was recorded; false if the claim's balance did not allow it (nothing written). */
export async function recordSecondaryMovement(sql: Sql, m: SecondaryMoneyMovement): Promise<boolean> {
  const inserted = await sql.query(
    `INSERT INTO secondary_claim_remittances (claim_id, case_id, kind, amount, reference, value_date, recorded_by, command_id)
     SELECT b.claim_id, b.case_id, $2, $3::bigint, $4, $5::date, $6, $7
       FROM secondary_claim_balance b
      WHERE b.claim_id = $1 AND b.is_decided
        AND (($2 = 'remittance' AND $3::bigint <= b.payer_owes) OR ($2 = 'refund' AND $3::bigint <= b.refund_owed))
     RETURNING id`,
    [m.claimId, m.movement, m.amount, m.reference, m.valueDate, m.operatorId, m.commandId],
  );
  return inserted.length === 1;
}

export async function readSecondaryBalance(sql: Sql, claimId: string): Promise<SecondaryClaimBalanceValue | null> {
  const [row] = await sql.query<SecondaryBalanceRow>(
    'SELECT owed_total, remitted, refunded, payer_owes, refund_owed FROM secondary_claim_balance WHERE claim_id = $1',
    [claimId],
  );
  return row ? balanceOf(row) : null;
}
