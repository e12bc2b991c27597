import type { DeskApiClient, DeskError } from '@desk-api/contract';

/**
 * The renderer's link to its desk backend, separate from the desk's link to the sync server
 * (SyncStatus): a desk can be offline from the server and still fully usable, but with the backend
 * gone nothing works. The header shows both.
 */
export type DeskLinkState =
  | 'connecting'
  /** Hello received, API versions agree. */
  | 'open'
  /** The link dropped; retrying with backoff. */
  | 'reconnecting'
  /** The backend speaks another desk API version: retrying cannot help, the page must be updated. */
  | 'refused'
  /** Closed on purpose (sign-out of the window, tests). */
  | 'closed';

export interface DeskLinkStatus {
  readonly state: DeskLinkState;
  /** Why the link is not open, in words an operator can act on. */
  readonly problem: DeskError | null;
}

export interface DeskLink {
  linkStatus(): DeskLinkStatus;
  /** Called on every change. A change to 'open' after the first is a reconnect: read models must resync. */
  onLinkStatus(listener: (status: DeskLinkStatus) => void): () => void;
}

/** What the app holds: the typed channels plus the state of the link they travel over. */
export type DeskConnection = DeskApiClient & DeskLink & { close(): void };
