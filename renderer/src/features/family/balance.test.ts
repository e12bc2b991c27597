import { describe, expect, it } from 'vitest';
import { balanceSegments } from './balance';

describe('family balance bar', () => {
  it('shows S1 after the father’s hold: 60% committed, 40% available', () => {
    expect(balanceSegments({ cover: 1_000_000, committed: 600_000, available: 400_000, pending: 0 })).toEqual({
      committedPercent: 60,
      pendingPercent: 0,
      availablePercent: 40,
      pendingBeyondAvailable: 0,
    });
  });

  it('shows pending bookings inside the available part, and what goes beyond it', () => {
    expect(balanceSegments({ cover: 1_000_000, committed: 600_000, available: 400_000, pending: 450_000 })).toEqual({
      committedPercent: 60,
      pendingPercent: 40,
      availablePercent: 0,
      pendingBeyondAvailable: 50_000,
    });
  });

  it('never exceeds the bar, even for odd thirds or an empty cover', () => {
    const thirds = balanceSegments({ cover: 300, committed: 100, available: 200, pending: 100 });
    expect(thirds.committedPercent + thirds.pendingPercent + thirds.availablePercent).toBeLessThanOrEqual(100);
    expect(balanceSegments({ cover: 0, committed: 0, available: 0, pending: 0 }).availablePercent).toBe(100);
  });
});
