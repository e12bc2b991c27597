import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/database';
import { openPostgres } from '../db/postgres';
import { moneyInvariantViolations } from '../demo/history';
import { databasesIn, listBackups, pgbackrest, type BackupSet, type Repository } from './pgbackrest';
import { OpsRefusal, ownerOf, requirePlainPath, requireTools, run, runAs, waitForPrimary } from './postgres-tools';

/**
 * `npm run ops:restore-test`: a backup that was never restored is not a backup. Restores a backup
 * from the pgBackRest repository into a scratch cluster in a new temporary folder — to a point in
 * time (`target`) or to the end of the archived WAL — then runs `npm run audit:verify` and the
 * money invariants against it, reports how long the restore took and removes the scratch cluster.
 *
 * The scratch cluster can never disturb the cluster it came from: it listens on no TCP port (only
 * a Unix socket in its own 0700 folder), archiving is off (`--archive-mode=off` and again on the
 * command line, so it pushes no WAL of its new timeline into the repository), tablespaces are
 * mapped into the scratch folder, and it runs with its own configuration file and pg_hba.conf.
 */
export interface RestoreTestOptions {
  readonly configPath: string;
  readonly stanza: string;
  /** ISO 8601 with a zone (`2026-12-07T10:42:47.689Z`): recover up to and including this instant; absent: to the end of the archive. */
  readonly target?: string;
  /** A backup label; by default the latest backup that finished before the target. */
  readonly set?: string;
  /** The CoverDesk database inside the cluster. */
  readonly database: string;
  /** The cluster's superuser (pg_hba of the scratch cluster trusts it on its private socket only). */
  readonly pgUser: string;
  /** Where the scratch folder goes (the restored cluster needs the database's size there). */
  readonly scratchParent: string;
  /** The environment `audit:verify` runs with: the server's keys (COVERDESK_AUDIT_KEY, or COVERDESK_KEY_FILE). */
  readonly env: NodeJS.ProcessEnv;
  readonly recoveryTimeoutMs: number;
  /** More checks on the restored database before it is removed (the test compares it with the source). */
  readonly inspect?: (db: Database) => Promise<void>;
}

export interface RestoreReport {
  readonly backup: BackupSet;
  readonly target: string | null;
  /** The commit time of the last transaction replayed (pg_last_xact_replay_timestamp), ISO 8601. */
  readonly restoredTo: string | null;
  /** pgBackRest copying the backup into the scratch folder. */
  readonly copyMs: number;
  /** From starting the scratch cluster to its accepting connections as a primary (WAL replayed up to the target). */
  readonly recoveryMs: number;
  readonly totalMs: number;
  readonly audit: { readonly isIntact: boolean; readonly output: string };
  /** Family-years checked, and those breaking an invariant (committed ≤ cover, ledger sums = committed, holds, claims, pharmacy). */
  readonly familyYears: number;
  readonly violations: readonly { family_id: string; policy_year: number; problem: string }[];
}

const root = fileURLToPath(new URL('../../..', import.meta.url));
const targetPattern = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

