import { describe, expect, it } from 'vitest';
import type { FleetDeskValue } from '@contract/fleet';
import { bytesText, deskState, offsetText } from './fleet-view';

const desk: FleetDeskValue = {
  deskId: '00000000-0000-4000-8000-00000000a0d1',
  deskName: 'Admission desk A',
  status: 'active',
  enrolledAt: '2026-12-01T00:00:00Z',
  hospitalId: '00000000-0000-4000-8000-00000000a001',
  hospitalCode: 'HSP-A',
  hospitalName: 'Hospital A',
  lastSeenAt: '2026-12-07T10:00:00Z',
  lastPullAt: '2026-12-07T10:00:00Z',
  reportedAt: '2026-12-07T10:00:00Z',
  appVersion: '1.4.0',
  outboxDepth: 0,
  oldestUnsentAt: null,
  oldestUnsentAgeSeconds: null,
  clockOffsetMs: 120,
  replicaBytes: 5_400_000,
  isSilent: false,
  isBelowMinimum: false,
};

describe('desk fleet view', () => {
  it('states, most urgent first: silent, update required, reporting, never seen, revoked', () => {
    const states = [
      deskState({ ...desk, isSilent: true, isBelowMinimum: true }),
      deskState({ ...desk, isBelowMinimum: true }),
      deskState(desk),
      deskState({ ...desk, lastSeenAt: null }),
      deskState({ ...desk, status: 'revoked', isSilent: true }),
    ];
    expect(states.map((state) => state.text)).toEqual(['Silent', 'Update required', 'Reporting', 'Never seen', 'Revoked']);
    expect(states.map((state) => state.rank)).toEqual([...states.map((state) => state.rank)].sort((a, b) => b - a));
  });

  it('clock offsets and replica sizes in words', () => {
    expect(offsetText(null)).toBe('not reported');
    expect(offsetText(-300)).toBe('in step');
    expect(offsetText(2_500)).toBe('2.5 s ahead');
    expect(offsetText(-180_000)).toBe('3 min behind');
    expect(offsetText(5_400_000)).toBe('1.5 h ahead');
    expect(bytesText(null)).toBe('–');
    expect(bytesText(900)).toBe('900 B');
    expect(bytesText(5_400_000)).toBe('5.1 MiB');
    expect(bytesText(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});
