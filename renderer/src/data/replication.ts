/**
 * Pull-only replication of the read model from the desk backend, with RxDB's own replication
 * primitive: `pull.handler` calls the 'replication.pull' channel with the last checkpoint, and
 * `pull.stream$` emits 'RESYNC' whenever the backend says a collection changed or the link to the
 * backend comes back (events sent while it was down are lost, so every reconnect re-pulls).
 * 'replication.changed' names collections but carries no documents, so each poke is a RESYNC:
 * RxDB then pulls from its checkpoint until it has everything.
 *
 * There is no push: the renderer never writes its replica (see database.ts).
 */
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { RxCollection, WithDeleted } from 'rxdb/plugins/core';
import type { DeskApiClient, DeskError, ReplicatedCollection, ReplicatedDocument, ReplicationCheckpoint } from '@desk-api/contract';
import type { DeskLink } from '../desk-client/desk-link';
import type { DeskDatabase } from './database';
import { replicatedCollections, type DocumentOf } from './documents';
import { conformsTo, schemaOf, schemaProblem } from './schemas';

export interface ReplicaStatus {
  /** Every collection has finished its first pull: an empty query result now means "none", not "not yet". */
  readonly isReady: boolean;
  /** The latest pull failure per collection; cleared by that collection's next successful pull. */
  readonly errors: Readonly<Partial<Record<ReplicatedCollection, DeskError>>>;
}

export interface ReadModelReplication {
  readonly status$: Observable<ReplicaStatus>;
  status(): ReplicaStatus;
  /** Resolves when every collection has pulled everything the backend had announced. */
  awaitInSync(): Promise<void>;
  cancel(): Promise<void>;
}

export interface ReplicationOptions {
  readonly batchSize?: number;
  /** Wait before retrying a failed pull; RxDB's default of 5 s is long for a desk operator watching a spinner. */
  readonly retryTimeMs?: number;
}

/** Thrown from the pull handler so RxDB retries; its message is the operator-facing DeskError message. */
class PullFailure extends Error {
  constructor(readonly deskError: DeskError) {
    super(deskError.message);
    this.name = 'PullFailure';
  }
}

/**
 * Deleted documents may arrive as bare tombstones ({ id, _deleted: true }). RxDB still stores them
 * (deleted documents are kept for replication), so they get the schema's required fields with
 * neutral values; no query ever returns them.
 */
function tombstone<C extends ReplicatedCollection>(collection: C, id: string): WithDeleted<DocumentOf[C]> {
  const blanks: { readonly [K in ReplicatedCollection]: WithDeleted<DocumentOf[K]> } = {
    families: {
      id,
      familyId: id,
      familyNumber: '',
      district: '',
      registeredPhoneEnding: '',
      pendingAmount: 0,
      members: [],
      activeCases: [],
      balance: { value: { cover: 0, committed: 0, available: 0 }, confirmedAt: null },
      _deleted: true,
    },
    cases: {
      id,
      caseId: id,
      memberName: '',
      schemeMemberId: '',
      status: 'cancelled',
      preauthStatus: 'cancelled',
      packageCode: null,
      holdAmount: null,
      bookingSum: 0,
      admittedAt: '',
      hasPendingChanges: false,
      _deleted: true,
    },
    bookings: {
      id,
      bookingId: id,
      caseId: '',
      itemCode: '',
      description: '',
      quantity: 1,
      unitPrice: 0,
      amount: 0,
      coveredAmount: null,
      shortfallAmount: null,
      status: 'rejected',
      isVoided: true,
      reason: null,
      createdAt: '',
      _deleted: true,
    },
    packages: { id, code: id, name: '', specialty: '', isUnspecified: false, price: 0, version: 0, _deleted: true },
  };
  return blanks[collection];
}

/** The parse boundary: a pulled document becomes a typed one or the pull fails, naming the field. */
export function toReplicaDocument<C extends ReplicatedCollection>(collection: C, document: ReplicatedDocument): WithDeleted<DocumentOf[C]> {
  // conformsTo checks every top-level field the schema declares; nested views are the contract's types.
  if (conformsTo(collection, document)) return { ...document, _deleted: document._deleted === true };
  if (document._deleted === true && typeof document.id === 'string') return tombstone(collection, document.id);
  const problem = schemaProblem(schemaOf[collection], document) ?? 'unknown problem';
  throw new PullFailure({
    code: 'invalid-replica-document',
    message: `The desk backend sent a ${collection} record this page cannot read (${problem}). The list may be out of date; call IT support if this stays.`,
    details: { collection, id: typeof document.id === 'string' ? document.id : null },
  });
}

