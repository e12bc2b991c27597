import { linkPending } from '../audit/chain';
import { testServerKeys } from './keys';
import type { Database, Sql } from '../db/database';

/**
 * Tables that record that a desk was heard from, not what it asked for: the desk fleet's last-seen
 * row (migration 050) moves on every authenticated sync request, a refused one too, as a request
 * log would. A snapshot leaves them out; everything a request could change stays in.
 */
const observationTables = ['desk_fleet_reports'] as const;

/**
 * A fingerprint of every table in the database: row count and an md5 over all rows. Two equal
 * snapshots mean nothing was written in between (sequences aside, which PostgreSQL advances even
 * for rolled-back inserts and which hold no data).
 */
export async function snapshotDatabase(sql: Sql): Promise<Record<string, string>> {
  const tables = await sql.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> ALL ($1::text[]) ORDER BY table_name",
    [[...observationTables]],
  );
  if (tables.length === 0) return {};
  // One statement for all tables: one round trip (PGlite runs one query at a time).
  const rows = await sql.query<{ name: string; count: number; digest: string | null }>(
    tables
      .map(
        ({ table_name: table }) =>
          `SELECT ${quoteLiteral(table)} AS name, count(*)::int AS count, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${table}" t`,
      )
      .join(' UNION ALL '),
  );
  const result: Record<string, string> = {};
  for (const row of rows) result[row.name] = `${row.count}:${row.digest ?? '-'}`;
  return result;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Wait until every audit entry is linked onto the chain. The server's background chainer may be
 * linking at the same moment (then our own attempt skips): poll until nothing is left unlinked,
 * so a snapshot taken next cannot change under the test.
 */
export async function settleAuditChain(db: Database): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_log WHERE chain_seq IS NULL');
    if ((row?.count ?? 0) === 0) return;
    await linkPending(db, testServerKeys.audit);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('audit entries stayed unlinked for 2 s');
}
