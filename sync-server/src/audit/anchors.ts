import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { findKey, type Keyring } from '../auth/keyring';
import type { Sql } from '../db/database';

/**
 * Anchors: the audit chain's head, written outside the database at a fixed interval (issue 13
 * item 3). The chain's own hashes are in the database, so someone who can write it could cut off
 * its newest entries and set the head back to an earlier, genuine entry; an anchor written before
 * that still names the later entry and its hash, and `npm run audit:verify -- --anchors FILE`
 * finds it gone. Each anchor is one JSON line, appended (O_APPEND) and flushed to disk, with an HMAC
 * under the audit key so a forged line is refused. IT keeps the file where the database's writers
 * cannot reach it (another machine's mount, a WORM or append-only volume, `chattr +a`).
 */
export interface Anchor {
  readonly v: 1;
  /** Chain position and hash of the head when anchored. */
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  readonly keyId: string;
  readonly mac: string;
}

function anchorMac(key: Buffer, anchor: Omit<Anchor, 'mac'>): string {
  return createHmac('sha256', key).update(`coverdesk audit anchor\n${anchor.v}\n${anchor.keyId}\n${anchor.seq}\n${anchor.hash}\n${anchor.at}`).digest('hex');
}

export function signAnchor(ring: Keyring, head: { seq: number; hash: string }, at: Date): Anchor {
  const unsigned = { v: 1 as const, seq: head.seq, hash: head.hash, at: at.toISOString(), keyId: ring.current.id };
  return { ...unsigned, mac: anchorMac(ring.current.key, unsigned) };
}

/** Append one anchor line and flush it to disk before returning. */
export function appendAnchor(file: string, anchor: Anchor): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${JSON.stringify(anchor)}\n`, { mode: 0o640, flag: 'a' });
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type ParsedAnchor = { readonly line: number; readonly anchor: Anchor } | { readonly line: number; readonly problem: string };

/** Read an anchor file: each line parsed and its MAC checked with the keyring. */
export function readAnchors(file: string, ring: Keyring): ParsedAnchor[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((text, index): ParsedAnchor[] => {
      if (text.trim() === '') return [];
      const line = index + 1;
      let value: Partial<Anchor>;
      try {
        value = JSON.parse(text) as Partial<Anchor>;
      } catch {
        return [{ line, problem: 'not JSON' }];
      }
      if (
        value.v !== 1 ||
        typeof value.seq !== 'number' ||
        typeof value.hash !== 'string' ||
        typeof value.at !== 'string' ||
        typeof value.keyId !== 'string' ||
        typeof value.mac !== 'string'
      )
        return [{ line, problem: 'not an anchor' }];
      const key = findKey(ring, value.keyId);
      if (!key) return [{ line, problem: `signed with audit key "${value.keyId}", which is not in the keyring` }];
      const anchor = value as Anchor;
      const expected = anchorMac(key, anchor);
      if (expected.length !== anchor.mac.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(anchor.mac)))
        return [{ line, problem: 'its signature does not match (forged or edited)' }];
      return [{ line, anchor }];
    });
}

export type AnchorsVerdict = { ok: true; anchors: number; newest: Anchor | null } | { ok: false; anchors: number; line: number; problem: string };

/**
 * Check every anchor against the database: its entry must still be there with the anchored hash,
 * and the head must not be behind it. Run after the chain itself verified (verifyChain).
 */
export async function checkAnchors(sql: Pick<Sql, 'query'>, parsed: readonly ParsedAnchor[]): Promise<AnchorsVerdict> {
  const [head] = await sql.query<{ chain_seq: number }>('SELECT chain_seq FROM audit_head WHERE id = 1');
  const headSeq = Number(head?.chain_seq ?? 0);
  let newest: Anchor | null = null;
  for (const entry of parsed) {
    if ('problem' in entry) return { ok: false, anchors: parsed.length, line: entry.line, problem: `anchor line ${entry.line} is ${entry.problem}` };
    const { anchor } = entry;
    if (anchor.seq > headSeq)
      return {
        ok: false,
        anchors: parsed.length,
        line: entry.line,
        problem: `anchor line ${entry.line} (${anchor.at}) names entry ${anchor.seq}, but the chain now ends at ${headSeq}: entries were removed`,
      };
    if (anchor.seq > 0) {
      const [row] = await sql.query<{ hash: string | null }>('SELECT hash FROM audit_log WHERE chain_seq = $1', [anchor.seq]);
      if (!row || row.hash !== anchor.hash)
        return {
          ok: false,
          anchors: parsed.length,
          line: entry.line,
          problem: `anchor line ${entry.line} (${anchor.at}) names entry ${anchor.seq} with another hash: the chain was rewritten after it was anchored`,
        };
    }
    if (!newest || anchor.seq >= newest.seq) newest = anchor;
  }
  return { ok: true, anchors: parsed.length, newest };
}

/** What the payer console shows: where anchors go and the newest one this process wrote. */
export interface AnchorStatus {
  readonly file: string;
  readonly intervalSeconds: number;
  readonly lastSeq: number | null;
  readonly lastAt: string | null;
}

/**
 * Writes an anchor of the current head every interval (and once at start and at stop), when the
 * head moved since the last one this process wrote. Several server processes may write to one file
 * or to one file each; every line is checked on its own.
 */
export class AnchorWriter {
  private last: Anchor | null = null;

  constructor(
    private readonly file: string,
    private readonly ring: Keyring,
    readonly intervalSeconds: number,
  ) {}

  async anchor(sql: Pick<Sql, 'query'>, now: Date = new Date()): Promise<Anchor | null> {
    const [head] = await sql.query<{ chain_seq: number; hash: string; is_keyed: boolean }>('SELECT chain_seq, hash, is_keyed FROM audit_head WHERE id = 1');
    if (!head?.is_keyed) return null;
    const seq = Number(head.chain_seq);
    if (this.last && this.last.seq === seq && this.last.hash === head.hash) return null;
    const anchor = signAnchor(this.ring, { seq, hash: head.hash }, now);
    appendAnchor(this.file, anchor);
    this.last = anchor;
    return anchor;
  }

  status(): AnchorStatus {
    return { file: this.file, intervalSeconds: this.intervalSeconds, lastSeq: this.last?.seq ?? null, lastAt: this.last?.at ?? null };
  }
}
