/**
 * Health-card scanner drivers: a serial (USB-CDC) scanner through `serialport`, and a HID keyboard
 * scanner through an injected report transport (`node-hid` in production). Both turn the device's
 * bytes into lines, lines into parsed scans or typed errors, and survive being unplugged: on loss
 * they report `disconnected`, then `reconnecting`, and retry with backoff until reconnected or
 * stopped.
 *
 * Scans carry member ids: they are delivered to listeners and never logged here.
 */

import { stat } from 'node:fs/promises';
import type { HIDAsync } from 'node-hid';
import { SerialPort } from 'serialport';
import { HidKeyboardDecoder, keyboardReportLength, type KeyboardDecoderOptions } from './hid-keyboard';
import { parseHealthCardPayload, scanError, ScanLineFramer, type HealthCardScan, type HealthCardScanError } from './protocol';

export type ScannerStatus = 'connected' | 'disconnected' | 'reconnecting' | 'stopped';

export interface ScannerStatusChange {
  readonly status: ScannerStatus;
  /** Why, in words: the port error, the retry delay, … (device paths and ids only, no scan data). */
  readonly detail: string;
  /** Reconnection attempts since the last successful connection. */
  readonly attempt: number;
}

export interface ScannerEvents {
  readonly scan: HealthCardScan;
  readonly 'scan-error': HealthCardScanError;
  readonly status: ScannerStatusChange;
  /** The device is connected but sends data this driver cannot read (e.g. a misconfigured HID mode). */
  readonly 'device-warning': { readonly message: string };
}

export type ScannerEventName = keyof ScannerEvents;

export interface HealthCardScanner {
  readonly status: ScannerStatus;
  /** Opens the device (and keeps reopening it after unplugs) until `stop`. */
  start(): void;
  /** Closes the device and cancels any pending reconnection. */
  stop(): Promise<void>;
  /** Subscribes; returns the unsubscribe function. */
  on<E extends ScannerEventName>(event: E, listener: (payload: ScannerEvents[E]) => void): () => void;
}

export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Quick first retry (a USB-CDC device re-enumerates within a second of being replugged), then
 * doubling so an absent scanner does not spin, capped so a replug is noticed within seconds.
 */
export const defaultReconnectPolicy: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 5_000 };

export interface ScannerOptions {
  readonly reconnect?: ReconnectPolicy;
  readonly maxLineLength?: number;
  /** Source of the current year for year-of-birth checks; injected so tests are stable. */
  readonly clock?: () => Date;
}

// ---------------------------------------------------------------------------------------------
// Shared core: a connection that delivers bytes, wrapped in reconnect logic

/** Where an open device delivers what it reads. */
export interface ConnectionSink {
  bytes(chunk: Uint8Array): void;
  /** The device went away (unplugged, read error, closed by the OS). Safe to call more than once. */
  lost(reason: string): void;
  warn(message: string): void;
}

export interface ScannerConnection {
  close(): Promise<void>;
}

/** Opens the device once; rejects if it is absent. The transport seam of both drivers. */
export type OpenScannerConnection = (sink: ConnectionSink) => Promise<ScannerConnection>;

type Listeners = { [E in ScannerEventName]: Set<(payload: ScannerEvents[E]) => void> };

export class ReconnectingScanner implements HealthCardScanner {
  private currentStatus: ScannerStatus = 'stopped';
  private connection: ScannerConnection | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Bumped by start/stop: callbacks from an earlier run are recognised as stale and ignored. */
  private run = 0;
  private attempt = 0;
  private readonly framer: ScanLineFramer;
  private readonly policy: ReconnectPolicy;
  private readonly clock: () => Date;
  private readonly listeners: Listeners = { scan: new Set(), 'scan-error': new Set(), status: new Set(), 'device-warning': new Set() };

  constructor(
    private readonly open: OpenScannerConnection,
    options: ScannerOptions = {},
  ) {
    this.framer = new ScanLineFramer({ maxLineLength: options.maxLineLength });
    this.policy = options.reconnect ?? defaultReconnectPolicy;
    this.clock = options.clock ?? (() => new Date());
  }

  get status(): ScannerStatus {
    return this.currentStatus;
  }

  on<E extends ScannerEventName>(event: E, listener: (payload: ScannerEvents[E]) => void): () => void {
    const set: Set<(payload: ScannerEvents[E]) => void> = this.listeners[event];
    set.add(listener);
    return () => set.delete(listener);
  }

  start(): void {
    if (this.currentStatus !== 'stopped') return;
    this.run += 1;
    this.attempt = 0;
    void this.connect(this.run);
  }

  async stop(): Promise<void> {
    this.run += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const connection = this.connection;
    this.connection = undefined;
    this.framer.reset();
    if (connection !== undefined) await connection.close().catch(() => undefined);
    this.setStatus('stopped', 'scanner stopped');
  }

