import type { Keyring } from '../auth/keyring';
import { replicatedTables, type BiometricModality, type PullCheckpointValue, type ReplicatedTable } from '@contract/sync';
import type { Database, Sql } from '../db/database';
import { openAtRest, sealBiometric } from '../identity/biometric-seal';
import type { DeskPrincipal } from './desk-auth';

/**
 * The pull feed: server rows a desk may see, by a checkpoint that cannot skip a row committed
 * out of order (see migration 002). A round walks every replicated table in id order inside the
 * window [from, ∞) plus the transactions listed as running when it began (fromRunning); when it
 * ends, the next window starts at `next`, the newest transaction id when the round began, plus
 * the ones running then (nextRunning): a row committed out of order is still sent, and a long
 * transaction costs only its own rows (see nextWindowStart).
 */
export const initialCheckpoint: PullCheckpointValue = { from: '0', next: '0', table: 0, afterId: null };

/** Desk scope for a family id expression: the registry district, families it looked up, families with a case at its hospital. */
const familyInScope = (family: string) =>
  `(${family}.district = $2 OR EXISTS (SELECT 1 FROM desk_lookups l WHERE l.desk_id = $3 AND l.family_id = ${family}.id) OR EXISTS (SELECT 1 FROM cases sc WHERE sc.family_id = ${family}.id AND sc.hospital_id = $4))`;
/** Families whose scope changed inside the window: they are (re)sent whole, with their members. */
const familiesEntering = `(SELECT family_id FROM desk_lookups WHERE desk_id = $3 AND (change_xid >= $1::xid8 OR change_xid = ANY($7::xid8[])) UNION SELECT family_id FROM cases WHERE hospital_id = $4 AND (change_xid >= $1::xid8 OR change_xid = ANY($7::xid8[])))`;

/**
 * Families whose document changed inside the window without their own row changing: a family
 * document's activeCases come from cases, holds and pre-auths (a query, a recommendation, an
 * approval that leaves the hold as it was), so each of those tables names its families here
 * (each through its change_xid index, migration 002). Hospital codes never change.
 */
const familiesWithActiveCaseChanges = `(SELECT family_id FROM cases WHERE (change_xid >= $1::xid8 OR change_xid = ANY($7::xid8[]))
    UNION SELECT family_id FROM holds WHERE (change_xid >= $1::xid8 OR change_xid = ANY($7::xid8[]))
    UNION SELECT pc.family_id FROM preauths pp JOIN cases pc ON pc.id = pp.case_id WHERE (pp.change_xid >= $1::xid8 OR pp.change_xid = ANY($7::xid8[])))`;

/**
 * One query per table. Parameters: $1 from (xid8), $2 district, $3 desk id, $4 hospital id,
 * $5 after id (or null), $6 limit, $7 the transactions listed as running when the window began
 * (fromRunning: their rows belong to the window although their ids are below $1). A fresh desk
 * (from = 0) skips the window filter entirely.
 */
function tableQuery(table: ReplicatedTable, isInitial: boolean): string {
  // Declares every parameter's type once, so each table's query may use any subset of them.
  const declare =
    'WITH parameters AS (SELECT $1::xid8 AS from_xid, $2::text AS district, $3::uuid AS desk_id, $4::uuid AS hospital_id, $5::text AS after_id, $6::int AS page_size, $7::xid8[] AS running) ';
  return declare + tableBody(table, isInitial);
}

/**
 * A page query's select list: the paging id, and the whole document as JSON text
 * (`{"table":…,"id":…,"row":…}`) built by PostgreSQL from the row expression. A uuid's text needs
 * no JSON escaping; any other id (a package code) goes through to_json.
 */
function documentColumns(table: ReplicatedTable, id: string, row: string): string {
  const idJson = table === 'packages' || table === 'e_card_keys' || table === 'e_card_revocations' ? `to_json(${id})::text` : `'"' || ${id}::text || '"'`;
  return `${id}::text AS id, '{"table":"${table}","id":' || ${idJson} || ',"row":' || ${row}::text || '}' AS row`;
}

