/**
 * RD service driver: finds the registered-device fingerprint service on this machine, reads its
 * device information and asks it for a capture. Transport: raw `net` sockets to 127.0.0.1 carrying
 * HTTP/1.1, framed by `http-wire.ts`, which the simulator shares (Node's `http` client could send the
 * RD verbs; its server cannot parse them, so the simulator needs this framing anyway).
 *
 * The capture result is an opaque, encrypted PidData block. This desk cannot and does not judge a
 * fingerprint; it hands the block to a `BiometricVerifier` (in production, the server, which
 * forwards it to the authority). Nothing from the block is ever logged.
 */

import { connect } from 'node:net';
import { encodeHttpRequest, readHttpResponse, type HttpResponse } from './http-wire';
import {
  assertNever,
  buildPidOptionsXml,
  captureErrorMessage,
  captureErrorOutcome,
  defaultFingerprintPidOptions,
  describeRdServiceStatus,
  parseDeviceInfo,
  parsePidData,
  parseRdServiceDescription,
  resolveInterfaceTarget,
  type CaptureErrorOutcome,
  type PidDataBlock,
  type PidDataSummary,
  type PidOptions,
  type RdDeviceInfo,
  type RdServiceDescription,
} from './protocol';

/** Biometric captures are only ever requested from, and sent to, this machine. */
export const rdServiceHost = '127.0.0.1';

/** The port range the RD specification reserves for local services. */
export const rdServicePorts: readonly number[] = Array.from({ length: 21 }, (_, index) => 11100 + index);

/** Why a request to an RD service produced no usable answer (as opposed to a device verdict). */
export type RdRequestFailure =
  | 'service-unreachable' // nothing listening, or the connection failed
  | 'service-timed-out' // connected, but no complete answer in time
  | 'cancelled' // the caller's AbortSignal fired
  | 'malformed-response' // an answer that is not the HTTP/XML expected
  | 'http-error' // an HTTP status other than 2xx without a readable verdict
  | 'interface-unavailable' // the service did not advertise the interface needed
  | 'unsafe-interface-path'; // the advertised path is unusable or points off this machine

/**
 * Starts a deadline: runs `expire` once `timeoutMs` have passed, unless the returned function
 * cancels it first. The driver's own is the wall clock (setTimeout); a test passes one it expires
 * itself (native/testing/manual-deadlines.ts), so that no outcome depends on how fast the machine is.
 */
export type Deadline = (timeoutMs: number, expire: () => void) => () => void;

export const wallClockDeadline: Deadline = (timeoutMs, expire) => {
  const timer = setTimeout(expire, timeoutMs);
  return () => clearTimeout(timer);
};

export interface RequestOptions {
  /** Whole-exchange deadline: connect, send, and read the full answer. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** How the deadline is kept (default: the wall clock). */
  readonly deadline?: Deadline;
}

type ExchangeResult =
  { readonly ok: true; readonly response: HttpResponse } | { readonly ok: false; readonly failure: RdRequestFailure; readonly message: string };

interface ExchangeInput {
  readonly port: number;
  readonly method: 'RDSERVICE' | 'DEVICEINFO' | 'CAPTURE';
  readonly target: string;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly deadline: Deadline | undefined;
}

