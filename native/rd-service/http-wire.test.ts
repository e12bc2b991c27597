import { describe, expect, it } from 'vitest';
import { encodeHttpRequest, encodeHttpResponse, readHttpRequest, readHttpResponse } from './http-wire';

describe('HTTP request encoding', () => {
  it('writes a non-standard verb with an exact byte layout', () => {
    const bytes = encodeHttpRequest({ method: 'CAPTURE', target: '/rd/capture', host: '127.0.0.1:11100', body: '<PidOptions/>' });
    expect(bytes.toString('latin1')).toBe(
      'CAPTURE /rd/capture HTTP/1.1\r\nHost: 127.0.0.1:11100\r\nAccept: text/xml, application/xml, */*\r\n'
        + 'Content-Type: text/xml; charset=utf-8\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<PidOptions/>',
    );
  });

  it('refuses a target that would inject header lines', () => {
    expect(() => encodeHttpRequest({ method: 'CAPTURE', target: '/x\r\nEvil: 1', host: 'h' })).toThrow(/target/);
    expect(() => encodeHttpRequest({ method: 'CAP TURE', target: '/', host: 'h' })).toThrow(/method/);
  });

  it('is read back by the request reader, including split delivery', () => {
    const bytes = encodeHttpRequest({ method: 'DEVICEINFO', target: '/getDeviceInfo', host: '127.0.0.1:11101', body: 'é' });
    expect(readHttpRequest(bytes.subarray(0, 20)).state).toBe('incomplete');
    expect(readHttpRequest(bytes.subarray(0, bytes.length - 1)).state).toBe('incomplete');
    const read = readHttpRequest(bytes);
    if (read.state !== 'complete') throw new Error(read.state);
    expect(read.message).toMatchObject({ method: 'DEVICEINFO', target: '/getDeviceInfo' });
    expect(read.message.body.toString('utf8')).toBe('é');
  });
});

describe('HTTP response reading', () => {
  it.each(['content-length', 'chunked', 'close-delimited'] as const)('reads a %s body', (framing) => {
    const bytes = encodeHttpResponse({ statusCode: 200, reason: 'OK', body: '<RDService status="READY"/>', framing });
    if (framing !== 'close-delimited') expect(readHttpResponse(bytes.subarray(0, bytes.length - 1), false).state).toBe('incomplete');
    const read = readHttpResponse(bytes, framing === 'close-delimited');
    if (read.state !== 'complete') throw new Error(`${read.state}`);
    expect(read.message.statusCode).toBe(200);
    expect(read.message.body.toString()).toBe('<RDService status="READY"/>');
  });

  it('waits for the close when the length is not declared', () => {
    const bytes = encodeHttpResponse({ statusCode: 200, reason: 'OK', body: 'abc', framing: 'close-delimited' });
    expect(readHttpResponse(bytes, false).state).toBe('incomplete');
  });

  it.each([
    ['garbage\r\n\r\n', /not an HTTP status line/],
    ['HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n', /not a number/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /not hexadecimal/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', /closed before the response body ended/],
    ['HTTP/1.1 200 OK\r\nContent-', /closed before the response headers ended/],
  ])('reports %j as invalid', (text, reason) => {
    const read = readHttpResponse(Buffer.from(text, 'latin1'), true);
    expect(read.state).toBe('invalid');
    if (read.state === 'invalid') expect(read.reason).toMatch(reason);
  });

  it('bounds header and body sizes', () => {
    const huge = Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(20_000)}`, 'latin1');
    expect(readHttpResponse(huge, false)).toMatchObject({ state: 'invalid' });
    const bigBody = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n', 'latin1');
    expect(readHttpResponse(bigBody, false)).toMatchObject({ state: 'invalid' });
  });
});
