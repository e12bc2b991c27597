/**
 * The desk's own origin in Electron: `coverdesk://desk/…`, served from `renderer/dist` by a
 * protocol handler instead of `file://` (Electron's security checklist, item 18). A `file://` page
 * may read any file the user can (fetch, XHR, `<iframe src="file:///…">`) and shares one origin
 * with every other file; this scheme answers only files under the renderer folder, with the
 * desk's content security policy on every answer.
 *
 * Pure Node (web-standard Request/Response, node:fs), so the path resolution and the traversal
 * refusals are tested without Electron; main.ts registers the scheme as privileged before the app
 * is ready and hands `createAppProtocolHandler` to `protocol.handle`.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../desk-api/content-security-policy';

export const appScheme = 'coverdesk';
export const appHost = 'desk';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

/**
 * What the scheme may do (protocol.registerSchemesAsPrivileged): `standard` gives it real origins
 * and relative URLs, `secure` lets the page use what needs a secure context (getUserMedia for the
 * face camera), `supportFetchAPI` lets the face engine fetch its models and WASM. Not
 * `bypassCSP`, not `corsEnabled`, not `allowServiceWorkers`: nothing outside the desk reads it.
 */
export const appSchemePrivileges = { standard: true, secure: true, supportFetchAPI: true, stream: true } as const;

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export type AppPathResolution =
  { readonly ok: true; readonly file: string } | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

/**
 * The file a `coverdesk://desk/…` URL names, inside `root`, or why not. Refused: another scheme or
 * host; an encoded slash, backslash or NUL (`%2f`, `%5c`, `%00`: a second path syntax that
 * normalisation does not see); any `..` segment left after decoding; a path that resolves outside
 * the root. The URL parser already folds `/a/../b` and `%2e%2e`; this does not rely on it.
 */
export function resolveAppPath(url: string, root: string): AppPathResolution {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (parsed.protocol !== `${appScheme}:` || parsed.host !== appHost) return { ok: false, status: 403, reason: 'another origin' };
  if (parsed.username !== '' || parsed.password !== '') return { ok: false, status: 403, reason: 'credentials in the URL' };
  if (/%(2f|5c|00)/i.test(parsed.pathname) || parsed.pathname.includes('\\')) return { ok: false, status: 403, reason: 'encoded separator' };
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (path.includes('\0') || path.split('/').some((segment) => segment === '..' || segment === '.')) return { ok: false, status: 403, reason: 'dot segment' };
  const relativePath = path === '/' || path === '' ? 'index.html' : path.slice(1);
  const base = resolve(root);
  const file = resolve(base, relativePath);
  const inside = relative(base, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside))
    return { ok: false, status: 403, reason: 'outside the renderer folder' };
  return { ok: true, file };
}

export function contentTypeOf(file: string): string {
  return contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers of every answer, files and refusals alike. */
function baseHeaders(): Record<string, string> {
  return { 'Content-Security-Policy': contentSecurityPolicy, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
}

function refusal(status: number, reason: string): Response {
  return new Response(reason, { status, headers: { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' } });
}

/**
 * The handler `protocol.handle(appScheme, …)` runs: GET and HEAD of files under `root` only. A
 * symbolic link inside the folder that points out of it is refused as well (its real path is
 * checked against the root's real path).
 */
export function createAppProtocolHandler(root: string): (request: Request) => Promise<Response> {
  const realRoot = realpath(resolve(root));
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405, 'method not allowed');
    const resolved = resolveAppPath(request.url, root);
    if (!resolved.ok) return refusal(resolved.status, resolved.reason);
    let real: string;
    try {
      real = await realpath(resolved.file);
    } catch {
      return refusal(404, 'not found');
    }
    const inside = relative(await realRoot, real);
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return refusal(403, 'outside the renderer folder');
    const info = await stat(real);
    if (!info.isFile()) return refusal(404, 'not found');
    const headers = { ...baseHeaders(), 'Content-Type': contentTypeOf(real), 'Content-Length': String(info.size) };
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    return new Response(await readFile(real), { status: 200, headers });
  };
}
