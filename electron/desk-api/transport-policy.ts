/**
 * Packaged builds talk only to https servers and update feeds (issue 13 item 10; SECURITY.md): a
 * desk's credential, operators' passwords and the payer console's token must not cross the
 * hospital network in clear, and an update from an http feed could be replaced on the way. A
 * development run (`npm start`, the demo on 127.0.0.1) keeps http. Electron's main process decides
 * `packaged` from `app.isPackaged` and passes it to the desk backend (`requireHttps`). Pure (used by
 * electron/main and electron/desk-backend), so it is
 * tested without Electron.
 */
export type TransportCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly code: 'insecure-server-url' | 'invalid-input'; readonly message: string };

export function checkServerUrl(text: string, requireHttps: boolean, what: 'server' | 'update feed' = 'server'): TransportCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, code: 'invalid-input', message: `The ${what} address is not a valid URL, e.g. https://coverdesk.example.org.` };
  }
  if (url.protocol === 'https:') return { ok: true, url };
  if (url.protocol === 'http:' && !requireHttps) return { ok: true, url };
  return {
    ok: false,
    code: 'insecure-server-url',
    message: `The ${what} address ${url.origin} is not https: an installed CoverDesk sends passwords and credentials only over https. Ask IT for the https address.`,
  };
}
