import { join } from 'node:path';
import { OpsRefusal, runAs, type OsUser, type Output } from './postgres-tools';

/**
 * pgBackRest (Debian package `pgbackrest`), always with `--config-path`: the configuration is the
 * file `pgbackrest.conf` in that folder (and `conf.d/` beside it), never the machine's
 * /etc/pgbackrest.conf, so a setup for one cluster cannot change another's.
 */
export interface Repository {
  /** The folder holding pgbackrest.conf. */
  readonly configPath: string;
  readonly stanza: string;
  /** Who runs pgBackRest: the owner of the repository and of the cluster's data directory. */
  readonly runner: OsUser;
}

export const defaultStanza = 'coverdesk';

/** The configuration of a local repository for one cluster (setup writes it; a real one is in docs/operations.md). */
export function localConfiguration(options: {
  repoDir: string;
  stanza: string;
  pgData: string;
  pgPort: number;
  pgSocket: string;
  pgUser: string;
  retentionFull: number;
}): string {
  return [
    '# Written by npm run ops:backup-setup (sync-server/src/ops/backup-setup.ts). A real repository: sync-server/docs/operations.md.',
    '[global]',
    `repo1-path=${join(options.repoDir, 'repo')}`,
    // Two full backups and every WAL segment since the older one: point-in-time recovery reaches back that far.
    `repo1-retention-full=${options.retentionFull}`,
    `log-path=${join(options.repoDir, 'log')}`,
    `lock-path=${join(options.repoDir, 'lock')}`,
    `spool-path=${join(options.repoDir, 'spool')}`,
    'log-level-console=warn',
    'log-level-file=info',
    // A backup starts with an immediate checkpoint instead of waiting for the next scheduled one.
    'start-fast=y',
    'compress-type=zst',
    '',
    `[${options.stanza}]`,
    `pg1-path=${options.pgData}`,
    `pg1-port=${options.pgPort}`,
    `pg1-socket-path=${options.pgSocket}`,
    `pg1-user=${options.pgUser}`,
    '',
  ].join('\n');
}

/** The archive_command that pushes each finished WAL segment into the repository. */
export function archiveCommand(configPath: string, stanza: string): string {
  return `pgbackrest --config-path=${configPath} --stanza=${stanza} archive-push %p`;
}

export function pgbackrest(repo: Repository, command: string, options: readonly string[] = []): Promise<Output> {
  return runAs(repo.runner, 'pgbackrest', [`--config-path=${repo.configPath}`, `--stanza=${repo.stanza}`, ...options, command]);
}

export interface BackupSet {
  readonly label: string;
  readonly type: 'full' | 'diff' | 'incr';
  /** Unix seconds: pgBackRest's own timestamps (whole seconds). */
  readonly startedAt: number;
  readonly stoppedAt: number;
  /** Bytes of the cluster, and of this backup in the repository. */
  readonly databaseBytes: number;
  readonly repositoryBytes: number;
}

interface InfoJson {
  name: string;
  status: { code: number; message: string };
  backup?: {
    label: string;
    type: 'full' | 'diff' | 'incr';
    error?: boolean;
    timestamp: { start: number; stop: number };
    info: { size: number; repository: { delta: number } };
  }[];
}

/** Every backup in the repository, oldest first (`pgbackrest info --output=json`). */
export async function listBackups(repo: Repository): Promise<BackupSet[]> {
  const { stdout } = await pgbackrest(repo, 'info', ['--output=json']);
  const stanzas = JSON.parse(stdout) as InfoJson[];
  const stanza = stanzas.find((entry) => entry.name === repo.stanza);
  if (!stanza || stanza.status.code === 1)
    throw new OpsRefusal('no-stanza', `the repository in ${repo.configPath} has no stanza "${repo.stanza}": run npm run ops:backup-setup first.`);
  return (stanza.backup ?? [])
    .filter((backup) => backup.error !== true)
    .map((backup) => ({
      label: backup.label,
      type: backup.type,
      startedAt: backup.timestamp.start,
      stoppedAt: backup.timestamp.stop,
      databaseBytes: backup.info.size,
      repositoryBytes: backup.info.repository.delta,
    }));
}

/** The databases a backup holds (`pgbackrest info --set`: its manifest), before anything is restored. */
export async function databasesIn(repo: Repository, label: string): Promise<string[]> {
  const { stdout } = await pgbackrest(repo, 'info', ['--output=json', `--set=${label}`]);
  const stanzas = JSON.parse(stdout) as { name: string; backup?: { label: string; 'database-ref'?: { name: string }[] }[] }[];
  const backup = stanzas.find((entry) => entry.name === repo.stanza)?.backup?.find((entry) => entry.label === label);
  return (backup?.['database-ref'] ?? []).map((database) => database.name).sort();
}

/** Take a backup (full, differential or incremental) and return it. */
export async function takeBackup(repo: Repository, type: BackupSet['type']): Promise<BackupSet> {
  await pgbackrest(repo, 'backup', [`--type=${type}`]);
  const backups = await listBackups(repo);
  const latest = backups.at(-1);
  if (!latest) throw new Error('pgbackrest backup succeeded but lists no backup');
  return latest;
}

/**
 * `pgbackrest check`: forces a WAL switch and waits until the segment is in the repository, so
 * everything committed before it can be recovered (otherwise: within archive_timeout).
 */
export async function archiveNow(repo: Repository): Promise<void> {
  await pgbackrest(repo, 'check');
}
