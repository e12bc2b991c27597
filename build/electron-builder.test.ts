import { spawnSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { registeredAbi } from './rebuild-native';

const require = createRequire(import.meta.url);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The configuration is one electron-builder accepts (its own JSON schema) and every file it points
 * at exists. Installers need the Electron zip and Electron's headers, which build agents like this
 * one cannot download: the packed app folder is checked below with a stand-in for the binary.
 */
describe('electron-builder configuration', () => {
  const config = parse(readFileSync(here('./electron-builder.yml'), 'utf8')) as Record<string, unknown>;

  it("validates against electron-builder's schema", () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('targets AppImage, deb, NSIS and dmg with an app id, icons and an update feed', () => {
    expect(config.appId).toBe('org.coverdesk.desk');
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.win as { target: string[] }).target).toEqual(['nsis']);
    expect((config.mac as { target: string[] }).target).toEqual(['dmg']);
    expect((config.publish as { provider: string; url: string }[])[0]).toMatchObject({ provider: 'generic' });
    for (const platform of ['linux', 'win', 'mac'] as const) {
      const icon = (config[platform] as { icon: string }).icon;
      expect(existsSync(here(`../${icon}`)), icon).toBe(true);
    }
    expect(config.npmRebuild).toBe(false);
  });

  it('sets the Electron fuses: no run-as-node, NODE_OPTIONS or --inspect; asar only, with integrity; no file:// extras', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      enableCookieEncryption: true,
    });
  });

  it('rebuilds better-sqlite3-multiple-ciphers for Electron before packing, and can tell which ABI a build registers', () => {
    const scripts = (JSON.parse(readFileSync(here('../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.dist).toMatch(/tsx build\/rebuild-native\.ts && electron-builder /);
    // node_modules holds Node's build here (npm install): it registers Node's module version.
    expect(registeredAbi(require.resolve('better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node'))).toBe(process.versions.modules);
  });

  it('npm run dist builds for the OS it runs on (a Linux machine cannot build the Windows and macOS installers)', () => {
    const scripts = (JSON.parse(readFileSync(here('../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.dist).toContain('electron-builder --config build/electron-builder.yml');
    expect(scripts.dist).not.toMatch(/--(linux|win|mac)\b/);
  });
});

/**
 * electron-builder --dir, exactly as `npm run dist` packs the app, but with `electronDist` pointing
 * at a folder that stands in for the Electron binary (a script saying so: the real zip comes from
 * github.com, unreachable here) and npmRebuild off (Electron's headers come from electronjs.org,
 * unreachable too; and a rebuild would replace the Node build of better-sqlite3-multiple-ciphers in the shared
 * node_modules). What is checked is everything electron-builder itself produces: the asar, what is
 * unpacked beside it, and that the bundles find every module they require in the packed app.
 */
describe('the packed app folder (electron-builder --dir, no network)', () => {
  const repository = here('..');
  const work = mkdtempSync(join(tmpdir(), 'coverdesk-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { cwd: repository, encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    return `${result.stdout}${result.stderr}`;
  };

  it('holds the bundles, the screens and only the native modules with what they load, which load from it', async () => {
    if (!existsSync(join(repository, 'renderer/dist/index.html')) || !existsSync(join(repository, 'renderer/dist/console.html'))) {
      run(process.execPath, [join(repository, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);
    }
    run(process.execPath, ['--import', 'tsx', 'electron/build-main.ts']);
    const standIn = join(work, 'electron-stand-in');
    mkdirSync(join(standIn, 'resources'), { recursive: true });
    // The stand-in carries a fuse wire as Electron's binary does (@electron/fuses' sentinel, wire
    // version 1, 8 fuses in Electron's default states), so electron-builder flips it as it would
    // flip the real one.
    const fuseSentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
    writeFileSync(
      join(standIn, 'electron'),
      Buffer.concat([
        Buffer.from('#!/bin/sh\necho "stand-in for the Electron binary (not downloadable on this machine)" >&2\nexit 1\n# '),
        Buffer.from(fuseSentinel),
        Buffer.from([1, 8]),
        Buffer.from('10110001'),
        Buffer.from('\n'),
      ]),
    );
    chmodSync(join(standIn, 'electron'), 0o755);
    const output = join(work, 'out');
    run(process.execPath, [
      join(repository, 'node_modules/electron-builder/cli.js'),
      '--config',
      'build/electron-builder.yml',
      '--linux',
      '--dir',
      '--publish',
      'never',
      `-c.electronDist=${standIn}`,
      '-c.npmRebuild=false',
      `-c.directories.output=${output}`,
    ]);
    // The stand-in became the app's executable, renamed as the real binary would be.
    expect(readdirSync(join(output, 'linux-unpacked')).sort()).toEqual(['coverdesk', 'resources']);
    expect(readFileSync(join(output, 'linux-unpacked/coverdesk'), 'utf8')).toContain('stand-in for the Electron binary');
    // …with its fuses flipped as electronFuses says (0x30 off, 0x31 on, by FuseV1Options index).
    const { getCurrentFuseWire, FuseV1Options } = (await import('@electron/fuses')) as typeof import('@electron/fuses');
    const wire = (await getCurrentFuseWire(join(output, 'linux-unpacked/coverdesk'))) as unknown as Record<number, number>;
    const on = 0x31;
    const off = 0x30;
    expect({
      runAsNode: wire[FuseV1Options.RunAsNode],
      cookieEncryption: wire[FuseV1Options.EnableCookieEncryption],
      nodeOptions: wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      inspect: wire[FuseV1Options.EnableNodeCliInspectArguments],
      asarIntegrity: wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      onlyAsar: wire[FuseV1Options.OnlyLoadAppFromAsar],
      fileExtras: wire[FuseV1Options.GrantFileProtocolExtraPrivileges],
    }).toEqual({ runAsNode: off, cookieEncryption: on, nodeOptions: off, inspect: off, asarIntegrity: on, onlyAsar: on, fileExtras: off });

    const resources = join(output, 'linux-unpacked/resources');
    const asar = (await import('@electron/asar')) as {
      listPackage(path: string, options: { isPack: boolean }): string[];
      extractAll(path: string, dest: string): void;
      extractFile(path: string, file: string): Buffer;
    };
    const files = asar.listPackage(join(resources, 'app.asar'), { isPack: false }).map((file) => file.replaceAll('\\', '/'));
    for (const file of [
      '/dist/electron/main.cjs',
      '/dist/electron/preload.cjs',
      '/dist/electron/desk-backend-host.cjs',
      '/renderer/dist/index.html',
      '/renderer/dist/console.html',
      '/package.json',
    ])
      expect(files, file).toContain(file);
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(JSON.parse(asar.extractFile(join(resources, 'app.asar'), 'package.json').toString('utf8'))).toMatchObject({ main: 'dist/electron/main.cjs' });
    // Only the native modules and their run-time dependencies: no react, rxdb, fastify, pg, tfjs…
    expect(files.filter((file) => file.startsWith('/node_modules/@') && !file.startsWith('/node_modules/@serialport'))).toEqual([]);
    const packages = new Set(files.map((file) => /^\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1]).filter((name): name is string => name !== undefined));
    expect([...packages].filter((name) => !name.startsWith('@serialport')).sort()).toEqual([
      'better-sqlite3-multiple-ciphers',
      'bindings',
      'debug',
      'file-uri-to-path',
      'ms',
      'node-addon-api',
      'node-gyp-build',
      'node-hid',
      'pkg-prebuilds',
      'serialport',
    ]);

    // Native code lies unpacked beside the asar, where the OS can load it.
    const unpacked = join(resources, 'app.asar.unpacked/node_modules');
    expect(existsSync(join(unpacked, 'better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node'))).toBe(true);
    expect(readdirSync(join(unpacked, '@serialport/bindings-cpp/prebuilds/linux-x64'))).toContain('@serialport+bindings-cpp.glibc.node');
    expect(existsSync(join(unpacked, 'node-hid/prebuilds/HID-linux-x64/node-napi-v4.node'))).toBe(true);

    // Every module the bundles require (besides Node's own and Electron) is found in the packed
    // app and loads: extract it (with the unpacked files) and require each from the bundle's place.
    const app = join(work, 'app');
    asar.extractAll(join(resources, 'app.asar'), app);
    const required = new Set<string>();
    for (const bundle of ['main.cjs', 'preload.cjs', 'desk-backend-host.cjs']) {
      for (const match of readFileSync(join(app, 'dist/electron', bundle), 'utf8').matchAll(/(?:require|import)\("([^"]+)"\)/g)) {
        const name = match[1]!;
        if (name !== 'electron' && !name.startsWith('node:') && !builtinModules.includes(name) && !name.startsWith('.')) required.add(name);
      }
    }
    expect([...required].sort()).toEqual(['better-sqlite3-multiple-ciphers', 'node-hid', 'serialport']);
    const probe = `const r = require('node:module').createRequire(${JSON.stringify(join(app, 'dist/electron/main.cjs'))});
const Database = r('better-sqlite3-multiple-ciphers'); const db = new Database(':memory:'); const row = db.prepare('SELECT 41 + 1 AS answer').get(); db.close();
const { SerialPort } = r('serialport'); const hid = r('node-hid');
Promise.all([SerialPort.list(), Promise.resolve(hid.devices())]).then(([ports, devices]) => {
  const outside = Object.keys(require.cache).filter((file) => file.includes('node_modules') && !file.startsWith(${JSON.stringify(app)}));
  console.log(JSON.stringify({ answer: row.answer, ports: Array.isArray(ports), devices: Array.isArray(devices), outside }));
});`;
    const probed = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', cwd: work });
    expect(probed.stderr).toBe('');
    expect(JSON.parse(probed.stdout)).toEqual({ answer: 42, ports: true, devices: true, outside: [] });
  }, 600_000);
});
