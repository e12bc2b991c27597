/**
 * HTTP/1.1 framing for RD services, pure (bytes ↔ messages, no sockets).
 *
 * Why hand-rolled: RD services answer the non-standard methods RDSERVICE, DEVICEINFO and CAPTURE.
 * Node's `http` client sends such methods (checked on Node 20: `http.request({ method: 'CAPTURE' })`
 * puts `CAPTURE / HTTP/1.1` on the wire), but its server does not parse them: llhttp rejects the
 * request line with HPE_INVALID_METHOD and the connection gets "400 Bad Request" before any handler
 * runs (Node 20.20, llhttp 9.3). The simulator therefore needs a raw `net` server, and the driver
 * shares this one framing module with it instead of carrying a second HTTP stack.
 *
 * Scope: one request and one response per connection (`Connection: close`), which is how browsers'
 * XMLHttpRequest calls to these services behave in practice. Responses may be framed by
 * Content-Length, by chunked transfer coding, or by the server closing the connection; all three
 * are seen from vendor services. Request bodies may be framed by Content-Length or by chunked
 * transfer coding (Node's `http.request` chunks any body written in more than one piece).
 */

export interface HttpRequest {
  readonly method: string;
  /** The request-target exactly as sent, e.g. `/rd/capture` or `/127.0.0.1:11100/rd/capture`. */
  readonly target: string;
  /** Header names lower-cased; a repeated header keeps its last value. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly reason: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

/** Result of trying to read one message from the bytes received so far. */
export type HttpReadResult<T> =
  { readonly state: 'incomplete' } | { readonly state: 'complete'; readonly message: T } | { readonly state: 'invalid'; readonly reason: string };

export interface HttpLimits {
  /** Largest header block accepted, in bytes. */
  readonly maxHeaderBytes: number;
  /** Largest body accepted, in bytes. A PidData block for one finger is a few kilobytes. */
  readonly maxBodyBytes: number;
}

export const defaultHttpLimits: HttpLimits = { maxHeaderBytes: 16_384, maxBodyBytes: 1_048_576 };

/** RFC 9110 token: what a method name may be made of. RDSERVICE and friends are valid tokens. */
const methodPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII only: a CR, LF or space in a target would let a path smuggle extra header lines. */
const targetPattern = /^[\x21-\x7e]+$/;
const headerEnd = Buffer.from('\r\n\r\n');

export function isValidMethod(method: string): boolean {
  return methodPattern.test(method);
}

export function isValidRequestTarget(target: string): boolean {
  return target.length <= 2048 && targetPattern.test(target);
}

export interface EncodeRequestInput {
  readonly method: string;
  readonly target: string;
  /** Value of the Host header, e.g. `127.0.0.1:11100`. */
  readonly host: string;
  readonly body?: string;
  readonly contentType?: string;
}

export function encodeHttpRequest(input: EncodeRequestInput): Buffer {
  if (!isValidMethod(input.method)) throw new Error(`invalid HTTP method "${input.method}"`);
  if (!isValidRequestTarget(input.target)) throw new Error('invalid HTTP request target');
  if (!targetPattern.test(input.host)) throw new Error('invalid Host header');
  const body = Buffer.from(input.body ?? '', 'utf8');
  const lines = [
    `${input.method} ${input.target} HTTP/1.1`,
    `Host: ${input.host}`,
    'Accept: text/xml, application/xml, */*',
    // Some services reject a capture without a content type even though the body is always XML.
    `Content-Type: ${input.contentType ?? 'text/xml; charset=utf-8'}`,
    `Content-Length: ${body.length}`,
    'Connection: close',
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

export interface EncodeResponseInput {
  readonly statusCode: number;
  readonly reason: string;
  readonly body: string;
  readonly contentType?: string;
  /**
   * How the body is delimited. The simulator offers all three because vendor services differ and
   * the driver must read each of them.
   */
  readonly framing?: 'content-length' | 'chunked' | 'close-delimited';
  /** Further header lines (CORS, Allow, …), written in this order after the framing headers. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

/** Header names are tokens; values are visible ASCII and spaces: nothing may start a new line. */
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerValuePattern = /^[\x20-\x7e]*$/;

export function encodeHttpResponse(input: EncodeResponseInput): Buffer {
  const body = Buffer.from(input.body, 'utf8');
  const framing = input.framing ?? 'content-length';
  const lines = [`HTTP/1.1 ${input.statusCode} ${input.reason}`, `Content-Type: ${input.contentType ?? 'text/xml; charset=utf-8'}`, 'Connection: close'];
  for (const [name, value] of input.headers ?? []) {
    if (!headerNamePattern.test(name) || !headerValuePattern.test(value)) throw new Error(`invalid response header "${name}"`);
    lines.push(`${name}: ${value}`);
  }
  if (framing === 'content-length') lines.push(`Content-Length: ${body.length}`);
  if (framing === 'chunked') lines.push('Transfer-Encoding: chunked');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (framing !== 'chunked') return Buffer.concat([head, body]);
  // Two chunks (when the body allows it) so that a reader handling only one chunk is caught.
  const middle = Math.floor(body.length / 2);
  const parts = [body.subarray(0, middle), body.subarray(middle)].filter((part) => part.length > 0);
  const chunks = parts.map((part) => Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]));
  return Buffer.concat([head, ...chunks, Buffer.from('0\r\n\r\n')]);
}

interface ParsedHead {
  readonly startLine: string;
  readonly headers: Map<string, string>;
  readonly bodyStart: number;
}

type HeadResult =
  { readonly state: 'incomplete' } | { readonly state: 'invalid'; readonly reason: string } | { readonly state: 'complete'; readonly head: ParsedHead };

function readHead(buffer: Buffer, limits: HttpLimits): HeadResult {
  const end = buffer.indexOf(headerEnd);
  if (end === -1) {
    return buffer.length > limits.maxHeaderBytes
      ? { state: 'invalid', reason: `header block is larger than ${limits.maxHeaderBytes} bytes` }
      : { state: 'incomplete' };
  }
  if (end > limits.maxHeaderBytes) return { state: 'invalid', reason: `header block is larger than ${limits.maxHeaderBytes} bytes` };
  const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const startLine = lines.shift() ?? '';
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { state: 'invalid', reason: `header line without a name: "${line.slice(0, 40)}"` };
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { state: 'complete', head: { startLine, headers, bodyStart: end + headerEnd.length } };
}

type BodyResult =
  { readonly state: 'incomplete' } | { readonly state: 'invalid'; readonly reason: string } | { readonly state: 'complete'; readonly body: Buffer };

function readContentLengthBody(buffer: Buffer, head: ParsedHead, declared: string, limits: HttpLimits): BodyResult {
  if (!/^[0-9]+$/.test(declared)) return { state: 'invalid', reason: `Content-Length "${declared}" is not a number` };
  const length = Number.parseInt(declared, 10);
  if (length > limits.maxBodyBytes) return { state: 'invalid', reason: `body of ${length} bytes is larger than ${limits.maxBodyBytes} bytes` };
  if (buffer.length - head.bodyStart < length) return { state: 'incomplete' };
  return { state: 'complete', body: buffer.subarray(head.bodyStart, head.bodyStart + length) };
}

function readChunkedBody(buffer: Buffer, start: number, limits: HttpLimits): BodyResult {
  const parts: Buffer[] = [];
  let total = 0;
  let position = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', position, 'latin1');
    if (lineEnd === -1) return { state: 'incomplete' };
    // Chunk extensions (";name=value") are allowed by the grammar and ignored.
    const sizeText = buffer.subarray(position, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '';
    if (!/^[0-9A-Fa-f]{1,8}$/.test(sizeText)) return { state: 'invalid', reason: `chunk size "${sizeText.slice(0, 20)}" is not hexadecimal` };
    const size = Number.parseInt(sizeText, 16);
    const dataStart = lineEnd + 2;
    if (size === 0) {
      // Trailers are not used by RD services; accept the bare terminating CRLF or a trailer block.
      if (buffer.length < dataStart + 2) return { state: 'incomplete' };
      if (buffer.subarray(dataStart, dataStart + 2).toString('latin1') === '\r\n') return { state: 'complete', body: Buffer.concat(parts) };
      return buffer.indexOf(headerEnd, dataStart - 2) === -1 ? { state: 'incomplete' } : { state: 'complete', body: Buffer.concat(parts) };
    }
    total += size;
    if (total > limits.maxBodyBytes) return { state: 'invalid', reason: `body is larger than ${limits.maxBodyBytes} bytes` };
    if (buffer.length < dataStart + size + 2) return { state: 'incomplete' };
    if (buffer.subarray(dataStart + size, dataStart + size + 2).toString('latin1') !== '\r\n') {
      return { state: 'invalid', reason: 'chunk is not followed by CRLF' };
    }
    parts.push(buffer.subarray(dataStart, dataStart + size));
    position = dataStart + size + 2;
  }
}

/**
 * Reads one response from everything received so far. `isEnded` says the peer has closed its side:
 * only then can a response without Content-Length or chunking be complete.
 */
export function readHttpResponse(buffer: Buffer, isEnded: boolean, limits: HttpLimits = defaultHttpLimits): HttpReadResult<HttpResponse> {
  const headResult = readHead(buffer, limits);
  if (headResult.state === 'incomplete') {
    return isEnded ? { state: 'invalid', reason: 'connection closed before the response headers ended' } : headResult;
  }
  if (headResult.state === 'invalid') return headResult;
  const { head } = headResult;
  const status = /^HTTP\/1\.[01] ([0-9]{3})(?: (.*))?$/.exec(head.startLine);
  if (!status) return { state: 'invalid', reason: `not an HTTP status line: "${head.startLine.slice(0, 40)}"` };
  const statusCode = Number.parseInt(status[1] ?? '', 10);
  const reason = status[2] ?? '';
  // An interim answer (100 Continue, 102, 103) has no body and precedes the real one: a client must
  // read past any number of them (RFC 9110 section 15.2). 101 would switch protocols: not ours.
  if (statusCode >= 100 && statusCode < 200 && statusCode !== 101) {
    return readHttpResponse(buffer.subarray(head.bodyStart), isEnded, limits);
  }

  let body: BodyResult;
  const transferEncoding = head.headers.get('transfer-encoding');
  const contentLength = head.headers.get('content-length');
  if (
    transferEncoding !== undefined &&
    transferEncoding
      .toLowerCase()
      .split(',')
      .map((coding) => coding.trim())
      .includes('chunked')
  ) {
    body = readChunkedBody(buffer, head.bodyStart, limits);
  } else if (contentLength !== undefined) {
    body = readContentLengthBody(buffer, head, contentLength, limits);
  } else if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200)) {
    body = { state: 'complete', body: Buffer.alloc(0) };
  } else {
    const length = buffer.length - head.bodyStart;
    body =
      length > limits.maxBodyBytes
        ? { state: 'invalid', reason: `body is larger than ${limits.maxBodyBytes} bytes` }
        : isEnded
          ? { state: 'complete', body: buffer.subarray(head.bodyStart) }
          : { state: 'incomplete' };
  }
  if (body.state === 'incomplete' && isEnded) return { state: 'invalid', reason: 'connection closed before the response body ended' };
  if (body.state !== 'complete') return body;
  return { state: 'complete', message: { statusCode, reason, headers: head.headers, body: body.body } };
}

