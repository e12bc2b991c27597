import { Compile } from 'typebox/compile';
import { EnrollAnswer, protocolHeader, PullAnswer, PushAnswer, syncProtocolVersion, type EnrollAnswerValue, type PullAnswerValue, type PullCheckpointValue, type PushAnswerValue, type PushMutationValue } from '@contract/sync';

/** Why a call to the sync server did not give a usable answer. */
export type ServerFault =
  | { kind: 'unreachable'; message: string }
  | { kind: 'refused'; status: number; code: string; message: string }
  | { kind: 'bad-answer'; message: string };

export class ServerCallError extends Error {
  constructor(readonly fault: ServerFault) {
    super(fault.message);
    this.name = 'ServerCallError';
  }
}

const validators = { pull: Compile(PullAnswer), push: Compile(PushAnswer), enroll: Compile(EnrollAnswer) };

/**
 * HTTP client of the sync server. Every answer is checked against the sync contract before the
 * desk believes it: a corrupt or foreign answer becomes a 'bad-answer' fault and nothing is applied.
 */
export class SyncServerClient {
  constructor(private readonly serverUrl: string, private readonly deskCredential: () => string | null, private readonly timeoutMs = 15_000) {}

  get url(): string {
    return this.serverUrl;
  }

  private async call(method: 'GET' | 'POST', path: string, body: unknown, auth: 'desk' | 'none', signal?: AbortSignal, timeoutMs = this.timeoutMs, read: 'json' | 'pull-page' = 'json'): Promise<unknown> {
    const headers: Record<string, string> = { [protocolHeader]: String(syncProtocolVersion) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth === 'desk') {
      const credential = this.deskCredential();
      if (!credential) throw new ServerCallError({ kind: 'refused', status: 401, code: 'not-enrolled', message: 'This desk is not enrolled yet.' });
      headers.authorization = `Desk ${credential}`;
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.serverUrl), {
        method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ServerCallError({ kind: 'unreachable', message: `The server at ${this.serverUrl} cannot be reached (${error instanceof Error ? error.message : String(error)}).` });
    }
    let parsed: unknown;
    try {
      parsed = read === 'pull-page' && response.ok ? parsePullPage(Buffer.from(await response.arrayBuffer())) : await response.json();
    } catch {
      throw new ServerCallError({ kind: 'bad-answer', message: `The server answered ${path} with something that is not JSON (HTTP ${response.status}).` });
    }
    if (!response.ok) {
      const refusal = parsed as { code?: unknown; message?: unknown };
      if (response.status >= 500 || response.status === 429) {
        throw new ServerCallError({ kind: 'unreachable', message: `The server is having trouble (HTTP ${response.status}); will retry.` });
      }
      throw new ServerCallError({ kind: 'refused', status: response.status, code: typeof refusal.code === 'string' ? refusal.code : 'refused', message: typeof refusal.message === 'string' ? refusal.message : `HTTP ${response.status}` });
    }
    return parsed;
  }

  async enroll(code: string): Promise<EnrollAnswerValue> {
    const answer = await this.call('POST', '/desks/enroll', { code }, 'none');
    if (!validators.enroll.Check(answer)) throw new ServerCallError({ kind: 'bad-answer', message: 'The enrollment answer does not match the sync protocol; is this a CoverDesk server?' });
    return answer;
  }

  /** `timeoutMs`: how long to wait for the server (shorter when the desk can fall back to offline sign-in). */
  async login(username: string, password: string, timeoutMs?: number): Promise<{ operatorId: string; roles: string[]; hospitalId: string | null }> {
    const answer = (await this.call('POST', '/auth/login', { username, password }, 'none', undefined, timeoutMs)) as { operatorId?: unknown; roles?: unknown; hospitalId?: unknown };
    if (typeof answer.operatorId !== 'string' || !Array.isArray(answer.roles)) throw new ServerCallError({ kind: 'bad-answer', message: 'The sign-in answer is not one this desk understands.' });
    return { operatorId: answer.operatorId, roles: answer.roles.filter((r): r is string => typeof r === 'string'), hospitalId: typeof answer.hospitalId === 'string' ? answer.hospitalId : null };
  }

  async push(mutations: readonly PushMutationValue[]): Promise<PushAnswerValue> {
    const answer = await this.call('POST', '/sync/push', { protocolVersion: syncProtocolVersion, mutations }, 'desk');
    if (!validators.push.Check(answer)) throw new ServerCallError({ kind: 'bad-answer', message: 'The server\'s answer to a push does not match the sync protocol; nothing was applied.' });
    return answer;
  }