function tableBody(table: ReplicatedTable, isInitial: boolean): string {
  const window = (alias: string) => (isInitial ? 'true' : `(${alias}.change_xid >= $1::xid8 OR ${alias}.change_xid = ANY($7::xid8[]))`);
  // Page by the primary key itself (uuid order, or the package code), so every page is an index
  // range scan; comparing or sorting on id::text would sort the whole table for every page.
  const after = (column: string, type: 'uuid' | 'text' = 'uuid') => `($5::text IS NULL OR ${column} > $5::${type})`;
  switch (table) {
    case 'families':
      return `SELECT ${documentColumns(
        'families',
        'f.id',
        `json_build_object(
                'id', f.id, 'familyNumber', f.family_number, 'cover', COALESCE(fy.cover, f.cover), 'committed', COALESCE(fy.committed, 0), 'district', f.district,
                'registeredPhoneEnding', right(f.registered_phone, 4), 'confirmedAt', clock_timestamp(),
                'activeCases', (SELECT COALESCE(json_agg(json_build_object(
                    'caseId', CASE WHEN c.hospital_id = $4 THEN c.id END, 'memberId', c.member_id, 'hospitalCode', hs.code,
                    'isOwnHospital', c.hospital_id = $4, 'holdAmount', COALESCE(h.amount, 0), 'preauthStatus', p.status) ORDER BY c.admitted_at), '[]'::json)
                  FROM cases c JOIN hospitals hs ON hs.id = c.hospital_id LEFT JOIN holds h ON h.case_id = c.id LEFT JOIN preauths p ON p.case_id = c.id
                 WHERE c.family_id = f.id AND c.status = 'admitted'))`,
      )}
                FROM families f
                -- The family's account of the open policy year (migration 023); not opened yet: the whole yearly cover.
                LEFT JOIN family_years fy ON fy.family_id = f.id AND fy.policy_year = (SELECT s.policy_year FROM schemes s WHERE s.is_current)
               WHERE ${familyInScope('f')} AND ${after('f.id')}
                 AND (${window('f')} ${isInitial ? '' : `OR f.id IN ${familiesEntering} OR f.id IN ${familiesWithActiveCaseChanges}`})
               ORDER BY f.id LIMIT $6`;
    case 'members':
      return `SELECT ${documentColumns(
        'members',
        'm.id',
        `json_build_object('id', m.id, 'familyId', m.family_id, 'schemeMemberId', m.scheme_member_id, 'fullName', m.full_name,
                'birthYear', m.birth_year, 'gender', m.gender, 'relation', m.relation, 'healthCardNumber', m.health_card_number)`,
      )}
                FROM members m JOIN families f ON f.id = m.family_id
               WHERE ${familyInScope('f')} AND ${after('m.id')}
                 AND (${window('m')} ${isInitial ? '' : `OR m.family_id IN ${familiesEntering}`})
               ORDER BY m.id LIMIT $6`;
    case 'packages':
      return `SELECT ${documentColumns(
        'packages',
        'p.code',
        `json_build_object('code', p.code, 'name', p.name, 'specialty', p.specialty, 'isUnspecified', p.is_unspecified,
                'version', pp.version, 'price', pp.price)`,
      )}
                FROM packages p
                JOIN LATERAL (SELECT version, price, change_xid FROM package_prices WHERE package_code = p.code ORDER BY version DESC LIMIT 1) pp ON true
               WHERE ${after('p.code', 'text')}
                 AND (${window('p')} OR ${window('pp')})
               ORDER BY p.code LIMIT $6`;
    case 'cases':
      return `SELECT ${documentColumns(
        'cases',
        'c.id',
        `json_build_object('id', c.id, 'memberId', c.member_id, 'familyId', c.family_id, 'status', c.status,
                'identityMethod', c.identity_method, 'isEmergency', c.is_emergency, 'admittedAt', c.admitted_at, 'receivedAt', c.received_at, 'dischargedAt', c.discharged_at,
                'cancelledAt', c.cancelled_at)`,
      )}
                FROM cases c
               WHERE c.hospital_id = $4 AND ${window('c')} AND ${after('c.id')}
               ORDER BY c.id LIMIT $6`;
    case 'preauths':
      return `SELECT ${documentColumns(
        'preauths',
        'p.id',
        `json_build_object('id', p.id, 'caseId', p.case_id, 'packageCode', p.package_code, 'packageVersion', p.package_version,
                'packagePrice', p.package_price, 'requestedAmount', p.requested_amount, 'recommendedAmount', p.recommended_amount,
                'approvedAmount', p.approved_amount, 'status', p.status, 'queryReason', p.query_reason, 'queryResponse', p.query_response,
                'decisionReason', p.decision_reason, 'requestedAt', p.requested_at, 'decidedAt', p.decided_at)`,
      )}
                FROM preauths p JOIN cases c ON c.id = p.case_id
               WHERE c.hospital_id = $4 AND ${window('p')} AND ${after('p.id')}
               ORDER BY p.id LIMIT $6`;
    case 'holds':
      return `SELECT ${documentColumns(
        'holds',
        'h.id',
        `json_build_object('id', h.id, 'caseId', h.case_id, 'familyId', h.family_id, 'amount', h.amount, 'consumed', h.consumed,
                'authorized', h.authorized, 'costShareEstimate', h.cost_share_estimate, 'packageCode', h.package_code, 'packageVersion', h.package_version, 'status', h.status,
                'confirmedAt', clock_timestamp())`,
      )}
                FROM holds h JOIN cases c ON c.id = h.case_id
               WHERE c.hospital_id = $4 AND ${window('h')} AND ${after('h.id')}
               ORDER BY h.id LIMIT $6`;
    case 'enhancements':
      return `SELECT ${documentColumns(
        'enhancements',
        'e.id',
        `json_build_object('id', e.id, 'caseId', e.case_id, 'requestedAmount', e.requested_amount, 'approvedAmount', e.approved_amount,
                'grantedAmount', e.granted_amount, 'status', e.status, 'reason', e.reason, 'decisionReason', e.decision_reason, 'requestedAt', e.requested_at)`,
      )}
                FROM enhancements e JOIN cases c ON c.id = e.case_id
               WHERE c.hospital_id = $4 AND ${window('e')} AND ${after('e.id')}
               ORDER BY e.id LIMIT $6`;
    case 'bookings':
      return `SELECT ${documentColumns(
        'bookings',
        'b.id',
        `json_build_object('id', b.id, 'caseId', b.case_id, 'familyId', b.family_id, 'itemCode', b.item_code, 'description', b.description,
                'quantity', b.quantity, 'unitPrice', b.unit_price, 'amount', b.amount, 'coveredAmount', b.covered_amount, 'shortfallAmount', b.shortfall_amount,
                'status', b.status, 'closedAt', b.closed_at, 'createdAt', b.created_at)`,
      )}
                FROM bookings b JOIN cases c ON c.id = b.case_id
               WHERE c.hospital_id = $4 AND ${window('b')} AND ${after('b.id')}
               ORDER BY b.id LIMIT $6`;
    case 'biometrics':
      // Active enrolments of the members this desk serves (its family scope), at-rest sealed here;
      // pull() reseals each one for the pulling desk before it leaves the server. A replaced one
      // (revoked, migration 038) is not sent: its successor, for the same member and modality,
      // takes its place in the desk's cache.
      return `SELECT b.id::text AS id, json_build_object('id', b.id, 'memberId', b.member_id, 'familyId', b.family_id, 'modality', b.modality,
                'sealed', b.sealed, 'enrolledAt', b.enrolled_at)::text AS row
                FROM biometric_enrolments b JOIN families f ON f.id = b.family_id
               WHERE ${familyInScope('f')} AND ${after('b.id')} AND b.revoked_at IS NULL
                 AND (${window('b')} ${isInitial ? '' : `OR b.family_id IN ${familiesEntering}`})
               ORDER BY b.id LIMIT $6`;
    case 'removals':
      // Families of a district this desk has left inside the window (migration 013 records each
      // departure) that are not in its scope any more: the desk purges them, their members, their
      // search entries and their cached enrolments. Read only in a round whose scope changed.
      return `SELECT f.id::text AS id, '{"table":"removals","id":"' || f.id::text || '","row":{"familyId":"' || f.id::text || '"}}' AS row
                FROM families f
               WHERE f.district IN (SELECT district FROM desk_scope_departures WHERE desk_id = $3 AND (change_xid >= $1::xid8 OR change_xid = ANY($7::xid8[])))
                 AND NOT ${familyInScope('f')} AND ${after('f.id')}
               ORDER BY f.id LIMIT $6`;
    case 'e_card_keys':
      // Every key that signed a card, to every desk (a card may be scanned anywhere).
      return `SELECT ${documentColumns('e_card_keys', 'k.id', `json_build_object('keyId', k.id, 'publicKey', k.public_key)`)}
                FROM e_card_keys k
               WHERE ${window('k')} AND ${after('k.id', 'text')}
               ORDER BY k.id LIMIT $6`;
    case 'e_card_revocations':
      // The serials of revoked cards, to every desk; nothing about the member.
      return `SELECT ${documentColumns('e_card_revocations', 'e.serial', `json_build_object('serial', e.serial, 'revokedAt', e.revoked_at)`)}
                FROM e_cards e
               WHERE e.revoked_at IS NOT NULL AND ${window('e')} AND ${after('e.serial', 'text')}
               ORDER BY e.serial LIMIT $6`;
    case 'member_identifiers':
      // Links of the families in this desk's scope (issue 16, migration 058), so any linked card
      // finds the member offline: never the QR's document, and only this hospital's patient numbers
      // (another's would tell this desk where else the member was treated). An unlink travels as a
      // tombstone (unlinkedAt), also in a whole-scope pull: the desk may hold the link from before.
      return `SELECT ${documentColumns(
        'member_identifiers',
        'i.id',
        `json_build_object('id', i.id, 'memberId', i.member_id, 'familyId', i.family_id, 'kind', i.kind, 'issuer', i.issuer, 'value', i.value,
                'unlinkedAt', i.unlinked_at)`,
      )}
                FROM member_identifiers i JOIN families f ON f.id = i.family_id
               WHERE ${familyInScope('f')} AND ${after('i.id')}
                 AND (i.kind <> 'hospital-mrn' OR i.issuer = $4::text)
                 AND (${window('i')} ${isInitial ? '' : `OR i.family_id IN ${familiesEntering}`})
               ORDER BY i.id LIMIT $6`;
    case 'claims':
      return `SELECT ${documentColumns(
        'claims',
        'k.id',
        `json_build_object('id', k.id, 'caseId', k.case_id, 'amount', k.amount, 'payerAmount', k.payer_amount,
                'patientAmount', k.patient_amount, 'approvedAmount', k.approved_amount, 'status', k.status, 'submittedAt', k.submitted_at,
                -- The reviewers' line decisions (claim lines change only with their claim row, in its transaction).
                'lines', (SELECT COALESCE(json_agg(json_build_object('bookingId', l.booking_id, 'payerAmount', l.payer_amount, 'approvedAmount', l.approved_amount,
                    'decision', l.cpd_decision, 'reasonCode', l.reason_code) ORDER BY l.booking_id), '[]'::json) FROM claim_lines l WHERE l.claim_id = k.id))`,
      )}
                FROM claims k
               WHERE k.hospital_id = $4 AND ${window('k')} AND ${after('k.id')}
               ORDER BY k.id LIMIT $6`;
  }
}

