import { describe, expect, it } from 'vitest';
import { checkServerUrl } from '../desk-api/transport-policy';
import { payerConsoleUrl } from './payer-window';

/**
 * Attack (issue 13 item 10): a packaged desk's payer window on an http:// server sends the payer's
 * token in clear; an http update feed can be swapped on the way. (Enrollment:
 * electron/desk-backend/https-enrollment.test.ts.)
 */
describe('packaged builds talk to https servers only', () => {
  it('the payer window opens only an https console in a packaged build', () => {
    expect(payerConsoleUrl('http://10.0.0.5:4700', true)).toMatchObject({ ok: false, error: { code: 'insecure-server-url' } });
    expect(payerConsoleUrl('https://sync.scheme.example', true)).toEqual({ ok: true, url: 'https://sync.scheme.example/console/' });
    expect(payerConsoleUrl('http://127.0.0.1:4700', false)).toEqual({ ok: true, url: 'http://127.0.0.1:4700/console/' });
  });

  it('COVERDESK_UPDATE_URL must be https in a packaged build', () => {
    expect(checkServerUrl('http://updates.scheme.example/desk/', true, 'update feed')).toMatchObject({ ok: false, code: 'insecure-server-url' });
    expect(checkServerUrl('file:///tmp/feed', true, 'update feed')).toMatchObject({ ok: false });
    expect(checkServerUrl('https://updates.scheme.example/desk/', true, 'update feed').ok).toBe(true);
    expect(checkServerUrl('http://127.0.0.1:8080/', false, 'update feed').ok).toBe(true);
  });
});
