import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../desk-api/content-security-policy';
import { appEntryUrl, appOrigin, createAppProtocolHandler, resolveAppPath } from './app-protocol';
import { isTrustedSender } from './ipc-guard';

/**
 * The renderer's custom protocol against a real folder: `renderer/` stands in for renderer/dist,
 * with a secret file beside it (what `file://` would have let a page read) and a symbolic link
 * from inside to outside.
 */
describe('coverdesk:// protocol handler', () => {
  const work = mkdtempSync(join(tmpdir(), 'coverdesk-protocol-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const root = join(work, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  mkdirSync(join(root, 'face-wasm'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>CoverDesk</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'face-wasm', 'tfjs-backend-wasm.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(work, 'desk-credential'), 'the desk credential');
  mkdirSync(join(work, 'renderer-other'));
  writeFileSync(join(work, 'renderer-other', 'x.js'), 'sibling folder sharing the prefix');
  symlinkSync(join(work, 'desk-credential'), join(root, 'assets', 'link.js'));
  const handle = createAppProtocolHandler(root);
  const get = async (url: string, method = 'GET') => {
    const response = await handle(new Request(url, { method }));
    return { status: response.status, body: await response.text(), headers: response.headers };
  };

  it("serves the renderer's files with their types, the desk CSP and nosniff", async () => {
    const entry = await get(appEntryUrl);
    expect(entry).toMatchObject({ status: 200, body: '<!doctype html><title>CoverDesk</title>' });
    expect(entry.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(entry.headers.get('content-security-policy')).toBe(contentSecurityPolicy);
    expect(entry.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get(`${appOrigin}/`)).body).toContain('CoverDesk');
    expect((await get(`${appOrigin}/assets/app.js?v=1#x`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // WebAssembly.instantiateStreaming needs application/wasm.
    expect((await get(`${appOrigin}/face-wasm/tfjs-backend-wasm.wasm`)).headers.get('content-type')).toBe('application/wasm');
    expect(await get(`${appOrigin}/assets/app.js`, 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect((await get(`${appOrigin}/missing.js`)).status).toBe(404);
    expect((await get(`${appOrigin}/assets`)).status).toBe(404);
    expect((await get(`${appOrigin}/index.html`, 'POST')).status).toBe(405);
  });

  it('refuses every way out of the renderer folder (attack: read the desk credential beside it)', async () => {
    const attempts = [
      `${appOrigin}/%2e%2e/desk-credential`,
      `${appOrigin}/assets/%2e%2e%2f%2e%2e%2fdesk-credential`,
      `${appOrigin}/..%2fdesk-credential`,
      `${appOrigin}/..%5cdesk-credential`,
      `${appOrigin}/assets/..%252f..%252fdesk-credential`,
      `${appOrigin}/index.html%00.js`,
      `${appOrigin}/assets/link.js`,
      `${appOrigin}/../renderer-other/x.js`,
      `${appOrigin}/%E0%A4%A`,
    ];
    for (const url of attempts) {
      const answer = await get(url);
      expect(answer.body, url).not.toContain('desk credential');
      expect(answer.body, url).not.toContain('sibling folder');
      expect([400, 403, 404], url).toContain(answer.status);
    }
  });

  it('answers only its own host and scheme', async () => {
    expect(resolveAppPath('coverdesk://evil/index.html', root)).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath('file:///etc/passwd', root)).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath('coverdesk://user:pw@desk/index.html', root)).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath('not a url', root)).toMatchObject({ ok: false, status: 400 });
    expect(resolveAppPath(`${appOrigin}/a/b/../c.js`, root)).toEqual({ ok: true, file: join(root, 'a', 'c.js') });
    expect(resolveAppPath(`${appOrigin}/..`, root)).toMatchObject({ ok: true, file: join(root, 'index.html') });
  });

  it('the IPC guard trusts the page at this origin, and no file:// page any more', () => {
    expect(isTrustedSender(`${appEntryUrl}#/cases`, appEntryUrl, true)).toBe(true);
    expect(isTrustedSender('file:///opt/CoverDesk/resources/app.asar/renderer/dist/index.html', appEntryUrl, true)).toBe(false);
    expect(isTrustedSender(`${appOrigin}/console.html`, appEntryUrl, true)).toBe(false);
  });
});
