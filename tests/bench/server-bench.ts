/**
 * `npm run bench:server` — hold decisions per second on real PostgreSQL (DATABASE_URL, default the
 * local test database). Not a test: it prints a table and writes bench-results/server.json.
 *
 * A "hold decision" here is an add-booking command whose amount lies past the case's hold, so the
 * server must grow the hold from the family's cover through the conditional arbitration statement
 * (the same statement a pre-auth uses). Phases, in one run on one database:
 *   (a) HTTP, 64 concurrent clients, bookings spread over 10,000 families;
 *   (b) HTTP, 64 concurrent clients, all on one hot family (five members in hospital at once);
 *   (c) raw ceiling: the very same SQL the server sends for that command — since migration 004
 *       one prepared call of add_booking_decision in autocommit — sent directly over 64
 *       connections: no HTTP, no validation, no application logic;
 *   (d) for reference, the lone arbitration UPDATE over 64 connections;
 *   open loop: decisions like (a)'s arriving at a fixed Poisson rate of 25 %, 50 % and 75 % of
 *       (a)'s throughput in this run, each timed from its scheduled send time (no coordinated
 *       omission: a late answer does not delay the next arrival), with the server process's own
 *       CPU time per decision from /proc/<pid>/stat.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { Agent, request } from 'undici';
import { cpuSplit, sampleCpu, type CpuSplit } from './cpu-split';
import type { HospitalId, OperatorId } from '../../sync-server/domain/ids';
import { bookingDecisionStatement } from '../../sync-server/src/commands/booking-decision';
import { demoIds, seedDemo } from '../../sync-server/src/demo/seed';
import { prepareServer } from '../../sync-server/src/server-state';
import { createScratchDatabase } from '../../sync-server/src/testing/databases';
import { login, startServerProcess, type ServerProcess } from '../support/server-process';
import { testServerKeys } from '../../sync-server/src/testing/keys';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const concurrency = 64;
const phaseSeconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmupSeconds = 2;
const spreadFamilies = 10_000;
// One server process with a pool of 16 by default: measured on the 2-core machine, a second
// process costs about twice the server CPU per decision (0.29 → 0.65 ms) on cores PostgreSQL
// needs, and 16 connections is where PostgreSQL's own throughput of add_booking_decision peaks
// (pgbench: 16 ≈ 2,200-2,400/s, 64 ≈ 1,900/s). Both stay knobs for other machines.
const serverProcesses = Number(process.env.BENCH_SERVERS ?? 1);
const openLoopFractions = [0.25, 0.5, 0.75] as const;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runFor(
  seconds: number,
  workers: number,
  work: (worker: number) => Promise<void>,
  onProgress?: (done: number) => void,
  serverPids: readonly number[] = [],
): Promise<{ done: number; latencies: number[]; seconds: number; errors: number; cpu: CpuSplit | null }> {
  const cpuBefore = sampleCpu(serverPids);
  const stopAt = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const ticker = onProgress ? setInterval(() => onProgress(done), 1000) : null;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < stopAt) {
        const t0 = performance.now();
        try {
          await work(worker);
          latencies.push(performance.now() - t0);
          done += 1;
        } catch (error) {
          errors += 1;
          if (errors <= 3) console.error('  error:', error instanceof Error ? error.message : error);
        }
      }
    }),
  );
  if (ticker) clearInterval(ticker);
  const cpu = cpuSplit(cpuBefore, sampleCpu(serverPids), done);
  return { done, latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000, errors, cpu };
}

/**
 * Time the processes' threads spent runnable but waiting for a core, ms (the second field of
 * /proc/<pid>/task/<tid>/schedstat, ns): on a shared machine this is what other work costs us.
 */
