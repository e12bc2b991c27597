/**
 * `npm run bench:reports` — every dashboard report query on a year of history (issue 15, "Data and
 * speed"), each against the same figure computed by a plain SQL query written for that one number
 * on the same database, reported as a ratio of medians (and of 99th percentiles). Not a test: it
 * prints a table and writes bench-results/reports.json. No time is asserted; the figures of the two
 * sides are compared and a disagreement is printed (and makes the exit code 1).
 *
 * The history: a PostgreSQL database (default `coverdesk_history` next to DATABASE_URL) filled by
 * `npm run demo:history`; with `--generate` this bench fills it when it has no cases (12 months, 50
 * hospitals, 10,000 patients a month × `--scale`; that takes hours at full scale on 2 cores, see
 * bench-results/history.json). `--scale 10` uses `coverdesk_history_x10`.
 * Options: --database NAME, --scale N, --generate, --months, --hospitals, --patients, --runs (30).
 *
 * Report queries benched: the KPI dashboard (src/kpis/dashboard.ts: every measure for the period,
 * by month; compared on charges, claims verified and denied), scheme and one hospital; the
 * turnaround report (scheme and one hospital, from the kept facts by day and duration of migration
 * 057, and for reference 049's read of every clock of the period, the definition); the KPI
 * drill-down (the claims denied in the period, first page); the patient receivables; the payment
 * reconciliation; the bank reconciliation. Then "the whole dashboard" as the console's page asks for
 * it (filter choices, KPIs and turnaround at once), and the time to show the dashboard in Chromium
 * (tests/bench/dashboard-in-chromium.ts: a real server process on the same database; skip it with
 * --chromium-runs 0).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { OperatorId } from '../../sync-server/domain/ids';
import type { Principal } from '../../sync-server/src/auth/tokens';
import { isProductionMode, loadServerKeys } from '../../sync-server/src/auth/keyring';
import type { Database } from '../../sync-server/src/db/database';
import { defaultDataDir } from '../../sync-server/src/db/open';
import { migrate } from '../../sync-server/src/db/migrate';
import { openPostgres } from '../../sync-server/src/db/postgres';
import { generateHistory } from '../../sync-server/src/demo/history';
import { kpiDashboard } from '../../sync-server/src/kpis/dashboard';
import { paymentReconciliation } from '../../sync-server/src/queries/reads';
import { turnaroundReport, turnaroundReportFromClocks } from '../../sync-server/src/queries/turnaround';
import { bankReconciliation } from '../../sync-server/src/queries/bank-reconciliation';
import { kpiFilterChoices } from '../../sync-server/src/kpis/choices';
import { kpiDrillDown } from '../../sync-server/src/kpis/drill-down';
import { timeDashboardInChromium } from './dashboard-in-chromium';
import { replicateFacts } from './replicate-facts';
import { patientReceivables } from '../../sync-server/src/settlement/reads';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';

interface Figure {
  readonly name: string;
  /** The dashboard's own query (the function its route calls), reduced to the figure compared. */
  readonly dashboard: () => Promise<unknown>;
  /** One plain SQL statement for that figure alone. */
  readonly plain: () => Promise<unknown>;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