  private async connect(run: number): Promise<void> {
    let isEstablished = false;
    let isLost = false;
    let lostBeforeEstablished: string | undefined;
    let hasWarned = false;
    let connection: ScannerConnection | undefined;
    const sink: ConnectionSink = {
      bytes: (chunk) => {
        // Bytes still buffered in a connection already given up on must not start the next line.
        if (run === this.run && !isLost) this.receive(chunk);
      },
      lost: (reason) => {
        if (isLost) return;
        isLost = true;
        if (!isEstablished) {
          lostBeforeEstablished = reason;
          return;
        }
        if (run !== this.run || this.connection !== connection || connection === undefined) return;
        const lostConnection = connection;
        this.connection = undefined;
        // Release the OS handle even though the device is gone; errors closing a dead port are moot.
        void lostConnection.close().catch(() => undefined);
        this.handleLoss(run, reason);
      },
      warn: (message) => {
        if (run !== this.run || hasWarned) return;
        hasWarned = true;
        this.emit('device-warning', { message });
      },
    };
    try {
      connection = await this.open(sink);
    } catch (error) {
      if (run === this.run) this.handleLoss(run, errorText(error));
      return;
    }
    if (run !== this.run) {
      // Stopped while the device was opening.
      await connection.close().catch(() => undefined);
      return;
    }
    if (lostBeforeEstablished !== undefined) {
      await connection.close().catch(() => undefined);
      this.handleLoss(run, lostBeforeEstablished);
      return;
    }
    isEstablished = true;
    this.connection = connection;
    this.attempt = 0;
    // No framer reset here: that happened on the loss, and bytes may already have arrived from
    // this connection (a scan made the moment the scanner was plugged in).
    this.setStatus('connected', 'scanner connected');
  }

