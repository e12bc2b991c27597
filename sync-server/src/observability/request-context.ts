import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The request id that follows one request from the desk that sent it, through the server's log
 * lines and its database transactions (`application_name`, so PostgreSQL's own logs and
 * pg_stat_activity name it), back to the desk in the answer's `x-request-id` header (issue 23).
 */
export { requestIdHeader } from '@contract/sync';

/** What a client may send as its request id: short, and safe in a log line and a SQL literal. */
const acceptable = /^[A-Za-z0-9._-]{8,64}$/;

/** The client's id when it is acceptable, else a fresh one (never an error: an id is a courtesy). */
export function requestIdOf(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && acceptable.test(sent) ? sent : randomUUID();
}

const context = new AsyncLocalStorage<{ readonly requestId: string }>();

/** Run `work` (and everything it starts) as part of request `requestId`. */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return context.run({ requestId }, work);
}

/** The id of the request this code runs for, if any. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}
