/**
 * Live pull replication of the console's collections from the server's console feed, with RxDB's
 * replication primitive: `pull.handler` asks /console/feed/pull for a page after the checkpoint;
 * `pull.stream$` emits 'RESYNC' on every poke of the change stream (one arrives on each (re)connect,
 * so nothing sent while the link was down is missed). Only the collections the operator's roles may
 * pull are replicated. No push: decisions are commands.
 */
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { WithDeleted } from 'rxdb/plugins/core';
import type { ConsoleApi, ConsoleCheckpoint, ConsoleError } from './api';
import type { ConsoleDatabase } from './database';
import type { ConsoleCollectionName, ConsoleDocumentOf } from './documents';
import { consoleDocumentProblem } from './schemas';
import type { TurnaroundStage } from '@domain/turnaround';
import { openChangeStream, type LinkState } from './stream';

export interface ConsoleReplicaStatus {
  /** Every replicated collection has finished its first pull. */
  readonly isReady: boolean;
  readonly link: LinkState;
  /** The latest pull failure, cleared by the next successful pull. */
  readonly error: ConsoleError | null;
  /** When the last pull succeeded (the data is at least this fresh). */
  readonly pulledAt: string | null;
}

export interface ConsoleReplication {
  readonly status$: Observable<ConsoleReplicaStatus>;
  status(): ConsoleReplicaStatus;
  /** Pull now (after a decision, so the queue moves without waiting for the poke). */
  resync(): void;
  /**
   * How many pokes the change stream has brought: a screen showing a server read that is not a
   * replicated collection (the clock queue) reads it again when this moves, so it is live too.
   */
  readonly pokes$: Observable<number>;
  /**
   * The stages of the operator's roles that passed their service level while this console was
   * open (the stream's `breach` events; count: how many arrived), latest first.
   */
  readonly breaches$: Observable<BreachNotices>;
  awaitInSync(): Promise<void>;
  cancel(): Promise<void>;
}

export interface BreachNotices {
  readonly count: number;
  readonly stages: readonly TurnaroundStage[];
}

class PullFailure extends Error {
  constructor(readonly consoleError: ConsoleError) {
    super(consoleError.message);
    this.name = 'PullFailure';
  }
}

/** The parse boundary: a pulled document is stored only if its top-level fields fit the collection. */
export function toConsoleDocument<C extends ConsoleCollectionName>(collection: C, document: Record<string, unknown>): WithDeleted<ConsoleDocumentOf[C]> {
  const problem = consoleDocumentProblem(collection, document);
  if (problem) {
    throw new PullFailure({
      code: 'invalid-replica-document',
      message: `The server sent a ${collection} record this page cannot read (${problem}). Reload the page; call IT support if this stays.`,
      // What the sentence is made of, so the console can say it in the operator's language.
      details: { collection, problem },
    });
  }
  return { ...(document as unknown as ConsoleDocumentOf[C]), _deleted: false };
}

export function replicateConsole(
  database: ConsoleDatabase,
  api: ConsoleApi,
  collections: readonly ConsoleCollectionName[],
  options: { readonly onExpired: () => void; readonly batchSize?: number },
): ConsoleReplication {
  const status$ = new BehaviorSubject<ConsoleReplicaStatus>({ isReady: false, link: 'connecting', error: null, pulledAt: null });
  const update = (change: Partial<ConsoleReplicaStatus>) => status$.next({ ...status$.getValue(), ...change });
  const resync$ = new Subject<'RESYNC'>();

  const states: RxReplicationState<unknown, ConsoleCheckpoint>[] = collections.map(
    (name) =>
      replicateRxCollection<ConsoleDocumentOf[typeof name], ConsoleCheckpoint>({
        replicationIdentifier: `coverdesk-console-pull-${name}`,
        collection: database[name] as never,
        live: true,
        waitForLeadership: false,
        toggleOnDocumentVisible: false,
        retryTime: 2_000,
        pull: {
          batchSize: options.batchSize ?? 500,
          stream$: resync$.asObservable(),
          handler: async (checkpoint, batchSize) => {
            const answer = await api.pull(name, checkpoint ?? null, batchSize);
            if (!answer.ok) {
              update({ error: answer.error });
              throw new PullFailure(answer.error);
            }
            try {
              const documents = answer.value.documents.map((document) => toConsoleDocument(name, document));
              update({ error: null, pulledAt: new Date().toISOString() });
              return { documents, checkpoint: answer.value.checkpoint };
            } catch (error) {
              if (error instanceof PullFailure) update({ error: error.consoleError });
              throw error;
            }
          },
        },
      }) as unknown as RxReplicationState<unknown, ConsoleCheckpoint>,
  );

  // The link is down when the stream is, or when any request finds the server unreachable (an open
  // stream can outlive the network); a pull is then retried until one gets through.
  let streamLink: LinkState = 'connecting';
  let isReachable = true;
  const showLink = () => update({ link: isReachable ? streamLink : 'down' });
  const pokes$ = new BehaviorSubject(0);
  const breaches$ = new BehaviorSubject<BreachNotices>({ count: 0, stages: [] });
  const closeStream = openChangeStream(() => api.streamRequest(), {
    onPoke: () => {
      resync$.next('RESYNC');
      pokes$.next(pokes$.getValue() + 1);
    },
    onBreach: (stages) => {
      const { count, stages: before } = breaches$.getValue();
      breaches$.next({ count: count + 1, stages: [...stages, ...before.filter((stage) => !stages.includes(stage))] });
    },
    onLink: (link) => {
      streamLink = link;
      showLink();
    },
    onExpired: options.onExpired,
  });
  const stopReachability = api.onReachability((reachable) => {
    isReachable = reachable;
    showLink();
    if (!reachable) resync$.next('RESYNC');
  });

  void Promise.all(states.map((state) => state.awaitInitialReplication())).then(
    () => update({ isReady: true }),
    () => undefined,
  );

  return {
    status$: status$.asObservable(),
    status: () => status$.getValue(),
    resync: () => resync$.next('RESYNC'),
    pokes$: pokes$.asObservable(),
    breaches$: breaches$.asObservable(),
    awaitInSync: async () => {
      await Promise.all(states.map((state) => state.awaitInSync()));
    },
    cancel: async () => {
      closeStream();
      stopReachability();
      await Promise.all(states.map((state) => state.cancel()));
    },
  };
}
