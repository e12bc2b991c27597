import { useEffect, useState } from 'react';
import type { Observable } from 'rxjs';

/**
 * The latest value of an observable, re-subscribing when `deps` change. Used for RxDB live queries:
 * the screen re-renders whenever replication changes what the query returns.
 */
export function useObservable<T>(create: () => Observable<T>, initial: T, deps: readonly unknown[]): T {
  const [value, setValue] = useState<T>(initial);
  useEffect(() => {
    setValue(initial);
    const subscription = create().subscribe({
      next: setValue,
      error: (error: unknown) => console.error('live query failed', error instanceof Error ? error.name : 'unknown'),
    });
    return () => subscription.unsubscribe();
    // `create` and `initial` are rebuilt every render; `deps` says when they really change.
  }, deps);
  return value;
}
