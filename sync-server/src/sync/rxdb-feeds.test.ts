import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { createRxDatabase, type RxCollection, type RxDatabase, type RxJsonSchema } from 'rxdb/plugins/core';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PullAnswerValue, PullCheckpointValue } from '@contract/sync';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';

/**
 * Both server feeds against RxDB's own replication (`replicateRxCollection`, memory storage): RxDB
 * pulls again while a page is as full as its batch size and does not store the checkpoint of an
 * empty page, so a feed that ends a window on an empty page after a full one leaves the replica on
 * a stale mid-window checkpoint, and later changes of documents that sort before it never arrive
 * (issue 12.1). Each feed is replicated at batch sizes N-1, N and N+1 around its document count N;
 * then a document whose id sorts first changes, and it must arrive.
 */
interface FeedDocument {
  key: string;
  body: string;
}
const schema: RxJsonSchema<FeedDocument> = {
  version: 0,
  primaryKey: 'key',
  type: 'object',
  properties: { key: { type: 'string', maxLength: 200 }, body: { type: 'string' } },
  required: ['key', 'body'],
};

let databases = 0;
type FeedDatabase = RxDatabase<{ docs: RxCollection<FeedDocument> }>;
async function feedCollection(): Promise<{ database: FeedDatabase; collection: RxCollection<FeedDocument> }> {
  databases += 1;
  const database = await createRxDatabase<{ docs: RxCollection<FeedDocument> }>({
    name: `feed-check-${process.pid}-${databases}`,
    storage: getRxStorageMemory(),
    multiInstance: false,
  });
  await database.addCollections({ docs: { schema } });
  return { database, collection: database.docs };
}

/** One page as a feed answers it, reduced to what RxDB needs. */
interface FeedPage<C> {
  documents: FeedDocument[];
  checkpoint: C;
}

/**
 * Replicate with RxDB at one batch size, let it settle, run `change`, poke it (RESYNC, as the
 * apps do on a server poke) and wait until it has pulled again and is in sync. Returns the
 * replica's documents before and after the change.
 */
async function replicateAndChange<C>(
  batchSize: number,
  pullPage: (checkpoint: C | undefined, limit: number) => Promise<FeedPage<C>>,
  change: () => Promise<void>,
): Promise<{ before: Map<string, string>; after: Map<string, string> }> {
  const { database, collection } = await feedCollection();
  const resync$ = new Subject<'RESYNC'>();
  let pulls = 0;
  const replication = replicateRxCollection<FeedDocument, C>({
    replicationIdentifier: `feed-check-${randomUUID()}`,
    collection,
    live: true,
    waitForLeadership: false,
    toggleOnDocumentVisible: false,
    retryTime: 100,
    pull: {
      batchSize,
      stream$: resync$.asObservable(),
      handler: async (checkpoint, limit) => {
        const page = await pullPage(checkpoint ?? undefined, limit);
        pulls += 1;
        return { documents: page.documents.map((d) => ({ ...d, _deleted: false })), checkpoint: page.checkpoint };
      },
    },
  });
  const errors: unknown[] = [];
  replication.error$.subscribe((error) => errors.push(error));
  try {
    await replication.awaitInitialReplication();
    await replication.awaitInSync();
    const snapshot = async () => new Map((await collection.find().exec()).map((d) => [d.key, d.body]));
    const before = await snapshot();
    await change();
    const pullsBefore = pulls;
    resync$.next('RESYNC');
    // Deterministic: the poke's pull has run, and RxDB has nothing left to pull.
    await expect.poll(() => pulls, { timeout: 20_000 }).toBeGreaterThan(pullsBefore);
    await replication.awaitInSync();
    expect(errors).toEqual([]);
    return { before, after: await snapshot() };
  } finally {
    await replication.cancel();
    await database.close();
  }
}

