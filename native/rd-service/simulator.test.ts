/**
 * The simulator as a standard client sees it: Node's own `http.request` (not our driver) over a
 * real loopback socket, sending the specification's verbs and PidOptions. Each test names the
 * issue-12 defect it pins down; the browser's view (CORS from a real page) is in
 * `simulator-browser.test.ts`.
 */

import { createServer as createHttpServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RdServiceSimulator, type RdServiceSimulatorOptions } from './simulator';
import { childOf, parseXmlDocument } from './xml';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(options: RdServiceSimulatorOptions = {}): Promise<RdServiceSimulator> {
  const started = await RdServiceSimulator.start(options);
  cleanups.push(() => started.close());
  return started;
}

interface Answer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface SendOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** The body; several parts are written one by one (chunked when the headers say so). */
  readonly body?: string | readonly string[];
  /** Send `Expect: 100-continue` and hold the body until the service says 100 Continue. */
  readonly isExpectingContinue?: boolean;
}

/** One request with Node's http client, exactly as an application would write it. */
function send(port: number, method: string, path: string, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const parts = options.body === undefined ? [] : typeof options.body === 'string' ? [options.body] : options.body;
    const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8', ...options.headers };
    if (options.isExpectingContinue === true) {
      headers.Expect = '100-continue';
      // Declared up front, so that only the expectation differs from an ordinary request.
      headers['Content-Length'] = String(parts.reduce((total, part) => total + Buffer.byteLength(part), 0));
    }
    const outgoing = request({ host: '127.0.0.1', port, method, path, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ statusCode: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    const writeBody = (): void => {
      // One piece goes in end(), where Node declares its Content-Length; pieces written one by one
      // make Node chunk the body.
      if (parts.length === 1) {
        outgoing.end(parts[0]);
        return;
      }
      for (const part of parts) outgoing.write(part);
      outgoing.end();
    };
    if (options.isExpectingContinue === true) {
      // Node's client emits 'continue' when the interim 100 arrives; a service that never sends it
      // leaves the body unsent, which is the defect this option is here to catch.
      const timer = setTimeout(() => {
        outgoing.destroy();
        reject(new Error('the service never answered Expect: 100-continue'));
      }, 5_000);
      outgoing.on('continue', () => {
        clearTimeout(timer);
        writeBody();
      });
      outgoing.flushHeaders();
      return;
    }
    writeBody();
  });
}

function pidOptions(opts: string): string {
  return `<PidOptions ver="1.0"><Opts ${opts}/></PidOptions>`;
}

const oneFinger = 'fCount="1" fType="2" iCount="0" iType="0" pCount="0" pType="0" format="0" pidVer="2.0" timeout="10000" env="P" posh="UNKNOWN"';

/** The Resp attributes of a PidData answer, read with the XML reader (not the driver's PidData parser). */
function respOf(answer: Answer): ReadonlyMap<string, string> {
  expect(answer.statusCode).toBe(200);
  const resp = childOf(parseXmlDocument(answer.body), 'Resp');
  if (resp === undefined) throw new Error(`no <Resp> in ${answer.body.slice(0, 80)}`);
  return resp.attributes;
}

describe("Node's http client and the RD verbs", () => {
  it('sends RDSERVICE, DEVICEINFO and CAPTURE with http.request (Node 20), and the simulator answers each', async () => {
    const sim = await simulator();
    const service = await send(sim.port, 'RDSERVICE', '/');
    expect(service.statusCode).toBe(200);
    expect(service.body).toMatch(/<RDService status="READY"/);
    expect((await send(sim.port, 'DEVICEINFO', '/rd/info')).body).toMatch(/<DeviceInfo dpId="SIMULATED.COVERDESK"/);
    expect(respOf(await send(sim.port, 'CAPTURE', '/rd/capture', { body: pidOptions(oneFinger) })).get('errCode')).toBe('0');
    expect(sim.requests.map((recorded) => recorded.method)).toEqual(['RDSERVICE', 'DEVICEINFO', 'CAPTURE']);
  });
});

