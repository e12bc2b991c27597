import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../desk-api/contract';
import { demoIds } from '../../sync-server/src/demo/seed';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../../tests/support/fault-proxy';
import { DeskBackend } from './backend';
import { pruneAnsweredOutbox } from './database';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
const units = (n: number) => n * 100;
/** Sync until the outbox is empty: a cycle begun while the link was down may still be ending when it is back. */
async function syncedOut(desk: DeskBackend): Promise<void> {
  for (let cycle = 0; cycle < 50 && desk.engine.current().pendingMutations > 0; cycle += 1) await desk.engine.requestSync();
  expect(desk.engine.current().pendingMutations).toBe(0);
}

/**
 * Emergencies before identity at the desk (issue 19, scenario S6), against a real server: the
 * admission and the merge are made offline, queued in the outbox like any admission, shown with
 * the window's time left meanwhile, and applied in order when the desk is back; the pre-auth then
 * holds on the family's cover.
 */
describe('emergency cases from a real desk (PGlite server)', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 0 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.close();
  });

  it("offline: admitted and merged from the outbox, with the window shown meanwhile; online: the case is the father's and EM001 holds 8,000", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-emergencies-'));
    dirs.push(dir);
    const desk = new DeskBackend({ dataDir: dir, signInFallbackMs: 200, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    try {
      const ha = await server.login('ha');
      const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
      value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
      await desk.engine.requestSync();
      value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));

      proxy.setOffline(true);
      const bad = await desk.handlers['emergencies.admit']({ sex: 'male', approximateAge: 45, foundAt: '   ' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      const photo = { type: 'image/jpeg' as const, base64: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]).toString('base64') };
      const { caseId, identifyBy } = value(
        await desk.handlers['emergencies.admit']({ sex: 'male', approximateAge: 45, foundAt: 'Brought in unconscious by ambulance 108', photo }),
      );
      const [queued] = value(await desk.handlers['emergencies.list']({}));
      expect(queued).toMatchObject({
        caseId,
        status: 'unidentified',
        sync: 'pending',
        isIdentifyByConfirmed: false,
        isOverdue: false,
        hasPhoto: true,
        identifyBy,
      });
      // The desk's estimate is the scheme's default window from the admission time.
      expect(Date.parse(identifyBy) - Date.parse(queued!.admittedAt)).toBe(24 * 60 * 60_000);
      expect(queued!.remainingMinutes).toBeGreaterThan(24 * 60 - 60);

      // The father is identified while the desk is still offline: the merge queues behind the admission.
      value(await desk.handlers['members.identify']({ by: 'scheme-id', value: 'PMJ-S1000001' }));
      value(
        await desk.handlers['emergencies.merge']({
          caseId,
          memberId: demoIds.father,
          identityMethod: 'override',
          overrideReason: 'Unconscious; his wife recognised him at the desk',
          supervisorName: 'Dr Kulkarni',
        }),
      );
      expect(await desk.handlers['emergencies.merge']({ caseId, memberId: demoIds.father, identityMethod: 'fingerprint' })).toMatchObject({
        ok: false,
        error: { code: 'emergency-already-merged' },
      });
      expect(value(await desk.handlers['emergencies.list']({}))[0]).toMatchObject({
        status: 'merged',
        memberId: demoIds.father,
        sync: 'pending',
        remainingMinutes: null,
      });
      const [before] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM emergency_cases WHERE id = $1', [caseId]);
      expect(before?.count).toBe(0);

      proxy.setOffline(false);
      await syncedOut(desk);
      const [confirmed] = value(await desk.handlers['emergencies.list']({}));
      expect(confirmed).toMatchObject({ status: 'merged', sync: 'confirmed', isIdentifyByConfirmed: true, isOverdue: false, rejection: null });
      const [row] = await server.scratch.db.query<{ status: string; member_id: string; identify_by: Date }>(
        'SELECT status, member_id, identify_by FROM emergency_cases WHERE id = $1',
        [caseId],
      );
      expect(row).toMatchObject({ status: 'merged', member_id: demoIds.father });
      expect(confirmed!.identifyBy).toBe(new Date(row!.identify_by).toISOString());

      value(await desk.handlers['cases.requestPreauth']({ caseId, packageCode: 'EM001' }));
      await syncedOut(desk);
      const [hold] = await server.scratch.db.query<{ amount: number }>('SELECT amount FROM holds WHERE case_id = $1', [caseId]);
      expect(Number(hold?.amount)).toBe(units(8000));
      const view = value(await desk.handlers['cases.view']({ caseId }));
      expect(view).toMatchObject({ caseId, isEmergency: true });

      // A day and more later the answered outbox entries are pruned (data at rest): the record
      // keeps the server's answers, so it stays confirmed with the server's window.
      const kept = value(await desk.handlers['emergencies.list']({}))[0];
      expect(pruneAnsweredOutbox(desk.db, new Date(Date.now() + 25 * 60 * 60_000))).toBeGreaterThan(0);
      expect(
        desk.db.prepare('SELECT count(*) AS n FROM outbox WHERE command_id = (SELECT command_id FROM emergency_cases WHERE case_id = ?)').get(caseId),
      ).toEqual({ n: 0 });
      expect(value(await desk.handlers['emergencies.list']({}))[0]).toEqual(kept);
      expect(kept).toMatchObject({ status: 'merged', sync: 'confirmed', isIdentifyByConfirmed: true });
    } finally {
      await desk.stop();
    }
  });
});
