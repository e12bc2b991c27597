import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../desk-api/contract';
import { demoIds } from '../../sync-server/src/demo/seed';
import { admitForEnrolment } from '../../sync-server/src/testing/enrolment';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { settleAuditChain, snapshotDatabase } from '../../sync-server/src/testing/snapshot';
import { FaultProxy } from '../../tests/support/fault-proxy';
import { DeskBackend } from './backend';
import { openReplicaFile } from './database';
import { openOperatorKey } from './operator-key';
import { OwnerOnlyFileSecretStore } from './secret-store';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-operator-proof-'));
  dirs.push(dir);
  return dir;
}
function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * Issue 13 item 4 at the desk: a stolen laptop's files are the replica (outbox, operator cache),
 * the credential file and the biometric key file. On the old desk they were enough to push
 * anything as any operator of the hospital (the push took `operatorId` from the body: an unsigned
 * admit as another operator answered 200). Now each outbox entry carries its operator's
 * signature, the key that makes it is sealed under the operator's password, and the server
 * refuses a change without a valid one.
 */
describe('operator proof from a real desk (PGlite server)', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 0 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.close();
  });
  afterEach(() => proxy?.setOffline(false));

  it("attack: a stolen laptop's files push an admission as another operator, or replay a queued one — refused, nothing written", async () => {
    const dir = tempDir();
    const desk = new DeskBackend({ dataDir: dir, signInFallbackMs: 200, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    await desk.engine.requestSync();
    const session = value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    // The operator admits a patient while the network is down: the change waits in the outbox, signed.
    proxy.setOffline(true);
    const { caseId } = value(await desk.handlers['cases.admit']({ memberId: demoIds.son, identityMethod: 'fingerprint' }));
    await desk.stop();
    proxy.setOffline(false);

    // The thief's copy: the credential file and the replica.
    const credential = new OwnerOnlyFileSecretStore(join(dir, 'desk-credential')).read();
    const replica = openReplicaFile(join(dir, 'desk-replica.sqlite'), readFileSync(join(dir, 'desk-replica-key'), 'utf8').trim(), { readonly: true });
    const queued = replica.prepare("SELECT command_id, name, operator_id, body, proof FROM outbox WHERE state = 'pending'").get() as {
      command_id: string;
      name: string;
      operator_id: string;
      body: string;
      proof: string;
    };
    const cached = replica.prepare('SELECT key_id, key_sealed FROM operator_cache WHERE username = ?').get('medco.a') as { key_id: string; key_sealed: string };
    replica.close();
    expect(JSON.parse(queued.body)).toMatchObject({ caseId });
    expect(JSON.parse(queued.proof)).toMatchObject({ keyId: cached.key_id });
    // The operator's key is in the replica only sealed under their password.
    expect(await openOperatorKey('a-guess', cached.key_sealed, cached.key_id, session.operatorId, demoIds.deskA)).toBeNull();

    const otherOperatorId = randomUUID();
    resultOf(
      await server.command(ha, 'create-operator', {
        operatorId: otherOperatorId,
        username: 'medco.thief',
        displayName: 'Second operator',
        password: 'another-long-password',
        roles: ['MEDCO'],
        hospitalId: demoIds.hospitalA,
      }),
    );
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const queuedMutation = {
      sequence: 1,
      commandId: queued.command_id,
      name: queued.name,
      operatorId: queued.operator_id,
      body: JSON.parse(queued.body) as object,
    };
    const pushed = await server.raw('POST', '/sync/push', {
      headers: { authorization: `Desk ${credential}` },
      payload: {
        protocolVersion: 1,
        mutations: [
          // A new admission as another operator of the hospital, unsigned (what the old desk sent).
          {
            sequence: 1,
            commandId: randomUUID(),
            name: 'admit',
            operatorId: otherOperatorId,
            body: { caseId: randomUUID(), memberId: demoIds.daughter, identityMethod: 'fingerprint' },
          },
          // The queued admission replayed under the other operator's id, and for another patient.
          { ...queuedMutation, sequence: 2, operatorId: otherOperatorId, proof: JSON.parse(queued.proof) as object },
          { ...queuedMutation, sequence: 3, body: { ...JSON.parse(queued.body), memberId: demoIds.daughter }, proof: JSON.parse(queued.proof) as object },
        ],
      },
    });
    expect((pushed.body.answers as { status: number; answer: { details?: { reason?: string } } }[]).map((a) => [a.status, a.answer.details?.reason])).toEqual([
      [403, 'missing'],
      [403, 'wrong-key'],
      [403, 'bad-signature'],
    ]);
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);

    // The operator, back at the desk, signs in (offline: the password opens the key) and the
    // admission made hours before goes through once the network is back.
    proxy.setOffline(true);
    const again = new DeskBackend({ dataDir: dir, signInFallbackMs: 200, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    expect(await again.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' })).toMatchObject({
      ok: true,
      value: { isOfflineSession: true },
    });
    proxy.setOffline(false);
    await again.engine.requestSync();
    const answered = again.db.prepare('SELECT status FROM outbox WHERE command_id = ?').get(queued.command_id) as { status: number };
    expect(answered.status).toBe(200);
    const [stored] = await server.scratch.db.query<{ admitted_by: string }>('SELECT admitted_by FROM cases WHERE id = $1', [caseId]);
    expect(stored?.admitted_by).toBe(session.operatorId);
    await again.stop();
  }, 120_000);

  it('templates reach the desk only while an operator is signed in on it; withheld ones come whole at the next sign-in', async () => {
    const dir = tempDir();
    const desk = new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    const medco = await server.login('medco.a');
    const scope = await admitForEnrolment(server, medco, 'medco.a', demoIds.mother);
    resultOf(await server.command(medco, 'enroll-fingerprint', { memberId: demoIds.mother, ...scope, template: randomBytes(512).toString('base64') }));
    await desk.engine.requestSync();
    const cachedFor = (memberId: string) =>
      (desk.db.prepare('SELECT count(*) AS n FROM biometric_enrolments WHERE member_id = ?').get(memberId) as { n: number }).n;
    expect(cachedFor(demoIds.mother)).toBe(0);
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    await desk.engine.requestSync();
    expect(cachedFor(demoIds.mother)).toBe(1);
    await desk.stop();
  }, 120_000);
});
