import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DeskSetup, HostCall, HostCalls, HostReply, OpenResult } from './desk-protocol';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./desk-process.ts', import.meta.url));

/** The host process died (SIGKILL by the harness, or a crash) before answering. */
export class HostGoneError extends Error {}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The harness's handle on one desk host process (tests/chaos/desk-process.ts): start it, open its
 * desks, call them over IPC, SIGKILL it at any moment and start it again on the same data dirs.
 */
export class DeskHost {
  private child: ChildProcess | null = null;
  private nextRequestId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private stderr = '';
  private exited: Promise<void> = Promise.resolve();
  private isReadyFlag = false;
  /** Filled when the desks are open, from the last start. */
  readonly opened = new Map<string, OpenResult>();
  starts = 0;
  /** How long the last start took: the process (until it answered) and opening its desks. */
  lastStartTiming: { processMs: number; openMs: number } | null = null;
  /** Desks that, when restarted, still had commits the server had not answered. */
  reopenedWithPending = 0;
  /** Failed sign-in attempts (by code) over all starts; the password is always the right one. */
  readonly signInFailures: string[] = [];

  constructor(
    readonly name: string,
    private readonly setups: DeskSetup[],
  ) {}

  get deskKeys(): string[] {
    return this.setups.map((s) => s.deskKey);
  }

  get isUp(): boolean {
    return this.child !== null;
  }

  /** Running, with every desk open and signed in: ready for operator actions. */
  get isReady(): boolean {
    return this.child !== null && this.isReadyFlag;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** The end of the host's stderr, for diagnostics when something fails. */
  diagnostics(): string {
    return this.stderr.slice(-4000);
  }

  /** Start the process and open every desk (enrolling on the very first start). */
  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running`);
    const child = fork(script, [], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    this.child = child;
    this.starts += 1;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new HostGoneError(`${this.name} exited before it was ready (${code ?? signal}): ${this.diagnostics()}`)));
    });
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        if (this.child === child) {
          this.child = null;
          this.isReadyFlag = false;
        }
        for (const [id, waiter] of this.waiting) {
          waiter.reject(new HostGoneError(`${this.name} is gone`));
          this.waiting.delete(id);
        }
        resolve();
      });
    });
    // Killed: the IPC channel closes before 'exit' is emitted; stop sending work at once.
    child.once('disconnect', () => {
      if (this.child === child) this.isReadyFlag = false;
    });
    child.on('message', (message: HostReply) => {
      const waiter = this.waiting.get(message.requestId);
      if (!waiter) return;
      this.waiting.delete(message.requestId);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`${this.name}: ${message.error}`));
    });
    const forkedAt = Date.now();
    await ready;
    const readyAt = Date.now();
    const results = await Promise.all(this.setups.map(async (setup) => [setup.deskKey, await this.call('open', setup)] as const));
    for (const [deskKey, result] of results) this.opened.set(deskKey, result);
    if (this.starts > 1) this.reopenedWithPending += results.filter(([, result]) => result.pendingAtOpen > 0).length;
    for (const [, result] of results) this.signInFailures.push(...result.signInFailures);
    this.isReadyFlag = this.child === child;
    this.lastStartTiming = { processMs: readyAt - forkedAt, openMs: Date.now() - readyAt };
    // Enrollment codes are one-time: later starts reopen the enrolled replica.
    this.setups.forEach((setup, index) => {
      if (setup.enroll) this.setups[index] = { ...setup, enroll: undefined };
    });
  }

  call<C extends HostCall>(call: C, args: HostCalls[C]['args']): Promise<HostCalls[C]['result']> {
    const child = this.child;
    if (!child?.connected) return Promise.reject(new HostGoneError(`${this.name} is not running`));
    const requestId = this.nextRequestId++;
    return new Promise<HostCalls[C]['result']>((resolve, reject) => {
      this.waiting.set(requestId, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ requestId, call, args }, (error) => {
        if (error && this.waiting.delete(requestId)) reject(new HostGoneError(`${this.name}: ${error.message}`));
      });
    });
  }

  /** SIGKILL: no clean-up, no flushing — a power cut for the process, not for the disk. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Clean shutdown (closes the replicas); SIGKILL if it does not leave in time. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    try {
      await this.call('close', {}).catch(() => undefined);
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
