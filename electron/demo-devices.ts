/**
 * Simulated devices for the demo, so it works with no hardware: per desk a fingerprint module and
 * a health-card scanner, each on its own socat pseudo-terminal pair. The desk opens the device
 * ends exactly as it would real USB serial devices (COVERDESK_DEVICES). Fingers and cards are put
 * on them through the demo devices control (`demo-device-control.ts`: a page, `npm run
 * demo:devices`, or lines typed in `npm start`'s terminal when it has one).
 */
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
  fingerprint.scriptFinger([
    { finger: present, polls: 2 },
    { finger: { kind: 'absent' }, polls: 2 },
    { finger: present, polls: 2 },
    { finger: { kind: 'absent' } },
  ]);
  const lift = setTimeout(() => fingerprint.liftFinger(), 15_000);
  lift.unref();
  return lift;
}

/** One desk's simulated reader and scanner. */
export interface DemoDevices {
  /** What the desk opens (COVERDESK_DEVICES). */
  readonly config: DeviceConfig;
  /** Put this member's enrolled finger on the reader (another id is a wrong finger) for one capture or enrolment. */
  placeFinger(schemeMemberId: string): void;
  /** The scanner reads a card (a scheme member id, or a card's QR payload) and sends it to the desk. */
  scanCard(payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Both simulated devices of one desk, or null (with the reason printed) when socat is missing. */
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
  let lift: NodeJS.Timeout | null = null;
  return {
    config: { cardScanner: { kind: 'serial', path: scannerPair.devicePath }, fingerprint: { kind: 'uart', path: fingerprintPair.devicePath } },
    placeFinger: (schemeMemberId) => {
      if (lift) clearTimeout(lift);
      lift = touch(fingerprint, demoFingerIdentity(schemeMemberId));
    },
    scanCard: (payload) => scanner.sendScan(payload),
    close: async () => {
      if (lift) clearTimeout(lift);
      await scanner.close().catch(() => undefined);
      await fingerprint.close().catch(() => undefined);
      await scannerPair?.close();
      await fingerprintPair?.close();
    },
  };
}