function runQueueWaitMs(pids: readonly number[]): number | null {
  let total = 0;
  try {
    for (const pid of pids)
      for (const task of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return null;
  }
  return total;
}

interface OpenLoopRun {
  readonly fractionOfCapacity: number;
  readonly targetPerSec: number;
  readonly achievedPerSec: number;
  readonly sent: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** How late the generator itself sent, ms (p99): if this is large, the generator was starved, not the server. */
  readonly sendLagP99Ms: number;
  readonly serverCpuMsPerDecision: number | null;
  /** Time the server's threads waited for a core, ms per decision (schedstat): the machine's contention, not our code. */
  readonly serverRunQueueWaitMsPerDecision: number | null;
  readonly cpu: CpuSplit | null;
}

/**
 * Open loop: arrivals at `rate` per second, exponentially spaced (a Poisson process), for
 * `seconds`. Each decision's latency runs from the time it was due to be sent to its answer, so
 * a stall in the server (or in this generator) shows in every decision that was due meanwhile,
 * as a user at a desk would feel it. The schedule never waits for answers.
 */
async function openLoop(fraction: number, rate: number, seconds: number, work: () => Promise<void>, serverPids: readonly number[]): Promise<OpenLoopRun> {
  const cpuBefore = sampleCpu(serverPids);
  const waitBefore = runQueueWaitMs(serverPids);
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const latencies: number[] = [];
  // BENCH_TRACE_DIR: every decision's due time (ms into the run) and latency, to see whether the slow ones cluster in time.
  const trace: string[] = [];
  const sendLags: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let sent = 0;
  let due = started;
  const nextGap = () => (-Math.log(1 - Math.random()) / rate) * 1000;
  due += nextGap();
  while (due < stopAt) {
    const now = performance.now();
    while (due <= now && due < stopAt) {
      const scheduled = due;
      sendLags.push(now - scheduled);
      sent += 1;
      const call = work().then(
        () => {
          latencies.push(performance.now() - scheduled);
          trace.push(`${(scheduled - started).toFixed(1)},${(performance.now() - scheduled).toFixed(2)}`);
        },
        (error: unknown) => {
          errors += 1;
          if (errors <= 3) console.error('  error:', error instanceof Error ? error.message : error);
        },
      );
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
      due += nextGap();
    }
    // Sleep until the next arrival is due (timers fire no sooner than ~1 ms).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(due, stopAt) - performance.now())));
  }
  await Promise.all(inFlight);
  if (process.env.BENCH_TRACE_DIR) {
    mkdirSync(process.env.BENCH_TRACE_DIR, { recursive: true });
    writeFileSync(`${process.env.BENCH_TRACE_DIR}/open-loop-${Math.round(fraction * 100)}.csv`, `due_ms,latency_ms\n${trace.join('\n')}\n`);
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSplit(cpuBefore, sampleCpu(serverPids), latencies.length);
  const waitAfter = runQueueWaitMs(serverPids);
  latencies.sort((a, b) => a - b);
  sendLags.sort((a, b) => a - b);
  const ms = (value: number) => Number(value.toFixed(2));
  return {
    fractionOfCapacity: fraction,
    targetPerSec: Math.round(rate),
    achievedPerSec: Math.round(latencies.length / elapsed),
    sent,
    errors,
    p50Ms: ms(percentile(latencies, 50)),
    p99Ms: ms(percentile(latencies, 99)),
    p999Ms: ms(percentile(latencies, 99.9)),
    maxMs: ms(latencies.at(-1) ?? 0),
    sendLagP99Ms: ms(percentile(sendLags, 99)),
    serverCpuMsPerDecision: cpu?.msPerDecision.servers ?? null,
    serverRunQueueWaitMsPerDecision:
      waitBefore !== null && waitAfter !== null && latencies.length > 0 ? Number(((waitAfter - waitBefore) / latencies.length).toFixed(3)) : null,
    cpu,
  };
}

async function main(): Promise<void> {
  console.log(
    `bench:server — PostgreSQL, ${cpus().length} cores, ${concurrency} clients, ${phaseSeconds} s per phase, ${serverProcesses} server process(es), load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  const scratch = await createScratchDatabase('postgres', { maxConnections: 4 });
  const servers: ServerProcess[] = [];
  try {
    const state = await prepareServer(scratch.db, { keys: testServerKeys });
    await seedDemo(scratch.db, { nationalIdKey: state.nationalIdKey, extraFamilies: 0 });
    await state.stop();
    console.log(`setting up ${spreadFamilies} families with a case each, and one hot family of five…`);
    // Each bench case: admitted, pre-auth approved with a large authorized amount and a hold of 0,
    // so every booking must grow the hold from the family cover (one arbitration per booking).
    await scratch.db.query(
      `
      INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district)
        SELECT ('10000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, '${demoIds.schemeId}', 'BENCH-' || g, 100000000000, '+919800000000', 'Pune'
          FROM generate_series(1, ${spreadFamilies + 1}) g;
      INSERT INTO family_years (family_id, policy_year, cover) SELECT id, (SELECT policy_year FROM schemes WHERE is_current), cover FROM families ON CONFLICT DO NOTHING;
      INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation)
        SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
               ('10000000-0000-4000-8000-' || lpad(to_hex(CASE WHEN g > ${spreadFamilies} THEN ${spreadFamilies + 1} ELSE g END), 12, '0'))::uuid,
               'PMJ-' || upper(lpad(to_hex(g), 8, '0')), 'Bench Member', 1980, 'X', 'other'
          FROM generate_series(1, ${spreadFamilies + 5}) g;
      INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, policy_year)
        SELECT ('30000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, m.id, m.family_id, '${demoIds.hospitalA}', 'admitted', 'fingerprint',
               (SELECT id FROM operators WHERE username = 'medco.a'), (SELECT policy_year FROM schemes WHERE is_current)
          FROM generate_series(1, ${spreadFamilies + 5}) g JOIN members m ON m.id = ('20000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid;
      INSERT INTO preauths (id, case_id, package_code, package_version, package_price, requested_amount, approved_amount, status)
        SELECT gen_random_uuid(), id, 'MG012A', 1, 600000, 100000000000, 100000000000, 'approved' FROM cases WHERE id::text LIKE '30000000-%';
      INSERT INTO holds (id, case_id, family_id, amount, consumed, authorized, package_code, package_version, status, policy_year)
        SELECT gen_random_uuid(), id, family_id, 0, 0, 100000000000, 'MG012A', 1, 'active', policy_year FROM cases WHERE id::text LIKE '30000000-%';
    `
        .split(';')
        .filter((s) => s.trim())
        .join(';'),
    );
    const [{ policy_year: openYear }] = (await scratch.db.query<{ policy_year: number }>('SELECT policy_year FROM schemes WHERE is_current')) as [
      { policy_year: number },
    ];
    // One statement on its own: VACUUM cannot run inside the implicit transaction of a multi-statement script.
    await scratch.db.query('VACUUM ANALYZE');
    const caseId = (g: number) => `30000000-0000-4000-8000-${g.toString(16).padStart(12, '0')}`;
    const hotCases = [1, 2, 3, 4, 5].map((i) => caseId(spreadFamilies + i));

    const poolSize = process.env.BENCH_POOL ?? String(Math.max(4, Math.ceil(16 / serverProcesses)));
    for (let i = 0; i < serverProcesses; i += 1)
      servers.push(
        await startServerProcess(
          { DATABASE_URL: scratch.url!, DATABASE_POOL_SIZE: poolSize },
          // BENCH_PROFILE_DIR: a V8 CPU profile of each server process, written when it stops (open in Chrome DevTools).
          process.env.BENCH_PROFILE_DIR ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] } : {},
        ),
      );
    const token = await login(servers[0]!.url, 'medco.a');
    const agent = new Agent({ connections: concurrency, pipelining: 1 });
    const book = async (worker: number, target: string, dispatcher: Agent = agent) => {
      const base = servers[worker % servers.length]!.url;
      const response = await request(`${base}/commands/add-booking`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          commandId: randomUUID(),
          bookingId: randomUUID(),
          caseId: target,
          itemCode: 'SVC',
          description: 'Bench service',
          quantity: 1,
          unitPrice: 100,
        }),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
    };
    const progress = (label: string) => (done: number) => process.stdout.write(`\r  ${label}: ${done} decisions…`);

    console.log('(a) HTTP, spread over 10,000 families');
    await runFor(warmupSeconds, concurrency, (w) => book(w, caseId(1 + Math.floor(Math.random() * spreadFamilies))));
    const serverPids = servers.map((s) => s.child.pid ?? 0).filter((pid) => pid > 0);
    const spread = await runFor(
      phaseSeconds,
      concurrency,
      (w) => book(w, caseId(1 + Math.floor(Math.random() * spreadFamilies))),
      progress('spread'),
      serverPids,
    );
    console.log('\n(b) HTTP, one hot family');
    const hot = await runFor(phaseSeconds, concurrency, (w) => book(w, hotCases[w % hotCases.length]!), progress('hot'), serverPids);
    await agent.close();

    // Open loop at fractions of (a)'s capacity. Its own agent with room for many connections, as
    // many desks have one each: a queue in this client would be a queue no desk has.
    const capacity = spread.done / spread.seconds;
    const openAgent = new Agent({ connections: 1024, pipelining: 1 });
    const openRuns: OpenLoopRun[] = [];
    let arrival = 0;
    for (const fraction of openLoopFractions) {
      console.log(`\nopen loop at ${fraction * 100} % of (a): ${Math.round(capacity * fraction)} decisions/s, Poisson arrivals`);
      arrival = 0;
      openRuns.push(
        await openLoop(
          fraction,
          capacity * fraction,
          phaseSeconds,
          () => {
            arrival += 1;
            return book(arrival, caseId(1 + Math.floor(Math.random() * spreadFamilies)), openAgent);
          },
          serverPids,
        ),
      );
    }
    await openAgent.close();
    await Promise.all(servers.map((s) => s.stop()));
    servers.length = 0;

    console.log("\n(c) raw SQL: the server's statement over 64 direct connections");
    const pool = new pg.Pool({ connectionString: scratch.url!, max: concurrency });
    const medco = (await pool.query<{ id: string }>("SELECT id FROM operators WHERE username = 'medco.a'")).rows[0]!.id;
    // Exactly the statement the server sends for one add-booking that extends its hold: the text
    // and parameters come from the server's own bookingDecisionStatement (booking-decision.ts),
    // prepared by name as postgres.ts prepares it, one round trip in autocommit.
    const medcoPrincipal = { operatorId: medco as OperatorId, roles: ['MEDCO' as const], hospitalId: demoIds.hospitalA as HospitalId };
    const rawBooking = async (target: string) => {
      const { text, params } = bookingDecisionStatement({
        body: { commandId: randomUUID(), bookingId: randomUUID(), caseId: target, itemCode: 'SVC', description: 'Bench service', quantity: 1, unitPrice: 100 },
        principal: medcoPrincipal,
        requestHash: 'raw',
        amount: 100,
      });
      const rows = (await pool.query<{ answer_status: number }>({ name: 'raw_decision', text, values: params })).rows;
      if (rows[0]?.answer_status !== 200) throw new Error(`raw decision answered ${rows[0]?.answer_status}`);
    };
    await runFor(warmupSeconds, concurrency, () => rawBooking(caseId(1 + Math.floor(Math.random() * spreadFamilies))));
    const raw = await runFor(phaseSeconds, concurrency, () => rawBooking(caseId(1 + Math.floor(Math.random() * spreadFamilies))), progress('raw'));
    console.log('\n(d) reference: the lone arbitration UPDATE, autocommit');
    const single = await runFor(
      phaseSeconds,
      concurrency,
      async () => {
        await pool.query(
          'UPDATE family_years SET last_change = LEAST($2::bigint, cover - committed), committed = committed + LEAST($2::bigint, cover - committed) WHERE family_id = $1 AND policy_year = $3 RETURNING last_change',
          [`10000000-0000-4000-8000-${(1 + Math.floor(Math.random() * spreadFamilies)).toString(16).padStart(12, '0')}`, 100, openYear],
        );
      },
      progress('single'),
    );
    await pool.end();

    const [check] = await scratch.db.query<{ over: number }>('SELECT count(*)::int AS over FROM family_years WHERE committed > cover');
    const results = {
      httpSpreadPerSec: Math.round(spread.done / spread.seconds),
      httpHotPerSec: Math.round(hot.done / hot.seconds),
      rawSqlPerSec: Math.round(raw.done / raw.seconds),
      ratio: Number((spread.done / spread.seconds / (raw.done / raw.seconds)).toFixed(3)),
      p99Ms: Number(percentile(spread.latencies, 99).toFixed(2)),
      p50Ms: Number(percentile(spread.latencies, 50).toFixed(2)),
      hotP99Ms: Number(percentile(hot.latencies, 99).toFixed(2)),
      rawP99Ms: Number(percentile(raw.latencies, 99).toFixed(2)),
      singleStatementPerSec: Math.round(single.done / single.seconds),
      errors: spread.errors + hot.errors + raw.errors + openRuns.reduce((sum, run) => sum + run.errors, 0),
      overCommittedFamilies: check?.over ?? -1,
      concurrency,
      phaseSeconds,
      serverProcesses,
      poolPerServer: Number(poolSize),
      cores: cpus().length,
      at: new Date().toISOString(),
      cpu: { httpSpread: spread.cpu, httpHot: hot.cpu, rawSql: raw.cpu, singleStatement: single.cpu },
      openLoop: {
        capacityPerSec: Math.round(capacity),
        ratioSpreadToRaw: Number((spread.done / spread.seconds / (raw.done / raw.seconds)).toFixed(3)),
        targetP99MsAtHalf: 25,
        loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
        runs: openRuns,
      },
    };
    console.log('\n');
    console.table({
      '(a) HTTP spread, 10,000 families': { 'decisions/s': results.httpSpreadPerSec, 'p50 ms': results.p50Ms, 'p99 ms': results.p99Ms },
      '(b) HTTP hot family': { 'decisions/s': results.httpHotPerSec, 'p50 ms': Number(percentile(hot.latencies, 50).toFixed(2)), 'p99 ms': results.hotP99Ms },
      '(c) raw SQL, same statement': {
        'decisions/s': results.rawSqlPerSec,
        'p50 ms': Number(percentile(raw.latencies, 50).toFixed(2)),
        'p99 ms': results.rawP99Ms,
      },
      '(d) lone arbitration UPDATE': {
        'decisions/s': results.singleStatementPerSec,
        'p50 ms': Number(percentile(single.latencies, 50).toFixed(2)),
        'p99 ms': Number(percentile(single.latencies, 99).toFixed(2)),
      },
    });
    console.log('Open loop: Poisson arrivals at a share of (a), latency from the scheduled send time');
    console.table(
      Object.fromEntries(
        openRuns.map((run) => [
          `${run.fractionOfCapacity * 100} % of (a)`,
          {
            'target/s': run.targetPerSec,
            'achieved/s': run.achievedPerSec,
            'p50 ms': run.p50Ms,
            'p99 ms': run.p99Ms,
            'p99.9 ms': run.p999Ms,
            'max ms': run.maxMs,
            'send lag p99 ms': run.sendLagP99Ms,
            'server CPU ms/decision': run.serverCpuMsPerDecision,
            'server waited for a core ms/decision': run.serverRunQueueWaitMsPerDecision,
            errors: run.errors,
          },
        ]),
      ),
    );
    const cpuRow = (split: CpuSplit | null) =>
      split
        ? {
            'postgres cores': split.cores.postgres,
            'servers cores': split.cores.servers,
            'generator cores': split.cores.generator,
            'other cores': split.cores.other,
            'idle cores': split.cores.idle,
            'pg ms/decision': split.msPerDecision.postgres,
            'servers ms/decision': split.msPerDecision.servers,
            'generator ms/decision': split.msPerDecision.generator,
          }
        : {};
    console.log('CPU: average busy cores per part, and CPU milliseconds per decision ("other" is the rest of the machine)');
    console.table({ '(a)': cpuRow(spread.cpu), '(b)': cpuRow(hot.cpu), '(c)': cpuRow(raw.cpu), '(d)': cpuRow(single.cpu) });
    console.log(
      `ratio (a)/(c) = ${results.ratio} (target ≥ 0.8); closed-loop p99 of (a) = ${results.p99Ms} ms; open-loop p99 at 50 % = ${openRuns[1]?.p99Ms} ms (target < 25 ms); errors ${results.errors}; over-committed families ${results.overCommittedFamilies}; load average ${results.openLoop.loadAverage.join(' ')}`,
    );
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/server.json', `${JSON.stringify(results, null, 2)}\n`);
    console.log('wrote bench-results/server.json');
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  console.error('bench:server failed:', error);
  process.exit(1);
});
