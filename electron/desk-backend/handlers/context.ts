import type { CommandName } from '@contract/commands';
import type { CommandResultOf, OnlineCommand } from '@contract/results';
import type { DeskApiHandlers, DeskChannel, DeskResult, ReplicatedCollection, ReplicatedDocument } from '../../desk-api/contract';
import type { BiometricVault } from '../biometric-vault';
import type { ReplicaDatabase } from '../database';
import type { DeviceManager } from '../devices';
import type { Feed } from '../feed';
import type { DeskReads } from '../reads';
import type { SecretStore } from '../secret-store';
import type { SyncServerClient } from '../server-client';
import type { DeskIdentity } from '../session';
import type { SyncEngine } from '../sync-engine';
import type { DeskBackendOptions, OperatorSlot } from '../backend';
import type { OperatorSigner } from '../operator-key';
import type { DocumentQueue } from '../document-queue';

/**
 * What a handler module may use of the desk backend (backend.ts): the replica, its reads and
 * feed, the sync engine, devices and biometrics, and the few operations every module shares.
 */
export interface DeskCore {
  readonly db: ReplicaDatabase;
  readonly reads: DeskReads;
  readonly feed: Feed;
  readonly engine: SyncEngine;
  readonly devices: DeviceManager;
  readonly biometrics: BiometricVault;
  readonly secrets: SecretStore;
  readonly options: DeskBackendOptions;
  readonly faceMatchThreshold: number;
  /** The keys of the operators signed in on any connection (issue 13 item 4): a pull carries one's proof. */
  readonly signers: Set<OperatorSigner>;
  /** Supporting documents queued here (issue 19), uploaded in order with the outbox. */
  readonly documents: DocumentQueue;
  /** A document was queued: start a cycle that uploads it (after the command has answered). */
  nudgeUploads(): void;
  /** The server client, null until the desk is enrolled. */
  client(): SyncServerClient | null;
  /** After enrollment: talk to this server with the stored credential from now on. */
  connect(serverUrl: string): void;
  /** The desk's enrolled identity (desk, hospital, scheme), null before enrollment. */
  identity(): DeskIdentity | null;
  /** An optimistic row shown until the server's answer replaces it (pending_rows). */
  addPending(kind: string, id: string, caseId: string | null, familyId: string | null, commandId: string, doc: Record<string, unknown>): void;
  /** The family of a case this desk knows (server row or its own pending admission). */
  familyOfCase(caseId: string): string | null;
  /** One read-model document for the renderer's RxDB collection. */
  document(collection: ReplicatedCollection, id: string): ReplicatedDocument;
}

/** The operations of one renderer connection's slot (who is signed in there). */
export interface SlotTools {
  readonly slot: OperatorSlot;
  /** `not-signed-in` until an operator has signed in on this slot, else null. */
  signedOut(): DeskResult<never> | null;
  /** `not-signed-in` or `forbidden-role` unless a MEDCO is signed in on this slot, else null. */
  requireMedco(): DeskResult<never> | null;
  /** Queue a command in the outbox with its optimistic rows, in one transaction. */
  queue(name: CommandName, body: Record<string, unknown>, optimistic?: (commandId: string) => void): DeskResult<null>;
  /** An online-only command (one-time codes, biometric enrolment): sent now, answered now. */
  online<N extends OnlineCommand, T>(name: N, body: Record<string, unknown>, shape: (result: CommandResultOf<N>) => T): Promise<DeskResult<T>>;
}

/** One handler module: the channels of one concept, for one renderer connection. */
export type HandlerModule<K extends DeskChannel> = (desk: DeskCore, tools: SlotTools) => Pick<DeskApiHandlers, K>;

export const ok = <T>(value: T): DeskResult<T> => ({ ok: true, value });
export const failure = (code: string, message: string, details?: Record<string, unknown>): DeskResult<never> => ({
  ok: false,
  error: { code, message, ...(details ? { details } : {}) },
});

/** Remember that this desk works with a family (its scope for pulls). */
export function keepFamily(desk: DeskCore, familyId: string, at = new Date().toISOString()): void {
  desk.db.prepare('INSERT INTO desk_families (family_id, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(familyId, at);
}
