import { formatAmount } from '@domain/money';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Database, Sql } from '../db/database';
import { requireFamilyInReach } from '../identity/reach';
import { accumulatorEnquiry } from '../money/accumulator-enquiry';

/** Reads that must be one consistent picture run in a REPEATABLE READ snapshot. */
async function snapshot<T>(db: Database, work: (sql: Sql) => Promise<T>): Promise<T> {
  return db.transaction(async (sql) => {
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return work(sql);
  });
}

/**
 * The family balance enquiry for one policy year (the open one unless asked): cover, committed,
 * available, holds by case, claims still counted in committed, patient shares per member, and when
 * it was computed. Other hospitals' cases appear only as hospital code and amounts: a desk sees the
 * family's exposure, not other hospitals' files. A year the family has no account for yet shows
 * its whole yearly cover.
 */
async function familyMemberIds(sql: Pick<Sql, 'query'>, familyId: string): Promise<string[]> {
  return (await sql.query<{ id: string }>('SELECT id FROM members WHERE family_id = $1 ORDER BY scheme_member_id', [familyId])).map((m) => m.id);
}

export async function familyBalanceEnquiry(db: Database, principal: Principal, familyId: string, policyYear?: number): Promise<Record<string, unknown>> {
  return snapshot(db, async (sql) => {
    const [family] = await sql.query<{ id: string; family_number: string; policy_year: number; cover: number; committed: number; computed_at: Date }>(
      `SELECT f.id, f.family_number, y.policy_year, COALESCE(a.cover, f.cover) AS cover, COALESCE(a.committed, 0) AS committed, clock_timestamp() AS computed_at
         FROM families f CROSS JOIN (SELECT COALESCE($2::integer, (SELECT policy_year FROM schemes WHERE is_current)) AS policy_year) y
         LEFT JOIN family_years a ON a.family_id = f.id AND a.policy_year = y.policy_year
        WHERE f.id = $1`,
      [familyId, policyYear ?? null],
    );
    if (!family) throw fail('not-found', `There is no family ${familyId}.`);
    // A desk role reads only families its hospital serves (issue 13 item 8, identity/reach.ts).
    await requireFamilyInReach(sql, principal.hospitalId, familyId, `family ${familyId}`);
    const holds = await sql.query<{
      case_id: string;
      member_id: string;
      hospital_id: string;
      hospital_code: string;
      amount: number;
      consumed: number;
      authorized: number;
      preauth_status: string | null;
    }>(
      `SELECT h.case_id, c.member_id, c.hospital_id, hs.code AS hospital_code, h.amount, h.consumed, h.authorized, p.status AS preauth_status
         FROM holds h JOIN cases c ON c.id = h.case_id JOIN hospitals hs ON hs.id = c.hospital_id
         LEFT JOIN preauths p ON p.case_id = h.case_id
        WHERE h.family_id = $1 AND h.policy_year = $2 AND h.status = 'active' ORDER BY h.created_at`,
      [familyId, family.policy_year],
    );
    const claims = await sql.query<{ id: string; case_id: string; hospital_id: string; status: string; payer_amount: number; approved_amount: number | null }>(
      `SELECT id, case_id, hospital_id, status, payer_amount, approved_amount FROM claims
        WHERE family_id = $1 AND policy_year = $2 AND status IN ('submitted', 'processed', 'approved', 'paid') ORDER BY submitted_at`,
      [familyId, family.policy_year],
    );
    const shares = await sql.query<{ member_id: string; kind: string; total: number }>(
      // The patients' accounts (patient_charges, migration 034): one total per member and kind.
      `SELECT member_id, kind, sum(amount)::bigint AS total FROM patient_charges
        WHERE family_id = $1 AND policy_year = $2 GROUP BY member_id, kind ORDER BY member_id, kind`,
      [familyId, family.policy_year],
    );
    const isOwn = (hospitalId: string) => principal.hospitalId === null || principal.hospitalId === hospitalId;
    return {
      familyId: family.id,
      familyNumber: family.family_number,
      policyYear: family.policy_year,
      cover: family.cover,
      committed: family.committed,
      available: family.cover - family.committed,
      // Other hospitals' holds and claims: the amounts (the family's exposure), not whose case it is.
      holds: holds.map((h) => ({
        caseId: isOwn(h.hospital_id) ? h.case_id : null,
        memberId: isOwn(h.hospital_id) ? h.member_id : null,
        hospitalCode: h.hospital_code,
        isOwnHospital: isOwn(h.hospital_id),
        amount: h.amount,
        consumed: h.consumed,
        authorized: h.authorized,
        preauthStatus: h.preauth_status,
      })),
      claims: claims.map((c) => ({
        claimId: isOwn(c.hospital_id) ? c.id : null,
        caseId: isOwn(c.hospital_id) ? c.case_id : null,
        status: c.status,
        isOwnHospital: isOwn(c.hospital_id),
        // What the claim contributes to committed right now.
        committedAmount: c.approved_amount ?? c.payer_amount,
      })),
      patientShares: shares.map((s) => ({ memberId: s.member_id, kind: s.kind, amount: s.total })),
      accumulators: await accumulatorEnquiry(sql, family.id, await familyMemberIds(sql, family.id), family.policy_year),
      computedAt: new Date(family.computed_at).toISOString(),
    };
  });
}

