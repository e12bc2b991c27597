// demo:history at a small bound (issue 15): a week across the turn of the policy year, two
// hospitals, on PostgreSQL (money) and PGlite (npm start's database). The history keeps the money
// invariants, the audit chain verifies, the same seed writes the same history and another seed
// another one, and bad options or a database with cases are refused writing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../audit/chain';
import { migrate } from '../db/migrate';
import type { Database } from '../db/database';
import { availableBackends, createScratchDatabase, hasPostgres, type ScratchDatabase } from '../testing/databases';
import { moneyConsistency } from '../testing/harness';
import { testServerKeys } from '../testing/keys';
import { snapshotDatabase } from '../testing/snapshot';
import { turnaroundClockColumns } from '../queries/turnaround';
import { generateHistory, HistoryRefusal, moneyInvariantViolations, type HistoryOptions, type HistorySummary } from './history';

// Ends four days into 2026: the week crosses the demo scheme's policy-year roll-over (1 January, India).
const week = {
  months: 0,
  days: 7,
  hospitals: 2,
  patientsPerMonth: 150,
  end: new Date('2026-01-04T06:00:00Z'),
  keys: testServerKeys,
} satisfies Partial<HistoryOptions>;

/** What the history decided, in an order that does not depend on row ids: amounts, states and times to the minute. */
async function historyDigest(db: Database): Promise<Record<string, string>> {
  const parts: Record<string, string> = {};
  const queries: Record<string, string> = {
    cases: `SELECT id, member_id, hospital_id, status, policy_year, date_trunc('minute', admitted_at), date_trunc('minute', discharged_at), date_trunc('minute', cancelled_at) FROM cases`,
    preauths: `SELECT case_id, status, approved_amount, recommended_amount, date_trunc('minute', requested_at), date_trunc('minute', decided_at) FROM preauths`,
    holds: 'SELECT case_id, amount, consumed, authorized, status, policy_year, cost_share_estimate FROM holds',
    bookings: 'SELECT id, amount, covered_amount, shortfall_amount, cost_share_amount, status FROM bookings',
    enhancements: `SELECT id, status, requested_amount, approved_amount, granted_amount, date_trunc('minute', decided_at) FROM enhancements`,
    claims: `SELECT id, amount, payer_amount, patient_amount, approved_amount, status, payment_id, date_trunc('minute', submitted_at), date_trunc('minute', verified_at) FROM claims`,
    payments: `SELECT id, hospital_id, reference, amount, deductions, net_paid, date_trunc('minute', created_at) FROM payments`,
    patientPayments: 'SELECT id, case_id, amount, method, receipt_number FROM patient_payments',
    ledger: 'SELECT family_id, policy_year, component, sum(delta) FROM ledger GROUP BY 1, 2, 3',
    familyYears: 'SELECT family_id, policy_year, cover, committed FROM family_years',
  };
  for (const [name, query] of Object.entries(queries)) {
    const [row] = await db.query<{ count: number; digest: string | null }>(
      `SELECT count(*)::int AS count, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM (${query}) t`,
    );
    parts[name] = `${row?.count ?? 0}:${row?.digest ?? '-'}`;
  }
  return parts;
}

async function freshDatabase(backend: 'postgres' | 'pglite'): Promise<ScratchDatabase> {
  const scratch = await createScratchDatabase(backend);
  await migrate(scratch.db);
  return scratch;
}

