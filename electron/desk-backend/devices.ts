import { existsSync, readFileSync } from 'node:fs';
import {
  createHidHealthCardScanner,
  createSerialHealthCardScanner,
  nodeHidTransport,
  type HealthCardScanner,
  type ScannerStatus,
} from '../../native/health-card/driver';
import { openSerialFingerprintModule, type FingerprintModule } from '../../native/fingerprint-uart/driver';
import type { DeviceStatus, DeskEvents } from '../desk-api/contract';

/**
 * Devices configured for this desk. Paths are always configuration: pseudo-terminals and some
 * USB-CDC adapters are not listed by SerialPort.list().
 */
export interface DeviceConfig {
  readonly cardScanner?:
    | { readonly kind: 'serial'; readonly path: string; readonly baudRate?: number }
    | { readonly kind: 'hid'; readonly vendorId: number; readonly productId: number };
  readonly fingerprint?: { readonly kind: 'uart'; readonly path: string; readonly baudRate?: number; readonly password?: number };
}

/** `<dataDir>/devices.json`, or the COVERDESK_DEVICES environment variable (JSON), or none. */
export function loadDeviceConfig(path: string, env: NodeJS.ProcessEnv = process.env): { config: DeviceConfig; error: string | null } {
  try {
    if (env.COVERDESK_DEVICES) return { config: JSON.parse(env.COVERDESK_DEVICES) as DeviceConfig, error: null };
    if (existsSync(path)) return { config: JSON.parse(readFileSync(path, 'utf8')) as DeviceConfig, error: null };
    return { config: {}, error: null };
  } catch (error) {
    return { config: {}, error: `The device configuration cannot be read (${error instanceof Error ? error.message : String(error)}); no devices are used.` };
  }
}

const scannerState = (status: ScannerStatus): DeviceStatus['state'] => (status === 'connected' ? 'ready' : status === 'stopped' ? 'off' : 'disconnected');

/**
 * The device host: opens the configured devices, reconnects after unplugs, reports each one's
 * status, and turns card scans into events for the screens. Scan contents go to the renderer
 * only, never to a log.
 */
export class DeviceManager {
  private scanner: HealthCardScanner | null = null;
  private fingerprint: FingerprintModule | null = null;
  private readonly statuses = new Map<string, DeviceStatus>();
  private fingerprintRetry: NodeJS.Timeout | null = null;
  private isStopped = false;

  constructor(
    private readonly config: DeviceConfig,
    private readonly emit: <E extends keyof DeskEvents>(event: E, payload: DeskEvents[E]) => void,
    configError: string | null = null,
  ) {
    if (configError) this.setStatus({ device: 'configuration', state: 'error', detail: configError });
  }

  private setStatus(status: DeviceStatus): void {
    this.statuses.set(status.device, status);
    this.emit('devices.status', { devices: this.list() });
  }

  list(): DeviceStatus[] {
    return [...this.statuses.values()];
  }

  start(): void {
    const card = this.config.cardScanner;
    if (card) {
      this.scanner =
        card.kind === 'serial'
          ? createSerialHealthCardScanner({ path: card.path, ...(card.baudRate ? { baudRate: card.baudRate } : {}) })
          : createHidHealthCardScanner({ openTransport: nodeHidTransport({ vendorId: card.vendorId, productId: card.productId }) });
      this.setStatus({ device: 'card-scanner', state: 'disconnected', detail: 'Opening…' });
      this.scanner.on('status', (change) => this.setStatus({ device: 'card-scanner', state: scannerState(change.status), detail: change.detail }));
      this.scanner.on('scan', (scan) =>
        this.emit('device.scan', { schemeMemberId: scan.memberId, familyNumber: scan.kind === 'scheme-card' ? scan.familyNumber : null }),
      );
      this.scanner.on('scan-error', (error) => this.emit('device.scan-error', { message: error.message }));
      this.scanner.start();
    }
    if (this.config.fingerprint) void this.openFingerprint();
  }

  private async openFingerprint(): Promise<void> {
    const settings = this.config.fingerprint;
    if (!settings || this.isStopped) return;
    try {
      this.fingerprint = await openSerialFingerprintModule({
        path: settings.path,
        ...(settings.baudRate ? { baudRate: settings.baudRate } : {}),
        ...(settings.password !== undefined ? { password: settings.password } : {}),
      });
      await this.fingerprint.handshake();
      const parameters = await this.fingerprint.readSystemParameters();
      this.setStatus({ device: 'fingerprint', state: 'ready', detail: `Fingerprint module ready (library ${parameters.librarySize} templates).` });
    } catch (error) {
      await this.fingerprint?.close().catch(() => undefined);
      this.fingerprint = null;
      this.setStatus({ device: 'fingerprint', state: 'disconnected', detail: `${error instanceof Error ? error.message : String(error)} Retrying…` });
      // A module that is unplugged or still booting: try again shortly.
      this.fingerprintRetry = setTimeout(() => void this.openFingerprint(), 3000);
      this.fingerprintRetry.unref();
    }
  }

  fingerprintModule(): FingerprintModule | null {
    return this.fingerprint;
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.fingerprintRetry) clearTimeout(this.fingerprintRetry);
    await this.scanner?.stop();
    await this.fingerprint?.close().catch(() => undefined);
  }
}
