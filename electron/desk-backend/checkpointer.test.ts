import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer';
import { openReplica } from './database';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 200; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('WAL checkpoints in a worker thread', () => {
  it('the desk connection never checkpoints; the worker copies the WAL into the database file; stop hands checkpoints back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-checkpoint-'));
    dirs.push(dir);
    const path = join(dir, 'replica.sqlite');
    // Encrypted, as every desk's replica is: the worker's connection opens it with the same key.
    const key = randomBytes(32).toString('hex');
    const db = openReplica(path, { key });
    const problems: string[] = [];
    const checkpointer = new Checkpointer(db, (message) => problems.push(message));
    checkpointer.start(path, key, 50);
    expect(checkpointer.isRunning).toBe(true);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    const databaseBytes = () => statSync(path).size;
    const before = databaseBytes();
    const insert = db.prepare(
      "INSERT INTO outbox (command_id, name, operator_id, body, created_at, state) VALUES (?, 'add-booking', 'op', ?, '2026-11-23', 'pending')",
    );
    // ~4 MB of commits: past SQLite's 1,000-page automatic checkpoint, which is off on this connection.
    for (let i = 0; i < 2_000; i += 1) insert.run(`c${i}`, 'x'.repeat(2_000));
    // The rows reach the database file only by the worker's checkpoints.
    await until(() => databaseBytes() > before + 3_000_000, 'the worker to checkpoint the WAL');
    expect((db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).toBe(2_000);

    await checkpointer.stop();
    expect(checkpointer.isRunning).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(problems).toEqual([]);
    db.close();
  });

  it('an in-memory replica has no WAL to checkpoint: nothing starts and automatic checkpoints stay', () => {
    const db = openReplica(':memory:');
    const checkpointer = new Checkpointer(db);
    checkpointer.start(':memory:');
    expect(checkpointer.isRunning).toBe(false);
    db.close();
  });

  it('a worker that cannot open the file falls back to automatic checkpoints and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-checkpoint-'));
    dirs.push(dir);
    const db = openReplica(join(dir, 'replica.sqlite'));
    const problems: string[] = [];
    const checkpointer = new Checkpointer(db, (message) => problems.push(message));
    checkpointer.start(join(dir, 'no-such-file.sqlite'), null, 50);
    await until(() => problems.length > 0, 'the fallback');
    expect(problems[0]).toMatch(/checkpoints run inline again/);
    expect(checkpointer.isRunning).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });
});
