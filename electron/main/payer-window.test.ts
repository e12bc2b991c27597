import { describe, expect, it } from 'vitest';
import { isConsoleNavigation, payerConsoleUrl } from './payer-window';

describe('the payer workspaces window of the Electron desk', () => {
  it('opens the enrolled server’s /console/ page, whatever path the server address carries', () => {
    expect(payerConsoleUrl('https://sync.scheme.example:8443')).toEqual({ ok: true, url: 'https://sync.scheme.example:8443/console/' });
    expect(payerConsoleUrl('http://127.0.0.1:4000/some/path?x=1')).toEqual({ ok: true, url: 'http://127.0.0.1:4000/console/' });
  });

  it('says why it cannot open: a desk not enrolled, or a server address that is not http(s)', () => {
    expect(payerConsoleUrl(null)).toMatchObject({ ok: false, error: { code: 'not-enrolled', message: /not enrolled with a server/ } });
    for (const address of ['not a url', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const result = payerConsoleUrl(address);
      expect(result.ok, address).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('bad-server-url');
    }
  });

  it('lets the window move between console routes only, never to another page or origin', () => {
    const page = 'https://sync.scheme.example/console/';
    expect(isConsoleNavigation('https://sync.scheme.example/console/', page)).toBe(true);
    expect(isConsoleNavigation('https://sync.scheme.example/console/#/ppd', page)).toBe(true);
    expect(isConsoleNavigation('https://sync.scheme.example/docs', page)).toBe(false);
    expect(isConsoleNavigation('https://sync.scheme.example.evil.test/console/', page)).toBe(false);
    expect(isConsoleNavigation('http://sync.scheme.example/console/', page)).toBe(false);
    expect(isConsoleNavigation('https://user:pw@sync.scheme.example/console/', page)).toBe(false);
    expect(isConsoleNavigation('not a url', page)).toBe(false);
  });
});
