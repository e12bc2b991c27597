import type { Database } from '../db/database';

/**
 * Fold the revenue-cycle deltas the money commands wrote (migration 045) and the turnaround deltas
 * their clocks wrote (057) into the fact tables, in
 * transactions of at most `batchRows` deltas per table (migration 046: a bulk load's million deltas
 * would outlive the statement timeout in one), until none is left or `maxBatches` ran. One folder
 * at a time across every server process (an advisory lock; a second caller folds nothing and
 * returns 0). Reports are exact without it (they add the deltas not yet folded); the fold keeps
 * them fast. Returns the number of delta rows folded.
 */
export async function foldKpis(db: Database, options: { batchRows?: number; maxBatches?: number } = {}): Promise<number> {
  const batchRows = options.batchRows ?? 20_000;
  let total = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 1_000); batch += 1) {
    const [row] = await db.query<{ folded: number }>('SELECT kpi_fold($1) + turnaround_fold($1) AS folded', [batchRows]);
    const folded = Number(row?.folded ?? 0);
    total += folded;
    if (folded === 0) break;
  }
  return total;
}

/**
 * Fold every `intervalMs` until stopped. A bulk load (demo:history) calls foldKpis itself when it
 * is done. Not started by the test harness: a background write would land inside a test's
 * "writes nothing" window (testing/snapshot.ts); tests fold explicitly.
 */
export function startKpiFolder(db: Database, intervalMs: number, onError: (error: unknown) => void = () => undefined): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(() => foldKpis(db, { maxBatches: 50 })).catch(onError);
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
