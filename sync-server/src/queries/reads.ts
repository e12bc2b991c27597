import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Database, Sql } from '../db/database';

/** Reads that must be one consistent picture run in a REPEATABLE READ snapshot. */
async function snapshot<T>(db: Database, work: (sql: Sql) => Promise<T>): Promise<T> {
  return db.transaction(async (sql) => {
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return work(sql);
  });
}

/**
 * The family balance enquiry: cover, committed, available, holds by case, claims still counted in
 * committed, patient shares per member, and when it was computed. Other hospitals' cases appear
 * only as hospital code and amounts: a desk sees the family's exposure, not other hospitals' files.
 */
export async function familyBalanceEnquiry(db: Database, principal: Principal, familyId: string): Promise<Record<string, unknown>> {
  return snapshot(db, async (sql) => {
    const [family] = await sql.query<{ id: string; family_number: string; cover: number; committed: number; computed_at: Date }>(
      'SELECT id, family_number, cover, committed, clock_timestamp() AS computed_at FROM families WHERE id = $1',
      [familyId],
    );
    if (!family) throw fail('not-found', `There is no family ${familyId}.`);
    const holds = await sql.query<{ case_id: string; member_id: string; hospital_id: string; hospital_code: string; amount: number; consumed: number; authorized: number; preauth_status: string | null }>(
      `SELECT h.case_id, c.member_id, c.hospital_id, hs.code AS hospital_code, h.amount, h.consumed, h.authorized, p.status AS preauth_status
         FROM holds h JOIN cases c ON c.id = h.case_id JOIN hospitals hs ON hs.id = c.hospital_id
         LEFT JOIN preauths p ON p.case_id = h.case_id
        WHERE h.family_id = $1 AND h.status = 'active' ORDER BY h.created_at`,
      [familyId],
    );
    const claims = await sql.query<{ id: string; case_id: string; hospital_id: string; status: string; payer_amount: number; approved_amount: number | null }>(
      `SELECT id, case_id, hospital_id, status, payer_amount, approved_amount FROM claims
        WHERE family_id = $1 AND status IN ('submitted', 'processed', 'approved', 'paid') ORDER BY submitted_at`,
      [familyId],
    );
    const shares = await sql.query<{ member_id: string; kind: string; total: number }>(
      'SELECT member_id, kind, sum(amount)::bigint AS total FROM patient_shares WHERE family_id = $1 GROUP BY member_id, kind ORDER BY member_id, kind',
      [familyId],
    );
    const isOwn = (hospitalId: string) => principal.hospitalId === null || principal.hospitalId === hospitalId;
    return {
      familyId: family.id,
      familyNumber: family.family_number,
      cover: family.cover,
      committed: family.committed,
      available: family.cover - family.committed,
      holds: holds.map((h) => ({
        caseId: h.case_id, memberId: h.member_id, hospitalCode: h.hospital_code, isOwnHospital: isOwn(h.hospital_id),
        amount: h.amount, consumed: h.consumed, authorized: h.authorized, preauthStatus: h.preauth_status,
      })),
      claims: claims.map((c) => ({
        claimId: c.id, caseId: c.case_id, status: c.status, isOwnHospital: isOwn(c.hospital_id),
        // What the claim contributes to committed right now.
        committedAmount: c.approved_amount ?? c.payer_amount,
      })),
      patientShares: shares.map((s) => ({ memberId: s.member_id, kind: s.kind, amount: s.total })),
      computedAt: new Date(family.computed_at).toISOString(),
    };
  });
}

export async function caseDetails(db: Database, principal: Principal, caseId: string): Promise<Record<string, unknown>> {
  return snapshot(db, async (sql) => {
    const [row] = await sql.query<{ id: string; member_id: string; family_id: string; hospital_id: string; status: string; identity_method: string; is_emergency: boolean; admitted_at: Date; discharged_at: Date | null; cancelled_at: Date | null }>(
      'SELECT id, member_id, family_id, hospital_id, status, identity_method, is_emergency, admitted_at, discharged_at, cancelled_at FROM cases WHERE id = $1',
      [caseId],
    );
    if (!row || (principal.hospitalId !== null && principal.hospitalId !== row.hospital_id)) throw fail('not-found', `There is no case ${caseId} at your hospital.`);
    const [preauth] = await sql.query('SELECT package_code, package_version, package_price, requested_amount, recommended_amount, approved_amount, status, query_reason, query_response, decision_reason, requested_at, decided_at FROM preauths WHERE case_id = $1', [caseId]);
    const [hold] = await sql.query('SELECT id, amount, consumed, authorized, package_code, package_version, status FROM holds WHERE case_id = $1', [caseId]);
    const bookings = await sql.query('SELECT id, item_code, description, quantity, unit_price, amount, covered_amount, shortfall_amount, package_code, package_version, status, closed_at, created_at FROM bookings WHERE case_id = $1 ORDER BY seq', [caseId]);
    const enhancements = await sql.query('SELECT id, requested_amount, approved_amount, granted_amount, status, reason, decision_reason, requested_at, decided_at FROM enhancements WHERE case_id = $1 ORDER BY requested_at', [caseId]);
    const [claim] = await sql.query('SELECT id, amount, payer_amount, patient_amount, approved_amount, status, payment_id, submitted_at FROM claims WHERE case_id = $1', [caseId]);
    const claimLines = claim ? await sql.query('SELECT booking_id, payer_amount, patient_amount, cex_decision, cex_amount, cex_reason_code, cpd_decision, approved_amount, reason_code FROM claim_lines WHERE claim_id = $1 ORDER BY booking_id', [String((claim as { id: string }).id)]) : [];
    return { case: row, preauth: preauth ?? null, hold: hold ?? null, bookings, enhancements, claim: claim ? { ...claim, lines: claimLines } : null };
  });
}

export async function packageCatalogue(db: Database): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT DISTINCT ON (p.code) p.code, p.name, p.specialty, p.is_unspecified AS "isUnspecified", pp.version, pp.price
       FROM packages p JOIN package_prices pp ON pp.package_code = p.code ORDER BY p.code, pp.version DESC`,
  );
}

/**
 * Payment reconciliation: for every payment, paid + deductions must equal the sum approved on its
 * claims, and the government and insurer parts must add up to the amount. Anything else is listed.
 */
export async function paymentReconciliation(db: Database): Promise<Record<string, unknown>> {
  const rows = await db.query<{ id: string; reference: string; hospital_code: string; amount: number; government_amount: number; insurer_amount: number; deductions: number; approved: number; claims: number }>(
    `SELECT p.id, p.reference, h.code AS hospital_code, p.amount, p.government_amount, p.insurer_amount, p.deductions,
            COALESCE(sum(c.approved_amount), 0)::bigint AS approved, count(c.id)::int AS claims
       FROM payments p JOIN hospitals h ON h.id = p.hospital_id LEFT JOIN claims c ON c.payment_id = p.id
      GROUP BY p.id, h.code ORDER BY p.created_at`,
  );
  const payments = rows.map((r) => {
    const netPaid = r.amount - r.deductions;
    const isBalanced = netPaid + r.deductions === r.approved && r.government_amount + r.insurer_amount === r.amount;
    return { paymentId: r.id, reference: r.reference, hospitalCode: r.hospital_code, claims: r.claims, approved: r.approved, amount: r.amount, governmentAmount: r.government_amount, insurerAmount: r.insurer_amount, deductions: r.deductions, netPaid, isBalanced };
  });
  return { payments, unbalanced: payments.filter((p) => !p.isBalanced), computedAt: new Date().toISOString() };
}
