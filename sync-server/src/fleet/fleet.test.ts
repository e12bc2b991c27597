import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { DeskFleet, type DeskFleetValue, type DeskReportValue } from '@contract/fleet';
import { roles } from '@domain/ids';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { startTestServer, type TestServer } from '../testing/harness';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { silentMinutesFromEnvironment } from './routes';

/**
 * The desk fleet and the minimum desk version (issue 23), through the real routes: a desk's
 * report rides on its pulls and pushes and lands as one row per desk; a report the server cannot
 * read is ignored (the sync is answered as usual, the last good figures stay); only HA reads the
 * fleet or sets the minimum; a desk below the minimum pulls but its pushes are refused with
 * nothing applied, and the same outbox goes through once its version is high enough.
 */
const fleetAnswer = Compile(DeskFleet);
const header = (report: DeskReportValue | Record<string, unknown>) => Buffer.from(JSON.stringify(report), 'utf8').toString('base64url');

describeEachBackend('desk fleet and minimum desk version (%s)', (backend) => {
  let server: TestServer;
  // The server's clock, moved by the test: offsets and silence are measured against it exactly.
  let at = Math.floor(Date.now() / 1000) * 1000;
  let ha: string;
  let deskA: { authorization: string; signer: OperatorSigner };

  const enroll = async (deskId: string) => {
    const issued = await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    expect(enrolled.status).toBe(200);
    return `Desk ${String(enrolled.body.credential)}`;
  };
  const pull = (authorization: string, report?: string) =>
    server.raw('GET', '/sync/pull?limit=5000', { headers: { authorization, ...(report === undefined ? {} : { 'x-coverdesk-desk-report': report }) } });
  const admission = (memberId: string = demoIds.father) =>
    deskA.signer.sign(
      {
        sequence: 1,
        commandId: randomUUID(),
        name: 'admit',
        operatorId: deskA.signer.operatorId,
        body: { caseId: randomUUID(), memberId, identityMethod: 'fingerprint' },
      },
      new Date(at).toISOString(),
    );
  const push = (mutations: unknown[], report?: string) =>
    server.raw('POST', '/sync/push', {
      headers: { authorization: deskA.authorization, ...(report === undefined ? {} : { 'x-coverdesk-desk-report': report }) },
      payload: { protocolVersion: 1, mutations },
    });
  const fleet = async (query = '') => {
    const answer = await server.get(ha, `/admin/desk-fleet${query}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    // Exactly the contract's answer (closed objects): what the console reads.
    expect(fleetAnswer.Check(answer.body), JSON.stringify([...fleetAnswer.Errors(answer.body)].slice(0, 2))).toBe(true);
    return answer.body as unknown as DeskFleetValue;
  };
  const rowOf = async (deskId: string, query = '') => (await fleet(query)).items.find((item) => item.deskId === deskId)!;
  const report = (overrides: Partial<DeskReportValue> = {}): DeskReportValue => ({
    appVersion: '1.4.0',
    outboxDepth: 2,
    // Queued 5 minutes ago by the desk's clock, which runs 90 s ahead of the server's.
    oldestUnsentAt: new Date(at + 90_000 - 300_000).toISOString(),
    replicaBytes: 5_242_880,
    deskTime: new Date(at + 90_000).toISOString(),
    ...overrides,
  });

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 2, clock: () => new Date(at) });
    ha = await server.login('ha');
    const authorization = await enroll(demoIds.deskA);
    deskA = { authorization, signer: await registerOperatorKey(server, authorization, 'medco.a') };
  });
  afterAll(async () => server?.close());

  it("a desk's report on its pull lands as its one row: version, outbox, oldest unsent, clock offset, replica size", async () => {
    expect((await pull(deskA.authorization, header(report()))).status).toBe(200);
    const row = await rowOf(demoIds.deskA);
    expect(row).toMatchObject({
      deskName: expect.any(String),
      status: 'active',
      hospitalCode: 'HSP-A',
      lastSeenAt: new Date(at).toISOString(),
      lastPullAt: new Date(at).toISOString(),
      reportedAt: new Date(at).toISOString(),
      appVersion: '1.4.0',
      outboxDepth: 2,
      // On the server's clock: the desk's time less its 90 s lead.
      oldestUnsentAt: new Date(at - 300_000).toISOString(),
      oldestUnsentAgeSeconds: 300,
      clockOffsetMs: 90_000,
      replicaBytes: 5_242_880,
      isSilent: false,
      isBelowMinimum: false,
    });

    // The next report replaces it: still one row.
    at += 60_000;
    expect(
      (await pull(deskA.authorization, header(report({ outboxDepth: 0, oldestUnsentAt: null, deskTime: new Date(at - 2_500).toISOString() })))).status,
    ).toBe(200);
    expect(await rowOf(demoIds.deskA)).toMatchObject({ outboxDepth: 0, oldestUnsentAt: null, oldestUnsentAgeSeconds: null, clockOffsetMs: -2_500 });
    const rows = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM desk_fleet_reports WHERE desk_id = $1', [demoIds.deskA]);
    expect(rows[0]!.count).toBe(1);

    // And the Prometheus gauges show the same figures (read from the database by any process).
    const text = await server.app.metrics.text();
    expect(text).toContain(`coverdesk_desk_outbox_depth{desk="${demoIds.deskA}"} 0`);
    expect(text).toContain(`coverdesk_desk_clock_offset_seconds{desk="${demoIds.deskA}"} -2.5`);
    expect(text).not.toContain(`coverdesk_desk_oldest_unsent_seconds{desk="${demoIds.deskA}"}`);
  });

  it('a report the server cannot read is ignored: the sync is answered as usual and the last good figures stay', async () => {
    const reportColumns = async () =>
      (
        await server.scratch.db.query<Record<string, unknown>>(
          'SELECT reported_at, app_version, outbox_depth, oldest_unsent_at, replica_bytes, clock_offset_ms FROM desk_fleet_reports WHERE desk_id = $1',
          [demoIds.deskA],
        )
      )[0];
    const before = await reportColumns();
    const bad = [
      'not base64!',
      Buffer.from('{not json', 'utf8').toString('base64url'),
      header({ ...report(), outboxDepth: -1 }),
      header({ ...report(), appVersion: 'latest' }),
      header({ ...report(), extra: true }),
      header({ ...report(), deskTime: 'yesterday' }),
      header({ ...report(), outboxDepth: 3, oldestUnsentAt: null }),
      'A'.repeat(2000),
    ];
    for (const value of bad) {
      at += 1_000;
      const pulled = await pull(deskA.authorization, value);
      expect(pulled.status, value.slice(0, 40)).toBe(200);
      expect(pulled.body.hasMore).toBe(false);
      const pushed = await push([admission()], value);
      expect(pushed.status).toBe(200);
      // Answered (the first admits the father, the others are the business answer that he is admitted), never refused.
      expect([200, 409]).toContain((pushed.body.answers as { status: number }[])[0]!.status);
      expect(await reportColumns()).toEqual(before);
      // What the server saw itself is kept: the desk was there and its pull reached the end.
      expect(await rowOf(demoIds.deskA)).toMatchObject({ lastSeenAt: new Date(at).toISOString(), lastPullAt: new Date(at).toISOString() });
    }
  });

  it('flags desks silent for longer than the threshold (default 60 minutes, or as asked), and says the threshold', async () => {
    const now = await fleet();
    expect(now.silentAfterMinutes).toBe(60);
    expect(now.items.find((item) => item.deskId === demoIds.deskA)!.isSilent).toBe(false);
    // Desk B was never enrolled: nothing to flag.
    expect(now.items.find((item) => item.deskId === demoIds.deskB)).toMatchObject({ enrolledAt: null, lastSeenAt: null, isSilent: false });
    at += 61 * 60_000;
    expect((await rowOf(demoIds.deskA)).isSilent).toBe(true);
    expect((await rowOf(demoIds.deskA, '?silentAfterMinutes=120')).isSilent).toBe(false);
    expect((await fleet('?silentAfterMinutes=120')).silentAfterMinutes).toBe(120);
    // An enrolled desk that never synced is silent once its enrollment is older than the threshold.
    await enroll(demoIds.deskB);
    await server.scratch.db.query("UPDATE desks SET enrolled_at = now() - interval '1 day' WHERE id = $1", [demoIds.deskB]);
    expect((await rowOf(demoIds.deskB)).isSilent).toBe(true);
    for (const query of ['?silentAfterMinutes=0', '?silentAfterMinutes=20000', '?silentAfterMinutes=ten', '?other=1']) {
      const refused = await server.get(ha, `/admin/desk-fleet${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body.code).toBe('invalid-input');
      expect(String(refused.body.message).length).toBeGreaterThan(10);
    }
    expect((await pull(deskA.authorization, header(report({ deskTime: new Date(at).toISOString(), oldestUnsentAt: null, outboxDepth: 0 })))).status).toBe(200);
    expect((await rowOf(demoIds.deskA)).isSilent).toBe(false);
    expect(silentMinutesFromEnvironment(undefined)).toBe(60);
    expect(silentMinutesFromEnvironment('15')).toBe(15);
    expect(() => silentMinutesFromEnvironment('0')).toThrow(/COVERDESK_DESK_SILENT_MINUTES/);
  });

  it('only HA reads the fleet and sets the minimum version: every other role is 403, nothing written', async () => {
    const users: Record<(typeof roles)[number], string> = {
      MEDCO: 'medco.a',
      PPD: 'ppd',
      MC: 'mc',
      ADMIN: 'admin',
      CEX: 'cex',
      CPD: 'cpd',
      ACO: 'aco',
      HA: 'ha',
    };
    expect(Object.keys(users).sort()).toEqual([...roles].sort());
    const matrix: string[] = [];
    for (const role of roles) {
      const token = await server.login(users[role]);
      await settleAuditChain(server.scratch.db);
      const before = await snapshotDatabase(server.scratch.db);
      const read = await server.get(token, '/admin/desk-fleet');
      const set = await server.raw('POST', '/admin/desk-fleet/minimum-version', { token, payload: { version: null, reason: `Matrix check by ${role}` } });
      matrix.push(`${role}: read ${read.status}, set ${set.status}`);
      if (role === 'HA') {
        expect([read.status, set.status]).toEqual([200, 200]);
        continue;
      }
      expect([read.status, set.status, read.body.code, set.body.code]).toEqual([403, 403, 'forbidden-role', 'forbidden-role']);
      await settleAuditChain(server.scratch.db);
      expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    }
    console.log(matrix.join('\n'));
  });

  it('refuses a bad minimum version with a code and a sentence, writing nothing', async () => {
    for (const payload of [
      { version: 'v2', reason: 'New release' },
      { version: '2.0.0' },
      { version: '2.0.0', reason: 'x' },
      { version: 200, reason: 'New release' },
    ]) {
      await settleAuditChain(server.scratch.db);
      const before = await snapshotDatabase(server.scratch.db);
      const refused = await server.raw('POST', '/admin/desk-fleet/minimum-version', { token: ha, payload });
      expect(refused.status, JSON.stringify(payload)).toBe(400);
      expect(refused.body.code).toBe('invalid-input');
      expect(String(refused.body.message).length).toBeGreaterThan(10);
      await settleAuditChain(server.scratch.db);
      expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    }
  });

  it('a desk below the minimum pulls, but its push is refused with nothing applied; at the minimum the same push goes through once', async () => {
    const set = await server.raw('POST', '/admin/desk-fleet/minimum-version', { token: ha, payload: { version: '1.5.0', reason: 'Fixes the booking form' } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ version: '1.5.0', setBy: 'ha', reason: 'Fixes the booking form' });
    const [audit] = await server.scratch.db.query<{ actor_id: string; after: { version: string; reason: string } }>(
      "SELECT actor_id, after FROM audit_log WHERE action = 'minimum-desk-version-set' ORDER BY id DESC LIMIT 1",
    );
    expect(audit!.after).toEqual({ version: '1.5.0', reason: 'Fixes the booking form' });
    expect((await fleet()).minimumVersion).toMatchObject({ version: '1.5.0', setBy: 'ha' });

    const old = header(report({ appVersion: '1.4.0', deskTime: new Date(at).toISOString() }));
    expect((await pull(deskA.authorization, old)).status).toBe(200);
    expect((await rowOf(demoIds.deskA)).isBelowMinimum).toBe(true);
    const mutation = admission(demoIds.mother);
    const appliedBefore = async () => {
      const { desk_fleet_reports: _seen, ...rest } = await snapshotDatabase(server.scratch.db);
      return rest;
    };
    await settleAuditChain(server.scratch.db);
    const before = await appliedBefore();
    for (const value of [old, undefined, header(report({ appVersion: '1.5.0-rc.1' }))]) {
      const refused = await push([mutation], value);
      expect(refused.status).toBe(426);
      expect(refused.body).toMatchObject({ code: 'desk-update-required', details: { minimumVersion: '1.5.0' } });
      expect(String(refused.body.message)).toMatch(/^Update CoverDesk to 1\.5\.0 before sending/);
      const online = await server.raw('POST', '/sync/online', {
        headers: { authorization: deskA.authorization, ...(value ? { 'x-coverdesk-desk-report': value } : {}) },
        payload: { operatorId: deskA.signer.operatorId, name: 'send-otp', body: { challengeId: randomUUID(), memberId: demoIds.mother } },
      });
      expect(online.status).toBe(426);
    }
    await settleAuditChain(server.scratch.db);
    expect(await appliedBefore()).toEqual(before);

    const updated = header(report({ appVersion: '1.5.0' }));
    const first = await push([mutation], updated);
    expect(first.status).toBe(200);
    expect((first.body.answers as { status: number }[])[0]!.status).toBe(200);
    const again = await push([mutation], updated);
    expect((again.body.answers as { status: number }[])[0]!.status).toBe(200);
    const cases = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM cases WHERE id = $1', [mutation.body.caseId]);
    expect(cases[0]!.count).toBe(1);
    expect((await rowOf(demoIds.deskA)).isBelowMinimum).toBe(false);

    // Cleared: any version pushes again.
    expect((await server.raw('POST', '/admin/desk-fleet/minimum-version', { token: ha, payload: { version: null, reason: 'Rollout finished' } })).status).toBe(
      200,
    );
    expect((await fleet()).minimumVersion).toMatchObject({ version: null });
  });
});

describe('desk fleet: the silence threshold from the environment', () => {
  it('is refused at start when it is not a number of minutes', () => {
    for (const value of ['-5', '1.5', 'an hour', '10081']) expect(() => silentMinutesFromEnvironment(value), value).toThrow(/whole number of minutes/);
  });
});
