import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChangeNotifier } from './notifier';

export interface PokeStream {
  /** The raw response, for events of the caller's own (e.g. `expired`). */
  readonly response: ServerResponse;
  /** Runs once when the stream ends, whichever side ends it. */
  onStop(stop: () => void): void;
}

/**
 * A server-sent-events stream of pokes, shared by the desks' /sync/stream and the console's
 * /console/feed/stream: `poke` (reason `connected`) at once — the reader resyncs on every
 * (re)connect — then `poke` (reason `changed`) after committed changes, coalesced over 25 ms so a
 * burst of commits is one poke, and a comment every 15 s so proxies keep the connection open.
 * The caller authenticates first; this takes over the reply. `opened` is called once and its
 * result when the stream stops (the open-streams gauge).
 */
export function openPokeStream(request: FastifyRequest, reply: FastifyReply, notifier: ChangeNotifier, opened?: () => () => void): PokeStream {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  response.write('event: poke\ndata: {"reason":"connected"}\n\n');
  let isPokeQueued = false;
  const unsubscribe = notifier.subscribe(() => {
    if (isPokeQueued) return;
    isPokeQueued = true;
    setTimeout(() => {
      isPokeQueued = false;
      if (!response.writableEnded) response.write('event: poke\ndata: {"reason":"changed"}\n\n');
    }, 25);
  });
  const keepAlive = setInterval(() => {
    if (!response.writableEnded) response.write(': keep-alive\n\n');
  }, 15_000);
  const stops: (() => void)[] = [];
  let isStopped = false;
  // Counted as open (observability/metrics.ts) until it stops.
  const closed = opened?.();
  const stop = (): void => {
    if (isStopped) return;
    isStopped = true;
    closed?.();
    clearInterval(keepAlive);
    unsubscribe();
    for (const extra of stops) extra();
  };
  request.raw.on('close', stop);
  response.on('finish', stop);
  return { response, onStop: (extra) => stops.push(extra) };
}
