import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { HttpFaultProxy, noFaults } from '../support/http-fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * Found by the chaos run: a restarted desk was told "invalid credentials" for the right password
 * while the proxy tore the server's answer in half — session.ts turned every failure other than
 * 'unreachable' into 'invalid-credentials', so a torn or garbled answer looked like a wrong
 * password and the offline verifier was never tried. Fixed in 112fc01 (a torn answer falls back
 * to the cached verifier; 'wrong password' only for a 401); kept as a regression test.
 */
describe("sign-in when the server's answer is torn (PGlite; one in-process server)", () => {
  let server: TestServer;
  let proxy: HttpFaultProxy;
  let desk: DeskBackend;
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-torn-'));

  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 2 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.app.server.address() as { port: number }).port;
    proxy = new HttpFaultProxy(() => [port]);
    await proxy.start();
    desk = new DeskBackend({ dataDir: dir });
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    // Signed in online once: the offline verifier is cached on this desk.
    expect(value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' })).isOfflineSession).toBe(false);
  }, 60_000);

  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('control: the answer lost entirely → signed in offline with the cached verifier', async () => {
    proxy.setFaults({ ...noFaults, dropResponse: 1 });
    const result = await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' });
    expect(result.ok && result.value.isOfflineSession).toBe(true);
  });

  it('the answer torn in half → signed in offline with the cached verifier, not "invalid credentials"', async () => {
    proxy.setFaults({ ...noFaults, truncateResponse: 1 });
    const result = await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' });
    expect(result.ok ? 'signed in' : result.error.code).not.toBe('invalid-credentials');
    expect(result.ok && result.value.isOfflineSession).toBe(true);
  });

  it('a wrong password is still refused while the server answers', async () => {
    proxy.setFaults(noFaults);
    const result = await desk.handlers['session.signIn']({ username: 'medco.a', password: 'not-the-password' });
    expect(result.ok ? 'signed in' : result.error.code).toBe('invalid-credentials');
  });
});
