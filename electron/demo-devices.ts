/**
 * Simulated devices for `npm start`, so the demo works with no hardware: a fingerprint module and
 * a health-card scanner, each on its own socat pseudo-terminal pair. The desk opens the device
 * ends exactly as it would real USB serial devices (COVERDESK_DEVICES); typing a scheme member id
 * (e.g. PMJ-S1000001) in the terminal "scans" a card.
 */
import { createInterface } from 'node:readline';
import { openPtyPair, type PtyPair } from '../native/testing/pty-pair';
import { FingerprintModuleSimulator } from '../native/fingerprint-uart/simulator';
import { SerialScannerSimulator } from '../native/health-card/simulator';
import type { DeviceConfig } from './desk-backend/devices';

export interface DemoDevices {
  readonly config: DeviceConfig;
  close(): Promise<void>;
}

export async function startDemoDevices(): Promise<DemoDevices | null> {
  let fingerprintPair: PtyPair | null = null;
  let scannerPair: PtyPair | null = null;
  try {
    fingerprintPair = await openPtyPair();
    scannerPair = await openPtyPair();
  } catch (error) {
    await fingerprintPair?.close();
    console.log(`Simulated devices are off (${error instanceof Error ? error.message : String(error)}).`);
    return null;
  }
  const fingerprint = await FingerprintModuleSimulator.open(fingerprintPair.simulatorPath);
  const scanner = await SerialScannerSimulator.open(scannerPair.simulatorPath);
  const input = process.stdin.isTTY ? createInterface({ input: process.stdin }) : null;
  input?.on('line', (line) => {
    const payload = line.trim().toUpperCase();
    if (payload) void scanner.sendScan(payload);
  });
  if (input) console.log('Simulated card scanner: type a scheme member id (e.g. PMJ-S1000001) and press Enter to scan a card.');
  return {
    config: { cardScanner: { kind: 'serial', path: scannerPair.devicePath }, fingerprint: { kind: 'uart', path: fingerprintPair.devicePath } },
    close: async () => {
      input?.close();
      await scanner.close().catch(() => undefined);
      await fingerprint.close().catch(() => undefined);
      await scannerPair?.close();
      await fingerprintPair?.close();
    },
  };
}
