/**
 * Registered-device (RD) service protocol: the XML documents exchanged with a local fingerprint
 * service, as typed values. Pure: no I/O. The HTTP framing is in `http-wire.ts`.
 *
 * The three exchanges (all HTTP/1.1 on 127.0.0.1:11100-11120):
 * - `RDSERVICE /`            → `<RDService status info><Interface id path/>…</RDService>`
 * - `DEVICEINFO <info path>` → `<DeviceInfo dpId rdsId rdsVer dc mi mc>…</DeviceInfo>`
 * - `CAPTURE <capture path>` with a `<PidOptions>` body → `<PidData>` with `<Resp errCode …/>`,
 *   `<DeviceInfo/>`, `<Skey ci>`, `<Hmac>`, `<Data type>`.
 *
 * The PidData block is encrypted for the authority's server: this desk never decrypts it, only checks
 * that it is complete and hands it on. Nothing from it is ever logged.
 */

import { attributeOf, childOf, childrenOf, escapeAttribute, isNamed, parseXmlDocument, XmlParseError, type XmlElement } from './xml';

// ---------------------------------------------------------------------------------------------
// Results

/** Why a document from an RD service could not be used. */
export type RdProtocolProblem =
  | 'malformed-xml' // not well-formed XML
  | 'unexpected-document' // well-formed, but not the document that was asked for
  | 'missing-field' // a required element or attribute is absent or empty
  | 'invalid-field'; // present but unusable (not a number, unknown status, bad base64, …)

export interface RdProtocolError {
  readonly problem: RdProtocolProblem;
  /** A sentence for logs and support; contains no biometric data. */
  readonly message: string;
  /**
   * The `PidOptions/Opts` attribute at fault, when one is: a service answers each with its own
   * errCode (fType 110, fCount 120, …, format 190).
   */
  readonly attribute?: PidOptionsAttribute;
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RdProtocolError };

function failure(problem: RdProtocolProblem, message: string, attribute?: PidOptionsAttribute): { readonly ok: false; readonly error: RdProtocolError } {
  return { ok: false, error: attribute === undefined ? { problem, message } : { problem, message, attribute } };
}

function parseDocument(xml: string, expectedRoot: string): ParseResult<XmlElement> {
  let root: XmlElement;
  try {
    root = parseXmlDocument(xml);
  } catch (error) {
    if (error instanceof XmlParseError) return failure('malformed-xml', `The ${expectedRoot} response is not well-formed XML: ${error.message}.`);
    throw error;
  }
  return { ok: true, value: root };
}

// ---------------------------------------------------------------------------------------------
// RDSERVICE

/**
 * READY and NOTREADY are the states every service reports. USED (device held by another
 * application) is also seen from some services; it is kept apart because the operator's remedy
 * differs (close the other program, not replug the device).
 */
export type RdServiceStatus = 'READY' | 'NOTREADY' | 'USED';
const rdServiceStatuses: readonly RdServiceStatus[] = ['READY', 'NOTREADY', 'USED'];

function isRdServiceStatus(value: string): value is RdServiceStatus {
  return (rdServiceStatuses as readonly string[]).includes(value);
}

export interface RdServiceDescription {
  readonly status: RdServiceStatus;
  /** The service's own description, e.g. "Mantra Authentication Vendor Device Manager". */
  readonly info: string;
  /** Path advertised by `<Interface id="DEVICEINFO">`, exactly as given; undefined when absent. */
  readonly deviceInfoPath: string | undefined;
  /** Path advertised by `<Interface id="CAPTURE">`, exactly as given; undefined when absent. */
  readonly capturePath: string | undefined;
}

