import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { PullAnswer, type PullAnswerValue, type PullCheckpointValue } from '@contract/sync';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';

interface Desk {
  authorization: string;
  operatorId: string;
  /** The operator's key at this desk (issue 13 item 4): what signs its mutations and searches. */
  signer: OperatorSigner;
}

async function enroll(server: TestServer, deskId: string, username: string): Promise<Desk> {
  const ha = await server.login('ha');
  const issued = await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: ha, payload: {} });
  expect(issued.status).toBe(200);
  const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
  expect(enrolled.status).toBe(200);
  const authorization = `Desk ${String(enrolled.body.credential)}`;
  const signer = await registerOperatorKey(server, authorization, username);
  return { authorization, operatorId: signer.operatorId, signer };
}

const pullAnswer = Compile(PullAnswer);

async function pullAll(
  server: TestServer,
  desk: Desk,
  checkpoint: PullCheckpointValue | null,
  limit = 50,
): Promise<{ documents: PullAnswerValue['documents']; checkpoint: PullCheckpointValue; pages: number }> {
  const documents: PullAnswerValue['documents'] = [];
  let current = checkpoint;
  for (let pages = 1; ; pages += 1) {
    const query = `limit=${limit}${current ? `&checkpoint=${encodeURIComponent(JSON.stringify(current))}` : ''}`;
    const answer = await server.raw('GET', `/sync/pull?${query}`, { headers: { authorization: desk.authorization } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    // The answer is assembled as text (rows spliced in as PostgreSQL wrote them): it must still be the contract's shape.
    expect(pullAnswer.Check(answer.body), JSON.stringify([...pullAnswer.Errors(answer.body)].slice(0, 3))).toBe(true);
    const body = answer.body as unknown as PullAnswerValue;
    documents.push(...body.documents);
    current = body.checkpoint;
    if (!body.hasMore) return { documents, checkpoint: body.checkpoint, pages };
  }
}

describeEachBackend('desk enrollment, pull scope and push (%s)', (backend) => {
  let server: TestServer;
  let deskA: Desk;
  let deskB: Desk;
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 30 });
    deskA = await enroll(server, demoIds.deskA, 'medco.a');
    deskB = await enroll(server, demoIds.deskB, 'medco.b');
  });
  afterAll(async () => server?.close());

  it('refuses a used code, a wrong credential and a protocol mismatch, with clear errors', async () => {
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    const first = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    expect(first.status).toBe(200);
    deskA = { ...deskA, authorization: `Desk ${String(first.body.credential)}` };
    const again = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    expect(again.status).toBe(401);
    expect(String(again.body.message)).toMatch(/already used|expired/);
    const forged = await server.raw('GET', '/sync/pull', { headers: { authorization: `Desk ${demoIds.deskA}.AAAAAAAAAAAAAAAAAAAAAAAAAAAA` } });
    expect(forged.body.code).toBe('unauthenticated');
    const mismatch = await server.raw('GET', '/sync/pull', { headers: { authorization: deskA.authorization, 'x-coverdesk-protocol': '99' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.code).toBe('protocol-mismatch');
    const medco = await server.login('medco.a');
    const notHa = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: medco, payload: {} });
    expect(notHa.status).toBe(403);
  });

  it('a forged checkpoint (bad JSON, xid out of range, a paging id of the wrong kind) → 400 with a sentence, nothing written', async () => {
    const desk = deskB;
    const forged: string[] = [
      '{not json',
      JSON.stringify({ from: '1', next: '99999999999999999999', table: 0, afterId: null }),
      JSON.stringify({ from: '18446744073709551616', next: '18446744073709551616', table: 0, afterId: null }),
      JSON.stringify({ from: '1', next: '1', table: 0, afterId: 'not-a-uuid' }),
      JSON.stringify({ from: '1', next: '1', table: 2, afterId: 'X'.repeat(33) }),
      JSON.stringify({ from: '1', next: '1', table: 0, afterId: null, extra: true }),
    ];
    for (const checkpoint of forged) {
      await settleAuditChain(server.scratch.db);
      const before = await snapshotDatabase(server.scratch.db);
      const answer = await server.raw('GET', `/sync/pull?${new URLSearchParams({ checkpoint }).toString()}`, {
        headers: { authorization: desk.authorization },
      });
      expect(answer.status, checkpoint).toBe(400);
      expect(answer.body.code).toBe('invalid-input');
      expect(String(answer.body.message)).toMatch(/checkpoint/);
      await settleAuditChain(server.scratch.db);
      expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    }
    // The largest xid8 and a package code are accepted as such.
    const edge = await server.raw(
      'GET',
      `/sync/pull?${new URLSearchParams({ checkpoint: JSON.stringify({ from: '18446744073709551615', next: '18446744073709551615', table: 2, afterId: 'MG012A' }) }).toString()}`,
      { headers: { authorization: desk.authorization } },
    );
    expect(edge.status).toBe(200);
  });

  it("pulls the district registry, the catalogue and only its own hospital's cases", async () => {
    const medcoB = await server.login('medco.b');
    const caseB = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId: caseB, memberId: demoIds.mother, identityMethod: 'face' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId: caseB, packageCode: 'MG006A' }));
    const { documents, pages, checkpoint } = await pullAll(server, deskA, null);
    expect(pages).toBeGreaterThan(1);
    // The round's end moves the window to where the round began, so the next round re-sends only
    // rows of transactions that might have been running then (xids are cluster-wide: other test
    // files' transactions count), never the whole scope again.
    expect(BigInt(checkpoint.from)).toBeGreaterThan(0n);
    // (with the transactions that were running then, when there were any: fromRunning = nextRunning)
    expect(checkpoint).toMatchObject({ from: checkpoint.next, next: checkpoint.next, table: 0, afterId: null });
    expect(checkpoint.fromRunning).toEqual(checkpoint.nextRunning);
    const again = await pullAll(server, deskA, checkpoint);
    expect(again.documents.length).toBeLessThan(documents.length / 2);
    const families = documents.filter((d) => d.table === 'families');
    expect(families.length).toBeGreaterThan(5);
    expect(families.every((f) => f.row.district === 'Pune' || f.id === demoIds.seedFamily)).toBe(true);
    // The whole catalogue, however many packages the demo scheme holds.
    const [catalogue] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM packages');
    expect(catalogue!.count).toBeGreaterThan(30);
    expect(documents.filter((d) => d.table === 'packages')).toHaveLength(catalogue!.count);
    // Hospital B's case is not replicated to desk A, but the family summary shows the hold there.
    expect(documents.some((d) => d.table === 'cases' && d.id === caseB)).toBe(false);
    const seed = families.find((f) => f.id === demoIds.seedFamily)!;
    expect(seed.row.activeCases).toEqual([expect.objectContaining({ caseId: null, hospitalCode: 'HSP-B', isOwnHospital: false, holdAmount: 500_000 })]);
    const forB = await pullAll(server, deskB, null);
    expect(forB.documents.some((d) => d.table === 'cases' && d.id === caseB)).toBe(true);
    expect(forB.documents.some((d) => d.table === 'holds' && d.row.caseId === caseB && d.row.amount === 500_000)).toBe(true);
    expect(forB.documents.every((d) => d.table !== 'members' || d.row.nationalIdHash === undefined)).toBe(true);
  });

  it('pushes an outbox in order: answers, a business rejection, a bad mutation, an idempotent repeat', async () => {
    const caseId = randomUUID();
    const signed = [
      {
        sequence: 1,
        commandId: randomUUID(),
        name: 'admit',
        operatorId: deskA.operatorId,
        body: { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' },
      },
      { sequence: 2, commandId: randomUUID(), name: 'request-preauth', operatorId: deskA.operatorId, body: { caseId, packageCode: 'SB001A' } },
      {
        sequence: 3,
        commandId: randomUUID(),
        name: 'add-booking',
        operatorId: deskA.operatorId,
        body: { bookingId: randomUUID(), caseId, itemCode: 'X', description: 'X-ray', quantity: 1, unitPrice: -5 },
      },
      {
        sequence: 4,
        commandId: randomUUID(),
        name: 'admit',
        operatorId: deskA.operatorId,
        body: { caseId: randomUUID(), memberId: demoIds.son, identityMethod: 'fingerprint' },
      },
    ].map((mutation) => deskA.signer.sign(mutation));
    const mutations = [
      ...signed,
      {
        sequence: 5,
        commandId: randomUUID(),
        name: 'admit',
        operatorId: deskB.operatorId,
        body: { caseId: randomUUID(), memberId: demoIds.daughter, identityMethod: 'fingerprint' },
      },
    ];
    const push = () => server.raw('POST', '/sync/push', { headers: { authorization: deskA.authorization }, payload: { protocolVersion: 1, mutations } });
    const first = await push();
    expect(first.status).toBe(200);
    const statuses = (first.body.answers as { status: number; answer: { code?: string } }[]).map((a) => [a.status, a.answer.code ?? null]);
    expect(statuses).toEqual([
      [200, null],
      [200, null],
      [400, 'invalid-input'],
      [409, 'case-already-active'],
      [403, 'forbidden-role'],
    ]);
    const second = await push();
    expect(second.body.answers).toEqual(first.body.answers);
    const [counts] = await server.scratch.db.query<{ cases: number }>('SELECT count(*)::int AS cases FROM cases WHERE member_id = $1', [demoIds.son]);
    expect(counts?.cases).toBe(1);
  });

  it("an online lookup brings a family from another district into the desk's scope", async () => {
    const [outside] = await server.scratch.db.query<{ id: string; scheme_member_id: string }>(
      "SELECT m.id, m.scheme_member_id FROM members m JOIN families f ON f.id = m.family_id WHERE f.district = 'Satara' LIMIT 1",
    );
    const before = await pullAll(server, deskA, null);
    expect(before.documents.some((d) => d.table === 'members' && d.id === outside!.id)).toBe(false);
    const found = await server.raw('POST', '/sync/identify', {
      headers: { authorization: deskA.authorization },
      payload: {
        operatorId: deskA.operatorId,
        by: 'scheme-id',
        value: outside!.scheme_member_id,
        proof: deskA.signer.requestProof('identify-member', { by: 'scheme-id', value: outside!.scheme_member_id }),
      },
    });
    expect(found.status).toBe(200);
    const after = await pullAll(server, deskA, before.checkpoint);
    expect(after.documents.some((d) => d.table === 'members' && d.id === outside!.id)).toBe(true);
  });
});

