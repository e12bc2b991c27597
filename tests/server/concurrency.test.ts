import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds, seedDemo } from '../../sync-server/src/demo/seed';
import { prepareServer } from '../../sync-server/src/server-state';
import { createScratchDatabase, type ScratchDatabase } from '../../sync-server/src/testing/databases';
import { moneyConsistency } from '../../sync-server/src/testing/harness';
import { login, postJson, startServerProcess, type HttpAnswer, type ServerProcess } from '../support/server-process';
import { testServerKeys } from '../../sync-server/src/testing/keys';

/**
 * Three sync-server processes on one real PostgreSQL database, hammered concurrently. Concurrency
 * is about the database's arbitration, so this needs PostgreSQL: CI always sets DATABASE_URL.
 */
const hasPostgres = Boolean(process.env.DATABASE_URL);
const packages = [
  { code: 'MG012A', price: 600_000 },
  { code: 'MG006A', price: 500_000 },
  { code: 'SG049A', price: 1_500_000 },
  { code: 'SE007A', price: 800_000 },
  { code: 'MO004A', price: 1_200_000 },
  { code: 'MC011A', price: 950_000 },
];
const families = 20;
const membersPerFamily = 5;
const familyCover = 2_500_000; // ₹25,000: five members' packages overrun it, so covers run out