/** One request, one response, over a fresh loopback connection. Never throws. */
function exchange(input: ExchangeInput): Promise<ExchangeResult> {
  const where = `The fingerprint service on port ${input.port}`;
  return new Promise((resolve) => {
    if (input.signal?.aborted === true) {
      resolve({ ok: false, failure: 'cancelled', message: 'The fingerprint request was cancelled.' });
      return;
    }
    const socket = connect({ host: rdServiceHost, port: input.port });
    const chunks: Buffer[] = [];
    let isSettled = false;
    let cancelDeadline = (): void => undefined;

    const finish = (result: ExchangeResult): void => {
      if (isSettled) return;
      isSettled = true;
      cancelDeadline();
      input.signal?.removeEventListener('abort', onAbort);
      // Destroying (not ending) also covers a service that never closes its side.
      socket.destroy();
      resolve(result);
    };
    const malformed = (reason: string): void =>
      finish({ ok: false, failure: 'malformed-response', message: `${where} sent a response that could not be read: ${reason}.` });
    const tryRead = (isEnded: boolean): void => {
      const read = readHttpResponse(Buffer.concat(chunks), isEnded);
      if (read.state === 'complete') finish({ ok: true, response: read.message });
      else if (read.state === 'invalid') malformed(read.reason);
    };
    const onAbort = (): void => finish({ ok: false, failure: 'cancelled', message: 'The fingerprint request was cancelled.' });
    cancelDeadline = (input.deadline ?? wallClockDeadline)(input.timeoutMs, () =>
      finish({ ok: false, failure: 'service-timed-out', message: `${where} did not answer ${input.method} within ${formatSeconds(input.timeoutMs)}.` }),
    );
    input.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      tryRead(false);
    });
    socket.on('end', () => tryRead(true));
    socket.on('close', () => tryRead(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (chunks.length > 0) {
        malformed(`the connection failed mid-response (${error.code ?? error.message})`);
        return;
      }
      finish({
        ok: false,
        failure: 'service-unreachable',
        message:
          error.code === 'ECONNREFUSED'
            ? `${where} is not running. Start the RD service (or replug the scanner so it starts), then try again.`
            : `${where} could not be reached (${error.code ?? error.message}).`,
      });
    });
    // Written before the connection completes: net buffers it, which saves a round trip.
    socket.write(encodeHttpRequest({ method: input.method, target: input.target, host: `${rdServiceHost}:${input.port}`, body: input.body }));
  });
}

function formatSeconds(milliseconds: number): string {
  return milliseconds < 1000 ? `${milliseconds} ms` : `${Math.round(milliseconds / 100) / 10} s`;
}

/** Vendor services are UTF-8; a few Windows ones answer in UTF-16 with a byte-order mark. */
function decodeBody(body: Buffer): string {
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return body.subarray(2).toString('utf16le');
  return body.toString('utf8');
}

function isSuccessStatus(response: HttpResponse): boolean {
  return response.statusCode >= 200 && response.statusCode < 300;
}

// ---------------------------------------------------------------------------------------------
// Discovery

export interface DiscoveredRdService extends RdServiceDescription {
  readonly port: number;
  /** One sentence for the operator about this service's state. */
  readonly message: string;
}

export type DiscoveryProblemReason = 'not-an-rd-service' | 'timed-out' | 'malformed-response';

/** A port that answered but not usefully; closed ports are not problems and are not listed. */
export interface DiscoveryProblem {
  readonly port: number;
  readonly reason: DiscoveryProblemReason;
  readonly message: string;
}

export interface DiscoveryReport {
  /** Services found, by port. */
  readonly services: readonly DiscoveredRdService[];
  readonly problems: readonly DiscoveryProblem[];
}

export interface DiscoveryOptions {
  readonly ports?: readonly number[];
  /**
   * Per-port deadline. Short, because closed ports refuse at once and a real service answers
   * RDSERVICE in milliseconds; a port that holds the connection open must not stall the desk.
   */
  readonly perPortTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** How the per-port deadlines are kept (default: the wall clock). */
  readonly deadline?: Deadline;
}

type PortProbe =
  | { readonly kind: 'service'; readonly service: DiscoveredRdService }
  | { readonly kind: 'problem'; readonly problem: DiscoveryProblem }
  | { readonly kind: 'closed' };

async function probePort(port: number, timeoutMs: number, signal: AbortSignal | undefined, deadline: Deadline | undefined): Promise<PortProbe> {
  const result = await exchange({ port, method: 'RDSERVICE', target: '/', timeoutMs, signal, deadline });
  if (!result.ok) {
    switch (result.failure) {
      case 'service-timed-out':
        return {
          kind: 'problem',
          problem: {
            port,
            reason: 'timed-out',
            message: `Port ${port} accepted a connection but did not answer RDSERVICE within ${formatSeconds(timeoutMs)}.`,
          },
        };
      case 'malformed-response':
        return { kind: 'problem', problem: { port, reason: 'malformed-response', message: result.message } };
      case 'service-unreachable':
      case 'cancelled':
        return { kind: 'closed' };
      case 'http-error':
      case 'interface-unavailable':
      case 'unsafe-interface-path':
        // exchange() never produces these; listed so the switch stays exhaustive.
        return { kind: 'closed' };
      default:
        return assertNever(result.failure);
    }
  }
  if (!isSuccessStatus(result.response)) {
    return {
      kind: 'problem',
      problem: {
        port,
        reason: 'not-an-rd-service',
        message: `Port ${port} is used by another program (it answered RDSERVICE with HTTP ${result.response.statusCode}).`,
      },
    };
  }
  const description = parseRdServiceDescription(decodeBody(result.response.body));
  if (!description.ok) {
    const reason: DiscoveryProblemReason = description.error.problem === 'malformed-xml' ? 'malformed-response' : 'not-an-rd-service';
    return { kind: 'problem', problem: { port, reason, message: `Port ${port}: ${description.error.message}` } };
  }
  return { kind: 'service', service: { ...description.value, port, message: describeRdServiceStatus(description.value) } };
}

