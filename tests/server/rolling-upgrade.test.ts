import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../sync-server/src/audit/chain';
import { migrations } from '../../sync-server/src/db/migrate';
import { demoIds } from '../../sync-server/src/demo/seed';
import { createScratchDatabase, type ScratchDatabase } from '../../sync-server/src/testing/databases';
import { moneyConsistency } from '../../sync-server/src/testing/harness';
import { testKeyEnvironment, testServerKeys } from '../../sync-server/src/testing/keys';
import { readReleases } from '../../sync-server/src/testing/releases';
import { settleAuditChain } from '../../sync-server/src/testing/snapshot';
import { materialiseRelease, run, type MaterialisedRelease } from '../support/previous-release';
import { login, postJson, startServerProcess, type HttpAnswer, type ServerProcess } from '../support/server-process';

/**
 * Server upgrades roll (issue 23): the previous release's server and the current one run side by
 * side on one PostgreSQL database, in a deploy's order. The previous release (build/releases.json,
 * found by its tag or its hash) migrates and seeds a scratch database with its own code and starts
 * serving; S1's step 1 runs on it alone; then the current server starts on the same database and
 * migrates it while the old one keeps serving; the rest of S1 goes alternately to the old and the
 * new server, command by command, with the numbers of SCENARIOS.md; halfway an old server is
 * restarted on the new schema (a crash or a scale-out mid-deploy). At the end the money agrees to
 * the unit and the audit chain, linked by both releases, verifies.
 *
 * Needs PostgreSQL (DATABASE_URL): two server processes on one database. `npm run
 * ops:rolling-upgrade-test` runs it by hand and refuses to skip it.
 */
const hasPostgres = Boolean(process.env.DATABASE_URL);
if (process.env.COVERDESK_REQUIRE_POSTGRES === '1' && !hasPostgres)
  throw new Error('Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test): the rolling-upgrade test runs two servers on PostgreSQL.');
const units = (n: number) => n * 100; // the demo scheme counts paise
const { previous } = readReleases();
const seedScript = fileURLToPath(new URL('../support/release-seed.ts', import.meta.url));

