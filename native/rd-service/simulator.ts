/**
 * A registered-device fingerprint service on loopback, speaking the same HTTP/1.1 + XML as vendor
 * services, so the desk and its tests run without a scanner. Raw `net.Server`: Node's HTTP server
 * answers RDSERVICE/DEVICEINFO/CAPTURE with 400 before any handler runs (llhttp rejects methods it
 * does not know).
 *
 * What a standard client sees: the three verbs; request bodies framed by Content-Length or chunked;
 * `Expect: 100-continue` answered; CORS for browser pages (preflight and answers) from loopback
 * origins and the desk's configured origins; the specification's errCode for each PidOptions
 * problem; a `Resp` with fCount/fType/iCount/iType/pCount/pType as asked and one nmPoints and
 * qScore per finger.
 *
 * Scriptable: READY/NOTREADY/USED, a queue of capture results (success, any errCode, malformed
 * XML, a service that never answers), vendor path layouts, response delays and body framings.
 * The encrypted parts of a simulated PidData are random bytes: they have the right shape, not
 * real biometric content.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { continueResponse, encodeHttpResponse, readHttpRequest, readHttpRequestHead, type EncodeResponseInput, type HttpRequest } from './http-wire';
import { parsePidOptions, type PidOptions, type PidOptionsAttribute, type RdDeviceInfo, type RdServiceStatus } from './protocol';
import { escapeAttribute } from './xml';

/**
 * Where vendors put their interfaces. `mantra`: /rd/info and /rd/capture. `morpho`:
 * /getDeviceInfo and /capture. `host-prefixed`: the odd form some services advertise, with the
 * host and port repeated inside the path (/127.0.0.1:<port>/rd/capture).
 */
export type RdVendorLayout = 'mantra' | 'morpho' | 'host-prefixed';

export interface InterfacePaths {
  readonly deviceInfoPath: string;
  readonly capturePath: string;
}

export function vendorInterfacePaths(layout: RdVendorLayout, port: number): InterfacePaths {
  switch (layout) {
    case 'mantra':
      return { deviceInfoPath: '/rd/info', capturePath: '/rd/capture' };
    case 'morpho':
      return { deviceInfoPath: '/getDeviceInfo', capturePath: '/capture' };
    case 'host-prefixed':
      return { deviceInfoPath: `/127.0.0.1:${port}/rd/info`, capturePath: `/127.0.0.1:${port}/rd/capture` };
    default: {
      const unexpected: never = layout;
      throw new Error(`unknown vendor layout ${String(unexpected)}`);
    }
  }
}

/** One scripted answer to CAPTURE. */
export type SimulatedCapture =
  | {
      readonly kind: 'success';
      /** Quality score per finger; one number is used for every finger. */
      readonly qualityScore?: number | readonly number[];
      /** Minutiae count per finger; one number is used for every finger. */
      readonly minutiaeCount?: number | readonly number[];
      readonly delayMs?: number;
    }
  | { readonly kind: 'device-error'; readonly errorCode: number; readonly errorInfo: string; readonly delayMs?: number }
  /** A 200 answer whose body is exactly this text (malformed XML, a wrong document, …). */
  | { readonly kind: 'raw-body'; readonly body: string; readonly statusCode?: number }
  /** Accept the request and never answer: the driver's own timeout must fire. */
  | { readonly kind: 'no-answer' };

/** How RDSERVICE is answered: normally, with a broken body, or not at all. */
export type RdServiceFault = 'none' | 'malformed-xml' | 'no-answer';

export interface RdServiceSimulatorOptions {
  /**
   * Port to listen on: a number (0 for any free port), or a list to take the first free one from,
   * as a real service does when 11100 is taken.
   */
  readonly port?: number | readonly number[];
  readonly status?: RdServiceStatus;
  readonly info?: string;
  readonly layout?: RdVendorLayout;
  readonly deviceInfo?: RdDeviceInfo;
  /** Body framing of every answer: vendor services use all three. */
  readonly framing?: EncodeResponseInput['framing'];
  /** Delay before answering RDSERVICE and DEVICEINFO. */
  readonly responseDelayMs?: number;
  readonly rdServiceFault?: RdServiceFault;
  /**
   * Web origins, besides loopback ones, whose pages may call this service from a browser: the
   * desk's own origin when it is served from another host name (e.g. `http://desk.ward-3.example`).
   * Exact origins, scheme://host[:port]; see `isAllowedOrigin`.
   */
  readonly allowedOrigins?: readonly string[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly target: string;
  readonly body: string;
  /** The Origin header, present when a browser page sent the request. */
  readonly origin?: string;
}

export const simulatedDeviceInfo: RdDeviceInfo = {
  dpId: 'SIMULATED.COVERDESK',
  rdsId: 'SIMULATED.LINUX.001',
  rdsVer: '1.0.0',
  dc: 'c0ffee00-0000-4000-8000-000000000001',
  mi: 'SIM100',
  mc: Buffer.from('simulated device certificate').toString('base64'),
  additionalInfo: new Map([['srno', 'SIM0001']]),
};

export class RdServiceSimulator {
  /** Every request received, in order (method, target, body, origin): what the client actually sent. */
  readonly requests: RecordedRequest[] = [];
  private status: RdServiceStatus;
  private readonly captures: SimulatedCapture[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: RdServiceSimulatorOptions,
  ) {
    this.status = options.status ?? 'READY';
  }

