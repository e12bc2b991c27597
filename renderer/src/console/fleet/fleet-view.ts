import type { FleetDeskValue } from '@contract/fleet';
import { english, type Translate } from '../../i18n/translate';

export interface DeskState {
  readonly text: string;
  readonly tone: 'good' | 'warning' | 'bad' | 'neutral';
  /** Higher sorts first: what needs IT's attention at the top. */
  readonly rank: number;
}

/** A desk's state in the fleet: revoked, silent, below the minimum version, never seen, or reporting. */
export function deskState(desk: FleetDeskValue, t: Translate = english.t): DeskState {
  if (desk.status === 'revoked') return { text: t('console.fleet.state.revoked'), tone: 'neutral', rank: 0 };
  if (desk.isSilent) return { text: t('console.fleet.state.silent'), tone: 'bad', rank: 4 };
  if (desk.isBelowMinimum) return { text: t('console.fleet.state.update'), tone: 'warning', rank: 3 };
  if (desk.lastSeenAt === null) return { text: t('console.fleet.state.neverSeen'), tone: 'neutral', rank: 1 };
  return { text: t('console.fleet.state.reporting'), tone: 'good', rank: 2 };
}

/** The desk's clock against the server's, e.g. "2.5 s ahead", "in step" under half a second. */
export function offsetText(offsetMs: number | null, t: Translate = english.t): string {
  if (offsetMs === null) return t('console.fleet.notReported');
  if (Math.abs(offsetMs) < 500) return t('console.fleet.inStep');
  const seconds = Math.abs(offsetMs) / 1000;
  // Figures as text: "2.5" keeps its one decimal whatever the language.
  const amount =
    seconds < 60
      ? t('console.fleet.seconds', { seconds: seconds.toFixed(1) })
      : seconds < 3600
        ? t('duration.minutes', { minutes: Math.round(seconds / 60) })
        : t('duration.hours', { hours: (seconds / 3600).toFixed(1) });
  return offsetMs > 0 ? t('console.fleet.ahead', { amount }) : t('console.fleet.behind', { amount });
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
