import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';

/**
 * A new desk's first sync reports how far it has got (the desk header shows it), page by page,
 * and says it is over once the replica is whole; a desk restarted afterwards does not claim to be
 * setting up again.
 */
describe('first-sync progress in the sync status', () => {
  const backend = availableBackends[0]!;
  let server: TestServer;
  let serverUrl = '';
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 10 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    serverUrl = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await server?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(`counts the documents received while loading, then reports none once done (${backend})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-first-sync-'));
    dirs.push(dir);
    const pageSize = 7;
    const desk = new DeskBackend({ dataDir: dir, sync: { pullPageSize: pageSize, firstSyncPageSize: pageSize, firstSyncProgressMs: 0 } });
    const statuses: SyncStatus[] = [];
    desk.onEvent((event, payload) => {
      if (event === 'sync.status') statuses.push(payload as SyncStatus);
    });
    const before = await desk.handlers['sync.status']({});
    expect(before.ok && before.value.firstSync).toBeNull(); // not enrolled: nothing to set up yet
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    const enrolled = await desk.handlers['enrollment.enroll']({ serverUrl, code: String(issued.body.code) });
    expect(enrolled.ok).toBe(true);
    const done = await desk.handlers['sync.now']({});
    expect(done.ok && done.value.state).toBe('online');
    expect(done.ok && done.value.firstSync).toBeNull();

    const received = statuses.filter((s) => s.firstSync !== null).map((s) => s.firstSync!.documentsReceived);
    const counted = received.filter((n) => n > 0);
    // Several pages, each counted as it was applied, in order; every count a whole number of pages.
    expect(counted.length).toBeGreaterThan(3);
    for (let i = 1; i < counted.length; i += 1) expect(counted[i]).toBeGreaterThan(counted[i - 1]!);
    for (const n of counted) expect(n % pageSize).toBe(0);
    // The loading events come before the one that says the replica is whole.
    const lastLoading = statuses.findLastIndex((s) => s.firstSync !== null);
    const firstDone = statuses.findIndex((s, index) => index > lastLoading && s.firstSync === null && s.state === 'online');
    expect(firstDone).toBeGreaterThan(lastLoading);
    // The last count is the replica less its final page (that page ends the first sync).
    const tables = ['families', 'members', 'packages', 'cases', 'preauths', 'holds', 'enhancements', 'bookings', 'claims'];
    const rows =
      tables.reduce((sum, table) => sum + (desk.db.prepare(`SELECT count(*) AS n FROM server_${table}`).get() as { n: number }).n, 0) +
      (desk.db.prepare('SELECT count(*) AS n FROM biometric_enrolments').get() as { n: number }).n;
    expect(rows).toBeGreaterThan(counted.at(-1)!);
    expect(rows).toBeLessThanOrEqual(counted.at(-1)! + pageSize);
    await desk.stop();

    const restarted = new DeskBackend({ dataDir: dir });
    const again = await restarted.handlers['sync.status']({});
    expect(again.ok && again.value.firstSync).toBeNull();
    await restarted.stop();
  });
});
