import type { Role } from '@domain/ids';
import type { Database, Sql } from '../db/database';
import { nextWindowStart, snapshotQuery } from '../sync/pull';

/**
 * The console pull feed: the payer console's read model, replicated to a browser (or a desk) by an
 * operator token. Each collection is a set of denormalized documents (a case with its member,
 * family balance, package, pre-auth, hold, enhancements, bookings and claim; a claim with its lines),
 * scoped by the operator's roles, and checkpointed like the desk feed (sync/pull.ts, migration 002):
 * a window [from, ∞) over change_xid of every row a document is built from; when a window ends, the
 * next starts at `next`, the oldest transaction still running when the window began, so a row
 * committed out of order is sent again rather than skipped.
 */
// The collections and their documents' exact schemas live in the contract (contract/console.ts).
export { consoleCollections, type ConsoleCollection } from '@contract/console';
import type { ConsoleCollection } from '@contract/console';

/** As the desk feed's (contract/sync.ts PullCheckpoint): fromRunning and nextRunning only when not empty. */
export interface ConsoleCheckpoint {
  readonly from: string;
  readonly next: string;
  readonly afterId: string | null;
  readonly fromRunning?: readonly string[];
  readonly nextRunning?: readonly string[];
}
export const initialConsoleCheckpoint: ConsoleCheckpoint = { from: '0', next: '0', afterId: null };

/** How long a decided pre-auth or enhancement stays in PPD's, MC's and Admin's consoles. */
export const recentlyDecidedDays = 14;
const recent = (column: string) => `${column} > now() - interval '${recentlyDecidedDays} days'`;

/**
 * A claim still in the payer's hands (submitted, processed, approved and not yet paid), or one that
 * moved in the last recentlyDecidedDays: every claim command stamps one of these times, so a claim
 * a console holds is re-sent when it moves. Paid and denied claims older than that are history.
 */
function claimOpenOrRecent(k: string): string {
  return `(${k}.status IN ('submitted', 'processed', 'approved') OR ${recent(`${k}.submitted_at`)} OR ${recent(`${k}.processed_at`)} OR ${recent(`${k}.verified_at`)}
    OR EXISTS (SELECT 1 FROM payments rp WHERE rp.id = ${k}.payment_id AND ${recent('rp.created_at')}))`;
}

/**
 * Which cases each role's console holds: the queues it works, and the cases that have recently left
 * them (a queue shows what was just decided, the case view keeps working). Older decided cases are
 * not sent to a console that starts afresh, so a sign-in does not download the scheme's history
 * (a year at the first seed's scale is 120,000 cases: minutes of download before the first screen);
 * one already holding them keeps them until it signs out. Roles not listed see no case documents.
 * The predicates use the aliases of caseQuery.
 */
const caseScopeByRole: Partial<Record<Role, string>> = {
  PPD: `((p.id IS NOT NULL AND NOT pk.is_unspecified AND (p.status IN ('pending', 'queried') OR ${recent('p.requested_at')} OR ${recent('p.decided_at')}))
        OR EXISTS (SELECT 1 FROM enhancements se WHERE se.case_id = c.id AND (se.status = 'pending' OR ${recent('se.requested_at')} OR ${recent('se.decided_at')})))`,
  MC: `(p.id IS NOT NULL AND pk.is_unspecified AND (p.status IN ('committee-review', 'admin-review') OR ${recent('p.requested_at')} OR ${recent('p.decided_at')}))`,
  ADMIN: `(p.id IS NOT NULL AND pk.is_unspecified AND (p.status IN ('committee-review', 'admin-review') OR ${recent('p.requested_at')} OR ${recent('p.decided_at')}))`,
  CEX: `(k.id IS NOT NULL AND ${claimOpenOrRecent('k')})`,
  CPD: `(k.id IS NOT NULL AND ${claimOpenOrRecent('k')})`,
  ACO: `(k.id IS NOT NULL AND ${claimOpenOrRecent('k')})`,
  HA: `(c.status = 'admitted' OR ${recent('c.admitted_at')} OR ${recent('c.discharged_at')} OR ${recent('c.cancelled_at')}
        OR (p.id IS NOT NULL AND (p.status IN ('pending', 'queried', 'committee-review', 'admin-review') OR ${recent('p.requested_at')} OR ${recent('p.decided_at')}))
        OR EXISTS (SELECT 1 FROM enhancements se WHERE se.case_id = c.id AND (se.status = 'pending' OR ${recent('se.requested_at')} OR ${recent('se.decided_at')}))
        OR (k.id IS NOT NULL AND ${claimOpenOrRecent('k')}))`,
};
const claimRoles: readonly Role[] = ['CEX', 'CPD', 'ACO', 'HA'];

