/**
 * Boots the sync server: `npm run server` (DATABASE_URL → PostgreSQL, otherwise embedded PGlite)
 * and `npm start` (adds --demo: the demo scheme, hospitals, operators and the seed family).
 */
import { buildApp } from './app';
import { join } from 'node:path';
import { isProductionMode } from './auth/keyring';
import { defaultDataDir, openDatabase } from './db/open';
import { demoIds, demoOperators, demoPassword, seedDemo } from './demo/seed';
import { deploymentSettings } from './deployment';
import { prepareServer } from './server-state';
import { ChangeNotifier } from './sync/notifier';

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const isDemo = args.has('--demo');
  const port = Number(process.env.PORT ?? 4700);
  const host = process.env.HOST ?? '127.0.0.1';

  // Production (NODE_ENV=production or any DATABASE_URL) refuses to start without keys from the
  // environment or COVERDESK_KEY_FILE; an embedded demo/development database gets a key file
  // generated beside its data, outside the database (SECURITY.md).
  const production = isProductionMode(process.env);
  const demoKeyFile = production ? undefined : join(process.env.COVERDESK_DATA_DIR ?? defaultDataDir, '..', 'server-keys.json');
  const db = await openDatabase();
  console.log(`CoverDesk sync server — database: ${db.kind === 'pglite' ? `embedded PGlite in ${db.location}` : `PostgreSQL ${db.location}`}`);
  const state = await prepareServer(db, demoKeyFile ? { demoKeyFile } : {});
  console.log(`Server keys: ${state.keys.source}.`);
  if (isDemo) {
    const seeded = await seedDemo(db, { nationalIdKey: state.nationalIdKey });
    await state.reloadScheme();
    console.log(seeded.created ? 'Demo scheme created.' : 'Demo scheme already present.');
  }
  // A database holding the demo scheme is a demo, however the server was started (`npm start`,
  // then `npm run server` on the same data): its one-time codes stay readable at /dev/sms. A real
  // scheme never has the demo scheme's id.
  const isDemoDatabase = isDemo || (await db.query('SELECT 1 FROM schemes WHERE id = $1', [demoIds.schemeId])).length > 0;
  const notifier = new ChangeNotifier(db.kind === 'postgres' ? process.env.DATABASE_URL ?? null : null);
  await notifier.start();
  const settings = deploymentSettings(process.env, isDemoDatabase);
  const app = await buildApp({ db, notifier, exposeDevelopmentSms: settings.exposeDevelopmentSms, serveDocs: settings.serveDocs, hstsMaxAgeSeconds: settings.hstsMaxAgeSeconds, scheme: state.scheme, reloadScheme: state.reloadScheme, keys: state.keys, logger: process.env.COVERDESK_LOG === '1' });
  await app.listen({ port, host });
  console.log(`Listening on http://${host}:${port}  (API documentation: ${settings.serveDocs ? `http://${host}:${port}/docs` : 'off in production; COVERDESK_DOCS=1 serves it'})`);
  if (settings.exposeDevelopmentSms) console.log(`Demo scheme: one-time codes go to the development SMS sink, shown at http://${host}:${port}/dev/sms to callers on this machine only (loopback; demo mode only, never in production) and by npm run demo:devices -- otp.`);
  else if (isDemoDatabase) console.log('Demo scheme in production mode: the development SMS sink (/dev/sms) is not served.');
  if (isDemo) console.log(`Demo operators (password "${demoPassword}"): ${demoOperators.map((o) => `${o.username} [${o.roles.join(',')}]`).join(', ')}`);

  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    console.log(`${signal}: finishing requests in flight and closing the database…`);
    await app.close();
    await notifier.stop();
    await state.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('The sync server could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
