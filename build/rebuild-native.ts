/**
 * `npm run dist`, before electron-builder: rebuild better-sqlite3-multiple-ciphers for Electron's ABI, and check
 * that it really is. Only better-sqlite3-multiple-ciphers needs it: serialport and node-hid load the N-API
 * prebuilds their packages ship (any ABI, Node's or Electron's, accepts N-API), and rebuilding
 * node-hid from source would need libusb's headers for nothing.
 *
 * npm's `nodedir` setting (a machine that builds native modules offline from /usr/include/node has
 * `nodedir=/usr` in ~/.npmrc) would make node-gyp build against Node's headers while
 * @electron/rebuild labels the result as Electron's: the packed app would then refuse to load
 * better-sqlite3-multiple-ciphers. So the setting is dropped here, and the built file must register Electron's
 * module version, or the build stops and says why.
 *
 * Afterwards node_modules/better-sqlite3-multiple-ciphers is built for Electron: `npm rebuild better-sqlite3-multiple-ciphers` makes
 * it Node's again for `npm start` and `npm test`.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rebuild } from '@electron/rebuild';

const repository = resolve(fileURLToPath(new URL('..', import.meta.url)));
const require = createRequire(import.meta.url);
const electronVersion = (require('electron/package.json') as { version: string }).version;
const { getAbi } = require('node-abi') as { getAbi(target: string, runtime: 'electron' | 'node'): string };
const electronAbi = getAbi(electronVersion, 'electron');
const headerURL = process.env.ELECTRON_REBUILD_DIST_URL ?? 'https://www.electronjs.org/headers';
const buildDir = resolve(repository, 'node_modules/better-sqlite3-multiple-ciphers/build');
const binary = join(buildDir, 'Release/better_sqlite3.node');

/** The module version a native module registers (`node_register_module_v<abi>`), or null. */
export function registeredAbi(file: string): string | null {
  return /node_register_module_v(\d+)/.exec(readFileSync(file).toString('latin1'))?.[1] ?? null;
}

async function main(): Promise<void> {
  for (const name of Object.keys(process.env)) if (name.toLowerCase() === 'npm_config_nodedir') delete process.env[name];
  console.log(`Rebuilding better-sqlite3-multiple-ciphers for Electron ${electronVersion} (module version ${electronAbi}); headers from ${headerURL}…`);
  // node-gyp empties the build folder first: a failed rebuild must not leave no better-sqlite3-multiple-ciphers at all.
  const backup = mkdtempSync(join(tmpdir(), 'coverdesk-native-backup-'));
  if (existsSync(buildDir)) cpSync(buildDir, join(backup, 'build'), { recursive: true });
  try {
    await rebuild({
      buildPath: repository,
      electronVersion,
      arch: process.arch,
      onlyModules: ['better-sqlite3-multiple-ciphers'],
      force: true,
      headerURL,
      mode: 'sequential',
    });
  } catch (error) {
    if (existsSync(join(backup, 'build'))) {
      rmSync(buildDir, { recursive: true, force: true });
      cpSync(join(backup, 'build'), buildDir, { recursive: true });
    }
    throw new Error(
      `better-sqlite3-multiple-ciphers could not be rebuilt for Electron ${electronVersion}: ${error instanceof Error ? error.message : String(error)}\n` +
        `It needs Electron's prebuilt better-sqlite3-multiple-ciphers (github.com releases) or Electron's headers (${headerURL}/v${electronVersion}/node-v${electronVersion}-headers.tar.gz); ` +
        'on a machine without them set ELECTRON_REBUILD_DIST_URL to a mirror of the headers. node_modules keeps its earlier build.',
    );
  } finally {
    rmSync(backup, { recursive: true, force: true });
  }
  const built = registeredAbi(binary);
  if (built !== electronAbi) {
    throw new Error(
      `${binary} registers module version ${built ?? 'none'}, not Electron ${electronVersion}'s ${electronAbi}: it was built against other headers (check npm's nodedir setting). Electron would refuse to load it.`,
    );
  }
  console.log(`better-sqlite3-multiple-ciphers is built for Electron ${electronVersion} (module version ${built}).`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
