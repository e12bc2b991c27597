import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { findKey, type Keyring } from '../auth/keyring';
import type { Database, Sql } from '../db/database';

/**
 * The audit log is an append-only hash chain (migration 001), keyed since migration 025 (issue 13
 * item 3): each entry's hash is an HMAC under the audit key (`COVERDESK_AUDIT_KEY`, never in the
 * database) over the previous entry's hash and the entry itself, and names its key id. Whoever can
 * write the database can no longer edit an entry and recompute the chain after it; cutting its tail
 * off is caught by the anchors written outside the database (anchors.ts).
 */
export interface AuditEntry {
  readonly actorId: string | null;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before?: Record<string, unknown> | null;
  readonly after?: Record<string, unknown> | null;
  readonly commandId?: string | null;
}

/** Append an entry inside the caller's transaction: it commits or vanishes with the change itself. */
export async function appendAudit(sql: Sql, entry: AuditEntry): Promise<void> {
  await sql.defer('INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, command_id) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    entry.actorId,
    entry.action,
    entry.entityType,
    entry.entityId,
    entry.before ? JSON.stringify(entry.before) : null,
    entry.after ? JSON.stringify(entry.after) : null,
    entry.commandId ?? null,
  ]);
}

export interface AuditRow {
  id: number;
  at: Date;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  command_id: string | null;
  chain_seq: number | null;
  prev_hash: string | null;
  hash: string | null;
  key_id: string | null;
}

/** Canonical JSON: keys sorted at every level, so jsonb's own key order never changes a hash. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const object = value as Record<string, unknown>;
  return `{${Object.keys(object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`)
    .join(',')}}`;
}

function entryBody(chainSeq: number, row: AuditRow): string {
  return canonical({
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: row.actor_id,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before,
    after: row.after,
    commandId: row.command_id,
    chainSeq,
  });
}

/** The chain before migration 025: plain SHA-256, which anyone can recompute. Kept to re-key old chains. */
export function legacyEntryHash(prevHash: string, chainSeq: number, row: AuditRow): string {
  return createHash('sha256').update(prevHash).update('\n').update(entryBody(chainSeq, row)).digest('hex');
}

/** An entry's keyed hash: HMAC-SHA256 under the audit key `keyId` over the previous hash and the entry. */
export function entryHash(key: Buffer, keyId: string, prevHash: string, chainSeq: number, row: AuditRow): string {
  return createHmac('sha256', key).update(`coverdesk audit v2\n${keyId}\n${prevHash}\n`).update(entryBody(chainSeq, row)).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Serializes everything that writes the chain, across all server processes. */
const chainLock = 7244902;

/**
 * Link committed, unlinked entries onto the chain, in id order, under the current audit key. One
 * chainer at a time across all server processes (a transaction-scoped advisory lock; others skip
 * this round rather than wait), and the whole batch is written back in one statement. Nothing is
 * linked onto a chain that still waits to be re-keyed (rekeyLegacyChain). Returns how many were linked.
 */
export async function linkPending(db: Database, ring: Keyring, batchSize = 5000): Promise<number> {
  return db.transaction(async (sql) => {
    const [lock] = await sql.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [chainLock]);
    if (!lock?.locked) return 0;
    const [head] = await sql.query<{ chain_seq: number; hash: string; is_keyed: boolean }>(
      'SELECT chain_seq, hash, is_keyed FROM audit_head WHERE id = 1 FOR UPDATE',
    );
    if (!head) throw new Error('audit_head row is missing');
    if (!head.is_keyed) return 0;
    const rows = await sql.query<AuditRow>('SELECT * FROM audit_log WHERE chain_seq IS NULL ORDER BY id LIMIT $1', [batchSize]);
    if (rows.length === 0) return 0;
    const { id: keyId, key } = ring.current;
    let seq = Number(head.chain_seq);
    let hash = head.hash;
    const ids: number[] = [];
    const seqs: number[] = [];
    const previous: string[] = [];
    const hashes: string[] = [];
    for (const row of rows) {
      seq += 1;
      const next = entryHash(key, keyId, hash, seq, row);
      ids.push(row.id);
      seqs.push(seq);
      previous.push(hash);
      hashes.push(next);
      hash = next;
    }
    await sql.query(
      `UPDATE audit_log a SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash, key_id = $5
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev, hash) WHERE a.id = v.id`,
      [ids, seqs, previous, hashes, keyId],
    );
    await sql.query('UPDATE audit_head SET chain_seq = $1, hash = $2 WHERE id = 1', [seq, hash]);
    return rows.length;
  });
}