/**
 * A page's documents as PostgreSQL wrote them: each one, `{"table":…,"id":…,"row":…}`, stays JSON
 * text from the database to the wire (each query's `row` column is the whole document; biometric
 * rows are written here, after resealing). Parsing rows into objects and serializing them again,
 * or even wrapping each in Node, was most of the server's own time per page.
 */
export interface PullResult {
  readonly documents: string[];
  readonly checkpoint: PullCheckpointValue;
  readonly hasMore: boolean;
  /**
   * Templates (issue 13 item 4): `withheld` when this page passed the biometrics table without
   * sending it (no operator proof), `sentWhole` with the marker it cleared when this page finished
   * sending the desk's whole template scope after an earlier pull had withheld it.
   */
  readonly templates?: { readonly withheld: true } | { readonly sentWhole: string };
}

/** How biometric rows are resealed for the pulling desk; without it (profiling) they are left out. */
export interface BiometricResealing {
  readonly atRest: Keyring;
  readonly transportKey: Buffer;
}

/**
 * The at-rest seal is opened and the row leaves with `sealedForDesk` only: the plaintext exists in
 * memory for one call. A row that does not open (a key changed by hand, a damaged value) is left
 * out rather than failing the page: one unusable enrolment must not stop a desk's whole
 * replication, and without it the desk says the member is not enrolled.
 */