function replicateCollection<C extends ReplicatedCollection>(
  name: C,
  collection: RxCollection<DocumentOf[C]>,
  client: DeskApiClient,
  resync$: Observable<'RESYNC'>,
  onPull: (name: C, error: DeskError | null) => void,
  options: ReplicationOptions,
): RxReplicationState<DocumentOf[C], ReplicationCheckpoint> {
  return replicateRxCollection<DocumentOf[C], ReplicationCheckpoint>({
    replicationIdentifier: `coverdesk-desk-api-pull-${name}`,
    collection,
    live: true,
    // One renderer per page and nothing to elect; keep pulling when the window is in the background.
    waitForLeadership: false,
    toggleOnDocumentVisible: false,
    retryTime: options.retryTimeMs ?? 2_000,
    pull: {
      batchSize: options.batchSize ?? 200,
      stream$: resync$,
      handler: async (checkpoint, batchSize) => {
        const answer = await client.call('replication.pull', { collection: name, checkpoint: checkpoint ?? null, limit: batchSize });
        if (!answer.ok) {
          onPull(name, answer.error);
          throw new PullFailure(answer.error);
        }
        try {
          const documents = answer.value.documents.map((document) => toReplicaDocument(name, document));
          onPull(name, null);
          return { documents, checkpoint: answer.value.checkpoint ?? undefined };
        } catch (error) {
          if (error instanceof PullFailure) onPull(name, error.deskError);
          throw error;
        }
      },
    },
  });
}

/** Start replicating every collection of the read model; cancel it on sign-out. */
export function replicateReadModel(database: DeskDatabase, client: DeskApiClient & DeskLink, options: ReplicationOptions = {}): ReadModelReplication {
  const status$ = new BehaviorSubject<ReplicaStatus>({ isReady: false, errors: {} });
  const resyncs = new Map<ReplicatedCollection, Subject<'RESYNC'>>(replicatedCollections.map((name) => [name, new Subject<'RESYNC'>()]));
  const onPull = (name: ReplicatedCollection, error: DeskError | null): void => {
    const current = status$.getValue();
    if ((current.errors[name] ?? null) === error) return;
    const errors = { ...current.errors };
    if (error) errors[name] = error;
    else delete errors[name];
    status$.next({ ...current, errors });
  };
  const resync = (name: ReplicatedCollection): void => resyncs.get(name)?.next('RESYNC');

  const states = [
    replicateCollection('families', database.families, client, resyncs.get('families')!, onPull, options),
    replicateCollection('cases', database.cases, client, resyncs.get('cases')!, onPull, options),
    replicateCollection('bookings', database.bookings, client, resyncs.get('bookings')!, onPull, options),
    replicateCollection('packages', database.packages, client, resyncs.get('packages')!, onPull, options),
  ];

  const stopChanges = client.on('replication.changed', ({ collections }) => collections.forEach(resync));
  let wasOpen = client.linkStatus().state === 'open';
  const stopLink = client.onLinkStatus(({ state }) => {
    const isOpen = state === 'open';
    if (isOpen && !wasOpen) replicatedCollections.forEach(resync);
    wasOpen = isOpen;
  });

  void Promise.all(states.map((state) => state.awaitInitialReplication())).then(
    () => status$.next({ ...status$.getValue(), isReady: true }),
    // Cancelled before the first pull finished (sign-out): nothing to report.
    () => undefined,
  );

  return {
    status$: status$.asObservable(),
    status: () => status$.getValue(),
    awaitInSync: async () => {
      await Promise.all(states.map((state) => state.awaitInSync()));
    },
    cancel: async () => {
      stopChanges();
      stopLink();
      await Promise.all(states.map((state) => state.cancel()));
      for (const subject of resyncs.values()) subject.complete();
      status$.complete();
    },
  };
}
