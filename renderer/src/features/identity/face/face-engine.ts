/**
 * `@vladmandic/human`, set up for 1:1 face capture at the desk. Loaded on first use (the library and
 * its tfjs are ~2 MB: only the identity step needs them), once per page.
 *
 * Models come from the npm package, served next to the page under `./face-models/`, and the WASM
 * binaries under `./face-wasm/` (see renderer/vite-face-assets.ts): nothing is fetched from a CDN and
 * no frame or descriptor leaves the page from here. The WASM backend needs the CSP's
 * 'wasm-unsafe-eval' (electron/desk-api/content-security-policy.ts) and nothing more: no 'unsafe-eval'.
 */
import type { Config, FaceResult, Human } from '@vladmandic/human';
import type { FaceObservation, FrameObservation } from './face-quality';

export type FaceBackend = 'wasm' | 'webgl';

/**
 * WebGL when the desk has a real GPU, else WASM: a software WebGL (SwiftShader, llvmpipe) is
 * slower than WASM with SIMD, and a desk without a GPU is the usual case.
 */
export function chooseFaceBackend(): FaceBackend {
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (gl === null) return 'wasm';
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(info === null ? gl.getParameter(gl.RENDERER) : gl.getParameter(info.UNMASKED_RENDERER_WEBGL));
    return /swiftshader|llvmpipe|software|basic render/i.test(renderer) ? 'wasm' : 'webgl';
  } catch {
    return 'wasm';
  }
}

/** Resolved against the page, so the same build works served by the desk host and from disk. */
function assetBase(folder: string): string {
  return new URL(`./${folder}/`, document.baseURI).href;
}

/**
 * Electron loads the desk from disk (file://), where fetch() refuses file URLs but XHR reads them
 * (Chromium's rule, kept by Electron). tfjs fetches models and, with `wasmPlatformFetch`, the WASM
 * binaries through its platform's fetch, so on file:// pages that one function reads through XHR.
 */
const isLoadedFromDisk = (): boolean => location.protocol === 'file:';

function readLocalFile(url: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('GET', url);
    request.responseType = 'arraybuffer';
    request.onload = () => {
      // A file: answer has status 0; anything else than 0 or 200 is a failure.
      if (request.status !== 0 && request.status !== 200) {
        reject(new TypeError(`could not read ${url} (${request.status})`));
        return;
      }
      const type = url.endsWith('.wasm') ? 'application/wasm' : url.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      resolve(new Response(request.response as ArrayBuffer, { status: 200, headers: { 'content-type': type } }));
    };
    request.onerror = () => reject(new TypeError(`could not read ${url}`));
    request.send();
  });
}

interface TfPlatform {
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

function readFilesThroughXhr(human: Human): void {
  const platform = (human.tf as { env(): { platform: TfPlatform } }).env().platform;
  const original = platform.fetch.bind(platform);
  platform.fetch = (path, init) => (path.startsWith('file:') ? readLocalFile(path) : original(path, init));
}

function humanConfig(backend: FaceBackend): Partial<Config> {
  // Every skip* is 0: human normally reuses results across video frames, but each frame of a
  // capture must be judged on its own (a face that left the view must not linger).
  const fresh = { skipFrames: 0, skipTime: 0 };
  return {
    backend,
    wasmPath: assetBase('face-wasm'),
    modelBasePath: assetBase('face-models'),
    wasmPlatformFetch: isLoadedFromDisk(),
    // Models stay out of the browser profile's IndexedDB: they are read from the desk's own files.
    cacheModels: false,
    cacheSensitivity: 0,
    debug: false,
    warmup: 'none',
    async: true,
    filter: { enabled: true, equalization: false, flip: false },
    face: {
      enabled: true,
      detector: { ...fresh, rotation: false, maxDetected: 4, minConfidence: 0.5, return: false },
      mesh: { enabled: true },
      attention: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: false },
      gear: { enabled: false },
      description: { ...fresh, enabled: true, minConfidence: 0.1 },
      antispoof: { ...fresh, enabled: true },
      liveness: { ...fresh, enabled: true },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
}

export interface FaceEngine {
  readonly backend: FaceBackend;
  /** Runs the models on the current frame of the video (or any image element). */
  observe(input: HTMLVideoElement | HTMLImageElement | HTMLCanvasElement): Promise<FrameObservation>;
}

function toObservation(face: FaceResult): FaceObservation {
  const angle = face.rotation?.angle;
  const [x, y, width, height] = face.box;
  return {
    box: { x, y, width, height },
    score: face.score,
    yaw: angle?.yaw ?? null,
    pitch: angle?.pitch ?? null,
    roll: angle?.roll ?? null,
    real: face.real ?? null,
    live: face.live ?? null,
    embedding: face.embedding !== undefined && face.embedding.length > 0 ? Array.from(face.embedding) : null,
  };
}

function sizeOf(input: HTMLVideoElement | HTMLImageElement | HTMLCanvasElement): { width: number; height: number } {
  if (input instanceof HTMLVideoElement) return { width: input.videoWidth, height: input.videoHeight };
  if (input instanceof HTMLImageElement) return { width: input.naturalWidth, height: input.naturalHeight };
  return { width: input.width, height: input.height };
}

/** The models behind the gates: detection, head rotation, descriptor, anti-spoofing, liveness. */
const requiredModels = ['blazeface', 'facemesh', 'faceres', 'antispoof', 'liveness'];

let engine: Promise<FaceEngine> | null = null;

async function createEngine(): Promise<FaceEngine> {
  const { Human: HumanClass } = await import('@vladmandic/human');
  const backend = chooseFaceBackend();
  const human: Human = new HumanClass(humanConfig(backend));
  if (isLoadedFromDisk()) readFilesThroughXhr(human);
  await human.load();
  // human carries on without a model it could not load (a face without a descriptor would then
  // read as "not clear" forever): every model the gates rely on must be there. Its per-file stats
  // say whether the weights arrived; `models.loaded()` only says a model object exists.
  const loaded = human.models
    .stats()
    .modelStats.filter((model) => model.loaded)
    .map((model) => model.name);
  const missing = requiredModels.filter((model) => !loaded.includes(model));
  if (missing.length > 0) throw new Error(`face engine: models not loaded: ${missing.join(', ')}`);
  return {
    backend,
    async observe(input) {
      const result = await human.detect(input);
      if (result.error !== null && result.error !== undefined && result.error !== '') throw new Error(`face engine: ${result.error}`);
      const { width, height } = sizeOf(input);
      return { frameWidth: width, frameHeight: height, faces: result.face.map(toObservation) };
    },
  };
}

/** The page's one engine, loaded on first call; a failed load is retried on the next call. */
export function loadFaceEngine(): Promise<FaceEngine> {
  if (engine === null) {
    engine = createEngine();
    engine.catch(() => {
      engine = null;
    });
  }
  return engine;
}
