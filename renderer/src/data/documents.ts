/**
 * The documents of the renderer's read model, one type per replicated collection.
 *
 * The contract types a replicated document only as `{ id, _deleted, ...unknown }`; these are the
 * shapes this renderer expects the desk backend to send on 'replication.pull'. They reuse the
 * contract's view types so a screen can show a replicated document or a channel answer alike:
 *   families  FamilyView + id (= familyId)
 *   cases     CaseView without its bookings (they are their own collection) + id (= caseId)
 *             + hasPendingChanges (from CaseListItem: something of it waits in the desk outbox)
 *   bookings  BookingView + id (= bookingId)
 *   packages  PackageView + id (= code)
 * Proposed for the contract as `ReplicatedDocuments` (see renderer/README.md).
 */
import type { BookingView, CaseView, FamilyView, PackageView, ReplicatedCollection } from '@desk-api/contract';

export type FamilyDocument = FamilyView & { readonly id: string };
export type CaseDocument = Omit<CaseView, 'bookings'> & { readonly id: string; readonly hasPendingChanges: boolean };
export type BookingDocument = BookingView & { readonly id: string };
export type PackageDocument = PackageView & { readonly id: string };

export interface DocumentOf {
  families: FamilyDocument;
  cases: CaseDocument;
  bookings: BookingDocument;
  packages: PackageDocument;
}

// Every replicated collection has a document type, and nothing else does.
export type CheckCollections = [ReplicatedCollection] extends [keyof DocumentOf] ? ([keyof DocumentOf] extends [ReplicatedCollection] ? true : never) : never;
export const collectionsCovered: CheckCollections = true;

export const replicatedCollections = ['families', 'cases', 'bookings', 'packages'] as const satisfies readonly ReplicatedCollection[];

/** A case view from a case document and its bookings (the shape cases.view answers with). */
export function caseViewOf(document: CaseDocument, bookings: readonly BookingView[]): CaseView {
  const { id: _id, hasPendingChanges: _hasPendingChanges, ...view } = document;
  return { ...view, bookings };
}
