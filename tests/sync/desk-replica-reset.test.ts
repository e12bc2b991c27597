import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { outboxExportFolder, replicaResetLog } from '../../electron/desk-backend/outbox-export';
import { readOutboxExport } from '../../sync-server/node-shared/outbox-export';
import { demoIds } from '../../sync-server/src/demo/seed';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

function refusal<T>(result: DeskResult<T>): { code: string; message: string } {
  if (result.ok) throw new Error('expected a refusal');
  return result.error;
}

interface OutboxRow {
  command_id: string;
  name: string;
  operator_id: string;
  body: string;
  proof: string;
  created_at: string;
}

/**
 * The desk's replica is disposable (issue 23): a reset with commands not yet pushed needs a
 * supervisor, writes them to a file first exactly as queued, and the file queued again (or pushed
 * again) applies each command on the server exactly once. A real SQLite replica, a real server.
 */
describe('resetting a desk replica with unsent commands (PGlite)', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let desk: DeskBackend;
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-replica-reset-'));
  let queued: OutboxRow[] = [];
  let exportName = '';
  const caseIds: string[] = [];

  /**
   * A started engine retries a failed cycle by itself; here the test asks again, a bounded number
   * of times. (Through the fault proxy, the first request after a pause now and then meets a
   * keep-alive connection closed under it: undici's "other side closed".)
   */
  const syncUntil = async (isDone: () => boolean): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await desk.engine.requestSync();
      if (isDone()) return;
    }
  };

  const casesOnServer = async (): Promise<number> => {
    const [row] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM cases WHERE id = ANY($1::uuid[])', [caseIds]);
    return row?.count ?? -1;
  };

  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 2 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    desk = new DeskBackend({ dataDir: dir, devices: {}, sync: { backoffBaseMs: 50, backoffMaxMs: 200 } });
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await desk.engine.requestSync();
  }, 120_000);

  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with two admissions queued offline, a reset without a supervisor (or without a real reason) is refused and changes nothing', async () => {
    proxy.setOffline(true);
    for (const memberId of [demoIds.father, demoIds.mother]) {
      caseIds.push(value(await desk.handlers['cases.admit']({ memberId, identityMethod: 'fingerprint' })).caseId);
    }
    queued = desk.db
      .prepare("SELECT command_id, name, operator_id, body, proof, created_at FROM outbox WHERE state = 'pending' ORDER BY sequence")
      .all() as OutboxRow[];
    expect(queued.map((row) => row.name)).toEqual(['admit', 'admit']);
    expect(value(await desk.handlers['replica.status']({}))).toMatchObject({ unpushedCommands: 2, exports: [] });

    const bare = refusal(await desk.handlers['replica.reset']({}));
    expect(bare.code).toBe('supervisor-required');
    expect(bare.message).toMatch(/2 changes made here have not reached the server yet/);
    expect(refusal(await desk.handlers['replica.reset']({ supervisorName: 'S. Patil', reason: 'broken' })).code).toBe('supervisor-required');
    expect(refusal(await desk.handlers['replica.reset']({ supervisorName: '  ', reason: 'The replica shows wrong balances' })).code).toBe(
      'supervisor-required',
    );

    expect(desk.engine.current().pendingMutations).toBe(2);
    expect(desk.reads.caseView(caseIds[0]!)?.status).toBe('pending-sync');
    expect(existsSync(join(dir, outboxExportFolder))).toBe(false);
    expect(existsSync(join(dir, replicaResetLog))).toBe(false);
  });

  it('with a supervisor and a reason it exports the commands exactly as queued, then empties the replica', async () => {
    const reset = value(await desk.handlers['replica.reset']({ supervisorName: 'S. Patil', reason: 'The replica shows wrong balances after a disk fault' }));
    expect(reset.exportedCommands).toBe(2);
    exportName = reset.fileName!;
    const text = readFileSync(join(dir, outboxExportFolder, exportName), 'utf8');
    if (process.platform !== 'win32') expect(readdirSync(join(dir, outboxExportFolder)).length).toBe(1);
    const reading = readOutboxExport(text);
    if (!reading.ok) throw new Error(reading.message);
    const file = reading.file;
    expect(file).toMatchObject({
      deskId: demoIds.deskA,
      cause: 'replica-reset',
      approval: { supervisorName: 'S. Patil', reason: 'The replica shows wrong balances after a disk fault' },
    });
    // The commands as queued: same ids, order, operator, body and the operator's signature.
    expect(
      file.mutations.map((mutation) => ({
        id: mutation.commandId,
        name: mutation.name,
        operator: mutation.operatorId,
        body: mutation.body,
        proof: mutation.proof,
      })),
    ).toEqual(
      queued.map((row) => ({ id: row.command_id, name: row.name, operator: row.operator_id, body: JSON.parse(row.body), proof: JSON.parse(row.proof) })),
    );
    expect(file.mutations.map((mutation) => mutation.body.caseId)).toEqual(caseIds);

    // A changed command (here: another member) no longer matches the checksum.
    expect(readOutboxExport(text.replace(demoIds.mother, demoIds.son))).toMatchObject({ ok: false, code: 'export-damaged' });

    // The replica is empty: no outbox, no cases; the reset is logged beside it with the supervisor.
    expect(desk.engine.current().pendingMutations).toBe(0);
    expect(desk.reads.caseView(caseIds[0]!)).toBeNull();
    expect(desk.document('cases', caseIds[0]!)).toEqual({ id: caseIds[0], _deleted: true });
    const [logLine] = readFileSync(join(dir, replicaResetLog), 'utf8').trim().split('\n');
    expect(JSON.parse(logLine!)).toMatchObject({ unpushed: 2, exportFile: exportName, exportSha256: file.sha256, approval: { supervisorName: 'S. Patil' } });
    // Still enrolled, still signed in.
    expect(desk.identity()?.deskId).toBe(demoIds.deskA);
    expect(value(await desk.handlers['replica.status']({})).exports).toEqual([
      expect.objectContaining({ fileName: exportName, commands: 2, cause: 'replica-reset', importedAt: null, problem: null }),
    ]);
  });

  it('back online, the fresh replica pulls the scope again and the server has neither admission yet', async () => {
    const resetAt = new Date().toISOString();
    proxy.setOffline(false);
    await syncUntil(() => desk.engine.current().isOnline && desk.engine.current().lastSyncAt! > resetAt);
    expect(desk.engine.current()).toMatchObject({ isOnline: true, pendingMutations: 0 });
    // The registry scope is back, member search included (built row by row as the pages arrive).
    const members = (table: string) => (desk.db.prepare(`SELECT count(*) AS count FROM ${table} WHERE id = ?`).get(demoIds.father) as { count: number }).count;
    expect([members('server_members'), members('member_search')]).toEqual([1, 1]);
    expect(await casesOnServer()).toBe(0);
  });

  it('queued again from the file, each admission applies once; queueing or pushing the file again applies nothing twice', async () => {
    expect(value(await desk.handlers['replica.importOutbox']({ fileName: exportName }))).toEqual({ queued: 2, alreadyKnown: 0 });
    expect(value(await desk.handlers['replica.importOutbox']({ fileName: exportName }))).toEqual({ queued: 0, alreadyKnown: 2 });
    await syncUntil(() => desk.engine.current().pendingMutations === 0);
    expect(desk.engine.current().pendingMutations).toBe(0);
    expect(await casesOnServer()).toBe(2);
    expect(desk.reads.caseView(caseIds[0]!)?.status).toBe('admitted');

    // The same file pushed once more with the desk's credential (what IT would hand over): answered
    // with the first answers, nothing new written.
    const reading = readOutboxExport(readFileSync(join(dir, outboxExportFolder, exportName), 'utf8'));
    if (!reading.ok) throw new Error(reading.message);
    const answer = await desk.client()!.push(reading.file.mutations);
    expect(answer.answers.map((a) => a.status)).toEqual([200, 200]);
    expect(await casesOnServer()).toBe(2);
    const [processed] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM commands WHERE command_id = ANY($1::uuid[])', [
      reading.file.mutations.map((mutation) => mutation.commandId),
    ]);
    expect(processed?.count).toBe(2);
  });

  it('refuses a damaged file and names that are not exports, queueing nothing', async () => {
    const damaged = join(dir, outboxExportFolder, 'outbox-damaged.json');
    writeFileSync(damaged, readFileSync(join(dir, outboxExportFolder, exportName), 'utf8').replace('wrong balances', 'right balances'));
    expect(refusal(await desk.handlers['replica.importOutbox']({ fileName: 'outbox-damaged.json' })).code).toBe('export-damaged');
    expect(refusal(await desk.handlers['replica.importOutbox']({ fileName: '../desk-credential' })).code).toBe('invalid-input');
    expect(desk.engine.current().pendingMutations).toBe(0);
    rmSync(damaged);
  });

  it('with an empty outbox the reset needs no supervisor and writes no file', async () => {
    expect(value(await desk.handlers['replica.reset']({}))).toEqual({ fileName: null, exportedCommands: 0 });
    expect(readdirSync(join(dir, outboxExportFolder))).toEqual([exportName]);
    await syncUntil(() => desk.reads.caseView(caseIds[0]!) !== null);
    expect(desk.reads.caseView(caseIds[0]!)?.status).toBe('admitted');
  });
});
