import type { PatientAccountTotalsValue } from '@contract/settlement';
import type { Sql } from '../db/database';
import { accountTotals } from './patient-payments';

/**
 * A secondary payer's decision on a coordination-of-benefits claim (migration 040), as ONE
 * conditional statement: the decision row is inserted only if the claim has none yet (its primary
 * key; a second decision, even at the same instant on another server process, waits for the
 * first and then inserts nothing), and only then does the case's account take back the rejected
 * amount (`secondary` falls by it, so the patient owes it again). No decision, no account change;
 * the CHECKs of 040 (accepted + rejected = amount, the decision agrees with its amounts) and of
 * 036 (`secondary >= 0`) are the last line. The payer decides the claim as it stands: its amount
 * less what reversals withdrew (migration 043); the caller holds the account row's lock
 * (`lockAccountOfClaim`), so no withdrawal can land between this statement's read and its write.
 */
export interface SecondaryDecision {
  readonly claimId: string;
  readonly decision: 'accepted' | 'partial' | 'rejected';
  readonly acceptedAmount: number;
  readonly reasonCode: string | null;
  readonly payerReference: string;
  readonly operatorId: string;
  readonly commandId: string;
}

export async function decideSecondaryClaim(
  sql: Sql,
  decision: SecondaryDecision,
): Promise<{ account: PatientAccountTotalsValue; rejectedAmount: number } | null> {
  const [row] = await sql.query<{ charged: number; paid: number; refunded: number; secondary: number; rejected_amount: number }>(
    `WITH standing AS (
       SELECT t.claim_id AS id, t.case_id, t.open_amount AS amount FROM secondary_claim_standing t WHERE t.claim_id = $1
     ), decided AS (
       INSERT INTO secondary_claim_decisions (claim_id, case_id, decision, claim_amount, accepted_amount, rejected_amount, reason_code, payer_reference, decided_by, command_id)
       SELECT s.id, s.case_id, $2, s.amount, $3::bigint, s.amount - $3::bigint, $4, $5, $6, $7 FROM standing s WHERE s.amount > 0 AND $3::bigint <= s.amount
       ON CONFLICT (claim_id) DO NOTHING
       RETURNING case_id, rejected_amount
     )
     UPDATE patient_accounts a SET secondary = a.secondary - d.rejected_amount, updated_at = now()
       FROM decided d
      WHERE a.case_id = d.case_id
      RETURNING a.charged, a.paid, a.refunded, a.secondary, d.rejected_amount`,
    [decision.claimId, decision.decision, decision.acceptedAmount, decision.reasonCode, decision.payerReference, decision.operatorId, decision.commandId],
  );
  return row ? { account: accountTotals(row), rejectedAmount: row.rejected_amount } : null;
}

/**
 * Lock the account row of a secondary claim's case, the row every payment, decision and reversal
 * of the case moves (migrations 036, 043): taken before the claim is read, so a reversal running
 * now commits its withdrawal first and the decision then reads the claim as it stands.
 */
export async function lockAccountOfClaim(sql: Sql, claimId: string): Promise<void> {
  await sql.query('SELECT 1 FROM patient_accounts a JOIN secondary_claims s ON s.case_id = a.case_id WHERE s.id = $1 FOR UPDATE OF a', [claimId]);
}
