import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { DevelopmentSmsSink } from '../../sync-server/src/identity/sms';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * Issue 16, at the desk: "Past treatment" on a case asks for the patient's consent by a one-time
 * code, then shows the cases at other hospitals from the server. Online only: cut off, the desk
 * says so; nothing of the history is written to the desk's replica.
 */
describe("the patient's past treatment at the desk (PGlite)", () => {
  let server: TestServer;
  let desk: DeskBackend;
  let proxy: FaultProxy;
  const sms = new DevelopmentSmsSink();
  let dir = '';
  const caseAtA = randomUUID();

  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 0, sms });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'coverdesk-desk-'));
    desk = new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    desk.start();
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    // The son's earlier stay at hospital B, then his admission at A.
    const medcoB = await server.login('medco.b');
    const caseAtB = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId: caseAtB, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId: caseAtB, packageCode: 'MG012A' }));
    resultOf(await server.command(medcoB, 'cancel-case', { caseId: caseAtB, reason: 'Patient left against advice' }));
    const medcoA = await server.login('medco.a');
    resultOf(await server.command(medcoA, 'admit', { caseId: caseAtA, memberId: demoIds.son, identityMethod: 'fingerprint' }));
  });
  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for consent, takes it by a code read out, then shows the stay at B', async () => {
    expect(await desk.handlers['history.view']({ caseId: caseAtA })).toMatchObject({ ok: false, error: { code: 'consent-required' } });
    const challenge = value(await desk.handlers['identity.sendOtp']({ memberId: demoIds.son }));
    let code = '';
    for (let tries = 0; tries < 50 && !code; tries += 1) {
      code = /code is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1] ?? '';
      if (!code) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A wrong code first: the consent is not recorded on an unverified code.
    expect(
      value(await desk.handlers['identity.verifyOtp']({ challengeId: challenge.challengeId, code: code === '000000' ? '111111' : '000000' })),
    ).toMatchObject({
      verified: false,
    });
    expect(await desk.handlers['history.consent']({ caseId: caseAtA, otpChallengeId: challenge.challengeId })).toMatchObject({
      ok: false,
      error: { code: 'consent-refused' },
    });
    expect(value(await desk.handlers['identity.verifyOtp']({ challengeId: challenge.challengeId, code }))).toMatchObject({ verified: true });
    const consent = value(await desk.handlers['history.consent']({ caseId: caseAtA, otpChallengeId: challenge.challengeId }));
    expect(Date.parse(consent.expiresAt)).toBeGreaterThan(Date.now());
    const history = value(await desk.handlers['history.view']({ caseId: caseAtA }));
    expect(history.pastCases).toEqual([
      expect.objectContaining({
        isThisHospital: false,
        status: 'cancelled',
        preauthStatus: 'cancelled',
        package: expect.objectContaining({ code: 'MG012A' }),
        claim: null,
      }),
    ]);
    const looks = await server.scratch.db.query<{ via: string }>('SELECT via FROM history_access_log WHERE case_id = $1', [caseAtA]);
    expect(looks).toEqual([{ via: 'desk' }]);
  });

  it('offline it says the history needs the server, and refuses a malformed case id', async () => {
    proxy.setOffline(true);
    try {
      expect(await desk.handlers['history.view']({ caseId: caseAtA })).toMatchObject({ ok: false, error: { code: 'offline-unavailable' } });
    } finally {
      proxy.setOffline(false);
    }
    expect(await desk.handlers['history.view']({ caseId: 'not-a-case' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });
});
