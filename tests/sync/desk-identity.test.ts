import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { DevelopmentSmsSink } from '../../sync-server/src/identity/sms';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('identity at the desk: one-time code through the server, override offline behind a cut proxy (PGlite)', () => {
  let server: TestServer;
  let desk: DeskBackend;
  let proxy: FaultProxy;
  let dir = '';
  const sms = new DevelopmentSmsSink();
  beforeAll(async () => {
    server = await startTestServer('pglite', { sms });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.app.server.address() as { port: number }).port;
    // The desk reaches the server through a proxy that can cut it off, so "offline" is real.
    proxy = new FaultProxy(port);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'coverdesk-desk-'));
    desk = new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    desk.start();
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await desk.engine.requestSync();
  });
  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a code to the registered phone, reports a wrong code with tries left, admits with the right one', async () => {
    const sent = value(await desk.handlers['identity.sendOtp']({ memberId: demoIds.son }));
    expect(sent.phoneEnding).toBe('0001');
    const code = /code is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1] ?? '';
    const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(value(await desk.handlers['identity.verifyOtp']({ challengeId: sent.challengeId, code: wrongCode }))).toMatchObject({
      verified: false,
      reason: 'wrong-code',
      attemptsLeft: 4,
    });
    expect(value(await desk.handlers['identity.verifyOtp']({ challengeId: sent.challengeId, code }))).toMatchObject({ verified: true });
    const { caseId } = value(await desk.handlers['cases.admit']({ memberId: demoIds.son, identityMethod: 'otp', otpChallengeId: sent.challengeId }));
    await desk.engine.requestSync();
    expect(desk.reads.caseView(caseId)?.status).toBe('admitted');
  });

  it('offline: refuses an override without reason and supervisor, queues one with them, and the server lists it for review once pushed', async () => {
    proxy.setOffline(true);
    const ha = await server.login('ha');
    const refused = await desk.handlers['cases.admit']({ memberId: demoIds.daughter, identityMethod: 'override', overrideReason: 'unconscious' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const { caseId } = value(
      await desk.handlers['cases.admit']({
        memberId: demoIds.daughter,
        identityMethod: 'override',
        overrideReason: 'Unconscious on arrival, brought by ambulance',
        supervisorName: 'Dr. Kale',
      }),
    );
    // The sync attempt fails: the admission waits in the outbox and the server has not seen it.
    await desk.engine.requestSync();
    expect(desk.engine.current()).toMatchObject({ isOnline: false, pendingMutations: 1 });
    expect(desk.reads.caseView(caseId)?.status).toBe('pending-sync');
    const before = (await server.get(ha, '/reviews/identity-overrides')).body as { overrides: { caseId: string }[] };
    expect(before.overrides.map((o) => o.caseId)).not.toContain(caseId);

    proxy.setOffline(false);
    await desk.engine.requestSync();
    expect(desk.engine.current().pendingMutations).toBe(0);
    expect(desk.reads.caseView(caseId)?.status).toBe('admitted');
    const listed = (await server.get(ha, '/reviews/identity-overrides')).body as { overrides: { caseId: string; reason: string; supervisorName: string }[] };
    expect(listed.overrides.find((o) => o.caseId === caseId)).toMatchObject({
      reason: 'Unconscious on arrival, brought by ambulance',
      supervisorName: 'Dr. Kale',
    });
  });
});
