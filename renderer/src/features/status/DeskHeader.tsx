import { useState } from 'react';
import type { SyncStatus } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { useShortcut } from '../../app/shortcut-registry';
import { globalShortcuts } from '../../app/shortcuts';
import { useTranslator } from '../../i18n/LanguageProvider';
import { LanguageSwitch } from '../../i18n/LanguageSwitch';
import { english, type Translate } from '../../i18n/translate';
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
  const { t } = useTranslator();
  useShortcut(globalShortcuts.syncNow, runSyncNow);

  const isLinkOpen = link.state === 'open';
  const isOnline = isLinkOpen && sync.status === 'ready' && sync.value.isOnline;
  const isUpdateRequired = isOnline && sync.status === 'ready' && sync.value.updateRequired !== null;
  const stateText = !isLinkOpen
    ? (link.problem?.message ?? t('desk.header.connectingBackend'))
    : sync.status === 'ready'
      ? connectionText(sync.value, t)
      : sync.status === 'error'
        ? t('desk.header.statusUnavailable', { message: sync.error.message })
        : t('desk.header.checking');

  // The dialog sits outside the header: the header's light-on-dark styles must not reach it.
  return (
    <>
      <header className="desk-header">
        <div className="brand">
          <span className="brand-name">CoverDesk</span>
          <span className="brand-place">
            {session.hospitalName ?? t('desk.header.noHospital')} · {session.displayName}
            {session.isOfflineSession ? ` · ${t('desk.header.signedInOffline')}` : ''}
          </span>
        </div>
        <div className="sync-summary">
          <p role="status" className={isUpdateRequired ? 'sync-state update-required' : isOnline ? 'sync-state online' : 'sync-state offline'}>
            <span className="sync-dot" aria-hidden="true" />
            {stateText}
          </p>
          {sync.status === 'ready' ? (
            <p className="sync-details">
              <span>
                {t('desk.header.lastSync')} {sync.value.lastSyncAt ? <ConfirmedAtShort iso={sync.value.lastSyncAt} /> : t('desk.header.never')}
              </span>
              <span className={sync.value.pendingMutations > 0 ? 'pending-count has-pending' : 'pending-count'}>
                {t('desk.header.pending', { count: sync.value.pendingMutations })}
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
            {syncNow.state.status === 'running' ? t('desk.header.syncing') : t('desk.header.syncNow')}
          </button>
          {session.roles.includes('MEDCO') ? (
            <button type="button" onClick={() => setIsLocalDataOpen(true)}>
              {t('desk.header.localData')}
            </button>
          ) : null}
          <button type="button" onClick={onOpenHelp} aria-keyshortcuts="F1 Alt+H">
            {t('desk.header.shortcuts')}
          </button>
          <button type="button" onClick={onSignOut}>
            {t('console.app.signOut')}
          </button>
          <LanguageSwitch />
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
export function connectionText(
  sync: Pick<SyncStatus, 'state' | 'isOnline' | 'lastError' | 'firstSync'> & Partial<Pick<SyncStatus, 'updateRequired'>>,
  t: Translate = english.t,
): string {
  if (sync.state === 'not-enrolled') return t('desk.connection.notEnrolled');
  // Below the scheme's minimum version (issue 23): not an error. The desk works as it does
  // offline; the server's sentence names the version to install.
  if (sync.updateRequired && sync.isOnline)
    return t('desk.connection.updateRequired', { message: sync.updateRequired.message.replace(/ Its changes are kept.*$/, '') });
  if (sync.firstSync)
    return firstSyncText(sync.firstSync.documentsReceived, sync.state === 'syncing' || sync.isOnline ? null : offlineReason(sync.lastError, t), t);
  if (sync.isOnline) {
    if (sync.state === 'error' && sync.lastError) return t('desk.connection.lastSyncFailed', { message: sync.lastError.message });
    return sync.state === 'syncing' ? t('desk.connection.syncing') : t('desk.connection.online');
  }
  if (!sync.lastError) return t('desk.connection.connecting');
  return t('desk.connection.offline', { reason: offlineReason(sync.lastError, t) });
}

/** Why the desk is offline, by the fault's kind; a server's own refusal is already a sentence. */
function offlineReason(lastError: SyncStatus['lastError'], t: Translate): string {
  if (lastError === null) return t('desk.offline.unreachable');
  switch (lastError.code) {
    case 'unreachable':
      return t('desk.offline.unreachable');
    case 'bad-answer':
      return t('desk.offline.badAnswer');
    default:
      return t('desk.offline.refused', { message: lastError.message.replace(/\.$/, '') });
  }
}

/**
 * The header line while a new desk receives its first copy of the registry and cases; `problem`
 * is why it is paused (null while it is going).
 */
export function firstSyncText(documentsReceived: number, problem: string | null, t: Translate = english.t): string {
  // The count in the Indian grouping in every language, as amounts are (en-IN, Latin digits).
  const values = { count: documentsReceived, received: documentsReceived.toLocaleString('en-IN') };
  return problem === null ? t('desk.firstSync.going', values) : t('desk.firstSync.paused', { ...values, problem });
}
