import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskFleetValue, FleetDeskValue } from '../../sync-server/contract/fleet';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
const backend = availableBackends[0]!;

/**
 * Issue 23 at a real desk backend and its replica: the desk reports itself in its own sync
 * traffic (the HA fleet page shows its version, outbox and replica), and below the scheme's
 * minimum version it keeps working — admissions and bookings go to its outbox — while the server
 * refuses its pushes; it says "update required", keeps the outbox across refusals and a restart,
 * and once the app is updated (the same data folder, a higher version) the kept outbox is
 * delivered, each command exactly once.
 */
describe(`a desk's fleet report and the minimum desk version (${backend})`, () => {
  let server: TestServer;
  let desk: DeskBackend;
  let ha: string;
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-desk-fleet-'));
  const openDesk = (appVersion: string) => new DeskBackend({ dataDir: dir, devices: {}, appVersion, sync: { backoffBaseMs: 50, backoffMaxMs: 200 } });
  const sync = async () => {
    await desk.engine.requestSync();
    await desk.engine.requestSync();
  };
  const fleetRow = async (): Promise<FleetDeskValue> => {
    const answer = await server.get(ha, '/admin/desk-fleet');
    expect(answer.status).toBe(200);
    return (answer.body as unknown as DeskFleetValue).items.find((item) => item.deskId === demoIds.deskA)!;
  };
  const pending = () =>
    desk.db.prepare("SELECT command_id AS commandId, name FROM outbox WHERE state = 'pending' ORDER BY sequence").all() as {
      commandId: string;
      name: string;
    }[];

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    ha = await server.login('ha');
    desk = openDesk('1.4.0');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: url, code: String(issued.body.code) }));
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await sync();
  }, 120_000);

  afterAll(async () => {
    await desk?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports its version, outbox, replica and clock with the sync it already does', async () => {
    const row = await fleetRow();
    expect(row).toMatchObject({ appVersion: '1.4.0', outboxDepth: 0, oldestUnsentAt: null, isSilent: false, isBelowMinimum: false });
    expect(row.lastPullAt).not.toBeNull();
    // The replica is a real SQLite file with the demo scope in it.
    expect(row.replicaBytes).toBeGreaterThan(64 * 1024);
    // One machine, one clock: the offset is the request's travel time, far under a minute.
    expect(Math.abs(row.clockOffsetMs!)).toBeLessThan(60_000);
  });

  it('below the minimum it keeps working and keeps its outbox; updated, the outbox is delivered exactly once', async () => {
    const set = await server.raw('POST', '/admin/desk-fleet/minimum-version', { token: ha, payload: { version: '1.5.0', reason: 'Booking form fix' } });
    expect(set.status).toBe(200);

    // Work goes on: an admission, its pre-auth request and a booking, queued as usual.
    const { caseId } = value(await desk.handlers['cases.admit']({ memberId: demoIds.father, identityMethod: 'fingerprint' }));
    value(await desk.handlers['cases.requestPreauth']({ caseId, packageCode: 'MG012A' }));
    const { bookingId } = value(await desk.handlers['bookings.add']({ caseId, itemCode: 'WARD', description: 'Ward', quantity: 1, unitPrice: 150_000 }));
    const queued = pending();
    expect(queued.map((entry) => entry.name)).toEqual(['admit', 'request-preauth', 'add-booking']);

    await sync();
    const status = desk.engine.current();
    expect(status).toMatchObject({ isOnline: true, state: 'online', lastError: null, pendingMutations: 3 });
    expect(status.updateRequired).toEqual({ minimumVersion: '1.5.0', message: expect.stringMatching(/^Update CoverDesk to 1\.5\.0 before sending/) });
    expect(pending()).toEqual(queued);
    // The case is the desk's own, pending, and the server has none of it.
    expect(desk.reads.caseView(caseId)?.status).toBeDefined();
    expect(await server.scratch.db.query('SELECT id FROM cases WHERE id = $1', [caseId])).toEqual([]);
    expect(await fleetRow()).toMatchObject({ appVersion: '1.4.0', outboxDepth: 3, isBelowMinimum: true });

    // Refused again at the next cycle, and across a restart of the same version: kept, never dropped.
    await sync();
    await desk.stop();
    desk = openDesk('1.4.0');
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await sync();
    expect(pending()).toEqual(queued);
    expect(desk.engine.current().updateRequired).not.toBeNull();

    // The update: the same data folder, opened by CoverDesk 1.5.0.
    await desk.stop();
    desk = openDesk('1.5.0');
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await sync();
    expect(pending()).toEqual([]);
    expect(desk.engine.current()).toMatchObject({ isOnline: true, updateRequired: null, lastError: null, pendingMutations: 0 });
    const answered = desk.db.prepare('SELECT command_id AS commandId, status FROM outbox ORDER BY sequence').all() as { commandId: string; status: number }[];
    expect(answered).toEqual(queued.map((entry) => ({ commandId: entry.commandId, status: 200 })));

    // Exactly once on the server: each command stored once, one case, one booking.
    const stored = await server.scratch.db.query<{ id: string }>(
      'SELECT command_id::text AS id FROM commands WHERE command_id = ANY($1::uuid[]) ORDER BY command_id',
      [queued.map((entry) => entry.commandId)],
    );
    expect(stored.map((row) => row.id)).toEqual(queued.map((entry) => entry.commandId).sort());
    expect(await server.scratch.db.query('SELECT id FROM cases WHERE id = $1', [caseId])).toHaveLength(1);
    expect(await server.scratch.db.query('SELECT id FROM bookings WHERE id = $1', [bookingId])).toHaveLength(1);
    await sync();
    expect(await server.scratch.db.query('SELECT id FROM bookings WHERE case_id = $1', [caseId])).toHaveLength(1);
    expect(await fleetRow()).toMatchObject({ appVersion: '1.5.0', outboxDepth: 0, isBelowMinimum: false });
  });
});
