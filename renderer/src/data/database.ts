/**
 * The renderer's read model: RxDB on the free memory storage, one collection per replicated
 * collection (4 of the 13 free RxDB allows per process). It is filled only by pull replication from
 * the desk backend (replication.ts) and never written by screens: commands go through the desk API,
 * and their effects come back through the backend, so the renderer cannot disagree with the desk.
 * Memory storage means nothing about patients is left in the browser profile after the window closes.
 */
import { createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb/plugins/core';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { DocumentOf } from './documents';
import { schemaOf } from './schemas';

export type DeskCollections = { [C in keyof DocumentOf]: RxCollection<DocumentOf[C]> };
export type DeskDatabase = RxDatabase<DeskCollections>;

let databaseCount = 0;

/** Whatever storage RxDB accepts (its type parameters are the storage's internals). */
type AnyStorage = Parameters<typeof createRxDatabase>[0]['storage'];

export async function createDeskDatabase(storage: AnyStorage = getRxStorageMemory()): Promise<DeskDatabase> {
  databaseCount += 1;
  // Memory storages share data by database name within a page: every database gets its own name.
  const name = `coverdesk-read-model-${Date.now().toString(36)}-${databaseCount}`;
  const database = await createRxDatabase<DeskCollections>({ name, storage, multiInstance: false, eventReduce: true });
  await database.addCollections({
    families: { schema: schemaOf.families },
    cases: { schema: schemaOf.cases },
    bookings: { schema: schemaOf.bookings },
    packages: { schema: schemaOf.packages },
  });
  return database;
}
