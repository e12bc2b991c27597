import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PullResult } from './pull';
import { PullPrefetch } from './pull-prefetch';

const page = (label: string): PullResult => ({
  documents: [`{"table":"packages","id":"${label}","row":{}}`],
  checkpoint: { from: '0', next: '7', table: 2, afterId: label },
  hasMore: true,
});

describe('PullPrefetch: the next page read while the current one travels', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands a prepared page over once, for exactly the key it was read for', async () => {
    const prefetch = new PullPrefetch();
    const read = vi.fn(async () => page('p2'));
    prefetch.prepare('desk-a', 'k2', read);
    expect(read).toHaveBeenCalledTimes(1);
    expect(prefetch.take('desk-b', 'k2')).toBeNull();
    await expect(prefetch.take('desk-a', 'k2')).resolves.toEqual(page('p2'));
    expect(prefetch.take('desk-a', 'k2')).toBeNull();
    expect(prefetch.size).toBe(0);
  });

  it('drops a prepared page when the desk asks for another checkpoint, and keeps one page per desk', async () => {
    const prefetch = new PullPrefetch();
    prefetch.prepare('desk-a', 'k2', async () => page('p2'));
    expect(prefetch.take('desk-a', 'k9')).toBeNull();
    expect(prefetch.size).toBe(0);
    prefetch.prepare('desk-a', 'k2', async () => page('p2'));
    prefetch.prepare('desk-a', 'k3', async () => page('p3'));
    expect(prefetch.size).toBe(1);
    expect(prefetch.take('desk-a', 'k2')).toBeNull();
  });

  it('forgets a page nobody asked for within the time limit', async () => {
    vi.useFakeTimers();
    const prefetch = new PullPrefetch({ ttlMs: 1_000 });
    prefetch.prepare('desk-a', 'k2', async () => page('p2'));
    vi.advanceTimersByTime(999);
    expect(prefetch.size).toBe(1);
    vi.advanceTimersByTime(2);
    expect(prefetch.size).toBe(0);
    expect(prefetch.take('desk-a', 'k2')).toBeNull();
  });

  it('prepares for at most maxDesks desks at a time; beyond that pages are read when asked', () => {
    const prefetch = new PullPrefetch({ maxDesks: 2 });
    const read = vi.fn(async () => page('p'));
    prefetch.prepare('desk-a', 'k', read);
    prefetch.prepare('desk-b', 'k', read);
    prefetch.prepare('desk-c', 'k', read);
    expect(read).toHaveBeenCalledTimes(2);
    expect(prefetch.size).toBe(2);
    expect(prefetch.take('desk-c', 'k')).toBeNull();
    prefetch.clear();
    expect(prefetch.size).toBe(0);
  });

  it('a failed read does not surface as an unhandled rejection; the taker sees the failure and reads again itself', async () => {
    const prefetch = new PullPrefetch();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      let fail: (error: Error) => void = () => undefined;
      prefetch.prepare(
        'desk-a',
        'k2',
        () =>
          new Promise<PullResult>((_, reject) => {
            fail = reject;
          }),
      );
      fail(new Error('connection lost'));
      // Node reports an unhandled rejection once the microtasks after the rejecting task have run,
      // before the next macrotask: by this setImmediate it would have been reported.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
      await expect(prefetch.take('desk-a', 'k2')).rejects.toThrow('connection lost');
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
