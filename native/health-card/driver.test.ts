import { mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../testing/pty-pair';
import {
  createHidHealthCardScanner,
  createSerialHealthCardScanner,
  nodeHidTransport,
  ReconnectingScanner,
  serialConnection,
  type OpenScannerConnection,
  type HealthCardScanner,
  type ScannerEventName,
  type ScannerEvents,
  type ScannerStatus,
} from './driver';
import { encodeSchemeCardPayload, type HealthCardScan } from './protocol';
import { SerialScannerSimulator, SimulatedHidScanner } from './simulator';

const clock = (): Date => new Date('2025-06-01T10:00:00Z');
const fastReconnect = { initialDelayMs: 20, maxDelayMs: 100 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Records every event of a scanner, and waits for the ones a test expects. */
class EventLog {
  readonly entries: Array<{ [E in ScannerEventName]: { event: E; payload: ScannerEvents[E] } }[ScannerEventName]> = [];
  private waiters: Array<() => void> = [];

  constructor(scanner: HealthCardScanner) {
    for (const event of ['scan', 'scan-error', 'status', 'device-warning'] as const) {
      scanner.on(event, (payload: ScannerEvents[typeof event]) => {
        this.entries.push({ event, payload } as (typeof this.entries)[number]);
        for (const wake of this.waiters.splice(0)) wake();
      });
    }
  }

  get scans(): HealthCardScan[] {
    return this.entries.flatMap((entry) => (entry.event === 'scan' ? [entry.payload] : []));
  }

  get statuses(): ScannerStatus[] {
    return this.entries.flatMap((entry) => (entry.event === 'status' ? [entry.payload.status] : []));
  }

  /** Scans and scan errors in arrival order, as short strings. */
  get outcomes(): string[] {
    return this.entries.flatMap((entry) => {
      if (entry.event === 'scan') return [`scan ${entry.payload.memberId}`];
      if (entry.event === 'scan-error') return [`error ${entry.payload.kind}`];
      return [];
    });
  }

  async until(predicate: (log: EventLog) => boolean, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting; events so far: ${JSON.stringify(this.entries.map((entry) => [entry.event, entry.payload]))}`);
      // Woken by the next event, or after a short poll for conditions that emit none.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 10));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * A serial transport that counts the scanner's attempts to open the device, and how many are still
 * opening: a retry shows up in the count the moment its timer fires (connect calls open
 * synchronously), so "no retry" is a count, not a quiet interval.
 */
function countingSerial(path: string): { open: OpenScannerConnection; readonly opens: number; readonly opening: number } {
  const open = serialConnection(path, 9600, 50);
  const counts = { opens: 0, opening: 0 };
  return {
    open: (sink) => {
      counts.opens += 1;
      counts.opening += 1;
      return open(sink).finally(() => {
        counts.opening -= 1;
      });
    },
    get opens() {
      return counts.opens;
    },
    get opening() {
      return counts.opening;
    },
  };
}

/** Resolves once every timer set before the call with a delay up to `delayMs` has fired: Node runs timers in order of expiry. */
const afterTimersUpTo = (delayMs: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, delayMs + 1));

async function ptyPair(): Promise<PtyPair> {
  const pair = await openPtyPair();
  cleanups.push(() => pair.close());
  return pair;
}

async function serialSimulator(path: string, seed: number): Promise<SerialScannerSimulator> {
  const simulator = await SerialScannerSimulator.open(path, { seed });
  cleanups.push(() => simulator.close());
  return simulator;
}

function started(scanner: HealthCardScanner): EventLog {
  const log = new EventLog(scanner);
  scanner.start();
  cleanups.push(() => scanner.stop());
  return log;
}

const card = (memberId: string, yearOfBirth = 1980): string => encodeSchemeCardPayload({ memberId, familyNumber: '4410092', yearOfBirth });

describe('serial scanner over a real pseudo-terminal', () => {
  it('reads several scans written in random chunks with noise and mixed terminators', async () => {
    const pair = await ptyPair();
    const simulator = await serialSimulator(pair.simulatorPath, 7);
    const log = started(createSerialHealthCardScanner({ path: pair.devicePath, baudRate: 9600, reconnect: fastReconnect, presenceCheckMs: 50, clock }));
    await log.until((events) => events.statuses.includes('connected'));

    await simulator.sendScan(card('PMJ-AB12CD34'), { chunking: 'random', noise: true, terminator: 'CR' });
    await simulator.sendScan('PMJ-ZZ99YY88', { chunking: 'random', noise: true, terminator: 'CRLF' });
    await simulator.sendScan(card('PMJ-00000001', 1950), { chunking: 'random', noise: true, terminator: 'LF' });
    await log.until((events) => events.scans.length === 3);

    expect(log.scans).toEqual([
      { kind: 'scheme-card', memberId: 'PMJ-AB12CD34', familyNumber: '4410092', yearOfBirth: 1980 },
      { kind: 'member-id', memberId: 'PMJ-ZZ99YY88' },
      { kind: 'scheme-card', memberId: 'PMJ-00000001', familyNumber: '4410092', yearOfBirth: 1950 },
    ]);
    expect(simulator.writeCount).toBeGreaterThan(15);
  });

  it('reports malformed payloads as errors and keeps reading good scans after them', async () => {
    const pair = await ptyPair();
    const simulator = await serialSimulator(pair.simulatorPath, 11);
    const log = started(createSerialHealthCardScanner({ path: pair.devicePath, reconnect: fastReconnect, presenceCheckMs: 50, clock, maxLineLength: 64 }));
    await log.until((events) => events.statuses.includes('connected'));

    const damaged = card('PMJ-AB12CD34').replace('4410092', '4410093');
    await simulator.sendScan(damaged, { chunking: 'random', noise: true });
    await simulator.sendScan('HELLO WORLD', { noise: true });
    await simulator.sendScan('X'.repeat(200), { chunking: 'whole' });
    await simulator.sendScan(card('PMJ-AB12CD34', 2030));
    await simulator.sendScan(card('PMJ-GOOD0001'), { chunking: 'random', noise: true });
    await log.until((events) => events.outcomes.length === 5);

    expect(log.outcomes).toEqual(['error bad-checksum', 'error unknown-format', 'error line-too-long', 'error bad-year', 'scan PMJ-GOOD0001']);
  });

  it('reports an unplug as disconnected then reconnecting, and stops retrying when stopped', async () => {
    const pair = await ptyPair(); // closed by the test itself; cleanup only matters if it fails first
    const transport = countingSerial(pair.devicePath);
    const scanner = new ReconnectingScanner(transport.open, { reconnect: fastReconnect, clock });
    const log = started(scanner);
    await log.until((events) => events.statuses.includes('connected'));

    await pair.close(); // socat exits: the device node disappears, as when a USB cable is pulled
    await log.until((events) => events.statuses.includes('reconnecting'));
    expect(log.statuses).toEqual(['connected', 'disconnected', 'reconnecting']);
    const disconnected = log.entries.find((entry) => entry.event === 'status' && entry.payload.status === 'disconnected');
    expect(disconnected?.payload).toMatchObject({ detail: expect.stringMatching(/unplugged|closed|failed/) });

    await scanner.stop();
    expect(scanner.status).toBe('stopped');
    const count = log.entries.length;
    const opens = transport.opens;
    // An open already under way when stop was called may still settle (and, were stop not to
    // cancel it, schedule a retry): wait for it, and for its continuation.
    await log.until(() => transport.opening === 0);
    await new Promise((resolve) => setImmediate(resolve));
    // Every retry timer the scanner could have set by now is due within maxDelayMs; once they
    // have all fired, a retry not cancelled by stop would have opened the device again.
    await afterTimersUpTo(fastReconnect.maxDelayMs);
    expect(transport.opens).toBe(opens);
    expect(log.entries.length).toBe(count);
  });

  it('reconnects when the scanner comes back at the same path', async () => {
    // A stable path (like /dev/serial/by-id/…) whose target changes when the device is replugged.
    const directory = mkdtempSync(join(tmpdir(), 'coverdesk-scanner-'));
    cleanups.push(async () => rmSync(directory, { recursive: true, force: true }));
    const stablePath = join(directory, 'scanner');
    const repoint = (target: string): void => {
      const temporary = `${stablePath}.next`;
      symlinkSync(target, temporary);
      renameSync(temporary, stablePath);
    };

    const first = await ptyPair();
    repoint(first.devicePath);
    const transport = countingSerial(stablePath);
    const log = started(new ReconnectingScanner(transport.open, { reconnect: fastReconnect, clock }));
    await log.until((events) => events.statuses.includes('connected'));

    await first.close();
    await log.until((events) => events.statuses.includes('reconnecting'));
    // A few attempts fail while unplugged (counted, not assumed from elapsed time).
    const opensWhenLost = transport.opens;
    await log.until(() => transport.opens >= opensWhenLost + 2 && transport.opening === 0);

    const second = await ptyPair();
    repoint(second.devicePath);
    await log.until((events) => events.statuses.filter((status) => status === 'connected').length === 2);
    expect(log.statuses).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);

    const simulator = await serialSimulator(second.simulatorPath, 3);
    await simulator.sendScan(card('PMJ-BACK0001'), { chunking: 'random', noise: true });
    await log.until((events) => events.scans.length === 1);
    expect(log.scans[0]).toMatchObject({ memberId: 'PMJ-BACK0001' });
  });

  it('notices the path leading to a different device even when the old port reports nothing', async () => {
    // serialport can miss an unplug on Linux (read() returns 0 forever, no close event); the
    // presence check is what catches it. Here the old pty stays alive, so only that check can.
    const directory = mkdtempSync(join(tmpdir(), 'coverdesk-scanner-'));
    cleanups.push(async () => rmSync(directory, { recursive: true, force: true }));
    const stablePath = join(directory, 'scanner');
    const first = await ptyPair();
    symlinkSync(first.devicePath, stablePath);
    const log = started(createSerialHealthCardScanner({ path: stablePath, reconnect: fastReconnect, presenceCheckMs: 50, clock }));
    await log.until((events) => events.statuses.includes('connected'));

    const second = await ptyPair();
    symlinkSync(second.devicePath, `${stablePath}.next`);
    renameSync(`${stablePath}.next`, stablePath);
    await log.until((events) => events.statuses.filter((status) => status === 'connected').length === 2);
    const disconnected = log.entries.find((entry) => entry.event === 'status' && entry.payload.status === 'disconnected');
    expect(disconnected?.payload).toMatchObject({ detail: expect.stringMatching(/replugged \(device node changed\)/) });

    const simulator = await serialSimulator(second.simulatorPath, 5);
    await simulator.sendScan('PMJ-NEWPORT1');
    await log.until((events) => events.scans.length === 1);
  });

  it('keeps retrying a path that does not exist yet', async () => {
    const log = started(
      createSerialHealthCardScanner({ path: join(tmpdir(), 'coverdesk-no-such-scanner'), reconnect: fastReconnect, presenceCheckMs: 50, clock }),
    );
    await log.until((events) => events.statuses.includes('reconnecting'));
    expect(log.entries[0]).toMatchObject({ event: 'status', payload: { status: 'disconnected', detail: expect.stringMatching(/could not open/) } });
  });
});

describe('HID scanner through an injected transport', () => {
  it('reads scans typed as keyboard reports', async () => {
    const device = new SimulatedHidScanner();
    const log = started(createHidHealthCardScanner({ openTransport: device.openTransport, reconnect: fastReconnect, clock }));
    await log.until((events) => events.statuses.includes('connected'));

    device.type(card('PMJ-AA11BB22'));
    device.type('pmj-cc33dd44');
    device.type('CDK1|PMJ-AA11BB22|1|1980|00');
    device.type(card('PMJ-EE55FF66'));
    expect(log.outcomes).toEqual(['scan PMJ-AA11BB22', 'scan PMJ-CC33DD44', 'error bad-checksum', 'scan PMJ-EE55FF66']);
    expect(log.scans[0]).toEqual({ kind: 'scheme-card', memberId: 'PMJ-AA11BB22', familyNumber: '4410092', yearOfBirth: 1980 });
  });

  it('warns once when the reports are not keyboard reports', async () => {
    const device = new SimulatedHidScanner();
    const log = started(createHidHealthCardScanner({ openTransport: device.openTransport, reconnect: fastReconnect, clock }));
    await log.until((events) => events.statuses.includes('connected'));
    device.type('PMJ-AA11BB22', { hasReportId: true });
    const warnings = log.entries.filter((entry) => entry.event === 'device-warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.payload).toEqual({ message: expect.stringMatching(/9-byte report; a keyboard report is 8 bytes/) });
    expect(log.scans).toEqual([]);
  });

  it('reconnects after an unplug and reads the next scan', async () => {
    const device = new SimulatedHidScanner();
    const scanner = createHidHealthCardScanner({ openTransport: device.openTransport, reconnect: fastReconnect, clock });
    const log = started(scanner);
    await log.until((events) => events.statuses.includes('connected'));
    const firstTransport = device.current;

    device.type('PMJ-BEFORE01', { terminate: false }); // unplugged mid-scan: the partial line is dropped
    device.unplug();
    expect(log.statuses).toEqual(['connected', 'disconnected', 'reconnecting']);
    expect(firstTransport?.isClosed).toBe(true);
    await log.until(() => device.openAttempts >= 3);
    expect(scanner.status).toBe('reconnecting');

    device.plugIn();
    await log.until((events) => events.statuses.at(-1) === 'connected');
    device.type('PMJ-AFTER001');
    expect(log.outcomes).toEqual(['scan PMJ-AFTER001']);
    expect(log.statuses).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);

    await scanner.stop();
    expect(device.current?.isClosed).toBe(true);
    expect(log.statuses.at(-1)).toBe('stopped');
  });

  it('production node-hid transport fails with a clear message when the scanner is absent', async () => {
    await expect(nodeHidTransport({ vendorId: 0x1234, productId: 0x5678 })()).rejects.toThrow(/could not open HID scanner 1234:5678/);
  });
});
