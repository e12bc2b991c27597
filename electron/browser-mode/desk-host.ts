import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { deskApiVersion, deskChannels, type DeskApiHandlers, type DeskChannel, type DeskEvents } from '../desk-api/contract';
import { contentSecurityPolicy } from '../desk-api/content-security-policy';
import { deskApiPath, type WireToRenderer } from '../desk-api/wire';
import type { DeskBackend, OperatorSlot } from '../desk-backend/backend';
import { readMeta } from '../desk-backend/database';
import { forwardConsoleRequest, isConsoleForwardPath } from './console-forward';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.bin': 'application/octet-stream',
};

export { contentSecurityPolicy };

const isChannel = (value: unknown): value is DeskChannel => typeof value === 'string' && (deskChannels as readonly string[]).includes(value);

/** Events that carry nothing about patients (link and device health): every connection gets them. */
const eventsForAnyone: ReadonlySet<keyof DeskEvents> = new Set<keyof DeskEvents>(['sync.status', 'devices.status']);

function refuse(socket: { write(text: string): unknown; destroy(): unknown }, status: string, sentence: string): void {
  socket.write(`HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\n${sentence}`);
  socket.destroy();
}

/**
 * Browser mode: serves the built renderer on localhost and carries the desk API over a WebSocket.
 * Only pages from this very origin may open the socket (a browser always sends `Origin` on a
 * WebSocket upgrade; a socket without one is not a desk page), only requests naming this host
 * are answered (a DNS-rebound name is not), and every message is checked before a handler sees
 * it — the same rules Electron's main process applies to IPC senders.
 *
 * Every connection has its own sign-in (`OperatorSlot`): a page in another browser, a reloaded
 * page or a local process starts signed out, reads nothing until an operator signs in on it, and
 * gets no events about patients or cases until then.
 */
export function startDeskHost(
  backend: DeskBackend,
  options: { port: number; host?: string; rendererDir: string },
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const root = resolve(options.rendererDir);
  const port = (): number => (server.address() as { port: number }).port;
  const ownHosts = (): string[] => [`${host}:${port()}`, `localhost:${port()}`, `127.0.0.1:${port()}`];
  const ownOrigins = (): string[] => ownHosts().map((name) => `http://${name}`);
  const server = createServer((request, response) => {
    if (!ownHosts().includes(request.headers.host ?? '')) {
      response.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('This desk answers only requests addressed to its own loopback address.');
      return;
    }
    const requestPath = (request.url ?? '/').split('?')[0] ?? '/';
    if (isConsoleForwardPath(requestPath)) {
      forwardConsoleRequest(request, response, readMeta(backend.db, 'server_url'), ownOrigins());
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
    response.writeHead(200, {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(response);
  });

  // 36 MB: a document attached from a file (issue 19, documents.attach) crosses as base64, and
  // the scheme takes up to 25 MB (34 MB in base64). Loopback and own-origin pages only.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 36 * 1024 * 1024 });
  server.on('upgrade', (request: IncomingMessage, socket, head) => {
    const origin = request.headers.origin;
    if (request.url !== deskApiPath) return refuse(socket, '404 Not Found', `The desk API is at ${deskApiPath}.`);
    if (!ownHosts().includes(request.headers.host ?? ''))
      return refuse(socket, '421 Misdirected Request', 'This desk answers only requests addressed to its own loopback address.');
    if (origin === undefined || !ownOrigins().includes(origin)) return refuse(socket, '403 Forbidden', 'Only pages served by this desk may use the desk API.');
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });

  const clients = new Map<WebSocket, OperatorSlot>();
  const send = (ws: WebSocket, message: WireToRenderer) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const stopEvents = backend.onEvent(<E extends keyof DeskEvents>(event: E, payload: DeskEvents[E]) => {
    for (const [ws, slot] of clients) {
      if (slot.session || eventsForAnyone.has(event)) send(ws, { kind: 'event', event, payload } as WireToRenderer);
    }
  });

  sockets.on('connection', (ws: WebSocket) => {
    const slot: OperatorSlot = { session: null };
    const handlers = backend.handlersFor(slot);
    clients.set(ws, slot);
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
      const handler = handlers[channel] as (input: unknown) => ReturnType<DeskApiHandlers[DeskChannel]>;
      handler(args).then(
        (result) => send(ws, { kind: 'answer', id, result }),
        (error: unknown) =>
          send(ws, {
            kind: 'answer',
            id,
            result: {
              ok: false,
              error: { code: 'internal-error', message: `The desk backend failed: ${error instanceof Error ? error.message : String(error)}` },
            },
          }),
      );
    });
  });

  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(options.port, host, () => {
      resolveStart({
        server,
        url: `http://${host}:${port()}`,
        close: async () => {
          stopEvents();
          for (const ws of clients.keys()) ws.terminate();
          sockets.close();
          await new Promise((done) => server.close(done));
        },
      });
    });
  });
}
