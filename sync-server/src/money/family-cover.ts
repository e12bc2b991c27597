import type { Sql } from '../db/database';

/**
 * Arbitration on a family's cover for one policy year. Each function is ONE conditional UPDATE on
 * the family's account row of that year (`family_years`, migration 023): the row lock it takes
 * serializes every money decision for that family and year across all server processes, the SET expressions read the row as it is at that instant (never a value the
 * application read earlier), and the committed_within_cover CHECK constraint is the last line of
 * defence. No read-modify-write across round trips.
 */
export interface Grant {
  readonly granted: number;
  readonly committed: number;
  readonly cover: number;
}

/**
 * Reserve up to `requested` on the family's cover: LEAST(requested, cover - committed).
 * With `allowPartial` false the statement changes nothing unless the whole amount fits, and
 * returns null. add_booking_decision (migration 004-hot-path.ts) runs this same statement, with
 * allowPartial, inside the database.
 */
export async function reserveCover(sql: Sql, familyId: string, policyYear: number, requested: number, allowPartial: boolean): Promise<Grant | null> {
  const rows = await sql.query<{ granted: number; committed: number; cover: number }>(
    `UPDATE family_years
        SET last_change = LEAST($3::bigint, cover - committed),
            committed = committed + LEAST($3::bigint, cover - committed),
            updated_at = now()
      WHERE family_id = $1 AND policy_year = $2 AND ($4::boolean OR cover - committed >= $3::bigint)
      RETURNING last_change AS granted, committed, cover`,
    [familyId, policyYear, requested, allowPartial],
  );
  return rows[0] ?? null;
}

/**
 * Open the family's account for a policy year if it is not open yet, with the family's yearly
 * cover: the year's roll-over opens every family's (commands/policy-year.ts); this covers a
 * family's first decision of a year before the roll-over reached it. Two openers race harmlessly.
 */
export async function openAccount(sql: Sql, familyId: string, policyYear: number): Promise<void> {
  await sql.query('INSERT INTO family_years (family_id, policy_year, cover) SELECT id, $2, cover FROM families WHERE id = $1 ON CONFLICT DO NOTHING', [
    familyId,
    policyYear,
  ]);
}

/** Give `amount` back to the family's cover (hold released or reduced, claim partly denied). */
export async function releaseCover(sql: Sql, familyId: string, policyYear: number, amount: number): Promise<{ committed: number; cover: number }> {
  const rows = await sql.query<{ committed: number; cover: number }>(
    `UPDATE family_years SET last_change = -$3::bigint, committed = committed - $3::bigint, updated_at = now()
      WHERE family_id = $1 AND policy_year = $2 RETURNING committed, cover`,
    [familyId, policyYear, amount],
  );
  const row = rows[0];
  if (!row) throw new Error(`family ${familyId} has no account for ${policyYear} while releasing cover`);
  return row;
}

export type LedgerComponent = 'hold' | 'claim';

export async function appendLedger(
  sql: Sql,
  entry: { familyId: string; policyYear: number; caseId: string; component: LedgerComponent; delta: number; reason: string; commandId: string },
): Promise<void> {
  if (entry.delta === 0) return;
  await sql.defer('INSERT INTO ledger (family_id, policy_year, case_id, component, delta, reason, command_id) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    entry.familyId,
    entry.policyYear,
    entry.caseId,
    entry.component,
    entry.delta,
    entry.reason,
    entry.commandId,
  ]);
}