describeEachBackend('HA configures a desk: registry scope and revocation (%s)', (backend) => {
  let server: TestServer;
  let deskB: Desk;
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 20 });
    deskB = await enroll(server, demoIds.deskB, 'medco.b');
  });
  afterAll(async () => server?.close());

  it('a new registry district reaches the desk on its next pull, whole', async () => {
    const first = await pullAll(server, deskB, null);
    const districts = new Set(first.documents.filter((d) => d.table === 'families').map((d) => d.row.district));
    expect([...districts]).toEqual(['Satara']);
    const ha = await server.login('ha');
    expect(resultOf(await server.command(ha, 'configure-desk', { deskId: demoIds.deskB, registryDistrict: 'Pune' }))).toMatchObject({
      registryDistrict: 'Pune',
    });
    const next = await pullAll(server, deskB, first.checkpoint);
    const pune = next.documents.filter((d) => d.table === 'families' && d.row.district === 'Pune');
    expect(pune.length).toBeGreaterThan(3);
    expect(pune.some((d) => d.id === demoIds.seedFamily)).toBe(true);
  });

  it('a revoked desk is refused at once with a clear message', async () => {
    const ha = await server.login('ha');
    // A code issued before the revocation is spent by it, as with revoke-desk.
    const issuedBefore = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: ha, payload: {} });
    resultOf(await server.command(ha, 'configure-desk', { deskId: demoIds.deskB, status: 'revoked' }));
    const refused = await server.raw('GET', '/sync/pull', { headers: { authorization: deskB.authorization } });
    expect(refused.status).toBe(401);
    expect(String(refused.body.message)).toMatch(/revoked/);
    // Setting it active again does not bring the old credential back: it needs a new code.
    resultOf(await server.command(ha, 'configure-desk', { deskId: demoIds.deskB, status: 'active' }));
    expect((await server.raw('GET', '/sync/pull', { headers: { authorization: deskB.authorization } })).status).toBe(401);
    const spent = await server.raw('POST', '/desks/enroll', { payload: { code: String(issuedBefore.body.code) } });
    expect(spent.status).toBe(401);
    expect(String(spent.body.message)).toMatch(/already used|expired/);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('the pull checkpoint never skips a row committed out of order (PostgreSQL; needs two connections)', () => {
  let server: TestServer;
  let desk: Desk;
  beforeAll(async () => {
    server = await startTestServer('postgres');
    desk = await enroll(server, demoIds.deskA, 'medco.a');
  });
  afterAll(async () => server?.close());

  it("delivers the early-started, late-committed transaction's row on the next pull", async () => {
    const initial = await pullAll(server, desk, null, 500);
    const early = new pg.Client({ connectionString: server.scratch.url! });
    const late = new pg.Client({ connectionString: server.scratch.url! });
    await early.connect();
    await late.connect();
    try {
      // The early transaction takes its id first…
      await early.query('BEGIN');
      await early.query('UPDATE family_years SET cover = cover + 1 WHERE family_id = $1', [demoIds.seedFamily]);
      // …a later one commits first…
      const [other] = await server.scratch.db.query<{ id: string }>("SELECT id FROM families WHERE district = 'Pune' AND id <> $1 LIMIT 1", [
        demoIds.seedFamily,
      ]);
      await late.query('BEGIN');
      await late.query('UPDATE family_years SET cover = cover + 7 WHERE family_id = $1', [other!.id]);
      await late.query('COMMIT');
      const between = await pullAll(server, desk, initial.checkpoint, 500);
      expect(between.documents.some((d) => d.id === other!.id)).toBe(true);
      // The early change is not committed, so it cannot be in this pull. (The seed family itself may
      // be re-sent, unchanged: windows overlap by design, and any transaction open anywhere on the
      // cluster — other tests' databases included — holds the window's start back.)
      const seedBetween = between.documents.find((d) => d.table === 'families' && d.id === demoIds.seedFamily);
      expect(seedBetween === undefined || seedBetween.row.cover === 1_000_000).toBe(true);
      // …and only then does the early one commit. A sequence or updated_at checkpoint would now skip it.
      await early.query('COMMIT');
      const after = await pullAll(server, desk, between.checkpoint, 500);
      const seed = after.documents.find((d) => d.table === 'families' && d.id === demoIds.seedFamily);
      expect(seed?.row.cover).toBe(1_000_001);
    } finally {
      await early.end();
      await late.end();
    }
  });

  it('a transaction left open does not hold every window back: later rounds re-send only its own rows, then its commit (24.6)', async () => {
    const ha = await server.login('ha');
    const start = await pullAll(server, desk, null, 500);
    const [forgotten, changed] = await server.scratch.db.query<{ id: string }>(
      "SELECT id FROM families WHERE district = 'Pune' AND id <> $1 ORDER BY id LIMIT 2",
      [demoIds.seedFamily],
    );
    const caseRow = (await server.scratch.db.query<{ id: string }>('SELECT id FROM cases ORDER BY id LIMIT 1'))[0];
    const open = new pg.Client({ connectionString: server.scratch.url! });
    await open.connect();
    try {
      // A write transaction opened and forgotten (an operator's psql session, a stuck job).
      await open.query('BEGIN');
      await open.query("UPDATE families SET registered_phone = '+919811111111' WHERE id = $1", [forgotten!.id]);
      const consoleStart = (await server.get(ha, '/console/feed/pull?collection=cases&limit=2000')).body.checkpoint;
      let desk1 = await pullAll(server, desk, start.checkpoint, 500);
      let console1 = await server.get(ha, `/console/feed/pull?collection=cases&limit=2000&checkpoint=${encodeURIComponent(JSON.stringify(consoleStart))}`);
      // Meanwhile other work commits, and every desk and console takes it once.
      await server.scratch.db.query("UPDATE families SET registered_phone = '+919822222222' WHERE id = $1", [changed!.id]);
      if (caseRow) await server.scratch.db.query('UPDATE cases SET is_emergency = NOT is_emergency WHERE id = $1', [caseRow.id]);
      desk1 = await pullAll(server, desk, desk1.checkpoint, 500);
      expect(desk1.documents.some((d) => d.id === changed!.id)).toBe(true);
      console1 = await server.get(
        ha,
        `/console/feed/pull?collection=cases&limit=2000&checkpoint=${encodeURIComponent(JSON.stringify(console1.body.checkpoint))}`,
      );
      if (caseRow) expect((console1.body.documents as { id: string }[]).some((d) => d.id === caseRow.id)).toBe(true);
      // The next rounds do not send it again although the forgotten transaction is still open
      // (before: each window started at that transaction, so every round re-sent all of it).
      await settleAuditChain(server.scratch.db);
      const desk2 = await pullAll(server, desk, desk1.checkpoint, 500);
      expect(desk2.documents.map((d) => d.id)).not.toContain(changed!.id);
      const console2 = await server.get(
        ha,
        `/console/feed/pull?collection=cases&limit=2000&checkpoint=${encodeURIComponent(JSON.stringify(console1.body.checkpoint))}`,
      );
      if (caseRow) expect((console2.body.documents as { id: string }[]).map((d) => d.id)).not.toContain(caseRow.id);
      // /health names the open transaction's age and how far the window would reach back.
      const health = await server.raw('GET', '/health');
      expect(health.body.sync).toMatchObject({
        replicationWindow: { oldestWriteTransactionSeconds: expect.any(Number), heldBackTransactions: expect.any(Number) },
      });
      // It commits at last: its row still arrives, out of order as it is.
      await open.query('COMMIT');
      const desk3 = await pullAll(server, desk, desk2.checkpoint, 500);
      expect(desk3.documents.find((d) => d.table === 'families' && d.id === forgotten!.id)?.row.registeredPhoneEnding).toBe('1111');
    } finally {
      await open.end();
    }
  });
});
