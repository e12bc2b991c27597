import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmergencyListValue } from '@contract/emergencies';
import { demoIds } from './demo/seed';
import { startBreachWatcher } from './console/breach-watcher';
import { describeEachBackend } from './testing/backends';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from './testing/harness';

const units = (n: number) => n * 100; // the demo scheme counts paise
const minute = 60_000;
/** A JPEG's first bytes and a little more: the desk camera's photo, as far as the server checks it. */
const photo = { type: 'image/jpeg' as const, base64: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]).toString('base64') };

/**
 * Scenario S6 (../shared/SCENARIOS.md), "Emergency before identity", step by step with its exact
 * numbers: the S1 family with nothing committed (cover 10,000), EM001 priced 8,000, a window of 24 h.
 * The times are the scheme's (Asia/Kolkata, UTC+5:30) on a clock the test moves.
 */
describeEachBackend('S6 — emergency before identity (%s)', (backend) => {
  let server: TestServer;
  // 02:10 in Pune on 10 June 2026.
  const admittedAt = Date.parse('2026-06-09T20:40:00.000Z');
  let nowMs = admittedAt;
  let deskA = '',
    ppd = '',
    ha = '';
  const caseId = randomUUID();
  const unidentifiedCase = randomUUID();

  beforeAll(async () => {
    server = await startTestServer(backend, { clock: () => new Date(nowMs) });
    deskA = await server.login('medco.a');
    ppd = await server.login('ppd');
    ha = await server.login('ha');
  });
  afterAll(async () => server?.close());

  const balance = async () => (await server.get(deskA, `/families/${demoIds.seedFamily}/balance`)).body;
  const emergencies = async (token: string, query = '') => (await server.get(token, `/emergencies${query}`)).body as EmergencyListValue;

  it('step 1: 02:10, an unconscious man admitted at A with a photo → case open, no member, no hold, "identify within 24 h"', async () => {
    const before = await balance();
    const admitted = resultOf(
      await server.command(deskA, 'admit-emergency', { caseId, sex: 'male', approximateAge: 45, foundAt: 'Brought in unconscious by ambulance 108', photo }),
    );
    expect(admitted).toEqual({
      caseId,
      status: 'unidentified',
      hospitalId: demoIds.hospitalA,
      admittedAt: new Date(admittedAt).toISOString(),
      identifyBy: new Date(admittedAt + 24 * 60 * minute).toISOString(),
      windowMinutes: 24 * 60,
      hasPhoto: true,
    });
    // No member, so no hold: the family's cover is untouched.
    expect(before).toMatchObject({ cover: units(10000), committed: 0, available: units(10000) });
    expect(await balance()).toMatchObject({ cover: units(10000), committed: 0, available: units(10000) });
    const [open] = (await emergencies(deskA)).items.filter((item) => item.caseId === caseId);
    expect(open).toMatchObject({ status: 'unidentified', memberId: null, remainingMinutes: 24 * 60, isOverdue: false, hasPhoto: true, approximateAge: 45 });
    const [rows] = await server.scratch.db.query<{ cases: number; holds: number }>(
      'SELECT (SELECT count(*)::int FROM cases WHERE id = $1) AS cases, (SELECT count(*)::int FROM holds WHERE case_id = $1) AS holds',
      [caseId],
    );
    expect(rows).toEqual({ cases: 0, holds: 0 });
  });

  it("step 2: 09:30, the father's fingerprint matches → the temporary record merges into him (audited); the case is his", async () => {
    nowMs = Date.parse('2026-06-10T04:00:00.000Z');
    const merged = resultOf(await server.command(deskA, 'merge-emergency-case', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    expect(merged).toMatchObject({ caseId, status: 'merged', memberId: demoIds.father, familyId: demoIds.seedFamily, isLate: false });
    expect(merged.admittedAt).toBe(new Date(admittedAt).toISOString());
    expect((await server.get(deskA, `/cases/${caseId}`)).body).toMatchObject({
      case: { status: 'admitted', is_emergency: true, member_id: demoIds.father, admitted_at: new Date(admittedAt).toISOString() },
    });
    const audit = await server.scratch.db.query<{ action: string; actor_id: string | null }>(
      "SELECT action, actor_id FROM audit_log WHERE entity_id = $1 AND action IN ('emergency-admitted', 'case-admitted', 'emergency-merged') ORDER BY id",
      [caseId],
    );
    expect(audit.map((row) => row.action).sort()).toEqual(['case-admitted', 'emergency-admitted', 'emergency-merged']);
    expect(audit.every((row) => row.actor_id !== null)).toBe(true);
    const [listed] = (await emergencies(deskA, '?status=merged')).items.filter((item) => item.caseId === caseId);
    expect(listed).toMatchObject({ memberId: demoIds.father, isOverdue: false, remainingMinutes: null });
  });

  it('step 3: pre-auth EM001 → hold 8,000, available 2,000, emergency service level in the PPD queue', async () => {
    const preauth = resultOf(await server.command(deskA, 'request-preauth', { caseId, packageCode: 'EM001' }));
    expect(preauth).toMatchObject({ holdAmount: units(8000), shortfall: 0, family: { cover: units(10000), committed: units(8000), available: units(2000) } });
    expect(await balance()).toMatchObject({ committed: units(8000), available: units(2000) });
    const queue = (await server.get(ppd, '/queues/preauths')).body.items as { caseId: string; isEmergency: boolean; turnaroundMinutes: number }[];
    const normal = (await server.get(ha, '/admin/scheme')).body.items;
    expect(queue.find((item) => item.caseId === caseId)).toMatchObject({ isEmergency: true, turnaroundMinutes: 60 });
    expect(normal).toMatchObject({ preauthTurnaroundMinutes: 360 });
    const clocks = (await server.get(ppd, '/queues/clocks')).body.items as { caseId: string; stage: string; serviceLevelMinutes: number }[];
    expect(clocks.find((item) => item.caseId === caseId)).toMatchObject({ stage: 'preauth-decision', serviceLevelMinutes: 60 });
    for (const row of await moneyConsistency(server.scratch)) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect(row.ledger).toBe(row.committed);
      expect(row.ledger_holds).toBe(row.holds);
    }
  });

  it('step 4 (variant): nobody identifies him by 02:10 the next day → flagged overdue to desk and scheme; a later identification still merges, flagged', async () => {
    nowMs = admittedAt;
    resultOf(await server.command(deskA, 'admit-emergency', { caseId: unidentifiedCase, sex: 'male', approximateAge: 45, foundAt: 'Found on the roadside' }));
    // 02:10 the next day and a minute: past the window. The watcher flags it once and pokes desks and consoles.
    nowMs = admittedAt + 24 * 60 * minute + minute;
    const poked = new Promise<void>((resolve) => {
      const stop = server.notifier.subscribe(() => {
        stop();
        resolve();
      });
    });
    const watcher = startBreachWatcher({ db: server.scratch.db, notifier: server.notifier, intervalMs: 20, now: () => new Date(nowMs) });
    await poked;
    await watcher.stop();
    const noticed = await server.scratch.db.query<{ overdue_noticed_at: Date | null }>('SELECT overdue_noticed_at FROM emergency_cases WHERE id = $1', [
      unidentifiedCase,
    ]);
    expect(noticed[0]?.overdue_noticed_at).not.toBeNull();
    for (const token of [deskA, ha]) {
      const flagged = (await emergencies(token, '?status=overdue')).items;
      expect(flagged.map((item) => item.caseId)).toEqual([unidentifiedCase]);
      expect(flagged[0]).toMatchObject({ status: 'unidentified', isOverdue: true, remainingMinutes: -1 });
    }
    const [audited] = await server.scratch.db.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM audit_log WHERE entity_id = $1 AND action = 'emergency-overdue'",
      [unidentifiedCase],
    );
    expect(audited?.count).toBe(1);
    // The son turns out to be the patient (the father already has his case): it merges, flagged late.
    const late = resultOf(
      await server.command(deskA, 'merge-emergency-case', { caseId: unidentifiedCase, memberId: demoIds.son, identityMethod: 'fingerprint' }),
    );
    expect(late).toMatchObject({ status: 'merged', memberId: demoIds.son, isLate: true });
    const stillFlagged = (await emergencies(ha, '?status=overdue')).items;
    expect(stillFlagged).toEqual([expect.objectContaining({ caseId: unidentifiedCase, status: 'merged', isOverdue: true, memberId: demoIds.son })]);
    expect(await balance()).toMatchObject({ committed: units(8000), available: units(2000) });
  });
});
