/**
 * Loading and error states for every desk API request. Errors are the DeskError the backend sent,
 * shown as its message: the backend words them for operators.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeskAnswer, DeskArgs, DeskChannel, DeskError, ReplicatedCollection } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { failed, loading, ready, type Loadable, type Reloadable } from '../loadable';

export type Answered<C extends DeskChannel> = Extract<DeskAnswer<C>, { ok: true }>['value'];

export type QueryState<T> = Loadable<T, DeskError>;

/**
 * Read through a channel. With `refetchOn`, the answer is refreshed whenever the backend says one of
 * those collections changed, so channel-backed screens stay as live as replica-backed ones.
 */
export function useDeskQuery<C extends DeskChannel>(
  channel: C,
  args: DeskArgs<C>,
  options: { readonly refetchOn?: readonly ReplicatedCollection[]; readonly isEnabled?: boolean } = {},
): Reloadable<Answered<C>, DeskError> {
  const { client } = useDesk();
  const [state, setState] = useState<QueryState<Answered<C>>>(loading);
  const [generation, setGeneration] = useState(0);
  // Callers build `args` inline on every render; its JSON says when the request really changes.
  const argsKey = JSON.stringify(args);
  const argsRef = useRef(args);
  argsRef.current = args;
  const isEnabled = options.isEnabled ?? true;
  const refetchKey = (options.refetchOn ?? []).join(',');

  useEffect(() => {
    if (!isEnabled) return;
    let isCurrent = true;
    void client.call(channel, argsRef.current).then((answer) => {
      if (!isCurrent) return;
      // A refresh keeps showing the previous answer until the new one is in: no flicker to "loading".
      setState(answer.ok ? ready(answer.value as Answered<C>) : failed(answer.error));
    });
    return () => {
      isCurrent = false;
    };
  }, [client, channel, argsKey, generation, isEnabled]);

  useEffect(() => {
    if (refetchKey === '') return;
    const collections = refetchKey.split(',');
    return client.on('replication.changed', (payload) => {
      if (payload.collections.some((collection) => collections.includes(collection))) setGeneration((value) => value + 1);
    });
  }, [client, refetchKey]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

export type CommandState =
  { readonly status: 'idle' } | { readonly status: 'running' } | { readonly status: 'failed'; readonly error: DeskError } | { readonly status: 'done' };

/** Send commands one at a time from a form: a second Enter while the first is running does nothing. */
export function useDeskCommand(): {
  readonly state: CommandState;
  run<C extends DeskChannel>(channel: C, args: DeskArgs<C>): Promise<DeskAnswer<C> | null>;
  reset(): void;
} {
  const { client } = useDesk();
  const [state, setState] = useState<CommandState>({ status: 'idle' });
  const isRunning = useRef(false);
  const isMounted = useRef(true);
  useEffect(() => {
    isMounted.current = true;
    return () => {
      isMounted.current = false;
    };
  }, []);

  const run = useCallback(
    async <C extends DeskChannel>(channel: C, args: DeskArgs<C>): Promise<DeskAnswer<C> | null> => {
      if (isRunning.current) return null;
      isRunning.current = true;
      setState({ status: 'running' });
      const answer = await client.call(channel, args);
      isRunning.current = false;
      if (isMounted.current) setState(answer.ok ? { status: 'done' } : { status: 'failed', error: answer.error });
      return answer;
    },
    [client],
  );

  const reset = useCallback(() => setState({ status: 'idle' }), []);
  return { state, run, reset };
}
