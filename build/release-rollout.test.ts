import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AppAdapter, NsisUpdater as NsisUpdaterType } from 'electron-updater';
import { feedStatus, publishRelease, readRolloutLog, rolloutLogName, runRolloutCli, setRollout } from './release-rollout';

const require = createRequire(import.meta.url);
// electron-updater's own classes, loaded in Node: the same check an installed desk runs. Its HTTP
// goes through builder-util's Node executor (the one electron-builder's own updater tests use)
// instead of Electron's `net`, which needs the Electron binary.
const { NsisUpdater } = require('electron-updater') as typeof import('electron-updater');
const { UUID } = require('builder-util-runtime') as typeof import('builder-util-runtime');
const { NodeHttpExecutor } = require('builder-util/out/nodeHttpExecutor') as typeof import('builder-util/out/nodeHttpExecutor');

const work = mkdtempSync(join(tmpdir(), 'coverdesk-rollout-'));
const release = join(work, 'release');
const feed = join(work, 'feed');
let server: Server;
let feedUrl = '';

/** What `electron-builder --win` writes beside the installer (the generic provider's latest.yml). */
function writeRelease(dir: string, version: string): void {
  mkdirSync(dir, { recursive: true });
  const installer = `CoverDesk-Setup-${version}.exe`;
  writeFileSync(join(dir, installer), `installer ${version}`);
  writeFileSync(join(dir, `${installer}.blockmap`), `blockmap ${version}`);
  const entry = `version: ${version}\nfiles:\n  - url: ${installer}\n    sha512: c2hhNTEy\n    size: 13\npath: ${installer}\nsha512: c2hhNTEy\nreleaseDate: '2026-12-07T10:00:00.000Z'\n`;
  writeFileSync(join(dir, 'latest.yml'), entry);
  writeFileSync(join(dir, 'latest-linux.yml'), entry.replaceAll('.exe', '.AppImage'));
  writeFileSync(join(dir, `CoverDesk-Setup-${version}.AppImage`), `appimage ${version}`);
}

/**
 * One simulated installed desk: electron-updater's NsisUpdater (Windows, reads latest.yml) with
 * the desk's user-data folder holding its staging id (`.updaterId`, where electron-updater keeps
 * it), pointed at the feed; it only checks, never downloads.
 */
function deskUpdater(index: number, version = '1.0.0'): NsisUpdaterType {
  const userData = join(work, 'desks', String(index));
  mkdirSync(userData, { recursive: true });
  // A fixed id per desk, made as electron-updater makes its own (a UUID v5), so the share is the
  // same at every run of this test.
  writeFileSync(join(userData, '.updaterId'), String(UUID.v5(`desk-${index}`, UUID.OID)));
  const app: AppAdapter = {
    version,
    name: 'CoverDesk',
    isPackaged: true,
    appUpdateConfigPath: join(userData, 'app-update.yml'),
    userDataPath: userData,
    baseCachePath: join(work, 'cache'),
    whenReady: () => Promise.resolve(),
    relaunch: () => undefined,
    quit: () => undefined,
    onQuit: () => undefined,
  };
  const updater = new NsisUpdater({ provider: 'generic', url: feedUrl }, app);
  updater.autoDownload = false;
  updater.logger = null;
  Reflect.set(updater, 'httpExecutor', new NodeHttpExecutor());
  Reflect.set(updater, '_testOnlyOptions', { platform: 'win32' });
  // setFeedURL ran in the constructor with no executor: again now that it has one.
  updater.setFeedURL({ provider: 'generic', url: feedUrl });
  return updater;
}

async function takes(index: number): Promise<boolean> {
  const result = await deskUpdater(index).checkForUpdates();
  return result?.isUpdateAvailable === true;
}

const desks = 300;

async function share(): Promise<boolean[]> {
  const decisions: boolean[] = [];
  for (let index = 0; index < desks; index += 1) decisions.push(await takes(index));
  return decisions;
}

