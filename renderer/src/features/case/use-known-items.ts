import { map } from 'rxjs';
import { useDesk } from '../../app/desk-context';
import { useObservable } from '../../shared/hooks/use-observable';

export interface KnownItem {
  readonly itemCode: string;
  readonly description: string;
  readonly unitPrice: number;
}

/**
 * Items this desk has booked before, from the replica, latest price first. The desk API has no item
 * catalogue yet; until it has, these make repeat entries quick and anything else is free entry.
 */
export function useKnownItems(): readonly KnownItem[] {
  const { database } = useDesk();
  return useObservable(
    () =>
      database.bookings.find({ sort: [{ createdAt: 'desc' }] }).$.pipe(
        map((bookings) => {
          const items = new Map<string, KnownItem>();
          for (const booking of bookings) {
            if (!items.has(booking.itemCode))
              items.set(booking.itemCode, { itemCode: booking.itemCode, description: booking.description, unitPrice: booking.unitPrice });
          }
          return [...items.values()].sort((a, b) => a.itemCode.localeCompare(b.itemCode));
        }),
      ),
    [],
    [database],
  );
}
