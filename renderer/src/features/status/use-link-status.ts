import { useSyncExternalStore } from 'react';
import type { DeskLink, DeskLinkStatus } from '../../desk-client/desk-link';

/** The renderer ↔ desk-backend link, re-rendering on every change. */
export function useLinkStatus(link: DeskLink): DeskLinkStatus {
  return useSyncExternalStore(
    (listener) => link.onLinkStatus(listener),
    () => link.linkStatus(),
  );
}
