/**
 * The console's link to the sync server: sign-in, the console feed, commands and reads, over
 * same-origin HTTP with the operator's bearer token. Every failure becomes a ConsoleError with a
 * code and a sentence an operator can act on; a 401 also tells the app the session is over.
 */
import { isRole } from '@domain/ids';
import type { CommandName } from '@contract/commands';
import type { ConsoleCheckpointValue, ConsolePullAnswerOf, ConsoleSessionAnswerValue } from '@contract/console';
import type { LoginAnswerValue } from '@contract/reads';
import type { CommandAnswerOf } from '@contract/results';
import type { AuditTrail, ConsoleCollectionName, ConsoleSession } from './documents';

export interface ConsoleError {
  /** 'network' (server unreachable), 'session-expired', 'forbidden-role', 'invalid-input', or the server's own code. */
  readonly code: string;
  readonly message: string;
  readonly status?: number;
  readonly details?: Record<string, unknown>;
}

export type ConsoleResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConsoleError };

/** The feed's checkpoint and page, exactly as the contract describes them (sync-server/contract/console.ts). */
export type ConsoleCheckpoint = ConsoleCheckpointValue;
export type ConsolePullAnswer<C extends ConsoleCollectionName = ConsoleCollectionName> = ConsolePullAnswerOf<C>;

export const networkError: ConsoleError = {
  code: 'network',
  message:
    'The server cannot be reached: check the network connection. If this was a decision, it may or may not have been recorded: sending the same decision again is safe, the server records it once.',
};
export const expiredError: ConsoleError = { code: 'session-expired', message: 'Your session has expired; sign in again.' };

function newCommandId(): string {
  return crypto.randomUUID();
}

/** Reads the server's {code, message} error answer, or describes the status when there is none. */
async function errorOf(response: Response): Promise<ConsoleError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const { code, message, details } = (body ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof code === 'string' && typeof message === 'string') {
    return { code, message, status: response.status, ...(details && typeof details === 'object' ? { details: details as Record<string, unknown> } : {}) };
  }
  return {
    code: `http-${response.status}`,
    message: `The server answered ${response.status} without an explanation. Try again; call IT support if this stays.`,
    status: response.status,
  };
}

export class ConsoleApi {
  private token: string | null = null;
  private readonly expiredListeners = new Set<(error: ConsoleError) => void>();
  private readonly reachabilityListeners = new Set<(isReachable: boolean) => void>();
  private isReachable = true;
  /** Submissions whose outcome is unknown, by command and input: a retry reuses their ids. */
  private readonly unknownOutcomes = new Map<string, { readonly commandId: string; readonly newId: unknown }>();

  /** baseUrl: '' for same-origin (the console served by the server), or a server address. */
  constructor(readonly baseUrl: string = '') {}

  /** Called once when a request finds the session expired or the token refused. */
  onSessionEnded(listener: (error: ConsoleError) => void): () => void {
    this.expiredListeners.add(listener);
    return () => this.expiredListeners.delete(listener);
  }

  /** Told when a request finds the server unreachable, and again when one gets through. */
  onReachability(listener: (isReachable: boolean) => void): () => void {
    this.reachabilityListeners.add(listener);
    return () => this.reachabilityListeners.delete(listener);
  }

  private reachable(isReachable: boolean): void {
    if (this.isReachable === isReachable) return;
    this.isReachable = isReachable;
    for (const listener of this.reachabilityListeners) listener(isReachable);
  }

  currentToken(): string | null {
    return this.token;
  }

