import type { FleetDeskValue } from '@contract/fleet';

export interface DeskState {
  readonly text: string;
  readonly tone: 'good' | 'warning' | 'bad' | 'neutral';
  /** Higher sorts first: what needs IT's attention at the top. */
  readonly rank: number;
}

/** A desk's state in the fleet: revoked, silent, below the minimum version, never seen, or reporting. */
export function deskState(desk: FleetDeskValue): DeskState {
  if (desk.status === 'revoked') return { text: 'Revoked', tone: 'neutral', rank: 0 };
  if (desk.isSilent) return { text: 'Silent', tone: 'bad', rank: 4 };
  if (desk.isBelowMinimum) return { text: 'Update required', tone: 'warning', rank: 3 };
  if (desk.lastSeenAt === null) return { text: 'Never seen', tone: 'neutral', rank: 1 };
  return { text: 'Reporting', tone: 'good', rank: 2 };
}

/** The desk's clock against the server's, e.g. "2.5 s ahead", "in step" under half a second. */
export function offsetText(offsetMs: number | null): string {
  if (offsetMs === null) return 'not reported';
  if (Math.abs(offsetMs) < 500) return 'in step';
  const seconds = Math.abs(offsetMs) / 1000;
  const amount = seconds < 60 ? `${seconds.toFixed(1)} s` : seconds < 3600 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
  return `${amount} ${offsetMs > 0 ? 'ahead' : 'behind'}`;
}

/** A replica's size in binary units. */
export function bytesText(bytes: number | null): string {
  if (bytes === null) return '–';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