async function timed(run: () => Promise<unknown>, runs: number): Promise<{ p50: number; p99: number; value: unknown }> {
  let value: unknown = null;
  value = await run(); // one warm-up
  const samples: number[] = [];
  for (let n = 0; n < runs; n += 1) {
    const started = performance.now();
    value = await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), value };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      database: { type: 'string' },
      scale: { type: 'string', default: '1' },
      generate: { type: 'boolean', default: false },
      months: { type: 'string', default: '12' },
      hospitals: { type: 'string', default: '50' },
      patients: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '30' },
      'chromium-runs': { type: 'string', default: '5' },
      'facts-x': { type: 'string', default: '1' },
    },
  });
  const scale = Number(values.scale);
  const runs = Number(values.runs);
  if (!(Number.isInteger(scale) && scale >= 1 && Number.isInteger(runs) && runs >= 1))
    throw new Error('usage: npm run bench:reports -- [--database NAME] [--scale 1|10] [--generate] [--runs 30]');
  const name = values.database ?? (scale === 1 ? 'coverdesk_history' : `coverdesk_history_x${scale}`);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`--database must be a plain database name, not "${name}"`);
  const base = process.env.DATABASE_URL!;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  if (!exists && values.generate) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  if (!exists && !values.generate) {
    console.log(
      `No database ${name}: fill one with DATABASE_URL=…/${name} npm run demo:history -- --months 12, or run this bench with --generate (12 months at the first seed's scale × ${scale}).`,
    );
    return 2;
  }
  // --facts-x N: the dashboard's tables at N × the hospitals, in a copy (replicate-facts.ts).
  const factsX = Number(values['facts-x']);
  if (!(Number.isInteger(factsX) && factsX >= 1 && factsX <= 100)) throw new Error('--facts-x must be a whole number from 1 to 100');
  const measured = factsX === 1 ? name : `${name}_facts_x${factsX}`;
  if (factsX > 1) await replicateFacts(base, name, measured, factsX, (line) => console.log(line));
  const url = new URL(base);
  url.pathname = `/${measured}`;
  // A report slower than the server's 30 s statement limit is measured, not cut off: the figure
  // says how far it is from the target.
  const db: Database = openPostgres(url.toString(), { maxConnections: 8, statementTimeoutMs: 600_000 });
  try {
    await migrate(db);
    const [counts] = await db.query<{ cases: number }>('SELECT count(*)::int AS cases FROM cases');
    if ((counts?.cases ?? 0) === 0) {
      if (!values.generate) {
        console.log(`The database ${name} has no cases: fill it with npm run demo:history, or run this bench with --generate.`);
        return 2;
      }
      const keys = loadServerKeys(
        process.env,
        isProductionMode(process.env) ? {} : { demoKeyFile: join(process.env.COVERDESK_DATA_DIR ?? defaultDataDir, '..', 'server-keys.json') },
      );
      await generateHistory(db, {
        months: Number(values.months),
        hospitals: Number(values.hospitals),
        patientsPerMonth: Number(values.patients) * scale,
        seed: 2026,
        keys,
        onProgress: (p) =>
          console.log(`[history ${(p.elapsedMs / 1000).toFixed(0)} s] ${p.phase} ${p.simulatedAt.slice(0, 10)} cases ${p.casesAdmitted}/${p.casesPlanned}`),
      });
    }
    const [size] = await db.query<{ cases: number; claims: number; audit: number; payments: number; hospitals: number; from: Date; to: Date }>(
      `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM claims)::int AS claims, (SELECT count(*) FROM audit_log)::int AS audit,
              (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM hospitals)::int AS hospitals,
              (SELECT min(admitted_at) FROM cases) AS from, (SELECT max(at) FROM audit_log) AS to`,
    );
    const from = new Date(size!.from);
    const asOf = new Date(new Date(size!.to).getTime() + 60_000);
    const [ha] = await db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'ha'");
    const [aco] = await db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'aco'");
    const [busiest] = await db.query<{ id: string; code: string }>(
      'SELECT h.id, h.code FROM hospitals h JOIN claims c ON c.hospital_id = h.id GROUP BY h.id, h.code ORDER BY count(*) DESC, h.code LIMIT 1',
    );
    const haPrincipal: Principal = { operatorId: ha!.id as OperatorId, roles: ['HA'], hospitalId: null };
    const acoPrincipal: Principal = { operatorId: aco!.id as OperatorId, roles: ['ACO'], hospitalId: null };
    const period = { from, to: asOf, asOf };

    // Claim processing (CEX) completed in the period, and its mean in minutes, straight from the
    // audit trail: the first claim-processed after each claim-submitted.
    const plainProcessing = async (hospitalId: string | null) => {
      const [row] = await db.query<{ completed: number; average_seconds: number | null }>(
        `SELECT count(*)::int AS completed, avg(extract(epoch FROM d.at - s.at))::double precision AS average_seconds
           FROM audit_log s
           JOIN claims k ON k.id::text = s.entity_id
           JOIN LATERAL (SELECT a.at FROM audit_log a WHERE a.entity_id = s.entity_id AND a.id > s.id AND a.action = 'claim-processed' ORDER BY a.id LIMIT 1) d ON true
          WHERE s.action = 'claim-submitted' AND s.entity_type = 'claim' AND d.at >= $1 AND d.at < $2 AND ($3::uuid IS NULL OR k.hospital_id = $3)`,
        [from, asOf, hospitalId],
      );
      return { completed: row?.completed ?? 0, averageMinutes: row?.average_seconds == null ? null : Math.round((row.average_seconds / 60) * 100) / 100 };
    };
    const reportProcessing = async (hospitalCode?: string, read = turnaroundReport) => {
      const report = await read(db, haPrincipal, { ...period, ...(hospitalCode ? { hospitalCode } : {}) });
      const stage = report.stages.find((s) => s.stage === 'claim-processing')!;
      return { completed: stage.completed, averageMinutes: stage.averageMinutes };
    };
    // The KPI dashboard's period: the history's first month to the month of its last stamp (India).
    const monthOf = (at: Date) => new Date(at.getTime() + 5.5 * 3_600_000).toISOString().slice(0, 7);
    const kpiPeriod = { from: monthOf(from), to: monthOf(asOf) };
    const kpiFigures = async (hospital?: string) => {
      const dashboard = await kpiDashboard(db, { roles: ['HA'], hospitalId: null }, { ...kpiPeriod, ...(hospital ? { hospital } : {}) });
      return { charges: dashboard.period.charges, adjudicated: dashboard.period.adjudication.claims, denied: dashboard.period.adjudication.deniedClaims };
    };
    // Charges (claims submitted, payer amount), claims verified and claims denied in full, in the
    // period's months as the scheme's time zone draws them, straight from the claims.
    const plainKpi = async (hospitalId: string | null) => {
      const [row] = await db.query<{ claims: number; amount: number; adjudicated: number; denied: number }>(
        `WITH bounds AS (SELECT ($1 || '-01')::timestamp AT TIME ZONE kpi_time_zone() AS start, (($2 || '-01')::date + interval '1 month')::timestamp AT TIME ZONE kpi_time_zone() AS stop)
         SELECT count(*) FILTER (WHERE c.submitted_at >= b.start AND c.submitted_at < b.stop)::int AS claims,
                COALESCE(sum(c.payer_amount) FILTER (WHERE c.submitted_at >= b.start AND c.submitted_at < b.stop), 0)::bigint AS amount,
                count(*) FILTER (WHERE c.verified_at >= b.start AND c.verified_at < b.stop)::int AS adjudicated,
                count(*) FILTER (WHERE c.verified_at >= b.start AND c.verified_at < b.stop AND COALESCE(c.approved_amount, 0) = 0)::int AS denied
           FROM claims c, bounds b WHERE $3::uuid IS NULL OR c.hospital_id = $3`,
        [kpiPeriod.from, kpiPeriod.to, hospitalId],
      );
      return { charges: { claims: row!.claims, amount: Number(row!.amount) }, adjudicated: row!.adjudicated, denied: row!.denied };
    };
    const figures: Figure[] = [
      { name: 'KPI dashboard, scheme (charges, verified, denied)', dashboard: () => kpiFigures(), plain: () => plainKpi(null) },
      { name: `KPI dashboard, hospital ${busiest!.code}`, dashboard: () => kpiFigures(busiest!.code), plain: () => plainKpi(busiest!.id) },
      { name: 'turnaround, scheme (CEX completed, mean)', dashboard: () => reportProcessing(), plain: () => plainProcessing(null) },
      { name: `turnaround, hospital ${busiest!.code}`, dashboard: () => reportProcessing(busiest!.code), plain: () => plainProcessing(busiest!.id) },
      {
        name: 'turnaround, scheme, from every clock (049)',
        dashboard: () => reportProcessing(undefined, turnaroundReportFromClocks),
        plain: () => plainProcessing(null),
      },
      {
        name: 'KPI drill-down, claims denied (total; first page of 50)',
        dashboard: async () => (await kpiDrillDown(db, { roles: ['HA'], hospitalId: null }, { ...kpiPeriod, set: 'denied' })).total,
        plain: async () => (await plainKpi(null)).denied,
      },
      {
        name: 'patient receivables (total owed)',
        dashboard: async () => (await patientReceivables(db, acoPrincipal, asOf)).totalOwed,
        plain: async () =>
          Number(
            (
              await db.query<{ owed: number }>(
                'SELECT COALESCE(sum(charged - (paid - refunded) - secondary), 0)::bigint AS owed FROM patient_accounts WHERE charged - (paid - refunded) - secondary > 0',
              )
            )[0]?.owed ?? 0,
          ),
      },
      {
        name: 'reconciliation (net paid)',
        dashboard: async () => ((await paymentReconciliation(db)) as { totals: { netPaid: number } }).totals.netPaid,
        plain: async () => Number((await db.query<{ paid: number }>('SELECT COALESCE(sum(net_paid), 0)::bigint AS paid FROM payments'))[0]?.paid ?? 0),
      },
      {
        name: 'bank reconciliation (payments listed)',
        dashboard: async () => (await bankReconciliation(db)).payments.length,
        plain: async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM payments'))[0]!.n,
      },
    ];

    const rows: Record<string, unknown>[] = [];
    let disagreements = 0;
    for (const figure of figures) {
      const dashboard = await timed(figure.dashboard, runs);
      const plain = await timed(figure.plain, runs);
      const agree = JSON.stringify(dashboard.value) === JSON.stringify(plain.value);
      if (!agree) disagreements += 1;
      rows.push({
        query: figure.name,
        'dashboard p50 ms': round(dashboard.p50),
        'dashboard p99 ms': round(dashboard.p99),
        'plain p50 ms': round(plain.p50),
        'plain p99 ms': round(plain.p99),
        'ratio p50': round(dashboard.p50 / plain.p50),
        'ratio p99': round(dashboard.p99 / plain.p99),
        figure: JSON.stringify(dashboard.value),
        agree: agree ? 'yes' : `NO (plain: ${JSON.stringify(plain.value)})`,
      });
    }
    // The whole dashboard as the console's page asks for it (renderer/src/console/kpis): the filter
    // choices, the KPIs of the period and turnaround from the period's first month to now, at once.
    const monthStart = new Date(`${kpiPeriod.from}-01T00:00:00+05:30`);
    const whole = await timed(
      () =>
        Promise.all([
          kpiFilterChoices(db, { roles: ['HA'], hospitalId: null }),
          kpiDashboard(db, { roles: ['HA'], hospitalId: null }, kpiPeriod),
          turnaroundReport(db, haPrincipal, { from: monthStart, to: asOf, asOf }),
        ]),
      Math.max(3, Math.floor(runs / 3)),
    );
    // Every report of this table at once (the old "whole dashboard").
    const everything = await timed(() => Promise.all(figures.map((f) => f.dashboard())), Math.max(2, Math.floor(runs / 3)));
    const chromiumRuns = Number(values['chromium-runs']);
    const shown = chromiumRuns > 0 ? await timeDashboardInChromium(url.toString(), chromiumRuns) : null;
    const shownWarm = shown ? [...shown.warmMs].sort((a, b) => a - b) : [];
    console.log(
      `\nReports on ${name}: ${size!.cases} cases, ${size!.claims} claims, ${size!.payments} payments, ${size!.audit} audit entries, ${size!.hospitals} hospitals (${from.toISOString().slice(0, 10)} to ${asOf.toISOString().slice(0, 10)}), ${runs} runs each, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(1)}`,
    );
    console.table(rows);
    console.log(`Whole dashboard (the page's filter choices, KPIs and turnaround at once): p50 ${round(whole.p50)} ms, p99 ${round(whole.p99)} ms.`);
    console.log(`Every report above at once: p50 ${round(everything.p50)} ms, p99 ${round(everything.p99)} ms.`);
    if (shown)
      console.log(
        `Dashboard shown in Chromium (click to every chart drawn, once the console's feed had caught up in ${round(shown.feedCaughtUpMs)} ms): first ${round(shown.coldMs)} ms, then p50 ${round(percentile(shownWarm, 0.5))} ms, max ${round(shownWarm[shownWarm.length - 1]!)} ms over ${shownWarm.length} runs.`,
      );
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      'bench-results/reports.json',
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          database: name,
          scale,
          size,
          runs,
          cpus: cpus().length,
          loadAverage: loadavg()[0],
          rows,
          wholeDashboard: { p50Ms: round(whole.p50), p99Ms: round(whole.p99) },
          everyReport: { p50Ms: round(everything.p50), p99Ms: round(everything.p99) },
          chromium: shown
            ? {
                feedCaughtUpMs: round(shown.feedCaughtUpMs),
                firstMs: round(shown.coldMs),
                p50Ms: round(percentile(shownWarm, 0.5)),
                maxMs: round(shownWarm[shownWarm.length - 1]!),
                runs: shownWarm.length,
              }
            : null,
        },
        null,
        2,
      )}\n`,
    );
    console.log('wrote bench-results/reports.json');
    return disagreements === 0 ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
