import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { cipherPragmas, type ReplicaDatabase } from './database';

/**
 * WAL checkpoints off the command path. With SQLite's automatic checkpoint, the commit that
 * pushes the WAL past 1,000 pages copies them into the database file and fsyncs it, inline: that
 * one desk command takes several milliseconds (bench:sync measured the tail of a local command at
 * twice its p99 without it). Here the desk's own connection never checkpoints; a worker thread
 * with its own connection to the same file runs PASSIVE checkpoints (they never block the writer)
 * every `intervalMs`. If the worker cannot start or dies, the connection goes back to automatic
 * checkpoints, so the WAL can never grow without bound.
 */
export class Checkpointer {
  private worker: Worker | null = null;
  private isStopping = false;

  constructor(
    private readonly db: ReplicaDatabase,
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {}

  /** `key`: the replica key when the file is encrypted (the worker's connection needs it too). */
  start(path: string, key: string | null = null, intervalMs = 500): void {
    if (path === ':memory:' || this.worker) return;
    let driverPath: string;
    try {
      driverPath = createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');
    } catch (error) {
      this.onProblem(`WAL checkpoints stay inline: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const worker = new Worker(workerSource, { eval: true, workerData: { driverPath, path, intervalMs, pragmas: key === null ? [] : cipherPragmas(key) } });
    worker.unref();
    this.db.pragma('wal_autocheckpoint = 0');
    this.worker = worker;
    const fallBack = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (!this.isStopping && this.db.open) {
        this.db.pragma('wal_autocheckpoint = 1000');
        this.onProblem(`The background WAL checkpointer stopped (${why}); checkpoints run inline again.`);
      }
    };
    worker.on('error', (error) => fallBack(error.message));
    worker.on('exit', (code) => fallBack(`exit code ${code}`));
  }

  /** Stop the worker; the desk's connection takes checkpoints back (its close checkpoints the rest). */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.isStopping = true;
    this.worker = null;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    const timer = setTimeout(() => void worker.terminate(), 2_000);
    await exited;
    clearTimeout(timer);
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }

  get isRunning(): boolean {
    return this.worker !== null;
  }
}

/**
 * The worker, as CommonJS source (so it runs the same under tsx, vitest and Electron's bundled
 * utility process). busy_timeout covers the moment the writer holds the WAL index lock.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { fileMustExist: true });
for (const pragma of workerData.pragmas) db.pragma(pragma);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    if (!/SQLITE_BUSY|database is locked/i.test(String(error && error.message))) throw error;
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
