import { describe, expect, it } from 'vitest';
import { continueResponse, encodeHttpRequest, encodeHttpResponse, readHttpRequest, readHttpRequestHead, readHttpResponse } from './http-wire';

describe('HTTP request encoding', () => {
  it('writes a non-standard verb with an exact byte layout', () => {
    const bytes = encodeHttpRequest({ method: 'CAPTURE', target: '/rd/capture', host: '127.0.0.1:11100', body: '<PidOptions/>' });
    expect(bytes.toString('latin1')).toBe(
      'CAPTURE /rd/capture HTTP/1.1\r\nHost: 127.0.0.1:11100\r\nAccept: text/xml, application/xml, */*\r\n' +
        'Content-Type: text/xml; charset=utf-8\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<PidOptions/>',
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

describe('HTTP request bodies and expectations', () => {
  const chunked =
    'CAPTURE /rd/capture HTTP/1.1\r\nHost: 127.0.0.1:11100\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5\r\n<Pid>\r\n' +
    'a;ext=1\r\n<Opts/></P\r\n' +
    '3\r\nid>\r\n' +
    '0\r\n\r\n';

  it('reads a chunked request body, including chunk extensions and split delivery', () => {
    const bytes = Buffer.from(chunked, 'latin1');
    for (const cut of [10, 70, bytes.length - 3, bytes.length - 1]) expect(readHttpRequest(bytes.subarray(0, cut)).state).toBe('incomplete');
    const read = readHttpRequest(bytes);
    if (read.state !== 'complete') throw new Error(read.state);
    expect(read.message.body.toString('latin1')).toBe('<Pid><Opts/></Pid>');
  });

  it('reads a chunked request body that ends with trailers', () => {
    const read = readHttpRequest(Buffer.from(chunked.replace(/0\r\n\r\n$/, '0\r\nX-Trailer: 1\r\n\r\n'), 'latin1'));
    expect(read.state === 'complete' && read.message.body.toString('latin1')).toBe('<Pid><Opts/></Pid>');
  });

  it.each([
    ['Transfer-Encoding: chunked\r\nContent-Length: 3', /both Transfer-Encoding and Content-Length/],
    ['Transfer-Encoding: gzip', /transfer coding "gzip" is not supported/],
    ['Transfer-Encoding: chunked, gzip', /is not supported \(only chunked\)/],
  ])('refuses %j', (header, reason) => {
    const read = readHttpRequest(Buffer.from(`CAPTURE / HTTP/1.1\r\nHost: h\r\n${header}\r\n\r\n`, 'latin1'));
    expect(read.state).toBe('invalid');
    if (read.state === 'invalid') expect(read.reason).toMatch(reason);
  });

  it('reads the head alone, and says when the client waits for 100 Continue', () => {
    const head = 'CAPTURE /rd/capture HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 13\r\n\r\n';
    expect(readHttpRequest(Buffer.from(head, 'latin1')).state).toBe('incomplete');
    const read = readHttpRequestHead(Buffer.from(head, 'latin1'));
    expect(read.state === 'complete' && read.message).toMatchObject({ method: 'CAPTURE', bodyFraming: 'content-length', isExpectingContinue: true });
    const http10 = readHttpRequestHead(Buffer.from(head.replace('HTTP/1.1', 'HTTP/1.0'), 'latin1'));
    expect(http10.state === 'complete' && http10.message.isExpectingContinue).toBe(false);
    expect(continueResponse.toString('latin1')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
  });
});

describe('HTTP response headers and interim answers', () => {
  it('writes extra headers and refuses a value that would start a new line', () => {
    const bytes = encodeHttpResponse({ statusCode: 204, reason: 'No Content', body: '', headers: [['Access-Control-Allow-Origin', 'http://127.0.0.1:5173']] });
    expect(bytes.toString('latin1')).toContain('\r\nAccess-Control-Allow-Origin: http://127.0.0.1:5173\r\n');
    expect(() => encodeHttpResponse({ statusCode: 200, reason: 'OK', body: '', headers: [['X', 'a\r\nSet-Cookie: b']] })).toThrow(/invalid response header/);
  });

  it('reads past interim 1xx answers to the final one', () => {
    const final = encodeHttpResponse({ statusCode: 200, reason: 'OK', body: '<RDService status="READY"/>' });
    const bytes = Buffer.concat([continueResponse, Buffer.from('HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n', 'latin1'), final]);
    expect(readHttpResponse(continueResponse, false).state).toBe('incomplete');
    const read = readHttpResponse(bytes, false);
    expect(read.state === 'complete' && [read.message.statusCode, read.message.body.toString()]).toEqual([200, '<RDService status="READY"/>']);
  });
});