/** Asks every port in the range at once; resolves when each has answered, refused or timed out. */
export async function discoverRdServices(options: DiscoveryOptions = {}): Promise<DiscoveryReport> {
  const ports = options.ports ?? rdServicePorts;
  const timeoutMs = options.perPortTimeoutMs ?? 1_000;
  const probes = await Promise.all(ports.map((port) => probePort(port, timeoutMs, options.signal, options.deadline)));
  const services: DiscoveredRdService[] = [];
  const problems: DiscoveryProblem[] = [];
  for (const probe of probes) {
    if (probe.kind === 'service') services.push(probe.service);
    if (probe.kind === 'problem') problems.push(probe.problem);
  }
  return { services: services.sort((a, b) => a.port - b.port), problems };
}

export type ServiceChoice = { readonly ok: true; readonly service: DiscoveredRdService } | { readonly ok: false; readonly message: string };

/** The first READY service, or the clearest explanation of why there is none. */
export function chooseReadyService(report: DiscoveryReport): ServiceChoice {
  const ready = report.services.find((service) => service.status === 'READY');
  if (ready !== undefined) return { ok: true, service: ready };
  const [first] = report.services;
  if (first !== undefined) return { ok: false, message: first.message };
  return {
    ok: false,
    message:
      'No fingerprint service was found on this computer (ports 11100-11120). Check that the scanner is plugged in and its RD service is installed and running.',
  };
}

// ---------------------------------------------------------------------------------------------
// Device info and capture

/** Where to reach a service: from discovery, or from desk configuration. */
export interface RdServiceEndpoint {
  readonly port: number;
  readonly deviceInfoPath: string | undefined;
  readonly capturePath: string | undefined;
}

export type DeviceInfoResult =
  { readonly ok: true; readonly deviceInfo: RdDeviceInfo } | { readonly ok: false; readonly outcome: RdRequestFailure; readonly message: string };

export async function getDeviceInfo(service: RdServiceEndpoint, options: RequestOptions = {}): Promise<DeviceInfoResult> {
  if (service.deviceInfoPath === undefined) {
    return {
      ok: false,
      outcome: 'interface-unavailable',
      message: `The fingerprint service on port ${service.port} did not advertise a DEVICEINFO interface.`,
    };
  }
  const target = resolveInterfaceTarget(service.deviceInfoPath, service.port);
  if (!target.ok) return { ok: false, outcome: 'unsafe-interface-path', message: target.message };
  const result = await exchange({
    port: target.port,
    method: 'DEVICEINFO',
    target: target.requestTarget,
    timeoutMs: options.timeoutMs ?? 3_000,
    signal: options.signal,
    deadline: options.deadline,
  });
  if (!result.ok) return { ok: false, outcome: result.failure, message: result.message };
  if (!isSuccessStatus(result.response)) {
    return {
      ok: false,
      outcome: 'http-error',
      message: `The fingerprint service answered DEVICEINFO ${target.requestTarget} with HTTP ${result.response.statusCode}.`,
    };
  }
  const parsed = parseDeviceInfo(decodeBody(result.response.body));
  if (!parsed.ok) return { ok: false, outcome: 'malformed-response', message: parsed.error.message };
  return { ok: true, deviceInfo: parsed.value };
}

export type CaptureFailureOutcome = CaptureErrorOutcome | RdRequestFailure;

export type CaptureResult =
  | { readonly ok: true; readonly pidData: PidDataBlock; readonly summary: PidDataSummary }
  | {
      readonly ok: false;
      readonly outcome: CaptureFailureOutcome;
      /** What to show the operator. */
      readonly message: string;
      /** The device's errCode when the failure is the device's verdict. */
      readonly errorCode: number | undefined;
    };

export interface CaptureOptions extends RequestOptions {
  readonly pidOptions?: PidOptions;
}

/**
 * Extra time beyond the device's own finger timeout before the desk gives up on the service: the
 * service needs a moment after the finger timeout to build and send its "700 timed out" answer,
 * and that answer is more useful to the operator than our own timeout.
 */
