/**
 * The console's change stream: server-sent events read with fetch (EventSource cannot send a bearer
 * token). Every `poke` (including the one on each (re)connect) asks the replication to pull; a
 * `breach` names the stages of the operator's roles that just passed their service level (issue
 * 15: the server sends it only to the roles owning them); an `expired` event or a 401 ends the
 * session; a dropped stream reconnects with backoff and reports the link as down meanwhile.
 */
import type { ConsoleBreachEventValue } from '@contract/console';
import { turnaroundStages, type TurnaroundStage } from '@domain/turnaround';

export type LinkState = 'connecting' | 'open' | 'down';

/** The stages a `breach` event's data names (contract/console.ts ConsoleBreachEvent); anything else is dropped. */
export function breachStages(data: string | undefined): TurnaroundStage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data ?? '');
  } catch {
    return [];
  }
  const stages = (parsed as Partial<ConsoleBreachEventValue> | null)?.stages;
  return Array.isArray(stages) ? turnaroundStages.filter((stage) => stages.includes(stage)) : [];
}

export interface StreamCallbacks {
  readonly onPoke: () => void;
  readonly onBreach: (stages: readonly TurnaroundStage[]) => void;
  readonly onLink: (state: LinkState) => void;
  readonly onExpired: () => void;
}

export function openChangeStream(request: () => { readonly url: string; readonly headers: Record<string, string> }, callbacks: StreamCallbacks): () => void {
  let isClosed = false;
  let controller: AbortController | null = null;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const connect = async (): Promise<void> => {
    if (isClosed) return;
    callbacks.onLink('connecting');
    controller = new AbortController();
    const { url, headers } = request();
    try {
      const response = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
      if (response.status === 401) {
        callbacks.onExpired();
        return;
      }
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      attempt = 0;
      callbacks.onLink('open');
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const event = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const name = /^event: (.+)$/m.exec(event)?.[1];
          if (name === 'poke') callbacks.onPoke();
          if (name === 'breach') {
            const stages = breachStages(/^data: (.*)$/m.exec(event)?.[1]);
            if (stages.length > 0) callbacks.onBreach(stages);
          }
          if (name === 'expired') {
            callbacks.onExpired();
            return;
          }
          boundary = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Dropped or refused: fall through to reconnect.
    }
    if (isClosed) return;
    callbacks.onLink('down');
    attempt += 1;
    retry = setTimeout(() => void connect(), Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)));
  };

  void connect();
  return () => {
    isClosed = true;
    if (retry) clearTimeout(retry);
    controller?.abort();
  };
}
