import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDeskHost } from '../../../electron/browser-mode/desk-host';
import { DeskBackend } from '../../../electron/desk-backend/backend';
import type { DeviceConfig } from '../../../electron/desk-backend/devices';
import { demoIds } from '../../../sync-server/src/demo/seed';
import { availableBackends } from '../../../sync-server/src/testing/databases';
import { startTestServer, type TestServer } from '../../../sync-server/src/testing/harness';
import { DevelopmentSmsSink } from '../../../sync-server/src/identity/sms';
import { FaultProxy } from '../../support/fault-proxy';

export const repository = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const outputDir = resolve(repository, 'test-output/e2e');

/** The renderer's sources: anything newer than the build means the build is stale. */
function newestRendererSource(): number {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  const rendererFiles = ['renderer/index.html', 'renderer/console.html', 'renderer/vite.config.ts']
    .map((file) => resolve(repository, file))
    .filter((file) => existsSync(file));
  return Math.max(newest(resolve(repository, 'renderer/src')), ...rendererFiles.map((file) => statSync(file).mtimeMs));
}

function rendererBuildIsFresh(): boolean {
  const built = ['renderer/dist/index.html', 'renderer/dist/console.html'].map((file) => resolve(repository, file));
  if (!built.every((file) => existsSync(file))) return false;
  return Math.min(...built.map((file) => statSync(file).mtimeMs)) >= newestRendererSource();
}

/**
 * Build the renderer once if it is missing or older than its sources. Test files run in parallel
 * workers and a build empties renderer/dist first, so one worker builds while the others wait on
 * a lock directory (created atomically) and then find the build fresh — a second build must never
 * delete the files another test's server is serving.
 */
export function ensureRendererBuilt(): void {
  if (rendererBuildIsFresh()) return;
  const lock = resolve(repository, 'renderer/.build-lock');
  const waitStarted = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run is stale after ten minutes (a build takes well under one).
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 600_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() - waitStarted > 600_000) throw new Error(`waited ten minutes for another renderer build (${lock})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (rendererBuildIsFresh()) return;
    const build = spawnSync(
      process.execPath,
      [resolve(repository, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
      { cwd: repository, stdio: 'inherit' },
    );
    if (build.status !== 0) throw new Error('vite build of the renderer failed');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface DeskUnderTest {
  readonly backend: DeskBackend;
  readonly url: string;
  /** Present for desks reached through a proxy that can cut them off. */
  readonly proxy: FaultProxy | null;
  close(): Promise<void>;
}

export interface Environment {
  readonly server: TestServer;
  /** The development SMS sink: one-time codes sent to families' phones land here. */
  readonly sms: DevelopmentSmsSink;
  /** The newest one-time code sent. */
  lastCode(): string;
  /**
   * The code of the text `send` makes the server send: waits for a message newer than the newest
   * before it (a code sent earlier, e.g. for an enrolment, is never taken for it).
   */
  codeSentBy(send: () => Promise<void>): Promise<string>;
  readonly serverUrl: string;
  readonly browser: Browser;
  readonly deskA: DeskUnderTest;
  readonly deskB: DeskUnderTest;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * A real sync server (PostgreSQL when DATABASE_URL is set, else PGlite) on a loopback port, two
 * desks in browser mode (desk backend in this process + the built renderer on its own port),
 * desk B behind a proxy that can cut it off, and headless Chromium from /usr/bin/chromium.
 */
export interface EnvironmentOptions {
  /** Devices of desk A (e.g. a fingerprint module simulator's pseudo-terminal). */
  readonly deskADevices?: DeviceConfig;
  /** Extra Chromium flags (e.g. a fake camera fed from a .y4m file). */
  readonly chromiumArgs?: readonly string[];
}

export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  ensureRendererBuilt();
  mkdirSync(outputDir, { recursive: true });
  const sms = new DevelopmentSmsSink();
  const server = await startTestServer(availableBackends[0]!, { extraFamilies: 10, sms });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const serverPort = (server.app.server.address() as { port: number }).port;
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  const dirs: string[] = [];

  const startDesk = async (deskId: string, useProxy: boolean, devices?: DeviceConfig): Promise<DeskUnderTest> => {
    const proxy = useProxy ? new FaultProxy(serverPort) : null;
    await proxy?.start();
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-e2e-desk-'));
    dirs.push(dir);
    const backend = new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 100, backoffMaxMs: 1000 }, ...(devices ? { devices } : {}) });
    const issued = await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    const enrolled = await backend.handlers['enrollment.enroll']({ serverUrl: proxy ? proxy.url : serverUrl, code: String(issued.body.code) });
    if (!enrolled.ok) throw new Error(enrolled.error.message);
    backend.start();
    await backend.engine.requestSync();
    const host = await startDeskHost(backend, { port: 0, rendererDir: resolve(repository, 'renderer/dist') });
    return {
      backend,
      url: host.url,
      proxy,
      close: async () => {
        await host.close();
        await backend.stop();
        await proxy?.stop();
      },
    };
  };

  const deskA = await startDesk(demoIds.deskA, false, options.deskADevices);
  const deskB = await startDesk(demoIds.deskB, true);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...chromiumArgs, ...(options.chromiumArgs ?? [])],
  });
  return {
    server,
    serverUrl,
    browser,
    deskA,
    deskB,
    sms,
    lastCode: () => /code is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1] ?? '',
    codeSentBy: async (send) => {
      const before = sms.recent()[0];
      await send();
      for (let waited = 0; waited < 30_000; waited += 100) {
        const newest = sms.recent()[0];
        const code = newest && newest !== before ? /code is (\d{6})/.exec(newest.text)?.[1] : undefined;
        if (code) return code;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('No new code was sent within 30 s.');
    },
    newPage: async () => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-IN', timezoneId: 'Asia/Kolkata' });
      return context.newPage();
    },
    close: async () => {
      await browser.close();
      await deskA.close();
      await deskB.close();
      await server.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Screenshot into the git-ignored test-output folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(outputDir, `${name}.png`), fullPage: true });
}
