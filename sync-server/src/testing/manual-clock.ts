/**
 * A clock that moves only when a test moves it, with timers on that clock: `now` and `after` have
 * the shapes `buildApp` takes, so an expiry can be tested by advancing past it instead of waiting
 * a real-time window (which a busy machine can overrun).
 */
export class ManualClock {
  private time: number;
  private readonly tasks = new Set<{ readonly at: number; readonly task: () => void }>();

  constructor(start: number = Date.now()) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  readonly after = (delayMs: number, task: () => void): (() => void) => {
    const entry = { at: this.time + delayMs, task };
    this.tasks.add(entry);
    return () => {
      this.tasks.delete(entry);
    };
  };

  /** Timers waiting on this clock. */
  get pending(): number {
    return this.tasks.size;
  }

  /** Move the clock forward and run, in time order, every timer that has come due. */
  advance(milliseconds: number): void {
    this.time += milliseconds;
    const due = [...this.tasks].filter((entry) => entry.at <= this.time).sort((a, b) => a.at - b.at);
    for (const entry of due) {
      this.tasks.delete(entry);
      entry.task();
    }
  }
}
