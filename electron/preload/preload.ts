/**
 * The preload: exposes one function per desk API channel, an event subscription and the
 * payer-workspaces window opener, nothing else. The renderer never sees ipcRenderer itself (contextIsolation + sandbox).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { deskChannels, openPayerWorkspacesChannel, type DeskChannel, type DeskEventName } from '../desk-api/contract';

const eventNames: readonly DeskEventName[] = ['replication.changed', 'sync.status', 'notification', 'device.scan', 'device.scan-error', 'devices.status'];

const api: Record<string, unknown> = {};
for (const channel of deskChannels) {
  api[channel] = (args: unknown) => ipcRenderer.invoke(`desk:${channel}` satisfies `desk:${DeskChannel}`, args);
}
api.openPayerWorkspaces = () => ipcRenderer.invoke(openPayerWorkspacesChannel);
api.onEvent = (event: DeskEventName, listener: (payload: unknown) => void): (() => void) => {
  if (!eventNames.includes(event)) throw new Error(`Unknown desk event ${String(event)}`);
  const wrapped = (_: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(`desk-event:${event}`, wrapped);
  return () => ipcRenderer.removeListener(`desk-event:${event}`, wrapped);
};

contextBridge.exposeInMainWorld('coverdesk', Object.freeze(api));
