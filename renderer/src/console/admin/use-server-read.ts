import { useCallback, useEffect, useState } from 'react';
import { useConsole } from '../app/console-context';
import type { ConsoleError } from '../data/api';

export type ServerRead<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: ConsoleError }
  | { readonly state: 'loaded'; readonly value: T; readonly computedAt: string | null };

/**
 * A server read that is not a replicated queue (reference data, reports): fetched on mount, again
 * whenever `version` changes (e.g. the live claims collection moved) and on reload() after a command.
 */
export function useServerRead<T>(path: string, version: unknown = null): { readonly read: ServerRead<T>; readonly reload: () => void } {
  const { api } = useConsole();
  const [read, setRead] = useState<ServerRead<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let isCurrent = true;
    void api.get<T & { computedAt?: string }>(path).then((answer) => {
      if (!isCurrent) return;
      setRead(answer.ok ? { state: 'loaded', value: answer.value, computedAt: answer.value.computedAt ?? null } : { state: 'failed', error: answer.error });
    });
    return () => {
      isCurrent = false;
    };
  }, [api, path, version, tick]);
  return { read, reload };
}
