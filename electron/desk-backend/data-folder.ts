import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * The desk's data folder and replica are for the account that runs the desk only (SECURITY.md,
 * issue 13 item 9): the replica holds the district's families with names and card numbers, the
 * outbox and the offline sign-in verifiers. Created 0700 / 0600 whatever the umask, and tightened
 * at every start when an older desk (or a copy) left them readable by others. SQLite gives the
 * -wal and -shm files the database file's permissions, so creating that one 0600 first covers
 * them; existing ones are tightened too. Windows has no POSIX modes: there the folder lies in the
 * user's own profile (AppData), whose ACL already excludes other users.
 */
const isPosix = process.platform !== 'win32';

/** Create `dir` owner-only (0700), or take group and other permissions away from an existing one. */
export function secureDataFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isPosix && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Create the replica file 0600 before SQLite opens it, and tighten it and its companions if they exist. */
export function ownerOnlyReplicaFiles(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  if (!isPosix) return;
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
}
