import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { describeEachBackend } from '../../sync-server/src/testing/backends';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';

const units = (n: number) => n * 100;
function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function eventually<T>(read: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await read();
    if (accept(current)) return current;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeEachBackend('two desks and a real server: S1 with hospital B offline (%s)', (backend) => {
  let server: TestServer;
  let proxyB: FaultProxy;
  let deskA: DeskBackend;
  let deskB: DeskBackend;
  const dirs: string[] = [];

  const newDesk = async (serverUrl: string, deskId: string, username: string): Promise<DeskBackend> => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-desk-'));
    dirs.push(dir);
    const desk = new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: ha, payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl, code: String(issued.body.code) }));
    desk.start();
    value(await desk.handlers['session.signIn']({ username, password: 'coverdesk-demo' }));
    return desk;
  };

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 10 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.app.server.address() as { port: number }).port;
    proxyB = new FaultProxy(port);
    await proxyB.start();
    deskA = await newDesk(`http://127.0.0.1:${port}`, demoIds.deskA, 'medco.a');
    deskB = await newDesk(proxyB.url, demoIds.deskB, 'medco.b');
  });

  afterAll(async () => {
    await deskA?.stop();
    await deskB?.stop();
    await proxyB?.stop();
    await server?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("plays S1 steps 1–2 with desk B offline, then converges on the server's decision", async () => {
    // Step 1 at desk A: the father is in desk A's district registry, so search works locally.
    const father = value(await deskA.handlers['members.identify']({ by: 'scheme-id', value: 'PMJ-S1000001' }));
    expect(father.source).toBe('replica');
    const { caseId: fatherCase } = value(await deskA.handlers['cases.admit']({ memberId: demoIds.father, identityMethod: 'fingerprint' }));
    value(await deskA.handlers['cases.requestPreauth']({ caseId: fatherCase, packageCode: 'MG012A' }));
    const fatherView = await eventually(
      () => deskA.reads.caseView(fatherCase),
      (v) => v?.hold?.value.amount === units(6000),
    );
    expect(fatherView?.preauth.status).toBe('pending');
    expect(fatherView?.hold?.confirmedAt).toBeTruthy();

    // Desk B looks the mother up online (her family is outside its district), then loses the network.
    const mother = value(await deskB.handlers['members.identify']({ by: 'health-card', value: 'HC-S1-0002' }));
    expect(mother.source).toBe('server');
    expect(mother.matches[0]?.member.memberId).toBe(demoIds.mother);
    await eventually(
      () => deskB.reads.family(demoIds.seedFamily),
      (f) => f?.balance.value.available === units(4000),
    );
    proxyB.setOffline(true);
    await eventually(
      async () => value(await deskB.handlers['sync.now']({})),
      (s) => s.state === 'offline',
    );

    // Offline: admit, pre-auth and two bookings (4,500 in all) are queued and shown as pending.
    const { caseId: motherCase } = value(await deskB.handlers['cases.admit']({ memberId: demoIds.mother, identityMethod: 'face' }));
    value(await deskB.handlers['cases.requestPreauth']({ caseId: motherCase, packageCode: 'MG006A' }));
    value(await deskB.handlers['bookings.add']({ caseId: motherCase, itemCode: 'WARD', description: 'Ward, 2 days', quantity: 2, unitPrice: units(1500) }));
    value(await deskB.handlers['bookings.add']({ caseId: motherCase, itemCode: 'LAB', description: 'Dengue panel', quantity: 1, unitPrice: units(1500) }));
    const offlineView = value(await deskB.handlers['cases.view']({ caseId: motherCase }));
    expect(offlineView.status).toBe('pending-sync');
    expect(offlineView.preauth.status).toBe('pending-sync');
    expect(offlineView.bookings.map((b) => b.status)).toEqual(['pending', 'pending']);
    const offlineFamily = value(await deskB.handlers['families.view']({ familyId: demoIds.seedFamily }));
    expect(offlineFamily.balance.value).toEqual({ cover: units(10000), committed: units(6000), available: units(4000) });
    expect(offlineFamily.balance.confirmedAt).toBeTruthy();
    expect(offlineFamily.pendingAmount).toBe(units(4500));
    expect(value(await deskB.handlers['sync.status']({})).pendingMutations).toBe(4);

    // Reconnect: the server places a 4,000 hold; the bookings become covered up to 4,000, shortfall beyond.
    proxyB.setOffline(false);
    const healed = Date.now();
    const converged = await eventually(
      () => deskB.reads.caseView(motherCase),
      (v) => v?.bookings.every((b) => b.status !== 'pending') === true && v.hold !== null,
    );
    expect(Date.now() - healed).toBeLessThan(10_000);
    expect(converged?.hold?.value.amount).toBe(units(4000));
    expect(converged?.preauth.shortfall).toBe(units(1000));
    expect(converged?.bookings.map((b) => [b.status, b.coveredAmount, b.shortfallAmount])).toEqual([
      ['covered', units(3000), 0],
      ['partly-covered', units(1000), units(500)],
    ]);
    expect(value(await deskB.handlers['sync.status']({})).pendingMutations).toBe(0);

    // Both desks converge on the server's family balance.
    const serverBalance = (await server.get(await server.login('ppd'), `/families/${demoIds.seedFamily}/balance`)).body;
    expect(serverBalance).toMatchObject({ committed: units(10000), available: 0 });
    for (const desk of [deskA, deskB]) {
      const family = await eventually(
        () => desk.reads.family(demoIds.seedFamily),
        (f) => f?.balance.value.committed === units(10000),
      );
      expect(family?.balance.value.available).toBe(0);
      expect(family?.activeCases.map((c) => c.hospitalCode).sort()).toEqual(['HSP-A', 'HSP-B']);
    }

    // Step 3: desk A cannot admit the mother now — its replica already knows her case at B.
    const refused = await deskA.handlers['cases.admit']({ memberId: demoIds.mother, identityMethod: 'fingerprint' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('case-already-active');
  });
});
