import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { DeskBackend } from './backend';
import { openReplica, readMeta, replicaSchemaVersion, writeMeta } from './database';
import { OwnerOnlyFileSecretStore } from './secret-store';
import { sealOperatorKey } from './operator-key';
import { newOperatorKeyPair } from '../../sync-server/node-shared/operator-proof';

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-backend-'));
  dirs.push(dir);
  return dir;
}

/** A stand-in server that answers every request with the given status and body. */
async function fakeServer(answer: (path: string) => { status: number; body: string }): Promise<string> {
  const server = createServer((request, response) => {
    const { status, body } = answer(request.url ?? '/');
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A desk that believes it is enrolled with `serverUrl`, with one operator able to sign in offline. */
async function enrolledDesk(dir: string, serverUrl: string, extra: { signInFallbackMs?: number } = {}): Promise<DeskBackend> {
  const db = openReplica(join(dir, 'desk-replica.sqlite'));
  writeMeta(db, 'server_url', serverUrl);
  writeMeta(db, 'desk_id', '00000000-0000-4000-8000-00000000a0d1');
  writeMeta(db, 'hospital_id', '00000000-0000-4000-8000-00000000a001');
  writeMeta(db, 'hospital_name', 'City General Hospital');
  writeMeta(db, 'scheme', JSON.stringify({ name: 'Demo', currency: 'INR', locale: 'en-IN', minorPerUnit: 100, preauthTurnaroundMinutes: 360 }));
  db.close();
  new OwnerOnlyFileSecretStore(join(dir, 'desk-credential')).write('00000000-0000-4000-8000-00000000a0d1.secretsecretsecretsecretsecret');
  return new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 20, backoffMaxMs: 100 }, ...extra });
}

/** Every row of every table of the replica, in a stable order: a state to compare, not a count. */
function replicaState(db: Database.Database): Record<string, unknown[]> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]));
}

