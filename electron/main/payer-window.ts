/**
 * The payer workspaces in the Electron desk. The desk page is loaded from disk under a policy
 * that allows no server connection, so the workspaces open in a window of their own showing the
 * enrolled server's /console/ page — the same page a browser gets, under the server's own
 * content security policy, in a separate session (no preload, no desk API, no access to the desk
 * window's storage). Online only, as in a browser. Pure, so it is tested without Electron.
 */

export type ConsoleUrlResult =
  { readonly ok: true; readonly url: string } | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** The console page of the server the desk is enrolled with; an installed build (`requireHttps`) opens only an https one. */
export function payerConsoleUrl(serverUrl: string | null, requireHttps = false): ConsoleUrlResult {
  if (!serverUrl)
    return { ok: false, error: { code: 'not-enrolled', message: 'This desk is not enrolled with a server yet, so the payer workspaces cannot open here.' } };
  let server: URL;
  try {
    server = new URL(serverUrl);
  } catch {
    return { ok: false, error: { code: 'bad-server-url', message: `The desk's server address (${serverUrl}) is not a web address.` } };
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') {
    return { ok: false, error: { code: 'bad-server-url', message: `The desk's server address (${serverUrl}) is not an http(s) address.` } };
  }
  if (requireHttps && server.protocol !== 'https:') {
    return {
      ok: false,
      error: {
        code: 'insecure-server-url',
        message: `The desk's server address (${server.origin}) is not https, and an installed CoverDesk opens the payer workspaces only over https. Ask IT to enroll the desk with the https address.`,
      },
    };
  }
  return { ok: true, url: new URL('/console/', server.origin).toString() };
}

/** The console window may show the console page (any hash route) and nothing else. */
export function isConsoleNavigation(url: string, consoleUrl: string): boolean {
  try {
    const target = new URL(url);
    const page = new URL(consoleUrl);
    return target.origin === page.origin && target.pathname === page.pathname && target.username === '' && target.password === '';
  } catch {
    return false;
  }
}
