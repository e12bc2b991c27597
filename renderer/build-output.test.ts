import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repository = resolve(fileURLToPath(new URL('..', import.meta.url)));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * No test double in what users run (issue 21): the renderer is built exactly as the e2e tests and
 * `npm start` build it — from a process whose NODE_ENV is `test`, as vitest's is — and nothing of
 * the fake desk (renderer/dev/) may be in it. Before, that inherited NODE_ENV made
 * import.meta.env.DEV true and the fake backend's chunk was built and reachable with `?fake=1`.
 */
describe('the built desk holds no test double', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'coverdesk-build-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('a build started with NODE_ENV=test is a production build without the fake desk', () => {
    const build = spawnSync(
      process.execPath,
      [
        resolve(repository, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'renderer/vite.config.ts',
        '--logLevel',
        'error',
        '--outDir',
        outDir,
        '--emptyOutDir',
      ],
      {
        cwd: repository,
        env: { ...process.env, NODE_ENV: 'test' },
        encoding: 'utf8',
      },
    );
    expect(build.status, build.stderr).toBe(0);
    const files = filesUnder(outDir);
    const scripts = files.filter((file) => file.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(3);
    expect(files.map((file) => file.slice(outDir.length + 1)).filter((name) => /fake/i.test(name))).toEqual([]);
    // Strings only the fake desk has: its panel and its simulated scanner.
    const withFake = scripts.filter((file) => {
      const text = readFileSync(file, 'utf8');
      return text.includes('Fake backend controls') || text.includes('Simulated health-card scanner (dev panel)');
    });
    expect(withFake).toEqual([]);
    // And it is a production build: React's development build says so in its warnings.
    expect(scripts.some((file) => readFileSync(file, 'utf8').includes('react-dom.development'))).toBe(false);
    // The console dashboard's charts (Recharts) are a chunk of their own that no page loads up front:
    // neither the desk nor the console names it among its entry script and module preloads.
    const charts = files.filter((file) => /\/charts-[^/]*\.js$/.test(file));
    expect(charts).toHaveLength(1);
    expect(readFileSync(charts[0]!, 'utf8')).toContain('recharts');
    for (const page of ['index.html', 'console.html']) expect(readFileSync(join(outDir, page), 'utf8'), page).not.toMatch(/charts-/);
  }, 300_000);
});
