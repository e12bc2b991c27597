/**
 * Health-card scanner simulators, speaking what real scanners send:
 * - `SerialScannerSimulator` writes payloads to the simulator end of a pseudo-terminal pair, as a
 *   USB-CDC scanner does: optionally split into random chunks, with line-noise bytes between scans,
 *   with any of the CR / LF / CRLF terminators.
 * - `keyboardReportsForText` and `SimulatedHidScanner` produce HID keyboard reports and serve them
 *   through the driver's injected `HidReportTransport`, with unplug/replug.
 * Randomness is seeded, so a failing run can be replayed.
 */

import { SerialPort } from 'serialport';
import type { HidReportTransport, OpenHidReportTransport } from './driver';
import { enterUsage, keyboardReportLength, usageForCharacter } from './hid-keyboard';

export type LineTerminator = 'CR' | 'LF' | 'CRLF';

const terminatorBytes: Readonly<Record<LineTerminator, string>> = { CR: '\r', LF: '\n', CRLF: '\r\n' };

/**
 * Bytes seen on real lines between scans: NUL and 0xFF from power-up, STX/ETX framing some scanners
 * add, XON/XOFF, ESC, DEL, and stray high bytes from a USB-serial adapter.
 */
export const noiseBytes: readonly number[] = [0x00, 0x02, 0x03, 0x11, 0x13, 0x1b, 0x7f, 0x80, 0xfe, 0xff];

/** Small deterministic generator (mulberry32): same seed, same chunking and noise. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface SendScanOptions {
  readonly terminator?: LineTerminator;
  /** `random`: 1-6 byte writes with a short pause between, so the driver receives split reads. */
  readonly chunking?: 'whole' | 'random';
  /** Noise bytes written before the payload. */
  readonly noise?: boolean;
}

export class SerialScannerSimulator {
  /** Number of separate writes so far: lets a test confirm that a scan really was split. */
  writeCount = 0;
  private readonly random: () => number;

  private constructor(
    private readonly port: SerialPort,
    seed: number,
  ) {
    this.random = seededRandom(seed);
    // The pty pair may be torn down under us (that is how tests unplug); that is not an error here.
    port.on('error', () => undefined);
  }

  static open(path: string, options: { readonly baudRate?: number; readonly seed?: number } = {}): Promise<SerialScannerSimulator> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: options.baudRate ?? 9600 }, (error) => {
        if (error) reject(error);
        else resolve(new SerialScannerSimulator(port, options.seed ?? 1));
      });
    });
  }

  async sendScan(payload: string, options: SendScanOptions = {}): Promise<void> {
    const noise =
      options.noise === true ? Buffer.from(Array.from({ length: 1 + Math.floor(this.random() * 6) }, () => this.pick(noiseBytes))) : Buffer.alloc(0);
    const bytes = Buffer.concat([noise, Buffer.from(payload + terminatorBytes[options.terminator ?? 'CR'], 'latin1')]);
    if (options.chunking !== 'random') {
      await this.sendBytes(bytes);
      return;
    }
    let offset = 0;
    while (offset < bytes.length) {
      const size = 1 + Math.floor(this.random() * 6);
      await this.sendBytes(bytes.subarray(offset, offset + size));
      offset += size;
      // A pause long enough for the driver to read each chunk on its own.
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(this.random() * 3)));
    }
  }

  async sendBytes(bytes: Uint8Array): Promise<void> {
    this.writeCount += 1;
    await new Promise<void>((resolve, reject) => {
      this.port.write(Buffer.from(bytes), (error) => (error ? reject(error) : resolve()));
    });
    await new Promise<void>((resolve, reject) => this.port.drain((error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private pick(values: readonly number[]): number {
    return values[Math.floor(this.random() * values.length)] ?? 0;
  }
}

// ---------------------------------------------------------------------------------------------
// HID

const shiftModifier = 0x02;

function report(modifiers: number, usage: number, hasReportId: boolean): Uint8Array {
  const body = new Uint8Array(keyboardReportLength);
  body[0] = modifiers;
  body[2] = usage;
  if (!hasReportId) return body;
  const withId = new Uint8Array(keyboardReportLength + 1);
  withId.set(body, 1);
  return withId;
}

/**
 * The reports a keyboard-mode scanner sends to type `text`: a key-down report per character
 * (with Shift where needed), each followed by an all-keys-up report, then Enter.
 */
export function keyboardReportsForText(text: string, options: { readonly terminate?: boolean; readonly hasReportId?: boolean } = {}): Uint8Array[] {
  const hasReportId = options.hasReportId ?? false;
  const reports: Uint8Array[] = [];
  const characters = options.terminate === false ? text : `${text}\r`;
  for (const character of characters) {
    const key = character === '\r' ? { usage: enterUsage, isShifted: false } : usageForCharacter(character);
    if (key === undefined) throw new Error(`a US-layout keyboard cannot type ${JSON.stringify(character)}`);
    reports.push(report(key.isShifted ? shiftModifier : 0, key.usage, hasReportId));
    reports.push(report(0, 0, hasReportId));
  }
  return reports;
}

export class SimulatedHidTransport implements HidReportTransport {
  isClosed = false;
  private readonly reportListeners: Array<(report: Uint8Array) => void> = [];
  private readonly lostListeners: Array<(reason: string) => void> = [];

  onReport(listener: (report: Uint8Array) => void): void {
    this.reportListeners.push(listener);
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  async close(): Promise<void> {
    this.isClosed = true;
  }

  deliver(report: Uint8Array): void {
    if (this.isClosed) return;
    for (const listener of this.reportListeners) listener(report);
  }

  lose(reason: string): void {
    if (this.isClosed) return;
    for (const listener of this.lostListeners) listener(reason);
  }
}

/** A HID scanner that can be plugged and unplugged; hand `openTransport` to the driver. */
export class SimulatedHidScanner {
  /** Times the driver tried to open the device, successful or not. */
  openAttempts = 0;
  private isPlugged = true;
  private transport: SimulatedHidTransport | undefined;

  readonly openTransport: OpenHidReportTransport = async () => {
    this.openAttempts += 1;
    if (!this.isPlugged) throw new Error('could not open HID scanner 0c2e:0b61: device not found');
    const transport = new SimulatedHidTransport();
    this.transport = transport;
    return transport;
  };

  get current(): SimulatedHidTransport | undefined {
    return this.transport;
  }

  /** Types a payload followed by Enter, as the scanner does after reading a code. */
  type(text: string, options: { readonly terminate?: boolean; readonly hasReportId?: boolean } = {}): void {
    this.sendReports(keyboardReportsForText(text, options));
  }

  sendReports(reports: readonly Uint8Array[]): void {
    const transport = this.transport;
    if (transport === undefined || transport.isClosed) throw new Error('the simulated HID scanner is not connected');
    for (const each of reports) transport.deliver(each);
  }

  unplug(): void {
    this.isPlugged = false;
    const transport = this.transport;
    this.transport = undefined;
    transport?.lose('could not read from HID device');
  }

  plugIn(): void {
    this.isPlugged = true;
  }
}
