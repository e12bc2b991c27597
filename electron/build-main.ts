/**
 * Bundle the Electron main process, preload and the desk backend's utility process into
 * dist/electron (CommonJS, as Electron loads them). Native modules stay external: electron-builder
 * rebuilds them for Electron's ABI.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const repository = resolve(fileURLToPath(new URL('..', import.meta.url)));
const common = {
  bundle: true,
  platform: 'node' as const,
  format: 'cjs' as const,
  target: 'node20',
  sourcemap: true,
  external: ['electron', 'better-sqlite3-multiple-ciphers', 'serialport', '@serialport/*', 'node-hid'],
  alias: {
    '@domain': resolve(repository, 'sync-server/domain'),
    '@contract': resolve(repository, 'sync-server/contract'),
    '@desk-api': resolve(repository, 'electron/desk-api'),
  },
  logLevel: 'warning' as const,
  // import.meta.url in the sources (e.g. resolving better-sqlite3-multiple-ciphers for the checkpoint worker) is the bundle's own file URL.
  define: { 'import.meta.url': '__bundleFileUrl' },
  banner: { js: 'const __bundleFileUrl = require("node:url").pathToFileURL(__filename).href;' },
};

await Promise.all([
  build({ ...common, entryPoints: [resolve(repository, 'electron/main/main.ts')], outfile: resolve(repository, 'dist/electron/main.cjs') }),
  build({ ...common, entryPoints: [resolve(repository, 'electron/preload/preload.ts')], outfile: resolve(repository, 'dist/electron/preload.cjs') }),
  build({
    ...common,
    entryPoints: [resolve(repository, 'electron/utility/desk-backend-host.ts')],
    outfile: resolve(repository, 'dist/electron/desk-backend-host.cjs'),
  }),
]);
console.log('Built dist/electron/{main,preload,desk-backend-host}.cjs');
