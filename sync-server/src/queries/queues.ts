import type { Database } from '../db/database';
import type { AnchorStatus } from '../audit/anchors';
import { entryProblem, verifyIncrementally, type AuditRow } from '../audit/chain';
import type { Keyring } from '../auth/keyring';

/**
 * Payer work queues. Each returns what a reviewer needs to decide without another round trip:
 * the case, its package, the hold, the family balance, and how long it has waited against the
 * scheme's turnaround target.
 */
export async function preauthQueue(db: Database, statuses: readonly string[]): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT c.id AS "caseId", p.status, p.package_code AS "packageCode", pk.name AS "packageName", pk.specialty, pk.is_unspecified AS "isUnspecified",
            p.requested_amount AS "requestedAmount", p.recommended_amount AS "recommendedAmount", p.clinical_note AS "clinicalNote",
            p.query_reason AS "queryReason", p.query_response AS "queryResponse", p.requested_at AS "requestedAt",
            c.is_emergency AS "isEmergency", c.identity_method AS "identityMethod", hs.code AS "hospitalCode", hs.name AS "hospitalName",
            m.scheme_member_id AS "schemeMemberId", m.full_name AS "memberName", m.birth_year AS "birthYear",
            h.amount AS "holdAmount", f.id AS "familyId", COALESCE(fy.cover, f.cover) AS cover, COALESCE(fy.committed, 0) AS committed,
            COALESCE(fy.cover, f.cover) - COALESCE(fy.committed, 0) AS available,
            floor(extract(epoch FROM (clock_timestamp() - p.requested_at)) / 60)::int AS "waitingMinutes",
            -- An emergency case's pre-auth has its own, shorter service level (issue 19, migration 055).
            CASE WHEN c.is_emergency THEN s.emergency_preauth_turnaround_minutes ELSE s.preauth_turnaround_minutes END AS "turnaroundMinutes",
            (extract(epoch FROM (clock_timestamp() - p.requested_at)) / 60 >
              CASE WHEN c.is_emergency THEN s.emergency_preauth_turnaround_minutes ELSE s.preauth_turnaround_minutes END) AS "isOverdue"
       FROM preauths p JOIN cases c ON c.id = p.case_id JOIN members m ON m.id = c.member_id JOIN families f ON f.id = c.family_id
       LEFT JOIN family_years fy ON fy.family_id = c.family_id AND fy.policy_year = c.policy_year
       JOIN hospitals hs ON hs.id = c.hospital_id JOIN packages pk ON pk.code = p.package_code JOIN holds h ON h.case_id = c.id
       JOIN schemes s ON s.id = f.scheme_id
      WHERE p.status = ANY($1::text[])
      ORDER BY c.is_emergency DESC, p.requested_at ASC`,
    [[...statuses]],
  );
}

export async function enhancementQueue(db: Database): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT e.id AS "enhancementId", e.case_id AS "caseId", e.requested_amount AS "requestedAmount", e.reason, e.requested_at AS "requestedAt",
            c.is_emergency AS "isEmergency", hs.code AS "hospitalCode", m.full_name AS "memberName", p.package_code AS "packageCode",
            p.approved_amount AS "approvedAmount", h.amount AS "holdAmount", h.consumed, COALESCE(fy.cover, f.cover) - COALESCE(fy.committed, 0) AS available,
            floor(extract(epoch FROM (clock_timestamp() - e.requested_at)) / 60)::int AS "waitingMinutes"
       FROM enhancements e JOIN cases c ON c.id = e.case_id JOIN members m ON m.id = c.member_id JOIN hospitals hs ON hs.id = c.hospital_id
       JOIN preauths p ON p.case_id = c.id JOIN holds h ON h.case_id = c.id JOIN families f ON f.id = c.family_id
       LEFT JOIN family_years fy ON fy.family_id = c.family_id AND fy.policy_year = c.policy_year
      WHERE e.status = 'pending' ORDER BY c.is_emergency DESC, e.requested_at ASC`,
  );
}

export async function claimQueue(db: Database, status: 'submitted' | 'processed'): Promise<Record<string, unknown>[]> {
  const claims = await db.query<{ claimId: string } & Record<string, unknown>>(
    `SELECT k.id AS "claimId", k.case_id AS "caseId", k.status, k.amount, k.payer_amount AS "payerAmount", k.patient_amount AS "patientAmount",
            k.submitted_at AS "submittedAt", hs.code AS "hospitalCode", m.full_name AS "memberName", p.package_code AS "packageCode",
            p.approved_amount AS "preauthApproved"
       FROM claims k JOIN cases c ON c.id = k.case_id JOIN members m ON m.id = c.member_id JOIN hospitals hs ON hs.id = k.hospital_id
       JOIN preauths p ON p.case_id = c.id
      WHERE k.status = $1 ORDER BY k.submitted_at ASC`,
    [status],
  );
  const lines = await db.query<{ claimId: string } & Record<string, unknown>>(
    `SELECT l.claim_id AS "claimId", l.booking_id AS "bookingId", b.item_code AS "itemCode", b.description, b.quantity, b.unit_price AS "unitPrice",
            b.amount, l.payer_amount AS "payerAmount", l.patient_amount AS "patientAmount", l.cex_decision AS "cexDecision", l.cex_amount AS "cexAmount",
            l.cex_reason_code AS "cexReasonCode", b.created_at AS "bookedAt"
       FROM claim_lines l JOIN bookings b ON b.id = l.booking_id WHERE l.claim_id = ANY($1::uuid[]) ORDER BY b.seq`,
    [claims.map((c) => c.claimId)],
  );
  const documents = await claimDocuments(
    db,
    claims.map((c) => c.claimId),
  );
  return claims.map((claim) => ({
    ...claim,
    lines: lines.filter((l) => l.claimId === claim.claimId),
    documents: documents.filter((d) => d.claimId === claim.claimId),
  }));
}

