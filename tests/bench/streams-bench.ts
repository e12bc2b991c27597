/**
 * `npm run bench:streams [-- --streams N --seconds S]` — how many desk event streams (GET
 * /sync/stream, server-sent events) one sync server process holds, what an idle one costs, and
 * how fast a decision's poke reaches every desk. Real PostgreSQL (DATABASE_URL, default the local
 * test database), one server process (tests/support/server-process.ts), loopback. Not a test: it
 * prints a table and writes bench-results/streams.json.
 *
 * N desks (default 10,000) are enrolled straight into the scratch database (a credential each),
 * each opens its stream from this process over a plain socket, a few hundred at a time; then, once
 * per round, a desk operator's booking commits on the demo's seed family, and every stream's first
 * `changed` poke after the command was sent is timed. Every desk stream hears every committed
 * change (the server does not filter pokes: the desk's pull decides what it gets), so every
 * stream is concerned by every decision. Also measured: the server's RSS and open descriptors
 * before and with the streams open, its event-loop lag (its own metrics), and the database
 * connections it holds (pg_stat_activity) with few and with all streams open.
 *
 * `--seconds` bounds the whole run (opening, rounds); what is not done by then is reported as such.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { demoIds } from '../../sync-server/src/demo/seed';
import { createScratchDatabase } from '../../sync-server/src/testing/databases';
import { DeskStream, seedStreamDesks } from '../support/desk-stream';
import { login, postJson, startServerProcess, type ServerProcess } from '../support/server-process';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const { values: args } = parseArgs({
  options: { streams: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '180' }, rounds: { type: 'string', default: '5' } },
});
const streamCount = Number(args.streams);
const budgetSeconds = Number(args.seconds);
const rounds = Number(args.rounds);
/** Streams opened at once: each open is one authentication query on the server's pool. */
const openBatch = 200;
/** How long a round waits for the last stream's poke before counting it missed. */
const roundTimeoutMs = 10_000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

function openFiles(pid: number): { open: number; limit: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return { open: readdirSync(`/proc/${pid}/fd`).length, limit: Number(limits?.split(/\s+/)[3] ?? 0) };
}

