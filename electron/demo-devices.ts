/**
 * Simulated devices for `npm start`, so the demo works with no hardware: a fingerprint module and
 * a health-card scanner, each on its own socat pseudo-terminal pair. The desk opens the device
 * ends exactly as it would real USB serial devices (COVERDESK_DEVICES); typing a scheme member id
 * (e.g. PMJ-S1000001) in the terminal "scans" a card, and `finger PMJ-S1000001` puts that
 * member's enrolled finger (see demoFingerIdentity) on the fingerprint reader.
 */
import { createInterface } from 'node:readline';
import { openPtyPair, type PtyPair } from '../native/testing/pty-pair';
import { FingerprintModuleSimulator } from '../native/fingerprint-uart/simulator';
import { SerialScannerSimulator } from '../native/health-card/simulator';
import type { DeviceConfig } from './desk-backend/devices';

/** The simulated finger the demo enrols for a member: the launcher enrols it, `finger <id>` places it. */
export function demoFingerIdentity(schemeMemberId: string): string {
  return `${schemeMemberId.toUpperCase()}/right-index`;
}

/**
 * One touch that serves a capture and an enrolment alike: on the glass for two reads, lifted for
 * two, on again for two; then lifted for good, so a later capture never reads a stale finger.
 */
function touch(fingerprint: FingerprintModuleSimulator, identity: string): NodeJS.Timeout {
  const present = { kind: 'present', identity, quality: 90 } as const;
  fingerprint.scriptFinger([{ finger: present, polls: 2 }, { finger: { kind: 'absent' }, polls: 2 }, { finger: present, polls: 2 }, { finger: { kind: 'absent' } }]);
  const lift = setTimeout(() => fingerprint.liftFinger(), 15_000);
  lift.unref();
  return lift;
}

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
  let lift: NodeJS.Timeout | null = null;
  input?.on('line', (line) => {
    const finger = /^finger\s+(\S+)$/i.exec(line.trim());
    if (finger) {
      if (lift) clearTimeout(lift);
      lift = touch(fingerprint, demoFingerIdentity(finger[1]!));
      console.log(`Finger of ${finger[1]!.toUpperCase()} on the reader: click Capture (or Enrol) now.`);
      return;
    }
    const payload = line.trim().toUpperCase();
    if (payload) void scanner.sendScan(payload);
  });
  if (input) {
    console.log('Simulated card scanner: type a scheme member id (e.g. PMJ-S1000001) and press Enter to scan a card.');
    console.log('Simulated fingerprint reader: type "finger PMJ-S1000001" to put that member\'s enrolled finger on the reader (another id is a wrong finger).');
  }
  return {
    config: { cardScanner: { kind: 'serial', path: scannerPair.devicePath }, fingerprint: { kind: 'uart', path: fingerprintPair.devicePath } },
    close: async () => {
      if (lift) clearTimeout(lift);
      input?.close();
      await scanner.close().catch(() => undefined);
      await fingerprint.close().catch(() => undefined);
      await scannerPair?.close();
      await fingerprintPair?.close();
    },
  };
}
