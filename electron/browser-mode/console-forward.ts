import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The payer workspaces in the desk (browser mode): the desk host serves the same console page
 * (renderer/dist/console.html) and forwards its few server calls to the sync server the desk is
 * enrolled with. Online only — nothing is queued: an unreachable server is answered 502 with a
 * sentence saying so. Only these paths are forwarded, and only for pages of the desk's own origin.
 */
const forwardedPaths: readonly RegExp[] = [
  /^\/auth\/login$/,
  /^\/console\/feed\/(session|pull|stream)$/,
  /^\/commands\/[a-z][a-z-]{1,63}$/,
  /^\/cases\/[0-9a-fA-F-]{36}\/audit$/,
  /^\/cases\/[0-9a-fA-F-]{36}\/documents$/,
  /^\/documents\/[0-9a-fA-F-]{36}$/,
  /^\/members\/[0-9a-fA-F-]{36}\/accumulators$/,
  /^\/queues\/[a-z/]{1,64}$/,
  /^\/dashboard$/,
  /^\/reports\/[a-z-]{1,64}$/,
  /^\/admin\/[a-z-]{1,64}$/,
  /^\/desks\/[0-9a-fA-F-]{36}\/enrollment-codes$/,
];

export function isConsoleForwardPath(path: string): boolean {
  return forwardedPaths.some((pattern) => pattern.test(path));
}

function answer(response: ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify({ code, message }));
}

/** Forward one console request; `serverUrl` is the enrolled server (null: not enrolled). */
export function forwardConsoleRequest(request: IncomingMessage, response: ServerResponse, serverUrl: string | null, ownOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin !== undefined && !ownOrigins.includes(origin)) {
    answer(response, 403, 'forbidden-origin', 'Only pages served by this desk may reach the server through it.');
    return;
  }
  if (!serverUrl) {
    answer(response, 503, 'not-enrolled', 'This desk is not enrolled with a server yet, so the payer workspaces cannot open here.');
    return;
  }
  const target = new URL(request.url ?? '/', serverUrl);
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'content-type', 'accept', 'content-length']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send(target, { method: request.method, headers, timeout: 15_000 }, (reply) => {
    const passed: Record<string, string> = {};
    for (const name of ['content-type', 'cache-control', 'x-command-replayed']) {
      const value = reply.headers[name];
      if (typeof value === 'string') passed[name] = value;
    }
    response.writeHead(reply.statusCode ?? 502, passed);
    reply.pipe(response);
  });
  // A stream is long-lived on purpose: only connecting is timed.
  upstream.on('socket', (socket) => socket.once('connect', () => upstream.setTimeout(0)));
  upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
  upstream.on('error', () => {
    if (!response.headersSent)
      answer(
        response,
        502,
        'server-unreachable',
        `The sync server (${target.origin}) cannot be reached from this desk. The payer workspaces work online only; try again when the connection is back.`,
      );
    else response.destroy();
  });
  response.on('close', () => upstream.destroy());
  request.pipe(upstream);
}