export function parseRdServiceDescription(xml: string): ParseResult<RdServiceDescription> {
  const document = parseDocument(xml, 'RDSERVICE');
  if (!document.ok) return document;
  const root = document.value;
  if (!isNamed(root, 'RDService')) return failure('unexpected-document', `Expected an <RDService> document but received <${root.name}>.`);
  const statusText = attributeOf(root, 'status')?.trim().toUpperCase();
  if (statusText === undefined || statusText === '') return failure('missing-field', 'The RDService document has no status.');
  // "NOT READY" and "NOT_READY" are spellings seen in the wild for the same state.
  const normalised = statusText.replace(/[ _]/g, '');
  if (!isRdServiceStatus(normalised)) {
    return failure('invalid-field', `The RDService status "${statusText.slice(0, 20)}" is not READY, NOTREADY or USED.`);
  }
  let deviceInfoPath: string | undefined;
  let capturePath: string | undefined;
  for (const element of childrenOf(root, 'Interface')) {
    const id = attributeOf(element, 'id')?.trim().toUpperCase();
    const path = attributeOf(element, 'path')?.trim();
    if (path === undefined || path === '') continue;
    if (id === 'DEVICEINFO') deviceInfoPath ??= path;
    if (id === 'CAPTURE') capturePath ??= path;
  }
  return { ok: true, value: { status: normalised, info: attributeOf(root, 'info') ?? '', deviceInfoPath, capturePath } };
}

/** One sentence for the operator about a discovered service's state. */
export function describeRdServiceStatus(description: RdServiceDescription): string {
  const name = description.info.trim() === '' ? 'The fingerprint service' : `The fingerprint service (${description.info.trim()})`;
  switch (description.status) {
    case 'READY':
      return `${name} is ready.`;
    case 'NOTREADY':
      return `${name} is running but its device is not ready: check that the fingerprint scanner is plugged in, then try again.`;
    case 'USED':
      return `${name} reports its device is in use by another application: close other biometric software, then try again.`;
    default:
      return assertNever(description.status);
  }
}

// ---------------------------------------------------------------------------------------------
// Interface paths

export type InterfaceTarget = { readonly ok: true; readonly port: number; readonly requestTarget: string } | { readonly ok: false; readonly message: string };

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Turns an advertised Interface path into where to send the request. Paths are honoured as
 * advertised, including odd vendor forms such as `/127.0.0.1:11100/rd/capture` (sent verbatim: that
 * is what the vendor's own web clients send). An absolute `http://` URL is followed only to a
 * loopback host: biometric captures never leave this machine.
 */
export function resolveInterfaceTarget(path: string, servicePort: number): InterfaceTarget {
  const trimmed = path.trim();
  if (trimmed === '') return { ok: false, message: 'The service advertised an empty interface path.' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      return { ok: false, message: 'The service advertised an interface URL that cannot be read.' };
    }
    if (url.protocol !== 'http:')
      return { ok: false, message: `The service advertised a ${url.protocol} interface; only plain http on this machine is supported.` };
    if (!loopbackHosts.has(url.hostname))
      return { ok: false, message: 'The service advertised an interface on another machine; captures are only sent to this machine.' };
    const port = url.port === '' ? 80 : Number.parseInt(url.port, 10);
    return checkedTarget(port, `${url.pathname}${url.search}`);
  }
  return checkedTarget(servicePort, trimmed.startsWith('/') ? trimmed : `/${trimmed}`);
}

function checkedTarget(port: number, requestTarget: string): InterfaceTarget {
  // Visible ASCII only: a space or line break in a path would corrupt the request line.
  if (!/^[\x21-\x7e]{1,2048}$/.test(requestTarget))
    return { ok: false, message: 'The service advertised an interface path with spaces or control characters.' };
  return { ok: true, port, requestTarget };
}

// ---------------------------------------------------------------------------------------------
// DEVICEINFO

export interface RdDeviceInfo {
  /** Device provider id, e.g. `MANTRA.MSIPL`. */
  readonly dpId: string;
  /** RD service id, e.g. `MANTRA.WIN.001`. */
  readonly rdsId: string;
  readonly rdsVer: string;
  /** Device code: the unique id the authority registered for this unit. */
  readonly dc: string;
  /** Model id, e.g. `MFS100`. */
  readonly mi: string;
  /** Device public-key certificate (base64). */
  readonly mc: string;
  /** `<additional_info><Param name value/>` pairs, e.g. `srno` (serial number). */
  readonly additionalInfo: ReadonlyMap<string, string>;
}

