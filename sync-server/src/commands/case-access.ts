import { fail, reject, type RefusedError } from '@domain/outcomes';
import type { Sql } from '../db/database';
import type { CommandContext } from './context';

export interface CaseRow {
  id: string;
  member_id: string;
  family_id: string;
  hospital_id: string;
  status: 'admitted' | 'discharged' | 'cancelled';
  /** The policy year of the admission: the case's hold, bookings and claim draw on that year's cover. */
  policy_year: number;
}

export interface HoldRow {
  id: string;
  case_id: string;
  family_id: string;
  amount: number;
  consumed: number;
  authorized: number;
  package_code: string;
  package_version: number;
  status: 'active' | 'claimed' | 'released';
}

export interface PreauthRow {
  id: string;
  case_id: string;
  package_code: string;
  package_version: number;
  package_price: number;
  requested_amount: number;
  recommended_amount: number | null;
  approved_amount: number | null;
  status: 'pending' | 'queried' | 'committee-review' | 'admin-review' | 'approved' | 'rejected' | 'cancelled';
}

/**
 * Lock a case for the rest of the transaction, checking hospital scope. Every command that
 * changes a case locks the case row first, then its hold, then the family row: one lock order
 * everywhere, so concurrent commands queue instead of deadlocking.
 * A case of another hospital answers exactly like a case that does not exist.
 */
export async function lockCase(context: CommandContext, caseId: string): Promise<CaseRow> {
  const [row] = await context.sql.query<CaseRow>('SELECT id, member_id, family_id, hospital_id, status, policy_year FROM cases WHERE id = $1 FOR UPDATE', [
    caseId,
  ]);
  if (!row || (context.principal.hospitalId !== null && row.hospital_id !== context.principal.hospitalId)) throw caseNotFound(caseId);
  return row;
}

/** The refusal for a missing case and for another hospital's case alike (also worded here for add_booking_decision). */
export function caseNotFound(caseId: string): RefusedError {
  return fail('not-found', `There is no case ${caseId} at your hospital.`);
}

export function caseNotAdmitted(status: string): RefusedError {
  return reject('case-not-admitted', `The case is ${status}; this needs an admitted patient.`, { status });
}

export function requireAdmitted(caseRow: CaseRow): void {
  if (caseRow.status !== 'admitted') throw caseNotAdmitted(caseRow.status);
}

export async function lockHold(sql: Sql, caseId: string): Promise<HoldRow | null> {
  const [row] = await sql.query<HoldRow>('SELECT * FROM holds WHERE case_id = $1 FOR UPDATE', [caseId]);
  return row ?? null;
}

export async function lockPreauth(sql: Sql, caseId: string): Promise<PreauthRow | null> {
  const [row] = await sql.query<PreauthRow>('SELECT * FROM preauths WHERE case_id = $1 FOR UPDATE', [caseId]);
  return row ?? null;
}

/** The family's account of one policy year; a year not opened yet is the family's whole yearly cover. */
export async function familyBalance(sql: Sql, familyId: string, policyYear: number): Promise<{ cover: number; committed: number; available: number }> {
  const [row] = await sql.query<{ cover: number; committed: number }>(
    `SELECT COALESCE(y.cover, f.cover) AS cover, COALESCE(y.committed, 0) AS committed
       FROM families f LEFT JOIN family_years y ON y.family_id = f.id AND y.policy_year = $2 WHERE f.id = $1`,
    [familyId, policyYear],
  );
  if (!row) throw new Error(`family ${familyId} is missing`);
  return { cover: row.cover, committed: row.committed, available: row.cover - row.committed };
}
