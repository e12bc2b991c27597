import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds, demoPlans } from '../demo/seed';
import { hasPostgres } from '../testing/databases';
import { startTestServer, type TestServer } from '../testing/harness';
import { importExchangeFile } from './exchange';

/**
 * The exchange import creates the accumulator rows its lines are the first to move in the same
 * statement that moves them (exchange.ts). A pharmacy claim of the same family may create one of
 * those rows at the same moment: the import then waits for it and adds to it, and where the sum
 * would pass the maximum the database refuses the batch and the batch is decided again, with the
 * row now there to lock. Two transactions on two connections, so PostgreSQL only.
 */
describe.skipIf(!hasPostgres)('the exchange import meeting a concurrent first charge of the family (postgres)', () => {
  let server: TestServer;
  let year = 0;
  const header = 'subscriberId\tmemberId\ttype\tcoverageType\tvalue\ttransactionDate';

  beforeAll(async () => {
    server = await startTestServer('postgres', { extraFamilies: 0 });
    const [scheme] = await server.scratch.db.query<{ policy_year: number }>('SELECT policy_year FROM schemes WHERE is_current');
    year = scheme!.policy_year;
  });
  afterAll(async () => server?.close());

  /** A State top-up family of one member with no accumulator row yet. */
  async function freshFamily(tag: string): Promise<{ familyId: string; memberId: string; familyNumber: string; schemeMemberId: string }> {
    const family = { familyId: randomUUID(), memberId: randomUUID(), familyNumber: `XR-${tag}`, schemeMemberId: `PMJ-XR${tag}` };
    await server.scratch.db.query(
      `INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district, plan_id) VALUES ($1, $2, $3, 6000000, '+919800000000', 'Pune', $4)`,
      [family.familyId, demoIds.schemeId, family.familyNumber, demoPlans.stateTopUp.id],
    );
    await server.scratch.db.query('INSERT INTO family_years (family_id, policy_year, cover) VALUES ($1, $2, 6000000)', [family.familyId, year]);
    await server.scratch.db.query(
      `INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation, created_at)
       VALUES ($1, $2, $3, 'Race Member', 1980, 'X', 'other', now() - interval '2 years')`,
      [family.memberId, family.familyId, family.schemeMemberId],
    );
    return family;
  }

  /** Begin a transaction on its own connection that creates the family's deductible row, as a first pharmacy claim would, and keep it open. */
  async function firstChargeInFlight(familyId: string, pharmacyDeductible: number): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: server.scratch.url! });
    await client.connect();
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO accumulator_totals (holder_id, family_id, member_id, policy_year, kind, pharmacy, maximum) VALUES ($1, $1, NULL, $2, 'deductible', $3, $4)`,
      [familyId, year, pharmacyDeductible, demoPlans.stateTopUp.familyDeductible],
    );
    await client.query(
      `INSERT INTO accumulator_entries (family_id, member_id, policy_year, plan_id, kind, coverage_type, delta, source_kind, source_id)
       VALUES ($1, NULL, $2, $3, 'deductible', 'pharmacy', $4, 'pharmacy-claim', $5)`,
      [familyId, year, demoPlans.stateTopUp.id, pharmacyDeductible, `race-${familyId}`],
    );
    return client;
  }

  /** Wait until some statement of the scratch database waits for a lock (the import, on the uncommitted row). */
  async function importWaitsForTheRow(): Promise<void> {
    for (let i = 0; i < 600; i += 1) {
      const [row] = await server.scratch.db.query<{ waiting: number }>(
        "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (row!.waiting > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the import never waited for the uncommitted accumulator row');
  }

  const totals = (familyId: string) =>
    server.scratch.db.query('SELECT holder_id, kind, medical, pharmacy FROM accumulator_totals WHERE family_id = $1 ORDER BY member_id NULLS FIRST, kind', [
      familyId,
    ]);
  const entrySums = (familyId: string) =>
    server.scratch.db.query(
      `SELECT COALESCE(member_id, family_id) AS holder_id, kind, sum(delta) FILTER (WHERE coverage_type = 'medical')::bigint AS medical,
              sum(delta) FILTER (WHERE coverage_type = 'pharmacy')::bigint AS pharmacy
         FROM accumulator_entries WHERE family_id = $1 GROUP BY member_id, family_id, kind ORDER BY member_id NULLS FIRST, kind`,
      [familyId],
    );

  it('adds its movement to the row the other charge created when the sum stays within the maximum', async () => {
    const f = await freshFamily('1');
    const other = await firstChargeInFlight(f.familyId, 100_000);
    try {
      const file = Buffer.from(`${header}\n${f.familyNumber}\t${f.schemeMemberId}\tfamilyDeductible\tmedical\t2000.00\t${year}-04-01\n`);
      const importing = importExchangeFile(server.scratch.db, `accumulators-${year}-04-01.tsv`, file);
      await importWaitsForTheRow();
      await other.query('COMMIT');
      const report = await importing;
      expect(report).toMatchObject({ applied: 1, refused: [] });
    } finally {
      await other.end();
    }
    expect(await totals(f.familyId)).toEqual([{ holder_id: f.familyId, kind: 'deductible', medical: 200_000, pharmacy: 100_000 }]);
    expect(await entrySums(f.familyId)).toEqual([{ holder_id: f.familyId, kind: 'deductible', medical: 200_000, pharmacy: 100_000 }]);
  });

  it('decides the batch again when the sum would pass the maximum: the line is refused with its reason, the rest applied', async () => {
    const f = await freshFamily('2');
    const other = await firstChargeInFlight(f.familyId, 400_000);
    try {
      const file = Buffer.from(
        [
          header,
          `${f.familyNumber}\t${f.schemeMemberId}\tfamilyDeductible\tmedical\t2000.00\t${year}-04-02`, // 4,000 + 2,000 > 5,000: refused
          `${f.familyNumber}\t${f.schemeMemberId}\tindividualMaxPay\tpharmacy\t100.00\t${year}-04-02`, // a row nobody else touches: applied
        ].join('\n') + '\n',
      );
      const importing = importExchangeFile(server.scratch.db, `accumulators-${year}-04-02.tsv`, file);
      await importWaitsForTheRow();
      await other.query('COMMIT');
      const report = await importing;
      expect(report.applied).toBe(1);
      expect(report.refused).toEqual([{ line: 2, reason: `familyDeductible would reach 6000 for the year ${year}, past the plan's maximum of 5000` }]);
    } finally {
      await other.end();
    }
    expect(await totals(f.familyId)).toEqual([
      { holder_id: f.familyId, kind: 'deductible', medical: 0, pharmacy: 400_000 },
      { holder_id: f.memberId, kind: 'out-of-pocket', medical: 0, pharmacy: 10_000 },
    ]);
    expect(await entrySums(f.familyId)).toEqual([
      { holder_id: f.familyId, kind: 'deductible', medical: null, pharmacy: 400_000 },
      { holder_id: f.memberId, kind: 'out-of-pocket', medical: null, pharmacy: 10_000 },
    ]);
  });
});