/** The roles that may pull a collection at all (403 for anyone else). */
export function rolesFor(collection: ConsoleCollection): readonly Role[] {
  return collection === 'cases' ? (Object.keys(caseScopeByRole) as Role[]) : claimRoles;
}

export function mayPull(roles: readonly Role[], collection: ConsoleCollection): boolean {
  return roles.some((role) => rolesFor(collection).includes(role));
}

/** Parameters: $1 from (xid8), $2 after id (uuid or null), $3 page size, $4 the transactions running when the window began (fromRunning). */
function caseQuery(roles: readonly Role[], isInitial: boolean): string {
  const scope = roles.map((role) => caseScopeByRole[role]).filter((predicate): predicate is string => predicate !== undefined);
  // The cases touched inside the window, found through the change_xid indexes (migration 002) of
  // every table a case document is built from. Members are left out: no command changes a member
  // row that already has a case (families are registered whole). A scheme change (the turnaround
  // target) re-sends every case of the scheme (migration 009).
  const window = isInitial
    ? 'true'
    : `c.id IN (
        SELECT id FROM cases WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT case_id FROM preauths WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT case_id FROM holds WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT case_id FROM enhancements WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT case_id FROM bookings WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT case_id FROM claims WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT wc.id FROM families wf JOIN cases wc ON wc.family_id = wf.id WHERE (wf.change_xid >= $1::xid8 OR wf.change_xid = ANY($4::xid8[]))
        UNION SELECT wc.id FROM holds wh JOIN cases wc ON wc.family_id = wh.family_id WHERE (wh.change_xid >= $1::xid8 OR wh.change_xid = ANY($4::xid8[]))
        UNION SELECT wc.id FROM schemes ws JOIN families wf ON wf.scheme_id = ws.id JOIN cases wc ON wc.family_id = wf.id WHERE (ws.change_xid >= $1::xid8 OR ws.change_xid = ANY($4::xid8[])))`;
  return `WITH parameters AS (SELECT $1::xid8 AS from_xid, $2::uuid AS after_id, $3::int AS page_size, $4::xid8[] AS running)
    SELECT c.id::text AS id, json_build_object(
      'id', c.id, 'caseId', c.id, 'status', c.status, 'isEmergency', c.is_emergency, 'identityMethod', c.identity_method,
      'admittedAt', c.admitted_at, 'dischargedAt', c.discharged_at, 'cancelledAt', c.cancelled_at,
      'hospitalCode', hs.code, 'hospitalName', hs.name, 'turnaroundMinutes', CASE WHEN c.is_emergency THEN s.emergency_preauth_turnaround_minutes ELSE s.preauth_turnaround_minutes END,
      'member', json_build_object('id', m.id, 'schemeMemberId', m.scheme_member_id, 'fullName', m.full_name, 'birthYear', m.birth_year,
        'gender', m.gender, 'relation', m.relation),
      -- The family's account of the case's policy year (migration 023); a year not opened yet is the whole yearly cover.
      'family', json_build_object('id', f.id, 'familyNumber', f.family_number, 'cover', COALESCE(fy.cover, f.cover), 'committed', COALESCE(fy.committed, 0),
        'available', COALESCE(fy.cover, f.cover) - COALESCE(fy.committed, 0),
        'holds', (SELECT COALESCE(json_agg(json_build_object('caseId', fh.case_id, 'memberName', fm.full_name, 'hospitalCode', fhs.code,
            'amount', fh.amount, 'consumed', fh.consumed) ORDER BY fh.created_at), '[]'::json)
           FROM holds fh JOIN cases fc ON fc.id = fh.case_id JOIN members fm ON fm.id = fc.member_id JOIN hospitals fhs ON fhs.id = fc.hospital_id
          WHERE fh.family_id = f.id AND fh.policy_year = c.policy_year AND fh.status = 'active')),
      'preauth', CASE WHEN p.id IS NULL THEN NULL ELSE json_build_object('id', p.id, 'packageCode', p.package_code, 'packageName', pk.name,
        'specialty', pk.specialty, 'isUnspecified', pk.is_unspecified, 'packageVersion', p.package_version, 'packagePrice', p.package_price,
        'requestedAmount', p.requested_amount, 'recommendedAmount', p.recommended_amount, 'approvedAmount', p.approved_amount,
        'status', p.status, 'clinicalNote', p.clinical_note, 'queryReason', p.query_reason, 'queryResponse', p.query_response,
        'decisionReason', p.decision_reason, 'requestedAt', p.requested_at, 'decidedAt', p.decided_at) END,
      'hold', CASE WHEN h.id IS NULL THEN NULL ELSE json_build_object('id', h.id, 'amount', h.amount, 'consumed', h.consumed,
        'authorized', h.authorized, 'status', h.status) END,
      'enhancements', (SELECT COALESCE(json_agg(json_build_object('id', e.id, 'requestedAmount', e.requested_amount, 'approvedAmount', e.approved_amount,
          'grantedAmount', e.granted_amount, 'status', e.status, 'reason', e.reason, 'decisionReason', e.decision_reason,
          'requestedAt', e.requested_at, 'decidedAt', e.decided_at) ORDER BY e.requested_at), '[]'::json) FROM enhancements e WHERE e.case_id = c.id),
      'bookings', (SELECT COALESCE(json_agg(json_build_object('id', b.id, 'itemCode', b.item_code, 'description', b.description, 'quantity', b.quantity,
          'unitPrice', b.unit_price, 'amount', b.amount, 'coveredAmount', b.covered_amount, 'shortfallAmount', b.shortfall_amount,
          'status', b.status, 'createdAt', b.created_at) ORDER BY b.seq), '[]'::json) FROM bookings b WHERE b.case_id = c.id),
      'claim', CASE WHEN k.id IS NULL THEN NULL ELSE json_build_object('id', k.id, 'status', k.status, 'amount', k.amount,
        'payerAmount', k.payer_amount, 'patientAmount', k.patient_amount, 'approvedAmount', k.approved_amount, 'submittedAt', k.submitted_at) END
    ) AS row
      FROM cases c JOIN members m ON m.id = c.member_id JOIN families f ON f.id = c.family_id LEFT JOIN family_years fy ON fy.family_id = f.id AND fy.policy_year = c.policy_year JOIN hospitals hs ON hs.id = c.hospital_id
      JOIN schemes s ON s.id = f.scheme_id
      LEFT JOIN preauths p ON p.case_id = c.id LEFT JOIN packages pk ON pk.code = p.package_code
      LEFT JOIN holds h ON h.case_id = c.id LEFT JOIN claims k ON k.case_id = c.id
     WHERE (${scope.length > 0 ? scope.join(' OR ') : 'false'})
       AND ($2::uuid IS NULL OR c.id > $2::uuid)
       AND ${window}
     ORDER BY c.id LIMIT $3`;
}

