/**
 * A record for a screen, kept live: from the replica when it holds it (it changes as replication
 * brings news), otherwise from the desk API channel, re-read when the backend says the collections
 * it depends on changed. A family outside this desk's replica still shows, and still updates.
 */
import { map } from 'rxjs';
import type { CaseView, DeskError, FamilyView } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import type { CaseDocument, FamilyDocument } from '../../data/documents';
import { useObservable } from './use-observable';
import { useDeskQuery } from './use-desk-request';
import { loading, type Loadable, type Reloadable } from '../loadable';

/** A Loadable whose value says where it came from; an error can be retried. */
export type LiveRecord<T> =
  | Exclude<Loadable<T, DeskError>, { readonly status: 'error' } | { readonly status: 'ready' }>
  | { readonly status: 'error'; readonly error: DeskError; readonly reload: () => void }
  | { readonly status: 'ready'; readonly value: T; readonly source: 'replica' | 'desk' };

/** undefined: the replica has not answered yet; null: it does not hold the record. */
type ReplicaAnswer<T> = T | null | undefined;

export function useFamily(familyId: string): LiveRecord<FamilyView> {
  const { database } = useDesk();
  const replica = useObservable<ReplicaAnswer<FamilyDocument>>(
    () => database.families.findOne(familyId).$.pipe(map((document) => (document ? document.toJSON() : null))),
    undefined,
    [database, familyId],
  );
  const fallback = useDeskQuery('families.view', { familyId }, { refetchOn: ['families', 'cases'], isEnabled: replica === null });
  return combine(replica, fallback);
}

/** hasPendingChanges comes from the replica's case row; null until it has the case. */
export type LiveCase = CaseView & { readonly hasPendingChanges: boolean | null };

/**
 * A case's detail through cases.view (the replica holds only its list row), re-read whenever the
 * backend announces a change to cases, bookings or families: pre-auth decisions, placed bookings and
 * holds show up while the screen is open.
 */
export function useCase(caseId: string): LiveRecord<LiveCase> {
  const { database } = useDesk();
  const row = useObservable<ReplicaAnswer<CaseDocument>>(
    () => database.cases.findOne(caseId).$.pipe(map((found) => (found ? found.toJSON() : null))),
    undefined,
    [database, caseId],
  );
  const detail = useDeskQuery('cases.view', { caseId }, { refetchOn: ['cases', 'bookings', 'families'] });
  switch (detail.status) {
    case 'loading':
      return loading;
    case 'error':
      return { status: 'error', error: detail.error, reload: detail.reload };
    case 'ready':
      return { status: 'ready', value: { ...detail.value, hasPendingChanges: row ? row.hasPendingChanges : null }, source: 'desk' };
  }
}

type FallbackState<T> = Reloadable<T, DeskError>;

function combine<T>(replica: ReplicaAnswer<T>, fallback: FallbackState<T>): LiveRecord<T> {
  if (replica) return { status: 'ready', value: replica, source: 'replica' };
  if (replica === undefined) return loading;
  switch (fallback.status) {
    case 'loading':
      return loading;
    case 'error':
      return { status: 'error', error: fallback.error, reload: fallback.reload };
    case 'ready':
      return { status: 'ready', value: fallback.value, source: 'desk' };
  }
}
