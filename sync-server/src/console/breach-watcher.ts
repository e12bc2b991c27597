import type { Database } from '../db/database';
import { noticeOverdueEmergencies } from '../queries/emergencies';
import { noticeBreaches } from '../queries/turnaround';
import type { ChangeNotifier } from '../sync/notifier';

/**
 * Watches the turnaround clocks (issue 15): a stage breaches by the passing of time, not by a
 * command, so no commit would tell anyone. Every interval this process records a notice for each
 * open stage newly past its service level (queries/turnaround.ts noticeBreaches: once per breach
 * across all processes) and tells the consoles which stages breached (ChangeNotifier.breached):
 * each console stream passes it on only to an operator whose roles own one of them (HA: all), so
 * the owning role's queue (`GET /queues/clocks`) shows it without a reload and nobody else's moves.
 * Desks are not poked for a breach: it changes no document of their feed. The same tick flags
 * emergency cases still unidentified past their window (queries/emergencies.ts) and pokes desks
 * and consoles when it flagged any.
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
        const asOf = now();
        const noticed = await noticeBreaches(options.db, asOf);
        options.notifier.breached([...new Set(noticed.map((notice) => notice.stage))]);
        // Emergencies past their window to identify (issue 19): the flag is a row change, so desks
        // and consoles are poked as after any commit and read it with their next pull or read.
        const overdue = await noticeOverdueEmergencies(options.db, asOf);
        if (overdue.length > 0) options.notifier.changed();
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
