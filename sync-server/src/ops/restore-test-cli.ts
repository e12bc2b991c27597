/**
 * `npm run ops:restore-test -- --config-path DIR [--stanza coverdesk] [--target TIME] [--set LABEL]
 * [--database NAME] [--pg-user postgres] [--scratch DIR] [--timeout SECONDS]`: restore a backup
 * into a scratch cluster, verify the audit chain and the money invariants on it, print the restore
 * time and write it to bench-results/restore.json (restore-test.ts). Run it with the server's
 * environment: the audit key (COVERDESK_AUDIT_KEY or COVERDESK_KEY_FILE) verifies the chain, and
 * DATABASE_URL names the database (or give --database). Exit 0 when everything holds, 1 when the
 * audit chain or an invariant fails, 2 on a refusal or an error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultStanza } from './pgbackrest';
import { OpsRefusal } from './postgres-tools';
import { restoreTest } from './restore-test';

const usage =
  'npm run ops:restore-test -- --config-path /var/lib/pgbackrest-coverdesk [--stanza coverdesk] [--target 2026-12-07T10:42:47Z] [--set LABEL] [--database coverdesk] [--pg-user postgres] [--scratch /tmp] [--timeout 3600]';

function databaseName(option: string | undefined): string {
  if (option) return option;
  const url = process.env.DATABASE_URL;
  const name = url ? decodeURIComponent(new URL(url).pathname.slice(1)) : '';
  if (!name)
    throw new OpsRefusal('missing-option', `give --database (the CoverDesk database in the cluster) or run with the server's DATABASE_URL. Usage: ${usage}`);
  return name;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'config-path': { type: 'string' },
        stanza: { type: 'string' },
        target: { type: 'string' },
        set: { type: 'string' },
        database: { type: 'string' },
        'pg-user': { type: 'string' },
        scratch: { type: 'string' },
        timeout: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new OpsRefusal('invalid-option', `${error instanceof Error ? error.message : String(error)}. Usage: ${usage}`);
  }
  const configPath = values['config-path'];
  if (!configPath) throw new OpsRefusal('missing-option', `--config-path (the folder of pgbackrest.conf) is required. Usage: ${usage}`);
  const timeoutSeconds = Number(values.timeout ?? 3600);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1)
    throw new OpsRefusal('invalid-option', `--timeout must be a whole number of seconds: ${values.timeout}.`);
  const report = await restoreTest(
    {
      configPath,
      stanza: values.stanza ?? defaultStanza,
      ...(values.target ? { target: values.target } : {}),
      ...(values.set ? { set: values.set } : {}),
      database: databaseName(values.database),
      pgUser: values['pg-user'] ?? 'postgres',
      scratchParent: values.scratch ?? tmpdir(),
      env: process.env,
      recoveryTimeoutMs: timeoutSeconds * 1000,
    },
    (line) => console.log(line),
  );
  const isSound = report.audit.isIntact && report.violations.length === 0;
  console.log(`Restored to ${report.restoredTo ?? 'the backup itself (no transaction replayed)'} from ${report.backup.label}.`);
  console.log(`Money invariants: ${report.familyYears} family-years checked, ${report.violations.length} broken.`);
  for (const violation of report.violations) console.log(`  family ${violation.family_id} year ${violation.policy_year}: ${violation.problem}`);
  if (!report.audit.isIntact) console.log('The audit chain did NOT verify (above).');
  console.log(
    `Restore time: ${(report.totalMs / 1000).toFixed(1)} s (copy ${(report.copyMs / 1000).toFixed(1)} s, recovery ${(report.recoveryMs / 1000).toFixed(1)} s).`,
  );
  const results = fileURLToPath(new URL('../../../bench-results', import.meta.url));
  mkdirSync(results, { recursive: true });
  const file = join(results, 'restore.json');
  writeFileSync(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), isSound, ...report, audit: { isIntact: report.audit.isIntact } }, null, 2)}\n`);
  console.log(`Written to ${file}.`);
  return isSound ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof OpsRefusal) console.error(`${error.code}: ${error.message}`);
    else console.error('Restore test failed:', error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