  async pull(checkpoint: PullCheckpointValue | null, limit: number): Promise<PullAnswerValue> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (checkpoint) query.set('checkpoint', JSON.stringify(checkpoint));
    const answer = await this.call('GET', `/sync/pull?${query.toString()}`, undefined, 'desk', undefined, this.timeoutMs, 'pull-page');
    if (!validators.pull.Check(answer)) throw new ServerCallError({ kind: 'bad-answer', message: 'The server\'s pull answer does not match the sync protocol; nothing was applied.' });
    return answer;
  }

  async identify(operatorId: string, by: 'scheme-id' | 'national-id' | 'health-card', value: string): Promise<Record<string, unknown>> {
    return (await this.call('POST', '/sync/identify', { operatorId, by, value }, 'desk')) as Record<string, unknown>;
  }

  async online(operatorId: string, name: 'send-otp' | 'verify-otp' | 'enroll-fingerprint' | 'enroll-face', body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = (await this.call('POST', '/sync/online', { operatorId, name, body }, 'desk')) as { result?: unknown };
    if (typeof answer.result !== 'object' || answer.result === null) throw new ServerCallError({ kind: 'bad-answer', message: 'The server\'s answer is not one this desk understands.' });
    return answer.result as Record<string, unknown>;
  }

  /**
   * Follow the server-sent event stream until `signal` aborts or the connection drops (then the
   * promise settles and the caller reconnects). Every `poke` calls `onPoke`.
   */
  async stream(onPoke: () => void, signal: AbortSignal, liveness: { readonly connectMs?: number; readonly silenceMs?: number } = {}): Promise<void> {
    const credential = this.deskCredential();
    if (!credential) throw new ServerCallError({ kind: 'refused', status: 401, code: 'not-enrolled', message: 'This desk is not enrolled yet.' });
    // A stream can die without a sound (a half-open TCP connection, a balancer that accepts and
    // drops, Wi-Fi roaming): give up if the headers do not come in time, or if nothing — not even
    // the server's 15 s keep-alive — arrives for two keep-alive periods. The caller reconnects.
    const watchdog = new AbortController();
    const abortBoth = () => watchdog.abort();
    signal.addEventListener('abort', abortBoth, { once: true });
    let timer = setTimeout(abortBoth, liveness.connectMs ?? 10_000);
    const resetSilence = () => {
      clearTimeout(timer);
      timer = setTimeout(abortBoth, liveness.silenceMs ?? 35_000);
    };
    try {
      let response: Response;
      try {
        response = await fetch(new URL('/sync/stream', this.serverUrl), { headers: { authorization: `Desk ${credential}`, [protocolHeader]: String(syncProtocolVersion), accept: 'text/event-stream' }, signal: watchdog.signal });
      } catch (error) {
        if (signal.aborted) return;
        throw new ServerCallError({ kind: 'unreachable', message: `The event stream cannot connect (${error instanceof Error ? error.message : String(error)}).` });
      }
      if (!response.ok || !response.body) throw new ServerCallError({ kind: 'refused', status: response.status, code: 'stream-refused', message: `The server refused the event stream (HTTP ${response.status}).` });
      resetSilence();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          resetSilence();
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^event: poke$/m.test(event)) onPoke();
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        throw new ServerCallError({ kind: 'unreachable', message: `The event stream dropped (${error instanceof Error ? error.message : String(error)}).` });
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abortBoth);
    }
  }
}

const newline = 0x0a;
const pageHead = /^\{"protocolVersion":(\d+),"documents":\[$/;
const pageTail = '],"checkpoint":';

/**
 * A pull page's bytes as the object `JSON.parse` would make of them. The sync server writes a
 * page one document per line (pull.ts, pullAnswerBody): each line is decoded and parsed on its
 * own, so the desk never builds the whole page (hundreds of kilobytes) as one string, which cost
 * more than parsing it. Any other layout of the same JSON — a different server, a proxy that
 * reformats — is parsed whole; what the page means is the same either way.
 */
export function parsePullPage(bytes: Buffer): unknown {
  const lines: [number, number][] = [];
  for (let start = 0; start <= bytes.length;) {
    const end = bytes.indexOf(newline, start);
    const stop = end === -1 ? bytes.length : end;
    lines.push([start, stop]);
    start = stop + 1;
  }
  const line = (index: number) => bytes.toString('utf8', lines[index]![0], lines[index]![1]);
  const head = lines.length >= 2 ? pageHead.exec(line(0)) : null;
  const tail = head ? line(lines.length - 1) : '';
  if (!head || !tail.startsWith(pageTail)) return JSON.parse(bytes.toString('utf8'));
  const documents: unknown[] = [];
  for (let index = 1; index < lines.length - 1; index += 1) {
    const isLast = index === lines.length - 2;
    let [start, end] = lines[index]!;
    if (!isLast) {
      if (bytes[end - 1] !== 0x2c) return JSON.parse(bytes.toString('utf8'));
      end -= 1;
    }
    documents.push(JSON.parse(bytes.toString('utf8', start, end)));
  }
  const rest = JSON.parse(`{${tail.slice(2)}`) as Record<string, unknown>;
  return { protocolVersion: Number(head[1]), documents, ...rest };
}
