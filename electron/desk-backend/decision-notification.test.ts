import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeskEvents } from '../desk-api/contract';
import { DeskBackend } from './backend';
import { openReplica, writeMeta } from './database';
import { OwnerOnlyFileSecretStore } from './secret-store';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const familyId = '00000000-0000-4000-8000-0000000f0001';
const memberId = '00000000-0000-4000-8000-0000000e0001';
const caseId = '00000000-0000-4000-8000-0000000c0001';
const patientName = 'Asha Patil';

/** One pull round: the family, the patient (by name), her case here and its pre-auth in `status`. */
function round(status: string, at: string) {
  const documents = [
    { table: 'families', id: familyId, row: { id: familyId, familyNumber: 'FAM-1', cover: 1_000_000, committed: 600_000, district: 'Pune', activeCases: [] } },
    {
      table: 'members',
      id: memberId,
      row: { id: memberId, familyId, schemeMemberId: 'PMJ-1', fullName: patientName, birthYear: 1985, healthCardNumber: null },
    },
    {
      table: 'packages',
      id: 'MG012A',
      row: { code: 'MG012A', name: 'Enteric fever', specialty: 'General medicine', isUnspecified: false, version: 1, price: 600_000 },
    },
    { table: 'cases', id: caseId, row: { id: caseId, memberId, familyId, status: 'admitted' } },
    { table: 'preauths', id: caseId, row: { id: caseId, caseId, status, packageCode: 'MG012A', requestedAmount: 600_000 } },
  ];
  return JSON.stringify({
    protocolVersion: 1,
    documents,
    checkpoint: { from: at, next: at, table: 0, afterId: null },
    hasMore: false,
    serverTime: '2026-12-06T10:00:00.000Z',
  });
}

describe('decision notifications on a shared screen (issue 13 item 12)', () => {
  it("an approved pre-auth is announced without the patient's name (OS notification and toast)", async () => {
    let status = 'pending';
    const server: Server = createServer((request, response) => {
      const isPull = (request.url ?? '').startsWith('/sync/pull');
      response.writeHead(isPull ? 200 : 404, { 'content-type': 'application/json' });
      response.end(isPull ? round(status, status === 'pending' ? '100' : '200') : JSON.stringify({ code: 'not-found', message: 'no' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-notify-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = openReplica(join(dir, 'desk-replica.sqlite'));
    writeMeta(db, 'server_url', `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    writeMeta(db, 'desk_id', '00000000-0000-4000-8000-00000000a0d1');
    writeMeta(db, 'hospital_id', '00000000-0000-4000-8000-00000000a001');
    writeMeta(db, 'scheme', JSON.stringify({ name: 'Demo', currency: 'INR', locale: 'en-IN', minorPerUnit: 100, preauthTurnaroundMinutes: 360 }));
    db.close();
    new OwnerOnlyFileSecretStore(join(dir, 'desk-credential')).write('00000000-0000-4000-8000-00000000a0d1.secretsecretsecretsecretsecret');
    const desk = new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 20, backoffMaxMs: 100 } });
    cleanups.push(() => desk.stop());
    const notifications: DeskEvents['notification'][] = [];
    desk.onEvent((event, payload) => {
      if (event === 'notification') notifications.push(payload as DeskEvents['notification']);
    });

    await desk.engine.requestSync();
    expect(notifications).toEqual([]);
    status = 'approved';
    await desk.engine.requestSync();

    // The desk knows who the patient is (its case screen shows her)…
    expect(desk.db.prepare('SELECT count(*) AS count FROM server_members').get()).toEqual({ count: 1 });
    // …but what the operating system shows, in its notification centre and on a locked screen, does not.
    expect(notifications).toHaveLength(1);
    const [shown] = notifications;
    expect(shown).toMatchObject({ caseId, title: 'Pre-authorization approved' });
    expect(`${shown!.title} ${shown!.body}`).not.toMatch(/Asha|Patil/i);
    expect(shown!.body).toBe('Case 00000000, package MG012A: approved. Open the case in CoverDesk to see the patient.');
  });
});