describe.skipIf(!hasPostgres)(`Rolling upgrade: ${previous.name} and this release serve S1 side by side (PostgreSQL)`, () => {
  let scratch: ScratchDatabase | null = null;
  let release: MaterialisedRelease | null = null;
  let oldServer: ServerProcess;
  let newServer: ServerProcess | null = null;
  const started: ServerProcess[] = [];
  const handledBy: Record<'old' | 'new', string[]> = { old: [], new: [] };
  let turn = 0;
  const tokens = { deskA: '', deskB: '', ppd: '', cex: '', cpd: '', aco: '' };
  const fatherCase = randomUUID();
  const motherCase = randomUUID();
  const bookings = [randomUUID(), randomUUID(), randomUUID()];
  const claimId = randomUUID();

  const serverEnv = () => ({ DATABASE_URL: scratch!.url!, DATABASE_POOL_SIZE: '4', ...testKeyEnvironment() });
  const startOld = async () => {
    const server = await startServerProcess(serverEnv(), { cwd: release!.root, timeoutMs: 90_000 });
    started.push(server);
    return server;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase('postgres', { maxConnections: 2 });
    release = await materialiseRelease(previous, (line) => console.log(line));
    // The previous release's own migrations and demo seed: the database the deploy starts from.
    await run(process.execPath, ['--import', 'tsx', seedScript], release.root, serverEnv());
    oldServer = await startOld();
    // Tokens from the old server, used on both: a desk's session survives the deploy.
    for (const [role, user] of [
      ['deskA', 'medco.a'],
      ['deskB', 'medco.b'],
      ['ppd', 'ppd'],
      ['cex', 'cex'],
      ['cpd', 'cpd'],
      ['aco', 'aco'],
    ] as const)
      tokens[role] = await login(oldServer.url, user);
  }, 900_000);

  afterAll(async () => {
    // SIGTERM, and SIGKILL for a server that does not stop within 20 s.
    await Promise.all(
      started.map(async (server) => {
        const killer = setTimeout(() => void server.stop('SIGKILL'), 20_000);
        await server.stop();
        clearTimeout(killer);
      }),
    );
    await scratch?.drop();
    release?.remove();
  }, 120_000);

  /** The servers a load balancer sends commands to, in turn. */
  const serving = (): { which: 'old' | 'new'; server: ServerProcess }[] => [
    { which: 'old', server: oldServer },
    ...(newServer ? [{ which: 'new' as const, server: newServer }] : []),
  ];
  const command = async (token: string, name: string, body: Record<string, unknown>): Promise<HttpAnswer> => {
    const servers = serving();
    const { which, server } = servers[turn++ % servers.length]!;
    handledBy[which].push(name);
    return postJson(`${server.url}/commands/${name}`, { commandId: randomUUID(), ...body }, token);
  };
  const ok = (answer: HttpAnswer): Record<string, unknown> => {
    if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.result as Record<string, unknown>;
  };
  const get = async (server: ServerProcess, token: string, path: string): Promise<HttpAnswer> => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** The family's balance as every serving server reads it: they must agree. */
  const balance = async (token: string) => {
    const seen = await Promise.all(serving().map(async ({ server }) => (await get(server, token, `/families/${demoIds.seedFamily}/balance`)).body));
    // The same answer but for the time each server computed it at.
    const untimed = (body: unknown) => JSON.parse(JSON.stringify(body, (key, value: unknown) => (key === 'computedAt' ? undefined : value))) as unknown;
    for (const other of seen.slice(1)) expect(untimed(other)).toEqual(untimed(seen[0]));
    return seen[0]!;
  };

  it(`${previous.name}'s migrations made the schema it was released with`, async () => {
    const rows = await scratch!.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual([...previous.migrations].sort((a, b) => a - b));
    // Which node_modules the old server ran on is said, not asserted: a release whose dependency
    // ranges this checkout no longer meets gets its own npm ci, and that is a pass too.
    console.log(
      `${previous.name} (${release!.commit.slice(0, 7)}, found by ${release!.foundBy}) runs on ${
        release!.dependencies.kind === 'shared' ? "this checkout's node_modules" : `its own npm ci: ${release!.dependencies.unmet.join(', ')}`
      }.`,
    );
  });

  it(`step 1 on ${previous.name} alone: father admitted at A, package 6,000 → hold 6,000, available 4,000`, async () => {
    ok(await command(tokens.deskA, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000001' }));
    ok(await command(tokens.deskA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    const preauth = ok(await command(tokens.deskA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    expect(preauth).toMatchObject({ holdAmount: units(6000), shortfall: 0, family: { committed: units(6000), available: units(4000) } });
    expect(await balance(tokens.deskA)).toMatchObject({ cover: units(10000), committed: units(6000), available: units(4000) });
  });

  it('the new server migrates the same database while the old one keeps serving', async () => {
    const pending = migrations.map((m) => m.version).filter((v) => !previous.migrations.includes(v));
    let isStarting = true;
    const oldAnswers: number[] = [];
    const starting = startServerProcess(serverEnv(), { timeoutMs: 90_000 }).finally(() => {
      isStarting = false;
    });
    // A desk reading its family's balance on the old server all along the new server's start.
    do {
      oldAnswers.push((await get(oldServer, tokens.deskA, `/families/${demoIds.seedFamily}/balance`)).status);
    } while (isStarting);
    newServer = await starting;
    started.push(newServer);
    expect(oldAnswers.every((status) => status === 200)).toBe(true);
    const rows = await scratch!.db.query<{ version: number }>('SELECT version FROM schema_migrations');
    expect(
      rows.map((r) => r.version).sort((a, b) => a - b),
      `migrations added since ${previous.name}: ${pending.join(', ') || 'none'}`,
    ).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b));
  });

  it('step 2 (alternating): mother admitted at B, package 5,000 → hold 4,000, shortfall 1,000 at admission', async () => {
    ok(await command(tokens.deskB, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000002' }));
    ok(await command(tokens.deskB, 'admit', { caseId: motherCase, memberId: demoIds.mother, identityMethod: 'face' }));
    const preauth = ok(await command(tokens.deskB, 'request-preauth', { caseId: motherCase, packageCode: 'MG006A' }));
    expect(preauth).toMatchObject({ requestedAmount: units(5000), holdAmount: units(4000), shortfall: units(1000), family: { available: 0 } });
    const seen = await balance(tokens.deskB);
    expect(seen).toMatchObject({ committed: units(10000), available: 0 });
    expect(seen.holds).toContainEqual(expect.objectContaining({ caseId: motherCase, authorized: units(5000), amount: units(4000) }));
  });

  it('step 3 (alternating): the father cannot be admitted at B while his case at A is active, on either server', async () => {
    for (let i = 0; i < 2; i += 1) {
      const answer = await command(tokens.deskB, 'admit', { caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' });
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ code: 'case-already-active', details: { hospitalCode: 'HSP-A' } });
    }
  });

  it('step 4 (alternating): PPD approves both pre-auths; holds unchanged', async () => {
    expect(ok(await command(tokens.ppd, 'decide-preauth', { caseId: fatherCase, decision: 'approve' }))).toMatchObject({
      preauthStatus: 'approved',
      holdAmount: units(6000),
    });
    expect(ok(await command(tokens.ppd, 'decide-preauth', { caseId: motherCase, decision: 'approve' }))).toMatchObject({
      preauthStatus: 'approved',
      holdAmount: units(4000),
    });
    for (const { server } of serving()) {
      expect((await get(server, tokens.deskA, `/cases/${fatherCase}`)).body).toMatchObject({ preauth: { status: 'approved' }, hold: { amount: units(6000) } });
      expect((await get(server, tokens.deskB, `/cases/${motherCase}`)).body).toMatchObject({ preauth: { status: 'approved' }, hold: { amount: units(4000) } });
    }
  });

  it(`an old server restarted mid-deploy starts on the new schema and serves`, async () => {
    const previousOld = oldServer;
    oldServer = await startOld();
    await previousOld.stop();
    expect(await balance(tokens.deskA)).toMatchObject({ committed: units(10000), available: 0 });
  });

  it('step 5 (alternating): bookings 2,500 + 3,000 + 500 are all covered and sum to the hold', async () => {
    for (const [index, amount] of [2500, 3000, 500].entries()) {
      const booked = ok(
        await command(tokens.deskA, 'add-booking', {
          bookingId: bookings[index]!,
          caseId: fatherCase,
          itemCode: `SVC-${index + 1}`,
          description: `Service ${index + 1}`,
          quantity: 1,
          unitPrice: units(amount),
        }),
      );
      expect(booked).toMatchObject({ coverage: 'covered', coveredAmount: units(amount), shortfallAmount: 0 });
    }
    for (const { server } of serving())
      expect((await get(server, tokens.deskA, `/cases/${fatherCase}`)).body).toMatchObject({ hold: { amount: units(6000), consumed: units(6000) } });
  });

  it('step 6 (alternating): discharge and a claim of 6,000 → accepted, the hold becomes a claim', async () => {
    ok(await command(tokens.deskA, 'discharge', { caseId: fatherCase }));
    const claim = ok(await command(tokens.deskA, 'submit-claim', { claimId, caseId: fatherCase, amount: units(6000) }));
    expect(claim).toMatchObject({ status: 'submitted', payerAmount: units(6000), patientAmount: 0, released: 0 });
    expect(await balance(tokens.deskA)).toMatchObject({
      committed: units(10000),
      claims: [expect.objectContaining({ claimId, status: 'submitted', committedAmount: units(6000) })],
    });
  });

  it('step 7 (alternating): a claim of 5,900 against a booking sum of 6,000 is refused with the difference 100, on either server', async () => {
    for (let i = 0; i < 2; i += 1) {
      const answer = await command(tokens.deskA, 'submit-claim', { claimId: randomUUID(), caseId: fatherCase, amount: units(5900) });
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ code: 'claim-amount-mismatch', details: { bookingSum: units(6000), difference: -units(100) } });
    }
  });

  it('step 8 (alternating): CEX processes, CPD approves 5,500 of 6,000; 500 returns to the cover', async () => {
    const lines = [
      { bookingId: bookings[0]!, decision: 'full' },
      { bookingId: bookings[1]!, decision: 'partial', approvedAmount: units(2500), reasonCode: 'tariff-exceeded' },
      { bookingId: bookings[2]!, decision: 'full' },
    ];
    expect(ok(await command(tokens.cex, 'process-claim', { claimId, lines }))).toMatchObject({ status: 'processed', recommendedAmount: units(5500) });
    const verified = ok(await command(tokens.cpd, 'verify-claim', { claimId, lines }));
    expect(verified).toMatchObject({ status: 'approved', approvedAmount: units(5500), returnedToCover: units(500), family: { available: units(500) } });
    expect(await balance(tokens.deskB)).toMatchObject({ committed: units(9500), available: units(500) });
  });

  it('step 9 (alternating): ACO pays 5,500 split 60/40 → 3,300 + 2,200; reconciliation balances on both servers', async () => {
    const payment = ok(await command(tokens.aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [claimId] }));
    expect(payment).toMatchObject({ amount: units(5500), governmentAmount: units(3300), insurerAmount: units(2200), netPaid: units(5500) });
    for (const { server } of serving()) {
      const reconciliation = (await get(server, tokens.aco, '/reports/reconciliation')).body as { payments: unknown[]; unbalanced: unknown[] };
      expect(reconciliation.payments).toContainEqual(expect.objectContaining({ reference: payment.reference, approved: units(5500), isBalanced: true }));
      expect(reconciliation.unbalanced).toEqual([]);
    }
    expect(await balance(tokens.deskA)).toMatchObject({ committed: units(9500), available: units(500) });
  });

  it('both servers decided commands, and the ledger, holds and claims agree to the unit', async () => {
    expect(handledBy.old.length).toBeGreaterThanOrEqual(10);
    expect(handledBy.new.length).toBeGreaterThanOrEqual(8);
    for (const money of ['add-booking', 'verify-claim', 'process-claim', 'request-preauth', 'decide-preauth'])
      expect([handledBy.old.includes(money), handledBy.new.includes(money)], money).not.toEqual([false, false]);
    const rows = await moneyConsistency(scratch!);
    expect(rows.find((r) => r.family_id === demoIds.seedFamily)).toMatchObject({ cover: units(10000), committed: units(9500) });
    for (const row of rows) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect(row.ledger).toBe(row.committed);
      expect(row.ledger_holds).toBe(row.holds);
      expect(row.ledger_claims).toBe(row.claims);
    }
  });

  it('the audit chain that both releases linked verifies', async () => {
    await settleAuditChain(scratch!.db);
    const verdict = await verifyChain(scratch!.db, testServerKeys.audit);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.entries).toBeGreaterThan(20);
  });
});
