/**
 * Face capture runs `@vladmandic/human` in the renderer. Its models ship in the npm package
 * (`models/`) and the WASM backend's binaries in `@tensorflow/tfjs-backend-wasm` (`dist/`); this
 * plugin serves them from there in development and copies them into the build, so the desk never
 * fetches anything from a CDN (human's default paths point to one). The screens load them from
 * `./face-models/` and `./face-wasm/`, relative to the page like every other asset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

/** The models the capture uses: detector, mesh (head rotation), description (the descriptor), anti-spoofing and liveness. */
export const faceModelFiles = ['blazeface', 'facemesh', 'faceres', 'antispoof', 'liveness'].flatMap((name) => [`${name}.json`, `${name}.bin`]);
/**
 * The WASM binaries tfjs picks from without cross-origin isolation (plain and SIMD). The threaded
 * build needs SharedArrayBuffer, which the desk page does not have, so it is not copied.
 */
export const faceWasmFiles = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

const require = createRequire(import.meta.url);

/** The package's folder, found from its entry point (human's `exports` do not list package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`the ${name} package was not found: run npm install`);
    dir = parent;
  }
  return dir;
}

function sources(): Map<string, string> {
  const models = join(packageDir('@vladmandic/human'), 'models');
  const wasm = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const files = new Map<string, string>();
  for (const file of faceModelFiles) files.set(`face-models/${file}`, join(models, file));
  for (const file of faceWasmFiles) files.set(`face-wasm/${file}`, join(wasm, file));
  return files;
}

const contentTypes: Record<string, string> = { '.json': 'application/json', '.bin': 'application/octet-stream', '.wasm': 'application/wasm' };

export function faceAssets(): Plugin {
  const files = sources();
  return {
    name: 'coverdesk-face-assets',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '').split('?')[0]?.replace(/^\/+/, '') ?? '';
        const file = files.get(path);
        if (file === undefined) {
          next();
          return;
        }
        const extension = path.slice(path.lastIndexOf('.'));
        response.setHeader('content-type', contentTypes[extension] ?? 'application/octet-stream');
        response.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [fileName, file] of files) this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
    },
  };
}
