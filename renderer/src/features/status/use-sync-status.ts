import { useEffect, useState } from 'react';
import type { DeskError, SyncStatus } from '@desk-api/contract';
import type { DeskConnection } from '../../desk-client/desk-link';
import { useLinkStatus } from './use-link-status';
import { failed, loading, ready, type Loadable } from '../../shared/loadable';

export type SyncStatusState = Loadable<SyncStatus, DeskError>;

/**
 * The desk's link to the sync server: asked once, then kept current by 'sync.status' events, and
 * asked again after the link to the backend comes back (events sent meanwhile were lost).
 */
export function useSyncStatus(client: DeskConnection): SyncStatusState {
  const link = useLinkStatus(client);
  const [state, setState] = useState<SyncStatusState>(loading);
  const isLinkOpen = link.state === 'open';

  useEffect(() => client.on('sync.status', (value) => setState(ready(value))), [client]);

  useEffect(() => {
    if (!isLinkOpen) return;
    let isCurrent = true;
    void client.call('sync.status', {}).then((answer) => {
      if (isCurrent) setState(answer.ok ? ready(answer.value) : failed(answer.error));
    });
    return () => {
      isCurrent = false;
    };
  }, [client, isLinkOpen]);

  return state;
}