describe.each(availableBackends)('demo:history on %s', (backend) => {
  let first: ScratchDatabase;
  let summary: HistorySummary;

  beforeAll(async () => {
    first = await freshDatabase(backend);
    summary = await generateHistory(first.db, { ...week, seed: 7 });
  }, 600_000);
  afterAll(async () => {
    await first?.drop();
  });

  it('runs every case through the commands without an unexpected answer', () => {
    expect(summary.unexpected).toEqual([]);
    // 150 a month over 7 days: about 35 admissions, each with its pre-auth, across both years.
    expect(summary.cases).toBeGreaterThan(25);
    expect(summary.answers['admit 200']).toBe(summary.cases);
    expect(summary.answers['request-preauth 200']).toBeGreaterThan(25);
    expect(summary.answers['discharge 200']).toBeGreaterThan(10);
    expect(summary.answers['submit-claim 200']).toBeGreaterThan(5);
  });

  it("keeps the money invariants of every family-year (the scenario tests' check)", async () => {
    expect(await moneyInvariantViolations(first.db)).toEqual([]);
    const rows = await moneyConsistency(first);
    expect(rows.length).toBeGreaterThan(100);
    for (const row of rows) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect({ ledger: row.ledger, holdsAndClaims: row.holds + row.claims + row.pharmacy, holds: row.ledger_holds, claims: row.ledger_claims }).toEqual({
        ledger: row.committed,
        holdsAndClaims: row.committed,
        holds: row.holds,
        claims: row.claims,
      });
    }
    // Both policy years hold money: the history crossed the roll-over through the real runner.
    const years = await first.db.query<{ policy_year: number }>('SELECT DISTINCT policy_year FROM cases ORDER BY 1');
    expect(years.map((y) => y.policy_year)).toEqual([2025, 2026]);
  });

  it('puts the stamps on the simulated clock and links an audit chain that verifies', async () => {
    const [span] = await first.db.query<{ first: Date; last: Date; unlinked: number }>(
      'SELECT min(at) AS first, max(at) AS last, count(*) FILTER (WHERE chain_seq IS NULL)::int AS unlinked FROM audit_log',
    );
    expect(new Date(span!.first).getTime()).toBeGreaterThanOrEqual(new Date('2025-12-28T06:00:00Z').getTime());
    expect(new Date(span!.last).getTime()).toBeLessThanOrEqual(week.end.getTime());
    expect(span!.unlinked).toBe(0);
    const [late] = await first.db.query<{ count: number }>('SELECT count(*)::int AS count FROM preauths WHERE decided_at > $1', [week.end]);
    expect(late!.count).toBe(0);
    const verdict = await verifyChain(first.db, testServerKeys.audit);
    expect(verdict.ok).toBe(true);
    expect(verdict.entries).toBe(summary.auditEntriesLinked);
  });

  it("puts the revenue-cycle aggregates on the history's months, as a rebuild from the money rows does", async () => {
    const months = await first.db.query<{ month: string; submitted: number }>(
      // The scheme's rollup rows (every hospital, every package: NULL is "all", migration 045).
      "SELECT to_char(month, 'YYYY-MM') AS month, sum(submitted_claims)::int AS submitted FROM kpi_month WHERE hospital_id IS NULL AND package_code IS NULL GROUP BY 1 HAVING sum(submitted_claims) <> 0 ORDER BY 1",
    );
    const [claims] = await first.db.query<{ count: number }>('SELECT count(*)::int AS count FROM claims');
    expect(months.every((m) => m.month === '2025-12' || m.month === '2026-01')).toBe(true);
    expect(months.reduce((sum, m) => sum + m.submitted, 0)).toBe(claims!.count);
  });

  it('claims only what the scheme covers, and gives back what patients paid for lines CPD denied (issue 15)', async () => {
    // No claim of 0 (a hold of 0 leaves the bill to the patient: submit-claim refuses it, and the
    // history does not ask), and no credit left on a patient account hours after the claim's
    // verification took a denied line's charge off it: a kept credit counted as collected.
    const [zero] = await first.db.query<{ count: number }>('SELECT count(*)::int AS count FROM claims WHERE payer_amount = 0');
    expect(zero!.count).toBe(0);
    const credits = await first.db.query<{ case_id: string; charged: number; settled: number }>(
      `SELECT a.case_id, a.charged, (a.paid - a.refunded + a.secondary)::bigint AS settled
         FROM patient_accounts a JOIN claims c ON c.case_id = a.case_id
        WHERE a.paid - a.refunded + a.secondary > a.charged AND c.verified_at < $1::timestamptz - interval '3 hours'`,
      [week.end],
    );
    expect(credits).toEqual([]);
    const [refunds] = await first.db.query<{ count: number }>("SELECT count(*)::int AS count FROM patient_payments WHERE direction = 'refund'");
    expect(refunds!.count).toBe(summary.answers['refund-payment 200'] ?? 0);
  });

  it('keeps the turnaround clocks as the trail defines them after moving its stamps onto the clock (migration 049)', async () => {
    const kept = await first.db.query<{ clock: string }>(`SELECT (${turnaroundClockColumns})::text AS clock FROM turnaround_clocks ORDER BY 1`);
    const defined = await first.db.query<{ clock: string }>(`SELECT (${turnaroundClockColumns})::text AS clock FROM stage_clocks ORDER BY 1`);
    expect(kept.length).toBeGreaterThan(20);
    expect(new Set(kept.map((row) => row.clock.split(',')[0])).size).toBeGreaterThanOrEqual(3);
    expect(kept).toEqual(defined);
  });

  it('refuses a database that already has cases, writing nothing', async () => {
    const before = await snapshotDatabase(first.db);
    const refusal = await generateHistory(first.db, { ...week, seed: 7 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(HistoryRefusal);
    expect((refusal as HistoryRefusal).code).toBe('database-not-empty');
    expect((refusal as HistoryRefusal).message).toMatch(/already holds cases/);
    expect(await snapshotDatabase(first.db)).toEqual(before);
  });
});

describe('demo:history is deterministic for a seed', () => {
  const backend = hasPostgres ? 'postgres' : 'pglite';
  const scratches: ScratchDatabase[] = [];
  afterAll(async () => {
    for (const scratch of scratches) await scratch.drop();
  });

  it(`writes the same history twice with seed 11 and another with seed 12 (${backend})`, async () => {
    const digests: Record<string, string>[] = [];
    for (const seed of [11, 11, 12]) {
      const scratch = await freshDatabase(backend);
      scratches.push(scratch);
      await generateHistory(scratch.db, { ...week, seed, concurrency: 6 });
      digests.push(await historyDigest(scratch.db));
    }
    expect(digests[1]).toEqual(digests[0]);
    expect(digests[2]!.cases).not.toEqual(digests[0]!.cases);
    expect(digests[2]!.claims).not.toEqual(digests[0]!.claims);
  }, 900_000);

  it('refuses bad options with a code and a sentence, writing nothing', async () => {
    const scratch = await freshDatabase(backend);
    scratches.push(scratch);
    const before = await snapshotDatabase(scratch.db);
    for (const bad of [{ months: -1 }, { months: 1.5 }, { hospitals: 0 }, { patientsPerMonth: -5 }, { gridMinutes: 0 }, { concurrency: 0 }, { days: 0 }]) {
      const refusal = await generateHistory(scratch.db, { ...week, seed: 1, ...bad }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(HistoryRefusal);
      expect((refusal as HistoryRefusal).code).toBe('invalid-options');
      expect((refusal as HistoryRefusal).message).toMatch(/must be a whole number/);
    }
    expect(await snapshotDatabase(scratch.db)).toEqual(before);
  });
});