export async function restoreTest(options: RestoreTestOptions, log: (line: string) => void = () => undefined): Promise<RestoreReport> {
  const { binDir } = requireTools();
  requirePlainPath('--config-path', options.configPath);
  requirePlainPath('--scratch', options.scratchParent);
  if (options.target !== undefined && !targetPattern.test(options.target))
    throw new OpsRefusal(
      'invalid-target',
      `--target must be an ISO 8601 time with a zone, e.g. 2026-12-07T10:42:47.689Z or "2026-12-07 16:12:47+05:30": ${options.target}.`,
    );
  const configFile = join(options.configPath, 'pgbackrest.conf');
  if (!existsSync(configFile))
    throw new OpsRefusal('no-configuration', `${configFile} does not exist: run npm run ops:backup-setup first, or give --config-path.`);
  const repo: Repository = { configPath: options.configPath, stanza: options.stanza, runner: await ownerOf(configFile) };
  const backup = chooseBackup(await listBackups(repo), options);
  const databases = await databasesIn(repo, backup.label);
  if (!databases.includes(options.database))
    throw new OpsRefusal(
      'unknown-database',
      `the backup ${backup.label} holds the databases ${databases.join(', ')}, not ${options.database}: give --database.`,
    );
  log(
    `Restoring ${backup.type} backup ${backup.label} (finished ${new Date(backup.stoppedAt * 1000).toISOString()}) ${options.target ? `to ${options.target}` : 'to the end of the archive'}`,
  );

  const scratch = mkdtempSync(join(options.scratchParent, 'coverdesk-restore-'));
  const data = join(scratch, 'data');
  const socket = join(scratch, 'socket');
  const postgresLog = join(scratch, 'postgres.log');
  const pidFile = join(data, 'postmaster.pid');
  try {
    for (const dir of [scratch, data, socket]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chownSync(dir, repo.runner.uid, repo.runner.gid);
    }
    // Only the superuser, only through the private socket (its folder is 0700): the scratch cluster holds production data.
    writeFileSync(join(scratch, 'pg_hba.conf'), `local all ${options.pgUser} trust\n`, { mode: 0o600 });
    writeFileSync(join(scratch, 'postgresql.conf'), '# The scratch cluster of npm run ops:restore-test: settings are on its command line.\n', { mode: 0o600 });
    for (const file of ['pg_hba.conf', 'postgresql.conf']) chownSync(join(scratch, file), repo.runner.uid, repo.runner.gid);

    const started = performance.now();
    await pgbackrest(repo, 'restore', [
      `--pg1-path=${data}`,
      `--set=${backup.label}`,
      '--archive-mode=off',
      `--tablespace-map-all=${join(scratch, 'tablespaces')}`,
      ...(options.target ? ['--type=time', `--target=${postgresTime(options.target)}`, '--target-action=promote'] : []),
    ]);
    const copied = performance.now();
    log(`Copied in ${Math.round(copied - started)} ms; replaying WAL`);
    const settings: [string, string][] = [
      ['config_file', join(scratch, 'postgresql.conf')],
      ['hba_file', join(scratch, 'pg_hba.conf')],
      ['port', '5432'],
      ['listen_addresses', ''],
      ['unix_socket_directories', socket],
      ['archive_mode', 'off'],
      // No connections during recovery: the parameters a hot standby must share with its primary do not matter then.
      ['hot_standby', 'off'],
      ['ssl', 'off'],
      ['logging_collector', 'off'],
    ];
    // pg_ctl hands -o to the shell: every value is a plain path or word (requirePlainPath), quoted once.
    await runAs(repo.runner, join(binDir, 'pg_ctl'), [
      'start',
      '-D',
      data,
      '-l',
      postgresLog,
      '-w',
      '-t',
      String(Math.ceil(options.recoveryTimeoutMs / 1000)),
      '-o',
      settings.map(([name, value]) => `-c ${name}='${value}'`).join(' '),
    ]).catch((error: unknown) => {
      throw new OpsRefusal(
        'recovery-failed',
        `the restored cluster did not start: ${logTail(postgresLog)} (${error instanceof Error ? error.message.split('\n')[0] : ''})`,
      );
    });
    const connection = { host: socket, port: 5432, user: options.pgUser, database: options.database };
    await waitForPrimary(connection, {
      timeoutMs: options.recoveryTimeoutMs,
      hasExited: () => !existsSync(pidFile),
      describeFailure: () => logTail(postgresLog),
    }).catch((error: unknown) => {
      // PostgreSQL (13+) treats a target that the archived WAL never passes as fatal: say what to do about it.
      if (options.target && readLog(postgresLog).includes('recovery ended before configured recovery target was reached'))
        throw new OpsRefusal(
          'target-not-in-archive',
          `the archived WAL ends before ${options.target}: nothing was committed after it, or its WAL is not in the repository yet. Run pgbackrest --config-path=${options.configPath} --stanza=${options.stanza} check (it archives the current WAL) after the next write, choose an earlier target, or leave --target out to restore everything archived.`,
        );
      throw error;
    });
    const ready = performance.now();
    log(`Recovered and promoted in ${Math.round(ready - copied)} ms`);

    const url = `postgresql://${options.pgUser}@localhost:5432/${options.database}?host=${encodeURIComponent(socket)}`;
    const audit = await verifyAudit(url, options.env);
    log(audit.output);
    const db = openPostgres(url, { maxConnections: 2 });
    try {
      const [point] = await db.query<{ at: Date | null }>('SELECT pg_last_xact_replay_timestamp() AS at');
      const [count] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM family_years');
      const violations = await moneyInvariantViolations(db);
      await options.inspect?.(db);
      const copyMs = Math.round(copied - started);
      const recoveryMs = Math.round(ready - copied);
      return {
        backup,
        target: options.target ?? null,
        restoredTo: point?.at ? point.at.toISOString() : null,
        copyMs,
        recoveryMs,
        totalMs: copyMs + recoveryMs,
        audit,
        familyYears: count?.count ?? 0,
        violations,
      };
    } finally {
      await db.close();
    }
  } finally {
    if (existsSync(pidFile)) await runAs(repo.runner, join(binDir, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The backup asked for, or the latest one that finished before the target (pgBackRest's timestamps are whole seconds). */
function chooseBackup(backups: readonly BackupSet[], options: Pick<RestoreTestOptions, 'set' | 'target'>): BackupSet {
  const labels = backups.map((backup) => backup.label).join(', ') || 'none';
  if (options.set) {
    const chosen = backups.find((backup) => backup.label === options.set);
    if (!chosen) throw new OpsRefusal('unknown-backup', `the repository has no backup ${options.set}; it has: ${labels}.`);
    return chosen;
  }
  const target = options.target ? Date.parse(options.target.replace(' ', 'T')) : Number.POSITIVE_INFINITY;
  const chosen = backups.filter((backup) => backup.stoppedAt * 1000 <= target).at(-1);
  if (!chosen)
    throw new OpsRefusal(
      backups.length === 0 ? 'no-backup' : 'target-before-backups',
      backups.length === 0
        ? 'the repository holds no backup yet: run npm run ops:backup-setup.'
        : `no backup finished before ${options.target}; backups: ${labels}.`,
    );
  return chosen;
}

/** `npm run audit:verify` (the script in package.json) against the restored database, with the server's keys. */
async function verifyAudit(url: string, env: NodeJS.ProcessEnv): Promise<{ isIntact: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'audit:verify'], { cwd: root, env: { ...env, DATABASE_URL: url } });
    return { isIntact: true, output: `${stdout}${stderr}`.trim() };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { isIntact: false, output: text.replace(/^[^\n]*\n/, '').trim() || text };
  }
}

/**
 * The target as recovery_target_time takes it: PostgreSQL reads that setting before it has loaded
 * time zone abbreviations, so "Z" is refused there; a numeric offset is not.
 */
export function postgresTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '+00:00');
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The server log's last lines, without the refusals of our own connection attempts during recovery. */
function logTail(file: string): string {
  const lines = readLog(file)
    .trim()
    .split('\n')
    .filter((line) => line && !/not accepting connections|Hot standby mode is disabled|the database system is starting up/.test(line));
  return lines.slice(-6).join(' | ') || 'no server log';
}
