import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { startTestServer, type TestServer } from '../testing/harness';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';

/**
 * Issue 12 item 4: an admission made offline keeps the time the operator admitted the patient, on
 * the server, so the desk that made it, every other desk of the hospital and the payer console all
 * show that time; the server's receipt is kept beside it (`receivedAt`), not in its place.
 */
describeEachBackend('the admission time is the operator’s, everywhere (%s)', (backend) => {
  let server: TestServer;
  // The operator signed in online at 06:00 (their key dates from then), admitted offline at 06:45, and the desk got through at 09:00.
  let now = new Date('2026-11-20T06:00:00Z');
  let desk: { authorization: string; operatorId: string; signer: OperatorSigner };
  const caseId = randomUUID();
  const admittedOffline = new Date('2026-11-20T06:45:00Z'); // 2 h 15 min before the desk got through

  beforeAll(async () => {
    server = await startTestServer(backend, { clock: () => now });
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    const authorization = `Desk ${String(enrolled.body.credential)}`;
    const signer = await registerOperatorKey(server, authorization, 'medco.a');
    desk = { authorization, operatorId: signer.operatorId, signer };
    now = new Date('2026-11-20T09:00:00Z');
  });
  afterAll(async () => server?.close());

  it('an outbox admit pushed hours later is recorded at the operator’s time, with the receipt beside it', async () => {
    const mutations = [
      {
        sequence: 1,
        commandId: randomUUID(),
        name: 'admit',
        operatorId: desk.operatorId,
        body: { caseId, memberId: demoIds.father, identityMethod: 'fingerprint', admittedAt: admittedOffline.toISOString() },
      },
      { sequence: 2, commandId: randomUUID(), name: 'request-preauth', operatorId: desk.operatorId, body: { caseId, packageCode: 'MG012A' } },
    ].map((mutation) => desk.signer.sign(mutation, admittedOffline.toISOString()));
    const pushed = await server.raw('POST', '/sync/push', { headers: { authorization: desk.authorization }, payload: { protocolVersion: 1, mutations } });
    expect(pushed.status).toBe(200);
    expect((pushed.body.answers as { status: number }[]).map((a) => a.status)).toEqual([200, 200]);

    // Every desk of the hospital pulls the same case document.
    const pulled = await server.raw('GET', '/sync/pull?limit=500', { headers: { authorization: desk.authorization } });
    const caseDocument = (pulled.body.documents as { table: string; id: string; row: { admittedAt: string; receivedAt: string } }[]).find(
      (d) => d.table === 'cases' && d.id === caseId,
    );
    expect(new Date(caseDocument!.row.admittedAt).toISOString()).toBe(admittedOffline.toISOString());
    expect(new Date(caseDocument!.row.receivedAt).toISOString()).toBe(now.toISOString());

    // The payer console shows the operator's time too.
    const ppd = await server.login('ppd');
    const feed = await server.get(ppd, '/console/feed/pull?collection=cases');
    expect(feed.status).toBe(200);
    const consoleCase = (feed.body.documents as { id: string; admittedAt: string }[]).find((d) => d.id === caseId);
    expect(new Date(consoleCase!.admittedAt).toISOString()).toBe(admittedOffline.toISOString());
    // And the case read.
    const read = await server.get(await server.login('medco.a'), `/cases/${caseId}`);
    expect(new Date(String((read.body.case as { admitted_at: string }).admitted_at)).toISOString()).toBe(admittedOffline.toISOString());
  });
});