export async function caseDetails(db: Database, principal: Principal, caseId: string): Promise<Record<string, unknown>> {
  return snapshot(db, async (sql) => {
    const [row] = await sql.query<{
      id: string;
      member_id: string;
      family_id: string;
      hospital_id: string;
      status: string;
      identity_method: string;
      is_emergency: boolean;
      admitted_at: Date;
      discharged_at: Date | null;
      cancelled_at: Date | null;
    }>(
      'SELECT id, member_id, family_id, hospital_id, status, identity_method, is_emergency, admitted_at, discharged_at, cancelled_at FROM cases WHERE id = $1',
      [caseId],
    );
    if (!row || (principal.hospitalId !== null && principal.hospitalId !== row.hospital_id))
      throw fail('not-found', `There is no case ${caseId} at your hospital.`);
    const [preauth] = await sql.query(
      'SELECT package_code, package_version, package_price, requested_amount, recommended_amount, approved_amount, status, query_reason, query_response, decision_reason, requested_at, decided_at FROM preauths WHERE case_id = $1',
      [caseId],
    );
    const [hold] = await sql.query('SELECT id, amount, consumed, authorized, package_code, package_version, status FROM holds WHERE case_id = $1', [caseId]);
    const bookings = await sql.query(
      'SELECT id, item_code, description, quantity, unit_price, amount, covered_amount, shortfall_amount, package_code, package_version, status, closed_at, created_at FROM bookings WHERE case_id = $1 ORDER BY seq',
      [caseId],
    );
    const enhancements = await sql.query(
      'SELECT id, requested_amount, approved_amount, granted_amount, status, reason, decision_reason, requested_at, decided_at FROM enhancements WHERE case_id = $1 ORDER BY requested_at',
      [caseId],
    );
    const [claim] = await sql.query(
      'SELECT id, amount, payer_amount, patient_amount, approved_amount, status, payment_id, submitted_at FROM claims WHERE case_id = $1',
      [caseId],
    );
    const claimLines = claim
      ? await sql.query(
          'SELECT booking_id, payer_amount, patient_amount, cex_decision, cex_amount, cex_reason_code, cpd_decision, approved_amount, reason_code FROM claim_lines WHERE claim_id = $1 ORDER BY booking_id',
          [String((claim as { id: string }).id)],
        )
      : [];
    return { case: row, preauth: preauth ?? null, hold: hold ?? null, bookings, enhancements, claim: claim ? { ...claim, lines: claimLines } : null };
  });
}

