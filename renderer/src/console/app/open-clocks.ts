import { useEffect, useState } from 'react';
import type { ClockQueueValue, OpenClockValue } from '@contract/turnaround';
import type { TurnaroundStage } from '@domain/turnaround';
import { useTranslator } from '../../i18n/LanguageProvider';
import { useServerRead } from '../admin/use-server-read';
import type { ConsoleError } from '../data/api';
import type { BreachNotices } from '../data/replication';
import type { Reloadable } from '../../shared/loadable';
import { useConsole, useNow } from './console-context';
import { timeLeft, type TimeLeft } from './waiting';

/** Which stage a queue row is, and of what: the case (pre-auth stages), the enhancement or the claim. */
export interface ClockOf {
  readonly stage: TurnaroundStage;
  readonly caseId: string;
  readonly enhancementId?: string;
  readonly claimId?: string;
}

export type OpenClocks = (of: ClockOf) => OpenClockValue | null;

function keyOf(stage: string, caseId: string, enhancementId: string | null, claimId: string | null): string {
  return `${stage}|${enhancementId ?? claimId ?? caseId}`;
}

/**
 * `GET /queues/clocks`: the open stages this operator's roles own, from the audit-trail clocks, read
 * again on every poke of the change stream, every breach notice of a stage the roles own (the
 * stream's `breach` event) and every minute.
 */
export function useClockQueue(): Reloadable<ClockQueueValue, ConsoleError> {
  const { replication } = useConsole();
  const [pokes, setPokes] = useState(0);
  const [breaches, setBreaches] = useState(0);
  const [minute, setMinute] = useState(0);
  useEffect(() => {
    const subscriptions = [replication.pokes$.subscribe(setPokes), replication.breaches$.subscribe((notices) => setBreaches(notices.count))];
    const timer = setInterval(() => setMinute((n) => n + 1), 60_000);
    return () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      clearInterval(timer);
    };
  }, [replication]);
  return useServerRead<ClockQueueValue>('/queues/clocks', `${pokes}:${breaches}:${minute}`);
}

/** The breach notices that reached this console (the stream's `breach` events, issue 15). */
export function useBreachNotices(): BreachNotices {
  const { replication } = useConsole();
  const [notices, setNotices] = useState<BreachNotices>({ count: 0, stages: [] });
  useEffect(() => {
    const subscription = replication.breaches$.subscribe(setNotices);
    return () => subscription.unsubscribe();
  }, [replication]);
  return notices;
}

/**
 * The clock of each queue row (useClockQueue: started and paused by audit-trail entries, so a queue
 * never keeps a clock of its own). Until the first read, every row has none.
 */
export function useOpenClocks(): OpenClocks {
  const read = useClockQueue();
  const items = read.status === 'ready' ? read.value.items : [];
  const byKey = new Map(items.map((item) => [keyOf(item.stage, item.caseId, item.enhancementId, item.claimId), item]));
  return (of) => byKey.get(keyOf(of.stage, of.caseId, of.enhancementId ?? null, of.claimId ?? null)) ?? null;
}

/** Each row's time left against its stage's service level at the console's `now` (null: no clock read). */
export function useTimeLeft(): (of: ClockOf) => TimeLeft | null {
  const clocks = useOpenClocks();
  const now = useNow();
  const { t } = useTranslator();
  return (of) => {
    const clock = clocks(of);
    return clock ? timeLeft(clock, now, t) : null;
  };
}
