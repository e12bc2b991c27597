import { deskChannels, type DeskChannel } from '../desk-api/contract';

/**
 * Checks every IPC call before it reaches the desk backend: the sender must be our own window's
 * top frame showing our own page, the channel must be a desk API channel, and the argument a plain
 * JSON object of bounded size. Pure, so it is tested without Electron.
 */
export const channelPrefix = 'desk:';

export function channelOf(ipcChannel: string): DeskChannel | null {
  if (!ipcChannel.startsWith(channelPrefix)) return null;
  const name = ipcChannel.slice(channelPrefix.length);
  return (deskChannels as readonly string[]).includes(name) ? (name as DeskChannel) : null;
}

export function isTrustedSender(frameUrl: string, appEntryUrl: string, isTopFrame: boolean): boolean {
  if (!isTopFrame) return false;
  try {
    const frame = new URL(frameUrl);
    const entry = new URL(appEntryUrl);
    return frame.protocol === entry.protocol && frame.host === entry.host && frame.pathname === entry.pathname;
  } catch {
    return false;
  }
}

export function isValidPayload(payload: unknown, maxBytes = 256 * 1024): payload is Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  const prototype = Object.getPrototypeOf(payload) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  try {
    return JSON.stringify(payload).length <= maxBytes;
  } catch {
    return false;
  }
}
