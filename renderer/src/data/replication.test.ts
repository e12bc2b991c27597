import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, filter } from 'rxjs';
import type { DeskEvents } from '@desk-api/contract';
import { FakeDeskBackend } from '../../dev/fake-backend';
import { seedFamilyId, seedMemberIds } from '../../dev/fake-seed';
import type { DeskDatabase } from './database';
import { replicateReadModel, toReplicaDocument, type ReadModelReplication } from './replication';
import { createCheckedDeskDatabase } from './testing';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(desk: FakeDeskBackend): Promise<{ database: DeskDatabase; replication: ReadModelReplication }> {
  const database = await createCheckedDeskDatabase();
  const replication = replicateReadModel(database, desk, { batchSize: 3, retryTimeMs: 50 });
  cleanups.push(
    () => database.close(),
    () => replication.cancel(),
  );
  await firstValueFrom(replication.status$.pipe(filter((status) => status.isReady)));
  return { database, replication };
}

async function admit(desk: FakeDeskBackend, memberId: string, packageCode: string): Promise<string> {
  const admitted = await desk.call('cases.admit', { memberId, identityMethod: 'fingerprint' });
  if (!admitted.ok) throw new Error(admitted.error.message);
  const preauth = await desk.call('cases.requestPreauth', { caseId: admitted.value.caseId, packageCode });
  if (!preauth.ok) throw new Error(preauth.error.message);
  return admitted.value.caseId;
}

describe('read-model replication from the desk API', () => {
  it('pulls every collection in batches until the replica holds the backend’s documents', async () => {
    const desk = new FakeDeskBackend({ signedInAs: 'medco.a' });
    const { database } = await start(desk);
    const packages = await database.packages.find().exec();
    expect(packages.map((pkg) => pkg.code).sort()).toContain('MG012A');
    expect(packages).toHaveLength(11);
    const family = await database.families.findOne(seedFamilyId).exec();
    expect(family?.balance.value).toEqual({ cover: 1_000_000, committed: 0, available: 1_000_000 });
    expect(family?.members.map((member) => member.fullName)).toEqual(['Ramesh Patil', 'Sunita Patil', 'Arjun Patil', 'Priya Patil']);
    expect(await database.cases.count().exec()).toBe(1); // the seeded past stay
  });

  it('updates documents when the backend announces a change', async () => {
    const desk = new FakeDeskBackend({ signedInAs: 'medco.a' });
    const { database, replication } = await start(desk);
    const caseId = await admit(desk, seedMemberIds.father, 'MG012A');
    await replication.awaitInSync();
    await expect.poll(async () => (await database.cases.findOne(caseId).exec())?.preauthStatus).toBe('pending');
    await expect.poll(async () => (await database.families.findOne(seedFamilyId).exec())?.balance.value.available).toBe(400_000);

    desk.approvePreauth(caseId);
    await expect.poll(async () => (await database.cases.findOne(caseId).exec())?.preauthStatus).toBe('approved');

    await desk.call('bookings.add', { caseId, itemCode: 'WARD-DAY', description: 'General ward bed, per day', quantity: 2, unitPrice: 50_000 });
    await expect.poll(async () => (await database.bookings.find({ selector: { caseId } }).exec()).map((booking) => booking.status)).toEqual(['covered']);

    // A claim closes the case's bookings: they stay in the read model (the claim names them), as
    // the real desk backend keeps them.
    await desk.call('cases.discharge', { caseId });
    await desk.call('cases.submitClaim', { caseId, amount: 100_000 });
    await expect.poll(async () => (await database.cases.findOne(caseId).exec())?.status).toBe('discharged');
    const claimStatus = async () => {
      const answer = await desk.call('cases.view', { caseId });
      return answer.ok ? answer.value.claim?.status : answer.error.code;
    };
    await expect.poll(claimStatus).toBe('submitted');
    await replication.awaitInSync();
    expect((await database.bookings.find({ selector: { caseId } }).exec()).map((booking) => [booking.status, booking.amount])).toEqual([['covered', 100_000]]);
  });

  it('resyncs after the link to the backend comes back, catching changes it missed', async () => {
    const desk = new FakeDeskBackend({ signedInAs: 'medco.a' });
    const { database } = await start(desk);
    const caseId = await admit(desk, seedMemberIds.mother, 'MG006A');
    await expect.poll(async () => (await database.cases.findOne(caseId).exec())?.preauthStatus).toBe('pending');
    const pokes: DeskEvents['replication.changed'][] = [];
    const stopPokes = desk.on('replication.changed', (poke) => pokes.push(poke));
    cleanups.push(async () => stopPokes());
    desk.dropLink();
    desk.approvePreauth(caseId); // its poke is lost with the link
    // The backend sends its poke from a microtask: by the next macrotask it was delivered or lost.
    await new Promise((resolve) => setImmediate(resolve));
    expect(pokes).toEqual([]);
    expect((await database.cases.findOne(caseId).exec())?.preauthStatus).toBe('pending');
    desk.restoreLink();
    await expect.poll(async () => (await database.cases.findOne(caseId).exec())?.preauthStatus).toBe('approved');
  });

  it('reports a failing pull with the backend’s message and recovers', async () => {
    const desk = new FakeDeskBackend();
    const database = await createCheckedDeskDatabase();
    const replication = replicateReadModel(database, desk, { retryTimeMs: 30 });
    cleanups.push(
      () => database.close(),
      () => replication.cancel(),
    );
    const failing = await firstValueFrom(replication.status$.pipe(filter((status) => status.errors.packages !== undefined)));
    expect(failing.errors.packages?.message).toBe('Sign in to continue.');
    expect(failing.isReady).toBe(false);
    await desk.call('session.signIn', { username: 'medco.a', password: 'coverdesk-demo' });
    const recovered = await firstValueFrom(replication.status$.pipe(filter((status) => status.isReady && Object.keys(status.errors).length === 0)));
    expect(recovered.isReady).toBe(true);
    expect(await database.packages.count().exec()).toBe(11);
  });

  it('runs on a database that validates every write (so the tests above prove the documents fit)', async () => {
    const database = await createCheckedDeskDatabase();
    cleanups.push(() => database.close());
    await expect(database.packages.insert({ id: 'X1', code: 'X1', name: 'x', specialty: 's', isUnspecified: false, price: -1, version: 1 })).rejects.toThrow(
      /VD2|validation/i,
    );
  });

  it('refuses a malformed document at the boundary, naming the field, and accepts bare tombstones', () => {
    expect(() =>
      toReplicaDocument('packages', { id: 'X1', _deleted: false, code: 'X1', name: 'x', specialty: 's', isUnspecified: false, price: -5, version: 1 }),
    ).toThrow(/price is below 0/);
    expect(() => toReplicaDocument('bookings', { id: 'b1', _deleted: false })).toThrow(/missing bookingId/);
    expect(toReplicaDocument('cases', { id: 'c1', _deleted: true })).toMatchObject({ id: 'c1', _deleted: true });
  });
});