function claimQuery(isInitial: boolean): string {
  const window = isInitial
    ? 'true'
    : `k.case_id IN (
        SELECT case_id FROM claims WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT case_id FROM preauths WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT id FROM cases WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[]))
        UNION SELECT case_id FROM bookings WHERE (change_xid >= $1::xid8 OR change_xid = ANY($4::xid8[])))`;
  return `WITH parameters AS (SELECT $1::xid8 AS from_xid, $2::uuid AS after_id, $3::int AS page_size, $4::xid8[] AS running)
    SELECT k.id::text AS id, json_build_object(
      'id', k.id, 'claimId', k.id, 'caseId', k.case_id, 'status', k.status, 'isEmergency', c.is_emergency, 'amount', k.amount, 'payerAmount', k.payer_amount,
      'patientAmount', k.patient_amount, 'approvedAmount', k.approved_amount, 'paymentId', k.payment_id,
      'submittedAt', k.submitted_at, 'processedAt', k.processed_at, 'verifiedAt', k.verified_at,
      'hospitalId', hs.id, 'hospitalCode', hs.code, 'hospitalName', hs.name, 'memberName', m.full_name, 'schemeMemberId', m.scheme_member_id,
      'packageCode', p.package_code, 'preauthApproved', p.approved_amount,
      'lines', (SELECT COALESCE(json_agg(json_build_object('bookingId', l.booking_id, 'itemCode', b.item_code, 'description', b.description,
          'quantity', b.quantity, 'unitPrice', b.unit_price, 'amount', b.amount, 'payerAmount', l.payer_amount, 'patientAmount', l.patient_amount,
          'cexDecision', l.cex_decision, 'cexAmount', l.cex_amount, 'cexReasonCode', l.cex_reason_code, 'cpdDecision', l.cpd_decision,
          'approvedAmount', l.approved_amount, 'reasonCode', l.reason_code, 'bookedAt', b.created_at) ORDER BY b.seq), '[]'::json)
         FROM claim_lines l JOIN bookings b ON b.id = l.booking_id WHERE l.claim_id = k.id),
      -- Payer console (claims, payments): the supporting documents declared with the claim and the
      -- reference of the payment that paid it. Both are written in the transaction that writes the
      -- claim row (submit-claim, approve-payment), so the claim's change_xid covers them.
      'documents', (SELECT COALESCE(json_agg(json_build_object('position', d.position, 'name', d.name, 'kind', d.kind,
          'sizeBytes', d.size_bytes, 'sha256', d.sha256) ORDER BY d.position), '[]'::json) FROM claim_documents d WHERE d.claim_id = k.id),
      'paymentReference', (SELECT py.reference FROM payments py WHERE py.id = k.payment_id)
    ) AS row
      FROM claims k JOIN cases c ON c.id = k.case_id JOIN members m ON m.id = c.member_id JOIN hospitals hs ON hs.id = k.hospital_id
      LEFT JOIN preauths p ON p.case_id = k.case_id
     WHERE ($2::uuid IS NULL OR k.id > $2::uuid) AND ${window} AND ${claimOpenOrRecent('k')}
     ORDER BY k.id LIMIT $3`;
}

