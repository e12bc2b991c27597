import { describe, expect, it } from 'vitest';
import { parseDeskResult, parseEvent, parseWireMessage } from './wire-messages';

const frame = (message: unknown): string => JSON.stringify(message);

describe('wire messages (the browser-mode parse boundary)', () => {
  it('reads hello, answers and events', () => {
    expect(parseWireMessage(frame({ kind: 'hello', apiVersion: 1 }))).toEqual({ kind: 'hello', apiVersion: 1 });
    expect(parseWireMessage(frame({ kind: 'answer', id: 3, result: { ok: true, value: null } }))).toEqual({
      kind: 'answer',
      id: 3,
      result: { ok: true, value: null },
    });
    expect(parseWireMessage(frame({ kind: 'event', event: 'replication.changed', payload: { collections: ['cases', 'nonsense'] } }))).toEqual({
      kind: 'event',
      event: 'replication.changed',
      payload: { collections: ['cases'] },
    });
  });

  it('drops what does not follow the format, and turns an unreadable answer into an error answer', () => {
    expect(parseWireMessage('{')).toBeNull();
    expect(parseWireMessage(frame({ kind: 'gossip' }))).toBeNull();
    expect(parseWireMessage(frame({ kind: 'event', event: 'notification', payload: { caseId: 1 } }))).toBeNull();
    expect(parseWireMessage(frame({ kind: 'answer', id: 4, result: 'yes' }))).toMatchObject({
      kind: 'answer',
      id: 4,
      result: { ok: false, error: { code: 'invalid-answer' } },
    });
    expect(parseDeskResult({ ok: false, error: { code: 'x' } })).toBeNull();
  });

  it('reads sync status, keeping only known states', () => {
    const status = {
      state: 'offline',
      isOnline: false,
      serverUrl: null,
      lastSyncAt: '2026-03-10T10:00:00Z',
      pendingMutations: 2,
      lastError: { code: 'server-unreachable', message: 'm', at: 't' },
      firstSync: null,
      updateRequired: null,
    };
    expect(parseEvent('sync.status', status)).toEqual({ kind: 'event', event: 'sync.status', payload: status });
    expect(parseEvent('sync.status', { ...status, state: 'dreaming' })).toBeNull();
  });

  it('reads first-sync progress: a count of documents, or null; anything else is refused', () => {
    const status = {
      state: 'syncing',
      isOnline: false,
      serverUrl: 'http://s',
      lastSyncAt: null,
      pendingMutations: 0,
      lastError: null,
      firstSync: { documentsReceived: 15_000 },
      updateRequired: null,
    };
    expect(parseEvent('sync.status', status)).toEqual({ kind: 'event', event: 'sync.status', payload: status });
    const { firstSync: _omitted, updateRequired: _none, ...fromOlderBackend } = status;
    expect(parseEvent('sync.status', fromOlderBackend)).toEqual({ kind: 'event', event: 'sync.status', payload: { ...status, firstSync: null } });
    for (const firstSync of [{ documentsReceived: -1 }, { documentsReceived: 1.5 }, { documentsReceived: '10' }, 12]) {
      expect(parseEvent('sync.status', { ...status, firstSync }), JSON.stringify(firstSync)).toBeNull();
    }
  });

  it('reads "update required" (issue 23): the minimum version and the sentence; anything else is refused', () => {
    const status = {
      state: 'online',
      isOnline: true,
      serverUrl: 'http://s',
      lastSyncAt: null,
      pendingMutations: 3,
      lastError: null,
      firstSync: null,
      updateRequired: { minimumVersion: '1.5.0', message: 'Update CoverDesk to 1.5.0 before sending.' },
    };
    expect(parseEvent('sync.status', status)).toEqual({ kind: 'event', event: 'sync.status', payload: status });
    for (const updateRequired of [{ minimumVersion: 1, message: 'm' }, { minimumVersion: null }, 'update']) {
      expect(parseEvent('sync.status', { ...status, updateRequired }), JSON.stringify(updateRequired)).toBeNull();
    }
  });

  it('reads the device host’s events', () => {
    expect(parseEvent('device.scan', { schemeMemberId: 'PMJ-S1000001', familyNumber: 'FAM-S1-0001' })).toEqual({
      kind: 'event',
      event: 'device.scan',
      payload: { schemeMemberId: 'PMJ-S1000001', familyNumber: 'FAM-S1-0001' },
    });
    expect(parseEvent('device.scan', { schemeMemberId: 'PMJ-S1000001' })).toEqual({
      kind: 'event',
      event: 'device.scan',
      payload: { schemeMemberId: 'PMJ-S1000001', familyNumber: null },
    });
    expect(parseEvent('device.scan-error', { message: 'Damaged card' })).toEqual({
      kind: 'event',
      event: 'device.scan-error',
      payload: { message: 'Damaged card' },
    });
    expect(
      parseEvent('devices.status', {
        devices: [
          { device: 'card-scanner', state: 'ready', detail: 'ok' },
          { device: 'toaster', state: 'ready', detail: '' },
        ],
      }),
    ).toEqual({
      kind: 'event',
      event: 'devices.status',
      payload: { devices: [{ device: 'card-scanner', state: 'ready', detail: 'ok' }] },
    });
  });
});