/** The interim answer to `Expect: 100-continue`: "send the body now". */
export const continueResponse: Buffer = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/** A request's line and headers, readable before its body has arrived. */
export interface HttpRequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: 'HTTP/1.1' | 'HTTP/1.0';
  readonly headers: ReadonlyMap<string, string>;
  /** How the body is delimited (RFC 9112 section 6.3). */
  readonly bodyFraming: 'content-length' | 'chunked';
  /** Whether the client waits for `100 Continue` before it sends the body. */
  readonly isExpectingContinue: boolean;
}

type RequestHeadResult =
  | { readonly state: 'incomplete' }
  | { readonly state: 'invalid'; readonly reason: string }
  | { readonly state: 'complete'; readonly head: HttpRequestHead; readonly parsed: ParsedHead };

function readRequestHead(buffer: Buffer, limits: HttpLimits): RequestHeadResult {
  const headResult = readHead(buffer, limits);
  if (headResult.state !== 'complete') return headResult;
  const { head } = headResult;
  const parts = head.startLine.split(' ');
  const [method, target, version] = parts;
  if (parts.length !== 3 || method === undefined || target === undefined || version === undefined) {
    return { state: 'invalid', reason: `not an HTTP request line: "${head.startLine.slice(0, 40)}"` };
  }
  if (!isValidMethod(method)) return { state: 'invalid', reason: 'invalid method' };
  if (!isValidRequestTarget(target)) return { state: 'invalid', reason: 'invalid request target' };
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return { state: 'invalid', reason: `unsupported version ${version}` };
  const transferEncoding = head.headers.get('transfer-encoding');
  let bodyFraming: HttpRequestHead['bodyFraming'] = 'content-length';
  if (transferEncoding !== undefined) {
    // Both headers at once is the request-smuggling shape: refused rather than guessed at (RFC 9112 6.3).
    if (head.headers.has('content-length')) return { state: 'invalid', reason: 'both Transfer-Encoding and Content-Length are present' };
    const codings = transferEncoding
      .toLowerCase()
      .split(',')
      .map((coding) => coding.trim());
    // Only chunked is supported, and it must be the final coding or the body length is unknowable.
    if (codings.length !== 1 || codings[0] !== 'chunked')
      return { state: 'invalid', reason: `transfer coding "${transferEncoding.slice(0, 40)}" is not supported (only chunked)` };
    if (version === 'HTTP/1.0') return { state: 'invalid', reason: 'HTTP/1.0 requests cannot be chunked' };
    bodyFraming = 'chunked';
  }
  const expectation = head.headers.get('expect')?.toLowerCase();
  // 100-continue is the only expectation HTTP defines; HTTP/1.0 clients cannot use it (RFC 9110 10.1.1).
  const isExpectingContinue = expectation === '100-continue' && version === 'HTTP/1.1';
  return { state: 'complete', head: { method, target, version, headers: head.headers, bodyFraming, isExpectingContinue }, parsed: head };
}

/**
 * Reads a request's line and headers only, so that a server can answer `Expect: 100-continue` (or
 * refuse the request) before the body arrives.
 */
export function readHttpRequestHead(buffer: Buffer, limits: HttpLimits = defaultHttpLimits): HttpReadResult<HttpRequestHead> {
  const read = readRequestHead(buffer, limits);
  return read.state === 'complete' ? { state: 'complete', message: read.head } : read;
}

/** Reads one request (the simulator's side), its body framed by Content-Length or chunked. */
export function readHttpRequest(buffer: Buffer, limits: HttpLimits = defaultHttpLimits): HttpReadResult<HttpRequest> {
  const read = readRequestHead(buffer, limits);
  if (read.state !== 'complete') return read;
  const { head, parsed } = read;
  const body =
    head.bodyFraming === 'chunked'
      ? readChunkedBody(buffer, parsed.bodyStart, limits)
      : readContentLengthBody(buffer, parsed, head.headers.get('content-length') ?? '0', limits);
  if (body.state !== 'complete') return body;
  return { state: 'complete', message: { method: head.method, target: head.target, headers: head.headers, body: body.body } };
}
