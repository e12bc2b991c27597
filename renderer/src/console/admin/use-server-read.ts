import { useCallback, useEffect, useState } from 'react';
import { useConsole } from '../app/console-context';
import type { ConsoleError } from '../data/api';
import { failed, loading, ready, type Loadable, type Reloadable } from '../../shared/loadable';

/**
 * A server read that is not a replicated queue (reference data, reports): fetched on mount, again
 * whenever `version` changes (e.g. the live claims collection moved) and on reload() after a command.
 * The answer's own computedAt stays in the value.
 */
export function useServerRead<T>(path: string, version: unknown = null): Reloadable<T, ConsoleError> {
  const { api } = useConsole();
  const [read, setRead] = useState<Loadable<T, ConsoleError>>(loading);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let isCurrent = true;
    void api.get<T>(path).then((answer) => {
      if (!isCurrent) return;
      setRead(answer.ok ? ready(answer.value) : failed(answer.error));
    });
    return () => {
      isCurrent = false;
    };
  }, [api, path, version, tick]);
  return { ...read, reload };
}
