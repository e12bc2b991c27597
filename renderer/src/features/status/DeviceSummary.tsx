import type { DeviceStatus } from '@desk-api/contract';
import { assertNever } from '@domain/outcomes';

function deviceName(device: DeviceStatus['device']): string {
  switch (device) {
    case 'card-scanner':
      return 'Card scanner';
    case 'fingerprint':
      return 'Fingerprint reader';
    case 'configuration':
      return 'Device settings';
    default:
      return assertNever(device);
  }
}

function stateWord(state: DeviceStatus['state']): string {
  switch (state) {
    case 'ready':
      return 'ready';
    case 'disconnected':
      return 'disconnected';
    case 'off':
      return 'not set up';
    case 'error':
      return 'error';
    default:
      return assertNever(state);
  }
}

/** One line per configured device; a device that is not ready says why (the backend words it for IT). */
export function DeviceSummary({ devices }: { readonly devices: readonly DeviceStatus[] }) {
  if (devices.length === 0) return null;
  return (
    <ul className="device-summary" aria-label="Devices">
      {devices.map((device) => (
        <li key={device.device} className={`device device-${device.state}`}>
          {deviceName(device.device)}: {stateWord(device.state)}
          {device.state === 'ready' || device.state === 'off' ? null : <span className="device-detail"> ({device.detail})</span>}
        </li>
      ))}
    </ul>
  );
}
