/**
 * `npm run ops:backup-setup -- --pg-data DIR --pg-port PORT --repo DIR [--pg-socket DIR]
 * [--pg-user postgres] [--stanza coverdesk] [--archive-timeout 60] [--retention-full 2] [--restart]`:
 * pgBackRest with a local repository for the cluster at DIR:PORT (backup-setup.ts says what it
 * changes). Exit 0 when the first full backup is taken, 3 when the cluster must be restarted first
 * (archive_mode) and --restart was not given, 2 on a refusal (nothing changed) or an error.
 */
import { parseArgs } from 'node:util';
import { setupBackups } from './backup-setup';
import { defaultStanza } from './pgbackrest';
import { OpsRefusal } from './postgres-tools';

const usage =
  'npm run ops:backup-setup -- --pg-data /var/lib/postgresql/15/main --pg-port 5432 --repo /var/lib/pgbackrest-coverdesk [--pg-socket /var/run/postgresql] [--pg-user postgres] [--stanza coverdesk] [--archive-timeout 60] [--retention-full 2] [--restart]';

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65_535)
    throw new OpsRefusal('invalid-option', `--${name} must be a whole number from 1 to 65535: ${text}.`);
  return value;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'pg-data': { type: 'string' },
        'pg-port': { type: 'string' },
        'pg-socket': { type: 'string' },
        'pg-user': { type: 'string' },
        repo: { type: 'string' },
        stanza: { type: 'string' },
        'archive-timeout': { type: 'string' },
        'retention-full': { type: 'string' },
        restart: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new OpsRefusal('invalid-option', `${error instanceof Error ? error.message : String(error)}. Usage: ${usage}`);
  }
  const pgData = values['pg-data'];
  const repoDir = values.repo;
  if (!pgData || !repoDir || !values['pg-port']) throw new OpsRefusal('missing-option', `--pg-data, --pg-port and --repo are required. Usage: ${usage}`);
  const result = await setupBackups(
    {
      pgData,
      pgPort: positiveInteger('pg-port', values['pg-port'], 5432),
      pgSocket: values['pg-socket'] ?? '/var/run/postgresql',
      pgUser: values['pg-user'] ?? 'postgres',
      repoDir,
      stanza: values.stanza ?? defaultStanza,
      archiveTimeoutSeconds: positiveInteger('archive-timeout', values['archive-timeout'], 60),
      retentionFull: positiveInteger('retention-full', values['retention-full'], 2),
      mayRestart: values.restart === true,
    },
    (line) => console.log(line),
  );
  if (result.status === 'restart-needed') {
    console.log(
      'archive_mode is set but takes effect only after a restart of the cluster: restart it (e.g. pg_ctlcluster 15 main restart, or systemctl restart postgresql) and run this command again, or run it with --restart to restart it with pg_ctl.',
    );
    return 3;
  }
  const config = `--config-path=${result.repo.configPath} --stanza=${result.repo.stanza}`;
  console.log(`Backups are set up: ${result.backups} backup(s) in the repository, the newest ${result.backup.label}.`);
  console.log(`Schedule them as ${result.repo.runner.name} (crontab -u ${result.repo.runner.name} -e):`);
  console.log(`  30 1 * * 0   pgbackrest ${config} --type=full backup`);
  console.log(`  30 1 * * 1-6 pgbackrest ${config} --type=diff backup`);
  console.log(`Prove they restore: npm run ops:restore-test -- --config-path ${result.repo.configPath} --stanza ${result.repo.stanza} [--target TIME]`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof OpsRefusal) console.error(`${error.code}: ${error.message}`);
    else console.error('Backup setup failed:', error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
