import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `vite build --config renderer/vite.config.ts` puts console.html and its assets. */
export const defaultConsoleDir = fileURLToPath(new URL('../../../renderer/dist', import.meta.url));

/**
 * The console page's policy, sent as a header: scripts, styles and connections only from this
 * server, no inline script, no eval, no framing. (React sets style attributes, hence
 * 'unsafe-inline' for styles only, as on the desk.)
 */
export const consoleContentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-src blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Console not built · CoverDesk</title></head>
<body><main><h1>The payer console is not built on this server</h1>
<p>Build it with <code>npx vite build --config renderer/vite.config.ts</code> (<code>npm start</code> does it on first start) and reload this page.</p></main></body></html>`;

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', consoleContentSecurityPolicy)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin');
}

/**
 * Serves the built console at /console/ (console.html) and /console/assets/*: a browser needs no
 * install. Paths are resolved inside the build folder only; anything else is a 404.
 */
export function registerConsoleStatic(app: FastifyInstance, dir: string): void {
  const root = resolve(dir);
  const page = async (reply: FastifyReply) => {
    const html = await readFile(join(root, 'console.html')).catch(() => null);
    if (!html) return secure(reply).status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(notBuiltPage);
    return secure(reply).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  };
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 301));
  app.get('/console/', { schema: { hide: true } }, async (_request, reply) => page(reply));
  app.get('/console/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const wanted = (request.params as { '*': string })['*'];
    const path = normalize(join(root, 'assets', wanted));
    if (!path.startsWith(join(root, 'assets') + sep) || wanted.includes('\0')) {
      return reply.status(404).send({ code: 'not-found', message: 'There is no such console file.' });
    }
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return reply.status(404).send({ code: 'not-found', message: 'There is no such console file.' });
    const body = await readFile(path);
    // Built asset names carry a content hash: they never change, so browsers may keep them.
    return secure(reply)
      .type(contentTypes[extname(path)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(body);
  });
}
