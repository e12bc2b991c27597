/**
 * The parse boundary of browser mode: text from the socket becomes typed messages here and only
 * here. A message that does not fit is dropped with its kind logged (never its payload, which may
 * carry patient data).
 */
import type { DeskError, DeskEvents, DeskResult, DeviceStatus, ReplicatedCollection, SyncState, SyncStatus } from '@desk-api/contract';
import type { WireToRenderer } from '@desk-api/wire';

export type ParsedMessage =
  | { readonly kind: 'hello'; readonly apiVersion: number }
  | { readonly kind: 'answer'; readonly id: number; readonly result: DeskResult<unknown> }
  | { readonly kind: 'event'; readonly event: 'replication.changed'; readonly payload: DeskEvents['replication.changed'] }
  | { readonly kind: 'event'; readonly event: 'sync.status'; readonly payload: DeskEvents['sync.status'] }
  | { readonly kind: 'event'; readonly event: 'notification'; readonly payload: DeskEvents['notification'] }
  | { readonly kind: 'event'; readonly event: 'device.scan'; readonly payload: DeskEvents['device.scan'] }
  | { readonly kind: 'event'; readonly event: 'device.scan-error'; readonly payload: DeskEvents['device.scan-error'] }
  | { readonly kind: 'event'; readonly event: 'devices.status'; readonly payload: DeskEvents['devices.status'] };

// Compile-time check that the parsed forms stay within the wire format.
type AssertWithinWire<T extends { kind: WireToRenderer['kind'] }> = T;
export type ParsedKinds = AssertWithinWire<ParsedMessage>;

type Fields = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const replicatedCollections: readonly ReplicatedCollection[] = ['families', 'cases', 'bookings', 'packages'];
const syncStates: readonly SyncState[] = ['not-enrolled', 'online', 'syncing', 'offline', 'error'];
const deviceKinds: readonly DeviceStatus['device'][] = ['card-scanner', 'fingerprint', 'configuration'];
const deviceStates: readonly DeviceStatus['state'][] = ['ready', 'disconnected', 'off', 'error'];

/** A list of device statuses; entries of kinds or states this page does not know are left out. */
export function parseDeviceStatuses(value: unknown): DeviceStatus[] | null {
  if (!Array.isArray(value)) return null;
  return value.flatMap((entry: unknown): DeviceStatus[] =>
    isRecord(entry) && isOneOf(deviceKinds, entry.device) && isOneOf(deviceStates, entry.state) && typeof entry.detail === 'string'
      ? [{ device: entry.device, state: entry.state, detail: entry.detail }]
      : [],
  );
}

export function parseDeskError(value: unknown): DeskError | null {
  if (!isRecord(value) || typeof value.code !== 'string' || typeof value.message !== 'string') return null;
  return { code: value.code, message: value.message, ...(isRecord(value.details) ? { details: value.details } : {}) };
}

export function parseDeskResult(value: unknown): DeskResult<unknown> | null {
  if (!isRecord(value)) return null;
  if (value.ok === true && 'value' in value) return { ok: true, value: value.value };
  if (value.ok === false) {
    const error = parseDeskError(value.error);
    return error ? { ok: false, error } : null;
  }
  return null;
}