  private handleLoss(run: number, reason: string): void {
    this.framer.reset();
    this.setStatus('disconnected', reason);
    const delay = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** Math.min(this.attempt, 16));
    this.attempt += 1;
    this.setStatus('reconnecting', `retrying in ${delay} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (run === this.run) void this.connect(run);
    }, delay);
  }

  private receive(chunk: Uint8Array): void {
    for (const framed of this.framer.push(chunk)) {
      if (!framed.ok) {
        this.emit('scan-error', scanError(framed.error));
        continue;
      }
      const parsed = parseHealthCardPayload(framed.line, { currentYear: this.clock().getFullYear() });
      if (parsed.ok) this.emit('scan', parsed.scan);
      else this.emit('scan-error', parsed.error);
    }
  }

  /**
   * Emits a status only when it changes, except `disconnected`, which is reported for every loss
   * (a failed reconnection attempt is not a new loss and stays `reconnecting`).
   */
  private setStatus(status: ScannerStatus, detail: string): void {
    if (status === this.currentStatus) return;
    if (status === 'disconnected' && this.currentStatus === 'reconnecting') return;
    this.currentStatus = status;
    this.emit('status', { status, detail, attempt: this.attempt });
  }

  private emit<E extends ScannerEventName>(event: E, payload: ScannerEvents[E]): void {
    const set: Set<(payload: ScannerEvents[E]) => void> = this.listeners[event];
    for (const listener of [...set]) listener(payload);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Serial (USB-CDC)

export interface SerialScannerOptions extends ScannerOptions {
  /** Device path from configuration (`SerialPort.list()` does not list pseudo-terminals). */
  readonly path: string;
  /** USB-CDC ignores it, but a scanner behind a real UART needs it; 9600 is the common default. */
  readonly baudRate?: number;
  /** How often to check that the device node is still there (see `serialConnection`). */
  readonly presenceCheckMs?: number;
}

export const defaultPresenceCheckMs = 1_000;

interface SerialCloseError extends Error {
  readonly disconnected?: boolean;
}

/** Which device node a path currently leads to (symlinks followed), or undefined if none. */
async function deviceIdentity(path: string): Promise<string | undefined> {
  try {
    const node = await stat(path);
    return `${node.dev}:${node.ino}:${node.rdev}`;
  } catch {
    return undefined;
  }
}

/**
 * Opens a serial port that delivers scan bytes; the transport of the serial scanner.
 *
 * Unplug detection does not rely on serialport alone: on Linux an unplug (or a pseudo-terminal
 * whose other end closed) can make read() return 0 bytes forever, which serialport retries in a
 * loop without ever emitting `close` (node-serialport issues #2043, #2351). So while connected, the
 * path is also checked every `presenceCheckMs`: if the device node is gone, or the path now leads
 * to a different node (a quick replug behind a stable /dev/serial/by-id link), the connection is
 * reported lost, and closing it stops the read loop.
 */
export function serialConnection(path: string, baudRate: number, presenceCheckMs: number = defaultPresenceCheckMs): OpenScannerConnection {
  return (sink) =>
    new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      let isClosing = false;
      let presenceTimer: NodeJS.Timeout | undefined;
      const lost = (reason: string): void => {
        clearInterval(presenceTimer);
        if (!isClosing) sink.lost(reason);
      };
      port.on('data', (chunk: Buffer) => sink.bytes(chunk));
      // serialport reports an unplug it notices as a close carrying an error with `disconnected: true`.
      port.on('close', (error: SerialCloseError | null | undefined) => {
        lost(error?.disconnected === true ? `scanner on ${path} was unplugged` : `port ${path} closed${error ? `: ${error.message}` : ''}`);
      });
      port.on('error', (error: Error) => lost(`port ${path} failed: ${error.message}`));
      port.open((error) => {
        if (error) {
          reject(new Error(`could not open ${path}: ${error.message}`));
          return;
        }
        void deviceIdentity(path).then((openedIdentity) => {
          let isChecking = false;
          presenceTimer = setInterval(() => {
            if (isChecking || isClosing) return;
            isChecking = true;
            void deviceIdentity(path).then((identity) => {
              isChecking = false;
              if (identity === undefined) lost(`scanner on ${path} was unplugged (device node removed)`);
              else if (identity !== openedIdentity) lost(`scanner on ${path} was replugged (device node changed)`);
            });
          }, presenceCheckMs);
          // Must not keep a desk process alive on its own; the open port does that while needed.
          presenceTimer.unref();
          resolve({
            close: () =>
              new Promise<void>((done) => {
                isClosing = true;
                clearInterval(presenceTimer);
                if (!port.isOpen) {
                  done();
                  return;
                }
                port.close(() => done());
              }),
          });
        });
      });
    });
}

export function createSerialHealthCardScanner(options: SerialScannerOptions): HealthCardScanner {
  return new ReconnectingScanner(serialConnection(options.path, options.baudRate ?? 9600, options.presenceCheckMs), options);
}

// ---------------------------------------------------------------------------------------------
// HID keyboard scanners

/**
 * The seam between the HID scanner driver and the USB stack: input reports in, loss out. Tests
 * inject a simulated transport (there is no /dev/uhid to fake a device); production uses node-hid.
 */
export interface HidReportTransport {
  onReport(listener: (report: Uint8Array) => void): void;
  onLost(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

/** Opens the scanner once; rejects when it is not plugged in. */
export type OpenHidReportTransport = () => Promise<HidReportTransport>;

export interface HidScannerOptions extends ScannerOptions, KeyboardDecoderOptions {
  readonly openTransport: OpenHidReportTransport;
}

export function hidConnection(openTransport: OpenHidReportTransport, decoderOptions: KeyboardDecoderOptions): OpenScannerConnection {
  return async (sink) => {
    const transport = await openTransport();
    const decoder = new HidKeyboardDecoder(decoderOptions);
    transport.onReport((report) => {
      const result = decoder.push(report);
      if (result.kind === 'malformed-report') {
        sink.warn(
          `The HID scanner sent a ${result.length}-byte report; a keyboard report is ${keyboardReportLength} bytes${decoderOptions.hasReportId === true ? ' plus a report id' : ''}. Check the scanner's USB mode (HID keyboard) and the report-id setting.`,
        );
        return;
      }
      // The decoder emits ASCII only (and CR for Enter): one byte per character.
      if (result.text !== '') sink.bytes(Buffer.from(result.text, 'latin1'));
    });
    transport.onLost((reason) => sink.lost(reason));
    return { close: () => transport.close() };
  };
}

export function createHidHealthCardScanner(options: HidScannerOptions): HealthCardScanner {
  return new ReconnectingScanner(hidConnection(options.openTransport, { hasReportId: options.hasReportId }), options);
}

export interface HidDeviceAddress {
  readonly vendorId: number;
  readonly productId: number;
}

function fourHexDigits(value: number): string {
  return value.toString(16).padStart(4, '0');
}

/**
 * Production transport: opens the first HID device with this vendor/product id through node-hid.
 * node-hid is imported lazily (the type import above is erased): its native binding needs libusb/hidraw, which a desk without a HID
 * scanner (and this test machine) may lack, and that must not break loading the serial driver.
 */
export function nodeHidTransport(address: HidDeviceAddress): OpenHidReportTransport {
  const name = `HID scanner ${fourHexDigits(address.vendorId)}:${fourHexDigits(address.productId)}`;
  return async () => {
    let device: HIDAsync;
    try {
      const hid = await import('node-hid');
      device = await hid.HIDAsync.open(address.vendorId, address.productId);
    } catch (error) {
      throw new Error(`could not open ${name}: ${errorText(error)}`);
    }
    return {
      onReport: (listener) => {
        device.on('data', (data: Buffer) => listener(data));
      },
      onLost: (listener) => {
        // node-hid reports an unplug as a read error; there is no separate close event.
        device.on('error', (error: unknown) => listener(`${name} stopped responding: ${errorText(error)}`));
      },
      close: async () => {
        device.removeAllListeners();
        await device.close().catch(() => undefined);
      },
    };
  };
}
