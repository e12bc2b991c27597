import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBreachWatcher } from '../console/breach-watcher';
import type { Sql, SqlValue } from '../db/database';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { durationBucketLower, durationBucketOf } from '@domain/turnaround';
import type { OperatorId } from '@domain/ids';
import type { Principal } from '../auth/tokens';
import { foldKpis } from '../kpis/fold';
import { noticeBreaches, turnaroundClockColumns, turnaroundReport, turnaroundReportFromClocks } from './turnaround';
import { doneFigures, stageLevels } from './turnaround-days';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/**
 * Turnaround clocks on a hand-made history (issue 15, migration 047). The rows and audit entries
 * are written as the commands write them, at chosen times, so every duration is known:
 *
 *   case 1 (A, catalogue): requested T0, queried +1 h, answered +3 h, approved +4 h → 120 min (2 h paused)
 *                          enhancement requested +5 h, approved +6 h → 60 min
 *                          claim submitted +2 d, processed +3 d (1,440), verified +5 d (2,880), paid +6 d (1,440)
 *   case 2 (B, catalogue): requested T0, approved +8 h → 480 min, past the 360 min service level
 *                          claim submitted +2 d, processed +10 d (11,520, past 10,080), verification open since
 *   case 3 (A, unspecified): requested T0, recommended +30 h (committee 1,800, past 1,440), approved +32 h (admin 120)
 *   case 4 (B, catalogue): requested now − 10 h, still open: 600 min, past 360
 *   case 5 (A, catalogue): requested now − 10 h, queried now − 9 h, unanswered: paused at 60 min
 *   case 6 (A): claim submitted now − 2 d, processing open (CEX, 2,880 of 10,080)
 *   case 7 (A): claim verified (approved) now − 3 d, payment open (ACO, 4,320 of 21,600)
 * with T0 = 20 days ago.
 */
