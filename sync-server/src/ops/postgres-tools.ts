import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * What the backup and restore commands share: finding PostgreSQL's and pgBackRest's programs,
 * running them as the operating-system user that owns the cluster (PostgreSQL refuses to run as
 * root, and a data directory or repository must keep its owner), and waiting for a cluster to
 * finish recovery. Nothing here touches a cluster it was not pointed at.
 */

/** A refusal a person can act on: the CLIs print `code: sentence` and exit 2; nothing was changed. */
export class OpsRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Paths end up inside archive_command, pgBackRest's configuration and pg_ctl's -o line: keep them plain. */
const plainPath = /^\/[A-Za-z0-9/._-]+$/;

export function requirePlainPath(option: string, path: string): string {
  if (!plainPath.test(path))
    throw new OpsRefusal(
      'invalid-path',
      `${option} must be an absolute path of letters, digits, "/", ".", "_" and "-" only (it is written into archive_command and pgBackRest's configuration): ${JSON.stringify(path)}.`,
    );
  return path.replace(/\/+$/, '') || '/';
}

/** PostgreSQL's server programs: PG_BIN_DIR, else the newest /usr/lib/postgresql/N/bin (Debian's layout) with initdb. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.PG_BIN_DIR) return existsSync(join(env.PG_BIN_DIR, 'pg_ctl')) ? env.PG_BIN_DIR : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** pgBackRest's program on the PATH (Debian package `pgbackrest`), or null. */
export function pgbackrestProgram(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = join(dir, 'pgbackrest');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** The tools a backup or a restore test needs; a refusal naming the Debian packages when one is missing. */
export function requireTools(env: NodeJS.ProcessEnv = process.env): { binDir: string; pgbackrest: string } {
  const binDir = postgresBinDir(env);
  const pgbackrest = pgbackrestProgram(env);
  if (!binDir || !pgbackrest)
    throw new OpsRefusal(
      'tools-missing',
      `${[binDir ? null : 'PostgreSQL server programs (/usr/lib/postgresql/N/bin, or set PG_BIN_DIR)', pgbackrest ? null : 'pgbackrest'].filter(Boolean).join(' and ')} not found: apt-get install -y postgresql pgbackrest.`,
    );
  return { binDir, pgbackrest };
}

export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The user who owns a file or folder. */
export async function ownerOf(path: string): Promise<OsUser> {
  return userFromPasswd(String(statSync(path).uid), path);
}

/** A user by name (the test's cluster belongs to `postgres` when it runs as root). */
export function userNamed(name: string): Promise<OsUser> {
  return userFromPasswd(name, name);
}

async function userFromPasswd(key: string, what: string): Promise<OsUser> {
  const { stdout } = await run('getent', ['passwd', key]).catch(() => {
    throw new OpsRefusal('unknown-user', `${what}: no such user in the passwd database.`);
  });
  const [name, , uid, gid] = stdout.trim().split(':');
  if (!name || uid === undefined || gid === undefined) throw new OpsRefusal('unknown-user', `${what}: no such user in the passwd database.`);
  return { name, uid: Number(uid), gid: Number(gid) };
}

export interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a program and collect its output; a failure carries both streams in its message. */
export function run(program: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { cwd: options.cwd ?? '/', env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message.trim()}\n${stderr}${stdout}`.trim()));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * Run a program as `user`: directly when we are that user, through `runuser -u` when we are root
 * (PostgreSQL refuses to run as root, and what pgBackRest writes must belong to the cluster's
 * owner). cwd `/`: root's working folder may be closed to that user.
 */
export async function runAs(user: OsUser, program: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<Output> {
  const me = process.getuid?.();
  if (me === user.uid) return run(program, args, options);
  if (me === 0) return run('runuser', ['-u', user.name, '--', program, ...args], options);
  throw new OpsRefusal('wrong-user', `run this as ${user.name} (who owns the cluster or the repository) or as root; you are uid ${me}.`);
}

/**
 * Wait until a cluster accepts connections as a primary: a restored cluster answers "not
 * accepting connections" while it replays WAL (hot_standby is off), then promotes. `hasExited`
 * says when the postmaster gave up (a target that the archive never reaches is fatal).
 */
export async function waitForPrimary(
  connection: pg.ClientConfig,
  options: { timeoutMs: number; hasExited: () => boolean; describeFailure: () => string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    const client = new pg.Client(connection);
    try {
      await client.connect();
      const { rows } = await client.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
      if (rows[0]?.recovering === false) return;
      lastError = 'still in recovery';
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
    if (options.hasExited()) throw new OpsRefusal('recovery-failed', `the restored cluster stopped during recovery: ${options.describeFailure()}`);
    if (Date.now() > deadline)
      throw new OpsRefusal('recovery-timeout', `the restored cluster was not ready in time (${lastError}): ${options.describeFailure()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True when `dir` holds a PostgreSQL data directory (its PG_VERSION file). */
export function isDataDirectory(dir: string): boolean {
  try {
    return statSync(join(dir, 'PG_VERSION')).isFile();
  } catch {
    return false;
  }
}
