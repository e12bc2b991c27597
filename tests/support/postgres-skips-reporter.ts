import type { Reporter, TestModule } from 'vitest/node';

/**
 * Without DATABASE_URL, `npm test` runs the money tests on PGlite (one connection) and declares the
 * PostgreSQL suites skipped: concurrency, cross-server pokes, the never-skip pull, the CLI. A green
 * run would then prove only single-connection arithmetic. This reporter says so at the end of the
 * run, with the number of tests skipped and the suites they belong to, so nobody mistakes it for
 * the full suite. Silent when PostgreSQL was there.
 */
export default class PostgresSkipsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (process.env.DATABASE_URL) return;
    const suites = new Map<string, number>();
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        if (test.result().state !== 'skipped') continue;
        const path = test.fullName.split(' > ');
        const suite = path.find((part) => /postgres/i.test(part)) ?? (/postgres/i.test(test.name) ? test.name : null);
        if (!suite) continue;
        skipped += 1;
        const key = `${module.moduleId.replace(`${process.cwd()}/`, '')}: ${suite}`;
        suites.set(key, (suites.get(key) ?? 0) + 1);
      }
    }
    if (skipped === 0) return;
    const lines = [
      '',
      '┌─ NOT THE FULL SUITE ─────────────────────────────────────────────────────────────',
      `│ DATABASE_URL is not set: ${skipped} PostgreSQL tests were skipped. These guarantees were NOT tested:`,
      ...[...suites].sort().map(([suite, count]) => `│   • ${suite} (${count})`),
      '│ Run the full suite against a PostgreSQL server (as CI does):',
      '│   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test',
      '└──────────────────────────────────────────────────────────────────────────────────',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
