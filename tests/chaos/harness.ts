/**
 * The chaos harness: many desks, a misbehaving network, servers and desks killed with SIGKILL —
 * and then the checks that matter for money (see DESIGN.md, "Offline rules").
 *
 *  - Servers: `servers` real sync-server processes on one fresh PostgreSQL database. At random
 *    moments one is SIGKILLed and started again on the same port.
 *  - Network: every desk talks to the servers through its own HttpFaultProxy (a misbehaving load
 *    balancer): requests dropped before or after the server applied them, delayed, duplicated to
 *    two servers at once, replayed late (reordered); a desk's proxy can cut it off completely.
 *  - Desks: DeskBackends in child processes (desk-process.ts), `desksPerHost` per process, each
 *    with its own data dir, enrolled through POST /desks/:id/enrollment-codes like a real desk.
 *    Their operators admit, request pre-auths, book, void, discharge, claim and cancel at random.
 *    Desk processes are SIGKILLed right after a command committed locally (sometimes while cut
 *    off, so the commit certainly was not pushed) and restarted on the same data dirs.
 *  - Payer: a PPD decides pre-auths and enhancements (approve, approve lower, reject) over HTTP.
 *
 * Checks, at random instants and at the end: no family committed beyond its cover and the ledger
 * agrees with the holds and claims; every booking a desk committed exists exactly once on the
 * server, unless the server refused it (recorded 4xx in that desk's outbox: then it must not
 * exist); every desk converges on the server's rows within 10 s of the last heal; no booking a
 * desk ever showed as server-confirmed covered later became shortfall.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain } from '../../sync-server/src/audit/chain';
import { isDatabaseUnreachable } from '../../sync-server/src/db/database';
import { demoIds, seedDemo } from '../../sync-server/src/demo/seed';
import { prepareServer } from '../../sync-server/src/server-state';
import { createScratchDatabase, type ScratchDatabase } from '../../sync-server/src/testing/databases';
import { moneyConsistency } from '../../sync-server/src/testing/harness';
import { HttpFaultProxy, noFaults, type HttpFaultRates, type HttpFaultStats } from '../support/http-fault-proxy';
import { stablePort } from '../support/ports';
import { login, postJson, startServerProcess, type ServerProcess } from '../support/server-process';
import { DeskHost, HostGoneError } from './desk-host';
import type { ActResult, ChaosMember, DeskSetup, DeskSnapshot } from './desk-protocol';
import { testServerKeys } from '../../sync-server/src/testing/keys';

export interface ChaosOptions {
  readonly desks: number;
  /** How long the faults run, before the final heal. */
  readonly durationMs: number;
  readonly servers?: number;
  /** DeskBackends per desk process (1 = one process per desk). */
  readonly desksPerHost?: number;
  /** Mean pause between one desk operator's actions. */
  readonly meanActionIntervalMs?: number;
  /** Mean pause between chaos events (kills, cut-offs). */
  readonly meanEventIntervalMs?: number;
  readonly faults?: HttpFaultRates;
  /** How long to wait for convergence after the heal before giving up (it is reported either way). */
  readonly convergeTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /**
   * Faults of the database itself, run beside the other chaos until the run's end (issue 18:
   * `npm run chaos -- --failover` kills the primary of an HA formation). While it may be away,
   * a server that cannot start is started again, and an instant check that cannot reach the
   * database is skipped (the end's checks are not).
   */
  readonly databaseEvents?: (until: number) => Promise<void>;
}

export const defaultFaults: HttpFaultRates = {
  dropRequest: 0.04,
  dropResponse: 0.06,
  truncateResponse: 0.02,
  delay: 0.25,
  maxDelayMs: 250,
  duplicate: 0.08,
  replayLater: 0.06,
  maxReplayDelayMs: 3_000,
};

export interface ChaosSummary {
  desks: number;
  deskProcesses: number;
  servers: number;
  durationMs: number;
  /** Desk commands committed locally (replica rows + outbox), by every desk. */
  operations: number;
  operationsByKind: Record<string, number>;
  /** Commands the desk itself refused (e.g. the patient already has an active case it knows of). */
  localRefusals: number;
  bookingsCommitted: number;
  bookingsOnServer: number;
  bookingsRefusedByServer: number;
  serverKills: number;
  deskKills: number;
  deskKillsAfterCommit: number;
  /** Desk restarts that found commits in the outbox the server had not answered (killed before the push landed). */
  restartsWithUnpushedCommits: number;
  cutOffs: number;
  payerDecisions: number;
  instantChecks: number;
  /** Desk actions that threw instead of answering with a result. */
  deskErrors: number;
  proxy: HttpFaultStats;
  /** Sign-ins with the right password that the desk answered 'invalid-credentials' (a torn answer). */
  wrongPasswordAnswers: number;
  /** The audit hash chain verifies from genesis after all the SIGKILLs. */
  auditChainIntact: boolean;
  overCommittedFamilies: number;
  /** Families whose ledger disagrees with committed/holds/claims, or holds whose consumed ≠ covered bookings. */
  moneyMismatches: number;
  lostBookings: number;
  duplicateBookings: number;
  /** Bookings refused by the server (recorded 4xx) that exist on it anyway. */
  refusedButPresent: number;
  confirmedThenShortfall: number;
  /** Bookings some desk showed as server-confirmed covered (the population of the check above). */
  bookingsSeenCovered: number;
  /** Server bookings with a shortfall part at the end: covers really ran out. */
  bookingsWithShortfall: number;
  /** From the last heal until every desk matched the server; -1 if it did not within the timeout. */
  convergeMs: number;
  /** Human-readable findings behind any non-zero count. */
  findings: string[];
}

