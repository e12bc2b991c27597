import { chownSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archiveCommand, archiveNow, listBackups, localConfiguration, pgbackrest, takeBackup, type BackupSet, type Repository } from './pgbackrest';
import { isDataDirectory, OpsRefusal, ownerOf, requirePlainPath, requireTools, runAs, type OsUser } from './postgres-tools';

/**
 * `npm run ops:backup-setup`: point-in-time backups of one PostgreSQL cluster into a local
 * pgBackRest repository. It is given the cluster's data directory and port and changes nothing
 * else on the machine: it writes the repository folder, sets archiving on that cluster (ALTER
 * SYSTEM, after checking that the port really serves that data directory), creates the stanza,
 * checks that WAL reaches the repository and takes the first full backup. Run it again at will:
 * every step is idempotent, and a repository that already holds a backup gets no new one.
 */
export interface BackupSetupOptions {
  readonly pgData: string;
  readonly pgPort: number;
  /** The folder of the cluster's Unix socket (Debian: /var/run/postgresql). */
  readonly pgSocket: string;
  /** The cluster's superuser (the one initdb made; Debian: postgres). */
  readonly pgUser: string;
  /** The repository's folder: pgbackrest.conf, repo/, log/, lock/ and spool/ go in it. */
  readonly repoDir: string;
  readonly stanza: string;
  /** Seconds after which a WAL segment is archived even when not full: the most a restore can lose. */
  readonly archiveTimeoutSeconds: number;
  readonly retentionFull: number;
  /** Restart the cluster with pg_ctl when archive_mode was off; without it, setup stops and says so. */
  readonly mayRestart: boolean;
}

export type BackupSetupResult =
  | { readonly status: 'restart-needed'; readonly repo: Repository }
  | {
      readonly status: 'ready';
      readonly repo: Repository;
      readonly hasRestarted: boolean;
      /** The full backup this run took, or the newest one already there (a run again takes none). */
      readonly backup: BackupSet;
      readonly hasBackedUp: boolean;
      readonly backups: number;
    };

export async function setupBackups(options: BackupSetupOptions, log: (line: string) => void = () => undefined): Promise<BackupSetupResult> {
  const { binDir } = requireTools();
  requirePlainPath('--pg-data', options.pgData);
  requirePlainPath('--pg-socket', options.pgSocket);
  requirePlainPath('--repo', options.repoDir);
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(options.stanza)) throw new OpsRefusal('invalid-stanza', `--stanza must be letters, digits, "_" or "-": ${options.stanza}.`);
  if (!/^[A-Za-z0-9_]{1,63}$/.test(options.pgUser)) throw new OpsRefusal('invalid-user', `--pg-user must be a plain role name: ${options.pgUser}.`);
  if (!isDataDirectory(options.pgData))
    throw new OpsRefusal('not-a-data-directory', `${options.pgData} is not a PostgreSQL data directory (no PG_VERSION in it).`);
  const owner = await ownerOf(options.pgData);
  const psql = async (sql: string): Promise<string> => {
    const { stdout } = await runAs(owner, join(binDir, 'psql'), [
      '-X',
      '-qAt',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      options.pgSocket,
      '-p',
      String(options.pgPort),
      '-U',
      options.pgUser,
      '-d',
      'postgres',
      '-c',
      sql,
    ]);
    return stdout.trim();
  };

  // The guard against configuring the wrong cluster: the port must serve the data directory we were given.
  let served: string;
  try {
    served = await psql('SHOW data_directory');
  } catch (error) {
    throw new OpsRefusal(
      'cluster-unreachable',
      `no PostgreSQL answers on ${options.pgSocket} port ${options.pgPort} as ${options.pgUser} (is the cluster running?): ${error instanceof Error ? error.message.split('\n').slice(-2).join(' ') : String(error)}`,
    );
  }
  if (realpathSync(served) !== realpathSync(options.pgData))
    throw new OpsRefusal('wrong-cluster', `port ${options.pgPort} serves the data directory ${served}, not ${options.pgData}; nothing was changed.`);
  const walLevel = await psql('SHOW wal_level');
  if (walLevel === 'minimal')
    throw new OpsRefusal(
      'wal-level-minimal',
      'wal_level is minimal: set it to replica (ALTER SYSTEM SET wal_level = replica) and restart the cluster, then run this again.',
    );

  const repo: Repository = { configPath: options.repoDir, stanza: options.stanza, runner: owner };
  writeRepository(options, owner);
  // archive_command runs as the cluster's owner: every folder above the repository must let it through.
  await runAs(owner, 'test', ['-w', join(options.repoDir, 'repo')]).catch(() => {
    throw new OpsRefusal(
      'repository-unreachable',
      `${owner.name} cannot write ${join(options.repoDir, 'repo')}: give it access to every folder above it (chmod o+x), or choose another --repo.`,
    );
  });
  log(`Repository ${options.repoDir} (owner ${owner.name}), stanza ${options.stanza}`);

  const wasArchiving = (await psql('SHOW archive_mode')) !== 'off';
  // ALTER SYSTEM writes postgresql.auto.conf of this cluster only; a reload applies the command and
  // the timeout, archive_mode itself needs a restart.
  await psql(`ALTER SYSTEM SET archive_command = '${archiveCommand(options.repoDir, options.stanza)}'`);
  await psql(`ALTER SYSTEM SET archive_timeout = '${options.archiveTimeoutSeconds}s'`);
  await psql(`ALTER SYSTEM SET archive_mode = 'on'`);
  await psql('SELECT pg_reload_conf()');
  let hasRestarted = false;
  if (!wasArchiving) {
    if (!options.mayRestart) return { status: 'restart-needed', repo };
    log('archive_mode was off: restarting the cluster (pg_ctl restart, fast shutdown)');
    await runAs(owner, join(binDir, 'pg_ctl'), [
      'restart',
      '-D',
      options.pgData,
      '-m',
      'fast',
      '-w',
      '-t',
      '300',
      '-l',
      join(options.repoDir, 'log', 'postgres-restart.log'),
    ]);
    hasRestarted = true;
  }

  await pgbackrest(repo, 'stanza-create');
  await archiveNow(repo);
  log('WAL archiving reaches the repository (pgbackrest check)');
  const existing = await listBackups(repo);
  const newest = existing.at(-1);
  if (newest) {
    log(`The repository already holds ${existing.length} backup(s); the newest is ${newest.label}`);
    return { status: 'ready', repo, hasRestarted, backup: newest, backups: existing.length, hasBackedUp: false };
  }
  const backup = await takeBackup(repo, 'full');
  log(`Full backup ${backup.label}: ${backup.databaseBytes} bytes of cluster, ${backup.repositoryBytes} in the repository`);
  return { status: 'ready', repo, hasRestarted, backup, backups: 1, hasBackedUp: true };
}

/** The repository's folders and configuration, owned by the cluster's owner (who runs archive_command). */
function writeRepository(options: BackupSetupOptions, owner: OsUser): void {
  for (const dir of ['', 'repo', 'log', 'lock', 'spool']) {
    const path = join(options.repoDir, dir);
    mkdirSync(path, { recursive: true, mode: 0o750 });
    chownSync(path, owner.uid, owner.gid);
  }
  const file = join(options.repoDir, 'pgbackrest.conf');
  writeFileSync(file, localConfiguration(options), { mode: 0o640 });
  chownSync(file, owner.uid, owner.gid);
}