beforeAll(async () => {
  mkdirSync(feed, { recursive: true });
  writeRelease(release, '1.1.0');
  server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://feed').pathname.slice(1));
    try {
      const body = readFileSync(join(feed, name));
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

describe("staged rollout, decided by electron-updater's own code against the feed", () => {
  let atTwenty: boolean[] = [];

  it('publishes at 20 %: the installers land, each latest*.yml carries stagingPercentage 20, and the log says who', () => {
    const entry = publishRelease(release, feed, 20, { by: 'IT: A. Rao', reason: 'first wave' });
    expect(entry).toMatchObject({ action: 'publish', version: '1.1.0', from: null, to: 20, by: 'IT: A. Rao', reason: 'first wave', previous: null });
    for (const name of ['latest.yml', 'latest-linux.yml'])
      expect(parse(readFileSync(join(feed, name), 'utf8'))).toMatchObject({ version: '1.1.0', stagingPercentage: 20 });
    expect(readFileSync(join(feed, 'CoverDesk-Setup-1.1.0.exe'), 'utf8')).toBe('installer 1.1.0');
    expect(readFileSync(join(feed, 'CoverDesk-Setup-1.1.0.exe.blockmap'), 'utf8')).toBe('blockmap 1.1.0');
    expect(feedStatus(feed)).toMatchObject({ version: '1.1.0', percent: 20, entries: 1 });
  });

  it('at 20 %, about a fifth of 300 desks take the release, and each desk decides the same way every time', async () => {
    atTwenty = await share();
    const taken = atTwenty.filter(Boolean).length;
    // 300 fixed ids: 20 % is 60; three standard deviations of a fair draw is ±21.
    expect(taken).toBeGreaterThan(39);
    expect(taken).toBeLessThan(81);
    // The same id, asked again by a fresh updater (as after a restart), decides the same.
    for (const index of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) expect(await takes(index)).toBe(atTwenty[index]);
  });

  it('a desk already on the release is not offered it, whatever its share', async () => {
    expect((await deskUpdater(0, '1.1.0').checkForUpdates())?.isUpdateAvailable).toBe(false);
  });

  it('raised to 100 %, every desk takes it (those of the first wave among them); the key is removed, as electron-updater reads "everyone"', async () => {
    const entry = setRollout(feed, 100, { by: 'IT: A. Rao', reason: 'no faults in a week' });
    expect(entry).toMatchObject({ action: 'set', from: 20, to: 100 });
    expect(parse(readFileSync(join(feed, 'latest.yml'), 'utf8'))).not.toHaveProperty('stagingPercentage');
    const all = await share();
    expect(all.every(Boolean)).toBe(true);
  });

  it('at 0 % no desk takes it (a paused rollout)', async () => {
    setRollout(feed, 0, { by: 'IT: A. Rao', reason: 'fault reported at HSP-B' });
    const none = await share();
    expect(none.some(Boolean)).toBe(false);
  });

  it('every change is in the log, chained; an edited line is found and stops the next change', () => {
    const entries = readRolloutLog(feed);
    expect(entries.map((entry) => [entry.action, entry.from, entry.to])).toEqual([
      ['publish', null, 20],
      ['set', 20, 100],
      ['set', 100, 0],
    ]);
    const log = join(feed, rolloutLogName);
    const text = readFileSync(log, 'utf8');
    writeFileSync(log, text.replace('"reason":"first wave"', '"reason":"everyone"'));
    expect(() => setRollout(feed, 50, { by: 'someone' })).toThrow(/line 2 does not follow/);
    expect(parse(readFileSync(join(feed, 'latest.yml'), 'utf8'))).toMatchObject({ stagingPercentage: 0 });
    writeFileSync(log, text);
  });

  it('refuses a share outside 0–100, a change without a name, and release files of two versions', () => {
    expect(() => setRollout(feed, 101, { by: 'IT' })).toThrow(/0 to 100/);
    expect(() => setRollout(feed, 12.5, { by: 'IT' })).toThrow(/whole percentage/);
    expect(() => runRolloutCli(['set', '--feed', feed, '--percent', '30'])).toThrow(/--by NAME/);
    const mixed = join(work, 'mixed');
    writeRelease(mixed, '1.2.0');
    writeFileSync(join(mixed, 'latest-linux.yml'), readFileSync(join(mixed, 'latest-linux.yml'), 'utf8').replace('1.2.0', '1.1.9'));
    expect(() => publishRelease(mixed, feed, 10, { by: 'IT' })).toThrow(/different versions/);
    expect(feedStatus(feed)).toMatchObject({ version: '1.1.0', percent: 0, entries: 3 });
  });
});
