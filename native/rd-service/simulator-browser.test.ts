/**
 * The simulator as the usual RD client sees it: a web page in a real browser (headless Chromium)
 * calling `fetch` with the RD verbs from another loopback origin, so every call goes through a real
 * CORS preflight. Host names are mapped to 127.0.0.1 inside Chromium (`--host-resolver-rules`) so
 * that a page can also come from the desk's configured origin and from an unrelated web site
 * without any traffic leaving this machine.
 */

import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPidOptionsXml } from './protocol';
import { RdServiceSimulator } from './simulator';

const deskHost = 'desk.ward-3.example';
const strangerHost = 'some-site.example';

let browser: Browser;
let pageServer: Server;
let pagePort: number;

beforeAll(async () => {
  pageServer = createServer((_, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>RD client</title><p>page</p>');
  });
  pagePort = await new Promise<number>((resolve, reject) => {
    pageServer.once('error', reject);
    pageServer.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = pageServer.address();
      if (address === null || typeof address === 'string') reject(new Error('page server has no port'));
      else resolve(address.port);
    });
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
      `--host-resolver-rules=MAP ${deskHost} 127.0.0.1, MAP ${strangerHost} 127.0.0.1`,
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (pageServer === undefined ? resolve() : pageServer.close(() => resolve())));
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pageAt(host: string): Promise<Page> {
  const context = await browser.newContext();
  cleanups.push(() => context.close());
  const page = await context.newPage();
  await page.goto(`http://${host}:${pagePort}/`);
  return page;
}

async function simulator(allowedOrigins: readonly string[] = []): Promise<RdServiceSimulator> {
  const started = await RdServiceSimulator.start({ allowedOrigins });
  cleanups.push(() => started.close());
  return started;
}

interface PageAnswer {
  readonly ok: boolean;
  readonly status: number;
  readonly body: string;
  /** Set when fetch itself failed, as it does when the preflight is refused. */
  readonly error: string;
}

/** `fetch` from inside the page, exactly as an RD web client calls the service. */
function fetchFromPage(page: Page, url: string, method: string, body: string | null): Promise<PageAnswer> {
  return page.evaluate(
    async ({ url, method, body }) => {
      try {
        const init: RequestInit = body === null ? { method } : { method, body, headers: { 'Content-Type': 'text/xml; charset=utf-8' } };
        const response = await fetch(url, init);
        return { ok: response.ok, status: response.status, body: await response.text(), error: '' };
      } catch (error) {
        return { ok: false, status: 0, body: '', error: String(error) };
      }
    },
    { url, method, body },
  );
}

describe('a browser page calling the RD service', () => {
  it('reaches RDSERVICE, DEVICEINFO and CAPTURE from another loopback origin, through real preflights', async () => {
    const sim = await simulator();
    const page = await pageAt('127.0.0.1');
    const base = `http://127.0.0.1:${sim.port}`;

    const service = await fetchFromPage(page, `${base}/`, 'RDSERVICE', null);
    expect(service).toMatchObject({ ok: true, error: '' });
    expect(service.body).toMatch(/<RDService status="READY"/);
    const info = await fetchFromPage(page, `${base}/rd/info`, 'DEVICEINFO', null);
    expect(info.body).toMatch(/<DeviceInfo dpId="SIMULATED.COVERDESK"/);
    const captured = await fetchFromPage(page, `${base}/rd/capture`, 'CAPTURE', buildPidOptionsXml());
    expect(captured).toMatchObject({ ok: true, error: '' });
    expect(captured.body).toMatch(/<Resp errCode="0" errInfo="Capture Success" fCount="1" fType="2" iCount="0" iType="0" pCount="0" pType="0"/);

    // The browser asked first (the RD verbs are not CORS-safelisted), then sent each verb once.
    expect(sim.requests.filter((request) => request.method === 'OPTIONS').length).toBeGreaterThan(0);
    expect(sim.requests.filter((request) => request.method !== 'OPTIONS').map((request) => request.method)).toEqual(['RDSERVICE', 'DEVICEINFO', 'CAPTURE']);
    expect(new Set(sim.requests.map((request) => request.origin))).toEqual(new Set([`http://127.0.0.1:${pagePort}`]));
  });

  it("serves the desk's configured origin and keeps an unrelated site from starting a capture", async () => {
    const deskOrigin = `http://${deskHost}:${pagePort}`;
    const strangerOrigin = `http://${strangerHost}:${pagePort}`;
    const sim = await simulator([deskOrigin]);
    // Scripted verdict for the next capture that reaches the device.
    sim.enqueueCapture({ kind: 'device-error', errorCode: 730, errorInfo: 'Capture Failed' });
    const captureUrl = `http://127.0.0.1:${sim.port}/rd/capture`;

    const stranger = await fetchFromPage(await pageAt(strangerHost), captureUrl, 'CAPTURE', buildPidOptionsXml());
    expect(stranger).toMatchObject({ ok: false, status: 0, error: expect.stringMatching(/TypeError: Failed to fetch/) });

    const desk = await fetchFromPage(await pageAt(deskHost), captureUrl, 'CAPTURE', buildPidOptionsXml());
    expect(desk).toMatchObject({ ok: true, error: '' });
    // The refused page never reached the device: the desk's capture got the scripted verdict.
    expect(desk.body).toMatch(/<Resp errCode="730" errInfo="Capture Failed"/);
    // In order: the stranger's preflight (refused, so its CAPTURE was never sent), then the desk's.
    expect(sim.requests.map((request) => `${request.method} ${request.origin ?? '-'}`)).toEqual([
      `OPTIONS ${strangerOrigin}`,
      `OPTIONS ${deskOrigin}`,
      `CAPTURE ${deskOrigin}`,
    ]);
  });
});