export type ChainVerdict =
  { ok: true; entries: number; headHash: string; unlinked: number } | { ok: false; entries: number; firstBadSeq: number; firstBadId: number; problem: string };

type RangeVerdict =
  | { ok: true; lastSeq: number; lastHash: string; checked: number; isComplete: boolean }
  | { ok: false; checked: number; firstBadSeq: number; firstBadId: number; problem: string };

/** Why one linked entry does not verify, or null when it does (its own hash, against its stored link). */
export function entryProblem(ring: Keyring, row: AuditRow, prev: string): string | null {
  if (row.prev_hash !== prev) return 'its link to the previous entry does not match';
  if (row.key_id === null) return 'it is not keyed (linked without the audit key, or re-hashed by someone without it)';
  const key = findKey(ring, row.key_id);
  if (!key) return `it names audit key "${row.key_id}", which this server does not hold`;
  if (!row.hash || !sameHex(entryHash(key, row.key_id, prev, row.chain_seq ?? -1, row), row.hash))
    return 'its content does not match its hash (altered after it was written)';
  return null;
}

/**
 * Verify the entries after (fromSeq, fromHash) up to `untilSeq` (the head read before: the chainer
 * may link more meanwhile, and those belong to the next check), at most `limit` of them (all when null).
 */
async function verifyRange(
  sql: Pick<Sql, 'query'>,
  ring: Keyring,
  fromSeq: number,
  fromHash: string,
  untilSeq: number,
  limit: number | null,
  pageSize = 5000,
): Promise<RangeVerdict> {
  let prev = fromHash;
  let expectedSeq = fromSeq + 1;
  let checked = 0;
  for (;;) {
    const want = limit === null ? pageSize : Math.min(pageSize, limit - checked);
    if (want <= 0 && expectedSeq <= untilSeq) return { ok: true, lastSeq: expectedSeq - 1, lastHash: prev, checked, isComplete: false };
    if (expectedSeq > untilSeq) return { ok: true, lastSeq: expectedSeq - 1, lastHash: prev, checked, isComplete: true };
    const rows = await sql.query<AuditRow>('SELECT * FROM audit_log WHERE chain_seq >= $1 AND chain_seq <= $2 ORDER BY chain_seq LIMIT $3', [
      expectedSeq,
      untilSeq,
      want,
    ]);
    for (const row of rows) {
      const seq = Number(row.chain_seq ?? -1);
      if (seq !== expectedSeq)
        return { ok: false, checked, firstBadSeq: expectedSeq, firstBadId: row.id, problem: `entry ${expectedSeq} of the chain is missing` };
      const problem = entryProblem(ring, { ...row, chain_seq: seq }, prev);
      if (problem) return { ok: false, checked, firstBadSeq: seq, firstBadId: row.id, problem };
      prev = row.hash!;
      expectedSeq += 1;
      checked += 1;
    }
    if (rows.length < want && expectedSeq <= untilSeq)
      return {
        ok: false,
        checked,
        firstBadSeq: expectedSeq,
        firstBadId: -1,
        problem: `the chain head does not match the last entry (entries removed or head altered: the head names entry ${untilSeq})`,
      };
  }
}

async function headOf(sql: Pick<Sql, 'query'>): Promise<{ chain_seq: number; hash: string } | null> {
  const [head] = await sql.query<{ chain_seq: number; hash: string }>('SELECT chain_seq, hash FROM audit_head WHERE id = 1');
  return head ? { chain_seq: Number(head.chain_seq), hash: head.hash } : null;
}

async function unlinkedCount(sql: Pick<Sql, 'query'>): Promise<number> {
  const [pending] = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_log WHERE chain_seq IS NULL');
  return pending?.count ?? 0;
}

