import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { deskApiVersion, deskChannels, type DeskApiHandlers, type DeskChannel, type DeskEvents } from '../desk-api/contract';
import { contentSecurityPolicy } from '../desk-api/content-security-policy';
import { deskApiPath, type WireToRenderer } from '../desk-api/wire';
import type { DeskBackend } from '../desk-backend/backend';
import { readMeta } from '../desk-backend/database';
import { forwardConsoleRequest, isConsoleForwardPath } from './console-forward';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.wasm': 'application/wasm', '.woff2': 'font/woff2', '.bin': 'application/octet-stream',
};

export { contentSecurityPolicy };

const isChannel = (value: unknown): value is DeskChannel => typeof value === 'string' && (deskChannels as readonly string[]).includes(value);

/**
 * Browser mode: serves the built renderer on localhost and carries the desk API over a WebSocket.
 * Only pages from this very origin may open the socket, and every message is checked before a
 * handler sees it — the same rules Electron's main process applies to IPC senders.
 */
export function startDeskHost(backend: DeskBackend, options: { port: number; host?: string; rendererDir: string }): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const root = resolve(options.rendererDir);
  const server = createServer((request, response) => {
    const requestPath = (request.url ?? '/').split('?')[0] ?? '/';
    if (isConsoleForwardPath(requestPath)) {
      const port = (server.address() as { port: number }).port;
      forwardConsoleRequest(request, response, readMeta(backend.db, 'server_url'), [`http://${host}:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`]);
      return;
    }
    const path = normalize(decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/')).replace(/^(\.\.[/\\])+/, '');
    let file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    if (!existsSync(file)) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('The desk screens are not built yet: run `npm run desk:web` (it builds them) or `npx vite build --config renderer/vite.config.ts`.');
      return;
    }
    response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream', 'content-security-policy': contentSecurityPolicy, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });
    createReadStream(file).pipe(response);
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (request: IncomingMessage, socket, head) => {
    const origin = request.headers.origin;
    const port = (server.address() as { port: number }).port;
    const allowed = [`http://${host}:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
    if (request.url !== deskApiPath || (origin !== undefined && !allowed.includes(origin))) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });

  const clients = new Set<WebSocket>();
  const send = (ws: WebSocket, message: WireToRenderer) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const stopEvents = backend.onEvent(<E extends keyof DeskEvents>(event: E, payload: DeskEvents[E]) => {
    for (const ws of clients) send(ws, { kind: 'event', event, payload } as WireToRenderer);
  });

  sockets.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    send(ws, { kind: 'hello', apiVersion: deskApiVersion });
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data) => {
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (typeof message !== 'object' || message === null) return;
      const { kind, id, channel, args } = message as { kind?: unknown; id?: unknown; channel?: unknown; args?: unknown };
      if (kind !== 'call' || typeof id !== 'number') return;
      if (!isChannel(channel) || typeof args !== 'object' || args === null || Array.isArray(args)) {
        send(ws, { kind: 'answer', id, result: { ok: false, error: { code: 'invalid-input', message: 'Unknown desk API channel or malformed arguments.' } } });
        return;
      }
      const handler = backend.handlers[channel] as (input: unknown) => ReturnType<DeskApiHandlers[DeskChannel]>;
      handler(args).then(
        (result) => send(ws, { kind: 'answer', id, result }),
        (error: unknown) => send(ws, { kind: 'answer', id, result: { ok: false, error: { code: 'internal-error', message: `The desk backend failed: ${error instanceof Error ? error.message : String(error)}` } } }),
      );
    });
  });

  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(options.port, host, () => {
      const port = (server.address() as { port: number }).port;
      resolveStart({
        server,
        url: `http://${host}:${port}`,
        close: async () => {
          stopEvents();
          for (const ws of clients) ws.terminate();
          sockets.close();
          await new Promise((done) => server.close(done));
        },
      });
    });
  });
}
