import type { PullResult } from './pull';

/**
 * The next page of a desk's pull, prepared while the current one travels.
 *
 * A desk asks for page N+1 as soon as page N arrives, then writes page N into its replica. Without
 * this, the server only starts on N+1 when that request comes in: PostgreSQL, the server and the
 * desk take turns, and each waits for the others. So when a page has more after it, the server
 * starts reading the next one at once (its own REPEATABLE READ snapshot, as if the desk had asked
 * a moment earlier, which the checkpoint protocol already allows) and hands it over if the desk
 * asks for exactly that checkpoint, with the same credential and scope, within `ttlMs`.
 *
 * At most one prepared page per desk, and at most `maxDesks` at a time (a page is up to ~2.5 MB);
 * anything else is simply read when asked. A prepared page that failed is read again, so a
 * speculative failure never reaches a desk that did not ask for it.
 */
export class PullPrefetch {
  private readonly prepared = new Map<string, { key: string; page: Promise<PullResult>; timer: NodeJS.Timeout }>();

  constructor(private readonly options: { readonly ttlMs?: number; readonly maxDesks?: number } = {}) {}

  /** The page prepared for this desk under `key`, if any; the desk's prepared page is used up either way. */
  take(deskId: string, key: string): Promise<PullResult> | null {
    const entry = this.prepared.get(deskId);
    if (!entry) return null;
    this.drop(deskId);
    return entry.key === key ? entry.page : null;
  }

  /** Start preparing a page for this desk (replacing any other it had), unless the server is at its limit. */
  prepare(deskId: string, key: string, read: () => Promise<PullResult>): void {
    this.drop(deskId);
    if (this.prepared.size >= (this.options.maxDesks ?? 32)) return;
    const page = read();
    page.catch(() => undefined);
    const timer = setTimeout(() => this.drop(deskId), this.options.ttlMs ?? 5_000);
    timer.unref();
    this.prepared.set(deskId, { key, page, timer });
  }

  get size(): number {
    return this.prepared.size;
  }

  clear(): void {
    for (const deskId of [...this.prepared.keys()]) this.drop(deskId);
  }

  private drop(deskId: string): void {
    const entry = this.prepared.get(deskId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.prepared.delete(deskId);
  }
}
