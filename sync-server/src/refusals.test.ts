import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from './demo/seed';
import { prepareServer } from './server-state';
import { createScratchDatabase } from './testing/databases';
import { describeEachBackend } from './testing/backends';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from './testing/harness';
import { settleAuditChain, snapshotDatabase } from './testing/snapshot';
import { testServerKeys } from './testing/keys';

const units = (n: number) => n * 100;

/**
 * Refusal codes that no other test asserted (issue 20), each with its sentence and, where a refusal
 * could leave something behind, a whole-database snapshot; plus the success paths of
 * register-family and set-package-price.
 */
describeEachBackend('refusals and HA paths with no other test (%s)', (backend) => {
  let server: TestServer;
  let deskA = '',
    deskB = '',
    ppd = '',
    cex = '',
    cpd = '',
    aco = '',
    ha = '';
  let others: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 8 });
    const tokens = await Promise.all(['medco.a', 'medco.b', 'ppd', 'cex', 'cpd', 'aco', 'ha'].map((u) => server.login(u)));
    [deskA, deskB, ppd, cex, cpd, aco, ha] = tokens as [string, string, string, string, string, string, string];
    others = (
      await server.scratch.db.query<{ id: string }>('SELECT id FROM members WHERE family_id <> $1 ORDER BY scheme_member_id', [demoIds.seedFamily])
    ).map((r) => r.id);
  });
  afterAll(async () => {
    for (const row of await moneyConsistency(server.scratch)) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect(row.ledger).toBe(row.committed);
      expect(row.ledger_holds).toBe(row.holds);
    }
    await server?.close();
  });

  const admitted = async (token: string, memberId: string, packageCode = 'MG012A') => {
    const caseId = randomUUID();
    resultOf(await server.command(token, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
    resultOf(await server.command(token, 'request-preauth', { caseId, packageCode }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    return caseId;
  };
  const claimed = async (token: string, memberId: string, amount: number) => {
    const caseId = await admitted(token, memberId);
    const bookingId = randomUUID();
    resultOf(await server.command(token, 'add-booking', { bookingId, caseId, itemCode: 'WARD', description: 'Ward', quantity: 1, unitPrice: amount }));
    resultOf(await server.command(token, 'discharge', { caseId }));
    const claimId = randomUUID();
    resultOf(await server.command(token, 'submit-claim', { claimId, caseId, amount }));
    return { caseId, claimId, bookingId };
  };
  const approvedClaim = async (token: string, memberId: string, amount: number) => {
    const claim = await claimed(token, memberId, amount);
    const lines = [{ bookingId: claim.bookingId, decision: 'full' as const }];
    resultOf(await server.command(cex, 'process-claim', { claimId: claim.claimId, lines }));
    resultOf(await server.command(cpd, 'verify-claim', { claimId: claim.claimId, lines }));
    return claim;
  };
  /**
   * A refused command: its code, a sentence, and not one row changed anywhere but the one stored
   * answer in `commands` (a business refusal is kept so that a retry gets the same answer).
   */
  const refusedWritingNothing = async (send: () => ReturnType<TestServer['command']>, status: number, code: string) => {
    const snapshot = async () => {
      await settleAuditChain(server.scratch.db);
      const { commands, ...rest } = await snapshotDatabase(server.scratch.db);
      return { commandCount: Number(commands?.split(':')[0]), rest };
    };
    const before = await snapshot();
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(String(answer.body.message)).toMatch(/\w+ \w+ \w+/);
    const after = await snapshot();
    expect(after.rest).toEqual(before.rest);
    expect(after.commandCount).toBe(before.commandCount + 1);
    return answer;
  };

  it('preauth-already-requested: a second pre-auth (another command id) for the same case', async () => {
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit', { caseId, memberId: others[0]!, identityMethod: 'fingerprint' }));
    resultOf(await server.command(deskA, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    const again = await refusedWritingNothing(
      () => server.command(deskA, 'request-preauth', { caseId, packageCode: 'MG006A' }),
      409,
      'preauth-already-requested',
    );
    expect(again.body.message).toMatch(/enhancement/);
    resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'test over' }));
  });

  it.skipIf(backend !== 'postgres')(
    'two pre-auths with different command ids racing for one case place exactly one hold (PostgreSQL: concurrent connections)',
    async () => {
      for (let round = 0; round < 10; round += 1) {
        const caseId = randomUUID();
        resultOf(await server.command(deskA, 'admit', { caseId, memberId: others[1]!, identityMethod: 'fingerprint' }));
        const answers = await Promise.all(['MG012A', 'MG006A'].map((packageCode) => server.command(deskA, 'request-preauth', { caseId, packageCode })));
        expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
        expect(answers.find((a) => a.status === 409)?.body.code).toBe('preauth-already-requested');
        const [holds] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM holds WHERE case_id = $1', [caseId]);
        expect(holds?.count).toBe(1);
        resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'race round over' }));
      }
    },
  );

  it('claim-already-submitted: a second claim (another claim id) for the same case', async () => {
    const { caseId } = await claimed(deskA, others[2]!, units(2000));
    await refusedWritingNothing(
      () => server.command(deskA, 'submit-claim', { claimId: randomUUID(), caseId, amount: units(2000) }),
      409,
      'claim-already-submitted',
    );
  });

  it('claim-nothing-covered: a case whose hold is 0 (the cover used up) has no claim to submit, not a claim of 0', async () => {
    // The demo scheme grants partial holds: a family with no cover left gets a hold of 0, and every
    // booking is the patient's (issue 15: such claims showed as open claims of 0 in the receivables).
    const memberId = others.at(-1)!;
    await server.scratch.db.query(
      `INSERT INTO family_years (family_id, policy_year, cover)
       SELECT m.family_id, s.policy_year, 0 FROM members m, schemes s WHERE m.id = $1 AND s.is_current
       ON CONFLICT (family_id, policy_year) DO UPDATE SET cover = family_years.committed`,
      [memberId],
    );
    const caseId = await admitted(deskA, memberId);
    const [hold] = await server.scratch.db.query<{ amount: number }>('SELECT amount FROM holds WHERE case_id = $1', [caseId]);
    expect(hold?.amount).toBe(0);
    resultOf(
      await server.command(deskA, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'WARD',
        description: 'Ward',
        quantity: 1,
        unitPrice: units(700),
      }),
    );
    const discharged = resultOf(await server.command(deskA, 'discharge', { caseId }));
    // Nothing to claim, so the hold (of 0) ends at the discharge: no hold is left open for ever.
    expect(discharged).toMatchObject({ nextStep: 'none', holdStatus: 'released', released: 0 });
    expect(discharged.summary).toMatch(/none of it covered/);
    const answer = await refusedWritingNothing(
      () => server.command(deskA, 'submit-claim', { claimId: randomUUID(), caseId, amount: units(700) }),
      409,
      'claim-nothing-covered',
    );
    expect(answer.body.message).toMatch(/patient pays it/);
    expect(answer.body.details).toEqual({ bookingSum: units(700) });
    const [claims] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM claims WHERE case_id = $1', [caseId]);
    expect(claims?.count).toBe(0);
  });

  it('booking-closed: a booking cannot be voided once its claim is submitted', async () => {
    const { bookingId } = await claimed(deskA, others[3]!, units(1500));
    const answer = await server.command(deskA, 'void-booking', { bookingId, reason: 'entered twice' });
    expect(answer.status).toBe(409);
    // Discharge already closes bookings; a submitted claim closes them for good. Either code says so.
    expect(['booking-closed', 'case-not-admitted', 'case-already-discharged']).toContain(answer.body.code);
    const [row] = await server.scratch.db.query<{ status: string }>('SELECT status FROM bookings WHERE id = $1', [bookingId]);
    expect(row?.status).toBe('active');
  });

  it('payment-hospital-mixed: one payment pays one hospital', async () => {
    const atA = await approvedClaim(deskA, others[4]!, units(1000));
    const atB = await approvedClaim(deskB, others[5]!, units(1200));
    const answer = await refusedWritingNothing(
      () => server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [atA.claimId, atB.claimId] }),
      409,
      'payment-hospital-mixed',
    );
    expect(answer.body.message).toMatch(/one hospital/);
    // Each hospital's claim is paid on its own.
    resultOf(await server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [atA.claimId] }));
    resultOf(await server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [atB.claimId] }));
  });

  it('enhancement-not-pending: an enhancement is decided once', async () => {
    const caseId = await admitted(deskA, others[6]!);
    const enhancementId = randomUUID();
    resultOf(await server.command(deskA, 'request-enhancement', { enhancementId, caseId, amount: units(500), reason: 'Longer stay' }));
    resultOf(await server.command(ppd, 'decide-enhancement', { enhancementId, decision: 'approve' }));
    const again = await refusedWritingNothing(
      () => server.command(ppd, 'decide-enhancement', { enhancementId, decision: 'reject', reason: 'Changed my mind' }),
      409,
      'enhancement-not-pending',
    );
    expect(again.body.message).toMatch(/already approved/);
    resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'test over' }));
  });

  it('already-reviewed: an identity override is reviewed once', async () => {
    const caseId = randomUUID();
    resultOf(
      await server.command(deskA, 'admit', {
        caseId,
        memberId: others[7]!,
        identityMethod: 'override',
        overrideReason: 'Unconscious on arrival, no documents',
        supervisorName: 'Dr. Kale',
      }),
    );
    resultOf(await server.command(ha, 'review-override', { caseId, note: 'Identity confirmed by the family the next morning.' }));
    await refusedWritingNothing(() => server.command(ha, 'review-override', { caseId, note: 'Second look.' }), 409, 'already-reviewed');
    resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'test over' }));
  });

  it('register-family: the family and its members exist, can be found and admitted, and the cover is theirs', async () => {
    const familyId = randomUUID();
    const members = [
      {
        memberId: randomUUID(),
        schemeMemberId: 'PMJ-RF000001',
        fullName: 'Anil Deshmukh',
        birthYear: 1980,
        gender: 'M' as const,
        relation: 'head' as const,
        nationalId: '900000000001',
        healthCardNumber: 'hc-rf-1',
      },
      {
        memberId: randomUUID(),
        schemeMemberId: 'PMJ-RF000002',
        fullName: 'Meera Deshmukh',
        birthYear: 1984,
        gender: 'F' as const,
        relation: 'spouse' as const,
      },
    ];
    const registered = resultOf(
      await server.command(ha, 'register-family', {
        familyId,
        familyNumber: 'FAM-RF-0001',
        cover: units(50_000),
        registeredPhone: '+919800000001',
        district: 'Pune',
        members,
      }),
    );
    expect(registered).toEqual({ familyId, cover: units(50_000), members: 2 });
    const byNationalId = resultOf(await server.command(deskA, 'identify-member', { by: 'national-id', value: '900000000001' }));
    expect(JSON.stringify(byNationalId)).toContain(members[0]!.memberId);
    const byCard = resultOf(await server.command(deskA, 'identify-member', { by: 'health-card', value: 'HC-RF-1' }));
    expect(JSON.stringify(byCard)).toContain(members[0]!.memberId);
    // The national id is kept only as a keyed hash.
    const [stored] = await server.scratch.db.query<{ national_id_hash: string }>('SELECT national_id_hash FROM members WHERE id = $1', [members[0]!.memberId]);
    expect(stored?.national_id_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.national_id_hash).not.toContain('900000000001');
    expect((await server.get(deskA, `/families/${familyId}/balance`)).body).toMatchObject({ cover: units(50_000), committed: 0, available: units(50_000) });
    const caseId = await admitted(deskA, members[1]!.memberId);
    expect((await server.get(deskA, `/families/${familyId}/balance`)).body).toMatchObject({ committed: units(6000), available: units(44_000) });
    resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'test over' }));
    // The same family number again is refused, writing nothing.
    await refusedWritingNothing(
      () =>
        server.command(ha, 'register-family', {
          familyId: randomUUID(),
          familyNumber: 'FAM-RF-0001',
          cover: units(1),
          registeredPhone: '+919800000002',
          district: 'Pune',
          members: [{ ...members[1]!, memberId: randomUUID(), schemeMemberId: 'PMJ-RF000003' }],
        }),
      409,
      'already-registered',
    );
  });

  it('set-package-price: holds placed before keep version 1; pre-auths after use version 2', async () => {
    const before = await admitted(deskA, others[8]!, 'MG006A');
    const [v1] = await server.scratch.db.query<{ amount: number; package_version: number }>('SELECT amount, package_version FROM holds WHERE case_id = $1', [
      before,
    ]);
    expect(v1?.package_version).toBe(1);
    const changed = resultOf(await server.command(ha, 'set-package-price', { packageCode: 'MG006A', price: v1!.amount + units(700) }));
    expect(changed).toMatchObject({ packageCode: 'MG006A', version: 2, price: v1!.amount + units(700), previous: { version: 1, price: v1!.amount } });
    const [kept] = await server.scratch.db.query<{ amount: number; package_version: number }>('SELECT amount, package_version FROM holds WHERE case_id = $1', [
      before,
    ]);
    expect(kept).toEqual(v1);
    const after = await admitted(deskA, others[9]!, 'MG006A');
    const [v2] = await server.scratch.db.query<{ amount: number; package_version: number }>('SELECT amount, package_version FROM holds WHERE case_id = $1', [
      after,
    ]);
    expect(v2).toEqual({ amount: v1!.amount + units(700), package_version: 2 });
    for (const caseId of [before, after]) resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'test over' }));
  });
});

describe.skipIf(!process.env.DATABASE_URL)('several servers migrating one fresh database at once (PostgreSQL: separate connections)', () => {
  it('every migration is applied exactly once and every server comes up', async () => {
    const scratch = await createScratchDatabase('postgres', { maxConnections: 4 });
    const others = await Promise.all([0, 1].map(() => createScratchDatabase('postgres', { maxConnections: 4 })));
    try {
      // Three independent pools on the same database: three "servers" starting together.
      const url = scratch.url!;
      const { openPostgres } = await import('./db/postgres');
      const pools = [scratch.db, openPostgres(url, { maxConnections: 4 }), openPostgres(url, { maxConnections: 4 })];
      const states = await Promise.all(pools.map((db) => prepareServer(db, { keys: testServerKeys })));
      const { migrations } = await import('./db/migrate');
      const applied = await scratch.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(applied.map((r) => r.version)).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b));
      for (const state of states) await state.stop();
      await Promise.all(pools.slice(1).map((db) => db.close()));
    } finally {
      await scratch.drop();
      await Promise.all(others.map((o) => o.drop()));
    }
  });
});