export async function packageCatalogue(db: Database): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT DISTINCT ON (p.code) p.code, p.name, p.specialty, p.is_unspecified AS "isUnspecified", pp.version, pp.price
       FROM packages p JOIN package_prices pp ON pp.package_code = p.code ORDER BY p.code, pp.version DESC`,
  );
}

/** One thing that does not add up, in words a person can act on. */
export interface ReconciliationProblem {
  readonly kind:
    'paid-plus-deductions' | 'split' | 'ledger-vs-payment' | 'ledger-split' | 'ledger-vs-claims' | 'claim-without-ledger' | 'ledger-without-paid-claim';
  readonly message: string;
}

/**
 * Payment reconciliation. For every payment: net paid + deductions must equal the amount approved
 * on its claims; government + insurer must equal the amount; its payment-ledger entries must add up
 * to the amount and to the split; each entry must carry its claim's approved amount. Every paid
 * claim must have an entry and every entry a paid claim. The command makes all of this true by
 * construction; this report checks it on the stored rows and lists anything that does not hold (a
 * row changed behind the application's back, a half-applied manual fix). The sums over each
 * payment's claims and entries, and the claims and entries without their counterpart, are kept by
 * the statements that write those rows (migration 049): the report reads one row per payment and
 * the problems, not every paid claim of all time.
 */
export async function paymentReconciliation(db: Database): Promise<Record<string, unknown>> {
  return snapshot(db, async (sql) => {
    const rows = await sql.query<{
      id: string;
      reference: string;
      hospital_code: string;
      hospital_name: string;
      created_at: Date;
      amount: number;
      government_amount: number;
      insurer_amount: number;
      deductions: number;
      net_paid: number;
      approved: number;
      claims: number;
      ledger_approved: number;
      ledger_government: number;
      ledger_insurer: number;
      ledger_entries: number;
      ledger_claim_mismatches: number;
    }>(
      `SELECT p.id, p.reference, h.code AS hospital_code, h.name AS hospital_name, p.created_at, p.amount, p.government_amount, p.insurer_amount, p.deductions, p.net_paid,
              COALESCE(r.approved, 0)::bigint AS approved, COALESCE(r.claims, 0)::int AS claims,
              COALESCE(r.ledger_approved, 0)::bigint AS ledger_approved, COALESCE(r.ledger_government, 0)::bigint AS ledger_government,
              COALESCE(r.ledger_insurer, 0)::bigint AS ledger_insurer, COALESCE(r.ledger_entries, 0)::int AS ledger_entries,
              COALESCE(r.ledger_claim_mismatches, 0)::int AS ledger_claim_mismatches
         FROM payments p JOIN hospitals h ON h.id = p.hospital_id LEFT JOIN payment_reconciliation r ON r.payment_id = p.id
        ORDER BY p.created_at, p.id`,
    );
    const orphans = await sql.query<{ claim_id: string; payment_id: string | null; kind: 'claim-without-ledger' | 'ledger-without-paid-claim' }>(
      'SELECT claim_id, payment_id, kind FROM reconciliation_orphans ORDER BY claim_id',
    );
    const [scheme] = await sql.query<{ currency: string; locale: string; minor_per_unit: number }>(
      'SELECT currency, locale, minor_per_unit FROM schemes WHERE is_current',
    );
    // Sentences for people: amounts in the scheme's currency ("₹3,899.00"), not raw minor units.
    const m = (minor: number) => (scheme ? formatAmount(minor, scheme.currency, scheme.locale, scheme.minor_per_unit) : String(minor));
    const payments = rows.map((r) => {
      const problems: ReconciliationProblem[] = [];
      if (r.net_paid + r.deductions !== r.approved)
        problems.push({
          kind: 'paid-plus-deductions',
          message: `Paid ${m(r.net_paid)} + deductions ${m(r.deductions)} = ${m(r.net_paid + r.deductions)}, but the claims approved ${m(r.approved)}.`,
        });
      if (r.government_amount + r.insurer_amount !== r.amount)
        problems.push({
          kind: 'split',
          message: `Government ${m(r.government_amount)} + insurer ${m(r.insurer_amount)} does not equal the payment amount ${m(r.amount)}.`,
        });
      if (r.ledger_approved !== r.amount)
        problems.push({
          kind: 'ledger-vs-payment',
          message: `The payment ledger holds ${m(r.ledger_approved)} in ${r.ledger_entries} entries, but the payment amount is ${m(r.amount)}.`,
        });
      if (r.ledger_government !== r.government_amount || r.ledger_insurer !== r.insurer_amount)
        problems.push({
          kind: 'ledger-split',
          message: `The ledger splits ${m(r.ledger_government)} government / ${m(r.ledger_insurer)} insurer, but the payment splits ${m(r.government_amount)} / ${m(r.insurer_amount)}.`,
        });
      if (r.ledger_claim_mismatches > 0)
        problems.push({
          kind: 'ledger-vs-claims',
          message: `${r.ledger_claim_mismatches} ledger entr${r.ledger_claim_mismatches === 1 ? 'y does' : 'ies do'} not match the claim's approved amount or payment.`,
        });
      return {
        paymentId: r.id,
        reference: r.reference,
        hospitalCode: r.hospital_code,
        hospitalName: r.hospital_name,
        createdAt: new Date(r.created_at).toISOString(),
        claims: r.claims,
        approved: r.approved,
        amount: r.amount,
        governmentAmount: r.government_amount,
        insurerAmount: r.insurer_amount,
        deductions: r.deductions,
        netPaid: r.net_paid,
        ledgerEntries: r.ledger_entries,
        ledgerAmount: r.ledger_approved,
        isBalanced: problems.length === 0,
        problems,
      };
    });
    const unmatchedClaims = orphans.map((o) => ({
      claimId: o.claim_id,
      paymentId: o.payment_id,
      kind: o.kind,
      message:
        o.kind === 'claim-without-ledger'
          ? 'The claim is marked paid but has no payment-ledger entry.'
          : 'A payment-ledger entry points at a claim that is not paid by that payment.',
    }));
    const totals = payments.reduce(
      (sum, p) => ({
        approved: sum.approved + p.approved,
        netPaid: sum.netPaid + p.netPaid,
        deductions: sum.deductions + p.deductions,
        governmentAmount: sum.governmentAmount + p.governmentAmount,
        insurerAmount: sum.insurerAmount + p.insurerAmount,
      }),
      { approved: 0, netPaid: 0, deductions: 0, governmentAmount: 0, insurerAmount: 0 },
    );
    return {
      payments,
      unbalanced: payments.filter((p) => !p.isBalanced),
      unmatchedClaims,
      totals,
      isBalanced: unmatchedClaims.length === 0 && payments.every((p) => p.isBalanced),
      computedAt: new Date().toISOString(),
    };
  });
}

