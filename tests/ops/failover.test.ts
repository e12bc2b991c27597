import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../sync-server/src/db/database';
import { openPostgres } from '../../sync-server/src/db/postgres';
import { moneyInvariantViolations } from '../../sync-server/src/demo/history';
import { demoIds, seedDemo } from '../../sync-server/src/demo/seed';
import {
  clusterMembers,
  cutNode,
  formationUrl,
  haTools,
  healNode,
  killNode,
  leaderNode,
  nodeUrl,
  planFormation,
  startFormation,
  startNode,
  stopFormation,
  type FormationPlan,
  type NodePlan,
} from '../../sync-server/src/ops/ha-formation';
import { prepareServer } from '../../sync-server/src/server-state';
import { testServerKeys } from '../../sync-server/src/testing/keys';
import { login, postJson, startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * Issue 18: the primary of a real Patroni formation (ha-formation.ts, the one `npm run ha:up`
 * starts) is SIGKILLed — its Patroni and its postmaster, as a machine loss — in the middle of a
 * burst of money commands sent to one sync server process through HAProxy. Senders behave as
 * desks do: an answer that does not come (503, 500, a cut connection) is sent again under the
 * same command id until it does. Then, on the new primary: every answered command is there with
 * its answer, no booking exists twice, the money invariants hold, and commands answered before
 * the kill, sent again, are replayed, not applied. The server was never restarted. The time from
 * the kill to the first new decision is printed, never asserted.
 *
 * Then the same with the new primary's network cut instead (each node runs in a network namespace
 * of its own when the test runs as root, as CI does): its connections are not reset, they go
 * silent; its Patroni, cut off from etcd, demotes it by itself; a standby takes over; the cut node,
 * its link back, rejoins as a standby.
 */
const tools = haTools();
const missing = tools instanceof Error ? tools.message : '';
// CI installs patroni, etcd-server and haproxy (.ci/run): there a missing program fails the test.
const isSkipped = missing !== '' && !process.env.CI;
// Network namespaces need root (CI runs as root); elsewhere the nodes share loopback and only the kill is tried.
const network = process.getuid?.() === 0 ? 'namespaces' : 'loopback';
const root = fileURLToPath(new URL('../..', import.meta.url));

const families = 12;
const familyCover = 2_000_000;
const packageCode = 'MG012A'; // 600,000: three packages' worth of bookings overrun a cover
const bookingsBeforeKill = 30;
const bookingsAfterKill = 30;
const senders = 4;

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Nine consecutive free ports, from a start that differs between concurrent runs. */
async function freeBasePort(): Promise<number> {
  for (let base = 17_000 + (process.pid % 400) * 10; base < 30_000; base += 10) {
    const ports = Array.from({ length: 9 }, (_, index) => base + index);
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) return base;
  }
  throw new Error('no nine consecutive free ports between 17000 and 30000');
}

interface Sent {
  readonly commandId: string;
  readonly name: string;
  readonly body: Record<string, unknown>;
}

interface Answered extends Sent {
  readonly status: number;
  readonly answer: Record<string, unknown>;
  readonly isReplay: boolean;
  /** When the attempt that got this answer started, and when the answer came (Date.now()). */
  readonly attemptAt: number;
  readonly answeredAt: number;
  /** Attempts that got no answer (503 database-unavailable, a cut connection) before this one. */
  readonly unanswered: number;
  readonly unansweredCodes: readonly string[];
}

