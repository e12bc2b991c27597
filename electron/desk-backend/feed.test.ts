import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { createRxDatabase, type RxCollection, type RxJsonSchema } from 'rxdb/plugins/core';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { openReplica } from './database';
import { Feed } from './feed';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Entry {
  id: string;
  version: number;
}
const schema: RxJsonSchema<Entry> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 100 }, version: { type: 'integer' } },
  required: ['id', 'version'],
};

/**
 * The renderer's read-model feed (`replication.pull`, Feed.pullPage) under RxDB's own replication
 * at batch sizes N-1, N and N+1 around its document count (issue 12.1): every document arrives,
 * and a later change of the document that sorts first arrives too.
 */
describe('the renderer feed under RxDB replication', () => {
  it('converges at batch sizes N-1, N and N+1, and refuses a page larger than it serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-feed-'));
    dirs.push(dir);
    const db = openReplica(join(dir, 'replica.sqlite'));
    const feed = new Feed(db);
    const versions = new Map<string, number>();
    const count = 7;
    for (let n = 0; n < count; n += 1) {
      versions.set(`PKG-${n}`, 1);
      feed.touch('packages', `PKG-${n}`);
    }
    feed.save();
    expect(feed.pullPage('packages', null, Feed.maxPageSize + 1)).toBeNull();
    expect(feed.pullPage('packages', null, 0)).toBeNull();

    for (const batchSize of [count - 1, count, count + 1]) {
      const database = await createRxDatabase<{ packages: RxCollection<Entry> }>({
        name: `renderer-feed-${randomUUID()}`,
        storage: getRxStorageMemory(),
        multiInstance: false,
      });
      await database.addCollections({ packages: { schema } });
      const resync$ = new Subject<'RESYNC'>();
      let pulls = 0;
      const replication = replicateRxCollection<Entry, { sequence: number }>({
        replicationIdentifier: `renderer-feed-${randomUUID()}`,
        collection: database.packages,
        live: true,
        waitForLeadership: false,
        toggleOnDocumentVisible: false,
        retryTime: 100,
        pull: {
          batchSize,
          stream$: resync$.asObservable(),
          handler: async (checkpoint, limit) => {
            const page = feed.pullPage('packages', checkpoint ?? null, limit);
            if (!page) throw new Error(`refused limit ${limit}`);
            pulls += 1;
            return { documents: page.docIds.map((id) => ({ id, version: versions.get(id)!, _deleted: false })), checkpoint: page.checkpoint ?? undefined };
          },
        },
      });
      try {
        await replication.awaitInitialReplication();
        expect((await database.packages.find().exec()).length, `batch ${batchSize}`).toBe(count);
        // The first document changes (as the applier marks it), and the renderer is poked.
        versions.set('PKG-0', batchSize);
        feed.touch('packages', 'PKG-0');
        feed.save();
        const before = pulls;
        resync$.next('RESYNC');
        await expect.poll(() => pulls, { timeout: 10_000 }).toBeGreaterThan(before);
        await replication.awaitInSync();
        expect((await database.packages.findOne('PKG-0').exec())?.version, `batch ${batchSize}`).toBe(batchSize);
      } finally {
        await replication.cancel();
        await database.close();
      }
    }
    db.close();
  });
});