  signOut(): void {
    this.token = null;
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, options: { readonly isSignIn?: boolean } = {}): Promise<ConsoleResult<T>> {
    const headers: Record<string, string> = {};
    if (this.token && !options.isSignIn) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), cache: 'no-store' });
    } catch {
      this.reachable(false);
      return { ok: false, error: networkError };
    }
    this.reachable(true);
    if (response.ok) {
      try {
        return { ok: true, value: (await response.json()) as T };
      } catch {
        return {
          ok: false,
          error: { code: 'unreadable-answer', message: "The server's answer could not be read (the connection may have dropped). Try again." },
        };
      }
    }
    const error = await errorOf(response);
    if (response.status === 401 && !options.isSignIn) {
      this.token = null;
      const ended = error.code === 'unauthenticated' ? { ...error, code: 'session-expired' } : error;
      for (const listener of this.expiredListeners) listener(ended);
      return { ok: false, error: ended };
    }
    return { ok: false, error };
  }

  async signIn(username: string, password: string): Promise<ConsoleResult<ConsoleSession>> {
    const login = await this.request<LoginAnswerValue>('POST', '/auth/login', { username, password }, { isSignIn: true });
    if (!login.ok) return login;
    this.token = login.value.token;
    const session = await this.request<ConsoleSessionAnswerValue>('GET', '/console/feed/session');
    if (!session.ok) {
      this.token = null;
      return session;
    }
    const roles = session.value.roles.filter((role) => isRole(role));
    return { ok: true, value: { ...session.value, roles, token: login.value.token, expiresAt: login.value.expiresAt } };
  }

  pull<C extends ConsoleCollectionName>(collection: C, checkpoint: ConsoleCheckpoint | null, limit: number): Promise<ConsoleResult<ConsolePullAnswer<C>>> {
    const query = new URLSearchParams({ collection, limit: String(limit), ...(checkpoint ? { checkpoint: JSON.stringify(checkpoint) } : {}) });
    return this.request('GET', `/console/feed/pull?${query.toString()}`);
  }

  /**
   * A server command. Each submission gets a fresh command id, except a retry: when the same
   * command with the same input follows one whose outcome is unknown (the server unreachable, the
   * answer lost or unreadable, a 5xx), it goes again under the same command id, so the server
   * answers with what it did the first time instead of refusing a second decision. `newIdField`
   * names the body field that holds the id of an entity the command creates (a hospital, a
   * payment): such a retry reuses that id too, rather than creating a second one.
   */
  async command<N extends CommandName>(
    name: N,
    body: Record<string, unknown>,
    options: { readonly newIdField?: string } = {},
  ): Promise<ConsoleResult<CommandAnswerOf<N>>> {
    const { newIdField } = options;
    const input = newIdField ? Object.fromEntries(Object.entries(body).filter(([key]) => key !== newIdField)) : body;
    const key = `${name} ${JSON.stringify(input)}`;
    const unknownOutcome = this.unknownOutcomes.get(key);
    const commandId = unknownOutcome?.commandId ?? newCommandId();
    const sent = unknownOutcome && newIdField && unknownOutcome.newId !== undefined ? { ...body, [newIdField]: unknownOutcome.newId } : body;
    const answer = await this.request<CommandAnswerOf<N>>('POST', `/commands/${name}`, { commandId, ...sent });
    this.unknownOutcomes.delete(key);
    const isUnknown = !answer.ok && (answer.error.code === 'network' || answer.error.code === 'unreadable-answer' || (answer.error.status ?? 0) >= 500);
    if (isUnknown) {
      if (this.unknownOutcomes.size >= 100) this.unknownOutcomes.delete(this.unknownOutcomes.keys().next().value!);
      this.unknownOutcomes.set(key, { commandId, newId: newIdField ? sent[newIdField] : undefined });
    }
    return answer;
  }

  audit(caseId: string): Promise<ConsoleResult<AuditTrail>> {
    return this.request('GET', `/cases/${encodeURIComponent(caseId)}/audit`);
  }

  /** Any other read (queues, dashboard, reports) for workspaces that need one. */
  get<T>(path: string): Promise<ConsoleResult<T>> {
    return this.request('GET', path);
  }

  /**
   * A file the server makes (a report export): its bytes and the name the server gives it, with the
   * same session and network handling as a read; a refusal is the server's {code, message}.
   */
  async download(path: string): Promise<ConsoleResult<{ readonly blob: Blob; readonly fileName: string }>> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, cache: 'no-store' });
    } catch {
      this.reachable(false);
      return { ok: false, error: networkError };
    }
    this.reachable(true);
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) {
        this.token = null;
        const ended = error.code === 'unauthenticated' ? { ...error, code: 'session-expired' } : error;
        for (const listener of this.expiredListeners) listener(ended);
        return { ok: false, error: ended };
      }
      return { ok: false, error };
    }
    const disposition = response.headers.get('content-disposition') ?? '';
    const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'export';
    try {
      return { ok: true, value: { blob: await response.blob(), fileName } };
    } catch {
      return { ok: false, error: { code: 'unreadable-answer', message: "The server's file could not be read (the connection may have dropped). Try again." } };
    }
  }

  /** A server route that is not a command (e.g. issuing a desk enrollment code), with the same session and network handling. */
  post<T>(path: string, body?: unknown): Promise<ConsoleResult<T>> {
    return this.request('POST', path, body);
  }

  /** The URL and headers of the change stream (read with fetch: EventSource cannot send a bearer token). */
  streamRequest(): { readonly url: string; readonly headers: Record<string, string> } {
    return { url: `${this.baseUrl}/console/feed/stream`, headers: this.token ? { authorization: `Bearer ${this.token}` } : {} };
  }
}