interface ServerSlot {
  readonly port: number;
  process: ServerProcess | null;
}

interface DeskRecord {
  readonly key: string;
  readonly deskId: string;
  readonly hospitalId: string;
  readonly proxy: HttpFaultProxy;
  readonly host: DeskHost;
  /** Bookings the desk said it committed (bookings.add answered ok). */
  readonly reportedBookings: Set<string>;
}

interface ServerBooking {
  id: string;
  case_id: string;
  hospital_id: string;
  covered_amount: number;
  shortfall_amount: number;
  status: string;
}

interface ServerHold {
  case_id: string;
  hospital_id: string;
  amount: number;
  consumed: number;
  status: string;
}

/**
 * A cut-off desk meets refused connections (its cable, or the balancer, is gone). Connections
 * accepted and then reset or closed strand a fresh process's first requests in Node's fetch until
 * their own timeouts (up to 15 s): tested on their own in stuck-stream.test.ts; here they would
 * only make the 10 s convergence check flaky.
 */
const cutOffMode = 'refuse';
const packageCodes = ['MG006A', 'MG012A', 'SB001A', 'SE007A', 'MG001A', 'MC011A', 'MO004A', 'MG026A'];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Exponentially distributed pause: events arrive at random, not on a beat. */
const pause = (mean: number) => Math.min(mean * 4, -Math.log(1 - Math.random()) * mean);
const between = (low: number, high: number) => low + Math.random() * (high - low);
const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  if (!process.env.DATABASE_URL) throw new Error('The chaos run needs PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test).');
  const startedAt = Date.now();
  const log = (line: string) => options.log?.(`[${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${line}`);
  const serverCount = options.servers ?? 2;
  const desksPerHost = options.desksPerHost ?? 1;
  const faults = options.faults ?? defaultFaults;
  const meanActionMs = options.meanActionIntervalMs ?? 400;
  const meanEventMs = options.meanEventIntervalMs ?? 2_500;
  const findings: string[] = [];
  const finding = (line: string) => {
    if (findings.length < 200) findings.push(line);
  };

  const baseDir = mkdtempSync(join(tmpdir(), 'coverdesk-chaos-'));
  let scratch: ScratchDatabase | null = null;
  const slots: ServerSlot[] = [];
  const proxies: HttpFaultProxy[] = [];
  const hosts: DeskHost[] = [];
  /** Restarts and reconnections in flight, by name: the heal waits for them. */
  const background = new Map<Promise<unknown>, string>();
  const track = (name: string, work: Promise<unknown>) => {
    const started = Date.now();
    const guarded = work.catch((error: unknown) => finding(`${name} failed: ${error instanceof Error ? error.message : String(error)}`));
    background.set(guarded, name);
    void guarded.finally(() => {
      background.delete(guarded);
      if (Date.now() - started > 20_000) log(`${name} took ${Date.now() - started} ms`);
    });
  };

  try {
    // ---------------------------------------------------------------- the scheme and the registry
    scratch = await createScratchDatabase('postgres', { maxConnections: 4 });
    const db = scratch.db;
    const state = await prepareServer(db, { keys: testServerKeys });
    await seedDemo(db, { nationalIdKey: state.nationalIdKey, extraFamilies: 0 });
    await state.stop();
    // Bookings past a hold may extend it by 20% of the authorized amount: more arbitration.
    await db.query('UPDATE schemes SET auto_extend_bp = 2000');
    const familyCount = Math.max(6, options.desks + 2);
    const members: ChaosMember[] = [];
    for (let f = 0; f < familyCount; f += 1) {
      const familyId = randomUUID();
      // Covers from ₹30,000 to ₹1,20,000: a few packages and bookings exhaust them, so desks at both
      // hospitals compete for the same family's last rupees.
      const cover = Math.round(between(30_000, 120_000)) * 100;
      await db.query(
        "INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district) VALUES ($1, $2, $3, $4, '+919800002222', 'Chaos')",
        [familyId, demoIds.schemeId, `FAM-X-${f}`, cover],
      );
      for (let m = 0; m < 5; m += 1) {
        const memberId = randomUUID();
        await db.query(
          "INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, $4, 1950 + $5::int, 'X', 'other')",
          [memberId, familyId, `PMJ-X${String(f * 10 + m).padStart(7, '0')}`, `Chaos Member ${f}-${m}`, (f * 7 + m * 13) % 60],
        );
        members.push({ memberId, familyId });
      }
    }
    // Desks at both hospitals, all replicating the chaos district (a configured registry scope).
    const deskIds: { id: string; hospitalId: string; username: string }[] = [];
    for (let i = 0; i < options.desks; i += 1) {
      const isA = i % 2 === 0;
      const id = randomUUID();
      await db.query("INSERT INTO desks (id, hospital_id, name, registry_district) VALUES ($1, $2, $3, 'Chaos')", [
        id,
        isA ? demoIds.hospitalA : demoIds.hospitalB,
        `Chaos desk ${i}`,
      ]);
      deskIds.push({ id, hospitalId: isA ? demoIds.hospitalA : demoIds.hospitalB, username: isA ? 'medco.a' : 'medco.b' });
    }

    // ---------------------------------------------------------------- servers
    // Ports outside the ephemeral range: servers and proxies close and reopen them all run long.
    for (let i = 0; i < serverCount; i += 1) slots.push({ port: await stablePort(), process: null });
    const startSlot = async (slot: ServerSlot) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          // A failover run has three PostgreSQL nodes more on the same cores: boots are slower.
          slot.process = await startServerProcess(
            { DATABASE_URL: scratch!.url!, DATABASE_POOL_SIZE: '6' },
            { port: slot.port, timeoutMs: options.databaseEvents ? 120_000 : 60_000 },
          );
          return;
        } catch (error) {
          // A server boots by migrating: during a failover it finds no database and exits.
          if (!options.databaseEvents || attempt >= 20) throw error;
          await sleep(1_000);
        }
      }
    };
    await Promise.all(slots.map(startSlot));
    const upServer = () => {
      const up = slots.filter((s) => s.process);
      return up.length > 0 ? pick(up) : null;
    };
    log(`${serverCount} sync servers on ports ${slots.map((s) => s.port).join(', ')}; database ${new URL(scratch.url!).pathname.slice(1)}`);

    // ---------------------------------------------------------------- desks
    const haToken = await login(slots[0]!.process!.url, 'ha');
    const allPorts = () => slots.map((s) => s.port);
    const setupsByHost: DeskSetup[][] = [];
    const pendingRecords: { key: string; proxy: HttpFaultProxy; hostIndex: number }[] = [];
    for (const [index, desk] of deskIds.entries()) {
      const proxy = new HttpFaultProxy(allPorts);
      await proxy.start(await stablePort());
      proxies.push(proxy);
      const issued = await postJson(`${slots[0]!.process!.url}/desks/${desk.id}/enrollment-codes`, {}, haToken);
      if (issued.status !== 200) throw new Error(`enrollment code for desk ${index}: ${JSON.stringify(issued.body)}`);
      const key = `desk-${String(index).padStart(2, '0')}`;
      const hostIndex = Math.floor(index / desksPerHost);
      (setupsByHost[hostIndex] ??= []).push({
        deskKey: key,
        dataDir: join(baseDir, key),
        username: desk.username,
        password: 'coverdesk-demo',
        enroll: { serverUrl: proxy.url, code: String(issued.body.code) },
        members,
        packageCodes,
      });
      pendingRecords.push({ key, proxy, hostIndex });
    }
    for (const [index, setups] of setupsByHost.entries()) hosts.push(new DeskHost(`host-${index}`, setups));
    await Promise.all(hosts.map((host) => host.start()));
    const records: DeskRecord[] = pendingRecords.map(({ key, proxy, hostIndex }) => {
      const host = hosts[hostIndex]!;
      const opened = host.opened.get(key)!;
      return { key, deskId: opened.deskId, hospitalId: opened.hospitalId, proxy, host, reportedBookings: new Set<string>() };
    });
    const recordsOf = (host: DeskHost) => records.filter((r) => r.host === host);
    log(`${records.length} desks enrolled in ${hosts.length} desk process(es); ${familyCount} families, ${members.length} members`);

    // ---------------------------------------------------------------- bookkeeping for the checks
    const summary: ChaosSummary = {
      desks: records.length,
      deskProcesses: hosts.length,
      servers: serverCount,
      durationMs: options.durationMs,
      operations: 0,
      operationsByKind: {},
      localRefusals: 0,
      bookingsCommitted: 0,
      bookingsOnServer: 0,
      bookingsRefusedByServer: 0,
      serverKills: 0,
      deskKills: 0,
      deskKillsAfterCommit: 0,
      restartsWithUnpushedCommits: 0,
      cutOffs: 0,
      payerDecisions: 0,
      instantChecks: 0,
      deskErrors: 0,
      wrongPasswordAnswers: 0,
      auditChainIntact: false,
      proxy: {
        requests: 0,
        droppedRequests: 0,
        droppedResponses: 0,
        truncatedResponses: 0,
        delayed: 0,
        duplicated: 0,
        replayed: 0,
        refusedOffline: 0,
        badGateway: 0,
        streams: 0,
      },
      overCommittedFamilies: 0,
      moneyMismatches: 0,
      lostBookings: 0,
      duplicateBookings: 0,
      refusedButPresent: 0,
      confirmedThenShortfall: 0,
      bookingsSeenCovered: 0,
      bookingsWithShortfall: 0,
      convergeMs: -1,
      findings,
    };
    /**
     * Bookings shown as server-confirmed covered. Desks lag the server by different amounts, so a
     * desk still showing an older state (shortfall that a void later re-covered) is not a
     * violation: what counts is the same desk going back, or the server itself going back.
     */
    const seenCovered = new Map<string, string>();
    const coveredAtDesk = new Set<string>();
    const coveredOnServer = new Set<string>();
    const brokenCover = new Set<string>();
    const observeViews = (snapshot: DeskSnapshot) => {
      for (const view of snapshot.views) {
        const key = `${snapshot.deskKey}|${view.bookingId}`;
        if (view.status === 'covered') {
          coveredAtDesk.add(key);
          if (!seenCovered.has(view.bookingId)) seenCovered.set(view.bookingId, snapshot.deskKey);
        } else if ((view.status === 'shortfall' || view.status === 'partly-covered') && coveredAtDesk.has(key) && !brokenCover.has(view.bookingId)) {
          brokenCover.add(view.bookingId);
          finding(`booking ${view.bookingId} was shown covered by ${snapshot.deskKey} and later ${view.status} by the same desk`);
        }
      }
    };
    /** The same on the server's rows, sampled at random instants: covered must stay covered. */
    const observeServer = async () => {
      const rows = await db.query<{ id: string; shortfall_amount: number }>('SELECT id, shortfall_amount FROM bookings');
      for (const row of rows) {
        if (row.shortfall_amount === 0) coveredOnServer.add(row.id);
        else if (coveredOnServer.has(row.id) && !brokenCover.has(row.id)) {
          brokenCover.add(row.id);
          finding(`booking ${row.id} was covered on the server and later has shortfall ${row.shortfall_amount}`);
        }
      }
    };

    /** Money checks on one consistent database snapshot (one statement each). */
    const moneyCheck = async (when: string): Promise<{ over: number; mismatches: number }> => {
      const [over] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM family_years WHERE committed > cover');
      let mismatches = 0;
      for (const row of await moneyConsistency(scratch!)) {
        if (row.ledger !== row.committed || row.ledger_holds !== row.holds || row.ledger_claims !== row.claims) {
          mismatches += 1;
          finding(
            `${when}: family ${row.family_id} committed ${row.committed}, ledger ${row.ledger} (holds ${row.holds} vs ${row.ledger_holds}, claims ${row.claims} vs ${row.ledger_claims})`,
          );
        }
      }
      // A hold's consumed part is exactly its active bookings' covered part, and the recorded
      // patient shares exactly their shortfall: money neither created nor lost by retries.
      const holds = await db.query<{ case_id: string; consumed: number; covered: number; shortfall: number; shares: number; status: string }>(
        `SELECT h.case_id, h.consumed, h.status,
                COALESCE((SELECT sum(covered_amount) FROM bookings b WHERE b.case_id = h.case_id AND b.status = 'active'), 0)::bigint AS covered,
                COALESCE((SELECT sum(shortfall_amount) FROM bookings b WHERE b.case_id = h.case_id AND b.status = 'active'), 0)::bigint AS shortfall,
                COALESCE((SELECT sum(amount) FROM patient_charges s WHERE s.case_id = h.case_id AND kind = 'shortfall'), 0)::bigint AS shares
           FROM holds h`,
      );
      for (const hold of holds) {
        if (hold.consumed !== hold.covered || hold.shares !== hold.shortfall) {
          mismatches += 1;
          finding(
            `${when}: hold of case ${hold.case_id} (${hold.status}) consumed ${hold.consumed} vs covered bookings ${hold.covered}; shortfall shares ${hold.shares} vs bookings ${hold.shortfall}`,
          );
        }
      }
      const overCount = over?.count ?? 0;
      if (overCount > 0) finding(`${when}: ${overCount} families committed beyond cover`);
      return { over: overCount, mismatches };
    };

    const snapshotOf = async (record: DeskRecord, withViews: boolean): Promise<DeskSnapshot | null> => {
      if (!record.host.isReady) return null;
      try {
        return await record.host.call('snapshot', { deskKey: record.key, withViews });
      } catch (error) {
        if (!(error instanceof HostGoneError))
          finding(`${record.key}: snapshot failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        return null;
      }
    };

    // ---------------------------------------------------------------- chaos actions
    const restartServer = async (slot: ServerSlot, downMs: number) => {
      const victim = slot.process;
      if (!victim) return;
      slot.process = null;
      summary.serverKills += 1;
      await victim.stop('SIGKILL');
      await sleep(downMs);
      await startSlot(slot);
    };
    const restartHost = async (host: DeskHost, downMs: number) => {
      await sleep(downMs);
      for (let attempt = 0; ; attempt += 1) {
        try {
          await host.start();
          const timing = host.lastStartTiming;
          if (timing && timing.processMs + timing.openMs > 15_000) {
            const steps = [...host.opened.entries()].map(([key, opened]) => `${key}: ${opened.steps.join(', ')}`).join('; ');
            log(`${host.name} restarted slowly: process ${timing.processMs} ms, opening desks ${timing.openMs} ms (${steps})`);
            if (timing.openMs > 10_000)
              for (const record of recordsOf(host))
                log(`  proxy of ${record.key}: ${record.proxy.eventsSince(Date.now() - timing.openMs - 2_000).join(' | ')}`);
          }
          return;
        } catch (error) {
          await host.kill();
          if (attempt >= 4) throw new Error(`${host.name} did not restart: ${error instanceof Error ? error.message : String(error)}\n${host.diagnostics()}`);
          await sleep(500);
        }
      }
    };
    /** Hosts to SIGKILL right after their next local commit. */
    const killAfterCommit = new Map<DeskHost, () => void>();
    /** One kill-and-restart per host at a time: a second kill while it comes back joins the first. */
    const restarts = new Map<DeskHost, Promise<void>>();
    const killNow = (host: DeskHost, downMs: number): Promise<void> => {
      const inFlight = restarts.get(host);
      if (inFlight) return inFlight;
      summary.deskKills += 1;
      const done = host
        .kill()
        .then(() => restartHost(host, downMs))
        .finally(() => restarts.delete(host));
      restarts.set(host, done);
      track(`restart of ${host.name}`, done);
      return done;
    };

    let isRunning = true;
    const runStartedAt = Date.now();
    const stopAt = runStartedAt + options.durationMs;

    const operator = async (record: DeskRecord) => {
      await sleep(Math.random() * meanActionMs);
      while (isRunning && Date.now() < stopAt) {
        if (!record.host.isReady) {
          await sleep(100);
          continue;
        }
        let result: ActResult;
        try {
          result = await record.host.call('act', { deskKey: record.key });
        } catch (error) {
          if (!(error instanceof HostGoneError)) {
            // Desk handlers answer with results; a thrown error is a desk bug worth reporting.
            summary.deskErrors += 1;
            finding(`${record.key}: an action threw: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
          }
          // Always a real pause: a rejected call must not spin on the microtask queue.
          await sleep(100);
          continue;
        }
        summary.operationsByKind[result.op] = (summary.operationsByKind[result.op] ?? 0) + (result.ok ? 1 : 0);
        if (result.ok && result.op !== 'idle') {
          summary.operations += 1;
          if (result.op === 'booking' && result.bookingId) record.reportedBookings.add(result.bookingId);
          // The command is committed locally and its push has at best just started: kill now.
          const armed = killAfterCommit.get(record.host);
          if (armed && record.host.isReady) {
            killAfterCommit.delete(record.host);
            summary.deskKillsAfterCommit += 1;
            armed();
          }
        } else if (!result.ok) {
          summary.localRefusals += 1;
        }
        await sleep(pause(meanActionMs));
      }
    };

    // Random events stop a little before the end; then the final partition: a third of the desks
    // are cut off and keep working offline, and one server is SIGKILLed and stays down until the
    // heal. Convergence is measured from that heal, so it includes real catching up.
    const eventsStopAt = stopAt - Math.min(8_000, Math.max(3_000, options.durationMs * 0.1));
    const finalPartition = async () => {
      await sleep(Math.max(0, eventsStopAt - Date.now()));
      if (!isRunning) return;
      const victims = [...records].sort(() => Math.random() - 0.5).slice(0, Math.max(1, Math.floor(records.length / 3)));
      for (const record of victims) {
        if (!record.proxy.offline) summary.cutOffs += 1;
        await record.proxy.setOffline(true, cutOffMode);
      }
      const slot = upServer();
      if (slot?.process) {
        summary.serverKills += 1;
        const victim = slot.process;
        slot.process = null;
        await victim.stop('SIGKILL');
      }
      log(`final partition: ${victims.length} desk(s) cut off, ${slot ? `server :${slot.port} killed` : 'no server up to kill'}`);
    };
    const chaosEvents = async () => {
      while (isRunning && Date.now() < eventsStopAt) {
        await sleep(pause(meanEventMs));
        if (!isRunning || Date.now() >= eventsStopAt) return;
        const roll = Math.random();
        if (roll < 0.25) {
          // Cut one desk off for a while: its operator keeps working offline.
          const record = pick(records);
          if (record.proxy.offline) continue;
          summary.cutOffs += 1;
          await record.proxy.setOffline(true, cutOffMode);
          track(
            `cut-off of ${record.key}`,
            sleep(between(1_000, 6_000)).then(() => record.proxy.setOffline(false)),
          );
        } else if (roll < 0.45) {
          const slot = upServer();
          if (slot) track(`restart of server :${slot.port}`, restartServer(slot, between(300, 2_500)));
        } else if (roll < 0.7) {
          // Kill a desk process right after its next local commit.
          const candidates = hosts.filter((h) => h.isReady && !killAfterCommit.has(h));
          const host = candidates.length > 0 ? pick(candidates) : null;
          if (host) killAfterCommit.set(host, () => void killNow(host, between(200, 1_500)));
        } else if (roll < 0.85) {
          // Cut a desk process off, let it commit, kill it: those commits were certainly not pushed.
          const candidates = hosts.filter((h) => h.isReady && !killAfterCommit.has(h));
          const victim = candidates.length > 0 ? pick(candidates) : null;
          if (!victim) continue;
          const cut = recordsOf(victim)
            .map((r) => r.proxy)
            .filter((p) => !p.offline);
          summary.cutOffs += cut.length;
          for (const proxy of cut) await proxy.setOffline(true, cutOffMode);
          killAfterCommit.set(victim, () => {
            void killNow(victim, between(200, 1_000))
              .then(() => sleep(between(500, 2_000)))
              .then(() => {
                return Promise.all(cut.map((proxy) => proxy.setOffline(false)));
              });
          });
        } else {
          // A desk process dies at an arbitrary moment (mid-push, mid-pull, mid-command).
          const up = hosts.filter((h) => h.isReady);
          if (up.length > 0) void killNow(pick(up), between(200, 1_500));
        }
      }
    };

    const payer = async () => {
      let session: string | null = null;
      while (isRunning && Date.now() < stopAt) {
        await sleep(between(400, 1_500));
        const slot = upServer();
        if (!slot?.process) continue;
        try {
          session ??= await login(slot.process.url, 'ppd');
          const token = session;
          const preauths = await db.query<{ case_id: string; requested_amount: number }>(
            "SELECT case_id, requested_amount FROM preauths WHERE status = 'pending' ORDER BY random() LIMIT 3",
          );
          for (const preauth of preauths) {
            const roll = Math.random();
            const body =
              roll < 0.6
                ? { decision: 'approve' }
                : roll < 0.85
                  ? { decision: 'approve-lower', amount: Math.max(100, Math.floor(preauth.requested_amount * 0.6)), reason: 'Chaos run: lower tariff' }
                  : { decision: 'reject', reason: 'Chaos run: not indicated' };
            const answer = await postJson(`${slot.process.url}/commands/decide-preauth`, { commandId: randomUUID(), caseId: preauth.case_id, ...body }, token);
            if (answer.status === 401) session = null;
            if (answer.status === 200) summary.payerDecisions += 1;
          }
          const enhancements = await db.query<{ id: string; requested_amount: number }>(
            "SELECT id, requested_amount FROM enhancements WHERE status = 'pending' ORDER BY random() LIMIT 3",
          );
          for (const enhancement of enhancements) {
            const roll = Math.random();
            const body =
              roll < 0.6
                ? { decision: 'approve' }
                : roll < 0.8
                  ? { decision: 'approve-lower', amount: Math.max(100, Math.floor(enhancement.requested_amount / 2)), reason: 'Chaos run: partly' }
                  : { decision: 'reject', reason: 'Chaos run: no' };
            const answer = await postJson(
              `${slot.process.url}/commands/decide-enhancement`,
              { commandId: randomUUID(), enhancementId: enhancement.id, ...body },
              token,
            );
            if (answer.status === 200) summary.payerDecisions += 1;
          }
        } catch {
          // The server died under the reviewer: try again later, like a person would.
        }
      }
    };

    const checker = async () => {
      while (isRunning && Date.now() < stopAt) {
        await sleep(between(1_500, 5_000));
        if (!isRunning) return;
        try {
          const money = await moneyCheck(`t+${Math.round((Date.now() - runStartedAt) / 1000)}s`);
          summary.overCommittedFamilies = Math.max(summary.overCommittedFamilies, money.over);
          summary.moneyMismatches = Math.max(summary.moneyMismatches, money.mismatches);
          await observeServer();
          summary.instantChecks += 1;
        } catch (error) {
          // The primary is being replaced (databaseEvents): this instant is not checked.
          if (!options.databaseEvents || !isDatabaseUnreachable(error)) throw error;
          continue;
        }
        const sample = records.filter(() => Math.random() < 0.5);
        for (const snapshot of await Promise.all(sample.map((r) => snapshotOf(r, true)))) if (snapshot) observeViews(snapshot);
      }
    };

    const ticker = setInterval(() => {
      const elapsed = Math.round((Date.now() - runStartedAt) / 1000);
      const stuck = records.flatMap((r) =>
        r.proxy
          .stuckRequests(5_000)
          .filter((line) => !line.includes('streaming'))
          .map((line) => `${r.key} ${line}`),
      );
      if (stuck.length > 0) log(`requests in a proxy for over 5 s: ${stuck.join('; ')}`);
      log(
        `chaos t+${elapsed}s: ${summary.operations} operations, ${summary.serverKills} server kills, ${summary.deskKills} desk kills, ${summary.cutOffs} cut-offs, ${summary.instantChecks} checks`,
      );
    }, 5_000);

    // ---------------------------------------------------------------- the run
    for (const proxy of proxies) proxy.setFaults(faults);
    log(`chaos for ${Math.round(options.durationMs / 1000)} s…`);
    try {
      await Promise.all([...records.map(operator), chaosEvents(), finalPartition(), payer(), checker(), options.databaseEvents?.(stopAt)]);
    } finally {
      isRunning = false;
      clearInterval(ticker);
    }
    killAfterCommit.clear();
    // Let pending restarts and reconnections finish, then heal whatever is still broken.
    if (background.size > 0) log(`waiting for ${[...background.values()].join(', ')}`);
    while (background.size > 0) await Promise.all([...background.keys()]);
    await Promise.all(slots.filter((s) => !s.process).map(startSlot));
    await Promise.all(hosts.filter((h) => !h.isReady).map((h) => restartHost(h, 0)));
    for (const proxy of proxies) {
      proxy.setFaults(noFaults);
      await proxy.setOffline(false);
    }
    const healedAt = Date.now();
    log('healed: every server up, every desk process up and reconnected, no faults; waiting for convergence…');

    // ---------------------------------------------------------------- convergence
    const serverState = async () => ({
      bookings: await db.query<ServerBooking>(
        'SELECT b.id, b.case_id, c.hospital_id, b.covered_amount, b.shortfall_amount, b.status FROM bookings b JOIN cases c ON c.id = b.case_id',
      ),
      holds: await db.query<ServerHold>('SELECT h.case_id, c.hospital_id, h.amount, h.consumed, h.status FROM holds h JOIN cases c ON c.id = h.case_id'),
      // The desks' family documents show the account of the open policy year (sync/pull.ts).
      families: await db.query<{ id: string; cover: number; committed: number }>(
        "SELECT f.id, COALESCE(y.cover, f.cover) AS cover, COALESCE(y.committed, 0) AS committed FROM families f LEFT JOIN family_years y ON y.family_id = f.id AND y.policy_year = (SELECT policy_year FROM schemes WHERE is_current) WHERE f.district = 'Chaos'",
      ),
    });
    type ServerState = Awaited<ReturnType<typeof serverState>>;
    /** Why a desk's replica differs from the server's rows for its hospital, or null if it does not. */
    const difference = (record: DeskRecord, snapshot: DeskSnapshot, server: ServerState): string | null => {
      if (snapshot.pendingMutations > 0)
        return `${snapshot.pendingMutations} mutations not yet pushed (${snapshot.syncState}${snapshot.lastError ? `, ${snapshot.lastError}` : ''})`;
      const bookings = server.bookings.filter((b) => b.hospital_id === record.hospitalId);
      const local = new Map(snapshot.bookings.map((b) => [b.id, b]));
      if (local.size !== bookings.length) return `${local.size} bookings in the replica, ${bookings.length} on the server`;
      for (const b of bookings) {
        const mine = local.get(b.id);
        if (!mine || mine.coveredAmount !== b.covered_amount || mine.shortfallAmount !== b.shortfall_amount || mine.status !== b.status)
          return `booking ${b.id} differs: ${JSON.stringify(mine ?? null)} vs ${JSON.stringify(b)}`;
      }
      const holds = server.holds.filter((h) => h.hospital_id === record.hospitalId);
      const localHolds = new Map(snapshot.holds.map((h) => [h.caseId, h]));
      if (localHolds.size !== holds.length) return `${localHolds.size} holds in the replica, ${holds.length} on the server`;
      for (const h of holds) {
        const mine = localHolds.get(h.case_id);
        if (!mine || mine.amount !== h.amount || mine.consumed !== h.consumed || mine.status !== h.status)
          return `hold of case ${h.case_id} differs: ${JSON.stringify(mine ?? null)} vs ${JSON.stringify(h)}`;
      }
      const localFamilies = new Map(snapshot.families.map((f) => [f.id, f]));
      for (const f of server.families) {
        const mine = localFamilies.get(f.id);
        if (!mine || mine.committed !== f.committed || mine.cover !== f.cover)
          return `family ${f.id} differs: ${JSON.stringify(mine ?? null)} vs ${JSON.stringify(f)}`;
      }
      return null;
    };
    const convergeTimeout = options.convergeTimeoutMs ?? 30_000;
    let lastDifferences: string[] = [];
    let lastReport = Date.now();
    for (;;) {
      const server = await serverState();
      const snapshots = await Promise.all(records.map((r) => snapshotOf(r, false)));
      lastDifferences = records.flatMap((record, index) => {
        const snapshot = snapshots[index];
        const why = snapshot ? difference(record, snapshot, server) : 'desk process not answering';
        return why ? [`${record.key}: ${why}`] : [];
      });
      if (lastDifferences.length === 0) {
        summary.convergeMs = Date.now() - healedAt;
        break;
      }
      if (Date.now() - lastReport > 2_000) {
        lastReport = Date.now();
        log(`not converged yet: ${lastDifferences.slice(0, 3).join('; ')}`);
      }
      if (Date.now() - healedAt > convergeTimeout) {
        for (const line of lastDifferences.slice(0, 10)) finding(`not converged after ${convergeTimeout} ms: ${line}`);
        break;
      }
      await sleep(100);
    }
    log(summary.convergeMs >= 0 ? `converged ${summary.convergeMs} ms after the heal` : `NOT converged: ${lastDifferences.slice(0, 3).join('; ')}`);

    // ---------------------------------------------------------------- final checks
    const finalSnapshots = (await Promise.all(records.map((r) => snapshotOf(r, true)))).filter((s): s is DeskSnapshot => s !== null);
    for (const snapshot of finalSnapshots) observeViews(snapshot);
    const server = await serverState();
    const onServer = new Map<string, number>();
    for (const b of server.bookings) onServer.set(b.id, (onServer.get(b.id) ?? 0) + 1);
    summary.bookingsOnServer = server.bookings.length;
    const byId = new Map(server.bookings.map((b) => [b.id, b]));
    await observeServer();
    // Whatever any desk once showed as covered must be covered in the final server state.
    for (const [id, deskKey] of seenCovered) {
      const b = byId.get(id);
      if (b && b.shortfall_amount > 0 && !brokenCover.has(id)) {
        brokenCover.add(id);
        finding(`booking ${id} was shown covered (${deskKey}) and is now shortfall ${b.shortfall_amount} on the server`);
      }
    }
    summary.confirmedThenShortfall = brokenCover.size;
    summary.bookingsSeenCovered = seenCovered.size;
    summary.bookingsWithShortfall = server.bookings.filter((b) => b.shortfall_amount > 0).length;
    summary.restartsWithUnpushedCommits = hosts.reduce((sum, host) => sum + host.reopenedWithPending, 0);
    summary.wrongPasswordAnswers = hosts.reduce((sum, host) => sum + host.signInFailures.filter((code) => code === 'invalid-credentials').length, 0);
    if (summary.wrongPasswordAnswers > 0)
      finding(`${summary.wrongPasswordAnswers} sign-in(s) with the right password were answered 'invalid-credentials' (torn server answers)`);

    const inSomeOutbox = new Set<string>();
    for (const record of records) {
      const snapshot = finalSnapshots.find((s) => s.deskKey === record.key);
      if (!snapshot) {
        finding(`${record.key}: no final snapshot (desk process down)`);
        summary.lostBookings += record.reportedBookings.size;
        continue;
      }
      const outbox = new Map<string, DeskSnapshot['outboxBookings'][number]>();
      for (const entry of snapshot.outboxBookings) {
        if (outbox.has(entry.bookingId) || inSomeOutbox.has(entry.bookingId)) {
          summary.duplicateBookings += 1;
          finding(`${record.key}: booking ${entry.bookingId} queued twice`);
        }
        outbox.set(entry.bookingId, entry);
        inSomeOutbox.add(entry.bookingId);
      }
      summary.bookingsCommitted += outbox.size;
      // The desk answered "saved" for these: a kill afterwards must not lose them.
      for (const id of record.reportedBookings) {
        if (!outbox.has(id)) {
          summary.lostBookings += 1;
          finding(`${record.key}: booking ${id} was acknowledged to the operator but is not in the desk's outbox after restarts`);
        }
      }
      for (const entry of outbox.values()) {
        const count = onServer.get(entry.bookingId) ?? 0;
        const isRefused = entry.state === 'answered' && entry.status !== null && entry.status >= 400 && entry.status < 500;
        if (isRefused) {
          summary.bookingsRefusedByServer += 1;
          if (count > 0) {
            summary.refusedButPresent += 1;
            finding(`${record.key}: booking ${entry.bookingId} was refused (${entry.status} ${entry.code ?? ''}) but exists on the server`);
          }
        } else if (count === 0) {
          summary.lostBookings += 1;
          finding(`${record.key}: booking ${entry.bookingId} (${entry.state}, status ${entry.status ?? '-'}) is not on the server`);
        } else if (count > 1) {
          summary.duplicateBookings += count - 1;
          finding(`${record.key}: booking ${entry.bookingId} exists ${count} times on the server`);
        }
      }
    }
    // Every booking on the server came from exactly one desk command.
    for (const b of server.bookings) {
      if (!inSomeOutbox.has(b.id)) {
        summary.duplicateBookings += 1;
        finding(`server booking ${b.id} is in no desk's outbox`);
      }
    }
    // Every server links the audit chain in the background; SIGKILLs must not have broken it.
    await sleep(600);
    const chain = await verifyChain(db, testServerKeys.audit);
    summary.auditChainIntact = chain.ok;
    if (!chain.ok) finding(`audit chain broken at entry ${chain.firstBadSeq} (row ${chain.firstBadId}): ${chain.problem}`);
    const money = await moneyCheck('end');
    summary.overCommittedFamilies = Math.max(summary.overCommittedFamilies, money.over);
    summary.moneyMismatches = Math.max(summary.moneyMismatches, money.mismatches);
    for (const proxy of proxies) {
      for (const key of Object.keys(summary.proxy) as (keyof HttpFaultStats)[]) summary.proxy[key] += proxy.stats[key];
    }
    return summary;
  } finally {
    await Promise.all(hosts.map((h) => h.kill()));
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(slots.map((s) => s.process?.stop('SIGKILL')));
    await scratch?.drop().catch(() => undefined);
    rmSync(baseDir, { recursive: true, force: true });
  }
}
