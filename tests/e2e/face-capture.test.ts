import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import react from '@vitejs/plugin-react';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../electron/desk-api/content-security-policy';
import { faceAssets } from '../../renderer/vite-face-assets';
import { checkFaceDescriptor, defaultFaceLivenessThreshold, defaultFaceMatchThreshold, faceSimilarity } from '../../sync-server/domain/biometrics';
import { faceProblemMessages } from '../../renderer/src/features/identity/face/face-quality';
import { chromiumArgs, repository } from './support/desk-environment';
import { fakeCameraArgs, generateFaceFixtures, type FaceFixtureName, type FaceFixtures } from './support/face-fixtures';

/**
 * The renderer's face capture in Chromium with a fake camera fed by generated .y4m files: human on
 * the WASM backend (no GPU here), its models served from the npm package, under the desk's CSP.
 * The page is `face-harness/` (<FaceCapture> alone), built with the renderer's face assets plugin.
 * Enrol from person A; A from another picture passes 1:1, person B fails; an empty scene, two
 * faces and a face too far away are refused with their messages.
 */
const harnessRoot = resolve(repository, 'tests/e2e/face-harness');
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

const metaPolicy = contentSecurityPolicy
  .split(';')
  .map((directive) => directive.trim())
  .filter((directive) => directive !== '' && !directive.startsWith('frame-ancestors'))
  .join('; ');

interface CaptureOutcome {
  readonly captures: Array<{ readonly descriptor: number[]; readonly liveness: number }>;
  readonly refusal: string | null;
  readonly cspViolations: string[];
  readonly backend: string | null;
  /** Every URL the page requested (to prove models and WASM come from the desk itself). */
  readonly requests: string[];
}

