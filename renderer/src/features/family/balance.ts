/**
 * The family-balance bar's geometry, pure. Widths are shares of the cover in percent, rounded down
 * to a tenth so the segments never add up to more than the bar.
 */
export interface BalanceFigures {
  readonly cover: number;
  readonly committed: number;
  readonly available: number;
  /** Booked on this desk but not yet placed by the server. */
  readonly pending: number;
}

export interface BalanceSegments {
  readonly committedPercent: number;
  /** Pending bookings shown inside what is available: they will take from it or become shortfall. */
  readonly pendingPercent: number;
  readonly availablePercent: number;
  /** Pending beyond what is available: the server will record it as shortfall unless cover is found. */
  readonly pendingBeyondAvailable: number;
}

const share = (part: number, whole: number): number => (whole <= 0 ? 0 : Math.floor((Math.max(0, part) * 1000) / whole) / 10);

export function balanceSegments({ cover, committed, available, pending }: BalanceFigures): BalanceSegments {
  const pendingInside = Math.min(pending, Math.max(0, available));
  const committedPercent = Math.min(100, share(committed, cover));
  const pendingPercent = Math.min(100 - committedPercent, share(pendingInside, cover));
  return {
    committedPercent,
    pendingPercent,
    availablePercent: Math.max(0, Math.floor((100 - committedPercent - pendingPercent) * 10) / 10),
    pendingBeyondAvailable: Math.max(0, pending - Math.max(0, available)),
  };
}
