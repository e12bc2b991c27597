import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeskBackend } from './backend';

/**
 * Attack (issue 13 item 10): an installed desk enrolled with, or pointed at, an http:// server sends
 * its enrollment code, credential and operators' passwords in clear on the hospital network, and an
 * http update feed can be swapped on the way. Packaged builds (`requireHttps`, from app.isPackaged)
 * refuse them before any request leaves; development runs keep http.
 */
const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('a packaged desk enrolls with https servers only', () => {
  it('enrollment with an http:// server is refused before any request reaches it; the development desk still enrolls over http', async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'invalid-input', message: 'no such code' }));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-https-'));
    dirs.push(dir);
    const packaged = new DeskBackend({ dataDir: dir, requireHttps: true });
    try {
      const refused = await packaged.handlers['enrollment.enroll']({ serverUrl: url, code: 'ABCDEF123456' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'insecure-server-url' } });
      expect(requests).toBe(0);
    } finally {
      await packaged.stop();
    }
    const devDir = mkdtempSync(join(tmpdir(), 'coverdesk-http-'));
    dirs.push(devDir);
    const development = new DeskBackend({ dataDir: devDir });
    try {
      await development.handlers['enrollment.enroll']({ serverUrl: url, code: 'ABCDEF123456' });
      expect(requests).toBe(1);
    } finally {
      await development.stop();
    }
  });
});