  static async start(options: RdServiceSimulatorOptions = {}): Promise<RdServiceSimulator> {
    for (const origin of options.allowedOrigins ?? []) {
      // Echoed in Access-Control-Allow-Origin: it must be an origin exactly as browsers send it.
      if (!isSerialisedOrigin(origin)) throw new RangeError(`allowedOrigins: "${origin}" is not an origin such as http://desk.example:8080`);
    }
    const candidates = typeof options.port === 'object' ? [...options.port] : [options.port ?? 0];
    let lastError: unknown;
    for (const candidate of candidates) {
      const server = createServer();
      try {
        const port = await listen(server, candidate);
        const simulator = new RdServiceSimulator(server, port, options);
        server.on('connection', (socket) => simulator.accept(socket));
        return simulator;
      } catch (error) {
        lastError = error;
        server.close();
      }
    }
    throw new Error(`RD service simulator could not listen on any of ${candidates.join(', ')}: ${String(lastError)}`);
  }

  /** The paths this simulator advertises in RDSERVICE. */
  get paths(): InterfacePaths {
    return vendorInterfacePaths(this.options.layout ?? 'mantra', this.port);
  }

  setStatus(status: RdServiceStatus): void {
    this.status = status;
  }

  /** Queues answers for the next CAPTURE requests; with an empty queue a READY device succeeds. */
  enqueueCapture(...captures: SimulatedCapture[]): void {
    this.captures.push(...captures);
  }

  /** Stops listening and drops every open connection, including ones left hanging on purpose. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const chunks: Buffer[] = [];
    let isHandled = false;
    let hasSentContinue = false;
    socket.on('data', (chunk: Buffer) => {
      if (isHandled) return;
      chunks.push(chunk);
      const received = Buffer.concat(chunks);
      const read = readHttpRequest(received);
      if (read.state === 'incomplete') {
        // A client that sent `Expect: 100-continue` holds its body back until told to go on
        // (Node's http.request waits for the 'continue' event; curl waits a second, then sends).
        const head = readHttpRequestHead(received);
        if (head.state === 'complete' && head.message.isExpectingContinue && !hasSentContinue && !socket.destroyed) {
          hasSentContinue = true;
          socket.write(continueResponse);
        }
        return;
      }
      isHandled = true;
      if (read.state === 'invalid') {
        this.send(socket, plainText(400, 'Bad Request', `invalid-request: ${read.reason}.`), 0);
        return;
      }
      const { method, target, headers } = read.message;
      const origin = headers.get('origin');
      this.requests.push({ method, target, body: read.message.body.toString('utf8'), ...(origin === undefined ? {} : { origin }) });
      const expectation = read.message.headers.get('expect');
      if (expectation !== undefined && expectation.toLowerCase() !== '100-continue') {
        // 100-continue is the only expectation HTTP defines (RFC 9110 section 10.1.1).
        this.send(
          socket,
          plainText(417, 'Expectation Failed', `expectation-failed: "${expectation.slice(0, 40)}" is not an expectation this service meets.`),
          0,
        );
        return;
      }
      this.route(socket, read.message);
    });
  }

  /**
   * Which browser pages may call this service. Loopback origins: a page served from this machine
   * comes from a program that could call 127.0.0.1 directly anyway, so letting its browser page do
   * so gives nothing away. Any other origin only when configured (the desk's own): otherwise any web
   * site the operator happens to open could start a fingerprint capture or read the device's
   * certificate and serial number. `null` (file pages, sandboxed frames) is refused for the same reason.
   */
  isAllowedOrigin(origin: string): boolean {
    if ((this.options.allowedOrigins ?? []).includes(origin)) return true;
    if (!isSerialisedOrigin(origin)) return false;
    const { hostname } = new URL(origin);
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  }