/** The supporting documents declared with claims (metadata: name, kind, size, SHA-256). */
export async function claimDocuments(db: Database, claimIds: readonly string[]): Promise<({ claimId: string } & Record<string, unknown>)[]> {
  return db.query(
    `SELECT claim_id AS "claimId", position, name, kind, size_bytes AS "sizeBytes", sha256 FROM claim_documents
      WHERE claim_id = ANY($1::uuid[]) ORDER BY claim_id, position`,
    [[...claimIds]],
  );
}

/** Approved, unpaid claims by hospital with the government/insurer split each batch would get. */
export async function paymentQueue(db: Database): Promise<Record<string, unknown>[]> {
  return db.query(
    // Split as approve-payment splits: each policy year's claims by that year's share, rounded
    // down once per year (claims.ts); the share shown is the highest among the batch's years.
    `WITH years AS (
       SELECT k.hospital_id, floor(sum(k.approved_amount) * max(p.government_share_bp) / 10000)::bigint AS government, max(p.government_share_bp) AS share
         FROM claims k JOIN policy_year_parameters p ON p.policy_year = k.policy_year
        WHERE k.status = 'approved' GROUP BY k.hospital_id, k.policy_year)
     SELECT hs.id AS "hospitalId", hs.code AS "hospitalCode", hs.name AS "hospitalName", count(k.id)::int AS claims,
            sum(k.approved_amount)::bigint AS approved, json_agg(k.id ORDER BY k.verified_at) AS "claimIds",
            (SELECT sum(y.government) FROM years y WHERE y.hospital_id = hs.id)::bigint AS "governmentAmount",
            (SELECT max(y.share) FROM years y WHERE y.hospital_id = hs.id)::int AS "governmentShareBp"
       FROM claims k JOIN hospitals hs ON hs.id = k.hospital_id
      WHERE k.status = 'approved' GROUP BY hs.id ORDER BY hs.code`,
  );
}

/**
 * The audit trail of one case (its own entries and those of its bookings and claim), with the
 * chain's status. The chain is verified incrementally (from the verified-up-to checkpoint, at most
 * 5,000 entries per read: audit/chain.ts), never re-hashed whole by a read; the entries shown are
 * each checked against their own keyed hash; and the newest anchor written outside the database
 * is named (audit/anchors.ts).
 */
export async function caseAuditTrail(
  db: Database,
  caseId: string,
  audit: { readonly ring: Keyring; readonly anchors: AnchorStatus | null },
): Promise<Record<string, unknown>> {
  const rows = await db.query<AuditRow & { actor: string | null }>(
    `SELECT a.*, o.username AS actor
       FROM audit_log a LEFT JOIN operators o ON o.id = a.actor_id
      WHERE (a.entity_type = 'case' AND a.entity_id = $1)
         OR (a.entity_type = 'booking' AND a.entity_id IN (SELECT id::text FROM bookings WHERE case_id = $1::uuid))
         OR (a.entity_type = 'claim' AND a.entity_id IN (SELECT id::text FROM claims WHERE case_id = $1::uuid))
      ORDER BY a.id`,
    [caseId],
  );
  const entries = rows.map((row) => ({
    id: Number(row.id),
    chainSeq: row.chain_seq === null ? null : Number(row.chain_seq),
    at: row.at,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    actor: row.actor,
    before: row.before,
    after: row.after,
  }));
  const altered = rows.find(
    (row) => row.chain_seq !== null && entryProblem(audit.ring, { ...row, chain_seq: Number(row.chain_seq) }, row.prev_hash ?? '') !== null,
  );
  if (altered)
    return {
      caseId,
      entries,
      chain: {
        isIntact: false,
        firstBadSeq: Number(altered.chain_seq),
        problem: entryProblem(audit.ring, { ...altered, chain_seq: Number(altered.chain_seq) }, altered.prev_hash ?? ''),
      },
    };
  const verdict = await verifyIncrementally(db, audit.ring);
  const anchor = audit.anchors
    ? { file: audit.anchors.file, intervalSeconds: audit.anchors.intervalSeconds, lastSeq: audit.anchors.lastSeq, lastAt: audit.anchors.lastAt }
    : null;
  return {
    caseId,
    entries,
    chain: verdict.ok
      ? { isIntact: true, entries: verdict.entries, unlinked: verdict.unlinked, verifiedUpTo: verdict.verifiedUpTo, anchor }
      : { isIntact: false, firstBadSeq: verdict.firstBadSeq, problem: verdict.problem },
  };
}

export async function dashboard(db: Database): Promise<Record<string, unknown>> {
  const [cases, holds, claims] = await Promise.all([
    db.query('SELECT status, count(*)::int AS count FROM cases GROUP BY status ORDER BY status'),
    db.query('SELECT status, count(*)::int AS count, COALESCE(sum(amount), 0)::bigint AS amount FROM holds GROUP BY status ORDER BY status'),
    db.query(
      'SELECT status, count(*)::int AS count, COALESCE(sum(COALESCE(approved_amount, payer_amount)), 0)::bigint AS amount FROM claims GROUP BY status ORDER BY status',
    ),
  ]);
  return { cases, holds, claims, computedAt: new Date().toISOString() };
}
