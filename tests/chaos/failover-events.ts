import pg from 'pg';
import {
  clusterMembers,
  cutNode,
  healNode,
  killNode,
  leaderNode,
  nodeUrl,
  startNode,
  type FormationPlan,
  type NodePlan,
} from '../../sync-server/src/ops/ha-formation';

/**
 * The database faults of `npm run chaos -- --failover` (issue 18): the primary of an HA formation
 * (sync-server/src/ops/ha-formation.ts) SIGKILLed several times during the chaos run — its Patroni
 * and its postmaster, as a machine loss — each time restarted afterwards as a standby (Patroni
 * rewinds it), so that the next kill again leaves a synchronous standby. On a formation whose nodes
 * have network namespaces (run as root), every second fault is a network cut instead: the
 * primary's link goes down (its connections go silent, nothing is reset; its Patroni demotes it),
 * and comes back once the new leader decides, when the node rejoins as a standby.
 *
 * Around each kill, read on the nodes themselves (not through HAProxy): every command answered on
 * the old primary just before the kill (a row of `commands` with its status: visible there only
 * once the synchronous standby had it) must be on the new primary with the same status; and the
 * time from the kill to the first decision taken on the new primary (`commands.created_at`, the
 * start of its transaction, of the first command after the kill answered 200).
 */
export interface FailoverKill {
  /** SIGKILL of Patroni and postmaster, or the node's network cut. */
  readonly fault: 'kill' | 'cut';
  readonly killed: string;
  readonly newLeader: string | null;
  readonly killToNewLeaderMs: number | null;
  readonly killToFirstDecisionMs: number | null;
  /** Commands answered on the old primary when it was killed. */
  readonly answeredBeforeKill: number;
  /** Of those, missing on the new primary or stored with another status. */
  readonly answeredMissing: number;
  readonly rejoinedMs: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function onNode<T>(node: NodePlan, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: nodeUrl(node, database), connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The chaos run's scratch database (the only `coverdesk_t_…` one on a fresh formation). */
async function scratchDatabase(node: NodePlan): Promise<string | null> {
  return onNode(node, 'postgres', async (client) => {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'coverdesk_t_%' ORDER BY oid DESC LIMIT 1");
    return rows[0]?.datname ?? null;
  });
}

async function until<T>(what: () => Promise<T | null>, timeoutMs: number): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await what().catch(() => null);
    if (value !== null) return value;
    await sleep(200);
  }
  return null;
}

export function failoverEvents(
  plan: FormationPlan,
  kills: number,
  log: (line: string) => void,
): { run: (stopAt: number) => Promise<void>; kills: FailoverKill[] } {
  const done: FailoverKill[] = [];
  const killOnce = async (fault: 'kill' | 'cut'): Promise<void> => {
    const leader = await leaderNode(plan);
    if (!leader) return log('failover: no leader to kill right now');
    const database = await scratchDatabase(leader);
    if (!database) return log('failover: the chaos database is not there yet');
    const before = await onNode(leader, database, async (client) => {
      const { rows } = await client.query<{ command_id: string; http_status: number }>(
        'SELECT command_id, http_status FROM commands WHERE http_status IS NOT NULL',
      );
      return rows;
    });
    const killedAt = Date.now();
    if (fault === 'cut') {
      cutNode(plan, leader);
      log(`failover: cut ${leader.name}'s network with ${before.length} commands answered`);
    } else {
      await killNode(plan, leader);
      log(`failover: SIGKILLed ${leader.name} (Patroni and postmaster) with ${before.length} commands answered`);
    }
    const newLeader = await until(async () => {
      const node = await leaderNode(plan);
      return node && node.name !== leader.name ? node : null;
    }, 90_000);
    const killToNewLeaderMs = newLeader ? Date.now() - killedAt : null;
    const firstDecisionAt = newLeader
      ? await until(
          () =>
            onNode(newLeader, database, async (client) => {
              const { rows } = await client.query<{ first: number | null }>(
                'SELECT (extract(epoch FROM min(created_at)) * 1000)::float8 AS first FROM commands WHERE created_at > to_timestamp($1 / 1000.0) AND http_status = 200',
                [killedAt],
              );
              return rows[0]?.first ?? null;
            }),
          90_000,
        )
      : null;
    let answeredMissing = before.length;
    if (newLeader) {
      const after = await onNode(newLeader, database, async (client) => {
        const { rows } = await client.query<{ command_id: string; http_status: number }>(
          'SELECT command_id, http_status FROM commands WHERE command_id = ANY($1)',
          [before.map((row) => row.command_id)],
        );
        return new Map(rows.map((row) => [row.command_id, row.http_status]));
      });
      answeredMissing = before.filter((row) => after.get(row.command_id) !== row.http_status).length;
    }
    // The lost machine comes back (or its network does): Patroni rewinds it and it follows the new leader.
    const restartedAt = Date.now();
    if (fault === 'cut') healNode(plan, leader);
    else await startNode(plan, leader);
    const rejoined = await until(async () => {
      const member = (await clusterMembers(plan))?.find((m) => m.name === leader.name);
      return member && member.role !== 'leader' && (member.state === 'running' || member.state === 'streaming') ? true : null;
    }, 120_000);
    const kill: FailoverKill = {
      fault,
      killed: leader.name,
      newLeader: newLeader?.name ?? null,
      killToNewLeaderMs,
      killToFirstDecisionMs: firstDecisionAt === null ? null : Math.round(firstDecisionAt - killedAt),
      answeredBeforeKill: before.length,
      answeredMissing,
      rejoinedMs: rejoined ? Date.now() - restartedAt : null,
    };
    done.push(kill);
    log(
      `failover: ${kill.newLeader ?? 'no node'} leads ${kill.killToNewLeaderMs ?? '-'} ms after the ${fault}, first decision after ${kill.killToFirstDecisionMs ?? '-'} ms; ${kill.answeredMissing} of ${kill.answeredBeforeKill} answered commands missing; ${leader.name} back as a standby in ${kill.rejoinedMs ?? '-'} ms`,
    );
  };
  return {
    kills: done,
    run: async (stopAt: number) => {
      // Kills spread over the run, the last one leaving time for the formation to heal before the end's checks.
      const spacing = Math.max(20_000, (stopAt - Date.now() - 30_000) / kills);
      for (let index = 0; index < kills; index += 1) {
        const at = Date.now() + spacing / 2;
        if (at > stopAt - 30_000) break;
        await sleep(at - Date.now());
        const started = Date.now();
        await killOnce(plan.network === 'namespaces' && index % 2 === 1 ? 'cut' : 'kill');
        await sleep(Math.max(0, spacing / 2 - (Date.now() - started)));
      }
    },
  };
}
