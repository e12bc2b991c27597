/**
 * `npm run bench:accumulators` — issue 14's figures on real PostgreSQL (DATABASE_URL, default the
 * local test database). Not a test: it prints a table and writes bench-results/accumulators.json.
 *
 * (a) import: a 100,000-line exchange file (src/accumulators/exchange.ts: parse, resolve members,
 *     lock the rows, check each line against its maximum, write entries and totals), lines/s;
 * (b) raw: the very same 100,000 accumulator entries the import wrote, COPY'd by psql into the same
 *     table (accumulator_entries, same indexes) of the same database: the ceiling (a) is held to
 *     (target: a/b ≥ 0.3);
 * (c) pharmacy claims: capacity (closed loop, 16 clients, one server process), then an open loop at
 *     50 % of that capacity, whose p50/p99 are the figure;
 * (d) add-booking on a cost-sharing plan (the TypeScript handler, docs/cost-sharing-decision.md)
 *     against add-booking on the cashless cover (the one-statement PL/pgSQL decision), closed loop.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { importExchangeFile } from '../../sync-server/src/accumulators/exchange';
import { demoIds, demoPlans, seedDemo } from '../../sync-server/src/demo/seed';
import { prepareServer } from '../../sync-server/src/server-state';
import { createScratchDatabase } from '../../sync-server/src/testing/databases';
import { testServerKeys } from '../../sync-server/src/testing/keys';
import { login, postJson, startServerProcess, type ServerProcess } from '../support/server-process';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const lines = Number(process.env.BENCH_LINES ?? 100_000);
const phaseSeconds = Number(process.env.BENCH_SECONDS ?? 8);
const families = 20_000;
const bookingCases = 2_000;
const clients = 16;

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const hex = (prefix: string, g: number) => `${prefix}-0000-4000-8000-${g.toString(16).padStart(12, '0')}`;

async function closedLoop(
  seconds: number,
  workers: number,
  work: (worker: number, i: number) => Promise<void>,
): Promise<{ perSecond: number; latencies: number[]; errors: number }> {
  const stopAt = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < stopAt) {
        const t0 = performance.now();
        try {
          await work(worker, (i += 1));
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors += 1;
          if (errors <= 3) console.error('  error:', error instanceof Error ? error.message : error);
        }
      }
    }),
  );
  return { perSecond: latencies.length / ((performance.now() - started) / 1000), latencies: latencies.sort((a, b) => a - b), errors };
}

/** Requests started on a fixed schedule (rate per second), whatever the answers' pace: latency under a known load. */
async function openLoop(seconds: number, rate: number, work: (i: number) => Promise<void>): Promise<{ latencies: number[]; errors: number; sent: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.floor(seconds * rate);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t0 = performance.now();
    inFlight.push(
      work(i).then(
        () => void latencies.push(performance.now() - t0),
        () => void (errors += 1),
      ),
    );
  }
  await Promise.all(inFlight);
  return { latencies: latencies.sort((a, b) => a - b), errors, sent: total };
}

