import { execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { OpsRefusal, postgresBinDir, requirePlainPath, userNamed, type OsUser } from './postgres-tools';

/**
 * A local PostgreSQL HA formation from Debian's packages (issue 18; why this stack:
 * docs/operations.md "High availability"): one etcd member (the consensus store), PostgreSQL
 * nodes each run by its own Patroni (leader election, promotion, strict synchronous replication)
 * and HAProxy in front, sending connections only to the node whose Patroni answers 200 on
 * `/primary`. The sync server is given HAProxy's one address.
 *
 * Two networks. `loopback`: every process on 127.0.0.1, each on its own ports. `namespaces`: each
 * PostgreSQL node (its Patroni and its postmaster) runs in a Linux network namespace of its own,
 * wired by a veth pair to a bridge on this machine that carries etcd and HAProxy — a machine of
 * its own as far as the network goes, so that `cutNode` can take its link down: its connections
 * are not reset, they go silent, as when a machine's network is cut (issue 18). Namespaces need
 * root and iproute2 (`ip`).
 *
 * Every process is started detached, so the formation outlives `npm run ha:up`; their ids are
 * kept in `<root>/formation.json`, which `stopFormation` reads. PostgreSQL refuses to run as
 * root: Patroni (and the PostgreSQL it starts) runs as `postgres` when we are root.
 */

export interface NodePlan {
  readonly name: string;
  readonly pgPort: number;
  readonly restPort: number;
  /** The node's address: 127.0.0.1, or its own on the bridge when it has a network namespace. */
  readonly host: string;
  /** Its network namespace and the host end of its veth pair (the link `cutNode` takes down), or null on loopback. */
  readonly namespace: string | null;
  readonly hostLink: string | null;
}

export type FormationNetwork = 'loopback' | 'namespaces';

export interface FormationPlan {
  /** Absolute folder holding every node's data, configuration and log. */
  readonly root: string;
  readonly etcdClientPort: number;
  readonly etcdPeerPort: number;
  /** HAProxy's port: the one address the sync server connects to. */
  readonly proxyPort: number;
  readonly nodes: readonly NodePlan[];
  /** The database the sync server uses (created once the leader accepts writes). */
  readonly database: string;
  readonly network: FormationNetwork;
  /** This machine's address as the nodes reach it (etcd): 127.0.0.1, or the bridge's. */
  readonly hostAddress: string;
  /** The bridge joining the namespaces, with its /24 subnet, or null on loopback. */
  readonly bridge: string | null;
  readonly subnet: string | null;
}

/** The processes of a running formation, as written to `<root>/formation.json`. */
interface FormationState {
  readonly plan: FormationPlan;
  readonly pids: Record<string, number>;
}

export interface Member {
  readonly name: string;
  readonly role: string;
  readonly state: string;
  readonly timeline?: number;
  readonly lag?: number | string;
}

/**
 * Ports from `basePort` up: etcd client and peer, HAProxy, then each node's PostgreSQL and REST API.
 * With namespaces, the links are named after the base port (two formations never share one) and
 * the nodes live on 10.<base port's two bytes>.0/24: .1 is this machine, .11, .12, … the nodes.
 */
export function planFormation(root: string, basePort: number, nodeCount = 3, network: FormationNetwork = 'loopback'): FormationPlan {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort + 3 + nodeCount * 2 > 65_535)
    throw new OpsRefusal('invalid-option', `--base-port must leave room for ${3 + nodeCount * 2} ports between 1024 and 65535: ${basePort}.`);
  if (!Number.isInteger(nodeCount) || nodeCount < 2 || nodeCount > 5) throw new OpsRefusal('invalid-option', `--nodes must be from 2 to 5: ${nodeCount}.`);
  if (network !== 'loopback' && network !== 'namespaces')
    throw new OpsRefusal('invalid-option', `--network must be loopback or namespaces: ${String(network)}.`);
  const isolated = network === 'namespaces';
  const subnet = `10.${(basePort >> 8) & 255}.${basePort & 255}`;
  const nodes = Array.from({ length: nodeCount }, (_, index) => ({
    name: `pg${index + 1}`,
    pgPort: basePort + 3 + index * 2,
    restPort: basePort + 4 + index * 2,
    host: isolated ? `${subnet}.${11 + index}` : '127.0.0.1',
    namespace: isolated ? `cd${basePort}-pg${index + 1}` : null,
    hostLink: isolated ? `cd${basePort}h${index + 1}` : null,
  }));
  return {
    root: requirePlainPath('--root', resolve(root)),
    etcdClientPort: basePort,
    etcdPeerPort: basePort + 1,
    proxyPort: basePort + 2,
    nodes,
    database: 'coverdesk',
    network,
    hostAddress: isolated ? `${subnet}.1` : '127.0.0.1',
    bridge: isolated ? `cd${basePort}br` : null,
    subnet: isolated ? `${subnet}.0/24` : null,
  };
}

