/**
 * Run by the rolling-upgrade test (tests/server/rolling-upgrade.test.ts) with the previous
 * release's folder as the working directory: that release's own code runs its migrations and seeds
 * its demo scheme (operators, hospitals A and B, the S1 family) on DATABASE_URL, as the database a
 * deploy starts from. Written against that release's module paths and functions; when a later
 * release becomes the previous one and moves them, this follows.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ReleaseDatabase {
  close(): Promise<void>;
}
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(process.cwd(), path)).href)) as T;

const { openDatabase } = await load<{ openDatabase: () => Promise<ReleaseDatabase> }>('sync-server/src/db/open.ts');
const { prepareServer } = await load<{
  prepareServer: (db: ReleaseDatabase, options: object) => Promise<{ nationalIdKey: Buffer; stop(): Promise<void> }>;
}>('sync-server/src/server-state.ts');
const { seedDemo } = await load<{
  seedDemo: (db: ReleaseDatabase, options: { nationalIdKey: Buffer; extraFamilies: number }) => Promise<{ created: boolean }>;
}>('sync-server/src/demo/seed.ts');

const db = await openDatabase();
try {
  // Keys from the environment (the test's), migrations as that release's server runs them on start.
  const state = await prepareServer(db, {});
  const seeded = await seedDemo(db, { nationalIdKey: state.nationalIdKey, extraFamilies: 0 });
  await state.stop();
  console.log(seeded.created ? 'Seeded the demo scheme.' : 'The demo scheme was there already.');
} finally {
  await db.close();
}