const captureGraceMs = 5_000;

export async function capture(service: RdServiceEndpoint, options: CaptureOptions = {}): Promise<CaptureResult> {
  const pidOptions = options.pidOptions ?? defaultFingerprintPidOptions;
  if (service.capturePath === undefined) {
    return {
      ok: false,
      outcome: 'interface-unavailable',
      message: `The fingerprint service on port ${service.port} did not advertise a CAPTURE interface; it may not be ready.`,
      errorCode: undefined,
    };
  }
  const target = resolveInterfaceTarget(service.capturePath, service.port);
  if (!target.ok) return { ok: false, outcome: 'unsafe-interface-path', message: target.message, errorCode: undefined };
  const result = await exchange({
    port: target.port,
    method: 'CAPTURE',
    target: target.requestTarget,
    body: buildPidOptionsXml(pidOptions),
    timeoutMs: options.timeoutMs ?? pidOptions.timeoutMs + captureGraceMs,
    signal: options.signal,
    deadline: options.deadline,
  });
  if (!result.ok) return { ok: false, outcome: result.failure, message: result.message, errorCode: undefined };

  const parsed = parsePidData(decodeBody(result.response.body));
  // Some services send their verdict with a 4xx/5xx status; a readable verdict beats the status.
  if (!isSuccessStatus(result.response) && !(parsed.ok && parsed.value.kind === 'device-error')) {
    return {
      ok: false,
      outcome: 'http-error',
      message: `The fingerprint service answered CAPTURE ${target.requestTarget} with HTTP ${result.response.statusCode}.`,
      errorCode: undefined,
    };
  }
  if (!parsed.ok) {
    return {
      ok: false,
      outcome: 'malformed-response',
      message: `The fingerprint service sent a capture that could not be read. ${parsed.error.message}`,
      errorCode: undefined,
    };
  }
  if (parsed.value.kind === 'device-error') {
    const { errorCode, errorInfo } = parsed.value.response;
    const outcome = captureErrorOutcome(errorCode);
    return { ok: false, outcome, message: captureErrorMessage(outcome, errorCode, errorInfo), errorCode };
  }
  return { ok: true, pidData: parsed.value.pidData, summary: parsed.value.summary };
}

// ---------------------------------------------------------------------------------------------
// Verification

export type BiometricVerificationOutcome = 'match' | 'no-match' | 'error';

export interface BiometricVerification {
  readonly outcome: BiometricVerificationOutcome;
  /** What to show the operator. */
  readonly message: string;
}

/**
 * Judges a captured PidData block against a scheme member. The desk never matches fingerprints
 * itself: the production implementation sends the block to the server, which asks the authority.
 * Tests supply a double.
 */
export interface BiometricVerifier {
  verify(memberId: string, pidData: PidDataBlock): Promise<BiometricVerification>;
}

export type FingerprintCheck =
  | { readonly stage: 'capture'; readonly outcome: CaptureFailureOutcome; readonly message: string; readonly errorCode: number | undefined }
  | { readonly stage: 'verification'; readonly outcome: BiometricVerificationOutcome; readonly message: string; readonly summary: PidDataSummary };

export interface FingerprintCheckInput extends CaptureOptions {
  readonly service: RdServiceEndpoint;
  readonly memberId: string;
  readonly verifier: BiometricVerifier;
}

/** Captures one fingerprint and has it verified; every path ends in a named outcome, never a throw. */
export async function captureAndVerify(input: FingerprintCheckInput): Promise<FingerprintCheck> {
  const captured = await capture(input.service, input);
  if (!captured.ok) return { stage: 'capture', outcome: captured.outcome, message: captured.message, errorCode: captured.errorCode };
  if (input.signal?.aborted === true) return { stage: 'capture', outcome: 'cancelled', message: 'The fingerprint check was cancelled.', errorCode: undefined };
  try {
    const verification = await input.verifier.verify(input.memberId, captured.pidData);
    return { stage: 'verification', outcome: verification.outcome, message: verification.message, summary: captured.summary };
  } catch {
    // The thrown error is not shown: it may carry server internals. The operator needs a next step.
    return {
      stage: 'verification',
      outcome: 'error',
      message: 'The fingerprint was captured but could not be checked right now. Try again, or use another identity check.',
      summary: captured.summary,
    };
  }
}
