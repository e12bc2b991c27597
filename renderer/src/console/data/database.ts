/**
 * The console's read model: RxDB on the memory storage (nothing about patients stays in the browser
 * profile), one collection per console feed collection, filled only by pull replication
 * (replication.ts). Screens never write it: decisions go to the server as commands and come back
 * through the feed.
 */
import { createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb/plugins/core';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { ConsoleDocumentOf } from './documents';
import { consoleSchemaOf } from './schemas';

export type ConsoleCollections = { [C in keyof ConsoleDocumentOf]: RxCollection<ConsoleDocumentOf[C]> };
export type ConsoleDatabase = RxDatabase<ConsoleCollections>;

let databaseCount = 0;
type AnyStorage = Parameters<typeof createRxDatabase>[0]['storage'];

export async function createConsoleDatabase(storage: AnyStorage = getRxStorageMemory()): Promise<ConsoleDatabase> {
  databaseCount += 1;
  const name = `coverdesk-console-${Date.now().toString(36)}-${databaseCount}`;
  const database = await createRxDatabase<ConsoleCollections>({ name, storage, multiInstance: false, eventReduce: true });
  await database.addCollections({
    cases: { schema: consoleSchemaOf.cases },
    claims: { schema: consoleSchemaOf.claims },
  });
  return database;
}