async function metric(url: string | null, name: string): Promise<number | null> {
  if (!url) return null;
  try {
    const text = await (await fetch(url)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').at(-1)) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const deadline = performance.now() + budgetSeconds * 1000;
  console.log(
    `bench:streams — ${streamCount} desk streams, at most ${budgetSeconds} s, ${rounds} poke rounds; ${cpus().length} cores, load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  const scratch = await createScratchDatabase('postgres', { maxConnections: 2 });
  let server: ServerProcess | null = null;
  const streams: DeskStream[] = [];
  const watcher = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await watcher.connect();
  try {
    // N enrolled desks of hospital A, one credential each (its SHA-256 is what the server keeps).
    const authorization = await seedStreamDesks(scratch, streamCount);
    const databaseName = new URL(scratch.url!).pathname.slice(1);
    const connections = async () =>
      Number(
        (await watcher.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [databaseName]))
          .rows[0]!.n,
      );

    server = await startServerProcess({ DATABASE_URL: scratch.url!, DATABASE_POOL_SIZE: '8' });
    const pid = server.child.pid!;
    const metricsUrl = /Metrics \(Prometheus text format\): (\S+)/.exec(server.output())?.[1] ?? null;
    const medco = await login(server.url, 'medco.a');
    const ppd = await login(server.url, 'ppd');
    // The decision each round: a booking on the seed father's case (admitted, pre-auth approved).
    const caseId = randomUUID();
    const command = async (token: string, name: string, body: Record<string, unknown>) => {
      const answer = await postJson(`${server!.url}/commands/${name}`, { commandId: randomUUID(), ...body }, token);
      if (answer.status !== 200) throw new Error(`${name}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    };
    await command(medco, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' });
    await command(medco, 'request-preauth', { caseId, packageCode: 'MG012A' });
    await command(ppd, 'decide-preauth', { caseId, decision: 'approve' });
    const book = () =>
      command(medco, 'add-booking', { bookingId: randomUUID(), caseId, itemCode: 'SVC', description: 'Bench service', quantity: 1, unitPrice: 100 });

    // Baseline: the server with one stream open (its code loaded and warm).
    const opens = streams;
    const openOne = (i: number) =>
      new Promise<string | undefined>((resolve) => {
        const stream = new DeskStream(server!.port, authorization(i), (_s, error) => resolve(error));
        opens.push(stream);
      });
    const firstError = await openOne(1);
    if (firstError) throw new Error(`the first stream did not open: ${firstError}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = { rssKiB: rssKiB(pid), files: openFiles(pid), databaseConnections: await connections() };
    console.log(
      `baseline: RSS ${(before.rssKiB / 1024).toFixed(1)} MiB, ${before.files.open} descriptors (limit ${before.files.limit}), ${before.databaseConnections} database connections`,
    );

    // Open the rest, a batch at a time, until all are open or the budget is spent.
    const openStarted = performance.now();
    const failures = new Map<string, number>();
    let next = 2;
    while (next <= streamCount && performance.now() < deadline) {
      const batch: Promise<string | undefined>[] = [];
      for (let k = 0; k < openBatch && next <= streamCount; k += 1, next += 1) batch.push(openOne(next));
      for (const error of await Promise.all(batch)) if (error) failures.set(error, (failures.get(error) ?? 0) + 1);
      process.stdout.write(`\r  opened ${opens.filter((s) => s.isOpen && !s.isClosed).length} streams…`);
    }
    const openSeconds = (performance.now() - openStarted) / 1000;
    const live = () => streams.filter((s) => s.isOpen && !s.isClosed);
    console.log(
      `\n${live().length} streams open in ${openSeconds.toFixed(1)} s${failures.size ? `; failures: ${JSON.stringify(Object.fromEntries(failures))}` : ''}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = {
      rssKiB: rssKiB(pid),
      files: openFiles(pid),
      databaseConnections: await connections(),
      streamsGauge: await metric(metricsUrl, 'coverdesk_event_streams_open{kind="desk"}'),
      eventLoopLagP99Seconds: await metric(metricsUrl, 'coverdesk_nodejs_eventloop_lag_p99_seconds'),
    };
    const open = live().length;
    const perStreamKiB = open > 1 ? (idle.rssKiB - before.rssKiB) / (open - 1) : 0;
    console.log(
      `idle: RSS ${(idle.rssKiB / 1024).toFixed(1)} MiB (${perStreamKiB.toFixed(1)} KiB per stream), ${idle.files.open} descriptors, ${idle.databaseConnections} database connections`,
    );

    // Rounds: one booking each; every open stream's first `changed` poke after the send.
    const delays: number[] = [];
    const delaysFromAnswer: number[] = [];
    const roundSummaries: { round: number; streams: number; poked: number; p50Ms: number; p99Ms: number; maxMs: number; commandMs: number }[] = [];
    let missed = 0;
    for (let round = 1; round <= rounds && performance.now() < deadline; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const targets = live();
      const pokesBefore = new Map(targets.map((s) => [s, s.pokes]));
      const sent = performance.now();
      await book();
      const answered = performance.now();
      const waitUntil = performance.now() + roundTimeoutMs;
      while (performance.now() < waitUntil && targets.some((s) => s.pokes === pokesBefore.get(s) && !s.isClosed))
        await new Promise((resolve) => setTimeout(resolve, 20));
      const these: number[] = [];
      for (const s of targets) {
        if (s.pokes === pokesBefore.get(s)) {
          missed += 1;
          continue;
        }
        these.push(s.lastPokeAt - sent);
        delaysFromAnswer.push(Math.max(0, s.lastPokeAt - answered));
      }
      delays.push(...these);
      these.sort((a, b) => a - b);
      const summary = {
        round,
        streams: targets.length,
        poked: these.length,
        p50Ms: Number(percentile(these, 50).toFixed(1)),
        p99Ms: Number(percentile(these, 99).toFixed(1)),
        maxMs: Number((these.at(-1) ?? 0).toFixed(1)),
        commandMs: Number((answered - sent).toFixed(1)),
      };
      roundSummaries.push(summary);
      console.log(`  round ${round}: ${summary.poked}/${summary.streams} poked, p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms`);
    }
    const during = { databaseConnections: await connections(), eventLoopLagP99Seconds: await metric(metricsUrl, 'coverdesk_nodejs_eventloop_lag_p99_seconds') };
    delays.sort((a, b) => a - b);
    delaysFromAnswer.sort((a, b) => a - b);

    const results = {
      streamsRequested: streamCount,
      streamsOpen: open,
      openFailures: Object.fromEntries(failures),
      openSeconds: Number(openSeconds.toFixed(1)),
      rounds: roundSummaries,
      pokes: {
        delivered: delays.length,
        missed,
        p50Ms: Number(percentile(delays, 50).toFixed(1)),
        p99Ms: Number(percentile(delays, 99).toFixed(1)),
        maxMs: Number((delays.at(-1) ?? 0).toFixed(1)),
        fromAnswerP99Ms: Number(percentile(delaysFromAnswer, 99).toFixed(1)),
        targetP99Ms: 1000,
      },
      memory: {
        baselineRssMiB: Number((before.rssKiB / 1024).toFixed(1)),
        idleRssMiB: Number((idle.rssKiB / 1024).toFixed(1)),
        perIdleStreamKiB: Number(perStreamKiB.toFixed(1)),
      },
      fileDescriptors: { baseline: before.files.open, withStreams: idle.files.open, limit: idle.files.limit },
      databaseConnections: { baseline: before.databaseConnections, withStreams: idle.databaseConnections, afterRounds: during.databaseConnections, pool: 8 },
      eventLoopLagP99Seconds: { idle: idle.eventLoopLagP99Seconds, afterRounds: during.eventLoopLagP99Seconds },
      streamsGauge: idle.streamsGauge,
      cores: cpus().length,
      loadAverage: loadavg().map((v) => Number(v.toFixed(2))),
      at: new Date().toISOString(),
    };
    console.log('');
    console.table({
      streams: { value: `${open} of ${streamCount} open in ${results.openSeconds} s` },
      'poke p50 / p99 / max': { value: `${results.pokes.p50Ms} / ${results.pokes.p99Ms} / ${results.pokes.maxMs} ms (target p99 < 1000 ms), ${missed} missed` },
      'memory per idle stream': { value: `${results.memory.perIdleStreamKiB} KiB (RSS ${results.memory.baselineRssMiB} → ${results.memory.idleRssMiB} MiB)` },
      'file descriptors': { value: `${before.files.open} → ${idle.files.open} of a limit of ${idle.files.limit}` },
      'database connections': { value: `${before.databaseConnections} → ${idle.databaseConnections} → ${during.databaseConnections} (pool of 8 + LISTEN)` },
      'event-loop lag p99': { value: `${idle.eventLoopLagP99Seconds} s idle, ${during.eventLoopLagP99Seconds} s after the rounds` },
    });
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/streams.json', `${JSON.stringify(results, null, 2)}\n`);
    console.log('wrote bench-results/streams.json');
  } finally {
    for (const stream of streams) stream.close();
    await server?.stop();
    await watcher.end();
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  console.error('bench:streams failed:', error);
  process.exit(1);
});