async function main(): Promise<void> {
  console.log(`bench:accumulators — PostgreSQL, ${cpus().length} cores, ${lines} lines, ${phaseSeconds} s per timed phase`);
  const scratch = await createScratchDatabase('postgres', { maxConnections: 8 });
  let server: ServerProcess | null = null;
  const rawFile = join(tmpdir(), `coverdesk-raw-copy-${process.pid}.tsv`);
  try {
    const state = await prepareServer(scratch.db, { keys: testServerKeys });
    await seedDemo(scratch.db, { nationalIdKey: state.nationalIdKey, extraFamilies: 0 });
    await state.stop();
    const [{ policy_year: year }] = (await scratch.db.query<{ policy_year: number }>('SELECT policy_year FROM schemes WHERE is_current')) as [
      { policy_year: number },
    ];
    console.log(`setting up ${families} State top-up families (one member each) and ${bookingCases} + ${bookingCases} cases to book on…`);
    const script = `
      INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district, plan_id)
        SELECT ('10000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, '${demoIds.schemeId}', 'XB-' || g, 20000000, '+919800000000', 'Pune',
               CASE WHEN g > ${families + bookingCases} THEN '${demoPlans.cashless.id}' ELSE '${demoPlans.stateTopUp.id}' END
          FROM generate_series(1, ${families + 2 * bookingCases}) g;
      INSERT INTO family_years (family_id, policy_year, cover) SELECT id, ${year}, cover FROM families ON CONFLICT DO NOTHING;
      INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation, created_at)
        SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, ('10000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
               'PMJ-XB' || g, 'Bench Member', 1980, 'X', 'other', now() - interval '2 years'
          FROM generate_series(1, ${families + 2 * bookingCases}) g;
      INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, policy_year)
        SELECT ('30000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, ('20000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
               ('10000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, '${demoIds.hospitalA}', 'admitted', 'fingerprint',
               (SELECT id FROM operators WHERE username = 'medco.a'), ${year}
          FROM generate_series(${families + 1}, ${families + 2 * bookingCases}) g;
      INSERT INTO preauths (id, case_id, package_code, package_version, package_price, requested_amount, approved_amount, status)
        SELECT gen_random_uuid(), id, 'MC024A', 1, 4000000, 4000000, 4000000, 'approved' FROM cases WHERE id::text LIKE '30000000-%';
      INSERT INTO holds (id, case_id, family_id, amount, consumed, authorized, package_code, package_version, status, policy_year)
        SELECT gen_random_uuid(), id, family_id, 4000000, 0, 4000000, 'MC024A', 1, 'active', policy_year FROM cases WHERE id::text LIKE '30000000-%';
      UPDATE family_years SET committed = 4000000 WHERE family_id IN (SELECT family_id FROM cases WHERE id::text LIKE '30000000-%');
      INSERT INTO ledger (family_id, policy_year, case_id, component, delta, reason, command_id)
        SELECT family_id, policy_year, id, 'hold', 4000000, 'preauth-hold', gen_random_uuid() FROM cases WHERE id::text LIKE '30000000-%'`;
    await scratch.db.query(
      script
        .split(';')
        .filter((s) => s.trim())
        .join(';'),
    );
    await scratch.db.query('VACUUM ANALYZE');

    // (a) the import.
    const types = ['familyMaxPay', 'individualMaxPay', 'individualDeductible'] as const;
    const date = `${year}-01-15`;
    const body = ['subscriberId\tmemberId\ttype\tcoverageType\tvalue\ttransactionDate'];
    for (let i = 0; i < lines; i += 1) {
      const g = 1 + ((i * 7919) % families);
      body.push(`XB-${g}\tPMJ-XB${g}\t${types[i % 3]}\t${i % 2 === 0 ? 'pharmacy' : 'medical'}\t${1 + (i % 40)}.${String(i % 100).padStart(2, '0')}\t${date}`);
    }
    const bytes = Buffer.from(body.join('\n') + '\n');
    const t0 = performance.now();
    const report = await importExchangeFile(scratch.db, `accumulators-${date}.tsv`, bytes);
    const importSeconds = (performance.now() - t0) / 1000;
    if (report.applied !== lines) throw new Error(`the import applied ${report.applied} of ${lines} lines: ${JSON.stringify(report.refused.slice(0, 3))}`);

    // (b) the same entries, COPY'd raw into the same table.
    const rows = await scratch.db.query<{ line: string }>(
      `SELECT concat_ws(E'\\t', family_id, COALESCE(member_id::text, '\\N'), policy_year, COALESCE(plan_id, '\\N'), kind, coverage_type, delta, 'correction', 'raw:' || source_id) AS line
         FROM accumulator_entries WHERE source_kind = 'exchange' ORDER BY id`,
    );
    writeFileSync(rawFile, rows.map((r) => r.line).join('\n') + '\n');
    const t1 = performance.now();
    const copied = spawnSync(
      'psql',
      [
        scratch.url!,
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `\\copy accumulator_entries (family_id, member_id, policy_year, plan_id, kind, coverage_type, delta, source_kind, source_id) FROM '${rawFile}'`,
      ],
      { encoding: 'utf8' },
    );
    const copySeconds = (performance.now() - t1) / 1000;
    if (copied.status !== 0) throw new Error(`psql \\copy failed: ${copied.stderr}`);

    // (c) pharmacy claims, one server process.
    server = await startServerProcess({ DATABASE_URL: scratch.url!, DATABASE_POOL_SIZE: '16' });
    const ha = await login(server.url, 'ha');
    const registered = await postJson(`${server.url}/pharmacies`, { pharmacyId: randomUUID(), code: 'PH-BENCH', name: 'Bench pharmacy', district: 'Pune' }, ha);
    const credential = String(registered.body.credential);
    const agent = new Agent({ connections: 64, pipelining: 1 });
    const post = async (path: string, payload: unknown, authorization: string) => {
      const response = await request(`${server!.url}${path}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(payload),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${response.statusCode}: ${text.slice(0, 200)}`);
    };
    const claim = (i: number) =>
      post(
        '/pharmacy/claims',
        { claimId: randomUUID(), memberId: `PMJ-XB${1 + ((i * 104_729) % families)}`, drugCode: 'RX-1', quantity: 1, unitPrice: 10_000 },
        `Pharmacy ${credential}`,
      );
    await closedLoop(2, clients, (_, i) => claim(i)); // warm-up
    const capacity = await closedLoop(phaseSeconds, clients, (_, i) => claim(i));
    const rate = capacity.perSecond * 0.5;
    const atHalf = await openLoop(phaseSeconds, rate, (i) => claim(i + 1_000_000));

    // (d) add-booking: cost sharing (TypeScript handler) against the cashless cover (PL/pgSQL).
    const token = `Bearer ${await login(server.url, 'medco.a')}`;
    const book = (g: number) =>
      post(
        '/commands/add-booking',
        { commandId: randomUUID(), bookingId: randomUUID(), caseId: hex('30000000', g), itemCode: 'SVC', description: 'Bench', quantity: 1, unitPrice: 100 },
        token,
      );
    const costShared = await closedLoop(phaseSeconds, clients, (_, i) => book(families + 1 + (i % bookingCases)));
    const cashless = await closedLoop(phaseSeconds, clients, (_, i) => book(families + bookingCases + 1 + (i % bookingCases)));
    await agent.close();

    const importRate = lines / importSeconds;
    const copyRate = lines / copySeconds;
    const results = {
      at: new Date().toISOString(),
      cores: cpus().length,
      import: { lines, seconds: importSeconds, linesPerSecond: Math.round(importRate) },
      rawCopy: { lines, seconds: copySeconds, linesPerSecond: Math.round(copyRate) },
      importOverRaw: Number((importRate / copyRate).toFixed(3)),
      pharmacy: {
        capacityPerSecond: Math.round(capacity.perSecond),
        capacityErrors: capacity.errors,
        halfLoadRate: Math.round(rate),
        halfLoadSent: atHalf.sent,
        halfLoadErrors: atHalf.errors,
        p50Ms: Number(percentile(atHalf.latencies, 50).toFixed(1)),
        p99Ms: Number(percentile(atHalf.latencies, 99).toFixed(1)),
      },
      addBooking: {
        costSharedPerSecond: Math.round(costShared.perSecond),
        costSharedP99Ms: Number(percentile(costShared.latencies, 99).toFixed(1)),
        cashlessPerSecond: Math.round(cashless.perSecond),
        cashlessP99Ms: Number(percentile(cashless.latencies, 99).toFixed(1)),
        errors: costShared.errors + cashless.errors,
      },
    };
    console.table({
      '(a) import, lines/s': results.import.linesPerSecond,
      '(b) raw COPY, lines/s': results.rawCopy.linesPerSecond,
      '(a)/(b) (target ≥ 0.3)': results.importOverRaw,
      '(c) pharmacy capacity, claims/s': results.pharmacy.capacityPerSecond,
      '(c) at 50 %, claims/s': results.pharmacy.halfLoadRate,
      '(c) at 50 %, p50 ms': results.pharmacy.p50Ms,
      '(c) at 50 %, p99 ms': results.pharmacy.p99Ms,
      '(d) add-booking cost-shared (TS), /s': results.addBooking.costSharedPerSecond,
      '(d) add-booking cashless (PL/pgSQL), /s': results.addBooking.cashlessPerSecond,
      '(d) cost-shared p99 ms': results.addBooking.costSharedP99Ms,
      '(d) cashless p99 ms': results.addBooking.cashlessP99Ms,
    });
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/accumulators.json', `${JSON.stringify(results, null, 2)}\n`);
    console.log('wrote bench-results/accumulators.json');
  } finally {
    rmSync(rawFile, { force: true });
    await server?.stop();
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