function resealForDesk(row: Record<string, unknown>, keys: BiometricResealing): Record<string, unknown> | null {
  const { sealed, ...rest } = row;
  const memberId = String(row.memberId);
  const modality = row.modality as BiometricModality;
  let plaintext: Buffer;
  try {
    plaintext = openAtRest(keys.atRest, memberId, modality, String(sealed));
  } catch {
    return null;
  }
  const sealedForDesk = sealBiometric(keys.transportKey, memberId, modality, plaintext);
  plaintext.fill(0);
  return { ...rest, sealedForDesk };
}

/** The desk's scope as the page's own snapshot sees it ($1 desk id). */
const deskScopeQuery =
  'SELECT COALESCE(d.registry_district, h.district) AS district, d.scope_changed_xid::text AS scope_changed_xid, d.templates_withheld_at::text AS templates_withheld_at FROM desks d JOIN hospitals h ON h.id = d.hospital_id WHERE d.id = $1';

/**
 * After a page (outside its read-only snapshot): a desk that was refused templates is marked, so
 * that its next pull with an operator's proof gets its whole template scope, not only what changed
 * since (the window went on past them); the mark goes once a page has sent them all.
 */
export async function recordTemplates(db: Database, deskId: string, result: PullResult): Promise<void> {
  if (!result.templates) return;
  if ('withheld' in result.templates)
    await db.query('UPDATE desks SET templates_withheld_at = now() WHERE id = $1 AND templates_withheld_at IS NULL', [deskId]);
  else await db.query('UPDATE desks SET templates_withheld_at = NULL WHERE id = $1 AND templates_withheld_at::text = $2', [deskId, result.templates.sentWhole]);
}

