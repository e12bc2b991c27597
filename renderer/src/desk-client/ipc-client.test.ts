import { describe, expect, it, vi } from 'vitest';
import type { DeskEventName, DeskEvents } from '@desk-api/contract';
import { findPreloadApi, IpcDeskClient } from './ipc-client';

/** What electron/preload exposes as window.coverdesk, with scriptable channels. */
function fakePreload(channels: Record<string, (args: unknown) => Promise<unknown>>) {
  const listeners = new Map<DeskEventName, (payload: unknown) => void>();
  const api = {
    ...channels,
    onEvent: (event: DeskEventName, listener: (payload: unknown) => void) => {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    },
  };
  return { window: { coverdesk: Object.freeze(api) }, emit: (event: DeskEventName, payload: unknown) => listeners.get(event)?.(payload), listeners };
}

describe('IpcDeskClient (Electron preload)', () => {
  it('is found only when the preload exposed it', () => {
    expect(findPreloadApi({})).toBeNull();
    expect(findPreloadApi({ coverdesk: { 'sync.status': () => undefined } })).toBeNull();
    expect(findPreloadApi(fakePreload({}).window)).not.toBeNull();
  });

  it('forwards calls and checks the answers', async () => {
    const preload = fakePreload({
      'cases.view': async (args) => ({ ok: true, value: { echo: args } }),
      'sync.now': async () => ({ surprise: true }),
      'sync.status': async () => {
        throw new Error('An object could not be cloned');
      },
    });
    const client = new IpcDeskClient(findPreloadApi(preload.window)!);
    expect(await client.call('cases.view', { caseId: 'c1' })).toEqual({ ok: true, value: { echo: { caseId: 'c1' } } });
    const unreadable = await client.call('sync.now', {});
    expect(unreadable.ok ? null : unreadable.error.code).toBe('invalid-answer');
    const gone = await client.call('sync.status', {});
    expect(gone.ok ? null : gone.error.code).toBe('desk-backend-unreachable');
    const missing = await client.call('session.current', {});
    expect(missing.ok ? null : missing.error.code).toBe('unknown-channel');
  });

  it('delivers parsed events and drops malformed ones', () => {
    const preload = fakePreload({});
    const client = new IpcDeskClient(findPreloadApi(preload.window)!);
    const seen: DeskEvents['notification'][] = [];
    client.on('notification', (payload) => seen.push(payload));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    preload.emit('notification', { caseId: 'c1', title: 'Pre-auth approved', body: 'MG012A' });
    preload.emit('notification', { caseId: 42 });
    expect(seen).toEqual([{ caseId: 'c1', title: 'Pre-auth approved', body: 'MG012A' }]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    client.close();
    expect(preload.listeners.size).toBe(0);
  });
});