describe('face capture with a fake camera', () => {
  let fixtures: FaceFixtures;
  let outDir: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    fixtures = generateFaceFixtures();
    outDir = mkdtempSync(join(tmpdir(), 'coverdesk-face-harness-'));
    await build({
      configFile: false,
      root: harnessRoot,
      base: './',
      logLevel: 'error',
      // The desk's policy in the page too (as the renderer's build does), for when it is opened from disk.
      plugins: [
        react(),
        faceAssets(),
        {
          name: 'csp-meta',
          transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: metaPolicy }, injectTo: 'head-prepend' }],
        },
      ],
      resolve: { alias: { '@domain': resolve(repository, 'sync-server/domain'), '@desk-api': resolve(repository, 'electron/desk-api') } },
      build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000 },
    });
    server = createServer((request, response) => {
      const path = normalize(decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/')).replace(/^(\.\.[/\\])+/, '');
      let file = join(outDir, path);
      if (path === '/' || path === '') file = join(outDir, 'index.html');
      if (!file.startsWith(outDir) || !existsSync(file) || statSync(file).isDirectory()) {
        response.writeHead(404).end();
        return;
      }
      // The desk's own policy, as the desk host sends it: WASM runs only thanks to 'wasm-unsafe-eval'.
      response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream', 'content-security-policy': contentSecurityPolicy });
      createReadStream(file).pipe(response);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  }, 180_000);

  afterAll(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    fixtures?.remove();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  /** One Chromium per video: the fake camera's file is a launch flag. */
  async function captureFrom(
    fixture: FaceFixtureName,
    target = { url: '', extraArgs: [] as string[], isCameraUnplugged: false, isModelMissing: false },
  ): Promise<CaptureOutcome> {
    const pageUrl = target.url || url;
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [...chromiumArgs, ...target.extraArgs, ...fakeCameraArgs(fixtures.files[fixture])],
    });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(60_000);
      const cspViolations: string[] = [];
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      if (target.isModelMissing) await page.route('**/face-models/faceres.bin', (route) => route.fulfill({ status: 404, body: '' }));
      await page.goto(pageUrl);
      const button = page.getByRole('button', { name: 'Capture face' });
      await expect.poll(() => button.isEnabled(), { timeout: 30_000 }).toBe(true);
      if (target.isCameraUnplugged) {
        await page.evaluate(() => {
          for (const track of (document.querySelector('video')!.srcObject as MediaStream).getTracks()) track.stop();
        });
      }
      await button.click();
      const refusalLocator = page.locator('.face-capture-refusal');
      await page.waitForFunction(() => window.faceCaptures.length > 0 || document.querySelector('.face-capture-refusal') !== null, null, { timeout: 90_000 });
      const captures = await page.evaluate(() => window.faceCaptures);
      const refusal = (await refusalLocator.count()) > 0 ? await refusalLocator.textContent() : null;
      const backend = await page.evaluate(() => window.faceBackend);
      return { captures, refusal, cspViolations, backend, requests };
    } finally {
      await browser.close();
    }
  }

  let enrolled: number[] = [];

  it('enrols person A: one valid descriptor with a liveness score above the threshold', async () => {
    const outcome = await captureFrom('personA');
    expect(outcome.refusal).toBeNull();
    expect(outcome.cspViolations).toEqual([]);
    expect(outcome.captures).toHaveLength(1);
    const capture = outcome.captures[0]!;
    expect(checkFaceDescriptor(capture.descriptor).isValid).toBe(true);
    expect(capture.liveness).toBeGreaterThanOrEqual(defaultFaceLivenessThreshold);
    // Chromium runs with --disable-gpu (and this machine has none): human must be on WASM.
    expect(outcome.backend).toBe('wasm');
    // Models and WASM binaries from the page's own origin: nothing from a CDN, nothing sent elsewhere.
    expect(outcome.requests.filter((request) => !request.startsWith(url))).toEqual([]);
    expect(outcome.requests.some((request) => /face-wasm\/tfjs-backend-wasm(-simd)?\.wasm$/.test(request))).toBe(true);
    expect(outcome.requests.some((request) => request.endsWith('face-models/faceres.json'))).toBe(true);
    console.info(`face: A liveness ${capture.liveness.toFixed(3)}`);
    enrolled = capture.descriptor;
  }, 150_000);

  it('verifies person A from another picture (other crop, scale and brightness)', async () => {
    expect(enrolled).toHaveLength(1024);
    const outcome = await captureFrom('personAAgain');
    expect(outcome.refusal).toBeNull();
    const similarity = faceSimilarity(enrolled, outcome.captures[0]!.descriptor);
    console.info(`face: A vs A' similarity ${similarity.toFixed(3)}, liveness ${outcome.captures[0]!.liveness.toFixed(3)}`);
    expect(similarity).toBeGreaterThanOrEqual(defaultFaceMatchThreshold);
  }, 150_000);

  it('does not verify person B against A', async () => {
    expect(enrolled).toHaveLength(1024);
    const outcome = await captureFrom('personB');
    expect(outcome.refusal).toBeNull();
    const similarity = faceSimilarity(enrolled, outcome.captures[0]!.descriptor);
    console.info(`face: A vs B similarity ${similarity.toFixed(3)}, liveness ${outcome.captures[0]!.liveness.toFixed(3)}`);
    expect(similarity).toBeLessThan(defaultFaceMatchThreshold);
  }, 150_000);

  it('captures from a page opened from disk (file://, as Electron loads the desk)', async () => {
    // Electron lets file:// pages read files next to them; Chromium needs this flag for the same.
    // (The engine reads file: URLs through XHR, which Electron allows where it has refused fetch();
    // Chromium with this flag accepts both, so this proves the file:// page works, not which path.)
    const outcome = await captureFrom('personAAgain', {
      url: pathToFileURL(join(outDir, 'index.html')).href,
      extraArgs: ['--allow-file-access-from-files'],
      isCameraUnplugged: false,
      isModelMissing: false,
    });
    expect(outcome.refusal).toBeNull();
    expect(outcome.cspViolations).toEqual([]);
    expect(outcome.backend).toBe('wasm');
    expect(checkFaceDescriptor(outcome.captures[0]!.descriptor).isValid).toBe(true);
  }, 150_000);

  it('refuses an empty scene: "No face in view"', async () => {
    const outcome = await captureFrom('emptyScene');
    expect(outcome.captures).toEqual([]);
    expect(outcome.refusal).toBe(faceProblemMessages['no-face']);
  }, 150_000);

  it('refuses two faces side by side with the message naming the problem', async () => {
    const outcome = await captureFrom('twoFaces');
    expect(outcome.captures).toEqual([]);
    expect(outcome.refusal).toBe('Two faces in view — only the patient should be in front of the camera');
  }, 150_000);

  it('asks a patient too far from the camera to move closer', async () => {
    const outcome = await captureFrom('personAFar');
    expect(outcome.captures).toEqual([]);
    expect(outcome.refusal).toBe(faceProblemMessages['too-small']);
  }, 150_000);

  it('asks a patient with the head tilted to face the camera', async () => {
    const outcome = await captureFrom('personATilted');
    expect(outcome.captures).toEqual([]);
    expect(outcome.refusal).toBe(faceProblemMessages['not-frontal']);
  }, 150_000);

  it('refuses a frozen picture (every frame identical) as not live', async () => {
    const outcome = await captureFrom('personAFrozen');
    expect(outcome.captures).toEqual([]);
    expect(outcome.refusal).toBe(faceProblemMessages['no-movement']);
  }, 150_000);

  it('ends a capture whose camera stopped, saying so', async () => {
    const outcome = await captureFrom('personA', { url: '', extraArgs: [], isCameraUnplugged: true, isModelMissing: false });
    expect(outcome.captures).toEqual([]);
    expect(outcome.refusal).toBe(faceProblemMessages['camera-unavailable']);
  }, 150_000);

  it('says face recognition cannot start when a model is missing, and sends the operator to another method', async () => {
    const outcome = await captureFrom('personA', { url: '', extraArgs: [], isCameraUnplugged: false, isModelMissing: true });
    expect(outcome.captures).toEqual([]);
    expect(outcome.refusal).toBe(faceProblemMessages['engine-failed']);
  }, 150_000);
});
