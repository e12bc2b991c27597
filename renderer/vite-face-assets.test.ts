import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faceAssets, faceModelFiles, faceWasmFiles } from './vite-face-assets';

type Middleware = (request: { url?: string }, response: FakeResponse, next: () => void) => void;
interface FakeResponse {
  headers: Record<string, string>;
  body: Buffer | null;
  setHeader(name: string, value: string): void;
  end(body: Buffer): void;
}

function fakeResponse(): FakeResponse {
  return {
    headers: {},
    body: null,
    setHeader(name, value) {
      this.headers[name] = value;
    },
    end(body) {
      this.body = body;
    },
  };
}

describe('face assets plugin', () => {
  it('emits every model and WASM binary into the build, byte for byte from the packages', () => {
    const emitted: Array<{ fileName: string; source: Buffer }> = [];
    const plugin = faceAssets();
    (plugin.generateBundle as (this: unknown) => void).call({ emitFile: (file: { fileName: string; source: Buffer }) => emitted.push(file) });
    expect(emitted.map((file) => file.fileName).sort()).toEqual(
      [...faceModelFiles.map((file) => `face-models/${file}`), ...faceWasmFiles.map((file) => `face-wasm/${file}`)].sort(),
    );
    const faceres = emitted.find((file) => file.fileName === 'face-models/faceres.json')!;
    expect(faceres.source.equals(readFileSync(join(process.cwd(), 'node_modules/@vladmandic/human/models/faceres.json')))).toBe(true);
  });

  it('serves them in development with their content types and passes every other request on', () => {
    let middleware: Middleware | null = null;
    const plugin = faceAssets();
    (plugin.configureServer as (server: unknown) => void)({ middlewares: { use: (handler: Middleware) => (middleware = handler) } });
    expect(middleware).not.toBeNull();

    const wasm = fakeResponse();
    let passedOn = 0;
    middleware!({ url: '/face-wasm/tfjs-backend-wasm-simd.wasm?import' }, wasm, () => (passedOn += 1));
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(wasm.body?.subarray(0, 4).toString('hex')).toBe('0061736d'); // "\0asm": a WebAssembly module

    const model = fakeResponse();
    middleware!({ url: '/face-models/blazeface.json' }, model, () => (passedOn += 1));
    expect(model.headers['content-type']).toBe('application/json');
    expect(JSON.parse(model.body!.toString('utf8'))).toHaveProperty('modelTopology');

    const other = fakeResponse();
    middleware!({ url: '/face-models/../package.json' }, other, () => (passedOn += 1));
    middleware!({ url: '/index.html' }, other, () => (passedOn += 1));
    expect(passedOn).toBe(2);
    expect(other.body).toBeNull();
  });
});
