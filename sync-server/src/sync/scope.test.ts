import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PullAnswerValue, PullCheckpointValue } from '@contract/sync';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain } from '../testing/snapshot';
import { authenticateDesk } from './desk-auth';
import { pull, type PullResult } from './pull';

type Documents = PullAnswerValue['documents'];

/**
 * What a desk's replica holds follows its scope and every table a document is built from
 * (issue 24): a district change committed between a request's authentication and its page's
 * snapshot still reaches the desk (24.1); a pre-auth decision that leaves the families row alone
 * still re-sends the family document (24.4); families of a district the desk left are removed (24.5).
 */
describeEachBackend('desk scope and the family document (%s)', (backend) => {
  let server: TestServer;
  let ha = '';
  const credentials: Record<string, string> = {};
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 24 });
    ha = await server.login('ha');
    for (const deskId of [demoIds.deskA, demoIds.deskB]) {
      const issued = await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: ha, payload: {} });
      const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
      expect(enrolled.status).toBe(200);
      credentials[deskId] = `Desk ${String(enrolled.body.credential)}`;
    }
  });
  afterAll(async () => server?.close());

  /** One whole round through the route (fresh authentication on every page). */
  const round = async (
    deskId: string,
    checkpoint: PullCheckpointValue | null,
    limit = 25,
  ): Promise<{ documents: Documents; checkpoint: PullCheckpointValue }> => {
    const documents: Documents = [];
    let current = checkpoint;
    for (;;) {
      const query = `limit=${limit}${current ? `&checkpoint=${encodeURIComponent(JSON.stringify(current))}` : ''}`;
      const answer = await server.raw('GET', `/sync/pull?${query}`, { headers: { authorization: credentials[deskId]! } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const body = answer.body as unknown as PullAnswerValue;
      documents.push(...body.documents);
      current = body.checkpoint;
      if (!body.hasMore) return { documents, checkpoint: body.checkpoint };
    }
  };
  /** Rounds until one brings nothing of `familyId`: later rounds then carry only what changes next. */
  const settled = async (deskId: string, familyId: string, checkpoint: PullCheckpointValue | null): Promise<PullCheckpointValue> => {
    let current = (await round(deskId, checkpoint)).checkpoint;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      await settleAuditChain(server.scratch.db);
      const next = await round(deskId, current);
      current = next.checkpoint;
      if (!next.documents.some((d) => d.id === familyId || d.row.familyId === familyId)) return current;
    }
    throw new Error("the desk's feed never went quiet for that family");
  };
  const familiesOf = async (district: string) =>
    (await server.scratch.db.query<{ id: string }>('SELECT id::text AS id FROM families WHERE district = $1 ORDER BY id', [district])).map((r) => r.id);

  it('a district change committed after the request authenticated still reaches the desk, whole (24.1)', async () => {
    // Desk B serves Satara. Its round is done; then the race: a page request authenticates (old
    // district) and HA's configure-desk commits before the page's snapshot is taken.
    const done = await round(demoIds.deskB, null);
    expect(new Set(done.documents.filter((d) => d.table === 'families').map((d) => d.row.district))).toEqual(new Set(['Satara']));
    const authenticated = await authenticateDesk(server.scratch.db, credentials[demoIds.deskB]);
    resultOf(await server.command(ha, 'configure-desk', { deskId: demoIds.deskB, registryDistrict: 'Pune' }));
    // That request's round, read with the principal of its authentication (as routes.ts hands it on).
    const received: Documents = [];
    let checkpoint = done.checkpoint;
    for (let pages = 0; ; pages += 1) {
      expect(pages).toBeLessThan(100);
      const page: PullResult = await pull(server.scratch.db, authenticated, checkpoint, 25);
      received.push(...page.documents.map((text) => JSON.parse(text) as Documents[number]));
      checkpoint = page.checkpoint;
      if (!page.hasMore) break;
    }
    // And the next round, authenticated afresh: between them, every Pune family has arrived.
    received.push(...(await round(demoIds.deskB, checkpoint)).documents);
    const pune = await familiesOf('Pune');
    expect(pune.length).toBeGreaterThan(5);
    const arrived = new Set(received.filter((d) => d.table === 'families').map((d) => d.id));
    expect(
      pune.filter((id) => !arrived.has(id)),
      'Pune families the desk never received',
    ).toEqual([]);
  });

  it('a pre-auth query re-sends the family document with the new status although no families row changed (24.4)', async () => {
    const medco = await server.login('medco.a');
    const ppd = await server.login('ppd');
    const caseId = randomUUID();
    resultOf(await server.command(medco, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medco, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    const quiet = await settled(demoIds.deskA, demoIds.seedFamily, null);
    const [familyBefore] = await server.scratch.db.query<{ change_xid: string }>('SELECT change_xid::text FROM families WHERE id = $1', [demoIds.seedFamily]);
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'query', reason: 'Attach the blood culture report' }));
    // The query wrote the pre-auth, not the family: the family document is built from both.
    const [familyAfter] = await server.scratch.db.query<{ change_xid: string }>('SELECT change_xid::text FROM families WHERE id = $1', [demoIds.seedFamily]);
    expect(familyAfter!.change_xid).toBe(familyBefore!.change_xid);
    const next = await round(demoIds.deskA, quiet);
    const family = next.documents.find((d) => d.table === 'families' && d.id === demoIds.seedFamily);
    expect(family, 'the family document was not re-sent').toBeDefined();
    expect(family!.row.activeCases).toEqual([expect.objectContaining({ caseId, preauthStatus: 'queried' })]);
  });

  it('families of the district a desk left are removed on its next round; families it still serves are not (24.5)', async () => {
    // Desk A serves Pune (its hospital's district) and has a case of the seed family (Pune) and a
    // lookup of one Satara family; HA moves it to Satara.
    const satara = await familiesOf('Satara');
    const pune = await familiesOf('Pune');
    const lookedUp = satara[0]!;
    await server.scratch.db.query('INSERT INTO desk_lookups (desk_id, family_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [demoIds.deskA, lookedUp]);
    const before = await round(demoIds.deskA, null);
    expect(before.documents.some((d) => d.table === 'removals')).toBe(false);
    resultOf(await server.command(ha, 'configure-desk', { deskId: demoIds.deskA, registryDistrict: 'Satara' }));
    const after = await round(demoIds.deskA, before.checkpoint);
    const removed = new Set(after.documents.filter((d) => d.table === 'removals').map((d) => d.id));
    // Every Pune family goes except the seed family (it has a case at hospital A).
    expect([...removed].sort()).toEqual(pune.filter((id) => id !== demoIds.seedFamily));
    expect(after.documents.find((d) => d.table === 'removals')!.row).toEqual({ familyId: [...removed][0] });
    const sent = new Set(after.documents.filter((d) => d.table === 'families').map((d) => d.id));
    expect(satara.every((id) => sent.has(id))).toBe(true);
    // Removals come once: the round after sends none, and a fresh desk is sent none at all.
    await settleAuditChain(server.scratch.db);
    const later = await round(demoIds.deskA, after.checkpoint);
    expect(later.documents.filter((d) => d.table === 'removals')).toEqual([]);
    // Moving back re-sends Pune whole and removes the Satara families it no longer serves, but not the looked-up one.
    resultOf(await server.command(ha, 'configure-desk', { deskId: demoIds.deskA, registryDistrict: 'Pune' }));
    const back = await round(demoIds.deskA, later.checkpoint);
    const removedBack = new Set(back.documents.filter((d) => d.table === 'removals').map((d) => d.id));
    expect(removedBack.has(lookedUp)).toBe(false);
    expect([...removedBack].sort()).toEqual(satara.filter((id) => id !== lookedUp));
    expect(pune.every((id) => back.documents.some((d) => d.table === 'families' && d.id === id))).toBe(true);
  });
});