/**
 * One page. Two rules make the feed safe for any RxDB client, whatever its batch size (RxDB keeps
 * pulling while a page is full, and does not store the checkpoint of an empty page):
 * - a page reads one row more than it sends, so the page that takes the window's last documents
 *   closes the window itself (`hasMore: false`, the next window's checkpoint) even when it is
 *   exactly full: no window ends on an empty page after a full one;
 * - a page asked to continue a window that turns out to have nothing left (a row left the scope
 *   between pages) goes straight on into the next window in the same snapshot, so a client that
 *   keeps sending that continuation checkpoint still receives every later change.
 * A page with `hasMore: true` always holds exactly `limit` documents.
 */
export async function pull(
  db: Database,
  desk: DeskPrincipal,
  checkpoint: PullCheckpointValue,
  limit: number,
  biometrics?: BiometricResealing,
  withECards = false,
  withIdentifiers = false,
): Promise<PullResult> {
  // BEGIN, the page's snapshot settings and the round's start travel in one round trip. One
  // REPEATABLE READ snapshot for the whole page, so its documents agree with each other; no JIT:
  // the page queries are estimated expensive enough to be compiled, and compiling them costs
  // ~25 ms a query (measured), more than most pages take to run.
  const prelude = `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off; ${snapshotQuery}`;
  return db.transaction(
    async (sql: Sql, preludeRows) => {
      const start = nextWindowStart(preludeRows[0]);
      // The desk's district and scope change are read inside this page's snapshot, not taken from
      // the request's authentication: a configure-desk committed between the two would otherwise
      // make this round "not initial, old district" while its window starts past the change, and
      // the desk would never receive its new district (issue 24.1).
      const [scope] = await sql.query<{ district: string; scope_changed_xid: string; templates_withheld_at: string | null }>(deskScopeQuery, [desk.deskId]);
      if (!scope) throw new Error(`The desk ${desk.deskId} is not in this page's snapshot.`);
      const isContinuation = checkpoint.table !== 0 || checkpoint.afterId !== null;
      let current: PullCheckpointValue = isContinuation
        ? checkpoint
        : withRunning({ from: checkpoint.from, next: start.next, table: 0, afterId: null }, checkpoint.fromRunning ?? [], start.nextRunning);
      for (let windows = 0; ; windows += 1) {
        const page = await readWindow(
          sql,
          { ...desk, registryDistrict: scope.district, scopeChangedXid: scope.scope_changed_xid },
          current,
          limit,
          biometrics,
          scope.templates_withheld_at,
          withECards,
          withIdentifiers,
        );
        if (page.hasMore || page.documents.length > 0 || !isContinuation || windows > 0) return page;
        // The continued window had nothing left: on into the next one, which starts here.
        current = withRunning({ from: current.next, next: start.next, table: 0, afterId: null }, current.nextRunning ?? [], start.nextRunning);
      }
    },
    { prelude },
  );
}

