import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskChannel } from '../desk-api/contract';
import { DeskBackend } from '../desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { startDeskHost } from './desk-host';
import { openDeskSocket, type DeskSocket } from './testing/desk-socket';

/** The status of a plain HTTP GET with the given Host header. */
function getStatus(url: string, hostHeader: string): Promise<number> {
  return new Promise((resolveGet, rejectGet) => {
    const sent = request(url, { headers: { host: hostHeader } }, (response) => {
      response.resume();
      resolveGet(response.statusCode ?? 0);
    });
    sent.on('error', rejectGet);
    sent.end();
  });
}

const password = 'coverdesk-demo';

describe("browser mode: every connection signs in for itself, and only the desk's own pages connect", () => {
  let server: TestServer;
  let backend: DeskBackend;
  let host: Awaited<ReturnType<typeof startDeskHost>>;
  let origin = '';
  const open: DeskSocket[] = [];
  const dirs: string[] = [];
  const page = async () => {
    const connection = await openDeskSocket(host.url, { origin });
    open.push(connection);
    return connection;
  };

  beforeAll(async () => {
    server = await startTestServer(availableBackends[0]!, {});
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const serverUrl = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'coverdesk-host-'));
    const rendererDir = mkdtempSync(join(tmpdir(), 'coverdesk-host-renderer-'));
    dirs.push(dataDir, rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>desk</title>');
    backend = new DeskBackend({ dataDir, devices: {} });
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    const enrolled = await backend.handlers['enrollment.enroll']({ serverUrl, code: String(issued.body.code) });
    if (!enrolled.ok) throw new Error(enrolled.error.message);
    backend.start();
    await backend.engine.requestSync();
    host = await startDeskHost(backend, { port: 0, rendererDir });
    origin = host.url;
  }, 120_000);

  afterAll(async () => {
    for (const connection of open) connection.close();
    await host?.close();
    await backend?.stop();
    await server?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a second connection (another browser profile, a reloaded page) finds nobody signed in and reads nothing until it signs in', async () => {
    const first = await page();
    expect(await first.call('session.signIn', { username: 'medco.a', password })).toMatchObject({ ok: true });
    expect(await first.call('families.view', { familyId: demoIds.seedFamily })).toMatchObject({ ok: true });

    const second = await page();
    expect(await second.call('session.current', {})).toEqual({ ok: true, value: null });
    const reads: [DeskChannel, Record<string, unknown>][] = [
      ['families.view', { familyId: demoIds.seedFamily }],
      ['cases.list', { status: 'all' }],
      ['cases.view', { caseId: '00000000-0000-4000-8000-000000000000' }],
      ['packages.list', {}],
      ['replication.pull', { collection: 'families', checkpoint: null, limit: 100 }],
      ['members.identify', { by: 'scheme-id', value: 'PMJ-S1000001' }],
      ['identity.enrolments', { memberId: demoIds.father }],
      [
        'cases.admit',
        { memberId: demoIds.father, identityMethod: 'override', overrideReason: 'Unconscious on arrival, brought by ambulance', supervisorName: 'Dr. Kale' },
      ],
    ];
    for (const [channel, args] of reads) {
      expect(await second.call(channel, args), channel).toMatchObject({ ok: false, error: { code: 'not-signed-in' } });
    }
    // Link health answers anyone: the sign-in screen shows it.
    expect(await second.call('sync.status', {})).toMatchObject({ ok: true });

    expect(await second.call('session.signIn', { username: 'medco.a', password: 'not-the-password' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-credentials' },
    });
    expect(await second.call('families.view', { familyId: demoIds.seedFamily })).toMatchObject({ ok: false, error: { code: 'not-signed-in' } });
    expect(await second.call('session.signIn', { username: 'medco.a', password })).toMatchObject({ ok: true });
    expect(await second.call('families.view', { familyId: demoIds.seedFamily })).toMatchObject({ ok: true });
  }, 60_000);

  it('after sign-out a connection reads nothing, and the other connections stay signed in', async () => {
    const leaving = await page();
    const staying = await page();
    for (const connection of [leaving, staying]) expect(await connection.call('session.signIn', { username: 'medco.a', password })).toMatchObject({ ok: true });
    expect(await leaving.call('session.signOut', {})).toEqual({ ok: true, value: null });
    expect(await leaving.call('cases.list', { status: 'all' })).toMatchObject({ ok: false, error: { code: 'not-signed-in' } });
    expect(await leaving.call('replication.pull', { collection: 'cases', checkpoint: null, limit: 100 })).toMatchObject({
      ok: false,
      error: { code: 'not-signed-in' },
    });
    expect(await leaving.call('session.current', {})).toEqual({ ok: true, value: null });
    expect(await staying.call('cases.list', { status: 'all' })).toMatchObject({ ok: true });
  }, 60_000);

  it('events about cases reach only connections with an operator signed in', async () => {
    const operator = await page();
    const stranger = await page();
    expect(await operator.call('session.signIn', { username: 'medco.a', password })).toMatchObject({ ok: true });
    const changed = operator.nextEvent('replication.changed');
    expect(
      await operator.call('cases.admit', {
        memberId: demoIds.daughter,
        identityMethod: 'override',
        overrideReason: 'Unconscious on arrival, brought by ambulance',
        supervisorName: 'Dr. Kale',
      }),
    ).toMatchObject({ ok: true });
    await changed;
    // Events go out to every socket in one pass, before this later answer on the same socket:
    // once it is here, anything sent to the stranger with the operator's event has arrived.
    expect(await stranger.call('sync.status', {})).toMatchObject({ ok: true });
    expect(stranger.events.map((entry) => entry.event).filter((event) => event !== 'sync.status' && event !== 'devices.status')).toEqual([]);
  }, 60_000);

  it('refuses a socket without Origin, from another origin or for another host name, and plain requests for another host name', async () => {
    await expect(openDeskSocket(host.url, {})).rejects.toThrow('HTTP 403');
    await expect(openDeskSocket(host.url, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(openDeskSocket(host.url, { origin: 'null' })).rejects.toThrow('HTTP 403');
    const port = new URL(host.url).port;
    // DNS rebinding: a page of rebound.example resolved to 127.0.0.1 is same-origin with itself, not with the desk.
    await expect(openDeskSocket(host.url, { origin: `http://rebound.example:${port}`, host: `rebound.example:${port}` })).rejects.toThrow('HTTP 421');
    expect(await getStatus(`${host.url}/`, `rebound.example:${port}`)).toBe(421);
    expect(await getStatus(`${host.url}/`, `localhost:${port}`)).toBe(200);
  });

  it('an enrolled desk cannot be pointed at another server by any connection', async () => {
    const stranger = await page();
    const before = await stranger.call('enrollment.status', {});
    expect(await stranger.call('enrollment.enroll', { serverUrl: 'http://127.0.0.1:9', code: 'ABCD-EFGH' })).toMatchObject({
      ok: false,
      error: { code: 'already-enrolled' },
    });
    expect(await stranger.call('enrollment.status', {})).toEqual(before);
  });
});
