/**
 * Boots the sync server: `npm run server` (DATABASE_URL → PostgreSQL, otherwise embedded PGlite)
 * and `npm start` (adds --demo: the demo scheme, hospitals, operators and the seed family).
 */
import { issuerKeysFromEnvironment } from './identifiers/issuer-keys';
import { silentMinutesFromEnvironment } from './fleet/routes';
import { buildApp } from './app';
import { join } from 'node:path';
import { isProductionMode } from './auth/keyring';
import { defaultDataDir, openDatabase, waitForDatabase } from './db/open';
import { demoIds, demoOperators, demoPassword, seedDemo } from './demo/seed';
import { demoSliceDays, demoSliceStart, generateDemoSlice } from './demo/history';
import type { ServerKeys } from './auth/keyring';
import { deploymentSettings } from './deployment';
import { prepareServer } from './server-state';
import { migrate } from './db/migrate';
import { runtimeRoleProblem } from './db/roles';
import { ChangeNotifier } from './sync/notifier';
import { documentsDirectory } from './documents/store';
import { startBreachWatcher } from './console/breach-watcher';
import { startMetricsServer } from './observability/metrics-server';

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
  // The audit chain's head is anchored outside the database (audit/anchors.ts): a file IT names,
  // or for an embedded demo database one beside its data. Production refuses to start without one.
  const anchorFile =
    process.env.COVERDESK_AUDIT_ANCHOR_FILE || (production ? null : join(process.env.COVERDESK_DATA_DIR ?? defaultDataDir, '..', 'audit-anchors.jsonl'));
  if (!anchorFile)
    throw new Error(
      "Set COVERDESK_AUDIT_ANCHOR_FILE: the append-only file the audit chain's head is anchored to, outside the database (sync-server/docs/database-roles.md).",
    );
  const anchorIntervalMs = Number(process.env.COVERDESK_AUDIT_ANCHOR_INTERVAL_S ?? 60) * 1000;
  // Two roles (sync-server/docs/database-roles.md): migrations under MIGRATION_DATABASE_URL (the
  // owner), the server under DATABASE_URL (a member of coverdesk_runtime, which cannot alter a table
  // or switch off a trigger). Without MIGRATION_DATABASE_URL one role does both (PGlite, the demo).
  const migrationUrl = process.env.MIGRATION_DATABASE_URL;
  if (migrationUrl) {
    if (!process.env.DATABASE_URL) throw new Error("MIGRATION_DATABASE_URL is set without DATABASE_URL: set DATABASE_URL to the runtime role's connection.");
    const owner = await openDatabase({ ...process.env, DATABASE_URL: migrationUrl });
    try {
      await waitForDatabase(owner);
      const { applied } = await migrate(owner);
      console.log(`Migrations under the owner role (MIGRATION_DATABASE_URL): ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'none pending'}.`);
    } finally {
      await owner.close();
    }
  }
  const db = await openDatabase();
  await waitForDatabase(db);
  console.log(`CoverDesk sync server — database: ${db.kind === 'pglite' ? `embedded PGlite in ${db.location}` : `PostgreSQL ${db.location}`}`);
  // The demo is seeded before the audit chainer starts: on the first start, with a slice of history
  // (demo/history.ts) whose audit entries go on the simulated clock before they are linked.
  let seeded: { created: boolean } | null = null;
  const historyDays = isDemo ? demoSliceDays() : 0;
  const seedWithHistory = async (keys: ServerKeys) => {
    seeded = await seedDemo(db, { nationalIdKey: keys.nationalId.current.key, now: () => new Date(demoSliceStart(new Date(), historyDays)) });
    if (!seeded.created || historyDays === 0) return;
    const started = Date.now();
    const slice = await generateDemoSlice(db, keys, historyDays);
    console.log(
      `Demo history: ${slice.cases} cases at ${slice.hospitals} hospitals from ${slice.from.slice(0, 10)} to ${slice.to.slice(0, 10)} (${slice.commands} commands, ${((Date.now() - started) / 1000).toFixed(1)} s).`,
    );
  };
  const state = await prepareServer(db, {
    ...(demoKeyFile ? { demoKeyFile } : {}),
    anchorFile,
    anchorIntervalMs,
    migrations: migrationUrl ? 'check' : 'run',
    foldKpisEveryMs: 2_000,
    ...(isDemo ? { beforeAuditWork: seedWithHistory } : {}),
  });
  console.log(`Server keys: ${state.keys.source}.`);
  // Supporting documents' bytes (issue 19): outside the database, backed up with it (docs/documents.md).
  console.log(`Documents: ${documentsDirectory()} (COVERDESK_DOCUMENTS_DIR).`);
  if (state.auditRekeyed)
    console.log(
      `Audit chain re-keyed under audit key ${state.auditRekeyed.keyId}: ${state.auditRekeyed.entries} entries; the unkeyed chain ${state.auditRekeyed.legacyIntact ? 'verified before' : `did NOT verify before (${state.auditRekeyed.legacyProblem})`} (recorded in the audit log).`,
    );
  console.log(`Audit anchors: ${anchorFile}, every ${anchorIntervalMs / 1000} s.`);
  if (db.kind === 'postgres') {
    const problem = await runtimeRoleProblem(db);
    if (problem && migrationUrl)
      throw new Error(`DATABASE_URL must be the runtime role (a member of coverdesk_runtime), but ${problem}. See sync-server/docs/database-roles.md.`);
    if (problem)
      console.log(
        `Warning: the server runs under the role that migrates: ${problem}. Set MIGRATION_DATABASE_URL to the owner and DATABASE_URL to a member of coverdesk_runtime (sync-server/docs/database-roles.md).`,
      );
  }
  if (isDemo) {
    await state.reloadScheme();
    console.log((seeded as { created: boolean } | null)?.created ? 'Demo scheme created.' : 'Demo scheme already present.');
  }
  // A database holding the demo scheme is a demo, however the server was started (`npm start`,
  // then `npm run server` on the same data): its one-time codes stay readable at /dev/sms. A real
  // scheme never has the demo scheme's id.
  const isDemoDatabase = isDemo || (await db.query('SELECT 1 FROM schemes WHERE id = $1', [demoIds.schemeId])).length > 0;
  const notifier = new ChangeNotifier(db.kind === 'postgres' ? (process.env.DATABASE_URL ?? null) : null);
  await notifier.start();
  const settings = deploymentSettings(process.env, isDemoDatabase);
  // National ID QR issuers' public keys (issue 16, docs/identifiers.md): a bad file stops the start.
  const idIssuerKeys = issuerKeysFromEnvironment();
  console.log(
    idIssuerKeys
      ? `National ID QR issuers with a key: ${[...idIssuerKeys.keys()].join(', ') || 'none'} (${process.env.COVERDESK_ID_ISSUER_KEYS_FILE}).`
      : 'National ID QR issuers with a key: none (COVERDESK_ID_ISSUER_KEYS_FILE unset): every QR is linked as an unverified document.',
  );
  console.log(
    settings.trustedProxies.length > 0
      ? `Client addresses from X-Forwarded-For of the trusted proxies ${settings.trustedProxies.join(', ')} (COVERDESK_TRUSTED_PROXIES); every other peer is its own address.`
      : 'Client addresses: the TCP peer (COVERDESK_TRUSTED_PROXIES unset: X-Forwarded-For is ignored).',
  );
  const app = await buildApp({
    db,
    notifier,
    exposeDevelopmentSms: settings.exposeDevelopmentSms,
    serveDocs: settings.serveDocs,
    hstsMaxAgeSeconds: settings.hstsMaxAgeSeconds,
    trustedProxies: settings.trustedProxies,
    scheme: state.scheme,
    reloadScheme: state.reloadScheme,
    keys: state.keys,
    auditAnchors: state.auditAnchors,
    logger: process.env.COVERDESK_LOG === '1',
    deskSilentAfterMinutes: silentMinutesFromEnvironment(process.env.COVERDESK_DESK_SILENT_MINUTES),
    ...(idIssuerKeys ? { idIssuerKeys } : {}),
  });
  await app.listen({ port, host });
  // Prometheus figures on a port of their own (observability/): METRICS_PORT ("off" serves none; 0
  // picks a free one) on METRICS_HOST (default loopback). Unset, it is Prometheus's usual 9464 for
  // a server on the default port, and a free port beside a server given its own PORT (tests and
  // the demo launcher start several servers on one machine); the banner names it.
  const metricsPort = process.env.METRICS_PORT ?? (process.env.PORT === undefined ? '9464' : '0');
  const metricsServer =
    metricsPort === 'off' ? null : await startMetricsServer(app.metrics, { host: process.env.METRICS_HOST ?? '127.0.0.1', port: Number(metricsPort) });
  if (metricsServer) console.log(`Metrics (Prometheus text format): ${metricsServer.url}`);
  // Turnaround clocks breach by the passing of time: look every 30 s and tell the owning roles.
  const breaches = startBreachWatcher({ db, notifier, onError: (error) => console.error('Service-level watch failed:', error) });
  console.log(
    `Listening on http://${host}:${port}  (API documentation: ${settings.serveDocs ? `http://${host}:${port}/docs` : 'off in production; COVERDESK_DOCS=1 serves it'})`,
  );
  if (settings.exposeDevelopmentSms)
    console.log(
      `Demo scheme: one-time codes go to the development SMS sink, shown at http://${host}:${port}/dev/sms to callers on this machine only (loopback; demo mode only, never in production) and by npm run demo:devices -- otp.`,
    );
  else if (isDemoDatabase) console.log('Demo scheme in production mode: the development SMS sink (/dev/sms) is not served.');
  if (isDemo) console.log(`Demo operators (password "${demoPassword}"): ${demoOperators.map((o) => `${o.username} [${o.roles.join(',')}]`).join(', ')}`);

  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    console.log(`${signal}: finishing requests in flight and closing the database…`);
    await app.close();
    await metricsServer?.close();
    await breaches.stop();
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