/**
 * Biometric enrolments and replacement requests for review (issue 13 item 5), newest first, at
 * most 1,000 of each (a member's own history with `memberId`). The sealed columns are never read.
 */
export async function biometricEnrolmentReview(db: Database, memberId: string | null): Promise<Record<string, unknown>> {
  return snapshot(db, async (sql) => {
    const enrolments = await sql.query(
      `SELECT b.id AS "enrolmentId", b.member_id AS "memberId", m.scheme_member_id AS "schemeMemberId", b.modality, o.username AS "enrolledBy",
              b.enrolled_at AS "enrolledAt", h.code AS "hospitalCode", b.case_id AS "caseId", b.second_factor AS "secondFactor",
              b.otp_challenge_id AS "otpChallengeId", b.replacement_request_id AS "replacementRequestId", b.revoked_at AS "revokedAt",
              r.username AS "revokedBy", b.replaced_by AS "replacedBy"
         FROM biometric_enrolments b JOIN members m ON m.id = b.member_id JOIN operators o ON o.id = b.enrolled_by
         LEFT JOIN hospitals h ON h.id = b.hospital_id LEFT JOIN operators r ON r.id = b.revoked_by
        WHERE $1::uuid IS NULL OR b.member_id = $1::uuid
        ORDER BY b.enrolled_at DESC, b.id LIMIT 1000`,
      [memberId],
    );
    const replacements = await sql.query<{ status: string }>(
      `SELECT q.id AS "requestId", q.member_id AS "memberId", m.scheme_member_id AS "schemeMemberId", q.modality, q.replaces_id AS "replacesId",
              h.code AS "hospitalCode", q.case_id AS "caseId", q.reason, o.username AS "requestedBy", q.requested_at AS "requestedAt", q.status,
              v.username AS "reviewedBy", q.reviewed_at AS "reviewedAt", q.review_note AS "reviewNote", q.enrolment_id AS "enrolmentId"
         FROM biometric_replacement_requests q JOIN members m ON m.id = q.member_id JOIN hospitals h ON h.id = q.hospital_id
         JOIN operators o ON o.id = q.requested_by LEFT JOIN operators v ON v.id = q.reviewed_by
        WHERE $1::uuid IS NULL OR q.member_id = $1::uuid
        ORDER BY (q.status <> 'pending'), q.requested_at DESC, q.id LIMIT 1000`,
      [memberId],
    );
    const [pending] = await sql.query<{ count: number }>("SELECT count(*)::int AS count FROM biometric_replacement_requests WHERE status = 'pending'");
    const [now] = await sql.query<{ now: Date }>('SELECT now() AS now');
    return { enrolments, replacements, pendingReplacements: pending?.count ?? 0, computedAt: now?.now ?? new Date() };
  });
}