/**
 * The page's snapshot: its xmin, its xmax and the transactions it saw running (xip), as text.
 * Every transaction id below xmax that is not listed had finished, so its rows are in this
 * snapshot; the listed ones may still commit rows with their (older) ids.
 */
export const snapshotQuery =
  "SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax, (SELECT string_agg(x::text, ',' ORDER BY x) FROM pg_snapshot_xip(s) x) AS xip FROM pg_current_snapshot() s";

/**
 * At most this many running transactions are listed in a checkpoint; with more, the next window
 * starts at the oldest of them, as before (correct, only costlier).
 */
export const maxListedRunning = 16;

/**
 * Where the next window starts. Not at the oldest running transaction (xmin): one long-running
 * or forgotten prepared transaction anywhere in the cluster would then hold every desk's window
 * at its start, and each round would re-send everything written since (issue 24.6). Instead the
 * next window starts at xmax and also takes the rows of the transactions that were running (the
 * checkpoint lists them): a row committed out of order still comes, and the cost of a long
 * transaction is its own rows, not everyone's.
 */
export function nextWindowStart(row: Record<string, unknown> | undefined): { next: string; nextRunning: string[] } {
  // No silent fallback: a page that did not read its round's start would never move the window.
  if (typeof row?.xmin !== 'string' || typeof row.xmax !== 'string')
    throw new Error('The pull page did not read its snapshot (the transaction prelude returned no xmin).');
  const running = typeof row.xip === 'string' && row.xip.length > 0 ? row.xip.split(',') : [];
  return running.length <= maxListedRunning ? { next: row.xmax, nextRunning: running } : { next: row.xmin, nextRunning: [] };
}

/** A checkpoint with its running-transaction lists, each written only when not empty (most checkpoints carry none). */
function withRunning(
  checkpoint: { from: string; next: string; table: number; afterId: string | null },
  fromRunning: readonly string[],
  nextRunning: readonly string[],
): PullCheckpointValue {
  return {
    ...checkpoint,
    ...(fromRunning.length > 0 ? { fromRunning: [...fromRunning] } : {}),
    ...(nextRunning.length > 0 ? { nextRunning: [...nextRunning] } : {}),
  };
}