  private route(socket: Socket, request: HttpRequest): void {
    const origin = request.headers.get('origin');
    if (origin !== undefined && !this.isAllowedOrigin(origin)) {
      // No CORS headers: the browser keeps the answer from the page. Nothing is captured.
      this.send(socket, plainText(403, 'Forbidden', `origin-not-allowed: pages from ${origin.slice(0, 100)} may not use this fingerprint service.`), 0);
      return;
    }
    const cors: ReadonlyArray<readonly [string, string]> =
      origin === undefined
        ? []
        : [
            ['Access-Control-Allow-Origin', origin],
            ['Vary', 'Origin'],
          ];
    const answer = (response: EncodeResponseInput, delayMs: number): void => {
      this.send(socket, { ...response, headers: [...cors, ...(response.headers ?? [])] }, delayMs);
    };
    const delayMs = this.options.responseDelayMs ?? 0;
    const { deviceInfoPath, capturePath } = this.paths;
    switch (request.method) {
      case 'OPTIONS':
        answer(preflightAnswer(request), 0);
        return;
      case 'RDSERVICE': {
        const fault = this.options.rdServiceFault ?? 'none';
        if (fault === 'no-answer') return;
        const body = fault === 'malformed-xml' ? '<RDService status="READY" info="broken"><Interface id="CAPTURE"' : this.rdServiceXml();
        answer(this.xmlResponse(body), delayMs);
        return;
      }
      case 'DEVICEINFO':
        if (request.target !== deviceInfoPath) {
          answer(notFound(), delayMs);
          return;
        }
        answer(this.xmlResponse(deviceInfoXml(this.options.deviceInfo ?? simulatedDeviceInfo)), delayMs);
        return;
      case 'CAPTURE':
        if (request.target !== capturePath) {
          answer(notFound(), delayMs);
          return;
        }
        this.answerCapture(request.body.toString('utf8'), answer);
        return;
      default:
        answer(
          {
            ...plainText(405, 'Method Not Allowed', `method-not-allowed: ${request.method.slice(0, 20)} is not an RD service verb.`),
            headers: [['Allow', allowedMethods]],
          },
          0,
        );
    }
  }

  private answerCapture(body: string, answer: (response: EncodeResponseInput, delayMs: number) => void): void {
    const parsed = parsePidOptions(body);
    if (!parsed.ok) {
      const verdict = rejectionOf(parsed.error.attribute);
      answer(this.xmlResponse(pidDataErrorXml(verdict.errorCode, verdict.errorInfo)), 0);
      return;
    }
    const options = parsed.value;
    const refusal = deviceRefusal(options);
    if (refusal !== undefined) {
      answer(this.xmlResponse(pidDataErrorXml(refusal.errorCode, refusal.errorInfo, options)), 0);
      return;
    }
    // A device that is not ready says so, whatever was scripted: that is what real services do.
    if (this.status === 'NOTREADY') {
      answer(this.xmlResponse(pidDataErrorXml(720, 'Device not ready', options)), 0);
      return;
    }
    if (this.status === 'USED') {
      answer(this.xmlResponse(pidDataErrorXml(710, 'Being used by another application', options)), 0);
      return;
    }
    const next: SimulatedCapture = this.captures.shift() ?? { kind: 'success' };
    switch (next.kind) {
      case 'success':
        answer(this.xmlResponse(this.pidDataSuccessXml(options, next.qualityScore ?? 78, next.minutiaeCount ?? 42)), next.delayMs ?? 0);
        return;
      case 'device-error':
        answer(this.xmlResponse(pidDataErrorXml(next.errorCode, next.errorInfo, options)), next.delayMs ?? 0);
        return;
      case 'raw-body':
        answer({ ...this.xmlResponse(next.body), statusCode: next.statusCode ?? 200, reason: 'Scripted' }, 0);
        return;
      case 'no-answer':
        return;
      default: {
        const unexpected: never = next;
        throw new Error(`unknown scripted capture ${String(unexpected)}`);
      }
    }
  }

  private rdServiceXml(): string {
    const { deviceInfoPath, capturePath } = this.paths;
    const info = this.options.info ?? 'CoverDesk simulated RD service';
    return (
      `<?xml version="1.0"?>\n<RDService status="${this.status}" info="${escapeAttribute(info)}">` +
      `<Interface id="DEVICEINFO" path="${escapeAttribute(deviceInfoPath)}"/>` +
      `<Interface id="CAPTURE" path="${escapeAttribute(capturePath)}"/>` +
      '</RDService>'
    );
  }