export interface ConsoleDocument {
  readonly id: string;
  readonly row: Record<string, unknown>;
}

export interface ConsolePullResult {
  readonly documents: ConsoleDocument[];
  readonly checkpoint: ConsoleCheckpoint;
  readonly hasMore: boolean;
}

/** Documents per console page: a larger `limit` is refused (400), never cut down in silence. */
export const consolePageLimit = { default: 500, max: 2000 } as const;

/**
 * One page of a collection for an operator's roles. The caller has checked mayPull.
 *
 * Safe for any RxDB client whatever its batch size (RxDB pulls again while a page is full and does
 * not store the checkpoint of an empty page): the page reads one document more than it sends, so
 * the page that takes a window's last documents closes the window itself even when exactly full;
 * and a page asked to continue a window that has nothing left (a case left the role's scope
 * between pages) goes straight on into the next window, so that continuation checkpoint, if a
 * client keeps it, still brings every later change. A page with `hasMore` holds exactly `limit`.
 */
export async function pullConsole(
  db: Database,
  roles: readonly Role[],
  collection: ConsoleCollection,
  checkpoint: ConsoleCheckpoint,
  limit: number,
): Promise<ConsolePullResult> {
  return db.transaction(async (sql: Sql) => {
    // One snapshot for the page, so its documents agree with each other.
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const [snapshot] = await sql.query<Record<string, unknown>>(snapshotQuery);
    // Where a window that begins now starts: xmax and the running transactions (sync/pull.ts, issue 24.6).
    const start = nextWindowStart(snapshot);
    const isContinuation = checkpoint.afterId !== null;
    let window = {
      from: checkpoint.from,
      fromRunning: checkpoint.fromRunning ?? [],
      next: isContinuation ? checkpoint.next : start.next,
      nextRunning: isContinuation ? (checkpoint.nextRunning ?? []) : start.nextRunning,
    };
    let afterId = checkpoint.afterId;
    const at = (from: string, fromRunning: readonly string[], after: string | null): ConsoleCheckpoint => ({
      from,
      next: window.next,
      afterId: after,
      ...(fromRunning.length > 0 ? { fromRunning: [...fromRunning] } : {}),
      ...(window.nextRunning.length > 0 ? { nextRunning: [...window.nextRunning] } : {}),
    });
    for (let windows = 0; ; windows += 1) {
      const text = collection === 'cases' ? caseQuery(roles, window.from === '0') : claimQuery(window.from === '0');
      const rows = await sql.query<{ id: string; row: Record<string, unknown> }>(text, [window.from, afterId, limit + 1, window.fromRunning]);
      const documents = rows.slice(0, limit).map((row) => ({ id: row.id, row: row.row }));
      if (rows.length > limit) return { documents, checkpoint: at(window.from, window.fromRunning, documents[documents.length - 1]!.id), hasMore: true };
      if (documents.length > 0 || !isContinuation || windows > 0) return { documents, checkpoint: at(window.next, window.nextRunning, null), hasMore: false };
      // The continued window had nothing left: on into the next one, which starts here.
      window = { from: window.next, fromRunning: window.nextRunning, next: start.next, nextRunning: start.nextRunning };
      afterId = null;
    }
  });
}