async function readWindow(
  sql: Sql,
  desk: DeskPrincipal,
  checkpoint: PullCheckpointValue,
  limit: number,
  biometrics: BiometricResealing | undefined,
  templatesWithheldAt: string | null,
  withECards: boolean,
  withIdentifiers: boolean,
): Promise<PullResult> {
  const { from, next } = checkpoint;
  const fromRunning = checkpoint.fromRunning ?? [];
  const nextRunning = checkpoint.nextRunning ?? [];
  let { table, afterId } = checkpoint;
  // A fresh desk, or one whose scope changed since its window began (also by a transaction
  // listed as running when it began), gets its whole scope.
  const isInitial = from === '0' || BigInt(desk.scopeChangedXid) >= BigInt(from) || fromRunning.includes(desk.scopeChangedXid);
  // Removals are due only when the scope changed inside the window (a fresh desk holds nothing to remove).
  const hasRemovals = from !== '0' && isInitial;
  const documents: string[] = [];
  let templates: PullResult['templates'];
  while (table < replicatedTables.length) {
    const name = replicatedTables[table]!;
    // The e-card tables go only to a desk that asks for them (issue 16): a desk of an earlier
    // release does not know them and would refuse the whole page.
    const isUnaskedECards = !withECards && (name === 'e_card_keys' || name === 'e_card_revocations');
    // Linked identifiers likewise (issue 16, desk replica migration 13): only to a desk that asks.
    const isUnaskedIdentifiers = !withIdentifiers && name === 'member_identifiers';
    if ((name === 'biometrics' && !biometrics) || (name === 'removals' && !hasRemovals) || isUnaskedECards || isUnaskedIdentifiers) {
      if (name === 'biometrics') templates = { withheld: true };
      table += 1;
      afterId = null;
      continue;
    }
    // Templates withheld from an earlier pull (no operator proof) come whole, whatever the window.
    const isWhole = isInitial || (name === 'biometrics' && templatesWithheldAt !== null);
    // One row more than the page has room for: if it comes back, the window goes on past this page.
    const budget = limit - documents.length + 1;
    const rows = await sql.query<{ id: string; row: string }>(tableQuery(name, isWhole), [
      from,
      desk.registryDistrict,
      desk.deskId,
      desk.hospitalId,
      afterId,
      budget,
      fromRunning,
    ]);
    for (const row of rows) {
      // This one query returns the bare row: it is opened and resealed for the desk here; a row
      // that does not open is passed over (consumed, not sent).
      const document = name === 'biometrics' && biometrics ? resealedDocument(row, biometrics) : row.row;
      if (document === null) {
        afterId = row.id;
        continue;
      }
      if (documents.length === limit)
        return {
          documents,
          checkpoint: withRunning({ from, next, table, afterId }, fromRunning, nextRunning),
          hasMore: true,
          ...(templates ? { templates } : {}),
        };
      documents.push(document);
      afterId = row.id;
    }
    if (rows.length < budget) {
      if (name === 'biometrics' && templatesWithheldAt !== null) templates = { sentWhole: templatesWithheldAt };
      table += 1;
      afterId = null;
    }
  }
  return {
    documents,
    checkpoint: withRunning({ from: next, next, table: 0, afterId: null }, nextRunning, nextRunning),
    hasMore: false,
    ...(templates ? { templates } : {}),
  };
}

function resealedDocument(row: { id: string; row: string }, biometrics: BiometricResealing): string | null {
  const sent = resealForDesk(JSON.parse(row.row) as Record<string, unknown>, biometrics);
  return sent ? `{"table":"biometrics","id":${JSON.stringify(row.id)},"row":${JSON.stringify(sent)}}` : null;
}

/**
 * The pull answer (contract `PullAnswer`) as the bytes of its JSON text, with the documents
 * spliced in as PostgreSQL wrote them: table names from this module, ids as uuid text (hex and
 * hyphens) or to_json, rows from json_build_object; the checkpoint through JSON.stringify.
 *
 * Layout: the head `{"protocolVersion":N,"documents":[`, then one document per line (each but
 * the last followed by its comma), then the tail from `],"checkpoint"` on its own line. It is plain JSON to any reader; a desk reads it
 * line by line (server-client.ts) without building the whole page as one string. A raw line
 * break can stand in valid JSON only as whitespace (inside strings it is escaped), so one inside
 * a document becomes a space.
 *
 * Encoded once, straight into one buffer of the exact size: joining a page into one string, then
 * measuring it for Content-Length and encoding it again for the socket, allocated and copied the
 * page three times, most of the server's time per page (bench:sync profile).
 */
export function pullAnswerBody(result: PullResult, protocolVersion: number, serverTime: string): Buffer {
  const head = `{"protocolVersion":${protocolVersion},"documents":[\n`;
  const tail = `],"checkpoint":${JSON.stringify(result.checkpoint)},"hasMore":${result.hasMore},"serverTime":${JSON.stringify(serverTime)}}`;
  const documents = result.documents.map((document) => (document.includes('\n') || document.includes('\r') ? document.replace(/[\r\n]/g, ' ') : document));
  // Every document ends its line: `,\n` between documents, `\n` after the last one.
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail) + documents.length * 2 - (documents.length > 0 ? 1 : 0);
  for (const document of documents) size += Buffer.byteLength(document);
  const body = Buffer.allocUnsafe(size);
  let at = body.write(head, 0, 'utf8');
  documents.forEach((document, index) => {
    at += body.write(document, at, 'utf8');
    at += body.write(index < documents.length - 1 ? ',\n' : '\n', at, 'latin1');
  });
  at += body.write(tail, at, 'utf8');
  if (at !== size) throw new Error(`The pull answer came to ${at} bytes where ${size} were measured.`);
  return body;
}