  private pidDataSuccessXml(options: PidOptions, qualityScore: number | readonly number[], minutiaeCount: number | readonly number[]): string {
    const random = (length: number): string => randomBytes(length).toString('base64');
    // One value per finger, comma-separated, in capture order (the specification's form for fCount > 1).
    const perFinger = (value: number | readonly number[]): string => {
      const values = typeof value === 'number' ? [value] : value;
      return Array.from({ length: options.fingerCount }, (_, index) => values[index % values.length] ?? 0).join(',');
    };
    return (
      '<?xml version="1.0"?>\n<PidData>' +
      `<Resp errCode="0" errInfo="Capture Success" ${respCountsXml(options)} nmPoints="${perFinger(minutiaeCount)}" qScore="${perFinger(qualityScore)}"/>` +
      deviceInfoXml(this.options.deviceInfo ?? simulatedDeviceInfo) +
      `<Skey ci="20291231">${random(256)}</Skey>` +
      `<Hmac>${random(48)}</Hmac>` +
      // format 0 (the only one this simulated device produces) is XML: Data type "X".
      `<Data type="X">${random(600)}</Data>` +
      '</PidData>'
    );
  }

  private xmlResponse(body: string): EncodeResponseInput {
    return { statusCode: 200, reason: 'OK', body, framing: this.options.framing ?? 'content-length' };
  }

  private send(socket: Socket, response: EncodeResponseInput, delayMs: number): void {
    const write = (): void => {
      if (socket.destroyed) return;
      socket.end(encodeHttpResponse(response));
    };
    if (delayMs <= 0) {
      write();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      write();
    }, delayMs);
    this.timers.add(timer);
  }
}

/** An http(s) origin exactly as a browser serialises it: scheme://host[:port], nothing more. */
function isSerialisedOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
}

const rdVerbs = ['RDSERVICE', 'DEVICEINFO', 'CAPTURE'] as const;
const allowedMethods = [...rdVerbs, 'OPTIONS'].join(', ');
/** A request header name list as browsers send it in Access-Control-Request-Headers. */
const requestHeaderListPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/**
 * The answer to OPTIONS. From a browser (an Access-Control-Request-Method is present) it is a CORS
 * preflight: the RD verbs are not CORS-safelisted methods, so a page's CAPTURE is only sent after
 * this answer allows it. The caller has already checked the origin and adds Allow-Origin.
 */
function preflightAnswer(request: HttpRequest): EncodeResponseInput {
  const requestedMethod = request.headers.get('access-control-request-method');
  const allow: ReadonlyArray<readonly [string, string]> = [['Allow', allowedMethods]];
  if (requestedMethod === undefined) return { statusCode: 204, reason: 'No Content', body: '', contentType: 'text/plain', headers: allow };
  // Method names are case-sensitive, and browsers upper-case only the standard ones: `capture` is
  // not CAPTURE, and a service that accepted it would be lying about what it answers.
  if (!(rdVerbs as readonly string[]).includes(requestedMethod)) {
    return { ...plainText(405, 'Method Not Allowed', `method-not-allowed: ${requestedMethod.slice(0, 20)} is not an RD service verb.`), headers: allow };
  }
  const requestedHeaders = request.headers.get('access-control-request-headers')?.trim() ?? '';
  const headers: Array<readonly [string, string]> = [
    ['Access-Control-Allow-Methods', rdVerbs.join(', ')],
    // The page's own headers (Content-Type for the PidOptions body, Accept) are echoed once checked
    // to be header names, so a value can never add a line to the answer.
    ['Access-Control-Allow-Headers', requestHeaderListPattern.test(requestedHeaders) ? requestedHeaders : 'Content-Type, Accept'],
    // The browser may reuse this verdict for ten minutes instead of asking before every capture.
    ['Access-Control-Max-Age', '600'],
  ];
  // Private Network Access: a page from a non-loopback address (the desk's origin on the hospital
  // network) must be told explicitly that it may reach this loopback service.
  if (request.headers.get('access-control-request-private-network')?.toLowerCase() === 'true') {
    headers.push(['Access-Control-Allow-Private-Network', 'true']);
  }
  return { statusCode: 204, reason: 'No Content', body: '', contentType: 'text/plain', headers: [...headers, ...allow] };
}

interface CaptureVerdict {
  readonly errorCode: number;
  readonly errorInfo: string;
}

/**
 * The RD specification's errCode for a PidOptions attribute that could not be read (100-190 range:
 * "invalid input"); texts as the specification's table words them.
 */