describe("Node's http server and the RD verbs", () => {
  it('still refuses them before any handler runs (llhttp: HPE_INVALID_METHOD), which is why the simulator is a raw net server', async () => {
    const handled: string[] = [];
    const parseErrors: string[] = [];
    const server = createHttpServer((incoming, outgoing) => {
      handled.push(incoming.method ?? '');
      outgoing.end('handled');
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      parseErrors.push(error.code ?? error.message);
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');

    for (const verb of ['RDSERVICE', 'DEVICEINFO', 'CAPTURE']) {
      expect((await send(address.port, verb, '/', { body: '<PidOptions/>' })).statusCode).toBe(400);
    }
    // The same server handles a method it knows: the refusal is about the verbs, not the server.
    expect((await send(address.port, 'OPTIONS', '/')).body).toBe('handled');
    expect(parseErrors).toEqual(['HPE_INVALID_METHOD', 'HPE_INVALID_METHOD', 'HPE_INVALID_METHOD']);
    expect(handled).toEqual(['OPTIONS']);
  });
});

describe('Resp, as the specification lists it', () => {
  it('carries iCount, iType, pCount and pType besides the finger attributes', async () => {
    const sim = await simulator();
    const resp = respOf(await send(sim.port, 'CAPTURE', '/rd/capture', { body: pidOptions(oneFinger) }));
    expect(Object.fromEntries(resp)).toMatchObject({ errCode: '0', fCount: '1', fType: '2', iCount: '0', iType: '0', pCount: '0', pType: '0' });
  });

  it.each(['0', '1', '2'])('answers with the fType asked (%s)', async (fingerType) => {
    const sim = await simulator();
    const asked = oneFinger.replace('fType="2"', `fType="${fingerType}"`);
    expect(respOf(await send(sim.port, 'CAPTURE', '/rd/capture', { body: pidOptions(asked) })).get('fType')).toBe(fingerType);
  });

  it('gives one nmPoints and one qScore per finger, comma-separated, for fCount="2"', async () => {
    const sim = await simulator();
    sim.enqueueCapture({ kind: 'success', qualityScore: 81, minutiaeCount: 37 }, { kind: 'success', qualityScore: [81, 64], minutiaeCount: [37, 29] });
    const twoFingers = pidOptions(oneFinger.replace('fCount="1"', 'fCount="2"'));
    const same = respOf(await send(sim.port, 'CAPTURE', '/rd/capture', { body: twoFingers }));
    expect([same.get('fCount'), same.get('nmPoints'), same.get('qScore')]).toEqual(['2', '37,37', '81,81']);
    const scripted = respOf(await send(sim.port, 'CAPTURE', '/rd/capture', { body: twoFingers }));
    expect([scripted.get('nmPoints'), scripted.get('qScore')]).toEqual(['37,29', '81,64']);
  });
});

describe("PidOptions the device refuses get the specification's errCode", () => {
  it.each([
    ['format="1"', '210', 'Protobuf format not supported'],
    ['format="7"', '190', 'Invalid value for format'],
    ['fType="9"', '110', 'Invalid value for fType'],
    ['fType="two"', '110', 'Invalid value for fType'],
    ['fCount="x"', '120', 'Invalid value for fCount'],
    ['iCount="1"', '760', 'RD Service does not support Iris'],
    ['pidVer="1.0"', '150', 'Invalid value for pidVer'],
  ])('%s → errCode %s', async (change, errorCode, errorInfo) => {
    const sim = await simulator();
    const [name] = change.split('=');
    const asked = oneFinger.replace(new RegExp(`${name ?? ''}="[^"]*"`), change);
    const resp = respOf(await send(sim.port, 'CAPTURE', '/rd/capture', { body: pidOptions(asked) }));
    expect([resp.get('errCode'), resp.get('errInfo')]).toEqual([errorCode, errorInfo]);
    // Nothing was captured: no finger counted.
    expect(resp.get('fCount')).toBe('0');
  });
});

describe('request bodies as HTTP/1.1 clients send them', () => {
  it('reads a chunked CAPTURE body (Transfer-Encoding: chunked, written in pieces)', async () => {
    const sim = await simulator();
    const body = pidOptions(oneFinger);
    const parts = [body.slice(0, 20), body.slice(20, 70), body.slice(70)];
    const answer = await send(sim.port, 'CAPTURE', '/rd/capture', { headers: { 'Transfer-Encoding': 'chunked' }, body: parts });
    expect(respOf(answer).get('errCode')).toBe('0');
    expect(sim.requests).toEqual([{ method: 'CAPTURE', target: '/rd/capture', body }]);
  });

  it('answers Expect: 100-continue with 100 Continue, then reads the body', async () => {
    const sim = await simulator();
    const answer = await send(sim.port, 'CAPTURE', '/rd/capture', { isExpectingContinue: true, body: pidOptions(oneFinger) });
    expect(respOf(answer).get('errCode')).toBe('0');
  });

  it('refuses an unknown expectation with 417, and an ambiguous body length with 400, each with a code and a sentence', async () => {
    const sim = await simulator();
    sim.enqueueCapture({ kind: 'device-error', errorCode: 730, errorInfo: 'Capture Failed' });
    const odd = await send(sim.port, 'CAPTURE', '/rd/capture', { headers: { Expect: 'something-else' }, body: pidOptions(oneFinger) });
    expect([odd.statusCode, odd.body]).toEqual([417, 'expectation-failed: "something-else" is not an expectation this service meets.']);

    // Node's client never sends both headers, so this one is written by hand.
    const raw = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: sim.port }, () => {
        socket.end('CAPTURE /rd/capture HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
      });
      socket.on('close', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw).toMatch(/invalid-request: both Transfer-Encoding and Content-Length are present\.$/);
    // Neither refused request reached the device: the scripted verdict is still next in line.
    expect(respOf(await send(sim.port, 'CAPTURE', '/rd/capture', { body: pidOptions(oneFinger) })).get('errCode')).toBe('730');
  });
});

describe('CORS, for browser pages', () => {
  const page = 'http://127.0.0.1:5173';

  it('answers a preflight for CAPTURE from a loopback page', async () => {
    const sim = await simulator();
    const answer = await send(sim.port, 'OPTIONS', '/rd/capture', {
      headers: { Origin: page, 'Access-Control-Request-Method': 'CAPTURE', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(answer.statusCode).toBe(204);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': page,
      'access-control-allow-methods': 'RDSERVICE, DEVICEINFO, CAPTURE',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
  });

  it('puts Access-Control-Allow-Origin on every answer to an allowed page, errors included', async () => {
    const sim = await simulator();
    for (const [method, path] of [
      ['RDSERVICE', '/'],
      ['DEVICEINFO', '/rd/info'],
      ['CAPTURE', '/rd/capture'],
      ['CAPTURE', '/wrong'],
    ] as const) {
      const answer = await send(sim.port, method, path, { headers: { Origin: 'http://localhost:3000' }, body: pidOptions(oneFinger) });
      expect(answer.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    }
  });

  it("allows the desk's configured origin, tells a LAN page it may reach the loopback service, and refuses other sites", async () => {
    const desk = 'http://desk.ward-3.example:8080';
    const sim = await simulator({ allowedOrigins: [desk] });
    sim.enqueueCapture({ kind: 'device-error', errorCode: 730, errorInfo: 'Capture Failed' });
    const allowed = await send(sim.port, 'OPTIONS', '/rd/capture', {
      headers: { Origin: desk, 'Access-Control-Request-Method': 'CAPTURE', 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': desk, 'access-control-allow-private-network': 'true' });

    for (const stranger of ['https://some-site.example', 'null', 'http://127.0.0.1.some-site.example']) {
      const preflight = await send(sim.port, 'OPTIONS', '/rd/capture', { headers: { Origin: stranger, 'Access-Control-Request-Method': 'CAPTURE' } });
      expect(preflight.statusCode).toBe(403);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const captureAttempt = await send(sim.port, 'CAPTURE', '/rd/capture', { headers: { Origin: stranger }, body: pidOptions(oneFinger) });
      expect(captureAttempt.statusCode).toBe(403);
      expect(captureAttempt.body).toMatch(/^origin-not-allowed: pages from .* may not use this fingerprint service\.$/);
    }
    // No refused request reached the device: the scripted verdict is still next in line.
    expect(respOf(await send(sim.port, 'CAPTURE', '/rd/capture', { headers: { Origin: desk }, body: pidOptions(oneFinger) })).get('errCode')).toBe('730');
  });

  it('refuses to start with an allowed origin that is not an origin (it is echoed in a header)', async () => {
    for (const bad of ['desk.ward-3.example', 'http://desk.example/path', 'http://desk.example\tx', 'file:///tmp/page.html']) {
      await expect(RdServiceSimulator.start({ allowedOrigins: [bad] })).rejects.toThrow(/is not an origin such as http:\/\/desk.example:8080/);
    }
  });

  it('refuses a preflight for a method the service does not answer, and says which methods it does', async () => {
    const sim = await simulator();
    const answer = await send(sim.port, 'OPTIONS', '/rd/capture', { headers: { Origin: page, 'Access-Control-Request-Method': 'capture' } });
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe('RDSERVICE, DEVICEINFO, CAPTURE, OPTIONS');
    const plain = await send(sim.port, 'DELETE', '/rd/capture');
    expect([plain.statusCode, plain.headers.allow, plain.body]).toEqual([
      405,
      'RDSERVICE, DEVICEINFO, CAPTURE, OPTIONS',
      'method-not-allowed: DELETE is not an RD service verb.',
    ]);
  });
});
