import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { checkAnchors, readAnchors } from '../audit/anchors';
import { linkPending, verifyChain, verifyIncrementally } from '../audit/chain';
import type { Database } from '../db/database';
import { migrations } from '../db/migrate';
import { openPostgres } from '../db/postgres';
import { runtimeRoleProblem } from '../db/roles';
import { demoIds } from '../demo/seed';
import { caseAuditTrail } from '../queries/queues';
import { prepareServer } from '../server-state';
import { ChangeNotifier } from '../sync/notifier';
import { describeEachBackend } from '../testing/backends';
import { createScratchDatabase, hasPostgres } from '../testing/databases';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { testKeyEnvironment, testServerKeys } from '../testing/keys';
import { settleAuditChain } from '../testing/snapshot';

/**
 * Attacks on the audit trail (issue 13 item 3). Before: the chain was plain SHA-256 with its head
 * beside it, and the server's own role owned the table. Whoever could write the database could
 * edit an entry and recompute every hash after it, or cut the newest entries off and set the
 * head back — and the verifier said "intact". The attacker here knows the code but not the audit
 * key (it is not in the database).
 */
const ring = testServerKeys.audit;
const dir = mkdtempSync(join(tmpdir(), 'coverdesk-anchors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The attacker's hash: every algorithm the code has used that needs no key (the old chain's). */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const object = value as Record<string, unknown>;
  return `{${Object.keys(object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`)
    .join(',')}}`;
}
interface Row {
  id: number;
  at: Date;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  command_id: string | null;
  chain_seq: number;
}
const unkeyedHash = (prev: string, seq: number, row: Row) =>
  createHash('sha256')
    .update(prev)
    .update('\n')
    .update(
      canonical({
        id: row.id,
        at: new Date(row.at).toISOString(),
        actor: row.actor_id,
        action: row.action,
        entityType: row.entity_type,
        entityId: row.entity_id,
        before: row.before,
        after: row.after,
        commandId: row.command_id,
        chainSeq: seq,
      }),
    )
    .digest('hex');

/** Inside a transaction that the caller rolls back: switch the triggers off (a superuser can), do `tamper`, report. */
async function tampered<T>(db: Database, tamper: (sql: Database) => Promise<void>, look: (sql: Database) => Promise<T>): Promise<T> {
  let seen: T | null = null;
  const rollback = new Error('rollback');
  await db
    .transaction(async (sql) => {
      await sql.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await tamper(sql as unknown as Database);
      seen = await look(sql as unknown as Database);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return seen as T;
}

async function someHistory(server: TestServer): Promise<string> {
  const desk = await server.login('medco.a');
  const caseId = randomUUID();
  resultOf(await server.command(desk, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' }));
  resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'MG012A' }));
  resultOf(await server.command(desk, 'add-booking', { bookingId: randomUUID(), caseId, itemCode: 'LAB', description: 'Lab', quantity: 1, unitPrice: 10_000 }));
  await settleAuditChain(server.scratch.db);
  return caseId;
}

describeEachBackend('the audit chain against someone who can write the database (%s)', (backend) => {
  let server: TestServer;
  let caseId: string;
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    caseId = await someHistory(server);
  });
  afterAll(async () => server?.close());

  it('an entry edited and the chain after it recomputed (without the key) is found', async () => {
    const db = server.scratch.db;
    expect(await verifyChain(db, ring)).toMatchObject({ ok: true });
    const verdict = await tampered(
      db,
      async (sql) => {
        // The hold of the pre-auth becomes 1; every hash from there on is recomputed, the head too.
        await sql.query(`UPDATE audit_log SET after = jsonb_set(after, '{hold}', '1') WHERE action = 'preauth-requested'`);
        const rows = await sql.query<Row>('SELECT * FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq');
        let prev = 'genesis';
        for (const row of rows) {
          const hash = unkeyedHash(prev, Number(row.chain_seq), row);
          await sql.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE id = $1', [row.id, prev, hash]);
          prev = hash;
        }
        await sql.query('UPDATE audit_head SET chain_seq = $1, hash = $2', [rows.length, prev]);
      },
      (sql) => verifyChain(sql, ring),
    );
    // Before (unkeyed chain): { ok: true } — the rewrite was undetectable.
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 1 });
    // The case's own audit trail says so too (its entries are checked one by one).
    const trail = await tampered(
      db,
      async (sql) => {
        await sql.query(`UPDATE audit_log SET after = jsonb_set(after, '{hold}', '1') WHERE action = 'preauth-requested'`);
      },
      (sql) => caseAuditTrail(sql, caseId, { ring, anchors: null }),
    );
    expect(trail.chain).toMatchObject({ isIntact: false, problem: expect.stringMatching(/altered/) });
  });

  it('an audit read verifies from the verified-up-to checkpoint, not the whole chain; a forged checkpoint is ignored', async () => {
    const db = server.scratch.db;
    let rowsHashed = 0;
    const counting: Database = Object.assign(Object.create(db) as Database, {
      query: async (text: string, params?: readonly unknown[]) => {
        const rows = await db.query(text, params as never);
        if (text.startsWith('SELECT * FROM audit_log WHERE chain_seq >=')) rowsHashed += rows.length;
        return rows;
      },
    });
    const read = async () => {
      rowsHashed = 0;
      const trail = await caseAuditTrail(counting, caseId, { ring, anchors: null });
      expect(trail.chain).toMatchObject({ isIntact: true });
      return rowsHashed;
    };
    await read();
    const [{ count } = { count: 0 }] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_log');
    // Before: every read re-hashed all `count` entries. Now a read re-hashes what was linked since.
    expect(await read()).toBe(0);
    const desk = await server.login('medco.a');
    resultOf(await server.command(desk, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000002' }));
    await settleAuditChain(db);
    expect(await read()).toBe(2); // the sign-in and the lookup
    expect(count).toBeGreaterThan(2);
    // Someone moves the checkpoint to the head without the key: ignored, the read starts from genesis.
    await db.query("UPDATE audit_verified SET chain_seq = (SELECT chain_seq FROM audit_head), hash = (SELECT hash FROM audit_head), mac = repeat('0', 64)");
    expect(await read()).toBeGreaterThan(count);
    expect((await verifyIncrementally(db, ring)).ok).toBe(true);
  });

  it('the newest entries cut off and the head set back are found by the anchors written outside the database, and the console shows them', async () => {
    const file = join(dir, `${backend}-anchors.jsonl`);
    const state = await prepareServer(server.scratch.db, { keys: testServerKeys, anchorFile: file, anchorIntervalMs: 3_600_000 });
    try {
      const app = await buildApp({
        db: server.scratch.db,
        notifier: new ChangeNotifier(null),
        scheme: state.scheme,
        keys: state.keys,
        auditAnchors: state.auditAnchors,
      });
      const token = (await app
        .inject({ method: 'POST', url: '/auth/login', payload: { username: 'ppd', password: 'coverdesk-demo' } })
        .then((r) => r.json())) as { token: string };
      const answer = (await app
        .inject({ method: 'GET', url: `/cases/${caseId}/audit`, headers: { authorization: `Bearer ${token.token}` } })
        .then((r) => r.json())) as { chain: Record<string, unknown> };
      expect(answer.chain).toMatchObject({ isIntact: true, anchor: { file, intervalSeconds: 3600, lastSeq: expect.any(Number), lastAt: expect.any(String) } });
      await app.close();
    } finally {
      await state.stop(); // anchors the head once more
    }
    const anchors = readAnchors(file, ring);
    expect(await checkAnchors(server.scratch.db, anchors)).toMatchObject({ ok: true });
    const cut = await tampered(
      server.scratch.db,
      async (sql) => {
        // Remove the last three entries and set the head back to the entry before them: a genuine prefix.
        const [head] = await sql.query<{ chain_seq: number }>('SELECT chain_seq FROM audit_head');
        const keep = Number(head!.chain_seq) - 3;
        await sql.query('DELETE FROM audit_log WHERE chain_seq > $1', [keep]);
        await sql.query('UPDATE audit_head SET chain_seq = $1, hash = (SELECT hash FROM audit_log WHERE chain_seq = $1)', [keep]);
      },
      async (sql) => ({ chain: await verifyChain(sql, ring), anchors: await checkAnchors(sql, anchors) }),
    );
    // The chain alone cannot tell: what is left is genuine. The anchor still names the removed head.
    expect(cut.chain).toMatchObject({ ok: true });
    expect(cut.anchors).toMatchObject({ ok: false, problem: expect.stringMatching(/entries were removed/) });
  });

  it('a forged anchor line (no key) is refused', async () => {
    const forged = join(dir, `${backend}-forged.jsonl`);
    const { appendAnchor } = await import('../audit/anchors');
    appendAnchor(forged, { v: 1, seq: 1, hash: 'x'.repeat(64), at: new Date().toISOString(), keyId: ring.current.id, mac: randomBytes(32).toString('hex') });
    expect(await checkAnchors(server.scratch.db, readAnchors(forged, ring))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/signature does not match/),
    });
  });
});

describeEachBackend('a chain linked before migration 025 is re-keyed at start, recorded (%s)', (backend) => {
  it('the unkeyed chain is checked, every entry gets its keyed hash (the old one kept), and the re-keying is in the log', async () => {
    const scratch = await createScratchDatabase(backend);
    try {
      // A database as the previous release left it: migrations up to 24 and an unkeyed chain of five.
      await scratch.db.transaction(async (sql) => {
        await sql.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
        for (const migration of migrations.filter((m) => m.version < 25)) {
          await sql.script(migration.sql);
          await sql.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        }
        for (let n = 1; n <= 5; n += 1)
          await sql.query("INSERT INTO audit_log (action, entity_type, entity_id, after) VALUES ('case-admitted', 'case', $1, $2)", [
            randomUUID(),
            JSON.stringify({ n }),
          ]);
        const rows = await sql.query<Row>('SELECT * FROM audit_log ORDER BY id');
        let prev = 'genesis';
        for (const [index, row] of rows.entries()) {
          const hash = unkeyedHash(prev, index + 1, row);
          await sql.query('UPDATE audit_log SET chain_seq = $2, prev_hash = $3, hash = $4 WHERE id = $1', [row.id, index + 1, prev, hash]);
          prev = hash;
        }
        await sql.query('UPDATE audit_head SET chain_seq = 5, hash = $1', [prev]);
      });
      const legacy = await scratch.db.query<{ id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY chain_seq');
      const state = await prepareServer(scratch.db, { keys: testServerKeys, chainIntervalMs: 3_600_000 });
      try {
        expect(state.auditRekeyed).toMatchObject({ entries: 5, legacyHead: legacy[4]!.hash, legacyIntact: true, keyId: ring.current.id });
        await linkPending(scratch.db, ring);
        expect(await verifyChain(scratch.db, ring)).toMatchObject({ ok: true, entries: 6 });
        const after = await scratch.db.query<{ id: number; legacy_hash: string; key_id: string; action: string; after: Record<string, unknown> }>(
          'SELECT id, legacy_hash, key_id, action, after FROM audit_log ORDER BY chain_seq',
        );
        expect(after.slice(0, 5).map((r) => [r.id, r.legacy_hash])).toEqual(legacy.map((r) => [r.id, r.hash]));
        expect(after.every((r) => r.key_id === ring.current.id)).toBe(true);
        expect(after[5]).toMatchObject({ action: 'audit-chain-rekeyed', after: { entries: 5, legacyIntact: true, legacyHead: legacy[4]!.hash } });
        // Only once: a re-keyed entry cannot be "re-keyed" again (the trigger), nor anything else of it changed.
        await expect(scratch.db.query("UPDATE audit_log SET key_id = 'k9', legacy_hash = hash, hash = 'x' WHERE chain_seq = 1")).rejects.toThrow(
          /already chained/,
        );
        await expect(scratch.db.query("UPDATE audit_log SET after = '{}' WHERE chain_seq = 1")).rejects.toThrow(/already chained/);
      } finally {
        await state.stop();
      }
    } finally {
      await scratch.drop();
    }
  });
});

describe.skipIf(!hasPostgres)('the server runs under a role that cannot alter tables or triggers (PostgreSQL)', () => {
  let server: TestServer;
  let runtime: Database;
  const login = `coverdesk_t_app_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    server = await startTestServer('postgres', { extraFamilies: 0 });
    // IT's setup (docs/database-roles.md): a login role for the server, a member of coverdesk_runtime.
    await server.scratch.db.query(`CREATE ROLE ${login} LOGIN IN ROLE coverdesk_runtime`);
    const url = new URL(server.scratch.url!);
    url.username = login;
    runtime = openPostgres(url.toString(), { maxConnections: 4 });
  });
  afterAll(async () => {
    await runtime?.close();
    await server?.close();
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${login}`);
    await admin.end();
  });

  it('the whole desk flow works under the runtime role, which cannot switch the audit triggers off, rewrite, delete or truncate', async () => {
    const state = await prepareServer(runtime, { keys: testServerKeys, migrations: 'check', chainIntervalMs: 20 });
    try {
      const app = await buildApp({ db: runtime, notifier: new ChangeNotifier(null), scheme: state.scheme, keys: state.keys });
      const login = async (username: string) =>
        ((await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: 'coverdesk-demo' } })).json() as { token: string }).token;
      const desk = await login('medco.a');
      const send = async (name: string, body: Record<string, unknown>) =>
        app.inject({ method: 'POST', url: `/commands/${name}`, headers: { authorization: `Bearer ${desk}` }, payload: { commandId: randomUUID(), ...body } });
      const caseId = randomUUID();
      expect((await send('admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' })).statusCode).toBe(200);
      expect((await send('request-preauth', { caseId, packageCode: 'MG012A' })).statusCode).toBe(200);
      expect(
        (await send('add-booking', { bookingId: randomUUID(), caseId, itemCode: 'LAB', description: 'Lab', quantity: 1, unitPrice: 10_000 })).statusCode,
      ).toBe(200);
      await app.close();
      await expect
        .poll(async () => (await runtime.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_log WHERE chain_seq IS NULL'))[0]?.count)
        .toBe(0);
      expect(await verifyChain(runtime, ring)).toMatchObject({ ok: true });
    } finally {
      await state.stop();
    }
    // Before: the server's role owned audit_log, so the first statement below succeeded.
    await expect(runtime.query('ALTER TABLE audit_log DISABLE TRIGGER USER')).rejects.toThrow(/must be owner/);
    await expect(runtime.query('DROP TRIGGER audit_log_append_only ON audit_log')).rejects.toThrow(/must be owner/);
    await expect(runtime.query('ALTER TABLE ledger DISABLE TRIGGER USER')).rejects.toThrow(/must be owner/);
    await expect(runtime.query("UPDATE audit_log SET after = '{}' WHERE chain_seq = 1")).rejects.toThrow(/permission denied/);
    await expect(runtime.query('DELETE FROM audit_log')).rejects.toThrow(/permission denied/);
    await expect(runtime.query('TRUNCATE audit_log')).rejects.toThrow(/permission denied/);
    await expect(runtime.query('UPDATE ledger SET delta = delta')).rejects.toThrow(/permission denied/);
    await expect(
      runtime.query('CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$'),
    ).rejects.toThrow(/must be owner|permission denied/);
    expect(await runtimeRoleProblem(runtime)).toBeNull();
    expect(await runtimeRoleProblem(server.scratch.db)).toMatch(/superuser|owns/);
  });

  it('npm run audit:verify -- --anchors FILE: exit 0 on the intact chain, 1 once the newest entries are cut off', async () => {
    const file = join(dir, 'cli-anchors.jsonl');
    const state = await prepareServer(server.scratch.db, { keys: testServerKeys, anchorFile: file });
    await state.stop();
    const run = (args: string[]) =>
      promisify(execFile)('npx', ['tsx', 'sync-server/src/audit/verify-cli.ts', ...args], {
        env: { ...process.env, ...testKeyEnvironment(), DATABASE_URL: server.scratch.url! },
      }).then(
        (done) => ({ code: 0, stdout: done.stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    const intact = await run(['--anchors', file]);
    expect(intact).toMatchObject({ code: 0, stdout: expect.stringMatching(/Audit anchors intact/) });
    // A superuser cuts the newest entry off and sets the head back (the triggers switched off for it).
    const db = server.scratch.db;
    await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await db.query('DELETE FROM audit_log WHERE chain_seq = (SELECT chain_seq FROM audit_head)');
    await db.query('UPDATE audit_head SET chain_seq = chain_seq - 1, hash = (SELECT hash FROM audit_log WHERE chain_seq = audit_head.chain_seq - 1)');
    await db.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    const cut = await run(['--anchors', file]);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(/Audit chain intact/);
    expect(cut.stdout).toMatch(/Audit anchors BROKEN.*entries were removed/);
  }, 60_000);
});