/** Run `ip` (iproute2) with these arguments; a refusal naming the step when it fails. */
function ip(args: readonly string[], options: { ignoreFailure?: boolean } = {}): void {
  try {
    execFileSync('ip', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if (options.ignoreFailure) return;
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new OpsRefusal('network-setup-failed', `ip ${args.join(' ')} failed: ${stderr || (error instanceof Error ? error.message : String(error))}.`);
  }
}

/** The bridge, and for each node its namespace and veth pair (leftovers of a crashed run removed first). */
function setUpNetwork(plan: FormationPlan): void {
  if (plan.network !== 'namespaces' || !plan.bridge) return;
  if (process.getuid?.() !== 0) throw new OpsRefusal('needs-root', 'A formation with --network namespaces creates network namespaces: run it as root.');
  tearDownNetwork(plan);
  ip(['link', 'add', plan.bridge, 'type', 'bridge']);
  ip(['addr', 'add', `${plan.hostAddress}/24`, 'dev', plan.bridge]);
  ip(['link', 'set', plan.bridge, 'up']);
  for (const [index, node] of plan.nodes.entries()) {
    const namespace = node.namespace!;
    const inside = `${node.hostLink!.slice(0, -2)}n${index + 1}`;
    ip(['netns', 'add', namespace]);
    ip(['link', 'add', node.hostLink!, 'type', 'veth', 'peer', 'name', inside]);
    ip(['link', 'set', inside, 'netns', namespace]);
    ip(['link', 'set', node.hostLink!, 'master', plan.bridge]);
    ip(['link', 'set', node.hostLink!, 'up']);
    ip(['-n', namespace, 'addr', 'add', `${node.host}/24`, 'dev', inside]);
    ip(['-n', namespace, 'link', 'set', inside, 'up']);
    ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
  }
}

/** Remove the namespaces (their veth pairs go with them) and the bridge; safe when none exist. */
function tearDownNetwork(plan: FormationPlan): void {
  if (plan.network !== 'namespaces' || !plan.bridge) return;
  for (const node of plan.nodes) {
    ip(['netns', 'delete', node.namespace!], { ignoreFailure: true });
    ip(['link', 'delete', node.hostLink!], { ignoreFailure: true });
  }
  ip(['link', 'delete', plan.bridge], { ignoreFailure: true });
}

/**
 * Cut a node's network: the host end of its veth pair goes down, so nothing reaches it and nothing
 * it sends arrives — no reset, no close: its peers' connections go silent, as when a machine's
 * cable or switch port dies. Its processes keep running (its Patroni, cut off from etcd, demotes
 * its PostgreSQL by itself). `healNode` brings the link back.
 */
export function cutNode(plan: FormationPlan, node: NodePlan): void {
  if (!node.hostLink) throw new OpsRefusal('invalid-option', 'Only a formation with --network namespaces can cut a node’s network.');
  ip(['link', 'set', node.hostLink, 'down']);
}

export function healNode(plan: FormationPlan, node: NodePlan): void {
  if (!node.hostLink) throw new OpsRefusal('invalid-option', 'Only a formation with --network namespaces can cut a node’s network.');
  ip(['link', 'set', node.hostLink, 'up']);
}

/** The URL the sync server is given (DATABASE_URL): HAProxy, which follows the leader. */
export function formationUrl(plan: FormationPlan): string {
  return `postgres://postgres@127.0.0.1:${plan.proxyPort}/${plan.database}`;
}

/** A node's own address, bypassing HAProxy (to check what a given machine holds). */
export function nodeUrl(node: NodePlan, database: string): string {
  return `postgres://postgres@${node.host}:${node.pgPort}/${database}`;
}

/** The programs a formation needs; a refusal naming the Debian packages when one is missing. */
export function haTools(env: NodeJS.ProcessEnv = process.env): { patroni: string; etcd: string; haproxy: string; pgBin: string } | OpsRefusal {
  const onPath = (program: string): string | null => {
    for (const dir of [...(env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) if (dir && existsSync(join(dir, program))) return join(dir, program);
    return null;
  };
  const patroni = onPath('patroni');
  const etcd = onPath('etcd');
  const haproxy = onPath('haproxy');
  const pgBin = postgresBinDir(env);
  if (patroni && etcd && haproxy && pgBin) return { patroni, etcd, haproxy, pgBin };
  const missing = [patroni ? null : 'patroni', etcd ? null : 'etcd-server', haproxy ? null : 'haproxy', pgBin ? null : 'postgresql'].filter(Boolean);
  return new OpsRefusal('tools-missing', `${missing.join(', ')} not installed: apt-get install -y ${missing.join(' ')}.`);
}

const stateFile = (root: string): string => join(root, 'formation.json');

export function readFormation(root: string): FormationState | null {
  try {
    return JSON.parse(readFileSync(stateFile(resolve(root)), 'utf8')) as FormationState;
  } catch {
    return null;
  }
}

function writeFormation(state: FormationState): void {
  writeFileSync(stateFile(state.plan.root), `${JSON.stringify(state, null, 2)}\n`);
}

/** True while the process runs and its command line still names `marker` (a reused pid is not ours). */
function isOurProcess(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return false;
  }
}

/** The postmaster's pid from its data folder, if it still runs. */
export function postmasterPid(plan: FormationPlan, node: NodePlan): number | null {
  try {
    const pid = Number(readFileSync(join(plan.root, node.name, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isOurProcess(pid, 'postgres') ? pid : null;
  } catch {
    return null;
  }
}

function owner(): OsUser | null {
  return process.getuid?.() === 0 ? null : { name: '', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/** Start a detached program with its output in `logFile`; returns its pid. */
function startDetached(program: string, args: readonly string[], logFile: string, user: OsUser | null, env: NodeJS.ProcessEnv = process.env): number {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(program, [...args], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: '/',
      env,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    if (child.pid === undefined) throw new OpsRefusal('start-failed', `${program} could not be started; see ${logFile}.`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

async function fetchJson(url: string): Promise<{ status: number; body: unknown } | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  } catch {
    return null;
  }
}

/** The formation's members as Patroni sees them (any node's REST API will do), or null if none answers. */
export async function clusterMembers(plan: FormationPlan): Promise<Member[] | null> {
  for (const node of plan.nodes) {
    const answer = await fetchJson(`http://${node.host}:${node.restPort}/cluster`);
    const members = (answer?.body as { members?: Member[] } | null)?.members;
    if (answer?.status === 200 && Array.isArray(members)) return members;
  }
  return null;
}

/** The node whose Patroni holds the leader key, or null. */
export async function leaderNode(plan: FormationPlan): Promise<NodePlan | null> {
  const leader = (await clusterMembers(plan))?.find((member) => member.role === 'leader' && member.state === 'running');
  return plan.nodes.find((node) => node.name === leader?.name) ?? null;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((done) => setTimeout(done, ms));
}

function patroniConfig(plan: FormationPlan, node: NodePlan, pgBin: string): unknown {
  const folder = join(plan.root, node.name);
  return {
    scope: 'coverdesk',
    namespace: '/coverdesk/',
    name: node.name,
    log: { level: 'INFO' },
    restapi: { listen: `${node.host}:${node.restPort}`, connect_address: `${node.host}:${node.restPort}` },
    etcd3: { hosts: [`${plan.hostAddress}:${plan.etcdClientPort}`] },
    bootstrap: {
      dcs: {
        // The leader key lives `ttl` seconds without renewal: the time a dead primary keeps it, so
        // most of the kill-to-first-decision time. Patroni needs loop_wait + 2 × retry_timeout ≤ ttl.
        ttl: 10,
        loop_wait: 1,
        retry_timeout: 4,
        // Only a node that has every acknowledged commit may be promoted (issue 18: no answered
        // decision lost). Strict: with no synchronous standby, the primary stops accepting commits
        // rather than confirming a decision held on one machine only.
        synchronous_mode: true,
        synchronous_mode_strict: true,
        maximum_lag_on_failover: 0,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            wal_level: 'replica',
            hot_standby: 'on',
            wal_log_hints: 'on',
            max_connections: 120,
            max_wal_senders: 10,
            max_replication_slots: 10,
            shared_buffers: '64MB',
            wal_keep_size: '128MB',
            // A standby whose primary died retries its WAL source after this (default 5 s): the
            // third node must reach the new primary quickly, which in strict mode cannot commit
            // until it has a synchronous standby again.
            wal_retrieve_retry_interval: '500ms',
            fsync: 'on',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, 'data-checksums', { 'auth-local': 'trust' }, { 'auth-host': 'trust' }],
    },
    postgresql: {
      listen: `${node.host}:${node.pgPort}`,
      connect_address: `${node.host}:${node.pgPort}`,
      data_dir: join(folder, 'data'),
      bin_dir: pgBin,
      pgpass: join(folder, 'pgpass'),
      // Loopback (or the formation's own bridge) only, trust: a local formation for tests and
      // demonstrations. A real one uses scram-sha-256 and TLS between machines (docs/operations.md).
      pg_hba: [
        'local all all trust',
        'host all all 127.0.0.1/32 trust',
        'host replication all 127.0.0.1/32 trust',
        ...(plan.subnet ? [`host all all ${plan.subnet} trust`, `host replication all ${plan.subnet} trust`] : []),
      ],
      authentication: {
        superuser: { username: 'postgres', password: 'postgres' },
        replication: { username: 'replicator', password: 'replicator' },
        rewind: { username: 'postgres', password: 'postgres' },
      },
      parameters: { unix_socket_directories: folder, port: node.pgPort },
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

function haproxyConfig(plan: FormationPlan): string {
  const servers = plan.nodes.map((node) => `  server ${node.name} ${node.host}:${node.pgPort} maxconn 100 check port ${node.restPort}`);
  return [
    'global',
    '  maxconn 400',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 30m',
    '  timeout server 30m',
    '  timeout check 1s',
    // Connections go only to the node whose Patroni answers 200 on /primary (it holds the leader
    // key and runs as primary). When it stops answering, its sessions are cut at once
    // (shutdown-sessions), so a pool never keeps talking to a demoted or dead node.
    'listen primary',
    `  bind 127.0.0.1:${plan.proxyPort}`,
    '  option httpchk GET /primary',
    '  http-check expect status 200',
    '  default-server inter 500ms fastinter 250ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...servers,
    '',
  ].join('\n');
}

/** Start Patroni for one node (its data folder is bootstrapped, cloned or rewound by Patroni itself). */
export async function startNode(plan: FormationPlan, node: NodePlan): Promise<number> {
  const tools = haTools();
  if (tools instanceof OpsRefusal) throw tools;
  const runAs = owner() ?? (await userNamed('postgres'));
  const folder = join(plan.root, node.name);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const config = join(folder, 'patroni.json');
  writeFileSync(config, `${JSON.stringify(patroniConfig(plan, node, tools.pgBin), null, 2)}\n`);
  chownSync(folder, runAs.uid, runAs.gid);
  chownSync(config, runAs.uid, runAs.gid);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: folder, LANG: 'C.UTF-8' };
  const log = join(plan.root, 'logs', `${node.name}.log`);
  // In its namespace: `ip netns exec` (as root) then setpriv drops to the owner; each execs the
  // next, so the pid is Patroni's own.
  const pid = node.namespace
    ? startDetached(
        'ip',
        ['netns', 'exec', node.namespace, 'setpriv', `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', tools.patroni, config],
        log,
        null,
        env,
      )
    : startDetached(tools.patroni, [config], log, runAs, env);
  const state = readFormation(plan.root);
  if (state) writeFormation({ ...state, pids: { ...state.pids, [`patroni-${node.name}`]: pid } });
  return pid;
}

/**
 * Start a formation and wait until the leader accepts writes acknowledged by a synchronous
 * standby. Refuses when one already runs under `root` (stop it with stopFormation first).
 */
export async function startFormation(plan: FormationPlan, progress: (line: string) => void, options: { timeoutMs?: number } = {}): Promise<void> {
  const tools = haTools();
  if (tools instanceof OpsRefusal) throw tools;
  const running = readFormation(plan.root);
  if (running && Object.entries(running.pids).some(([name, pid]) => isOurProcess(pid, markerOf(name))))
    throw new OpsRefusal('formation-running', `A formation already runs under ${plan.root}: npm run ha:down first.`);
  // A fresh formation every time: leftovers of a stopped one would be rejoined, not bootstrapped.
  rmSync(plan.root, { recursive: true, force: true });
  mkdirSync(join(plan.root, 'logs'), { recursive: true });
  const runAs = owner() ?? (await userNamed('postgres'));
  chownSync(join(plan.root, 'logs'), runAs.uid, runAs.gid);
  writeFormation({ plan, pids: {} });

  setUpNetwork(plan);
  if (plan.bridge)
    progress(
      `Network: bridge ${plan.bridge} (${plan.hostAddress}), one namespace per node (${plan.nodes.map((node) => `${node.name} ${node.host}`).join(', ')})`,
    );
  progress(`etcd (the consensus store) on 127.0.0.1:${plan.etcdClientPort}…`);
  const etcdClientUrls = [`http://127.0.0.1:${plan.etcdClientPort}`, ...(plan.bridge ? [`http://${plan.hostAddress}:${plan.etcdClientPort}`] : [])];
  const etcdPid = startDetached(
    tools.etcd,
    [
      '--name',
      'coverdesk-etcd',
      '--data-dir',
      join(plan.root, 'etcd'),
      '--listen-client-urls',
      etcdClientUrls.join(','),
      // Patroni learns the members' URLs from here: they must be reachable from the namespaces.
      '--advertise-client-urls',
      etcdClientUrls.at(-1)!,
      '--listen-peer-urls',
      `http://127.0.0.1:${plan.etcdPeerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${plan.etcdPeerPort}`,
      '--initial-cluster',
      `coverdesk-etcd=http://127.0.0.1:${plan.etcdPeerPort}`,
    ],
    join(plan.root, 'logs', 'etcd.log'),
    null,
  );
  writeFormation({ plan, pids: { etcd: etcdPid } });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const failIfLate = (what: string, log: string): void => {
    if (Date.now() > deadline)
      throw new OpsRefusal('formation-timeout', `${what} not ready within ${timeoutMs / 1000} s; see ${join(plan.root, 'logs', log)}.`);
  };
  while ((await fetchJson(`http://127.0.0.1:${plan.etcdClientPort}/health`))?.status !== 200) {
    failIfLate('etcd', 'etcd.log');
    await sleep(200);
  }

  progress(`HAProxy on 127.0.0.1:${plan.proxyPort}, routing to the node whose Patroni answers /primary…`);
  const haproxyFile = join(plan.root, 'haproxy.cfg');
  writeFileSync(haproxyFile, haproxyConfig(plan));
  const haproxyPid = startDetached(tools.haproxy, ['-db', '-f', haproxyFile], join(plan.root, 'logs', 'haproxy.log'), null);
  writeFormation({ plan, pids: { etcd: etcdPid, haproxy: haproxyPid } });

  // The first node bootstraps alone (initdb), so that it is the leader; the others then clone it.
  const [first, ...others] = plan.nodes;
  if (!first) throw new OpsRefusal('invalid-option', 'A formation needs at least two nodes.');
  progress(`Patroni ${first.name}: initdb and PostgreSQL on ${first.host}:${first.pgPort}…`);
  await startNode(plan, first);
  while ((await leaderNode(plan))?.name !== first.name) {
    failIfLate(`The leader ${first.name}`, `${first.name}.log`);
    await sleep(300);
  }
  for (const node of others) {
    progress(`Patroni ${node.name}: a standby cloned from the leader, PostgreSQL on ${node.host}:${node.pgPort}…`);
    await startNode(plan, node);
  }
  progress('Waiting for a synchronous standby…');
  for (;;) {
    const members = (await clusterMembers(plan)) ?? [];
    const streaming = members.filter((member) => member.role !== 'leader' && (member.state === 'streaming' || member.state === 'running'));
    if (members.some((member) => member.role === 'sync_standby') && streaming.length === others.length) break;
    failIfLate('A synchronous standby', `${others[0]?.name ?? first.name}.log`);
    await sleep(300);
  }
  progress(`Creating database ${plan.database} through HAProxy and checking that a commit is acknowledged…`);
  for (;;) {
    try {
      await ensureDatabase(plan);
      break;
    } catch (error) {
      failIfLate(`A write through HAProxy (${error instanceof Error ? error.message : String(error)})`, 'haproxy.log');
      await sleep(300);
    }
  }
}

async function ensureDatabase(plan: FormationPlan): Promise<void> {
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${plan.proxyPort}/postgres`, connectionTimeoutMillis: 2_000 });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists', [plan.database]);
    if (!rows[0]?.exists) await admin.query(`CREATE DATABASE ${plan.database}`);
    // A transaction with an id commits only once the synchronous standby has its WAL.
    await admin.query('SELECT txid_current()');
    const sync = await admin.query<{ count: number }>("SELECT count(*)::int AS count FROM pg_stat_replication WHERE sync_state = 'sync'");
    if ((sync.rows[0]?.count ?? 0) < 1) throw new Error('no synchronous standby in pg_stat_replication yet');
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function markerOf(processName: string): string {
  if (processName === 'etcd') return 'coverdesk-etcd';
  if (processName === 'haproxy') return 'haproxy.cfg';
  return 'patroni.json';
}

/** SIGKILL one node as a machine loss would: its Patroni first (so it cannot restart PostgreSQL), then its postmaster. */
export async function killNode(plan: FormationPlan, node: NodePlan): Promise<void> {
  const state = readFormation(plan.root);
  const patroniPid = state?.pids[`patroni-${node.name}`];
  const postmaster = postmasterPid(plan, node);
  if (patroniPid && isOurProcess(patroniPid, 'patroni.json')) process.kill(patroniPid, 'SIGKILL');
  if (postmaster) process.kill(postmaster, 'SIGKILL');
  // The backends the postmaster leaves behind end by themselves when they notice it is gone.
  for (let waited = 0; waited < 5_000 && postmasterPid(plan, node) !== null; waited += 50) await sleep(50);
}

/**
 * Stop every process of the formation under `root` and remove its folder. Safe to run twice:
 * with nothing running it says so. Returns the names of the processes it stopped.
 */
export async function stopFormation(root: string, progress: (line: string) => void): Promise<string[]> {
  const state = readFormation(root);
  if (!state) {
    progress(`No formation under ${resolve(root)}.`);
    return [];
  }
  const stopped: string[] = [];
  const stop = async (name: string, pid: number, marker: string): Promise<void> => {
    if (!isOurProcess(pid, marker)) return;
    progress(`Stopping ${name} (pid ${pid})…`);
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < 20_000 && isOurProcess(pid, marker); waited += 100) await sleep(100);
    if (isOurProcess(pid, marker)) process.kill(pid, 'SIGKILL');
    stopped.push(name);
  };
  // Patroni stops its PostgreSQL on SIGTERM; a postmaster left behind (its Patroni was killed) is stopped by its pid.
  await Promise.all(
    Object.entries(state.pids)
      .filter(([name]) => name.startsWith('patroni-'))
      .map(([name, pid]) => stop(name, pid, 'patroni.json')),
  );
  for (const node of state.plan.nodes) {
    const postmaster = postmasterPid(state.plan, node);
    if (postmaster) await stop(`postgres ${node.name}`, postmaster, 'postgres');
  }
  for (const name of ['haproxy', 'etcd']) {
    const pid = state.pids[name];
    if (pid) await stop(name, pid, markerOf(name));
  }
  // A plan written before issue 18's namespaces has no network field: loopback.
  if (state.plan.network === 'namespaces') {
    tearDownNetwork(state.plan);
    progress(`Removed the bridge ${state.plan.bridge} and the nodes' network namespaces.`);
  }
  rmSync(state.plan.root, { recursive: true, force: true });
  progress(stopped.length > 0 ? `Stopped ${stopped.join(', ')}; removed ${state.plan.root}.` : `Nothing was running; removed ${state.plan.root}.`);
  return stopped;
}