function readDeviceInfo(element: XmlElement): ParseResult<RdDeviceInfo> {
  const read = (name: string): string => attributeOf(element, name)?.trim() ?? '';
  const dpId = read('dpId');
  const rdsId = read('rdsId');
  const rdsVer = read('rdsVer');
  // Provider and service ids are what make a capture attributable; the rest may be blank on a
  // service whose device is unplugged.
  for (const [name, value] of [
    ['dpId', dpId],
    ['rdsId', rdsId],
    ['rdsVer', rdsVer],
  ] as const) {
    if (value === '') return failure('missing-field', `The DeviceInfo has no ${name}.`);
  }
  const additionalInfo = paramsOf(childOf(element, 'additional_info'));
  return { ok: true, value: { dpId, rdsId, rdsVer, dc: read('dc'), mi: read('mi'), mc: read('mc'), additionalInfo } };
}

/** `<Param name=".." value=".."/>` children (additional_info, CustOpts) as a map; other elements are ignored. */
function paramsOf(parent: XmlElement | undefined): Map<string, string> {
  const params = new Map<string, string>();
  for (const param of parent?.children ?? []) {
    const name = attributeOf(param, 'name');
    if (isNamed(param, 'Param') && name !== undefined) params.set(name, attributeOf(param, 'value') ?? '');
  }
  return params;
}

/** The DEVICEINFO answer: a `<DeviceInfo>` root, or one wrapped by services that add an envelope. */
export function parseDeviceInfo(xml: string): ParseResult<RdDeviceInfo> {
  const document = parseDocument(xml, 'DEVICEINFO');
  if (!document.ok) return document;
  const root = document.value;
  const element = isNamed(root, 'DeviceInfo') ? root : childOf(root, 'DeviceInfo');
  if (element === undefined) return failure('unexpected-document', `Expected a <DeviceInfo> document but received <${root.name}>.`);
  return readDeviceInfo(element);
}

// ---------------------------------------------------------------------------------------------
// CAPTURE request: PidOptions

/** Environment the PID block is encrypted for: production, pre-production or staging. */
export type PidEnvironment = 'P' | 'PP' | 'S';
const pidEnvironments: readonly PidEnvironment[] = ['P', 'PP', 'S'];

function isPidEnvironment(value: string): value is PidEnvironment {
  return (pidEnvironments as readonly string[]).includes(value);
}

/** The `Opts` attributes read from a PidOptions document. */
export type PidOptionsAttribute = 'fCount' | 'fType' | 'iCount' | 'iType' | 'pCount' | 'pType' | 'format' | 'pidVer' | 'timeout' | 'env' | 'posh';

/**
 * `format`: how the service encodes the PID block before encrypting it. 0 is XML (`Data type="X"`),
 * 1 is protobuf (`Data type="P"`); the specification allows both. The desk never decrypts the
 * block, so either can be handed on; the desk asks for 0.
 */
export type PidFormat = 0 | 1;

export interface PidOptions {
  /** Number of fingers to capture. */
  readonly fingerCount: number;
  /** `fType`: which finger record the service produces (a UIDAI code; 2 is what current auth flows request). */
  readonly fingerType: number;
  readonly irisCount: number;
  /** `iType`: iris record type; absent from the request means 0. */
  readonly irisType?: number;
  readonly photoCount: number;
  /** `pType`: face record type; absent from the request means 0. */
  readonly photoType?: number;
  readonly format: PidFormat;
  readonly pidVersion: string;
  /** How long the service waits for a finger, in milliseconds. */
  readonly timeoutMs: number;
  readonly environment: PidEnvironment;
  /** `wadh`: base64 hash for authority-specific flows; empty for plain authentication. */
  readonly wadh: string;
  /** `posh`: finger position hint, e.g. UNKNOWN, LEFT_THUMB. */
  readonly position: string;
  /** `<CustOpts><Param name value/>` for vendor-specific switches; usually empty. */
  readonly customOptions?: ReadonlyMap<string, string>;
}

