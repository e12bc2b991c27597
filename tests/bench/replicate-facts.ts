import pg from 'pg';
import { monthColumns } from '../../sync-server/src/kpis/dashboard';

/**
 * The dashboard's own tables at `factor` × the hospitals (issue 15: "measure it at 10× at least"),
 * for bench:reports -- --facts-x N: a copy of a generated history (CREATE DATABASE … TEMPLATE) in
 * which every hospital has N − 1 replicas (new ids and codes, same district) holding the same
 * facts (045's KPI facts, 057's, 064's and 069's turnaround by day, month, duration and second) and the same turnaround clocks
 * (the report reads the partial days at its ends and a cut bucket from them), and every
 * all-hospitals row is N times what it was — exactly what N − 1 more copies of the same year
 * through the commands would have folded into them. The money rows (claims, payments, accounts)
 * are not replicated: the plain SQL figures and the reports that read those rows still see one
 * copy, so the bench's "agree" column says NO for the KPI and turnaround rows there. It is a
 * measure of the dashboard's reads at that scale, not a history.
 */
const facts = [
  { table: 'kpi_month', keys: ['month', 'package_code'], sums: monthColumns },
  { table: 'kpi_receivables', keys: ['submitted_on', 'month', 'package_code'], sums: ['amount', 'claims'] },
  { table: 'kpi_disallowed', keys: ['month', 'package_code', 'reason_code'], sums: ['lines', 'amount'] },
  { table: 'turnaround_days', keys: ['scheme_id', 'stage', 'day', 'bucket'], sums: ['completed', 'elapsed_seconds'] },
  { table: 'turnaround_months', keys: ['scheme_id', 'stage', 'month', 'bucket'], sums: ['completed', 'elapsed_seconds'] },
  { table: 'turnaround_second_days', keys: ['scheme_id', 'stage', 'day', 'second'], sums: ['completed'] },
  { table: 'turnaround_second_months', keys: ['scheme_id', 'stage', 'month', 'second'], sums: ['completed'] },
] as const;

const clockColumns =
  'scheme_id, stage, owner_role, subject_id, case_id, claim_id, family_id, start_id, started_at, stop_id, stopped_at, outcome, paused_seconds, paused_since';

export async function replicateFacts(adminUrl: string, source: string, target: string, factor: number, log: (line: string) => void): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [target])).rowCount === 1) {
      log(`${target} exists: measured as it is (drop it to replicate again).`);
      return;
    }
    log(`Copying ${source} to ${target} (no other session may be connected to ${source})…`);
    await admin.query(`CREATE DATABASE ${target} TEMPLATE ${source}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${target}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    await db.query('BEGIN');
    // The owner's session: the clocks' trigger must not add the copies to the facts a second time.
    await db.query("SET LOCAL session_replication_role = 'replica'");
    await db.query('SET LOCAL statement_timeout = 0');
    const [{ pending }] = (
      await db.query<{ pending: number }>(
        `SELECT ((SELECT count(*) FROM kpi_month_deltas) + (SELECT count(*) FROM kpi_receivable_deltas) + (SELECT count(*) FROM kpi_disallowed_deltas)
                 + (SELECT count(*) FROM turnaround_day_deltas))::int AS pending`,
      )
    ).rows as [{ pending: number }];
    if (pending !== 0) throw new Error(`${source} has ${pending} deltas not folded: fold them first (the server's folder, or foldKpis).`);
    await db.query(
      `CREATE TEMP TABLE replica_hospitals ON COMMIT DROP AS
         SELECT h.id AS old_id, md5(h.id::text || ':' || k)::uuid AS new_id, h.code || '-R' || lpad(k::text, 2, '0') AS code,
                h.name || ' (replica ' || k || ')' AS name, h.district
           FROM hospitals h CROSS JOIN generate_series(1, $1::int - 1) AS k`,
      [factor],
    );
    await db.query('INSERT INTO hospitals (id, code, name, district) SELECT new_id, code, name, district FROM replica_hospitals');
    for (const { table, keys, sums } of facts) {
      const copied = await db.query(
        `INSERT INTO ${table} (hospital_id, ${keys.join(', ')}, ${sums.join(', ')})
         SELECT r.new_id, ${keys.map((k) => `f.${k}`).join(', ')}, ${sums.map((s) => `f.${s}`).join(', ')}
           FROM ${table} f JOIN replica_hospitals r ON r.old_id = f.hospital_id`,
      );
      const scaled = await db.query(`UPDATE ${table} SET ${sums.map((s) => `${s} = ${s} * $1`).join(', ')} WHERE hospital_id IS NULL`, [factor]);
      log(`${table}: ${copied.rowCount} rows for the replicas, ${scaled.rowCount} all-hospitals rows × ${factor}`);
    }
    const clocks = await db.query(
      `INSERT INTO turnaround_clocks (entity_id, hospital_id, ${clockColumns})
       SELECT k.entity_id || ':' || r.code, r.new_id, ${clockColumns.replace(/(\w+)/g, 'k.$1')}
         FROM turnaround_clocks k JOIN replica_hospitals r ON r.old_id = k.hospital_id`,
    );
    log(`turnaround_clocks: ${clocks.rowCount} clocks for the replicas`);
    await db.query('COMMIT');
    await db.query('ANALYZE');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await db.end();
  }
}
