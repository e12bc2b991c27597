import { createHash } from 'node:crypto';
import type { Database, Sql } from '../db/database';

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
  await sql.defer(
    'INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, command_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [entry.actorId, entry.action, entry.entityType, entry.entityId, entry.before ? JSON.stringify(entry.before) : null, entry.after ? JSON.stringify(entry.after) : null, entry.commandId ?? null],
  );
}

interface AuditRow {
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
}

/** Canonical JSON: keys sorted at every level, so jsonb's own key order never changes a hash. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const object = value as Record<string, unknown>;
  return `{${Object.keys(object).sort().map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`).join(',')}}`;
}

export function entryHash(prevHash: string, chainSeq: number, row: AuditRow): string {
  const body = canonical({
    id: row.id, at: new Date(row.at).toISOString(), actor: row.actor_id, action: row.action, entityType: row.entity_type,
    entityId: row.entity_id, before: row.before, after: row.after, commandId: row.command_id, chainSeq,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/**
 * Link committed, unlinked entries onto the chain, in id order. One chainer at a time across all
 * server processes (a transaction-scoped advisory lock; others skip this round rather than wait),
 * and the whole batch is written back in one statement. Returns how many entries were linked.
 */
export async function linkPending(db: Database, batchSize = 5000): Promise<number> {
  return db.transaction(async (sql) => {
    const [lock] = await sql.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(7244902) AS locked');
    if (!lock?.locked) return 0;
    const [head] = await sql.query<{ chain_seq: number; hash: string }>('SELECT chain_seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
    if (!head) throw new Error('audit_head row is missing');
    const rows = await sql.query<AuditRow>('SELECT * FROM audit_log WHERE chain_seq IS NULL ORDER BY id LIMIT $1', [batchSize]);
    if (rows.length === 0) return 0;
    let { chain_seq: seq, hash } = head;
    const ids: number[] = [];
    const seqs: number[] = [];
    const previous: string[] = [];
    const hashes: string[] = [];
    for (const row of rows) {
      seq += 1;
      const next = entryHash(hash, seq, row);
      ids.push(row.id);
      seqs.push(seq);
      previous.push(hash);
      hashes.push(next);
      hash = next;
    }
    await sql.query(
      `UPDATE audit_log a SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev, hash) WHERE a.id = v.id`,
      [ids, seqs, previous, hashes],
    );
    await sql.query('UPDATE audit_head SET chain_seq = $1, hash = $2 WHERE id = 1', [seq, hash]);
    return rows.length;
  });
}

export type ChainVerdict =
  | { ok: true; entries: number; headHash: string; unlinked: number }
  | { ok: false; entries: number; firstBadSeq: number; firstBadId: number; problem: string };

/** Recompute the whole chain from genesis; name the first entry whose content or link is wrong. */
export async function verifyChain(sql: Sql, pageSize = 5000): Promise<ChainVerdict> {
  let prev = 'genesis';
  let expectedSeq = 1;
  let entries = 0;
  for (;;) {
    const rows = await sql.query<AuditRow>('SELECT * FROM audit_log WHERE chain_seq >= $1 ORDER BY chain_seq LIMIT $2', [expectedSeq, pageSize]);
    for (const row of rows) {
      const seq = row.chain_seq ?? -1;
      if (seq !== expectedSeq) return { ok: false, entries, firstBadSeq: expectedSeq, firstBadId: row.id, problem: `entry ${expectedSeq} of the chain is missing` };
      if (row.prev_hash !== prev) return { ok: false, entries, firstBadSeq: seq, firstBadId: row.id, problem: 'its link to the previous entry does not match' };
      const recomputed = entryHash(prev, seq, row);
      if (recomputed !== row.hash) return { ok: false, entries, firstBadSeq: seq, firstBadId: row.id, problem: 'its content does not match its hash (altered after it was written)' };
      prev = recomputed;
      expectedSeq += 1;
      entries += 1;
    }
    if (rows.length < pageSize) break;
  }
  const [head] = await sql.query<{ chain_seq: number; hash: string }>('SELECT chain_seq, hash FROM audit_head WHERE id = 1');
  if (!head || head.chain_seq !== entries || head.hash !== prev) {
    return { ok: false, entries, firstBadSeq: entries + 1, firstBadId: -1, problem: 'the chain head does not match the last entry (entries removed or head altered)' };
  }
  const [pending] = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_log WHERE chain_seq IS NULL');
  return { ok: true, entries, headHash: prev, unlinked: pending?.count ?? 0 };
}