describe('desk replica versions', () => {
  it('migrates an empty (older) replica and refuses one written by a newer app', () => {
    const dir = tempDir();
    const path = join(dir, 'replica.sqlite');
    const fresh = openReplica(path);
    expect(fresh.pragma('user_version', { simple: true })).toBe(replicaSchemaVersion);
    expect(fresh.pragma('journal_mode', { simple: true })).toBe('wal');
    fresh.pragma(`user_version = ${replicaSchemaVersion + 1}`);
    fresh.close();
    expect(() => openReplica(path)).toThrow(/newer CoverDesk/);
  });

  it('an upgraded desk that had synced pulls its scope again without being treated as new (no first sync)', () => {
    const dir = tempDir();
    const synced = join(dir, 'synced.sqlite');
    const fresh = join(dir, 'fresh.sqlite');
    for (const [path, checkpoint] of [
      [synced, '{"from":"900","next":"900","table":0,"afterId":null}'],
      [fresh, null],
    ] as const) {
      const v1 = new Database(path);
      v1.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      v1.exec('CREATE TABLE outbox (name TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, state TEXT NOT NULL, answered_at TEXT)'); // migrations 4 and 5 index it
      v1.exec('CREATE TABLE operator_cache (username TEXT PRIMARY KEY)'); // migration 5 adds the attempt count
      v1.exec('CREATE TABLE server_holds (id TEXT PRIMARY KEY, family_id TEXT, case_id TEXT, doc TEXT NOT NULL)'); // migration 9 reads it
      if (checkpoint) v1.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('pull_checkpoint', checkpoint);
      v1.pragma('user_version = 1');
      v1.close();
    }
    // Version 1's schema has more tables than the stand-in above; migrations 2–9 touch only these.
    const upgraded = openReplica(synced);
    expect(upgraded.pragma('user_version', { simple: true })).toBe(replicaSchemaVersion);
    expect(readMeta(upgraded, 'pull_checkpoint')).toBeNull();
    expect(readMeta(upgraded, 'first_sync')).toBe('done');
    upgraded.close();
    const never = openReplica(fresh);
    expect(readMeta(never, 'first_sync')).toBeNull();
    never.close();
  });

  it('migration 9 pulls the scope again when a hold lacks the patient’s estimated part, and only then', () => {
    const dir = tempDir();
    const checkpoint = '{"from":"900","next":"900","table":0,"afterId":null}';
    const atVersion8 = (name: string, holdDoc: object | null): string => {
      const path = join(dir, name);
      const db = openReplica(path);
      if (holdDoc) db.prepare('INSERT INTO server_holds (id, family_id, case_id, doc) VALUES (?, ?, ?, ?)').run('h-1', 'f-1', 'c-1', JSON.stringify(holdDoc));
      writeMeta(db, 'pull_checkpoint', checkpoint);
      db.pragma('user_version = 8');
      db.close();
      return path;
    };
    const hold = { id: 'h-1', caseId: 'c-1', familyId: 'f-1', amount: 5_400_000, consumed: 0, authorized: 6_000_000 };
    // A hold pulled before issue 14's field: the whole scope comes again, the desk is not new, the row stays until replaced.
    const stale = openReplica(atVersion8('stale.sqlite', hold));
    expect(stale.pragma('user_version', { simple: true })).toBe(replicaSchemaVersion);
    expect(readMeta(stale, 'pull_checkpoint')).toBeNull();
    expect(readMeta(stale, 'first_sync')).toBe('done');
    expect(stale.prepare('SELECT doc FROM server_holds WHERE id = ?').get('h-1')).toEqual({ doc: JSON.stringify(hold) });
    stale.close();
    // Holds that carry it already, or no holds at all: nothing to pull again for migration 9 — but
    // migration 10 (the e-card keys and revocations, issue 16) pulls every synced desk's scope
    // again, so the checkpoint goes either way; the desk is still not new.
    for (const path of [atVersion8('current.sqlite', { ...hold, costShareEstimate: 600_000 }), atVersion8('empty.sqlite', null)]) {
      const db = openReplica(path);
      expect(readMeta(db, 'pull_checkpoint')).toBeNull();
      expect(readMeta(db, 'first_sync')).toBe('done');
      db.close();
    }
  });

  it("migration 10 adds the e-card tables and pulls a synced desk's scope again (keys published before it asked)", () => {
    const path = join(tempDir(), 'v9.sqlite');
    const v9 = openReplica(path);
    v9.exec('DROP TABLE IF EXISTS e_card_keys; DROP TABLE IF EXISTS e_card_revocations;');
    writeMeta(v9, 'pull_checkpoint', '{"from":"900","next":"900","table":0,"afterId":null}');
    v9.pragma('user_version = 9');
    v9.close();
    const upgraded = openReplica(path);
    expect(upgraded.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'e_card%' ORDER BY name").all()).toEqual([
      { name: 'e_card_keys' },
      { name: 'e_card_revocations' },
    ]);
    expect(readMeta(upgraded, 'pull_checkpoint')).toBeNull();
    expect(readMeta(upgraded, 'first_sync')).toBe('done');
    upgraded.close();
  });

  it("migration 13 adds the linked-identifier table and pulls a synced desk's scope again (links made before it asked)", () => {
    const path = join(tempDir(), 'v12.sqlite');
    const v12 = openReplica(path);
    v12.exec('DROP TABLE IF EXISTS member_identifiers;');
    writeMeta(v12, 'pull_checkpoint', '{"from":"900","next":"900","table":0,"afterId":null}');
    v12.pragma('user_version = 12');
    v12.close();
    const upgraded = openReplica(path);
    expect(upgraded.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'member_identifiers'").all()).toEqual([
      { name: 'member_identifiers' },
    ]);
    expect(readMeta(upgraded, 'pull_checkpoint')).toBeNull();
    expect(readMeta(upgraded, 'first_sync')).toBe('done');
    upgraded.close();
  });

  it('migration 3 drops the six indexes nothing reads, and keeps the rows', () => {
    const path = join(tempDir(), 'v2.sqlite');
    const unread = [
      'server_families_family',
      'server_families_case',
      'server_members_case',
      'server_packages_family',
      'server_packages_case',
      'server_cases_case',
    ];
    const v2 = openReplica(path);
    for (const name of unread) {
      const [, table, column] = /^server_(\w+)_(family|case)$/.exec(name)!;
      v2.exec(`CREATE INDEX ${name} ON server_${table} (${column}_id)`);
    }
    v2.prepare('INSERT INTO server_families (id, family_id, case_id, doc) VALUES (?, ?, NULL, ?)').run('f-1', 'f-1', '{"id":"f-1"}');
    v2.pragma('user_version = 2');
    v2.close();
    const upgraded = openReplica(path);
    const indexes = (upgraded.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as { name: string }[]).map(
      (r) => r.name,
    );
    expect(indexes.filter((name) => unread.includes(name))).toEqual([]);
    expect(indexes).toEqual(expect.arrayContaining(['server_members_family', 'server_cases_family', 'server_bookings_case', 'member_search_name']));
    expect(upgraded.prepare('SELECT doc FROM server_families WHERE id = ?').get('f-1')).toEqual({ doc: '{"id":"f-1"}' });
    expect(upgraded.pragma('user_version', { simple: true })).toBe(replicaSchemaVersion);
    upgraded.close();
  });
});