describe.skipIf(isSkipped)(`Failover: the primary SIGKILLed under load${isSkipped ? ` (skipped: ${missing})` : ''}`, () => {
  let plan: FormationPlan;
  let db: Database;
  let server: ServerProcess;
  let token: string;
  const cases: { caseId: string; familyId: string }[] = [];

  beforeAll(async () => {
    plan = planFormation(join(root, '.data', 'ha', `test-${process.pid}`), await freeBasePort(), 3, network);
    await startFormation(plan, () => undefined, { timeoutMs: 150_000 });
    db = openPostgres(formationUrl(plan), { maxConnections: 4 });
    const state = await prepareServer(db, { keys: testServerKeys });
    await seedDemo(db, { nationalIdKey: state.nationalIdKey, extraFamilies: 0 });
    await state.stop();
    const members: { memberId: string; familyId: string }[] = [];
    for (let f = 0; f < families; f += 1) {
      const familyId = randomUUID();
      const memberId = randomUUID();
      await db.query(
        "INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district) VALUES ($1, $2, $3, $4, '+919800001111', 'Pune')",
        [familyId, demoIds.schemeId, `FAM-HA-${f}`, familyCover],
      );
      await db.query(
        "INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, 'Failover Test', 1980, 'X', 'other')",
        [memberId, familyId, `PMJ-H${String(f).padStart(8, '0')}`],
      );
      members.push({ memberId, familyId });
    }
    server = await startServerProcess({ DATABASE_URL: formationUrl(plan), DATABASE_POOL_SIZE: '8' }, { timeoutMs: 90_000 });
    token = await login(server.url, 'medco.a');
    for (const member of members) {
      const caseId = randomUUID();
      const admitted = await postJson(
        `${server.url}/commands/admit`,
        { commandId: randomUUID(), caseId, memberId: member.memberId, identityMethod: 'fingerprint' },
        token,
      );
      expect(admitted.status, JSON.stringify(admitted.body)).toBe(200);
      const preauth = await postJson(`${server.url}/commands/request-preauth`, { commandId: randomUUID(), caseId, packageCode }, token);
      expect(preauth.status, JSON.stringify(preauth.body)).toBe(200);
      cases.push({ caseId, familyId: member.familyId });
    }
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await db?.close();
    if (plan) await stopFormation(plan.root, () => undefined);
  }, 120_000);

  /** Send until answered (200 or 409), under the same command id, as a desk's outbox does. */
  async function sendUntilAnswered(command: Sent, deadline: number): Promise<Answered> {
    const codes: string[] = [];
    for (;;) {
      const attemptAt = Date.now();
      try {
        const response = await fetch(`${server.url}/commands/${command.name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(command.body),
          signal: AbortSignal.timeout(20_000),
        });
        const answer = (await response.json()) as Record<string, unknown>;
        if (response.status === 200 || response.status === 409)
          return {
            ...command,
            status: response.status,
            answer,
            isReplay: response.headers.get('x-command-replayed') === 'true',
            attemptAt,
            answeredAt: Date.now(),
            unanswered: codes.length,
            unansweredCodes: codes,
          };
        codes.push(`${response.status} ${String(answer.code)}`);
      } catch (error) {
        codes.push(`no answer (${error instanceof Error ? error.message : String(error)})`);
      }
      if (Date.now() > deadline) throw new Error(`${command.name} ${command.commandId} still unanswered: ${codes.slice(-3).join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function booking(): Sent {
    const target = cases[Math.floor(Math.random() * cases.length)]!;
    const commandId = randomUUID();
    return {
      commandId,
      name: 'add-booking',
      body: {
        commandId,
        bookingId: randomUUID(),
        caseId: target.caseId,
        itemCode: 'SVC',
        description: 'Service',
        quantity: 1,
        unitPrice: 20_000 + Math.floor(Math.random() * 180_000),
      },
    };
  }

  it('a hot standby lists no running transaction in pg_current_snapshot(): why desk pulls stay on the primary', async () => {
    // The pull's checkpoint (sync/pull.ts, nextWindowStart) starts the next window at the page
    // snapshot's xmax and lists the transactions that were running (xip): their rows, committed
    // later with older ids, still come. On a standby PostgreSQL keeps every running id among the
    // snapshot's subtransactions, which pg_current_snapshot() leaves out: the list is empty, so a
    // pull served there would skip those rows for good (docs/operations.md, "Reads on a standby").
    const leader = (await leaderNode(plan))!;
    const standby = plan.nodes.find((node) => node.name !== leader.name)!;
    const open = openPostgres(nodeUrl(leader, plan.database), { maxConnections: 2 });
    const onStandby = openPostgres(nodeUrl(standby, plan.database), { maxConnections: 1 });
    try {
      const snapshots = await open.transaction(async (sql) => {
        const [mine] = await sql.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
        // A later write that commits, so both snapshots' xmax pass the open transaction.
        await open.query('SELECT pg_current_xact_id()');
        const snapshotOf = async (db: Database) => {
          const [row] = await db.query<{ xmin: string; xmax: string; xip: string[] }>(
            'SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax, ARRAY(SELECT x::text FROM pg_snapshot_xip(s) x) AS xip FROM pg_current_snapshot() s',
          );
          return row!;
        };
        const deadline = Date.now() + 30_000;
        let standbySnapshot = await snapshotOf(onStandby);
        // Wait until the standby has replayed the later commit: the open transaction is then below
        // its xmax and not finished, so the standby's snapshot counts it as running.
        while (BigInt(standbySnapshot.xmax) <= BigInt(mine!.xid) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          standbySnapshot = await snapshotOf(onStandby);
        }
        return { xid: mine!.xid, primary: await snapshotOf(open), standby: standbySnapshot };
      });
      expect(snapshots.primary.xip).toContain(snapshots.xid);
      // The standby knows the transaction runs (its xmin is not past it, its xmax is), yet lists nothing.
      expect(BigInt(snapshots.standby.xmin)).toBeLessThanOrEqual(BigInt(snapshots.xid));
      expect(BigInt(snapshots.standby.xmax)).toBeGreaterThan(BigInt(snapshots.xid));
      expect(snapshots.standby.xip).toEqual([]);
    } finally {
      await open.close();
      await onStandby.close();
    }
  });

  /**
   * Senders keep going until enough commands were answered before the fault and enough were
   * issued after it; one of them brings the fault on the leader once the first share is answered.
   */
  async function burstAcross(fault: (leader: NodePlan) => Promise<void>): Promise<{ answered: Answered[]; faultAt: number; oldLeader: NodePlan }> {
    const answered: Answered[] = [];
    const deadline = Date.now() + 180_000;
    let faultAt = 0;
    let oldLeader: NodePlan | null = null;
    let issuedAfterFault = 0;
    const worker = async (): Promise<void> => {
      while (issuedAfterFault < bookingsAfterKill) {
        if (faultAt > 0) issuedAfterFault += 1;
        answered.push(await sendUntilAnswered(booking(), deadline));
        if (faultAt === 0 && answered.length >= bookingsBeforeKill) {
          faultAt = -1; // taken: one fault
          oldLeader = await leaderNode(plan);
          expect(oldLeader).not.toBeNull();
          const at = Date.now();
          await fault(oldLeader!);
          faultAt = at;
        }
      }
    };
    await Promise.all(Array.from({ length: senders }, worker));
    return { answered, faultAt, oldLeader: oldLeader! };
  }

  /** On the new primary itself: every answer kept, nothing twice, invariants, replays; then the figures. */
  async function checkAfterFailover(
    what: string,
    { answered, faultAt, oldLeader }: { answered: Answered[]; faultAt: number; oldLeader: NodePlan },
  ): Promise<void> {
    // The same server process served throughout: it followed the new leader without a restart.
    expect(server.child.exitCode).toBeNull();
    const newLeader = await leaderNode(plan);
    expect(newLeader).not.toBeNull();
    expect(newLeader!.name).not.toBe(oldLeader.name);

    // Read on the new primary itself, not through HAProxy.
    const direct = openPostgres(nodeUrl(newLeader!, plan.database), { maxConnections: 1 });
    try {
      const [role] = await direct.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
      expect(role?.recovering).toBe(false);
      // Every answered command is on the new primary, with the status it was answered with.
      const stored = await direct.query<{ command_id: string; http_status: number }>(
        'SELECT command_id, http_status FROM commands WHERE command_id = ANY($1)',
        [answered.map((a) => a.commandId)],
      );
      const statusById = new Map(stored.map((row) => [row.command_id, row.http_status]));
      const missingAnswers = answered.filter((a) => statusById.get(a.commandId) !== a.status);
      expect(missingAnswers.map((a) => `${a.commandId}: answered ${a.status}, stored ${statusById.get(a.commandId)}`)).toEqual([]);
      // Each accepted booking exists exactly once; a refused one not at all.
      const rows = await direct.query<{ id: string; n: number }>('SELECT id, count(*)::int AS n FROM bookings WHERE id = ANY($1) GROUP BY id', [
        answered.map((a) => String(a.body.bookingId)),
      ]);
      const countById = new Map(rows.map((row) => [row.id, row.n]));
      for (const a of answered) expect(countById.get(String(a.body.bookingId)) ?? 0, a.commandId).toBe(a.status === 200 ? 1 : 0);
      // Money: committed = ledger = holds + claims ≤ cover, for every family and year.
      expect(await moneyInvariantViolations(direct)).toEqual([]);
      const overCommitted = await direct.query('SELECT family_id FROM family_years WHERE committed > cover');
      expect(overCommitted).toEqual([]);

      // Commands answered before the fault, sent again now: the first answer, replayed, nothing applied.
      const before = answered.filter((a) => a.answeredAt < faultAt).slice(0, 10);
      expect(before.length).toBeGreaterThan(0);
      for (const original of before) {
        const again = await sendUntilAnswered(original, Date.now() + 30_000);
        expect(again.isReplay).toBe(true);
        expect(again.status).toBe(original.status);
        expect(again.answer).toEqual(original.answer);
      }
      const [after] = await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings WHERE id = ANY($1)', [
        answered.map((a) => String(a.body.bookingId)),
      ]);
      expect(after?.n).toBe(answered.filter((a) => a.status === 200).length);
    } finally {
      await direct.close();
    }

    // What the switch looked like from the senders (figures, never asserted: machine speed).
    const firstNewDecision = answered.filter((a) => a.attemptAt >= faultAt && a.status === 200 && !a.isReplay).sort((x, y) => x.answeredAt - y.answeredAt)[0];
    expect(firstNewDecision).toBeDefined();
    const interrupted = answered.filter((a) => a.unanswered > 0);
    const codes = [...new Set(interrupted.flatMap((a) => a.unansweredCodes.map((code) => code.replace(/\(.*\)/, '(…)'))))];
    console.log(
      [
        `failover: ${what} ${oldLeader.name}; ${newLeader!.name} leads now`,
        `  fault → first new decision on ${newLeader!.name}: ${((firstNewDecision!.answeredAt - faultAt) / 1000).toFixed(1)} s`,
        `  ${answered.length} commands answered (${answered.filter((a) => a.status === 200).length} accepted, ${answered.filter((a) => a.status === 409).length} refused)`,
        `  ${interrupted.length} sent again after no answer (${codes.join(', ')}); ${interrupted.filter((a) => a.isReplay).length} of them were replays: applied before the answer was lost`,
      ].join('\n'),
    );
  }

  /** Until every node runs and streams again, one of them as the synchronous standby. */
  async function untilWhole(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const members = (await clusterMembers(plan)) ?? [];
      const following = members.filter((m) => m.role !== 'leader' && (m.state === 'streaming' || m.state === 'running'));
      if (following.length === plan.nodes.length - 1 && members.some((m) => m.role === 'sync_standby')) return;
      if (Date.now() > deadline) throw new Error(`the formation did not become whole again: ${JSON.stringify(members)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  let killed: NodePlan | null = null;

  it('loses no answered command, applies none twice, keeps the invariants, and replays by command id', async () => {
    const serverPid = server.child.pid;
    const burst = await burstAcross(async (leader) => {
      killed = leader;
      await killNode(plan, leader);
    });
    expect(server.child.pid).toBe(serverPid);
    await checkAfterFailover('killed (Patroni and postmaster)', burst);
  }, 300_000);

  it.skipIf(network !== 'namespaces')(
    `the same when the primary's network is cut instead${network !== 'namespaces' ? ' (skipped: network namespaces need root)' : ''}`,
    async () => {
      // The killed machine comes back first (Patroni rewinds it into a standby): strict
      // synchronous mode needs a standby left once the next primary is gone.
      if (killed) await startNode(plan, killed);
      await untilWhole(120_000);
      const serverPid = server.child.pid;
      let cut: NodePlan | null = null;
      const burst = await burstAcross(async (leader) => {
        cut = leader;
        cutNode(plan, leader);
      });
      try {
        expect(server.child.pid).toBe(serverPid);
        await checkAfterFailover('cut the network of', burst);
      } finally {
        // Its link back: the demoted node rejoins as a standby of the new leader.
        if (cut) healNode(plan, cut);
      }
      await untilWhole(120_000);
      expect((await leaderNode(plan))?.name).not.toBe(burst.oldLeader.name);
    },
    420_000,
  );
});
