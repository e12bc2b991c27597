import { policyYearOf } from '@domain/policy-year';
import { currentScheme, type SchemeRow } from '../commands/context';
import type { Database, Sql } from '../db/database';

/**
 * The policy year's roll-over (migration 023). When the clock passes into a new policy year, the
 * closing year's parameters are frozen in `scheme_years` and the scheme row carries the new year,
 * one year per step. The closing row is locked first, so the frozen parameters are exactly those
 * the year closed with even if HA changes them at the same moment, and two processes rolling at
 * once roll once (the second finds the year already moved and changes nothing).
 *
 * Called at the start of every command's transaction (runner.ts, before the handler locks
 * anything, so it cannot deadlock with a case's locks) and by each server's year watcher.
 * Returns the scheme row as it is after the roll-over.
 */
export async function rollPolicyYear(sql: Pick<Sql, 'query'>, scheme: SchemeRow, now: Date): Promise<SchemeRow> {
  const target = policyYearOf(now, scheme.time_zone, scheme.year_start_month);
  let current = scheme;
  while (current.policy_year < target) {
    const [closing] = await sql.query<SchemeRow>('SELECT * FROM schemes WHERE id = $1 AND is_current AND policy_year = $2 FOR UPDATE', [
      current.id,
      current.policy_year,
    ]);
    if (closing) {
      await sql.query(
        'INSERT INTO scheme_years (policy_year, scheme_id, government_share_bp, shortfall_policy, auto_extend_bp) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (policy_year) DO NOTHING',
        [closing.policy_year, closing.id, closing.government_share_bp, closing.shortfall_policy, closing.auto_extend_bp],
      );
      await sql.query('UPDATE schemes SET policy_year = $2 WHERE id = $1', [closing.id, closing.policy_year + 1]);
    }
    current = await currentScheme(sql);
  }
  return current;
}

/**
 * Open the open year's account for every family that has none yet (a family's first decision of
 * the year opens its own, family-cover.ts openAccount), in batches by family id, touching each
 * family so its document, with the fresh cover, reaches every desk. Returns how many were opened.
 */
export async function openYearAccounts(db: Database, options: { batchSize?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 2_000;
  let after: string | null = null;
  let opened = 0;
  for (;;) {
    const [batch] = await db.transaction(async (sql) =>
      sql.query<{ opened: number; last_id: string | null }>(
        `WITH year AS (SELECT policy_year FROM schemes WHERE is_current),
            candidates AS (
              SELECT f.id, f.cover FROM families f
               WHERE ($1::uuid IS NULL OR f.id > $1::uuid)
               ORDER BY f.id LIMIT $2),
            inserted AS (
              INSERT INTO family_years (family_id, policy_year, cover)
              SELECT c.id, y.policy_year, c.cover FROM candidates c CROSS JOIN year y
              ON CONFLICT DO NOTHING RETURNING family_id),
            touched AS (UPDATE families SET updated_at = now() WHERE id IN (SELECT family_id FROM inserted) RETURNING id)
       SELECT (SELECT count(*) FROM touched)::int AS opened, (SELECT max(id::text) FROM candidates) AS last_id`,
        [after, batchSize],
      ),
    );
    opened += batch?.opened ?? 0;
    if (!batch?.last_id) return opened;
    after = batch.last_id;
  }
}

/**
 * Each server process watches the calendar: in a new policy year it rolls the scheme over (if no
 * command has yet), and when it sees the open year change (here or on another process) it opens
 * every family's account, so desks show the fresh cover without waiting for a first decision.
 * Idempotent and safe on every process at once. `seenYear`: the open year at this process's last
 * look (null at boot: nothing to open).
 */
export async function keepPolicyYear(db: Database, now: Date, seenYear: number | null): Promise<{ openYear: number; opened: number }> {
  const after = await db.transaction(async (sql) => rollPolicyYear(sql, await currentScheme(sql), now));
  const opened = seenYear !== null && after.policy_year !== seenYear ? await openYearAccounts(db) : 0;
  return { openYear: after.policy_year, opened };
}
