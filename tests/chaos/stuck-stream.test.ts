import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';
import { HttpFaultProxy } from '../support/http-fault-proxy';
import { stablePort } from '../support/ports';
import { DeskHost } from './desk-host';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The desk's safety pull is set far beyond the test's length, so a change that reaches the desk
 * can only have come by a poke: no wall-clock limit is needed to tell a poke from the 30 s timer
 * (such limits failed on a busy machine).
 */
const noSafetyPullMs = 3_600_000;
/** How long to wait for the poke before calling it lost: generous, the result never depends on it. */
const pokeWaitMs = 40_000;

/**
 * Found by the chaos run (restarted desk processes whose first requests hung for the full 15 s
 * timeout while the proxy was cutting them off), reduced to the event stream; fixed in c4da5fc
 * (the stream has a connect timeout and a silence watchdog), kept as a regression test.
 *
 * What happened: when a desk process starts while the network accepts connections and then
 * closes or resets them (a balancer with no healthy backend; here the TCP FaultProxy while
 * offline, which closes each connection as soon as it is accepted), Node 20's fetch (undici 6.24)
 * leaves some of the process's first requests pending: in a fresh process, `fetch` against
 * `net.createServer((s) => s.destroy())` never settles, and with two concurrent requests against
 * `s.resetAndDestroy()` the second never settles — only their abort signals end them. Push, pull
 * and sign-in gave up after their 15 s timeout, but the event stream had no timeout, so
 * followStream waited forever: after the network healed, pokes never reached the desk, which
 * caught up only on its own commands or the 30 s safety pull. A silently dead stream connection
 * (NAT timeout, Wi-Fi roaming: no FIN, no RST) was stuck the same way.
 */
describe('a desk started while the network is down gets pokes once it heals (one in-process server, PostgreSQL when there is one; desk in its own process)', () => {
  let server: TestServer;
  let port: number;
  let host: DeskHost | null = null;
  let stopProxy: () => Promise<void> = async () => undefined;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coverdesk-stuck-stream-'));
    // The database is not what this is about: PostgreSQL's seeded template starts in about a second, PGlite in ten or more.
    server = await startTestServer(availableBackends[0]!, { extraFamilies: 2 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    port = (server.app.server.address() as { port: number }).port;
  }, 60_000);

  afterEach(async () => {
    await host?.kill();
    host = null;
    await stopProxy();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Enroll a desk through `serverUrl`, stop it, cut the network, start the desk process afresh,
   * heal once it is open, then admit a patient on the server: how long until the desk has the hold?
   */
  async function restartCutOffThenChange(serverUrl: string, setOffline: (isOffline: boolean) => Promise<void> | void): Promise<void> {
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    host = new DeskHost('stuck-stream', [
      {
        deskKey: 'desk',
        dataDir: dir,
        username: 'medco.a',
        password: 'coverdesk-demo',
        enroll: { serverUrl, code: String(issued.body.code) },
        members: [],
        packageCodes: [],
        safetyPullMs: noSafetyPullMs,
      },
    ]);
    await host.start();
    await host.stop();
    await setOffline(true);
    await host.start(); // signs in offline: the cached verifier
    await setOffline(false);
    // The desk must be streaming again before the change, or the change would arrive with the
    // pull that follows the stream's reconnect rather than by a poke. Wait for its status to say so.
    const onlineBy = Date.now() + pokeWaitMs;
    while ((await host.call('snapshot', { deskKey: 'desk', withViews: false })).syncState !== 'online' && Date.now() < onlineBy) await sleep(100);
    const caseId = randomUUID();
    const token = await server.login('medco.a');
    expect((await server.command(token, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' })).status).toBe(200);
    expect((await server.command(token, 'request-preauth', { caseId, packageCode: 'MG006A' })).status).toBe(200);
    const changedAt = Date.now();
    const hasHold = async () => (await host!.call('snapshot', { deskKey: 'desk', withViews: false })).holds.some((h) => h.caseId === caseId);
    while (!(await hasHold()) && Date.now() - changedAt < pokeWaitMs) await sleep(100);
    expect(await hasHold(), 'no poke reached the desk after the heal (its safety pull was off)').toBe(true);
  }

  it('control: cut off with connections refused (nobody listening), the desk streams again after the heal', async () => {
    const proxy = new HttpFaultProxy(() => [port]);
    await proxy.start(await stablePort());
    stopProxy = () => proxy.stop();
    await restartCutOffThenChange(proxy.url, (isOffline) => proxy.setOffline(isOffline, 'refuse'));
  }, 150_000);

  // Fixed: SyncServerClient.stream now has a connect timeout and a silence watchdog.
  it('cut off with connections closed as soon as accepted, the desk streams again after the heal', async () => {
    const proxy = new FaultProxy(port);
    await proxy.start();
    stopProxy = () => proxy.stop();
    await restartCutOffThenChange(proxy.url, (isOffline) => proxy.setOffline(isOffline));
  }, 150_000);
});
