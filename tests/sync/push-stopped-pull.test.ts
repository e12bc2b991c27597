import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * Found by the protocol model (tests/model, "every desk converges", issue 22): a desk whose push
 * the server could not finish (the answer says `stoppedAt`) never pulled again, because the sync
 * cycle pulled only after a complete push — so one stuck outbox entry froze every other hospital's
 * changes on that desk. A real server, behind a proxy that forwards everything except that it
 * answers every push "stopped at the first mutation".
 */
describe("a desk whose push the server cannot finish still receives everyone else's changes (PGlite)", () => {
  let server: TestServer;
  let proxy: Server;
  let isPushStopped = true;
  let desk: DeskBackend;
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-push-stopped-'));

  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 2 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const target = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    proxy = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks);
          if (request.url === '/sync/stream') {
            response.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"service-busy","message":"no stream here"}');
            return;
          }
          if (request.url === '/sync/push' && isPushStopped) {
            const sent = JSON.parse(body.toString('utf8')) as { protocolVersion: number; mutations: { commandId: string }[] };
            response
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ protocolVersion: sent.protocolVersion, answers: [], stoppedAt: sent.mutations[0]?.commandId ?? null }));
            return;
          }
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(request.headers))
            if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
          const answer = await fetch(`${target}${request.url}`, { method: request.method ?? 'GET', headers, ...(body.length > 0 ? { body } : {}) });
          const answerHeaders: Record<string, string> = {};
          answer.headers.forEach((value, name) => {
            if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'content-encoding') answerHeaders[name] = value;
          });
          response.writeHead(answer.status, answerHeaders).end(Buffer.from(await answer.arrayBuffer()));
        })().catch((error: unknown) => response.writeHead(502).end(String(error)));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    desk = new DeskBackend({ dataDir: dir, devices: {}, sync: { backoffBaseMs: 50, backoffMaxMs: 200 } });
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(
      await desk.handlers['enrollment.enroll']({ serverUrl: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`, code: String(issued.body.code) }),
    );
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await desk.engine.requestSync();
  }, 120_000);

  afterAll(async () => {
    await desk?.stop();
    await new Promise<void>((resolve) => proxy?.close(() => resolve()));
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls a case admitted elsewhere while its own admission waits, then pushes it once the server can', async () => {
    // The desk's own change, which the server keeps stopping at.
    const own = value(await desk.handlers['cases.admit']({ memberId: demoIds.son, identityMethod: 'fingerprint' }));
    // Someone else's change on the server (another desk of the hospital, through the API).
    const elsewhere = randomUUID();
    resultOf(await server.command(await server.login('medco.a'), 'admit', { caseId: elsewhere, memberId: demoIds.daughter, identityMethod: 'fingerprint' }));

    await desk.engine.requestSync();
    expect(desk.reads.caseView(elsewhere)?.status, 'the desk did not pull after a push the server stopped').toBe('admitted');
    // Not "offline": the server answered, and the desk says what happened to its change.
    expect(desk.engine.current()).toMatchObject({ pendingMutations: 1, state: 'error', isOnline: true, lastError: { code: 'push-not-finished' } });
    expect(desk.reads.caseView(own.caseId)?.status).toBe('pending-sync');

    isPushStopped = false;
    await desk.engine.requestSync();
    expect(desk.engine.current()).toMatchObject({ pendingMutations: 0, state: 'online' });
    expect(desk.reads.caseView(own.caseId)?.status).toBe('admitted');
  }, 60_000);
});
