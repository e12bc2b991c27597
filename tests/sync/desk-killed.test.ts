import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { openReplicaFile } from '../../electron/desk-backend/database';
import { demoIds } from '../../sync-server/src/demo/seed';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fileURLToPath(new URL('./support/admit-then-wait.ts', import.meta.url));

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * A desk process SIGKILLed right after it answered a command: the operator saw "saved", so the
 * command must be in the replica's outbox when the desk starts again, and reach the server once.
 * The kill is real (a forked desk process with its replica open), not a row written by the test.
 */
describe('a desk process killed right after a local commit keeps the command (real SIGKILL; PGlite)', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let dir = '';

  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 2 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'coverdesk-desk-killed-'));
    // Enrol, sign in online once (the desk caches the operator's verifier) and pull the registry.
    const desk = new DeskBackend({ dataDir: dir, devices: {} });
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await desk.engine.requestSync();
    await desk.stop();
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('admits offline, is killed after the answer, and the reopened desk pushes the admission exactly once', async () => {
    proxy.setOffline(true);
    const deskProcess = fork(child, [dir, demoIds.son], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    deskProcess.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => deskProcess.once('exit', (_code, signal) => resolve(signal)));
    const answer = await new Promise<{ ok: boolean; caseId?: string; code?: string; isOfflineSession?: boolean }>((resolve, reject) => {
      deskProcess.once('message', (message) => resolve(message as { ok: boolean; caseId?: string }));
      deskProcess.once('exit', (code) => reject(new Error(`the desk process exited (${code}) before answering: ${stderr}`)));
    });
    deskProcess.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(answer).toMatchObject({ ok: true, isOfflineSession: true });
    const caseId = answer.caseId!;

    // The file as the kill left it, read by another connection before any desk code touches it.
    const replica = openReplicaFile(join(dir, 'desk-replica.sqlite'), readFileSync(join(dir, 'desk-replica-key'), 'utf8').trim(), { readonly: true });
    const queued = replica.prepare("SELECT name, state, body FROM outbox WHERE state = 'pending'").all() as { name: string; state: string; body: string }[];
    replica.close();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ name: 'admit', state: 'pending' });
    expect(JSON.parse(queued[0]!.body)).toMatchObject({ caseId, memberId: demoIds.son });

    // Started again with the network back: the admission reaches the server, once.
    proxy.setOffline(false);
    const reopened = new DeskBackend({ dataDir: dir, devices: {} });
    try {
      expect(reopened.engine.current().pendingMutations).toBe(1);
      reopened.start();
      value(await reopened.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
      await reopened.engine.requestSync();
      expect(reopened.engine.current().pendingMutations).toBe(0);
      expect(reopened.reads.caseView(caseId)?.status).toBe('admitted');
      const [cases] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM cases WHERE member_id = $1', [demoIds.son]);
      expect(cases?.count).toBe(1);
    } finally {
      await reopened.stop();
    }
  }, 120_000);
});
