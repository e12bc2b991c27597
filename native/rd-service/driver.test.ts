import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  capture,
  captureAndVerify,
  chooseReadyService,
  discoverRdServices,
  getDeviceInfo,
  rdServicePorts,
  type BiometricVerification,
  type BiometricVerifier,
  type RdServiceEndpoint,
} from './driver';
import { buildPidOptionsXml, defaultFingerprintPidOptions, type PidDataBlock } from './protocol';
import { RdServiceSimulator, type RdServiceSimulatorOptions } from './simulator';
import { ManualDeadlines, neverExpires } from '../testing/manual-deadlines';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(options: RdServiceSimulatorOptions = {}): Promise<RdServiceSimulator> {
  const started = await RdServiceSimulator.start(options);
  cleanups.push(() => started.close());
  return started;
}

/** Listens on the first free port of the list (another run or program may hold some of them). */
async function listenOnFirstFree(server: Server, ports: readonly number[]): Promise<number> {
  for (const port of ports) {
    const isListening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(true));
    });
    if (isListening) {
      cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
      return port;
    }
  }
  throw new Error('no free port in range');
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no address');
  return address.port;
}

function endpointOf(sim: RdServiceSimulator): RdServiceEndpoint {
  return { port: sim.port, ...sim.paths };
}

class RecordingVerifier implements BiometricVerifier {
  readonly calls: Array<{ memberId: string; pidData: PidDataBlock }> = [];
  constructor(private readonly answer: BiometricVerification | Error) {}
  async verify(memberId: string, pidData: PidDataBlock): Promise<BiometricVerification> {
    this.calls.push({ memberId, pidData });
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

describe('discovery', () => {
  it('finds the service among the RD ports and explains the ports that answered wrongly', async () => {
    const sim = await simulator({ port: rdServicePorts });
    const remaining = rdServicePorts.filter((port) => port !== sim.port);
    // A port taken by an ordinary web server: Node's HTTP server answers RDSERVICE with 400.
    const webPort = await listenOnFirstFree(
      createHttpServer((_, response) => response.end('hello')),
      remaining,
    );
    // A port that accepts connections and never answers.
    const silent = createServer((socket) =>
      cleanups.push(async () => {
        socket.destroy();
      }),
    );
    const silentPort = await listenOnFirstFree(
      silent,
      remaining.filter((port) => port !== webPort),
    );

    // Every port is asked at once: wait until each exchange but the silent one has settled (its
    // answer or refusal cancels its deadline), then expire what is left. The one expiry ends the
    // whole discovery, whatever the machine's speed: the probes ran in parallel.
    const deadlines = new ManualDeadlines();
    const discovery = discoverRdServices({ perPortTimeoutMs: 1_000, deadline: deadlines.deadline });
    await deadlines.untilRunning(1);
    expect(deadlines.started).toEqual(rdServicePorts.map(() => 1_000));
    deadlines.expireAll();
    const report = await discovery;

    const ours = report.services.find((service) => service.port === sim.port);
    expect(ours).toMatchObject({ status: 'READY', deviceInfoPath: '/rd/info', capturePath: '/rd/capture', message: expect.stringMatching(/is ready/) });
    expect(report.problems.find((problem) => problem.port === webPort)).toMatchObject({
      reason: 'not-an-rd-service',
      message: expect.stringMatching(/used by another program \(it answered RDSERVICE with HTTP 400\)/),
    });
    expect(report.problems.find((problem) => problem.port === silentPort)).toEqual({
      port: silentPort,
      reason: 'timed-out',
      message: `Port ${silentPort} accepted a connection but did not answer RDSERVICE within 1 s.`,
    });
    expect(sim.requests).toEqual([{ method: 'RDSERVICE', target: '/', body: '' }]);
  });

  it('says plainly when no service is running', async () => {
    const report = await discoverRdServices({ ports: [await closedPort()], perPortTimeoutMs: 2_000, deadline: neverExpires });
    expect(report).toEqual({ services: [], problems: [] });
    expect(chooseReadyService(report)).toEqual({
      ok: false,
      message: expect.stringMatching(/No fingerprint service was found on this computer \(ports 11100-11120\)/),
    });
  });

  it('reports a service whose RDSERVICE answer is malformed', async () => {
    const sim = await simulator({ rdServiceFault: 'malformed-xml' });
    const report = await discoverRdServices({ ports: [sim.port], perPortTimeoutMs: 2_000, deadline: neverExpires });
    expect(report.services).toEqual([]);
    expect(report.problems).toEqual([{ port: sim.port, reason: 'malformed-response', message: expect.stringMatching(/not well-formed XML/) }]);
  });
});

describe('NOTREADY', () => {
  it('is reported clearly by discovery and by capture', async () => {
    const sim = await simulator({ status: 'NOTREADY' });
    const report = await discoverRdServices({ ports: [sim.port], perPortTimeoutMs: 2_000, deadline: neverExpires });
    expect(report.services[0]).toMatchObject({
      status: 'NOTREADY',
      message: expect.stringMatching(/device is not ready: check that the fingerprint scanner is plugged in/),
    });
    const choice = chooseReadyService(report);
    expect(choice.ok).toBe(false);
    expect(!choice.ok && choice.message).toMatch(/not ready/);

    const result = await capture(endpointOf(sim));
    expect(result).toEqual({ ok: false, outcome: 'device-not-ready', errorCode: 720, message: expect.stringMatching(/not ready or not connected/) });

    sim.setStatus('READY');
    expect((await capture(endpointOf(sim))).ok).toBe(true);
  });
});

describe('capture', () => {
  it('sends the PidOptions to the advertised path and returns the opaque block with a summary', async () => {
    const sim = await simulator();
    sim.enqueueCapture({ kind: 'success', qualityScore: 91, minutiaeCount: 55 });
    const result = await capture(endpointOf(sim));
    if (!result.ok) throw new Error(result.message);
    expect(result.summary).toMatchObject({
      response: { errorCode: 0, fingerCount: 1, qualityScores: [91], minutiaeCounts: [55] },
      deviceInfo: { dpId: 'SIMULATED.COVERDESK', mi: 'SIM100' },
      dataType: 'X',
    });
    expect(result.pidData.startsWith('<?xml')).toBe(true);
    expect(sim.requests).toEqual([{ method: 'CAPTURE', target: '/rd/capture', body: buildPidOptionsXml(defaultFingerprintPidOptions) }]);
  });

  it('reads one quality score and minutiae count per finger, and the types asked, for a two-finger capture', async () => {
    const sim = await simulator();
    sim.enqueueCapture({ kind: 'success', qualityScore: [88, 71], minutiaeCount: [44, 39] });
    const result = await capture(endpointOf(sim), { pidOptions: { ...defaultFingerprintPidOptions, fingerCount: 2, fingerType: 0 } });
    if (!result.ok) throw new Error(result.message);
    expect(result.summary.response).toMatchObject({
      fingerCount: 2,
      fingerType: 0,
      irisCount: 0,
      irisType: 0,
      photoCount: 0,
      photoType: 0,
      qualityScores: [88, 71],
      minutiaeCounts: [44, 39],
    });
  });

  it('reads device information', async () => {
    const sim = await simulator();
    const result = await getDeviceInfo(endpointOf(sim));
    expect(result.ok && result.deviceInfo).toMatchObject({ dpId: 'SIMULATED.COVERDESK', rdsId: 'SIMULATED.LINUX.001' });
  });

  it.each([
    [700, 'capture-timed-out', /No finger was placed/],
    [710, 'device-busy', /another application/],
    [720, 'device-not-ready', /not ready or not connected/],
    [730, 'capture-failed', /could not read the fingerprint/],
    [740, 'device-needs-reinitialisation', /Unplug it, plug it back in/],
    [100, 'invalid-pid-options', /rejected the capture request/],
    [999, 'service-internal-error', /Restart the fingerprint service/],
    [811, 'device-error', /reported a problem \(error 811: Vendor specific\)/],
  ] as const)('turns errCode %i into %s', async (errorCode, outcome, message) => {
    const sim = await simulator();
    sim.enqueueCapture({ kind: 'device-error', errorCode, errorInfo: 'Vendor specific' });
    expect(await capture(endpointOf(sim))).toEqual({ ok: false, outcome, errorCode, message: expect.stringMatching(message) });
  });

  it.each(['morpho', 'host-prefixed'] as const)('honours the %s path layout found by discovery', async (layout) => {
    const sim = await simulator({ layout });
    const report = await discoverRdServices({ ports: [sim.port], perPortTimeoutMs: 2_000, deadline: neverExpires });
    const [service] = report.services;
    if (service === undefined) throw new Error('not discovered');
    expect(service).toMatchObject(sim.paths);
    expect((await getDeviceInfo(service)).ok).toBe(true);
    expect((await capture(service)).ok).toBe(true);
    expect(sim.requests.map((request) => `${request.method} ${request.target}`)).toEqual([
      'RDSERVICE /',
      `DEVICEINFO ${sim.paths.deviceInfoPath}`,
      `CAPTURE ${sim.paths.capturePath}`,
    ]);
  });

  it('does not guess paths: a wrong path gets the HTTP status explained', async () => {
    const sim = await simulator({ layout: 'morpho' });
    const result = await capture({ port: sim.port, deviceInfoPath: '/rd/info', capturePath: '/rd/capture' });
    expect(result).toMatchObject({ ok: false, outcome: 'http-error', message: expect.stringMatching(/CAPTURE \/rd\/capture with HTTP 404/) });
    expect(await capture({ port: sim.port, deviceInfoPath: undefined, capturePath: undefined })).toMatchObject({ outcome: 'interface-unavailable' });
  });

  it.each(['chunked', 'close-delimited'] as const)('reads %s answers', async (framing) => {
    const sim = await simulator({ framing });
    expect((await capture(endpointOf(sim))).ok).toBe(true);
  });

  it('reports malformed XML clearly', async () => {
    const sim = await simulator();
    sim.enqueueCapture(
      { kind: 'raw-body', body: '<PidData><Resp errCode="0" errInfo="Success"></PidData>' },
      { kind: 'raw-body', body: '<PidData><Resp errCode="0"/></PidData>' },
      { kind: 'raw-body', body: 'Internal error', statusCode: 500 },
      { kind: 'raw-body', body: '<PidData><Resp errCode="730" errInfo="Capture Failed"/></PidData>', statusCode: 500 },
    );
    expect(await capture(endpointOf(sim))).toMatchObject({
      ok: false,
      outcome: 'malformed-response',
      message: expect.stringMatching(/could not be read.*not well-formed XML: <\/PidData> closes <Resp>/),
    });
    expect(await capture(endpointOf(sim))).toMatchObject({ ok: false, outcome: 'malformed-response', message: expect.stringMatching(/no session key/) });
    expect(await capture(endpointOf(sim))).toMatchObject({ ok: false, outcome: 'http-error', message: expect.stringMatching(/HTTP 500/) });
    expect(await capture(endpointOf(sim))).toMatchObject({ ok: false, outcome: 'capture-failed', errorCode: 730 });
  });

  it('times out on a service that never answers, and waits for a slow one', async () => {
    const sim = await simulator();
    sim.enqueueCapture({ kind: 'no-answer' }, { kind: 'success', delayMs: 200 });
    const deadlines = new ManualDeadlines();
    const silent = capture(endpointOf(sim), { timeoutMs: 300, deadline: deadlines.deadline });
    // The service has the request and keeps quiet; then the deadline passes.
    await expect.poll(() => sim.requests.length).toBe(1);
    expect(deadlines.runningCount).toBe(1);
    deadlines.expireAll();
    expect(await silent).toEqual({
      ok: false,
      outcome: 'service-timed-out',
      errorCode: undefined,
      message: expect.stringMatching(/did not answer CAPTURE within 300 ms/),
    });
    // A slow answer within the deadline is read: the deadline is cancelled by the answer, never expired.
    const slow = new ManualDeadlines();
    expect((await capture(endpointOf(sim), { timeoutMs: 2_000, deadline: slow.deadline })).ok).toBe(true);
    expect(slow.started).toEqual([2_000]);
    expect(slow.runningCount).toBe(0);
  });

  it('can be cancelled with an AbortSignal', async () => {
    const sim = await simulator();
    sim.enqueueCapture({ kind: 'no-answer' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await capture(endpointOf(sim), { signal: controller.signal, deadline: neverExpires })).toMatchObject({ ok: false, outcome: 'cancelled' });
    expect(await capture(endpointOf(sim), { signal: AbortSignal.abort() })).toMatchObject({ ok: false, outcome: 'cancelled' });
  });

  it('says when the service is not running', async () => {
    const port = await closedPort();
    expect(await capture({ port, deviceInfoPath: '/rd/info', capturePath: '/rd/capture' })).toMatchObject({
      ok: false,
      outcome: 'service-unreachable',
      message: expect.stringMatching(/is not running/),
    });
  });
});

describe('capture and verify', () => {
  it('hands the captured block to the verifier and returns its verdict', async () => {
    const sim = await simulator();
    const verifier = new RecordingVerifier({ outcome: 'match', message: 'Fingerprint matches.' });
    const result = await captureAndVerify({ service: endpointOf(sim), memberId: 'PMJ-AB12CD34', verifier });
    expect(result).toMatchObject({ stage: 'verification', outcome: 'match', message: 'Fingerprint matches.' });
    expect(verifier.calls).toHaveLength(1);
    expect(verifier.calls[0]?.memberId).toBe('PMJ-AB12CD34');
    expect(verifier.calls[0]?.pidData).toMatch(/<PidData>.*<Skey ci="20291231">/s);
  });

  it('returns no-match as an answer, not an error', async () => {
    const sim = await simulator();
    const verifier = new RecordingVerifier({ outcome: 'no-match', message: 'Fingerprint does not match this member.' });
    expect(await captureAndVerify({ service: endpointOf(sim), memberId: 'PMJ-AB12CD34', verifier })).toMatchObject({
      stage: 'verification',
      outcome: 'no-match',
    });
  });

  it('turns a failing verifier into an error outcome without leaking its message', async () => {
    const sim = await simulator();
    const verifier = new RecordingVerifier(new Error('connect ECONNREFUSED 10.1.2.3:5432'));
    const result = await captureAndVerify({ service: endpointOf(sim), memberId: 'PMJ-AB12CD34', verifier });
    expect(result).toMatchObject({ stage: 'verification', outcome: 'error' });
    expect(result.message).not.toMatch(/ECONNREFUSED/);
  });

  it('does not call the verifier when the capture fails', async () => {
    const sim = await simulator();
    sim.enqueueCapture({ kind: 'device-error', errorCode: 700, errorInfo: 'Capture timed out' });
    const verifier = new RecordingVerifier({ outcome: 'match', message: 'x' });
    expect(await captureAndVerify({ service: endpointOf(sim), memberId: 'PMJ-AB12CD34', verifier })).toMatchObject({
      stage: 'capture',
      outcome: 'capture-timed-out',
      errorCode: 700,
    });
    expect(verifier.calls).toEqual([]);
  });
});
