/**
 * The documents of the renderer's read model, one type per replicated collection.
 *
 * The contract types a replicated document only as `{ id, _deleted, ...unknown }`; these are the
 * shapes this renderer expects the desk backend to send on 'replication.pull'. They reuse the
 * contract's view types so a screen can show a replicated document or a channel answer alike:
 *   families  FamilyView + id (= familyId)
 *   cases     CaseListItem + id (= caseId): the list's row; a case's detail comes from cases.view
 *   bookings  BookingView + id (= bookingId)
 *   packages  PackageView + id (= code)
 * This is what electron/desk-backend sends; proposed for the contract as `ReplicatedDocuments`
 * (see renderer/README.md) so the two sides cannot drift.
 */
import type { BookingView, CaseListItem, FamilyView, PackageView, ReplicatedCollection } from '@desk-api/contract';

export type FamilyDocument = FamilyView & { readonly id: string };
export type CaseDocument = CaseListItem & { readonly id: string };
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
