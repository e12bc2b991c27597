import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../native/testing/pty-pair';
import { SerialScannerSimulator } from '../../native/health-card/simulator';
import { FingerprintModuleSimulator } from '../../native/fingerprint-uart/simulator';
import type { DeskEvents } from '../desk-api/contract';
import { DeskBackend } from './backend';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function collect(backend: DeskBackend): { events: { event: keyof DeskEvents; payload: unknown }[] } {
  const bag = { events: [] as { event: keyof DeskEvents; payload: unknown }[] };
  backend.onEvent((event, payload) => bag.events.push({ event, payload }));
  return bag;
}

async function until(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the desk backend's device host, on real pseudo-terminals", () => {
  it('turns a health-card scan into a search event and an unreadable one into a clear error', async () => {
    const pair: PtyPair = await openPtyPair();
    cleanups.push(() => pair.close());
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-devices-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'devices.json'), JSON.stringify({ cardScanner: { kind: 'serial', path: pair.devicePath } }));
    const backend = new DeskBackend({ dataDir: dir });
    const bag = collect(backend);
    backend.devices.start();
    cleanups.push(() => backend.stop());
    await until(() => backend.devices.list().some((d) => d.device === 'card-scanner' && d.state === 'ready'));
    const simulator = await SerialScannerSimulator.open(pair.simulatorPath);
    cleanups.push(() => simulator.close());
    await simulator.sendScan('PMJ-S1000002');
    await until(() => bag.events.some((e) => e.event === 'device.scan'));
    expect(bag.events.find((e) => e.event === 'device.scan')?.payload).toEqual({ schemeMemberId: 'PMJ-S1000002', familyNumber: null });
    await simulator.sendScan('NOT-A-CARD');
    await until(() => bag.events.some((e) => e.event === 'device.scan-error'));
    const status = await backend.handlers['devices.status']({});
    expect(status.ok && status.value).toEqual([expect.objectContaining({ device: 'card-scanner', state: 'ready' })]);
  });

  it('handshakes with a fingerprint module and reports it ready', async () => {
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    const simulator = await FingerprintModuleSimulator.open(pair.simulatorPath);
    cleanups.push(() => simulator.close());
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-devices-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const backend = new DeskBackend({ dataDir: dir, devices: { fingerprint: { kind: 'uart', path: pair.devicePath } } });
    backend.devices.start();
    cleanups.push(() => backend.stop());
    await until(() => backend.devices.list().some((d) => d.device === 'fingerprint' && d.state === 'ready'));
    expect(backend.devices.list().find((d) => d.device === 'fingerprint')?.detail).toMatch(/ready/);
  });

  it('says clearly when the device configuration cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-devices-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'devices.json'), '{ not json');
    const backend = new DeskBackend({ dataDir: dir });
    cleanups.push(() => backend.stop());
    expect(backend.devices.list()).toEqual([
      expect.objectContaining({ device: 'configuration', state: 'error', detail: expect.stringContaining('cannot be read') }),
    ]);
  });
});
