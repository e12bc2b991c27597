import { useEffect, useRef } from 'react';
import { useDesk } from '../../app/desk-context';

/**
 * Call `onProgress` whenever a sync has moved something: the outbox shrank or grew, a pull
 * completed, the desk went on or off line. Reads that are not replicated (the patient bill, a
 * receipt, the accumulators) are read again on these, not only on `replication.changed`.
 */
export function useSyncProgress(onProgress: () => void): void {
  const { client } = useDesk();
  const last = useRef<string | null>(null);
  useEffect(
    () =>
      client.on('sync.status', (status) => {
        const key = `${status.lastSyncAt ?? ''}|${status.pendingMutations}|${String(status.isOnline)}`;
        if (last.current !== null && last.current !== key) onProgress();
        last.current = key;
      }),
    [client, onProgress],
  );
}
