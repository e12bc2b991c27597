import type { Database } from '../db/database';

/**
 * Fold the revenue-cycle deltas the money commands wrote (migration 045) into the fact tables.
 * One folder at a time across every server process (an advisory lock; a second caller folds
 * nothing and returns 0). Reports are exact without it (they add the deltas not yet folded); the
 * fold keeps them fast. Returns the number of delta rows folded.
 */
export async function foldKpis(db: Database): Promise<number> {
  const [row] = await db.query<{ folded: string | number }>('SELECT kpi_fold() AS folded');
  return Number(row?.folded ?? 0);
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
    running = running.then(() => foldKpis(db)).catch(onError);
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
