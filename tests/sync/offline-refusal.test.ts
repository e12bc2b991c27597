import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * A command queued offline that the server refuses on reconnect (issue 20): desk B, cut off,
 * admits the father while hospital A admits him on the server. When B is back, its admission is
 * answered 409 case-already-active: the desk shows the case rejected with the server's own
 * sentence (naming hospital A), its outbox moves on, and nothing of it reaches the server.
 */
describe("a command queued offline and refused on reconnect is shown rejected with the server's reason (PGlite)", () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let desk: DeskBackend;
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-offline-refusal-'));

  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 2 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    desk = new DeskBackend({ dataDir: dir, devices: {}, sync: { backoffBaseMs: 50, backoffMaxMs: 200 } });
    const issued = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    value(await desk.handlers['session.signIn']({ username: 'medco.b', password: 'coverdesk-demo' }));
    await desk.engine.requestSync();
  }, 120_000);

  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("admits offline, is refused case-already-active on reconnect, and says so in the server's words", async () => {
    // The family lives in hospital A's district: B looks the father up online first (S1 step 2).
    const found = value(await desk.handlers['members.identify']({ by: 'scheme-id', value: 'PMJ-S1000001' }));
    expect(found.matches.length).toBe(1);
    await desk.engine.requestSync();
    proxy.setOffline(true);
    const { caseId } = value(await desk.handlers['cases.admit']({ memberId: demoIds.father, identityMethod: 'fingerprint' }));
    expect(desk.reads.caseView(caseId)?.status).toBe('pending-sync');
    // Meanwhile hospital A admits the same patient on the server.
    resultOf(await server.command(await server.login('medco.a'), 'admit', { caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' }));

    proxy.setOffline(false);
    await desk.engine.requestSync();
    expect(desk.engine.current().pendingMutations).toBe(0);
    const view = desk.reads.caseView(caseId);
    expect(view?.status).toBe('rejected');
    expect(view?.rejection?.code).toBe('case-already-active');
    expect(view?.rejection?.message).toMatch(/already has an active case at .*HSP-A/);
    const [onServer] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM cases WHERE id = $1', [caseId]);
    expect(onServer?.count).toBe(0);
  }, 60_000);
});