export const defaultFingerprintPidOptions: PidOptions = {
  fingerCount: 1,
  fingerType: 2,
  irisCount: 0,
  photoCount: 0,
  format: 0,
  pidVersion: '2.0',
  timeoutMs: 10_000,
  environment: 'P',
  wadh: '',
  position: 'UNKNOWN',
};

/** Builds the CAPTURE request body; throws on values no service would accept (a programming error). */
export function buildPidOptionsXml(options: PidOptions = defaultFingerprintPidOptions): string {
  const counts = {
    fCount: options.fingerCount,
    fType: options.fingerType,
    iCount: options.irisCount,
    iType: options.irisType ?? 0,
    pCount: options.photoCount,
    pType: options.photoType ?? 0,
  };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 0 || value > 10) throw new RangeError(`PidOptions ${name} must be an integer from 0 to 10`);
  }
  if (options.fingerCount + options.irisCount + options.photoCount === 0) throw new RangeError('PidOptions must ask for at least one biometric');
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1_000 || options.timeoutMs > 120_000) {
    throw new RangeError('PidOptions timeout must be 1 000 to 120 000 ms');
  }
  const attributes: ReadonlyArray<readonly [string, string]> = [
    ['fCount', String(options.fingerCount)],
    ['fType', String(options.fingerType)],
    ['iCount', String(options.irisCount)],
    // iType and pType are written only when set, so the default request stays the documented one.
    ...(options.irisType === undefined ? [] : [['iType', String(options.irisType)] as const]),
    ['pCount', String(options.photoCount)],
    ...(options.photoType === undefined ? [] : [['pType', String(options.photoType)] as const]),
    ['format', String(options.format)],
    ['pidVer', options.pidVersion],
    ['timeout', String(options.timeoutMs)],
    ['env', options.environment],
    ['wadh', options.wadh],
    ['posh', options.position],
  ];
  const optsAttributes = attributes.map(([name, value]) => `${name}="${escapeAttribute(value)}"`).join(' ');
  const custom =
    options.customOptions === undefined || options.customOptions.size === 0
      ? ''
      : `<CustOpts>${[...options.customOptions].map(([name, value]) => `<Param name="${escapeAttribute(name)}" value="${escapeAttribute(value)}"/>`).join('')}</CustOpts>`;
  return `<PidOptions ver="1.0"><Opts ${optsAttributes}/>${custom}</PidOptions>`;
}

/**
 * Reads a PidOptions body (the simulator's side, and a round-trip check). Only the attributes this
 * project sends are read; numbers must be plain non-negative integers. A failure names the
 * attribute at fault, so that a service can answer with that attribute's errCode. Whether a value
 * is one the device supports (fType 0-2, a fingerprint device asked for iris, …) is the device's
 * verdict, not a parse error.
 */