export function parseSyncStatus(value: unknown): SyncStatus | null {
  if (!isRecord(value)) return null;
  const { state, isOnline, serverUrl, lastSyncAt, pendingMutations, lastError, firstSync, updateRequired } = value;
  if (!isOneOf(syncStates, state)) return null;
  if (typeof isOnline !== 'boolean' || typeof pendingMutations !== 'number') return null;
  if (!isStringOrNull(serverUrl) || !isStringOrNull(lastSyncAt)) return null;
  let parsedError: SyncStatus['lastError'] = null;
  if (lastError !== null && lastError !== undefined) {
    if (!isRecord(lastError) || typeof lastError.code !== 'string' || typeof lastError.message !== 'string' || typeof lastError.at !== 'string') return null;
    parsedError = { code: lastError.code, message: lastError.message, at: lastError.at };
  }
  let parsedFirstSync: SyncStatus['firstSync'] = null;
  if (firstSync !== null && firstSync !== undefined) {
    if (
      !isRecord(firstSync) ||
      typeof firstSync.documentsReceived !== 'number' ||
      !Number.isInteger(firstSync.documentsReceived) ||
      firstSync.documentsReceived < 0
    )
      return null;
    parsedFirstSync = { documentsReceived: firstSync.documentsReceived };
  }
  // Absent from an older backend: none.
  let parsedUpdate: SyncStatus['updateRequired'] = null;
  if (updateRequired !== null && updateRequired !== undefined) {
    if (!isRecord(updateRequired) || !isStringOrNull(updateRequired.minimumVersion) || typeof updateRequired.message !== 'string') return null;
    parsedUpdate = { minimumVersion: updateRequired.minimumVersion, message: updateRequired.message };
  }
  return {
    state,
    isOnline,
    serverUrl,
    lastSyncAt,
    pendingMutations,
    lastError: parsedError,
    firstSync: parsedFirstSync,
    updateRequired: parsedUpdate,
  };
}

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** An event's name and payload (from the socket or from Electron's preload) → a typed event, or null. */
export function parseEvent(event: unknown, payload: unknown): Extract<ParsedMessage, { kind: 'event' }> | null {
  switch (event) {
    case 'replication.changed': {
      if (!isRecord(payload) || !Array.isArray(payload.collections)) return null;
      const collections = payload.collections.filter((name) => isOneOf(replicatedCollections, name));
      return { kind: 'event', event, payload: { collections } };
    }
    case 'sync.status': {
      const status = parseSyncStatus(payload);
      return status ? { kind: 'event', event, payload: status } : null;
    }
    case 'notification': {
      if (!isRecord(payload) || typeof payload.caseId !== 'string' || typeof payload.title !== 'string' || typeof payload.body !== 'string') return null;
      return { kind: 'event', event, payload: { caseId: payload.caseId, title: payload.title, body: payload.body } };
    }
    case 'device.scan': {
      if (!isRecord(payload) || typeof payload.schemeMemberId !== 'string' || !isStringOrNull(payload.familyNumber ?? null)) return null;
      return {
        kind: 'event',
        event,
        payload: { schemeMemberId: payload.schemeMemberId, familyNumber: typeof payload.familyNumber === 'string' ? payload.familyNumber : null },
      };
    }
    case 'device.scan-error':
      return isRecord(payload) && typeof payload.message === 'string' ? { kind: 'event', event, payload: { message: payload.message } } : null;
    case 'devices.status': {
      const devices = isRecord(payload) ? parseDeviceStatuses(payload.devices) : null;
      return devices ? { kind: 'event', event, payload: { devices } } : null;
    }
    default:
      return null;
  }
}

/** One socket frame → a typed message, or null when it does not follow the wire format. */
export function parseWireMessage(text: unknown): ParsedMessage | null {
  if (typeof text !== 'string') return null;
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(message)) return null;
  switch (message.kind) {
    case 'hello':
      return typeof message.apiVersion === 'number' ? { kind: 'hello', apiVersion: message.apiVersion } : null;
    case 'answer': {
      if (typeof message.id !== 'number') return null;
      const result = parseDeskResult(message.result);
      // An answer we cannot read still settles its call, as an error, so nothing waits forever.
      return {
        kind: 'answer',
        id: message.id,
        result: result ?? {
          ok: false,
          error: {
            code: 'invalid-answer',
            message: 'The desk backend sent an answer this page cannot read. Reload the page; if it persists, call IT support.',
          },
        },
      };
    }
    case 'event':
      return parseEvent(message.event, message.payload);
    default:
      return null;
  }
}