describeEachBackend('server feeds under RxDB replication (%s)', (backend) => {
  let server: TestServer;
  let ha = '';
  let desk = '';
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 4 });
    ha = await server.login('ha');
    const medco = await server.login('medco.a');
    for (const memberId of [demoIds.father, demoIds.son])
      resultOf(await server.command(medco, 'admit', { caseId: randomUUID(), memberId, identityMethod: 'fingerprint' }));
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    desk = `Desk ${String(enrolled.body.credential)}`;
  });
  afterAll(async () => server?.close());

  const consolePage = async (checkpoint: unknown, limit: number): Promise<FeedPage<unknown>> => {
    const query = new URLSearchParams({ collection: 'cases', limit: String(limit), ...(checkpoint ? { checkpoint: JSON.stringify(checkpoint) } : {}) });
    const answer = await server.get(ha, `/console/feed/pull?${query.toString()}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const documents = answer.body.documents as Record<string, unknown>[];
    return { documents: documents.map((d) => ({ key: String(d.id), body: JSON.stringify(d) })), checkpoint: answer.body.checkpoint };
  };
  const deskPage = async (checkpoint: PullCheckpointValue | undefined, limit: number): Promise<FeedPage<PullCheckpointValue>> => {
    const query = `limit=${limit}${checkpoint ? `&checkpoint=${encodeURIComponent(JSON.stringify(checkpoint))}` : ''}`;
    const answer = await server.raw('GET', `/sync/pull?${query}`, { headers: { authorization: desk } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const body = answer.body as unknown as PullAnswerValue;
    // confirmedAt is the server's clock at the read: left out, so "changed" means the row changed.
    return {
      documents: body.documents.map((d) => ({ key: `${d.table}:${d.id}`, body: JSON.stringify({ ...d.row, confirmedAt: null }) })),
      checkpoint: body.checkpoint,
    };
  };
  /** How many documents one full window holds, read with a page larger than all of them. */
  const countOf = async <C>(pullPage: (checkpoint: C | undefined, limit: number) => Promise<FeedPage<C>>) => (await pullPage(undefined, 2000)).documents.length;

  it('the console feed converges at batch sizes N-1, N and N+1, and a change to the first case arrives', async () => {
    const count = await countOf(consolePage);
    expect(count).toBeGreaterThanOrEqual(2);
    for (const batchSize of [count - 1, count, count + 1]) {
      const [first] = await server.scratch.db.query<{ id: string }>('SELECT id::text AS id FROM cases ORDER BY id LIMIT 1');
      const { before, after } = await replicateAndChange(batchSize, consolePage, async () => {
        await server.scratch.db.query('UPDATE cases SET is_emergency = NOT is_emergency WHERE id = $1', [first!.id]);
      });
      expect(before.size, `batch ${batchSize}`).toBe(count);
      const was = JSON.parse(before.get(first!.id)!) as { isEmergency: boolean };
      const is = JSON.parse(after.get(first!.id)!) as { isEmergency: boolean };
      expect(is.isEmergency, `batch ${batchSize}: the first case's change never arrived`).toBe(!was.isEmergency);
    }
  });

  it('the desk pull converges at batch sizes N-1, N and N+1, and a change to the first family arrives', async () => {
    const count = await countOf(deskPage);
    expect(count).toBeGreaterThan(40);
    for (const batchSize of [count - 1, count, count + 1]) {
      const [first] = await server.scratch.db.query<{ id: string }>("SELECT id::text AS id FROM families WHERE district = 'Pune' ORDER BY id LIMIT 1");
      const key = `families:${first!.id}`;
      const phone = `9${String(batchSize).padStart(9, '0')}`;
      const { before, after } = await replicateAndChange(batchSize, deskPage, async () => {
        await server.scratch.db.query('UPDATE families SET registered_phone = $2 WHERE id = $1', [first!.id, phone]);
      });
      expect(before.size, `batch ${batchSize}`).toBe(count);
      expect(before.has(key)).toBe(true);
      expect(
        (JSON.parse(after.get(key)!) as { registeredPhoneEnding: string }).registeredPhoneEnding,
        `batch ${batchSize}: the first family's change never arrived`,
      ).toBe(phone.slice(-4));
    }
  });

  it('a limit above the cap is refused with a sentence, not cut down to a short page', async () => {
    const console = await server.get(ha, '/console/feed/pull?collection=cases&limit=2001');
    expect(console.status).toBe(400);
    expect(console.body).toMatchObject({ code: 'invalid-input', details: { maxLimit: 2000 } });
    expect(String(console.body.message)).toMatch(/at most 2000/);
    const pull = await server.raw('GET', '/sync/pull?limit=5001', { headers: { authorization: desk } });
    expect(pull.status).toBe(400);
    expect(pull.body).toMatchObject({ code: 'invalid-input', details: { maxLimit: 5000 } });
    // The caps themselves are served.
    expect((await server.get(ha, '/console/feed/pull?collection=cases&limit=2000')).status).toBe(200);
    expect((await server.raw('GET', '/sync/pull?limit=5000', { headers: { authorization: desk } })).status).toBe(200);
  });
});
