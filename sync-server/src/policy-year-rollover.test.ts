import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from './demo/seed';
import { keepPolicyYear } from './money/policy-year';
import { describeEachBackend } from './testing/backends';
import { moneyConsistency, startTestServer, type Answer, type TestServer } from './testing/harness';

const ist = (local: string) => new Date(`${local}+05:30`);
const families = 12;
const membersPerFamily = 4;
const familyCover = 2_000_000; // ₹20,000: four members' packages overrun it within a year

/**
 * Issue 24 item 10: the year's roll-over under load. Families are busy on the last second of 2026;
 * mid-burst the clock passes midnight while admissions (stamped before and after it), pre-auths,
 * bookings on 2026 cases, an HA parameter change and the year watcher of "another process" all
 * run at once. Whatever the interleaving: the scheme rolls exactly once, every case, hold, claim
 * and ledger entry carries the year of its admission, and every family's account of every year
 * stays within its cover with committed = ledger = holds + claims.
 */
describeEachBackend('the policy year rolls over under load (%s)', (backend) => {
  let server: TestServer;
  let now = ist('2026-12-31T23:59:58');
  let desk: string;
  let ppd: string;
  let ha: string;
  const members: { memberId: string; familyId: string }[] = [];

  beforeAll(async () => {
    server = await startTestServer(backend, { clock: () => now, extraFamilies: 0 });
    [desk, ppd, ha] = (await Promise.all(['medco.a', 'ppd', 'ha'].map((user) => server.login(user)))) as [string, string, string];
    await server.scratch.db.query('UPDATE schemes SET auto_extend_bp = 2000');
    for (let f = 0; f < families; f += 1) {
      const familyId = randomUUID();
      await server.scratch.db.query(
        "INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district) VALUES ($1, $2, $3, $4, '+919800001111', 'Pune')",
        [familyId, demoIds.schemeId, `FAM-Y-${f}`, familyCover],
      );
      for (let m = 0; m < membersPerFamily; m += 1) {
        const memberId = randomUUID();
        await server.scratch.db.query(
          "INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, 'Year Test', 1980, 'X', 'other')",
          [memberId, familyId, `PMJ-Y${String(f * 10 + m).padStart(7, '0')}`],
        );
        members.push({ memberId, familyId });
      }
    }
  });
  afterAll(async () => server?.close());

  it('rolls once, binds everything to its year, and keeps every account within its cover', async () => {
    // Before midnight: the first two members of each family are admitted and held in 2026.
    const early = members.filter((_, index) => index % membersPerFamily < 2).map((member) => ({ ...member, caseId: randomUUID() }));
    for (const c of early) {
      expect(
        (await server.command(desk, 'admit', { caseId: c.caseId, memberId: c.memberId, identityMethod: 'fingerprint', admittedAt: now.toISOString() })).status,
      ).toBe(200);
    }
    await Promise.all(early.map((c) => server.command(desk, 'request-preauth', { caseId: c.caseId, packageCode: 'MG012A' })));
    await Promise.all(early.map((c) => server.command(ppd, 'decide-preauth', { caseId: c.caseId, decision: 'approve' })));

    // The burst. The other members are admitted stamped either side of midnight (a desk offline
    // over the new year sends 23:59:59), each then asks a pre-auth; 2026 cases keep booking.
    const late = members
      .filter((_, index) => index % membersPerFamily >= 2)
      .map((member, index) => ({ ...member, caseId: randomUUID(), stamp: index % 2 === 0 ? ist('2026-12-31T23:59:59') : ist('2027-01-01T00:00:05') }));
    const answers: Answer[] = [];
    let sent = 0;
    // Midnight passes when half of the burst's pre-midnight requests have been answered; the
    // admissions stamped after midnight start then, among the rest.
    const flipAfter = Math.floor((late.length + early.length * 2) / 2);
    let midnight: () => void = () => undefined;
    const afterMidnight = new Promise<void>((resolve) => {
      midnight = resolve;
    });
    const tick = () => {
      sent += 1;
      if (sent === flipAfter) {
        now = ist('2027-01-01T00:00:10');
        midnight();
      }
    };
    const lateCase = async (c: (typeof late)[number]) => {
      if (c.stamp.getTime() > ist('2027-01-01T00:00:00').getTime()) await afterMidnight;
      const admitted = await server.command(desk, 'admit', {
        caseId: c.caseId,
        memberId: c.memberId,
        identityMethod: 'fingerprint',
        admittedAt: (c.stamp.getTime() > now.getTime() ? now : c.stamp).toISOString(),
      });
      tick();
      answers.push(admitted);
      answers.push(await server.command(desk, 'request-preauth', { caseId: c.caseId, packageCode: 'MG012A' }));
      tick();
    };
    const booking = async (c: (typeof early)[number], round: number) => {
      answers.push(
        await server.command(desk, 'add-booking', {
          bookingId: randomUUID(),
          caseId: c.caseId,
          itemCode: `SVC-${round}`,
          description: 'Service',
          quantity: 1,
          unitPrice: 350_000,
        }),
      );
      tick();
    };
    await Promise.all([
      ...late.map(lateCase),
      ...early.flatMap((c) => [booking(c, 1), booking(c, 2)]),
      (async () => {
        answers.push(await server.command(ha, 'set-scheme-parameters', { governmentShareBp: 5500, reason: 'New year share, set during the roll-over' }));
      })(),
      (async () => {
        for (let i = 0; i < 5; i += 1) await keepPolicyYear(server.scratch.db, now, 2026);
      })(),
    ]);
    // A command after the burst, in 2027, in case none of the burst ran after the flip.
    now = ist('2027-01-01T00:00:30');
    answers.push(await server.command(ha, 'set-scheme-parameters', { preauthTurnaroundMinutes: 300, reason: 'After the roll-over' }));

    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 409).map((a) => a.body)).toEqual([]);
    expect(await server.scratch.db.query('SELECT policy_year FROM scheme_years')).toEqual([{ policy_year: 2026 }]);
    expect(await server.scratch.db.query('SELECT policy_year FROM schemes WHERE is_current')).toEqual([{ policy_year: 2027 }]);

    // Every case's year is its admission's; its hold, claim and ledger entries carry the same.
    const mismatched = await server.scratch.db.query(
      `SELECT c.id, c.policy_year, c.admitted_at FROM cases c
        WHERE c.policy_year <> extract(year FROM c.admitted_at AT TIME ZONE 'Asia/Kolkata')::int
           OR EXISTS (SELECT 1 FROM holds h WHERE h.case_id = c.id AND h.policy_year <> c.policy_year)
           OR EXISTS (SELECT 1 FROM ledger l WHERE l.case_id = c.id AND l.policy_year <> c.policy_year)`,
    );
    expect(mismatched).toEqual([]);
    const years = await server.scratch.db.query<{ policy_year: number; cases: number }>(
      'SELECT policy_year, count(*)::int AS cases FROM cases GROUP BY policy_year ORDER BY policy_year',
    );
    expect(years.map((y) => y.policy_year)).toEqual([2026, 2027]);

    for (const row of await moneyConsistency(server.scratch)) {
      expect(Number(row.committed), `${row.family_id} ${row.policy_year}`).toBe(Number(row.ledger));
      expect(Number(row.committed), `${row.family_id} ${row.policy_year}`).toBe(Number(row.holds) + Number(row.claims));
      expect(Number(row.committed)).toBeLessThanOrEqual(Number(row.cover));
    }
    // 2027's accounts are opened fresh: no 2027 account holds anything of a 2026 case.
    const [crossed] = await server.scratch.db.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM ledger l JOIN cases c ON c.id = l.case_id WHERE l.policy_year = 2027 AND c.admitted_at < '2026-12-31T18:30:00Z'",
    );
    expect(crossed?.count).toBe(0);
  });
});
