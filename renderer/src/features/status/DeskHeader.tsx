import { useState } from 'react';
import type { SyncStatus } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { useShortcut } from '../../app/shortcut-registry';
import { globalShortcuts } from '../../app/shortcuts';
import { useDeskCommand } from '../../shared/hooks/use-desk-request';
import { ConfirmedAt } from '../../shared/ui/ConfirmedAt';
import { DeviceSummary } from './DeviceSummary';
import { LocalDataDialog } from './LocalDataDialog';
import { useDeviceStatus } from './use-device-status';
import { useLinkStatus } from './use-link-status';
import { useSyncStatus } from './use-sync-status';

/**
 * Always visible: who is signed in where, whether the desk reaches the server, when it last synced
 * and how many changes wait in its outbox. The online/offline line is a live region, so a change is
 * announced without moving focus.
 */
export function DeskHeader({ onOpenHelp, onSignOut }: { readonly onOpenHelp: () => void; readonly onSignOut: () => void }) {
  const { client, session } = useDesk();
  const link = useLinkStatus(client);
  const sync = useSyncStatus(client);
  const devices = useDeviceStatus(client);
  const syncNow = useDeskCommand();
  const runSyncNow = (): void => void syncNow.run('sync.now', {});
  const [isLocalDataOpen, setIsLocalDataOpen] = useState(false);
  useShortcut(globalShortcuts.syncNow, runSyncNow);

  const isLinkOpen = link.state === 'open';
  const isOnline = isLinkOpen && sync.status === 'ready' && sync.value.isOnline;
  const isUpdateRequired = isOnline && sync.status === 'ready' && sync.value.updateRequired !== null;
  const stateText = !isLinkOpen
    ? (link.problem?.message ?? 'Connecting to the desk backend…')
    : sync.status === 'ready'
      ? connectionText(sync.value)
      : sync.status === 'error'
        ? `Sync status unavailable: ${sync.error.message}`
        : 'Checking the connection…';

  // The dialog sits outside the header: the header's light-on-dark styles must not reach it.
  return (
    <>
      <header className="desk-header">
        <div className="brand">
          <span className="brand-name">CoverDesk</span>
          <span className="brand-place">
            {session.hospitalName ?? 'No hospital'} · {session.displayName}
            {session.isOfflineSession ? ' · signed in offline' : ''}
          </span>
        </div>
        <div className="sync-summary">
          <p role="status" className={isUpdateRequired ? 'sync-state update-required' : isOnline ? 'sync-state online' : 'sync-state offline'}>
            <span className="sync-dot" aria-hidden="true" />
            {stateText}
          </p>
          {sync.status === 'ready' ? (
            <p className="sync-details">
              <span>Last sync: {sync.value.lastSyncAt ? <ConfirmedAtShort iso={sync.value.lastSyncAt} /> : 'never'}</span>
              <span className={sync.value.pendingMutations > 0 ? 'pending-count has-pending' : 'pending-count'}>
                {sync.value.pendingMutations === 0
                  ? 'No changes waiting'
                  : `${sync.value.pendingMutations} change${sync.value.pendingMutations === 1 ? '' : 's'} waiting to be sent`}
              </span>
            </p>
          ) : null}
          {devices ? <DeviceSummary devices={devices} /> : null}
          {syncNow.state.status === 'failed' ? (
            <p className="field-problem" role="alert">
              {syncNow.state.error.message}
            </p>
          ) : null}
        </div>
        <div className="header-actions">
          <button type="button" onClick={runSyncNow} disabled={syncNow.state.status === 'running' || !isLinkOpen} aria-keyshortcuts="Alt+Y">
            {syncNow.state.status === 'running' ? 'Syncing…' : 'Sync now'}
          </button>
          {session.roles.includes('MEDCO') ? (
            <button type="button" onClick={() => setIsLocalDataOpen(true)}>
              Local data
            </button>
          ) : null}
          <button type="button" onClick={onOpenHelp} aria-keyshortcuts="F1 Alt+H">
            Shortcuts
          </button>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <LocalDataDialog isOpen={isLocalDataOpen} onClose={() => setIsLocalDataOpen(false)} />
    </>
  );
}

/** "16:02 (2 min ago)" without the "confirmed by the server" words the money figures carry. */
function ConfirmedAtShort({ iso }: { readonly iso: string }) {
  return <ConfirmedAt iso={iso} isShort />;
}

/**
 * The connection line, in the operator's words, from the desk backend's sync status — which
 * follows the last real exchange with the server (Offline at the first request that fails).
 * Library error text ("fetch failed") never reaches the screen: faults are said by their kind.
 * While offline the words stay the same through every retry, so the live region does not chatter.
 */
export function connectionText(sync: Pick<SyncStatus, 'state' | 'isOnline' | 'lastError' | 'firstSync'> & Partial<Pick<SyncStatus, 'updateRequired'>>): string {
  if (sync.state === 'not-enrolled') return 'This desk is not enrolled with a server.';
  // Below the scheme's minimum version (issue 23): not an error. The desk works as it does
  // offline; the server's sentence names the version to install.
  if (sync.updateRequired && sync.isOnline)
    return `Update required: ${sync.updateRequired.message.replace(/ Its changes are kept.*$/, '')} Changes made here are kept and are sent once CoverDesk is updated.`;
  if (sync.firstSync) return firstSyncText(sync.firstSync.documentsReceived, sync.state === 'syncing' || sync.isOnline ? null : offlineReason(sync.lastError));
  if (sync.isOnline) {
    if (sync.state === 'error' && sync.lastError) return `Online, but the last sync did not go through: ${sync.lastError.message}`;
    return sync.state === 'syncing' ? 'Online, syncing…' : 'Online';
  }
  if (!sync.lastError) return 'Connecting to the server…';
  return `Offline: ${offlineReason(sync.lastError)}; reconnecting by itself. Working from this desk’s copy: changes wait here and are sent when the server answers.`;
}

/** Why the desk is offline, by the fault's kind; a server's own refusal is already a sentence. */
function offlineReason(lastError: SyncStatus['lastError']): string {
  if (lastError === null) return 'the server cannot be reached';
  switch (lastError.code) {
    case 'unreachable':
      return 'the server cannot be reached';
    case 'bad-answer':
      return 'the server’s answers cannot be read (a network device may be in the way)';
    default:
      return `the server refused this desk: ${lastError.message.replace(/\.$/, '')}`;
  }
}

/**
 * The header line while a new desk receives its first copy of the registry and cases; `problem`
 * is why it is paused (null while it is going).
 */
export function firstSyncText(documentsReceived: number, problem: string | null): string {
  const received = `${documentsReceived.toLocaleString('en-IN')} record${documentsReceived === 1 ? '' : 's'} received`;
  return problem === null
    ? `Setting up this desk: ${received} so far; search covers the whole registry once this finishes`
    : `Setting up this desk: paused at ${received} (${problem}); it resumes by itself`;
}
