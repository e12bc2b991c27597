import { useEffect, useState } from 'react';
import type { DeviceStatus } from '@desk-api/contract';
import type { DeskConnection } from '../../desk-client/desk-link';
import { useLinkStatus } from './use-link-status';

/** The desk's configured devices: asked when the link opens, then kept current by 'devices.status' events. */
export function useDeviceStatus(client: DeskConnection): readonly DeviceStatus[] | null {
  const link = useLinkStatus(client);
  const [devices, setDevices] = useState<readonly DeviceStatus[] | null>(null);
  const isLinkOpen = link.state === 'open';
  useEffect(() => client.on('devices.status', (payload) => setDevices(payload.devices)), [client]);
  useEffect(() => {
    if (!isLinkOpen) return;
    let isCurrent = true;
    void client.call('devices.status', {}).then((answer) => {
      // A desk without device support answers with an error: it simply shows no devices.
      if (isCurrent && answer.ok) setDevices(answer.value);
    });
    return () => {
      isCurrent = false;
    };
  }, [client, isLinkOpen]);
  return devices;
}
