import type { Database } from '../db/database';
import { noticeBreaches } from '../queries/turnaround';
import type { ChangeNotifier } from '../sync/notifier';

/**
 * Watches the turnaround clocks (issue 15): a stage breaches by the passing of time, not by a
 * command, so no commit would tell anyone. Every interval this process records a notice for each
 * open stage newly past its service level (queries/turnaround.ts noticeBreaches: once per breach
 * across all processes) and, when there was one, pokes the consoles and desks like any committed
 * change, so the owning role's queue (`GET /queues/clocks`) shows it without a reload.
 */
export function startBreachWatcher(options: {
  readonly db: Database;
  readonly notifier: ChangeNotifier;
  readonly intervalMs?: number;
  readonly now?: () => Date;
  readonly onError?: (error: unknown) => void;
}): { stop(): Promise<void> } {
  const now = options.now ?? (() => new Date());
  let running: Promise<unknown> = Promise.resolve();
  const tick = (): void => {
    running = running
      .then(async () => {
        const noticed = await noticeBreaches(options.db, now());
        if (noticed.length > 0) options.notifier.changed();
      })
      .catch((error: unknown) => options.onError?.(error));
  };
  const timer = setInterval(tick, options.intervalMs ?? 30_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
