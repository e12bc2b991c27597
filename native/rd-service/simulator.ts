/**
 * A registered-device fingerprint service on loopback, speaking the same HTTP/1.1 + XML as vendor
 * services, so the desk and its tests run without a scanner. Raw `net.Server`: Node's HTTP server
 * answers RDSERVICE/DEVICEINFO/CAPTURE with 400 before any handler runs.
 *
 * Scriptable: READY/NOTREADY/USED, a queue of capture results (success, any errCode, malformed
 * XML, a service that never answers), vendor path layouts, response delays and body framings.
 * The encrypted parts of a simulated PidData are random bytes: they have the right shape, not
 * real biometric content.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeHttpResponse, readHttpRequest, type EncodeResponseInput, type HttpRequest } from './http-wire';
import { parsePidOptions, type RdDeviceInfo, type RdServiceStatus } from './protocol';
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
  | { readonly kind: 'success'; readonly qualityScore?: number; readonly minutiaeCount?: number; readonly delayMs?: number }
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
}

export interface RecordedRequest {
  readonly method: string;
  readonly target: string;
  readonly body: string;
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
  /** Every request received, in order (method, target, body): what the driver actually sent. */
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
    socket.on('data', (chunk: Buffer) => {
      if (isHandled) return;
      chunks.push(chunk);
      const read = readHttpRequest(Buffer.concat(chunks));
      if (read.state === 'incomplete') return;
      isHandled = true;
      if (read.state === 'invalid') {
        this.send(socket, { statusCode: 400, reason: 'Bad Request', body: '', contentType: 'text/plain' }, 0);
        return;
      }
      this.requests.push({ method: read.message.method, target: read.message.target, body: read.message.body.toString('utf8') });
      this.route(socket, read.message);
    });
  }

  private route(socket: Socket, request: HttpRequest): void {
    const delayMs = this.options.responseDelayMs ?? 0;
    const { deviceInfoPath, capturePath } = this.paths;
    switch (request.method) {
      case 'RDSERVICE': {
        const fault = this.options.rdServiceFault ?? 'none';
        if (fault === 'no-answer') return;
        const body = fault === 'malformed-xml' ? '<RDService status="READY" info="broken"><Interface id="CAPTURE"' : this.rdServiceXml();
        this.send(socket, this.xmlResponse(body), delayMs);
        return;
      }
      case 'DEVICEINFO':
        if (request.target !== deviceInfoPath) {
          this.send(socket, notFound(), delayMs);
          return;
        }
        this.send(socket, this.xmlResponse(deviceInfoXml(this.options.deviceInfo ?? simulatedDeviceInfo)), delayMs);
        return;
      case 'CAPTURE':
        if (request.target !== capturePath) {
          this.send(socket, notFound(), delayMs);
          return;
        }
        this.answerCapture(socket, request.body.toString('utf8'));
        return;
      default:
        this.send(socket, { statusCode: 405, reason: 'Method Not Allowed', body: '', contentType: 'text/plain' }, 0);
    }
  }

  private answerCapture(socket: Socket, body: string): void {
    const options = parsePidOptions(body);
    if (!options.ok) {
      this.send(socket, this.xmlResponse(pidDataErrorXml(100, 'Invalid PidOptions input')), 0);
      return;
    }
    // A device that is not ready says so, whatever was scripted: that is what real services do.
    if (this.status === 'NOTREADY') {
      this.send(socket, this.xmlResponse(pidDataErrorXml(720, 'Device not ready')), 0);
      return;
    }
    if (this.status === 'USED') {
      this.send(socket, this.xmlResponse(pidDataErrorXml(710, 'Being used by another application')), 0);
      return;
    }
    const next: SimulatedCapture = this.captures.shift() ?? { kind: 'success' };
    switch (next.kind) {
      case 'success':
        this.send(socket, this.xmlResponse(this.pidDataSuccessXml(next.qualityScore ?? 78, next.minutiaeCount ?? 42, options.value.fingerCount)), next.delayMs ?? 0);
        return;
      case 'device-error':
        this.send(socket, this.xmlResponse(pidDataErrorXml(next.errorCode, next.errorInfo)), next.delayMs ?? 0);
        return;
      case 'raw-body':
        this.send(socket, { ...this.xmlResponse(next.body), statusCode: next.statusCode ?? 200, reason: 'Scripted' }, 0);
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
    return `<?xml version="1.0"?>\n<RDService status="${this.status}" info="${escapeAttribute(info)}">`
      + `<Interface id="DEVICEINFO" path="${escapeAttribute(deviceInfoPath)}"/>`
      + `<Interface id="CAPTURE" path="${escapeAttribute(capturePath)}"/>`
      + '</RDService>';
  }

  private pidDataSuccessXml(qualityScore: number, minutiaeCount: number, fingerCount: number): string {
    const random = (length: number): string => randomBytes(length).toString('base64');
    return '<?xml version="1.0"?>\n<PidData>'
      + `<Resp errCode="0" errInfo="Capture Success" fCount="${fingerCount}" fType="2" nmPoints="${minutiaeCount}" qScore="${qualityScore}"/>`
      + deviceInfoXml(this.options.deviceInfo ?? simulatedDeviceInfo)
      + `<Skey ci="20291231">${random(256)}</Skey>`
      + `<Hmac>${random(48)}</Hmac>`
      + `<Data type="X">${random(600)}</Data>`
      + '</PidData>';
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

function notFound(): EncodeResponseInput {
  return { statusCode: 404, reason: 'Not Found', body: 'Not Found', contentType: 'text/plain' };
}

export function deviceInfoXml(info: RdDeviceInfo): string {
  const params = [...info.additionalInfo].map(([name, value]) => `<Param name="${escapeAttribute(name)}" value="${escapeAttribute(value)}"/>`).join('');
  return `<DeviceInfo dpId="${escapeAttribute(info.dpId)}" rdsId="${escapeAttribute(info.rdsId)}" rdsVer="${escapeAttribute(info.rdsVer)}"`
    + ` dc="${escapeAttribute(info.dc)}" mi="${escapeAttribute(info.mi)}" mc="${escapeAttribute(info.mc)}">`
    + `<additional_info>${params}</additional_info></DeviceInfo>`;
}

/** An error PidData as vendors send it: a Resp with the code, and empty encrypted parts. */
export function pidDataErrorXml(errorCode: number, errorInfo: string): string {
  return `<?xml version="1.0"?>\n<PidData><Resp errCode="${errorCode}" errInfo="${escapeAttribute(errorInfo)}" fCount="0" fType="2" nmPoints="0" qScore="0"/>`
    + `<DeviceInfo/><Skey ci=""></Skey><Hmac></Hmac><Data type="X"></Data></PidData>`;
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
