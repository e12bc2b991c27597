import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testKeyEnvironment } from '../../sync-server/src/testing/keys';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait (or SIGKILL with `signal`). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Start a real sync-server process (`tsx sync-server/src/main.ts`) and wait until it listens. */
export async function startServerProcess(
  env: Record<string, string>,
  /** `cwd`: another checkout to run (the previous release, tests/support/previous-release.ts). */
  options: { port?: number; args?: string[]; timeoutMs?: number; cwd?: string; /** Node's own flags, e.g. `--cpu-prof`. */ nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const anchorFile = join(tmpdir(), `coverdesk-audit-anchors-${port}.jsonl`);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'sync-server/src/main.ts', ...(options.args ?? [])], {
    cwd: options.cwd ?? root,
    // The test keys (sync-server/src/testing/keys.ts): the same as this process's in-process servers.
    // A server on PostgreSQL (production mode) refuses to start without an audit anchor file.
    env: { ...process.env, ...testKeyEnvironment(), COVERDESK_AUDIT_ANCHOR_FILE: anchorFile, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!env.COVERDESK_AUDIT_ANCHOR_FILE) child.once('exit', () => rmSync(anchorFile, { force: true }));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!output.includes('Listening on')) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in time: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function postJson(url: string, body: unknown, token?: string): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function login(baseUrl: string, username: string, password = 'coverdesk-demo'): Promise<string> {
  const answer = await postJson(`${baseUrl}/auth/login`, { username, password });
  if (answer.status !== 200) throw new Error(`login failed: ${JSON.stringify(answer.body)}`);
  return String(answer.body.token);
}