describe.skipIf(!hasPostgres)('three servers, 300 concurrent money commands with duplicates (PostgreSQL; set DATABASE_URL)', () => {
  let scratch: ScratchDatabase;
  let servers: ServerProcess[] = [];
  let tokens: { a: string; b: string };
  const members: { memberId: string; familyId: string }[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase('postgres');
    const state = await prepareServer(scratch.db, { keys: testServerKeys });
    await seedDemo(scratch.db, { nationalIdKey: state.nationalIdKey, extraFamilies: 0 });
    await state.stop();
    // Bookings past the hold may extend it by 20% of the authorized amount: more arbitration.
    await scratch.db.query('UPDATE schemes SET auto_extend_bp = 2000');
    for (let f = 0; f < families; f += 1) {
      const familyId = randomUUID();
      await scratch.db.query(
        "INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district) VALUES ($1, $2, $3, $4, '+919800001111', 'Pune')",
        [familyId, demoIds.schemeId, `FAM-C-${f}`, familyCover],
      );
      for (let m = 0; m < membersPerFamily; m += 1) {
        const memberId = randomUUID();
        await scratch.db.query(
          "INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, 'Load Test', 1980, 'X', 'other')",
          [memberId, familyId, `PMJ-C${String(f * 10 + m).padStart(7, '0')}`],
        );
        members.push({ memberId, familyId });
      }
    }
    servers = await Promise.all([0, 1, 2].map(() => startServerProcess({ DATABASE_URL: scratch.url!, DATABASE_POOL_SIZE: '10' })));
    tokens = { a: await login(servers[0]!.url, 'medco.a'), b: await login(servers[1]!.url, 'medco.b') };
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await scratch?.drop();
  });

  it('keeps committed ≤ cover for every family, holds = ledger to the unit, and duplicates change nothing', async () => {
    const caseOf = members.map((member, index) => ({ ...member, caseId: randomUUID(), token: index % 2 === 0 ? tokens.a : tokens.b }));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
    const serverUrl = () => pick(servers).url;

    // Admissions first (they are not money), concurrently, each sent twice.
    const admits = await Promise.all(
      caseOf.flatMap((c) => {
        const body = { commandId: randomUUID(), caseId: c.caseId, memberId: c.memberId, identityMethod: 'fingerprint' };
        return [postJson(`${serverUrl()}/commands/admit`, body, c.token), postJson(`${serverUrl()}/commands/admit`, body, c.token)];
      }),
    );
    expect(admits.every((a) => a.status === 200)).toBe(true);

    // 300 money commands: a pre-auth for every case and 200 bookings on random cases, interleaved;
    // a third of them are also sent a second time, to another server, at the same moment.
    type Sent = { name: string; body: Record<string, unknown>; token: string };
    const commands: Sent[] = [
      ...caseOf.map((c) => ({
        name: 'request-preauth',
        token: c.token,
        body: { commandId: randomUUID(), caseId: c.caseId, packageCode: pick(packages).code },
      })),
      ...Array.from({ length: 200 }, () => {
        const c = pick(caseOf);
        return {
          name: 'add-booking',
          token: c.token,
          body: {
            commandId: randomUUID(),
            bookingId: randomUUID(),
            caseId: c.caseId,
            itemCode: 'SVC',
            description: 'Service',
            quantity: 1 + Math.floor(Math.random() * 3),
            unitPrice: 50_000 + Math.floor(Math.random() * 200_000),
          },
        };
      }),
    ].sort(() => Math.random() - 0.5);
    expect(commands).toHaveLength(300);
    const duplicated = new Set(commands.filter(() => Math.random() < 0.33).map((c) => c.body.commandId as string));
    const answers = new Map<string, HttpAnswer[]>();
    await Promise.all(
      commands.flatMap((c) => {
        const sends = duplicated.has(c.body.commandId as string) ? 2 : 1;
        return Array.from({ length: sends }, async () => {
          const answer = await postJson(`${serverUrl()}/commands/${c.name}`, c.body, c.token);
          const list = answers.get(c.body.commandId as string) ?? [];
          list.push(answer);
          answers.set(c.body.commandId as string, list);
        });
      }),
    );

    // Every answer is a decision (200) or a business rejection (409: e.g. booking before its pre-auth).
    const all = [...answers.values()].flat();
    expect(
      all.every((a) => a.status === 200 || a.status === 409),
      JSON.stringify(all.filter((a) => a.status !== 200 && a.status !== 409).slice(0, 3)),
    ).toBe(true);
    // Duplicates got exactly the first answer.
    for (const id of duplicated) {
      const pair = answers.get(id)!;
      expect(pair).toHaveLength(2);
      expect(pair[1]).toEqual(pair[0]);
    }
    const accepted = commands.filter((c) => answers.get(c.body.commandId as string)![0]!.status === 200);
    const acceptedBookings = accepted.filter((c) => c.name === 'add-booking');
    const acceptedPreauths = accepted.filter((c) => c.name === 'request-preauth');
    expect(acceptedPreauths).toHaveLength(caseOf.length);

    // The database agrees with the answers: one row per accepted command, none for duplicates.
    const [counts] = await scratch.db.query<{ holds: number; bookings: number; processed: number }>(
      "SELECT (SELECT count(*)::int FROM holds) AS holds, (SELECT count(*)::int FROM bookings) AS bookings, (SELECT count(*)::int FROM commands WHERE name IN ('request-preauth', 'add-booking')) AS processed",
    );
    expect(counts).toEqual({ holds: caseOf.length, bookings: acceptedBookings.length, processed: 300 });

    // The invariant and the ledger, family by family, to the unit.
    const consistency = await moneyConsistency(scratch);
    let exhausted = 0;
    for (const row of consistency) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect(row.ledger).toBe(row.committed);
      expect(row.ledger_holds).toBe(row.holds);
      if (row.committed === row.cover) exhausted += 1;
    }
    expect(exhausted).toBeGreaterThan(families / 2); // the covers really ran out
    const holdRows = await scratch.db.query<{ amount: number; consumed: number; covered: number; shortfall: number; shares: number }>(
      `SELECT h.amount, h.consumed,
              COALESCE((SELECT sum(covered_amount) FROM bookings b WHERE b.case_id = h.case_id), 0)::bigint AS covered,
              COALESCE((SELECT sum(shortfall_amount) FROM bookings b WHERE b.case_id = h.case_id), 0)::bigint AS shortfall,
              COALESCE((SELECT sum(amount) FROM patient_charges s WHERE s.case_id = h.case_id AND kind = 'shortfall'), 0)::bigint AS shares
         FROM holds h`,
    );
    for (const hold of holdRows) {
      expect(hold.consumed).toBe(hold.covered);
      expect(hold.consumed).toBeLessThanOrEqual(hold.amount);
      expect(hold.shares).toBe(hold.shortfall);
    }
  });

  it('S1-race: the father and the mother at the same instant on two servers → exactly 10,000 held, 1,000 shortfall', async () => {
    for (let round = 0; round < 5; round += 1) {
      const father = randomUUID();
      const mother = randomUUID();
      await Promise.all([
        postJson(
          `${servers[0]!.url}/commands/admit`,
          { commandId: randomUUID(), caseId: father, memberId: demoIds.father, identityMethod: 'fingerprint' },
          tokens.a,
        ),
        postJson(
          `${servers[1]!.url}/commands/admit`,
          { commandId: randomUUID(), caseId: mother, memberId: demoIds.mother, identityMethod: 'fingerprint' },
          tokens.b,
        ),
      ]);
      const [f, m] = await Promise.all([
        postJson(`${servers[round % 3]!.url}/commands/request-preauth`, { commandId: randomUUID(), caseId: father, packageCode: 'MG012A' }, tokens.a),
        postJson(`${servers[(round + 1) % 3]!.url}/commands/request-preauth`, { commandId: randomUUID(), caseId: mother, packageCode: 'MG006A' }, tokens.b),
      ]);
      const held = [f, m].map((a) => (a.body.result as { holdAmount: number }).holdAmount);
      const shortfall = [f, m].map((a) => (a.body.result as { shortfall: number }).shortfall);
      expect(held[0]! + held[1]!).toBe(1_000_000);
      expect(shortfall[0]! + shortfall[1]!).toBe(100_000);
      await Promise.all([
        postJson(`${servers[2]!.url}/commands/cancel-case`, { commandId: randomUUID(), caseId: father, reason: 'race round over' }, tokens.a),
        postJson(`${servers[2]!.url}/commands/cancel-case`, { commandId: randomUUID(), caseId: mother, reason: 'race round over' }, tokens.b),
      ]);
    }
    const [seed] = await scratch.db.query<{ committed: number }>(
      'SELECT COALESCE(sum(committed), 0)::bigint AS committed FROM family_years WHERE family_id = $1',
      [demoIds.seedFamily],
    );
    expect(seed?.committed).toBe(0);
  });
});