/** Recompute the whole chain from genesis with the audit keyring; name the first entry whose content or link is wrong. */
export async function verifyChain(sql: Pick<Sql, 'query'>, ring: Keyring): Promise<ChainVerdict> {
  // The head first: everything up to it was committed with it or before (the chainer writes both in one transaction).
  const head = await headOf(sql);
  const range = await verifyRange(sql, ring, 0, 'genesis', head?.chain_seq ?? 0, null);
  if (!range.ok) return { ok: false, entries: range.checked, firstBadSeq: range.firstBadSeq, firstBadId: range.firstBadId, problem: range.problem };
  const [after] = await sql.query<{ chain_seq: number }>('SELECT chain_seq FROM audit_log WHERE chain_seq > $1 ORDER BY chain_seq LIMIT 1', [range.lastSeq]);
  const linkedSince = await headOf(sql);
  // An entry past the head that no later head accounts for: the head was set back.
  const isHeadBehind = after !== undefined && (linkedSince?.chain_seq ?? 0) < Number(after.chain_seq);
  if (!head || head.chain_seq !== range.lastSeq || head.hash !== range.lastHash || isHeadBehind) {
    return {
      ok: false,
      entries: range.checked,
      firstBadSeq: range.checked + 1,
      firstBadId: -1,
      problem: 'the chain head does not match the last entry (entries removed or head altered)',
    };
  }
  return { ok: true, entries: range.checked, headHash: range.lastHash, unlinked: await unlinkedCount(sql) };
}

/**
 * The verified-up-to checkpoint (`audit_verified`, migration 025): entries up to `chain_seq` were
 * verified, the last one had `hash`. It carries an HMAC under the audit key, so whoever writes the
 * database cannot move it past entries they altered; a checkpoint whose MAC fails is ignored.
 */
function checkpointMac(key: Buffer, keyId: string, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`coverdesk audit verified\n${keyId}\n${seq}\n${hash}`).digest('hex');
}

export type IncrementalVerdict =
  | { ok: true; entries: number; verifiedUpTo: number; checkedNow: number; unlinked: number }
  | { ok: false; entries: number; firstBadSeq: number; firstBadId: number; problem: string };

/**
 * Verify incrementally: from the verified-up-to checkpoint to the head, at most `maxEntries` per
 * call (an audit read must not re-hash the whole chain: any MEDCO could make every read walk it).
 * The checkpoint's own entry must still carry the hash it had. Advances the checkpoint when it can
 * (another process advancing it at the same moment wins; this one skips). `npm run audit:verify`
 * still re-hashes everything, anchors included.
 */
export async function verifyIncrementally(db: Database, ring: Keyring, maxEntries = 5000): Promise<IncrementalVerdict> {
  const [checkpoint] = await db.query<{ chain_seq: number; hash: string; key_id: string | null; mac: string | null }>(
    'SELECT chain_seq, hash, key_id, mac FROM audit_verified WHERE id = 1',
  );
  let fromSeq = 0;
  let fromHash = 'genesis';
  if (checkpoint && checkpoint.mac && checkpoint.key_id) {
    const key = findKey(ring, checkpoint.key_id);
    const seq = Number(checkpoint.chain_seq);
    if (key && sameHex(checkpointMac(key, checkpoint.key_id, seq, checkpoint.hash), checkpoint.mac)) {
      const [row] = await db.query<{ id: number; hash: string | null }>('SELECT id, hash FROM audit_log WHERE chain_seq = $1', [seq]);
      if (!row || row.hash !== checkpoint.hash) {
        const head = await headOf(db);
        return {
          ok: false,
          entries: head?.chain_seq ?? 0,
          firstBadSeq: seq,
          firstBadId: row?.id ?? -1,
          problem: `entry ${seq} no longer carries the hash it had when it was verified (removed or rewritten)`,
        };
      }
      fromSeq = seq;
      fromHash = checkpoint.hash;
    }
  }
  const head = await headOf(db);
  const entries = head?.chain_seq ?? 0;
  const range = await verifyRange(db, ring, fromSeq, fromHash, entries, maxEntries);
  if (!range.ok) return { ok: false, entries, firstBadSeq: range.firstBadSeq, firstBadId: range.firstBadId, problem: range.problem };
  if (range.isComplete && (!head || head.chain_seq !== range.lastSeq || head.hash !== range.lastHash)) {
    return {
      ok: false,
      entries,
      firstBadSeq: range.lastSeq + 1,
      firstBadId: -1,
      problem: 'the chain head does not match the last entry (entries removed or head altered)',
    };
  }
  if (range.checked > 0) {
    const { id: keyId, key } = ring.current;
    await db.query(`UPDATE audit_verified SET chain_seq = $1, hash = $2, key_id = $3, mac = $4, verified_at = now() WHERE id = 1 AND chain_seq <= $1`, [
      range.lastSeq,
      range.lastHash,
      keyId,
      checkpointMac(key, keyId, range.lastSeq, range.lastHash),
    ]);
  }
  return { ok: true, entries, verifiedUpTo: range.lastSeq, checkedNow: range.checked, unlinked: await unlinkedCount(db) };
}

