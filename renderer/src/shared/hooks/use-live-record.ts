/**
 * A record for a screen: from the replica when it holds it (live: it changes as replication brings
 * news), otherwise from the desk API channel, refreshed when the backend says its collections
 * changed. Screens therefore work for a family outside this desk's replica and for a case admitted
 * a moment ago that replication has not brought yet.
 */
import { map } from 'rxjs';
import type { BookingView, CaseView, DeskError, FamilyView } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { caseViewOf, type CaseDocument, type FamilyDocument } from '../../data/documents';
import { useObservable } from './use-observable';
import { useDeskQuery } from './use-desk-request';

export type LiveRecord<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: DeskError; readonly reload: () => void }
  | { readonly status: 'ready'; readonly value: T; readonly source: 'replica' | 'desk' };

/** undefined: the replica has not answered yet; null: it does not hold the record. */
type ReplicaAnswer<T> = T | null | undefined;

export function useFamily(familyId: string): LiveRecord<FamilyView> {
  const { database } = useDesk();
  const replica = useObservable<ReplicaAnswer<FamilyDocument>>(() => database.families.findOne(familyId).$.pipe(map((document) => (document ? document.toJSON() : null))), undefined, [database, familyId]);
  const fallback = useDeskQuery('families.view', { familyId }, { refetchOn: ['families', 'cases'], isEnabled: replica === null });
  return combine(replica, fallback);
}

/** hasPendingChanges is null when the case came from the channel, which does not say. */
export type LiveCase = CaseView & { readonly hasPendingChanges: boolean | null };

export function useCase(caseId: string): LiveRecord<LiveCase> {
  const { database } = useDesk();
  const document = useObservable<ReplicaAnswer<CaseDocument>>(() => database.cases.findOne(caseId).$.pipe(map((found) => (found ? found.toJSON() : null))), undefined, [database, caseId]);
  const bookings = useObservable<readonly BookingView[] | undefined>(
    () => database.bookings.find({ selector: { caseId }, sort: [{ createdAt: 'asc' }] }).$.pipe(map((found) => found.map((booking) => booking.toJSON()))),
    undefined,
    [database, caseId],
  );
  const fallback = useDeskQuery('cases.view', { caseId }, { refetchOn: ['cases', 'bookings'], isEnabled: document === null });
  if (document && bookings) return { status: 'ready', value: { ...caseViewOf(document, bookings), hasPendingChanges: document.hasPendingChanges }, source: 'replica' };
  if (document === undefined || (document && !bookings)) return { status: 'loading' };
  if (fallback.status === 'ready') return { status: 'ready', value: { ...fallback.value, hasPendingChanges: null }, source: 'desk' };
  return fallback.status === 'error' ? { status: 'error', error: fallback.error, reload: fallback.reload } : { status: 'loading' };
}

type FallbackState<T> = ({ readonly status: 'loading' } | { readonly status: 'error'; readonly error: DeskError } | { readonly status: 'ready'; readonly value: T }) & { reload(): void };

function combine<T>(replica: ReplicaAnswer<T>, fallback: FallbackState<T>): LiveRecord<T> {
  if (replica) return { status: 'ready', value: replica, source: 'replica' };
  if (replica === undefined) return { status: 'loading' };
  switch (fallback.status) {
    case 'loading':
      return { status: 'loading' };
    case 'error':
      return { status: 'error', error: fallback.error, reload: fallback.reload };
    case 'ready':
      return { status: 'ready', value: fallback.value, source: 'desk' };
  }
}