describe('desk credential file', () => {
  it('is readable only by its owner', () => {
    const dir = tempDir();
    const store = new OwnerOnlyFileSecretStore(join(dir, 'credential'));
    store.write('desk.secret');
    expect(statSync(join(dir, 'credential')).mode & 0o777).toBe(0o600);
    expect(store.read()).toBe('desk.secret');
  });

  it('is replaced whole, through a temporary file that does not stay behind, and keeps its mode', () => {
    const dir = tempDir();
    const store = new OwnerOnlyFileSecretStore(join(dir, 'credential'));
    store.write('desk.first');
    // What a write cut off before its rename leaves: a temporary file; the credential is untouched.
    writeFileSync(join(dir, 'credential.99999.tmp'), 'desk.to', { mode: 0o600 });
    expect(store.read()).toBe('desk.first');
    store.write('desk.second');
    expect(store.read()).toBe('desk.second');
    expect(statSync(join(dir, 'credential')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp') && name !== 'credential.99999.tmp')).toEqual([]);
  });
});

describe('desk backend faults', () => {
  it('a corrupt server answer puts sync in a clear error state and applies nothing', async () => {
    const url = await fakeServer(() => ({
      status: 200,
      body: JSON.stringify({ protocolVersion: 1, documents: [{ table: 'families', id: 'x' }], checkpoint: 'nope', hasMore: false }),
    }));
    const desk = await enrolledDesk(tempDir(), url);
    await desk.engine.requestSync();
    const status = desk.engine.current();
    expect(status.state).toBe('error');
    expect(status.lastError?.code).toBe('bad-answer');
    expect(status.lastError?.message).toMatch(/does not match the sync protocol/);
    expect(desk.db.prepare('SELECT count(*) AS count FROM server_families').get()).toEqual({ count: 0 });
    await desk.stop();
  });

  it("a page in the server's line layout with one damaged document line applies nothing, not even the lines before it", async () => {
    const family = '00000000-0000-4000-8000-0000000f0001';
    const lines = [
      `{"table":"families","id":"${family}","row":{"id" : "${family}", "cover" : 1000000}}`,
      '{"table":"members","id":"00000000-0000-4000-8000-0000000e0001","row":{"id" : "x", "fullName" : "Asha}',
    ];
    const body = `{"protocolVersion":1,"documents":[\n${lines.join(',\n')}\n],"checkpoint":{"from":"0","next":"5","table":0,"afterId":null},"hasMore":false,"serverTime":"2026-12-04T03:00:00.000Z"}`;
    const url = await fakeServer(() => ({ status: 200, body }));
    const desk = await enrolledDesk(tempDir(), url);
    await desk.engine.requestSync();
    expect(desk.engine.current()).toMatchObject({
      state: 'error',
      lastError: { code: 'bad-answer', message: expect.stringMatching(/does not match the sync protocol.*nothing was applied/) },
    });
    expect(desk.db.prepare('SELECT count(*) AS count FROM server_families').get()).toEqual({ count: 0 });
    await desk.stop();
  });

  it('a protocol mismatch is reported as such', async () => {
    const url = await fakeServer(() => ({
      status: 400,
      body: JSON.stringify({ code: 'protocol-mismatch', message: 'This server speaks sync protocol 2, the desk sent 1: update the desk app.' }),
    }));
    const desk = await enrolledDesk(tempDir(), url);
    await desk.engine.requestSync();
    expect(desk.engine.current()).toMatchObject({
      state: 'error',
      lastError: { code: 'protocol-mismatch', message: expect.stringContaining('update the desk app') },
    });
    await desk.stop();
  });

  it('an unreachable server means offline, with offline sign-in refused for an operator never seen here', async () => {
    const desk = await enrolledDesk(tempDir(), 'http://127.0.0.1:9');
    await desk.engine.requestSync();
    expect(desk.engine.current().state).toBe('offline');
    const signIn = await desk.handlers['session.signIn']({ username: 'medco.a', password: 'whatever' });
    expect(signIn).toMatchObject({ ok: false, error: { code: 'offline-unavailable' } });
    await desk.stop();
  });

  it('a network that accepts and never answers: an operator known here signs in offline without waiting the server timeout', async () => {
    const hanging = createServer(() => undefined); // accepts, reads, never answers
    servers.push(hanging);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    const desk = await enrolledDesk(tempDir(), url, { signInFallbackMs: 150 });
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.alloc(16, 2);
    desk.db
      .prepare('INSERT INTO operator_cache (username, operator_id, roles, hospital_id, verifier, cached_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(
        'medco.a',
        '00000000-0000-4000-8000-000000000e00',
        '["MEDCO"]',
        '00000000-0000-4000-8000-00000000a001',
        `${salt.toString('base64')}$${scryptSync('pw', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`,
        new Date().toISOString(),
      );
    const signedIn = await desk.handlers['session.signIn']({ username: 'medco.a', password: 'pw' });
    expect(signedIn).toMatchObject({ ok: true, value: { isOfflineSession: true, operatorId: '00000000-0000-4000-8000-000000000e00' } });
    // The wrong password is still refused by the offline verifier.
    expect(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-credentials' },
    });
    hanging.closeAllConnections();
    await desk.stop();
  });

  it('a full disk refuses the command cleanly and writes nothing', async () => {
    const dir = tempDir();
    const desk = await enrolledDesk(dir, 'http://127.0.0.1:9');
    // Sign in through the offline verifier path by seeding the operator cache directly.
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.alloc(16, 1);
    desk.db
      .prepare('INSERT INTO operator_cache (username, operator_id, roles, hospital_id, verifier, cached_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(
        'medco.a',
        '00000000-0000-4000-8000-000000000e00',
        '["MEDCO"]',
        '00000000-0000-4000-8000-00000000a001',
        `${salt.toString('base64')}$${scryptSync('pw', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`,
        new Date().toISOString(),
      );
    // The operator's key from an earlier online sign-in here (issue 13 item 4), sealed under the same password.
    const keyId = '00000000-0000-4000-8000-0000000000c1';
    const sealed = await sealOperatorKey(
      'pw',
      newOperatorKeyPair().privateKeyDer,
      keyId,
      '00000000-0000-4000-8000-000000000e00',
      '00000000-0000-4000-8000-00000000a0d1',
    );
    desk.db
      .prepare("UPDATE operator_cache SET key_id = ?, key_sealed = ?, key_expires_at = ? WHERE username = 'medco.a'")
      .run(keyId, sealed, new Date(Date.now() + 86_400_000).toISOString());
    desk.db
      .prepare('INSERT INTO server_members (id, family_id, case_id, doc) VALUES (?, ?, NULL, ?)')
      .run(
        '00000000-0000-4000-8000-0000000f0011',
        'f1',
        JSON.stringify({ id: '00000000-0000-4000-8000-0000000f0011', familyId: 'f1', fullName: 'Ramesh Patil' }),
      );
    expect((await desk.handlers['session.signIn']({ username: 'medco.a', password: 'pw' })).ok).toBe(true);
    const pages = desk.db.pragma('page_count', { simple: true }) as number;
    desk.db.pragma(`max_page_count = ${pages}`);
    const admitted = await desk.handlers['cases.admit']({ memberId: '00000000-0000-4000-8000-0000000f0011', identityMethod: 'fingerprint' });
    if (!admitted.ok) throw new Error(admitted.error.message);
    // Fill the file to its (now fixed) size: sooner or later a command cannot fit.
    let refusal: { code: string; message: string } | null = null;
    for (let i = 0; i < 2000 && !refusal; i += 1) {
      const attempt = await desk.handlers['bookings.add']({
        caseId: admitted.value.caseId,
        itemCode: 'X',
        description: 'y'.repeat(190),
        quantity: 1,
        unitPrice: 100,
      });
      if (!attempt.ok) refusal = attempt.error;
    }
    expect(refusal?.code).toBe('disk-full');
    expect(refusal?.message).toMatch(/NOT saved/);
    const outbox = desk.db.prepare('SELECT count(*) AS count FROM outbox').get() as { count: number };
    const pending = desk.db.prepare('SELECT count(*) AS count FROM pending_rows').get() as { count: number };
    // Every outbox entry has its optimistic row (+ the admit's case row): nothing half-written.
    expect(pending.count).toBe(outbox.count);
    // "Writes nothing", by state rather than by counts: every row of every table is the same
    // before and after another refused command.
    const before = replicaState(desk.db);
    const again = await desk.handlers['bookings.add']({
      caseId: admitted.value.caseId,
      itemCode: 'X',
      description: 'z'.repeat(190),
      quantity: 1,
      unitPrice: 100,
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'disk-full' } });
    expect(replicaState(desk.db)).toEqual(before);
    await desk.stop();
  });
});
