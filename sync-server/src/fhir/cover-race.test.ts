import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { hasPostgres } from '../testing/databases';
import { fhirRequest, hospitalSystemToken, preauthClaim, registerHospitalSystem } from '../testing/fhir';
import { moneyConsistency, startTestServer, type TestServer } from '../testing/harness';
import { warmUpR4Definitions } from './r4-definitions';

const units = (n: number) => n * 100;

// S1-race through /fhir: concurrency is a PostgreSQL guarantee (PGlite has one connection and runs
// requests one after another), so this runs on PostgreSQL only; without DATABASE_URL it is
// reported as not tested (tests/support/postgres-skips-reporter.ts).
describe.skipIf(!hasPostgres)('FHIR cover race: two hospital systems, one family, repeated identifiers (postgres)', () => {
  let server: TestServer;
  let tokenA = '';
  let tokenB = '';

  beforeAll(async () => {
    warmUpR4Definitions();
    server = await startTestServer('postgres');
    const ha = await server.login('ha');
    tokenA = await hospitalSystemToken(server, await registerHospitalSystem(server, ha, demoIds.hospitalA));
    tokenB = await hospitalSystemToken(server, await registerHospitalSystem(server, ha, demoIds.hospitalB));
  });
  afterAll(async () => server?.close());

  it('four pre-auths of 22,000 against a cover of 10,000, each sent three times at once: committed = cover, each applied once', async () => {
    const requests = [
      { token: tokenA, claim: preauthClaim('RACE-FATHER', demoIds.father, demoIds.hospitalA, 'MG012A') },
      { token: tokenB, claim: preauthClaim('RACE-MOTHER', demoIds.mother, demoIds.hospitalB, 'MG006A') },
      { token: tokenA, claim: preauthClaim('RACE-SON', demoIds.son, demoIds.hospitalA, 'MG012A') },
      { token: tokenB, claim: preauthClaim('RACE-DAUGHTER', demoIds.daughter, demoIds.hospitalB, 'MG006A') },
    ];
    const sends = requests.flatMap((request) => [request, request, request]);
    // Interleave the copies so duplicates and rivals reach the database together.
    const answers = await Promise.all(
      sends.map((request) => fhirRequest(server, 'POST', '/fhir/Claim/$submit', { token: request.token, body: request.claim })),
    );
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);
    // Each identifier: one first answer and two replays, all three the same ClaimResponse.
    for (let index = 0; index < requests.length; index += 1) {
      const copies = answers.slice(index * 3, index * 3 + 3);
      expect(copies.filter((a) => a.headers['x-command-replayed'] === 'true')).toHaveLength(2);
      expect(new Set(copies.map((a) => a.text)).size).toBe(1);
    }
    const held = answers
      .slice(0)
      .filter((_, i) => i % 3 === 0)
      .map((a) => benefitOf(a.body));
    expect(held.reduce((sum, amount) => sum + amount, 0)).toBe(10_000);
    const [totals] = await server.scratch.db.query<{ cases: number; holds: number; held: number }>(
      `SELECT (SELECT count(*)::int FROM cases WHERE family_id = $1) AS cases, (SELECT count(*)::int FROM holds WHERE family_id = $1) AS holds,
              (SELECT COALESCE(sum(amount), 0)::int FROM holds WHERE family_id = $1) AS held`,
      [demoIds.seedFamily],
    );
    expect(totals).toEqual({ cases: 4, holds: 4, held: units(10_000) });
    const balance = await server.get(await server.login('ppd'), `/families/${demoIds.seedFamily}/balance`);
    expect(balance.body).toMatchObject({ cover: units(10_000), committed: units(10_000), available: 0 });
    for (const row of await moneyConsistency(server.scratch)) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect(row.committed).toBe(row.ledger);
      expect(row.committed).toBe(row.holds + row.claims);
    }
  });
});

function benefitOf(claimResponse: Record<string, unknown>): number {
  const total = claimResponse.total as { category: { coding: { code: string }[] }; amount: { value: number } }[];
  return total.find((line) => line.category.coding[0]!.code === 'benefit')?.amount.value ?? 0;
}