export function parsePidOptions(xml: string): ParseResult<PidOptions> {
  const document = parseDocument(xml, 'PidOptions');
  if (!document.ok) return document;
  const root = document.value;
  if (!isNamed(root, 'PidOptions')) return failure('unexpected-document', `Expected <PidOptions> but received <${root.name}>.`);
  const optsElement = childOf(root, 'Opts');
  if (optsElement === undefined) return failure('missing-field', 'PidOptions has no <Opts>.');
  const integer = (name: PidOptionsAttribute, fallback: number | undefined): ParseResult<number | undefined> => {
    const text = attributeOf(optsElement, name)?.trim();
    if (text === undefined || text === '') return { ok: true, value: fallback };
    if (!/^[0-9]{1,6}$/.test(text)) return failure('invalid-field', `PidOptions ${name} "${text.slice(0, 12)}" is not a whole number.`, name);
    return { ok: true, value: Number.parseInt(text, 10) };
  };
  const read: Array<readonly [PidOptionsAttribute, number | undefined]> = [
    ['fCount', 0],
    ['fType', 0],
    ['iCount', 0],
    ['iType', undefined],
    ['pCount', 0],
    ['pType', undefined],
    ['timeout', 10_000],
    ['format', 0],
  ];
  const values = new Map<PidOptionsAttribute, number | undefined>();
  for (const [name, fallback] of read) {
    const value = integer(name, fallback);
    if (!value.ok) return value;
    values.set(name, value.value);
  }
  const format = values.get('format');
  if (format !== 0 && format !== 1) return failure('invalid-field', 'PidOptions format must be 0 (XML) or 1 (protobuf).', 'format');
  const environmentText = attributeOf(optsElement, 'env') ?? 'P';
  if (!isPidEnvironment(environmentText)) return failure('invalid-field', 'PidOptions env must be P, PP or S.', 'env');
  const customOptions = paramsOf(childOf(root, 'CustOpts'));
  const irisType = values.get('iType');
  const photoType = values.get('pType');
  return {
    ok: true,
    value: {
      fingerCount: values.get('fCount') ?? 0,
      fingerType: values.get('fType') ?? 0,
      irisCount: values.get('iCount') ?? 0,
      ...(irisType === undefined ? {} : { irisType }),
      photoCount: values.get('pCount') ?? 0,
      ...(photoType === undefined ? {} : { photoType }),
      format,
      pidVersion: attributeOf(optsElement, 'pidVer') ?? '2.0',
      timeoutMs: values.get('timeout') ?? 10_000,
      environment: environmentText,
      wadh: attributeOf(optsElement, 'wadh') ?? '',
      position: attributeOf(optsElement, 'posh') ?? 'UNKNOWN',
      customOptions,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CAPTURE response: PidData

declare const pidDataBrand: unique symbol;
/**
 * The PidData XML exactly as the service returned it. Opaque on purpose: it is encrypted for the
 * authority and is only ever handed to a BiometricVerifier, never inspected or logged. The brand
 * means only `parsePidData` can produce one, so a half-checked string cannot be sent on.
 */
export type PidDataBlock = string & { readonly [pidDataBrand]: true };

export interface CaptureResponse {
  readonly errorCode: number;
  /** The service's own text, e.g. "Capture timed out". */
  readonly errorInfo: string;
  /** Fingers captured (`fCount`). */
  readonly fingerCount: number | undefined;
  /** Finger record type produced (`fType`), as asked in the PidOptions. */
  readonly fingerType: number | undefined;
  /** Irises captured (`iCount`) and their record type (`iType`); undefined when the service omits them. */
  readonly irisCount: number | undefined;
  readonly irisType: number | undefined;
  /** Face photos captured (`pCount`) and their record type (`pType`); undefined when omitted. */
  readonly photoCount: number | undefined;
  readonly photoType: number | undefined;
  /** Quality score(s) 0-100 (`qScore`); some services list one per finger, comma-separated. */
  readonly qualityScores: readonly number[];
  /** Minutiae count per finger (`nmPoints`, comma-separated for several fingers). */
  readonly minutiaeCounts: readonly number[];
}

/** What may be shown and logged about a successful capture: no biometric content. */
export interface PidDataSummary {
  readonly response: CaptureResponse;
  readonly deviceInfo: RdDeviceInfo | undefined;
  /** `Skey ci`: which authority certificate the session key was encrypted with. */
  readonly certificateId: string;
  /** `Data type`: X (XML) or P (protobuf). */
  readonly dataType: 'X' | 'P';
}

export type PidDataParse =
  | { readonly kind: 'captured'; readonly pidData: PidDataBlock; readonly summary: PidDataSummary }
  | { readonly kind: 'device-error'; readonly response: CaptureResponse };

const base64Pattern = /^[A-Za-z0-9+/\r\n\t ]+={0,2}[\r\n\t ]*$/;

function isBase64(text: string): boolean {
  const compact = text.replace(/[\r\n\t ]/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && base64Pattern.test(text);
}

function numberList(text: string | undefined): readonly number[] | undefined {
  if (text === undefined || text.trim() === '') return [];
  const parts = text.split(',').map((part) => part.trim());
  if (!parts.every((part) => /^[0-9]{1,6}$/.test(part))) return undefined;
  return parts.map((part) => Number.parseInt(part, 10));
}

/**
 * Reads a CAPTURE answer. A non-zero errCode is a normal answer (the device's verdict), returned as
 * `device-error`; a zero errCode must come with a complete encrypted block (Skey with ci, Hmac,
 * Data), otherwise the document is rejected: a "success" without evidence cannot be sent on.
 */
export function parsePidData(xml: string): ParseResult<PidDataParse> {
  const document = parseDocument(xml, 'CAPTURE');
  if (!document.ok) return document;
  const root = document.value;
  if (!isNamed(root, 'PidData')) return failure('unexpected-document', `Expected a <PidData> document but received <${root.name}>.`);
  const resp = childOf(root, 'Resp');
  if (resp === undefined) return failure('missing-field', 'The PidData has no <Resp>.');
  const errorCodeText = attributeOf(resp, 'errCode')?.trim();
  if (errorCodeText === undefined || errorCodeText === '') return failure('missing-field', 'The PidData <Resp> has no errCode.');
  if (!/^-?[0-9]{1,6}$/.test(errorCodeText)) return failure('invalid-field', `The PidData errCode "${errorCodeText.slice(0, 12)}" is not a number.`);
  // Counts and types are informative (the block itself is what the authority checks): an absent or
  // unreadable one is reported as undefined rather than failing the capture.
  const smallInteger = (name: string): number | undefined => {
    const text = attributeOf(resp, name)?.trim();
    return text !== undefined && /^[0-9]{1,2}$/.test(text) ? Number.parseInt(text, 10) : undefined;
  };
  const qualityScores = numberList(attributeOf(resp, 'qScore'));
  const minutiaeCounts = numberList(attributeOf(resp, 'nmPoints'));
  const response: CaptureResponse = {
    errorCode: Number.parseInt(errorCodeText, 10),
    errorInfo: attributeOf(resp, 'errInfo')?.trim() ?? '',
    fingerCount: smallInteger('fCount'),
    fingerType: smallInteger('fType'),
    irisCount: smallInteger('iCount'),
    irisType: smallInteger('iType'),
    photoCount: smallInteger('pCount'),
    photoType: smallInteger('pType'),
    qualityScores: qualityScores ?? [],
    minutiaeCounts: minutiaeCounts ?? [],
  };
  if (response.errorCode !== 0) return { ok: true, value: { kind: 'device-error', response } };

  if (qualityScores === undefined) return failure('invalid-field', 'The PidData qScore is not a number.');
  if (minutiaeCounts === undefined) return failure('invalid-field', 'The PidData nmPoints is not a number.');
  const skey = childOf(root, 'Skey');
  const hmac = childOf(root, 'Hmac');
  const data = childOf(root, 'Data');
  if (skey === undefined || skey.text.trim() === '') return failure('missing-field', 'The capture succeeded but the PidData has no session key (Skey).');
  const certificateId = attributeOf(skey, 'ci')?.trim() ?? '';
  if (certificateId === '') return failure('missing-field', 'The PidData session key has no certificate id (ci).');
  if (hmac === undefined || hmac.text.trim() === '') return failure('missing-field', 'The capture succeeded but the PidData has no Hmac.');
  if (data === undefined || data.text.trim() === '') return failure('missing-field', 'The capture succeeded but the PidData has no Data.');
  const dataType = attributeOf(data, 'type')?.trim().toUpperCase();
  if (dataType !== 'X' && dataType !== 'P') return failure('invalid-field', 'The PidData Data type is not X or P.');
  for (const [name, element] of [
    ['Skey', skey],
    ['Hmac', hmac],
    ['Data', data],
  ] as const) {
    if (!isBase64(element.text)) return failure('invalid-field', `The PidData ${name} is not base64.`);
  }
  const deviceInfoElement = childOf(root, 'DeviceInfo');
  let deviceInfo: RdDeviceInfo | undefined;
  if (deviceInfoElement !== undefined) {
    const parsed = readDeviceInfo(deviceInfoElement);
    if (!parsed.ok) return parsed;
    deviceInfo = parsed.value;
  }
  return {
    ok: true,
    value: {
      kind: 'captured',
      // The brand is applied here and only here, after every check above.
      pidData: xml as PidDataBlock,
      summary: { response, deviceInfo, certificateId, dataType },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// errCode → named outcome

/**
 * The device's verdict on a capture. Codes follow the RD service specification's table; a code
 * outside it is kept as `device-error` with the service's own text rather than guessed at.
 */
export type CaptureErrorOutcome =
  | 'invalid-pid-options' // 100-210: the request was rejected (our bug, or an old service)
  | 'capture-timed-out' // 700: no finger placed before the timeout
  | 'device-busy' // 710: being used by another application
  | 'device-not-ready' // 720: unplugged, initialising, or otherwise not ready
  | 'capture-failed' // 730: the device tried and failed (poor placement, dirty sensor)
  | 'device-needs-reinitialisation' // 740: the service must restart the device
  | 'service-internal-error' // 999: the RD service itself failed
  | 'device-error'; // any other non-zero code

export function captureErrorOutcome(errorCode: number): CaptureErrorOutcome {
  // 100-210 are the specification's "invalid input" codes, one per PidOptions attribute (110 fType,
  // 120 fCount, …, 190 format, 200 Demo, 210 protobuf not supported).
  if (errorCode >= 100 && errorCode <= 210 && errorCode % 10 === 0) return 'invalid-pid-options';
  switch (errorCode) {
    case 700:
      return 'capture-timed-out';
    case 710:
      return 'device-busy';
    case 720:
      return 'device-not-ready';
    case 730:
      return 'capture-failed';
    case 740:
      return 'device-needs-reinitialisation';
    case 999:
      return 'service-internal-error';
    default:
      return 'device-error';
  }
}

/** What the operator should read, and do, for each outcome. */
export function captureErrorMessage(outcome: CaptureErrorOutcome, errorCode: number, errorInfo: string): string {
  const detail = errorInfo === '' ? `error ${errorCode}` : `error ${errorCode}: ${errorInfo}`;
  switch (outcome) {
    case 'invalid-pid-options':
      return `The fingerprint service rejected the capture request (${detail}). Update the fingerprint service software or contact IT.`;
    case 'capture-timed-out':
      return 'No finger was placed on the scanner in time. Ask the patient to place the finger firmly and try again.';
    case 'device-busy':
      return 'The fingerprint scanner is being used by another application. Close other biometric software and try again.';
    case 'device-not-ready':
      return 'The fingerprint scanner is not ready or not connected. Check the USB cable, wait for the scanner light, then try again.';
    case 'capture-failed':
      return 'The scanner could not read the fingerprint. Wipe the sensor and the finger, place the finger flat, then try again.';
    case 'device-needs-reinitialisation':
      return 'The fingerprint scanner needs to be restarted. Unplug it, plug it back in, wait a few seconds and try again.';
    case 'service-internal-error':
      return `The fingerprint service failed (${detail}). Restart the fingerprint service or contact IT.`;
    case 'device-error':
      return `The fingerprint service reported a problem (${detail}). Try again; if it repeats, contact IT.`;
    default:
      return assertNever(outcome);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
