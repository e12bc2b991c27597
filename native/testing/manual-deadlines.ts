import type { Deadline } from '../rd-service/driver';

/**
 * Deadlines that expire only when the test says so, for drivers that take a `Deadline`: a test
 * waits for the exchanges that answer (each cancels its deadline) and then expires the rest, so a
 * timeout is proven by the event that caused it, never by how long a loaded machine took.
 */
export class ManualDeadlines {
  /** Every deadline started, with its length, in order. */
  readonly started: number[] = [];
  private readonly running = new Set<() => void>();
  private readonly waiters = new Set<{ readonly count: number; readonly resolve: () => void }>();

  readonly deadline: Deadline = (timeoutMs, expire) => {
    this.started.push(timeoutMs);
    this.running.add(expire);
    return () => {
      this.running.delete(expire);
      this.wake();
    };
  };

  /** Deadlines neither cancelled nor expired. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Resolves once at most `count` deadlines are still running (the others' exchanges settled). */
  untilRunning(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.add({ count, resolve });
      this.wake();
    });
  }

  /** Expire every running deadline now. */
  expireAll(): void {
    for (const expire of [...this.running]) {
      this.running.delete(expire);
      expire();
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (this.running.size > waiter.count) continue;
      this.waiters.delete(waiter);
      waiter.resolve();
    }
  }
}

/** A deadline that never expires: the exchange ends only by its answer (or its failure). */
export const neverExpires: Deadline = () => () => undefined;