describeEachBackend('turnaround clocks (%s)', (backend) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const now = Date.now();
  const t0 = Math.floor((now - 20 * day) / minute) * minute;
  const ids = {
    case1: randomUUID(),
    case2: randomUUID(),
    case3: randomUUID(),
    case4: randomUUID(),
    case5: randomUUID(),
    case6: randomUUID(),
    case7: randomUUID(),
  };
  const claims = { claim1: randomUUID(), claim2: randomUUID(), claim6: randomUUID(), claim7: randomUUID() };
  const enhancementId = randomUUID();

  async function audit(sql: Sql, at: number, action: string, entityType: string, entityId: string, after: Record<string, unknown> = {}) {
    await sql.query('INSERT INTO audit_log (at, actor_id, action, entity_type, entity_id, after) VALUES ($1, NULL, $2, $3, $4, $5)', [
      new Date(at),
      action,
      entityType,
      entityId,
      JSON.stringify(after),
    ]);
  }

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    for (const name of ['ha', 'ppd', 'mc', 'admin', 'cex', 'cpd', 'aco', 'medco.a', 'medco.b']) tokens[name] = await server.login(name);
    await server.scratch.db.transaction(async (sql) => {
      const [scheme] = await sql.query<{ policy_year: number }>('SELECT policy_year FROM schemes WHERE is_current');
      const [operator] = await sql.query<{ id: string }>("SELECT id FROM operators WHERE username = 'medco.a'");
      const [unspecified] = await sql.query<{ code: string; version: number; price: number }>(
        'SELECT p.code, v.version, v.price FROM packages p JOIN package_prices v ON v.package_code = p.code WHERE p.is_unspecified ORDER BY p.code, v.version LIMIT 1',
      );
      const [catalogue] = await sql.query<{ version: number; price: number }>(
        "SELECT version, price FROM package_prices WHERE package_code = 'MG012A' ORDER BY version LIMIT 1",
      );
      const year = scheme!.policy_year;
      const admit = async (caseId: string, memberId: string, familyId: string, hospitalId: string, at: number, status: string) =>
        sql.query(
          `INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, admitted_at, policy_year)
           VALUES ($1, $2, $3, $4, $5, 'fingerprint', $6, $7, $8)`,
          [caseId, memberId, familyId, hospitalId, status, operator!.id, new Date(at), year],
        );
      const preauth = async (caseId: string, status: string, at: number, isUnspecified = false) => {
        const pkg = isUnspecified ? { code: unspecified!.code, version: unspecified!.version, price: unspecified!.price } : { code: 'MG012A', ...catalogue! };
        await sql.query(
          `INSERT INTO preauths (id, case_id, package_code, package_version, package_price, requested_amount, status, requested_at)
           VALUES ($1, $2, $3, $4, $5, $5, $6, $7)`,
          [randomUUID(), caseId, pkg.code, pkg.version, pkg.price, status, new Date(at)],
        );
        await audit(sql, at, 'preauth-requested', 'case', caseId, { packageCode: pkg.code });
      };
      await sql.query(
        'INSERT INTO family_years (family_id, policy_year, cover) SELECT id, $2, cover FROM families WHERE id = ANY($1::uuid[]) ON CONFLICT DO NOTHING',
        [[demoIds.seedFamily, demoIds.s5Family], year],
      );
      const claim = async (claimId: string, caseId: string, hospitalId: string, status: string, at: number) => {
        await sql.query(
          `INSERT INTO claims (id, case_id, family_id, hospital_id, amount, payer_amount, patient_amount, status, policy_year, submitted_at)
           VALUES ($1, $2, $3, $4, 500000, 500000, 0, $5, $6, $7)`,
          [claimId, caseId, demoIds.seedFamily, hospitalId, status, year, new Date(at)],
        );
        await audit(sql, at, 'claim-submitted', 'claim', claimId, { caseId });
      };

      // case 1
      await admit(ids.case1, demoIds.father, demoIds.seedFamily, demoIds.hospitalA, t0 - hour, 'discharged');
      await preauth(ids.case1, 'approved', t0);
      await audit(sql, t0 + hour, 'preauth-queried', 'case', ids.case1);
      await audit(sql, t0 + 3 * hour, 'preauth-query-answered', 'case', ids.case1);
      await audit(sql, t0 + 4 * hour, 'preauth-approved', 'case', ids.case1);
      await sql.query(
        "INSERT INTO enhancements (id, case_id, requested_amount, status, reason, requested_at) VALUES ($1, $2, 100000, 'approved', 'Longer stay', $3)",
        [enhancementId, ids.case1, new Date(t0 + 5 * hour)],
      );
      await audit(sql, t0 + 5 * hour, 'enhancement-requested', 'case', ids.case1, { enhancementId });
      await audit(sql, t0 + 6 * hour, 'enhancement-approved', 'case', ids.case1, { enhancementId });
      await audit(sql, t0 + day, 'case-discharged', 'case', ids.case1);
      await claim(claims.claim1, ids.case1, demoIds.hospitalA, 'paid', t0 + 2 * day);
      await audit(sql, t0 + 3 * day, 'claim-processed', 'claim', claims.claim1);
      await audit(sql, t0 + 5 * day, 'claim-verified', 'claim', claims.claim1, { status: 'approved' });
      await audit(sql, t0 + 6 * day, 'claim-paid', 'claim', claims.claim1);
      // case 2
      await admit(ids.case2, demoIds.mother, demoIds.seedFamily, demoIds.hospitalB, t0 - hour, 'discharged');
      await preauth(ids.case2, 'approved', t0);
      await audit(sql, t0 + 8 * hour, 'preauth-approved', 'case', ids.case2);
      await audit(sql, t0 + day, 'case-discharged', 'case', ids.case2);
      await claim(claims.claim2, ids.case2, demoIds.hospitalB, 'processed', t0 + 2 * day);
      await audit(sql, t0 + 10 * day, 'claim-processed', 'claim', claims.claim2);
      // case 3: committee, then Admin
      await admit(ids.case3, demoIds.son, demoIds.seedFamily, demoIds.hospitalA, t0 - hour, 'admitted');
      await preauth(ids.case3, 'approved', t0, true);
      await audit(sql, t0 + 30 * hour, 'preauth-recommended', 'case', ids.case3);
      await audit(sql, t0 + 32 * hour, 'preauth-approved', 'case', ids.case3);
      // case 4: open, past its service level
      await admit(ids.case4, demoIds.daughter, demoIds.seedFamily, demoIds.hospitalB, now - 11 * hour, 'admitted');
      await preauth(ids.case4, 'pending', now - 10 * hour);
      // case 5: open, queried and not answered: the clock waits on the hospital
      await admit(ids.case5, demoIds.s5Father, demoIds.s5Family, demoIds.hospitalA, now - 11 * hour, 'admitted');
      await preauth(ids.case5, 'queried', now - 10 * hour);
      await audit(sql, now - 9 * hour, 'preauth-queried', 'case', ids.case5);
      // case 6: a claim waiting on CEX
      await admit(ids.case6, demoIds.father, demoIds.seedFamily, demoIds.hospitalA, now - 5 * day, 'discharged');
      await claim(claims.claim6, ids.case6, demoIds.hospitalA, 'submitted', now - 2 * day);
      // case 7: a claim approved, waiting on ACO's payment (only the entry that starts the stage)
      await admit(ids.case7, demoIds.mother, demoIds.seedFamily, demoIds.hospitalA, now - 9 * day, 'discharged');
      await sql.query(
        `INSERT INTO claims (id, case_id, family_id, hospital_id, amount, payer_amount, patient_amount, approved_amount, status, policy_year, submitted_at)
         VALUES ($1, $2, $3, $4, 500000, 500000, 0, 500000, 'approved', $5, $6)`,
        [claims.claim7, ids.case7, demoIds.seedFamily, demoIds.hospitalA, year, new Date(now - 8 * day)],
      );
      await audit(sql, now - 3 * day, 'claim-verified', 'claim', claims.claim7, { status: 'approved' });
    });
  });
  afterAll(async () => server?.close());

  const period = `from=${encodeURIComponent(new Date(t0 - day).toISOString())}&to=${encodeURIComponent(new Date(now + hour).toISOString())}`;
  const stageOf = (report: Record<string, unknown>, stage: string) => (report.stages as { stage: string }[]).find((s) => s.stage === stage);

  it('keeps every clock at commit as the trail defines it: pauses, an enhancement, open and past ones (migration 049)', async () => {
    const clocks = (source: string) =>
      server.scratch.db.query<{ clock: string }>(`SELECT (${turnaroundClockColumns})::text AS clock FROM ${source} ORDER BY 1`);
    const kept = await clocks('turnaround_clocks');
    expect(kept.length).toBe(14); // case 1: five stages, case 2: three, case 3: two, cases 4 to 7: one each
    expect(kept).toEqual(await clocks('stage_clocks'));
  });

  it('the scheme perspective: average, 90th percentile and service-level counts per stage, from the trail alone', async () => {
    const answer = await server.get(tokens.ha!, `/reports/turnaround?${period}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ perspective: 'scheme', hospitalCode: null, claimsPastServiceLevel: 1 });
    expect(stageOf(answer.body, 'preauth-decision')).toEqual({
      stage: 'preauth-decision',
      ownerRole: 'PPD',
      serviceLevelMinutes: 360,
      completed: 2,
      averageMinutes: 300, // (120 + 480) / 2: case 1's two query hours do not count
      p90Minutes: 480,
      completedPastServiceLevel: 1,
      openNow: 2,
      openPastServiceLevel: 1, // case 4; case 5 is paused at 60 minutes
    });
    expect(stageOf(answer.body, 'committee')).toMatchObject({
      ownerRole: 'MC',
      completed: 1,
      averageMinutes: 1800,
      p90Minutes: 1800,
      completedPastServiceLevel: 1,
    });
    expect(stageOf(answer.body, 'admin-approval')).toMatchObject({ ownerRole: 'ADMIN', completed: 1, averageMinutes: 120, completedPastServiceLevel: 0 });
    expect(stageOf(answer.body, 'enhancement')).toMatchObject({ ownerRole: 'PPD', completed: 1, averageMinutes: 60, openNow: 0 });
    expect(stageOf(answer.body, 'claim-processing')).toMatchObject({
      ownerRole: 'CEX',
      completed: 2,
      averageMinutes: 6480, // (1,440 + 11,520) / 2
      p90Minutes: 11520,
      completedPastServiceLevel: 1,
      openNow: 1, // case 6, within its level
      openPastServiceLevel: 0,
    });
    expect(stageOf(answer.body, 'claim-verification')).toMatchObject({
      ownerRole: 'CPD',
      completed: 1,
      averageMinutes: 2880,
      openNow: 1,
      openPastServiceLevel: 1,
    });
    expect(stageOf(answer.body, 'payment')).toMatchObject({
      ownerRole: 'ACO',
      completed: 1,
      averageMinutes: 1440,
      p90Minutes: 1440,
      openNow: 1,
      openPastServiceLevel: 0,
    });
  });

  it('the distribution: completed stages by time taken against the service level, and the stages behind each bar', async () => {
    const answer = await server.get(tokens.ha!, `/reports/turnaround?${period}`);
    const counts = (answer.body.distribution as { stage: string; completed: number; buckets: { bucket: string; completed: number }[] }[]).map((row) => [
      row.stage,
      row.completed,
      ...row.buckets.map((b) => b.completed),
    ]);
    // Buckets: within half the service level, within it, past it up to twice, over twice.
    expect(counts).toEqual([
      ['preauth-decision', 2, 1, 0, 1, 0], // 120 ≤ 180; 480 ≤ 720
      ['committee', 1, 0, 0, 1, 0], // 1,800 of 1,440
      ['admin-approval', 1, 1, 0, 0, 0], // 120 of 1,440
      ['enhancement', 1, 1, 0, 0, 0], // 60 of 360
      ['claim-processing', 2, 1, 0, 1, 0], // 1,440 and 11,520 of 10,080
      ['claim-verification', 1, 1, 0, 0, 0], // 2,880 of 10,080
      ['payment', 1, 1, 0, 0, 0], // 1,440 of 21,600
    ]);
    const processing = await server.get(tokens.ha!, `/reports/turnaround/stages?${period}&stage=claim-processing`);
    expect(processing.status, JSON.stringify(processing.body)).toBe(200);
    expect(processing.body).toMatchObject({ perspective: 'scheme', stage: 'claim-processing', bucket: null, serviceLevelMinutes: 10_080, total: 2 });
    // Longest first: case 2's claim at hospital B, then case 1's.
    expect(
      (processing.body.items as Record<string, unknown>[]).map((item) => [item.caseId, item.claimId, item.hospitalCode, item.elapsedMinutes, item.bucket]),
    ).toEqual([
      [ids.case2, claims.claim2, 'HSP-B', 11_520, 'past'],
      [ids.case1, claims.claim1, 'HSP-A', 1_440, 'within-half'],
    ]);
    expect((processing.body.items as Record<string, unknown>[])[0]).toMatchObject({
      startedAt: new Date(t0 + 2 * day).toISOString(),
      stoppedAt: new Date(t0 + 10 * day).toISOString(),
      enhancementId: null,
    });
    const pastDecisions = await server.get(tokens.ppd!, `/reports/turnaround/stages?${period}&stage=preauth-decision&bucket=past`);
    expect(pastDecisions.body).toMatchObject({ total: 1, items: [{ caseId: ids.case2, claimId: null, elapsedMinutes: 480 }] });
    const enhancements = await server.get(tokens.ha!, `/reports/turnaround/stages?${period}&stage=enhancement&bucket=within-half`);
    expect(enhancements.body).toMatchObject({ total: 1, items: [{ caseId: ids.case1, enhancementId, elapsedMinutes: 60 }] });
    // Paged: one a page.
    const second = await server.get(tokens.ha!, `/reports/turnaround/stages?${period}&stage=claim-processing&limit=1&offset=1`);
    expect(second.body).toMatchObject({ total: 2, offset: 1, limit: 1, items: [{ caseId: ids.case1 }] });
    // A desk operator: their hospital's stages only; another hospital is out of reach.
    const ofB = await server.get(tokens['medco.b']!, `/reports/turnaround/stages?${period}&stage=preauth-decision`);
    expect(ofB.body).toMatchObject({ perspective: 'hospital', hospitalCode: 'HSP-B', total: 1, items: [{ caseId: ids.case2 }] });
    expect(await server.get(tokens['medco.b']!, `/reports/turnaround/stages?${period}&stage=preauth-decision&hospital=HSP-A`)).toMatchObject({
      status: 404,
      body: { code: 'not-found' },
    });
    expect((await server.raw('GET', `/reports/turnaround/stages?${period}&stage=payment`)).status).toBe(401);
  });

  it('a period with no completed stage has no average (null, never 0)', async () => {
    const empty = `from=${encodeURIComponent(new Date(t0 - 40 * day).toISOString())}&to=${encodeURIComponent(new Date(t0 - 30 * day).toISOString())}`;
    const answer = await server.get(tokens.ppd!, `/reports/turnaround?${empty}`);
    expect(stageOf(answer.body, 'preauth-decision')).toMatchObject({ completed: 0, averageMinutes: null, p90Minutes: null, openNow: 2 });
  });

  it("a hospital's perspective: its own cases only; a desk operator sees only their hospital", async () => {
    const ofA = await server.get(tokens.cex!, `/reports/turnaround?${period}&hospital=HSP-A`);
    expect(ofA.body).toMatchObject({ perspective: 'hospital', hospitalCode: 'HSP-A', claimsPastServiceLevel: 0 });
    expect(stageOf(ofA.body, 'preauth-decision')).toMatchObject({ completed: 1, averageMinutes: 120, openNow: 1, openPastServiceLevel: 0 });
    expect(stageOf(ofA.body, 'claim-processing')).toMatchObject({ completed: 1, averageMinutes: 1440 });
    const medcoB = await server.get(tokens['medco.b']!, `/reports/turnaround?${period}`);
    expect(medcoB.body).toMatchObject({ perspective: 'hospital', hospitalCode: 'HSP-B', claimsPastServiceLevel: 1 });
    expect(stageOf(medcoB.body, 'preauth-decision')).toMatchObject({ completed: 1, averageMinutes: 480, openNow: 1, openPastServiceLevel: 1 });
    // Another hospital's figures are out of a desk operator's reach.
    expect(await server.get(tokens['medco.b']!, `/reports/turnaround?${period}&hospital=HSP-A`)).toMatchObject({ status: 404, body: { code: 'not-found' } });
  });

  it("each role's clock queue: its own stages, least time left first, a paused pre-auth without a due time", async () => {
    const ppd = (await server.get(tokens.ppd!, '/queues/clocks')).body.items as Record<string, unknown>[];
    expect(ppd.map((item) => [item.caseId, item.stage, item.isPastServiceLevel, item.isPaused])).toEqual([
      [ids.case4, 'preauth-decision', true, false],
      [ids.case5, 'preauth-decision', false, true],
    ]);
    const [late, paused] = ppd;
    expect(late!.remainingMinutes).toBeLessThanOrEqual(-240);
    expect(late!.elapsedMinutes).toBeGreaterThanOrEqual(600);
    expect(Date.parse(late!.dueAt as string)).toBe(now - 10 * hour + 360 * minute);
    expect(paused).toMatchObject({ elapsedMinutes: 60, remainingMinutes: 300, dueAt: null, hospitalCode: 'HSP-A' });
    const cpd = (await server.get(tokens.cpd!, '/queues/clocks')).body.items as Record<string, unknown>[];
    expect(cpd.map((item) => [item.claimId, item.stage, item.isPastServiceLevel])).toEqual([[claims.claim2, 'claim-verification', true]]);
    // The claim queues' clocks (CEX processing, ACO payment): the claim named, time left against the stage's level.
    const cex = (await server.get(tokens.cex!, '/queues/clocks')).body.items as Record<string, unknown>[];
    expect(cex).toEqual([
      expect.objectContaining({ stage: 'claim-processing', ownerRole: 'CEX', caseId: ids.case6, claimId: claims.claim6, serviceLevelMinutes: 10_080 }),
    ]);
    // The due time is exact; elapsed and left are whole minutes as of the read, a little after `now`.
    expect(cex[0]).toMatchObject({ isPastServiceLevel: false, dueAt: new Date(now + 5 * day).toISOString() });
    expect(Number(cex[0]!.elapsedMinutes) + Number(cex[0]!.remainingMinutes)).toBeGreaterThanOrEqual(10_079);
    expect(Number(cex[0]!.remainingMinutes)).toBeLessThanOrEqual(7200);
    const aco = (await server.get(tokens.aco!, '/queues/clocks')).body.items as Record<string, unknown>[];
    expect(aco).toEqual([
      expect.objectContaining({ stage: 'payment', ownerRole: 'ACO', caseId: ids.case7, claimId: claims.claim7, serviceLevelMinutes: 21_600 }),
    ]);
    expect(aco[0]).toMatchObject({ isPastServiceLevel: false, dueAt: new Date(now + 12 * day).toISOString() });
    expect(Number(aco[0]!.remainingMinutes)).toBeLessThanOrEqual(17_280);
    expect((await server.get(tokens.mc!, '/queues/clocks')).body.items).toEqual([]);
    const ha = (await server.get(tokens.ha!, '/queues/clocks?hospital=HSP-B')).body.items as Record<string, unknown>[];
    expect(ha.map((item) => item.stage).sort()).toEqual(['claim-verification', 'preauth-decision']);
    expect(await server.get(tokens['medco.a']!, '/queues/clocks')).toMatchObject({ status: 403, body: { code: 'forbidden-role' } });
  });

  it('a breach is noticed once, told live to the owning role’s console stream (and HA’s) only, and shows in its queue', async () => {
    // Real event streams of four consoles, as the console opens them.
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.app.server.address() as { port: number }).port;
    const controller = new AbortController();
    const streams = Object.fromEntries(
      await Promise.all(
        ['ppd', 'cex', 'cpd', 'ha'].map(async (name) => {
          const response = await fetch(`http://127.0.0.1:${port}/console/feed/stream`, {
            headers: { authorization: `Bearer ${tokens[name]!}` },
            signal: controller.signal,
          });
          expect(response.status).toBe(200);
          return [name, eventStream(response)] as const;
        }),
      ),
    );
    try {
      for (const stream of Object.values(streams)) await stream.readUntil(/"reason":"connected"/);
      const watcher = startBreachWatcher({ db: server.scratch.db, notifier: server.notifier, intervalMs: 50 });
      try {
        await streams.ppd!.readUntil(/event: breach/);
      } finally {
        await watcher.stop();
      }
      await streams.ha!.readUntil(/event: breach\ndata: .*"preauth-decision"/);
      await streams.cpd!.readUntil(/event: breach/);
      // Every stream is written in the same turn as the breach; a poke sent to all after it marks
      // where a breach event to CEX would have been.
      server.notifier.changed();
      for (const stream of Object.values(streams)) await stream.readUntil(/"reason":"changed"/);
      expect(streams.ppd!.events('breach')).toEqual([{ stages: ['preauth-decision'] }]);
      expect(streams.cpd!.events('breach')).toEqual([{ stages: ['claim-verification'] }]);
      expect(
        streams
          .ha!.events('breach')
          .flatMap((event) => event.stages)
          .sort(),
      ).toEqual(['claim-verification', 'preauth-decision']);
      expect(streams.cex!.events('breach')).toEqual([]);
    } finally {
      controller.abort();
    }
    const notices = await server.scratch.db.query<{ stage: string; owner_role: string; case_id: string }>(
      'SELECT stage, owner_role, case_id FROM service_level_breaches ORDER BY stage',
    );
    expect(notices).toEqual([
      { stage: 'claim-verification', owner_role: 'CPD', case_id: ids.case2 },
      { stage: 'preauth-decision', owner_role: 'PPD', case_id: ids.case4 },
    ]);
    // Noticed once: another pass (another server process) writes nothing more.
    expect(await noticeBreaches(server.scratch.db, new Date())).toEqual([]);
    const [late] = (await server.get(tokens.ppd!, '/queues/clocks')).body.items as Record<string, unknown>[];
    expect(late).toMatchObject({ caseId: ids.case4, breachNoticedAt: expect.any(String) });
    const [audit] = await server.scratch.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'service-level-breached'");
    expect(audit?.n).toBe(2);
  });

  it('HA sets a service level through set-scheme-parameters, audited with the reason; others may not', async () => {
    const answer = await server.command(tokens.ha!, 'set-scheme-parameters', {
      serviceLevels: { 'claim-verification': 20_160 },
      reason: 'Verification backlog: two weeks this quarter',
    });
    expect(resultOf(answer)).toMatchObject({
      parameters: { serviceLevels: { 'claim-verification': 20_160, 'preauth-decision': 360 } },
      previous: { serviceLevels: { 'claim-verification': 10_080 } },
    });
    const report = await server.get(tokens.cpd!, `/reports/turnaround?${period}`);
    expect(stageOf(report.body, 'claim-verification')).toMatchObject({ serviceLevelMinutes: 20_160, openPastServiceLevel: 0 });
    expect(report.body.claimsPastServiceLevel).toBe(0);
    const [entry] = await server.scratch.db.query<{ before: unknown; after: unknown }>(
      "SELECT before, after FROM audit_log WHERE action = 'scheme-parameters-set' ORDER BY id DESC LIMIT 1",
    );
    expect(entry).toEqual({
      before: { serviceLevels: { 'claim-verification': 10_080 } },
      after: { serviceLevels: { 'claim-verification': 20_160 }, reason: 'Verification backlog: two weeks this quarter' },
    });
    const admin = (await server.get(tokens.ha!, '/admin/scheme')).body.items as Record<string, unknown>;
    expect(admin.serviceLevels).toMatchObject({ 'claim-verification': 20_160, payment: 21_600 });
    expect(await server.command(tokens.ppd!, 'set-scheme-parameters', { serviceLevels: { enhancement: 30 }, reason: 'Faster' })).toMatchObject({
      status: 403,
      body: { code: 'forbidden-role' },
    });
  });

  it('bad input: a 4xx with a code and a sentence, and nothing written', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await server.scratch.db.transaction(snapshotDatabase);
    const bad: [string, Record<string, unknown>][] = [
      ['no stage', { serviceLevels: {} }],
      ['an unknown stage', { serviceLevels: { triage: 60 } }],
      ['below 5 minutes', { serviceLevels: { payment: 3 } }],
      ['past 60 days', { serviceLevels: { payment: 86_401 } }],
      ['a fraction', { serviceLevels: { committee: 60.5 } }],
      ['the pre-auth target twice', { preauthTurnaroundMinutes: 300, serviceLevels: { 'preauth-decision': 300 } }],
    ];
    for (const [label, body] of bad) {
      const answer = await server.raw('POST', '/commands/set-scheme-parameters', {
        token: tokens.ha!,
        payload: { commandId: randomUUID(), reason: 'Bad input check', ...body },
      });
      expect(answer.status, label).toBe(400);
      expect(answer.body.code, label).toBe('invalid-input');
      expect(String(answer.body.message).length, label).toBeGreaterThan(10);
    }
    for (const [url, status, code] of [
      [
        `/reports/turnaround?from=${encodeURIComponent(new Date(now).toISOString())}&to=${encodeURIComponent(new Date(now - day).toISOString())}`,
        400,
        'invalid-input',
      ],
      ['/reports/turnaround?from=yesterday', 400, 'invalid-input'],
      ['/reports/turnaround?hospital=HSP-Z', 404, 'not-found'],
      ['/queues/clocks?hospital=HSP-Z', 404, 'not-found'],
      ['/queues/clocks?stage=payment', 400, 'invalid-input'],
      [`/reports/turnaround/stages?${period}`, 400, 'invalid-input'],
      [`/reports/turnaround/stages?${period}&stage=lunch`, 400, 'invalid-input'],
      [`/reports/turnaround/stages?${period}&stage=payment&bucket=late`, 400, 'invalid-input'],
      [`/reports/turnaround/stages?${period}&stage=payment&limit=0`, 400, 'invalid-input'],
      ['/reports/turnaround/stages?stage=payment', 400, 'invalid-input'],
      [
        `/reports/turnaround/stages?stage=payment&from=${encodeURIComponent(new Date(now).toISOString())}&to=${encodeURIComponent(new Date(now - day).toISOString())}`,
        400,
        'invalid-input',
      ],
      [`/reports/turnaround/stages?${period}&stage=payment&hospital=HSP-Z`, 404, 'not-found'],
    ] as const) {
      const answer = await server.get(tokens.ha!, url);
      expect(answer.status, url).toBe(status);
      expect(answer.body.code, url).toBe(code);
      expect(typeof answer.body.message, url).toBe('string');
    }
    await settleAuditChain(server.scratch.db);
    expect(await server.scratch.db.transaction(snapshotDatabase)).toEqual(before);
  });

  // Last: it adds clocks the figures above do not count.
  it('keeps the clocks of a randomized trail, written a few entries per commit, as the view defines them (migration 049)', async () => {
    let seed = 49;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const db = server.scratch.db;
    const [scheme] = await db.query<{ policy_year: number }>('SELECT policy_year FROM schemes WHERE is_current');
    const [operator] = await db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'medco.a'");
    const packages = await db.query<{ code: string; version: number; price: number }>(
      `SELECT DISTINCT ON (p.is_unspecified) p.code, v.version, v.price FROM packages p JOIN package_prices v ON v.package_code = p.code
        ORDER BY p.is_unspecified, p.code, v.version`,
    );
    const caseActions = [
      'preauth-queried',
      'preauth-query-answered',
      'preauth-recommended',
      'preauth-approved',
      'preauth-rejected',
      'case-discharged',
      'case-cancelled',
    ];
    const claimActions = ['claim-processed', 'claim-verified', 'claim-paid'];
    const entries: [string, string, string, Record<string, unknown>][] = [];
    const subjects: { id: string; type: 'case' | 'claim' }[] = [];
    await db.transaction(async (sql) => {
      for (let n = 0; n < 12; n += 1) {
        const caseId = randomUUID();
        const hospitalId = pick([demoIds.hospitalA, demoIds.hospitalB]);
        await sql.query(
          `INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, admitted_at, policy_year)
           VALUES ($1, $2, $3, $4, 'discharged', 'fingerprint', $5, $6, $7)`,
          [caseId, demoIds.father, demoIds.seedFamily, hospitalId, operator!.id, new Date(t0 - 40 * day), scheme!.policy_year],
        );
        const pkg = pick(packages);
        await sql.query(
          `INSERT INTO preauths (id, case_id, package_code, package_version, package_price, requested_amount, status, requested_at)
           VALUES ($1, $2, $3, $4, $5, $5, 'approved', $6)`,
          [randomUUID(), caseId, pkg.code, pkg.version, pkg.price, new Date(t0 - 40 * day)],
        );
        subjects.push({ id: caseId, type: 'case' });
        entries.push(['preauth-requested', 'case', caseId, {}]);
        const enhancementIds = [randomUUID(), randomUUID()];
        for (let k = 0; k < 6; k += 1) {
          if (random() < 0.25)
            entries.push([
              pick(['enhancement-requested', 'enhancement-approved', 'enhancement-rejected']),
              'case',
              caseId,
              { enhancementId: pick(enhancementIds) },
            ]);
          else entries.push([pick(caseActions), 'case', caseId, {}]);
        }
        if (random() < 0.6) {
          const claimId = randomUUID();
          await sql.query(
            `INSERT INTO claims (id, case_id, family_id, hospital_id, amount, payer_amount, patient_amount, status, policy_year, submitted_at)
             VALUES ($1, $2, $3, $4, 500000, 500000, 0, 'submitted', $5, $6)`,
            [claimId, caseId, demoIds.seedFamily, hospitalId, scheme!.policy_year, new Date(t0 - 30 * day)],
          );
          subjects.push({ id: claimId, type: 'claim' });
          entries.push(['claim-submitted', 'claim', claimId, { caseId }]);
          for (let k = 0; k < 4; k += 1) {
            const action = pick(claimActions);
            entries.push([action, 'claim', claimId, action === 'claim-verified' ? { status: pick(['approved', 'denied']) } : {}]);
          }
        }
      }
    });
    // Shuffle across entities, keeping each entity's own order loose too: a stop may come before a start.
    for (let n = entries.length - 1; n > 0; n -= 1) {
      const other = Math.floor(random() * (n + 1));
      if (random() < 0.5) [entries[n], entries[other]] = [entries[other]!, entries[n]!];
    }
    let at = t0 - 30 * day;
    for (let written = 0; written < entries.length;) {
      const batch = entries.slice(written, written + 1 + Math.floor(random() * 4));
      await db.transaction(async (sql) => {
        for (const [action, type, id, after] of batch) {
          at += Math.floor(random() * 5 * hour);
          await audit(sql, at, action, type, id, after);
        }
      });
      written += batch.length;
    }
    const clocks = (source: string) => db.query<{ clock: string }>(`SELECT (${turnaroundClockColumns})::text AS clock FROM ${source} ORDER BY 1`);
    const defined = await clocks('stage_clocks');
    expect(new Set(defined.map((row) => row.clock.split(',')[11])).size).toBe(3); // open, done and withdrawn ones
    expect(await clocks('turnaround_clocks')).toEqual(defined);
  });

  it('reads completed stages from the kept facts by day and duration exactly as from every clock: folded or not, whole months, partial days, a level cutting a bucket (migrations 057, 064)', async () => {
    const db = server.scratch.db;
    const [haRow] = await db.query<{ id: OperatorId }>("SELECT id FROM operators WHERE username = 'ha'");
    const ha: Principal = { operatorId: haRow!.id, roles: ['HA'], hospitalId: null };
    const asOf = new Date();
    const periods = [
      { from: new Date(t0 - 31 * day), to: new Date(now + hour) },
      { from: new Date(t0 - 30 * day + 7 * hour + 13 * minute), to: new Date(t0 - 20 * day + 3 * hour + 7_500) },
      { from: new Date(t0 - 25 * day + hour), to: new Date(t0 - 25 * day + 5 * hour) },
      { from: new Date(t0 - 3 * day), to: new Date(t0 + 3 * day) },
      // Whole months inside (064), whole days on both sides of them, partial days at both ends.
      { from: new Date(t0 - 125 * day + 5 * hour + 17 * minute), to: new Date(now + hour) },
      { from: new Date(t0 - 100 * day + 11 * hour), to: new Date(t0 - 35 * day + 2 * hour + 4_321) },
    ];
    const compare = async (what: string) => {
      for (const period of periods)
        for (const hospitalCode of [undefined, 'HSP-A', 'HSP-B']) {
          const query = { ...period, asOf, ...(hospitalCode ? { hospitalCode } : {}) };
          const kept = await turnaroundReport(db, ha, query);
          expect(kept, `${what}, ${period.from.toISOString()}–${period.to.toISOString()} ${hospitalCode ?? 'scheme'}`).toEqual(
            await turnaroundReportFromClocks(db, ha, query),
          );
        }
    };
    // Beside the trail's clocks, 600 done ones written straight into the kept clocks (the facts'
    // trigger is on them), many a few minutes from where the odd levels below cut a bucket, on
    // both hospitals, at any second of 20 days, some with pauses: the thresholds and the 90th
    // percentile then fall inside buckets that hold several clocks.
    let seed = 57;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const cuts: Record<string, number[]> = { 'preauth-decision': [2_910, 11_640], 'claim-processing': [3_930, 7_860, 15_720], committee: [3_930, 7_860] };
    const [family] = await db.query<{ scheme_id: string }>('SELECT scheme_id FROM families WHERE id = $1', [demoIds.seedFamily]);
    const synthetic = Array.from({ length: 600 }, (_, n) => {
      const stage = (['preauth-decision', 'claim-processing', 'committee'] as const)[n % 3]!;
      const near = cuts[stage]![Math.floor(random() * cuts[stage]!.length)]!;
      const elapsed = random() < 0.7 ? near - 300 + random() * 600 : random() * 3 * 86_400;
      const paused = random() < 0.2 ? Math.floor(random() * 3_600) + 0.25 : 0;
      // Most within 20 days; one in five spread over the 120 days before t0, so that periods hold
      // whole months of facts (migration 064) beside whole and partial days.
      const stoppedAt =
        (n % 5 === 4 ? t0 - 120 * day + Math.floor(random() * 120 * day) : t0 - 10 * day + Math.floor(random() * 20 * day)) + Math.floor(random() * 1_000);
      return { stage, elapsed, paused, stoppedAt, hospital: random() < 0.5 ? demoIds.hospitalA : demoIds.hospitalB };
    });
    // And clocks exactly at and half a second short of each cut, in the same whole second as it
    // (069: a clock of that second is not past a whole-second threshold), in whole months too.
    for (const [stage, near] of Object.entries(cuts) as [(typeof synthetic)[number]['stage'], number[]][])
      for (const [k, cutAt] of near.entries())
        for (const elapsed of [cutAt - 0.5, cutAt])
          synthetic.push({ stage, elapsed, paused: 0, stoppedAt: t0 - (40 + 13 * k + elapsed / 3_600) * day, hospital: demoIds.hospitalA });
    await db.query(
      `INSERT INTO turnaround_clocks (entity_id, scheme_id, stage, owner_role, subject_id, case_id, claim_id, hospital_id, family_id, start_id, started_at, stop_id, stopped_at, outcome, paused_seconds, paused_since)
       SELECT 'synthetic-' || n, $1, stage, 'PPD', NULL, $2, NULL, hospital, $3, 0, stopped - make_interval(secs => elapsed + paused), 0, stopped, 'done', paused, NULL
         FROM unnest($4::int[], $5::text[], $6::uuid[], $7::timestamptz[], $8::float8[], $9::float8[]) AS s(n, stage, hospital, stopped, elapsed, paused)`,
      [
        family!.scheme_id,
        ids.case1,
        demoIds.seedFamily,
        synthetic.map((_, n) => n),
        synthetic.map((c) => c.stage),
        synthetic.map((c) => c.hospital),
        synthetic.map((c) => new Date(c.stoppedAt).toISOString()),
        synthetic.map((c) => c.elapsed),
        synthetic.map((c) => c.paused),
      ],
    );
    // The whole period holds completed stages of every kind, and some in the coarse buckets.
    const whole = await turnaroundReportFromClocks(db, ha, { ...periods[0]!, asOf });
    expect(whole.stages.filter((s) => s.completed > 0).length).toBeGreaterThanOrEqual(5);
    const [spread] = await db.query<{ fine: number; coarse: number }>(
      'SELECT count(*) FILTER (WHERE bucket <= 7200)::int AS fine, count(*) FILTER (WHERE bucket > 7200)::int AS coarse FROM turnaround_day_deltas',
    );
    expect(spread!.fine).toBeGreaterThan(0);
    expect(spread!.coarse).toBeGreaterThan(0);
    await compare('deltas not folded');
    await foldKpis(db, { batchRows: 7, maxBatches: 2 });
    await compare('partly folded');
    await foldKpis(db);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM turnaround_day_deltas'))[0]!.n).toBe(0);
    await compare('all folded');
    // The facts are what a rebuild from the clocks makes of them.
    const facts = async () => ({
      days: await db.query('SELECT * FROM turnaround_days ORDER BY scheme_id, stage, hospital_id NULLS FIRST, day, bucket'),
      months: await db.query('SELECT * FROM turnaround_months ORDER BY scheme_id, stage, hospital_id NULLS FIRST, month, bucket'),
      secondDays: await db.query('SELECT * FROM turnaround_second_days ORDER BY scheme_id, stage, hospital_id NULLS FIRST, day, second'),
      secondMonths: await db.query('SELECT * FROM turnaround_second_months ORDER BY scheme_id, stage, hospital_id NULLS FIRST, month, second'),
    });
    const folded = await facts();
    // Several months of facts, each month's the sum of its days (064).
    expect(new Set(folded.months.map((row) => String(row.month))).size).toBeGreaterThanOrEqual(4);
    const [monthsOfDays] = await db.query<{ differ: number }>(
      `SELECT count(*)::int AS differ FROM (
         SELECT scheme_id, stage, hospital_id, date_trunc('month', day::timestamp)::date AS month, bucket, sum(completed) AS completed, sum(elapsed_seconds) AS elapsed_seconds
           FROM turnaround_days GROUP BY 1, 2, 3, 4, 5
         EXCEPT SELECT scheme_id, stage, hospital_id, month, bucket, completed, elapsed_seconds FROM turnaround_months) x`,
    );
    expect(monthsOfDays!.differ).toBe(0);
    await db.query('SELECT turnaround_days_rebuild()');
    expect(await facts()).toEqual(folded);
    // Levels in odd minutes put every threshold inside a bucket: the clocks of those buckets are read.
    const [levels] = await db.query<{ preauth: number }>('SELECT preauth_turnaround_minutes AS preauth FROM schemes WHERE is_current');
    const saved = await db.query<{ stage: string; minutes: number }>('SELECT stage, minutes FROM service_levels');
    try {
      // An emergency case's pre-auth is judged against the emergency level in the queues only
      // (issue 19): the report and its kept facts agree on the stage's own level for it too.
      await db.query('UPDATE cases SET is_emergency = true WHERE id = $1', [ids.case1]);
      await compare('case 1 an emergency');
      await db.query('UPDATE schemes SET preauth_turnaround_minutes = 97 WHERE is_current');
      await db.query("UPDATE service_levels SET minutes = 131 WHERE stage IN ('claim-processing', 'committee')");
      await compare('levels of 97 and 131 minutes');
      // Those figures came from the counts by second (069): no bucket was read clock by clock, and
      // the 90th percentiles read only the clocks of their one second.
      const statements: string[] = [];
      await db.transaction(async (sql) => {
        const recording = new Proxy(sql, {
          get(target, property) {
            if (property === 'query')
              return (text: string, params?: readonly SqlValue[]) => {
                statements.push(text);
                return target.query(text, params);
              };
            const value = Reflect.get(target, property) as unknown;
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        });
        const figures = await doneFigures(recording, periods[4]!, null, await stageLevels(sql));
        expect([...figures.values()].filter((f) => f.p90Seconds !== null).length).toBeGreaterThanOrEqual(3);
      });
      expect(statements.filter((text) => /turnaround_bucket\(.*\) = (w\.bucket|\$4)/s.test(text))).toEqual([]);
      expect(statements.filter((text) => /ceil\(.*\)::integer = \$4/s.test(text)).length).toBeGreaterThanOrEqual(3);
    } finally {
      await db.query('UPDATE schemes SET preauth_turnaround_minutes = $1 WHERE is_current', [levels!.preauth]);
      for (const level of saved) await db.query('UPDATE service_levels SET minutes = $2 WHERE stage = $1', [level.stage, level.minutes]);
      await db.query('UPDATE cases SET is_emergency = false WHERE id = $1', [ids.case1]);
      await db.query("DELETE FROM turnaround_clocks WHERE entity_id LIKE 'synthetic-%'");
    }
    await compare('the synthetic clocks removed');
  });

  it('puts a duration in the same bucket in SQL and in the domain (migration 057, domain/turnaround.ts)', async () => {
    const seconds = [-5, 0, 0.000001, 1, 59.999, 60, 60.5, 7_199.5, 7_200, 7_200.001, 7_799, 7_800, 172_799, 172_800, 172_800.5, 176_400, 1_000_000.25];
    const rows = await server.scratch.db.query<{ e: string; bucket: number }>(
      'SELECT e::text AS e, turnaround_bucket(e) AS bucket FROM unnest($1::numeric[]) AS e',
      [seconds],
    );
    expect(rows.map((row) => row.bucket)).toEqual(seconds.map((e) => durationBucketOf(e)));
    for (const e of seconds) {
      const bucket = durationBucketOf(e);
      expect(durationBucketLower(bucket) < e && e <= bucket).toBe(true);
    }
  });
});

/** A console event stream read as it arrives: wait for a pattern, then list the events of one name. */
function eventStream(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    async readUntil(pattern: RegExp): Promise<void> {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${String(pattern)}`);
        text += decoder.decode(value, { stream: true });
      }
    },
    events(name: string): { stages: string[] }[] {
      return text
        .split('\n\n')
        .filter((event) => event.startsWith(`event: ${name}\n`))
        .map((event) => JSON.parse(event.slice(event.indexOf('data: ') + 'data: '.length)) as { stages: string[] });
    },
  };
}
