/**
 * `npm run desk:web`: the desk backend as a plain Node process, serving the desk screens on
 * localhost for any browser (browser mode). Settings:
 *   COVERDESK_DESK_DIR     where the replica and credential live (default .data/desk)
 *   DESK_PORT              the local port (default 4800)
 *   COVERDESK_SERVER_URL + COVERDESK_ENROLL_CODE   enroll at start (otherwise the screens ask)
 *
 * `npm run desk:web -- --hospital B` is the demo's second desk: data in .data/desk-b, port 4801,
 * the demo server (COVERDESK_SERVER_URL, default http://127.0.0.1:4700), enrolled on first start
 * with a code it issues itself as the demo's `ha` operator for that hospital's desk (what HA does
 * in the payer console: Hospitals and desks → Issue an enrollment code), and the simulated reader
 * and scanner `npm start` runs for that desk (asked from the demo devices control).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DeskBackend } from '../desk-backend/backend';
import type { DeviceConfig } from '../desk-backend/devices';
import { startDeskHost } from './desk-host';
import { demoDesk } from './demo-desk';

const repository = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Build the screens when they are missing or older than their sources — not on every start: a
 * build empties renderer/dist, which another running desk (npm start's) is serving.
 */
function ensureScreensBuilt(): void {
  const newest = (path: string): number => {
    const stat = statSync(path);
    return stat.isDirectory() ? readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs) : stat.mtimeMs;
  };
  const built = ['renderer/dist/index.html', 'renderer/dist/console.html'].map((file) => resolve(repository, file));
  const sources = ['renderer/src', 'renderer/index.html', 'renderer/console.html', 'renderer/vite.config.ts', 'electron/desk-api']
    .map((file) => resolve(repository, file))
    .filter((file) => existsSync(file));
  if (built.every((file) => existsSync(file)) && Math.min(...built.map((file) => statSync(file).mtimeMs)) >= Math.max(...sources.map(newest))) return;
  console.log('Building the desk screens (they are missing or older than their sources)…');
  const build = spawnSync(
    process.execPath,
    [resolve(repository, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
    { cwd: repository, stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('building the desk screens failed');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { hospital: { type: 'string' } }, allowPositionals: false });
  ensureScreensBuilt();
  const demo = values.hospital === undefined ? null : await demoDesk(values.hospital, { repository, env: process.env });
  if (demo && !demo.ok) throw new Error(demo.message);
  const dataDir = demo?.dataDir ?? process.env.COVERDESK_DESK_DIR ?? resolve(repository, '.data/desk');
  const port = demo?.port ?? Number(process.env.DESK_PORT ?? 4800);
  const devices: DeviceConfig | undefined = demo?.devices ?? undefined;
  let isFirstSync = true;
  const backend = new DeskBackend({
    dataDir,
    ...(devices ? { devices } : {}),
    sync: {
      // A progress line while the first (possibly large) sync runs; quiet afterwards.
      onProgress: (applied) => {
        if (!isFirstSync || applied === 0) return;
        process.stdout.write(`\rDesk replica: ${applied} records received…`);
      },
    },
  });
  backend.engine.onStatus((status) => {
    if (status.state === 'online' && isFirstSync) {
      isFirstSync = false;
      process.stdout.write('\n');
    }
  });
  const status = await backend.handlers['enrollment.status']({});
  const enrollment =
    demo?.enrollment ??
    (process.env.COVERDESK_SERVER_URL && process.env.COVERDESK_ENROLL_CODE
      ? { serverUrl: process.env.COVERDESK_SERVER_URL, code: () => Promise.resolve(process.env.COVERDESK_ENROLL_CODE ?? '') }
      : null);
  if (status.ok && !status.value.isEnrolled && enrollment) {
    const enrolled = await backend.handlers['enrollment.enroll']({ serverUrl: enrollment.serverUrl, code: await enrollment.code() });
    console.log(enrolled.ok ? `Desk enrolled at ${enrolled.value.hospitalName}.` : `Desk enrollment failed: ${enrolled.error.message}`);
  }
  backend.start();
  const host = await startDeskHost(backend, { port, rendererDir: resolve(repository, 'renderer/dist') });
  console.log(`CoverDesk desk (browser mode) — data in ${dataDir}`);
  if (demo?.note) console.log(demo.note);
  console.log(`Open ${host.url} in Chromium or any browser.`);
  const stop = async () => {
    await host.close();
    await backend.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error('The desk could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