export interface RekeyRecord {
  readonly entries: number;
  readonly legacyHead: string;
  readonly legacyIntact: boolean;
  readonly legacyProblem: string | null;
  readonly keyId: string;
}

/**
 * Re-key a chain linked before migration 025 (plain SHA-256): first check it as it was (the legacy
 * rule), then give every linked entry its keyed hash in chain order, keeping the old hash in
 * `legacy_hash` (the trigger of 025 allows exactly this change, once per entry, and nothing the
 * entry says), and record it in the audit log itself (`audit-chain-rekeyed`, with the legacy
 * head and whether it verified). One transaction; run at start, before anything is linked.
 * Returns null when there was nothing to re-key.
 */
export async function rekeyLegacyChain(db: Database, ring: Keyring, pageSize = 5000): Promise<RekeyRecord | null> {
  return db.transaction(async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock($1)', [chainLock]);
    const [head] = await sql.query<{ chain_seq: number; hash: string; is_keyed: boolean }>(
      'SELECT chain_seq, hash, is_keyed FROM audit_head WHERE id = 1 FOR UPDATE',
    );
    if (!head) throw new Error('audit_head row is missing');
    if (head.is_keyed) return null;
    const { id: keyId, key } = ring.current;
    let legacyPrev = 'genesis';
    let keyedPrev = 'genesis';
    let expectedSeq = 1;
    let legacyProblem: string | null = null;
    for (;;) {
      const rows = await sql.query<AuditRow>('SELECT * FROM audit_log WHERE chain_seq >= $1 ORDER BY chain_seq LIMIT $2', [expectedSeq, pageSize]);
      const ids: number[] = [];
      const previous: string[] = [];
      const hashes: string[] = [];
      for (const row of rows) {
        const seq = Number(row.chain_seq);
        if (!legacyProblem) {
          if (seq !== expectedSeq) legacyProblem = `entry ${expectedSeq} of the chain was missing`;
          else if (row.prev_hash !== legacyPrev) legacyProblem = `entry ${seq}'s link to the previous entry did not match`;
          else if (legacyEntryHash(legacyPrev, seq, row) !== row.hash) legacyProblem = `entry ${seq}'s content did not match its hash`;
        }
        legacyPrev = row.hash ?? '';
        const next = entryHash(key, keyId, keyedPrev, seq, row);
        ids.push(row.id);
        previous.push(keyedPrev);
        hashes.push(next);
        keyedPrev = next;
        expectedSeq = seq + 1;
      }
      if (ids.length > 0) {
        await sql.query(
          `UPDATE audit_log a SET legacy_hash = a.hash, prev_hash = v.prev, hash = v.hash, key_id = $4
             FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, prev, hash) WHERE a.id = v.id`,
          [ids, previous, hashes, keyId],
        );
      }
      if (rows.length < pageSize) break;
    }
    const entries = expectedSeq - 1;
    if (!legacyProblem && (Number(head.chain_seq) !== entries || head.hash !== legacyPrev)) legacyProblem = 'the chain head did not match the last entry';
    await sql.query('UPDATE audit_head SET chain_seq = $1, hash = $2, is_keyed = true WHERE id = 1', [entries, keyedPrev]);
    const record: RekeyRecord = { entries, legacyHead: head.hash, legacyIntact: legacyProblem === null, legacyProblem, keyId };
    await appendAudit(sql, { actorId: null, action: 'audit-chain-rekeyed', entityType: 'audit-chain', entityId: 'audit_log', after: { ...record } });
    return record;
  });
}
