/**
 * `npm run demo:history -- --months 12`: fill the database (DATABASE_URL, or the embedded PGlite of
 * `npm start` in .data/server) with months of scheme history at the first seed's scale (50
 * hospitals, 10,000 patients a month) through the real commands (history.ts). Prints progress,
 * then the figures; writes bench-results/history.json. Refuses a database that already has cases.
 * Options: --months (12), --hospitals (50), --patients (10000 a month), --seed (2026),
 * --concurrency (8 on PostgreSQL), --grid-minutes (10), --quiet-days (0).
 * Exit code 0 when the money invariants hold afterwards, 1 when not, 2 on a refusal or error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { isProductionMode, loadServerKeys } from '../auth/keyring';
import { defaultDataDir, openDatabase } from '../db/open';
import { migrate } from '../db/migrate';
import { generateHistory, HistoryRefusal, moneyInvariantViolations } from './history';

function whole(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new HistoryRefusal('invalid-options', `--${name} must be a whole number, not "${text}".`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      months: { type: 'string' },
      hospitals: { type: 'string' },
      patients: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      'grid-minutes': { type: 'string' },
      'quiet-days': { type: 'string' },
    },
  });
  const keys = loadServerKeys(
    process.env,
    isProductionMode(process.env) ? {} : { demoKeyFile: join(process.env.COVERDESK_DATA_DIR ?? defaultDataDir, '..', 'server-keys.json') },
  );
  const options = {
    months: whole('months', values.months, 12),
    hospitals: whole('hospitals', values.hospitals, 50),
    patientsPerMonth: whole('patients', values.patients, 10_000),
    seed: whole('seed', values.seed, 2026),
    gridMinutes: whole('grid-minutes', values['grid-minutes'], 10),
    quietDays: whole('quiet-days', values['quiet-days'], 0),
    ...(values.concurrency ? { concurrency: whole('concurrency', values.concurrency, 8) } : {}),
  };
  const db = await openDatabase();
  try {
    console.log(
      `History: ${options.months} months, ${options.hospitals} hospitals, ${options.patientsPerMonth} patients a month, seed ${options.seed}, into ${db.kind} ${db.location}`,
    );
    await migrate(db);
    // A loader does not wait for each commit's WAL flush (on this database only, while it fills): a
    // crash loses the run either way, since a database with cases is refused and filled afresh.
    if (db.kind === 'postgres')
      await db.query(`ALTER DATABASE "${(await db.query<{ name: string }>('SELECT current_database() AS name'))[0]!.name}" SET synchronous_commit = off`);
    const summary = await generateHistory(db, {
      ...options,
      keys,
      onProgress: (p) => {
        const rate = p.elapsedMs > 0 ? Math.round((p.commands * 1000) / p.elapsedMs) : 0;
        console.log(
          `[${(p.elapsedMs / 1000).toFixed(0).padStart(5)} s] ${p.phase.padEnd(8)} ${p.simulatedAt.slice(0, 16)}  cases ${p.casesAdmitted}/${p.casesPlanned}  commands ${p.commands} (${rate}/s)${p.message ? `  ${p.message}` : ''}`,
        );
      },
    });
    // A bulk load leaves the rows its rebuilds replaced (every clock's first version, every folded
    // delta) dead in the tables and their indexes until autovacuum comes by: the reports' first
    // reads would step over them. Vacuumed and analysed now, as after any bulk load.
    if (db.kind === 'postgres') {
      console.log('Vacuuming and analysing the database…');
      const vacuum = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await vacuum.connect();
      try {
        await vacuum.query('SET statement_timeout = 0');
        await vacuum.query('VACUUM ANALYZE');
      } finally {
        await vacuum.end();
      }
    }
    const violations = await moneyInvariantViolations(db);
    console.log(
      `\nHistory from ${summary.from} to ${summary.to}: ${summary.hospitals} hospitals, ${summary.families} families, ${summary.cases} cases, ${summary.commands} commands in ${(summary.elapsedMs / 1000).toFixed(1)} s.`,
    );
    console.log(
      'Answers:',
      Object.entries(summary.answers)
        .sort()
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
    );
    console.log(`Audit entries linked: ${summary.auditEntriesLinked}. Check the chain with npm run audit:verify.`);
    if (summary.unexpected.length > 0) console.log(`Unexpected answers (${summary.unexpected.length}):\n  ${summary.unexpected.slice(0, 20).join('\n  ')}`);
    console.log(
      violations.length === 0
        ? 'Money invariants hold for every family-year.'
        : `Money invariants BROKEN:\n  ${violations.map((v) => `${v.family_id} ${v.policy_year}: ${v.problem}`).join('\n  ')}`,
    );
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      'bench-results/history.json',
      `${JSON.stringify({ at: new Date().toISOString(), database: db.kind, options, ...summary, invariantViolations: violations.length }, null, 2)}\n`,
    );
    console.log('Wrote bench-results/history.json');
    return violations.length === 0 && summary.unexpected.length === 0 ? 0 : 1;
  } finally {
    if (db.kind === 'postgres')
      await db
        .query(`ALTER DATABASE "${(await db.query<{ name: string }>('SELECT current_database() AS name'))[0]!.name}" RESET synchronous_commit`)
        .catch(() => undefined);
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof HistoryRefusal) console.error(`Refused (${error.code}): ${error.message}`);
    else console.error(error);
    process.exit(2);
  },
);