function rejectionOf(attribute: PidOptionsAttribute | undefined): CaptureVerdict {
  switch (attribute) {
    case 'fType':
      return { errorCode: 110, errorInfo: 'Invalid value for fType' };
    case 'fCount':
      return { errorCode: 120, errorInfo: 'Invalid value for fCount' };
    case 'iType':
      return { errorCode: 130, errorInfo: 'Invalid value for iType' };
    case 'iCount':
      return { errorCode: 140, errorInfo: 'Invalid value for iCount' };
    case 'pidVer':
      return { errorCode: 150, errorInfo: 'Invalid value for pidVer' };
    case 'timeout':
      return { errorCode: 160, errorInfo: 'Invalid value for timeout' };
    case 'posh':
      return { errorCode: 170, errorInfo: 'Invalid value for posh' };
    case 'format':
      return { errorCode: 190, errorInfo: 'Invalid value for format' };
    case 'pCount':
    case 'pType':
    case 'env':
    case undefined:
      return { errorCode: 100, errorInfo: 'Invalid PidOptions input' };
    default: {
      const unexpected: never = attribute;
      throw new Error(`unknown PidOptions attribute ${String(unexpected)}`);
    }
  }
}

/** What this simulated device (one fingerprint scanner, XML PID only) refuses, with the specification's codes. */
function deviceRefusal(options: PidOptions): CaptureVerdict | undefined {
  // fType 0 (FMR), 1 (FIR) and 2 (FMR + FIR) are the finger record types the specification defines.
  if (options.fingerType > 2) return rejectionOf('fType');
  if (options.fingerCount > 10) return rejectionOf('fCount');
  if (options.timeoutMs === 0) return rejectionOf('timeout');
  if (options.pidVersion !== '2.0') return rejectionOf('pidVer');
  // A device that cannot produce a protobuf PID answers 210 (the specification's code), not 100.
  if (options.format === 1) return { errorCode: 210, errorInfo: 'Protobuf format not supported' };
  if (options.irisCount > 0) return { errorCode: 760, errorInfo: 'RD Service does not support Iris' };
  if (options.photoCount > 0) return { errorCode: 180, errorInfo: 'Face matching is not supported' };
  if (options.fingerCount === 0) return rejectionOf('fCount');
  return undefined;
}

/** The Resp counts and types: what was captured, in the types the PidOptions asked for. */
function respCountsXml(options: PidOptions | undefined, isCaptured = true): string {
  const count = (value: number): number => (isCaptured ? value : 0);
  return (
    `fCount="${count(options?.fingerCount ?? 0)}" fType="${options?.fingerType ?? 0}"` +
    ` iCount="${count(options?.irisCount ?? 0)}" iType="${options?.irisType ?? 0}"` +
    ` pCount="${count(options?.photoCount ?? 0)}" pType="${options?.photoType ?? 0}"`
  );
}

function plainText(statusCode: number, reason: string, body: string): EncodeResponseInput {
  return { statusCode, reason, body, contentType: 'text/plain; charset=utf-8' };
}

function notFound(): EncodeResponseInput {
  return plainText(404, 'Not Found', 'not-found: this service has no interface at that path.');
}

export function deviceInfoXml(info: RdDeviceInfo): string {
  const params = [...info.additionalInfo].map(([name, value]) => `<Param name="${escapeAttribute(name)}" value="${escapeAttribute(value)}"/>`).join('');
  return (
    `<DeviceInfo dpId="${escapeAttribute(info.dpId)}" rdsId="${escapeAttribute(info.rdsId)}" rdsVer="${escapeAttribute(info.rdsVer)}"` +
    ` dc="${escapeAttribute(info.dc)}" mi="${escapeAttribute(info.mi)}" mc="${escapeAttribute(info.mc)}">` +
    `<additional_info>${params}</additional_info></DeviceInfo>`
  );
}

/**
 * An error PidData as vendors send it: a Resp with the code, nothing captured (counts 0, types as
 * asked when the request could be read), and empty encrypted parts.
 */
export function pidDataErrorXml(errorCode: number, errorInfo: string, options?: PidOptions): string {
  return (
    `<?xml version="1.0"?>\n<PidData><Resp errCode="${errorCode}" errInfo="${escapeAttribute(errorInfo)}" ${respCountsXml(options, false)} nmPoints="0" qScore="0"/>` +
    '<DeviceInfo/><Skey ci=""></Skey><Hmac></Hmac><Data type="X"></Data></PidData>'
  );
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('simulator has no TCP address'));
        return;
      }
      resolve(address.port);
    });
  });
}
