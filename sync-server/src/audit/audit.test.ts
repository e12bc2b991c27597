import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain } from '../testing/snapshot';
import { testKeyEnvironment, testServerKeys } from '../testing/keys';
import { verifyChain as verifyWithRing } from './chain';

const verifyChain = (sql: Parameters<typeof verifyWithRing>[0]) => verifyWithRing(sql, testServerKeys.audit);

describeEachBackend('hash-chained audit log (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
    const desk = await server.login('medco.a');
    const caseId = randomUUID();
    resultOf(await server.command(desk, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(desk, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    resultOf(
      await server.command(desk, 'add-booking', { bookingId: randomUUID(), caseId, itemCode: 'LAB', description: 'Lab', quantity: 1, unitPrice: 10_000 }),
    );
    // Not a single linkPending: the background chainer may hold the chain lock at that instant
    // (linkPending then skips) and not have committed yet when the test reads.
    await settleAuditChain(server.scratch.db);
  });
  afterAll(async () => server?.close());

  it('records who did what with amounts before and after, and the chain verifies', async () => {
    const entries = await server.scratch.db.query<{
      action: string;
      actor_id: string | null;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
    }>('SELECT action, actor_id, before, after FROM audit_log ORDER BY chain_seq');
    // The desk operator's sign-in is audited too (issue 13 item 7), then the three money steps.
    expect(entries.map((e) => e.action)).toEqual(['signed-in', 'case-admitted', 'preauth-requested', 'booking-added']);
    expect(entries[2]).toMatchObject({ before: { committed: 0 }, after: { hold: 600_000, committed: 600_000, shortfall: 0 } });
    expect(entries.every((e) => e.actor_id !== null)).toBe(true);
    const verdict = await verifyChain(server.scratch.db);
    expect(verdict).toMatchObject({ ok: true, entries: 4, unlinked: 0 });
  });

  it('refuses updates and deletes of linked entries at the database', async () => {
    await expect(server.scratch.db.query("UPDATE audit_log SET action = 'nothing' WHERE chain_seq = 1")).rejects.toThrow(/already chained/);
    await expect(server.scratch.db.query('DELETE FROM audit_log WHERE chain_seq = 1')).rejects.toThrow(/append-only/);
  });

  it('refuses TRUNCATE of the audit log and both money ledgers, and any change to a money ledger entry', async () => {
    const db = server.scratch.db;
    // CASCADE: since 047 service_level_breaches references audit_log, and a plain TRUNCATE would be
    // stopped by that foreign key before the trigger; with CASCADE the trigger must refuse it.
    for (const table of ['audit_log', 'ledger', 'payment_ledger']) {
      await expect(db.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(new RegExp(`${table} is append-only: TRUNCATE is refused`));
    }
    await expect(db.query('UPDATE ledger SET delta = delta + 1 WHERE id = (SELECT min(id) FROM ledger)')).rejects.toThrow(/ledger is append-only/);
    await expect(db.query('DELETE FROM ledger WHERE id = (SELECT min(id) FROM ledger)')).rejects.toThrow(/ledger is append-only/);
    const [entries] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_log');
    expect(entries?.count).toBe(4);
  });

  /**
   * What a superuser (who can switch the triggers off) does to the log, each inside a transaction
   * that is rolled back so the next test sees the log intact: the verdict names what is missing.
   */
  const tamperedVerdict = async (tamper: string[]) => {
    let verdict: Awaited<ReturnType<typeof verifyChain>> | null = null;
    const rollback = new Error('rollback');
    await server.scratch.db
      .transaction(async (sql) => {
        await sql.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
        for (const statement of tamper) await sql.query(statement);
        verdict = await verifyChain(sql);
        throw rollback;
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error;
      });
    return verdict;
  };

  it('names a deleted entry in the middle of the chain', async () => {
    expect(await tamperedVerdict(['DELETE FROM audit_log WHERE chain_seq = 2'])).toMatchObject({
      ok: false,
      firstBadSeq: 2,
      problem: 'entry 2 of the chain is missing',
    });
  });

  it('notices the last entry deleted, and the whole log truncated, by the chain head', async () => {
    expect(await tamperedVerdict(['DELETE FROM audit_log WHERE chain_seq = 4'])).toMatchObject({
      ok: false,
      firstBadSeq: 4,
      problem: expect.stringMatching(/chain head does not match/),
    });
    expect(await tamperedVerdict(['TRUNCATE audit_log CASCADE'])).toMatchObject({
      ok: false,
      entries: 0,
      firstBadSeq: 1,
      problem: expect.stringMatching(/entries removed/),
    });
    // Rolled back: the chain is whole again.
    expect(await verifyChain(server.scratch.db)).toMatchObject({ ok: true, entries: 4 });
  });

  it('names the first altered entry when someone with superuser rights edits the log', async () => {
    const db = server.scratch.db;
    await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await db.query(`UPDATE audit_log SET after = jsonb_set(after, '{hold}', '1') WHERE chain_seq = 2`);
    await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    const verdict = await verifyChain(db);
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 2 });
    if (!verdict.ok) expect(verdict.problem).toMatch(/altered/);
  });

  // The CLI is a separate process: it can only reach a PostgreSQL database, not an in-memory PGlite.
  it.skipIf(backend !== 'postgres')('npm run audit:verify exits 1 and names the entry (PostgreSQL: the CLI is another process)', async () => {
    const url = server.scratch.url!;
    const run = promisify(execFile);
    const failure = await run('npx', ['tsx', 'sync-server/src/audit/verify-cli.ts'], {
      env: { ...process.env, ...testKeyEnvironment(), DATABASE_URL: url },
    }).then(
      () => null,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toMatch(/BROKEN at entry 2/);
  });
});
