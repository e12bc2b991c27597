import { describe, expect, it } from 'vitest';
import { appEntryUrl, appOrigin } from './app-protocol';
import { isAllowedExternalUrl } from './external-links';
import { isPermissionGranted, type PermissionAsk } from './permissions';
import { checkSafeStorage } from './safe-storage-policy';
import { planUpdateFeed } from './update-feed';

/**
 * The main process's decisions, each as a table. Before these modules main.ts granted `media`
 * and `notifications` to any origin, opened any https URL and had no safeStorage check: the
 * "attack" rows below were granted, opened or accepted then.
 */
describe('permission decisions of the default session', () => {
  const ask = (permission: string, requestingUrl: string, extra: Partial<PermissionAsk> = {}): boolean =>
    isPermissionGranted({ permission, requestingUrl, isMainFrame: true, ...extra });

  it("grants the camera and notifications to the desk's own page only", () => {
    expect(ask('media', `${appEntryUrl}#/identity`, { mediaTypes: ['video'] })).toBe(true);
    expect(ask('media', appOrigin, { mediaTypes: ['video'] })).toBe(true); // the check handler passes the origin
    expect(ask('notifications', appEntryUrl)).toBe(true);
  });

  it('attack: another origin asking for the camera, the microphone or notifications is refused', () => {
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:4700/console/',
      'file:///tmp/page.html',
      'coverdesk://evil/index.html',
      'coverdesk://x@desk/index.html',
      'not a url',
      '',
    ]) {
      expect(ask('media', url, { mediaTypes: ['video'] }), url).toBe(false);
      expect(ask('notifications', url), url).toBe(false);
    }
  });

  it('the microphone, a subframe, and every other permission are refused even to the desk', () => {
    expect(ask('media', appEntryUrl, { mediaTypes: ['audio'] })).toBe(false);
    expect(ask('media', appEntryUrl, { mediaTypes: ['video', 'audio'] })).toBe(false);
    expect(ask('media', appEntryUrl)).toBe(false);
    expect(ask('media', appEntryUrl, { mediaTypes: ['video'], isMainFrame: false })).toBe(false);
    for (const permission of [
      'geolocation',
      'openExternal',
      'clipboard-read',
      'display-capture',
      'hid',
      'serial',
      'usb',
      'fileSystem',
      'toString',
      '__proto__',
      'unknown',
    ]) {
      expect(ask(permission, appEntryUrl), permission).toBe(false);
    }
  });
});

describe('shell.openExternal allow-list', () => {
  it('opens the help pages and the enrolled https server', () => {
    expect(isAllowedExternalUrl('https://coverdesk.example.org/help/admission', null)).toBe(true);
    expect(isAllowedExternalUrl('https://coverdesk.state.example/console/', 'https://coverdesk.state.example/')).toBe(true);
    expect(isAllowedExternalUrl('https://coverdesk.state.example:8443/x', 'https://coverdesk.state.example:8443')).toBe(true);
  });

  it('attack: any other https site, another scheme, credentials or an http server are refused', () => {
    const refused = [
      'https://evil.example/phish',
      'https://coverdesk.example.org.evil.example/',
      'https://coverdesk.example.org@evil.example/',
      'https://user:pw@coverdesk.example.org/',
      'http://coverdesk.example.org/',
      'file:///etc/passwd',
      'smb://share/x',
      'javascript:alert(1)',
      'ms-msdt:/id PCWDiagnostic',
      'https://coverdesk.state.example:9999/',
      'not a url',
    ];
    for (const url of refused) expect(isAllowedExternalUrl(url, 'https://coverdesk.state.example/'), url).toBe(false);
    // A desk enrolled with an http server (development) does not make that server openable.
    expect(isAllowedExternalUrl('https://127.0.0.1:4700/', 'http://127.0.0.1:4700')).toBe(false);
  });
});

describe('update feed plan', () => {
  it('an installed build refuses an http: COVERDESK_UPDATE_URL and then checks nothing', () => {
    const plan = planUpdateFeed('http://updates.hospital.lan/desk', true);
    expect(plan).toMatchObject({ kind: 'refused', check: false });
    expect(plan.kind === 'refused' && plan.message).toMatch(/COVERDESK_UPDATE_URL refused: .*not https/);
    expect(planUpdateFeed('file:///tmp/feed', true)).toMatchObject({ kind: 'refused', check: false });
    expect(planUpdateFeed('not a url', true)).toMatchObject({ kind: 'refused', check: false });
  });

  it('takes an https feed, the built-in feed when none is set, and never checks in development', () => {
    expect(planUpdateFeed('https://updates.hospital.example/desk', true)).toEqual({
      kind: 'custom',
      url: 'https://updates.hospital.example/desk',
      check: true,
    });
    expect(planUpdateFeed(undefined, true)).toEqual({ kind: 'built-in', check: true });
    expect(planUpdateFeed('  ', true)).toEqual({ kind: 'built-in', check: true });
    expect(planUpdateFeed('http://127.0.0.1:8080/feed', false)).toEqual({ kind: 'custom', url: 'http://127.0.0.1:8080/feed', check: false });
    expect(planUpdateFeed(undefined, false)).toEqual({ kind: 'built-in', check: false });
  });
});

describe('safeStorage backend check', () => {
  it("attack: Linux's basic_text store (a key the same on every computer) is refused, saying why and what to install", () => {
    const check = checkSafeStorage('linux', true, 'basic_text');
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.message).toMatch(/same on every\s+computer/);
    expect(check.message).toContain('gnome-keyring libsecret-1-0');
    expect(check.message).toContain('--password-store=gnome-libsecret');
  });

  it('accepts the Secret Service and KWallet stores, and the macOS and Windows stores', () => {
    for (const backend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'])
      expect(checkSafeStorage('linux', true, backend), backend).toEqual({ ok: true });
    expect(checkSafeStorage('darwin', true, null)).toEqual({ ok: true });
    expect(checkSafeStorage('win32', true, null)).toEqual({ ok: true });
  });

  it('refuses when the OS offers no encryption at all', () => {
    expect(checkSafeStorage('linux', false, 'unknown')).toMatchObject({ ok: false, message: expect.stringContaining('gnome-keyring') });
    expect(checkSafeStorage('win32', false, null)).toMatchObject({ ok: false });
  });
});
