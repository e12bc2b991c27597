import { randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { LoginAnswer } from '@contract/reads';
import { PatientBill, type PatientBillValue } from '@contract/settlement';
import { MemberHistory, type MemberHistoryValue } from '@contract/member-record';
import { DeskBenefits, type DeskBenefitsValue } from '@contract/accumulators';
import { KpiDashboard, type KpiDashboardValue } from '@contract/kpis';
import { commandAnswers, type CommandAnswerOf, type CommandResultOf, type OnlineCommand } from '@contract/results';
import {
  DeskOperatorsAnswer,
  deskCredentialHeader,
  EnrollAnswer,
  OperatorKeyAnswer,
  operatorProofHeader,
  protocolHeader,
  requestIdHeader,
  PullAnswer,
  PushAnswer,
  replicatedTables,
  syncProtocolVersion,
  type EnrollAnswerValue,
  type PulledDocumentValue,
  type PullAnswerValue,
  type ReplicatedTable,
  type PullCheckpointValue,
  type PushAnswerValue,
  type PushMutationValue,
  type MutationProofValue,
  type OperatorKeyAnswerValue,
  type RequestProofValue,
} from '@contract/sync';
import { deskReportHeader } from '@contract/fleet';
import {
  AttachedDocument,
  CaseDocuments,
  deskUploadsPath,
  uploadProofHeader,
  type AttachedDocumentValue,
  type CaseDocumentsValue,
  type UploadProofValue,
} from '@contract/documents';
import { createReadStream } from 'node:fs';
import { Upload as TusUpload, type DetailedError } from 'tus-js-client';

/**
 * Why a call to the sync server did not give a usable answer. `message` is for the operator (no
 * library error text such as "fetch failed"); `detail` keeps that text for logs.
 */
export type ServerFault =
  | { kind: 'unreachable'; message: string; detail?: string }
  | { kind: 'refused'; status: number; code: string; message: string; details?: Readonly<Record<string, unknown>> }
  | { kind: 'bad-answer'; message: string };

export class ServerCallError extends Error {
  constructor(readonly fault: ServerFault) {
    super(fault.message);
    this.name = 'ServerCallError';
  }
}

const validators = {
  pull: Compile(PullAnswer),
  push: Compile(PushAnswer),
  enroll: Compile(EnrollAnswer),
  login: Compile(LoginAnswer),
  identify: Compile(commandAnswers['identify-member']),
  operators: Compile(DeskOperatorsAnswer),
  patientBill: Compile(PatientBill),
  memberHistory: Compile(MemberHistory),
  benefits: Compile(DeskBenefits),
  kpis: Compile(KpiDashboard),
  caseDocuments: Compile(CaseDocuments),
  attachedDocument: Compile(AttachedDocument),
  operatorKey: Compile(OperatorKeyAnswer),
};

/** A copy of GET /sync/benefits this desk kept (benefit_snapshots), checked again when read back. */
export const isDeskBenefits = (value: unknown): value is DeskBenefitsValue => validators.benefits.Check(value);

/** Each online command's exact answer (contract/results.ts), compiled once. */
const onlineValidators = {
  'send-otp': Compile(commandAnswers['send-otp']),
  'verify-otp': Compile(commandAnswers['verify-otp']),
  'enroll-fingerprint': Compile(commandAnswers['enroll-fingerprint']),
  'enroll-face': Compile(commandAnswers['enroll-face']),
  'request-enrolment-replacement': Compile(commandAnswers['request-enrolment-replacement']),
  'issue-e-card': Compile(commandAnswers['issue-e-card']),
  'reissue-e-card': Compile(commandAnswers['reissue-e-card']),
  'grant-history-consent': Compile(commandAnswers['grant-history-consent']),
  'link-identifier': Compile(commandAnswers['link-identifier']),
  'unlink-identifier': Compile(commandAnswers['unlink-identifier']),
} satisfies { readonly [N in OnlineCommand]: unknown };
function isOnlineAnswer<N extends OnlineCommand>(name: N, value: unknown): value is CommandAnswerOf<N> {
  const validator: { Check(value: unknown): boolean } = onlineValidators[name];
  return validator.Check(value);
}

/**
 * How one request to the server ended, as far as reaching it goes: 'answered' (it answered,
 * whatever it said) or 'unreachable' (no answer, a dropped connection, a timeout, or a 5xx/429).
 * The sync status follows these, so the desk says Offline at the first request that fails.
 */
export type ServerExchange = { readonly outcome: 'answered' } | { readonly outcome: 'unreachable'; readonly fault: ServerFault };

/** The operator's words for a request that got no answer; the library's text stays in `detail`. */
function unreachable(serverUrl: string, error: unknown, what = 'cannot be reached'): ServerFault {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const isTimeout = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return { kind: 'unreachable', message: isTimeout ? `The server at ${serverUrl} did not answer in time.` : `The server at ${serverUrl} ${what}.`, detail };
}

/**
 * HTTP client of the sync server. Every answer is checked against the sync contract before the
 * desk believes it: a corrupt or foreign answer becomes a 'bad-answer' fault and nothing is applied.
 */
export class SyncServerClient {
  private readonly exchangeListeners = new Set<(exchange: ServerExchange) => void>();

  constructor(
    private readonly serverUrl: string,
    private readonly deskCredential: () => string | null,
    private readonly timeoutMs = 15_000,
    /** This desk's report for the fleet page (fleet-report.ts), sent with every call made with the desk credential. */
    private readonly deskReport: () => string | null = () => null,
  ) {}

  get url(): string {
    return this.serverUrl;
  }

  /** Hear how every request ends (sign-in, searches and online commands too, not only sync). */
  onExchange(listener: (exchange: ServerExchange) => void): () => void {
    this.exchangeListeners.add(listener);
    return () => this.exchangeListeners.delete(listener);
  }

  private report(exchange: ServerExchange): void {
    for (const listener of this.exchangeListeners) listener(exchange);
  }

  /** Report a fault that means no answer, then throw it. */
  private noAnswer(fault: ServerFault): never {
    this.report({ outcome: 'unreachable', fault });
    throw new ServerCallError(fault);
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    auth: 'desk' | 'operator-at-desk' | 'none',
    signal?: AbortSignal,
    timeoutMs = this.timeoutMs,
    read: 'json' | 'pull-page' | 'pdf' | 'png' = 'json',
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<unknown> {
    // A fresh request id per call: the server logs and tags its transactions with it and answers it back.
    const headers: Record<string, string> = { [protocolHeader]: String(syncProtocolVersion), [requestIdHeader]: randomUUID(), ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth === 'desk' || auth === 'operator-at-desk') {
      const credential = this.deskCredential();
      if (!credential) throw new ServerCallError({ kind: 'refused', status: 401, code: 'not-enrolled', message: 'This desk is not enrolled yet.' });
      // Key registration: the operator's token in Authorization, the desk's credential beside it.
      if (auth === 'desk') headers.authorization = `Desk ${credential}`;
      else headers[deskCredentialHeader] = `Desk ${credential}`;
      // The fleet report rides on the sync traffic (issue 23): no request of its own.
      const report = this.deskReport();
      if (report !== null) headers[deskReportHeader] = report;
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.serverUrl), {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return this.noAnswer(unreachable(this.serverUrl, error));
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel().catch(() => undefined);
      return this.noAnswer({ kind: 'unreachable', message: `The server is having trouble (HTTP ${response.status}); will retry.` });
    }
    if (read === 'pull-page' && response.ok) {
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        return this.noAnswer(unreachable(this.serverUrl, error, 'dropped the connection while sending data'));
      }
      this.report({ outcome: 'answered' });
      try {
        return readPullPage(bytes);
      } catch (error) {
        throw new ServerCallError({
          kind: 'bad-answer',
          message: `The server's pull answer does not match the sync protocol (${error instanceof Error ? error.message : String(error)}); nothing was applied.`,
        });
      }
    }
    if ((read === 'pdf' || read === 'png') && response.ok) {
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        return this.noAnswer(unreachable(this.serverUrl, error, 'dropped the connection while sending data'));
      }
      this.report({ outcome: 'answered' });
      const type = response.headers.get('content-type') ?? '';
      const isPdf = type.startsWith('application/pdf') && bytes.subarray(0, 5).toString('latin1') === '%PDF-';
      const isPng = type.startsWith('image/png') && bytes.subarray(0, 8).equals(pngSignature);
      if (read === 'pdf' ? !isPdf : !isPng)
        throw new ServerCallError({
          kind: 'bad-answer',
          message: `The server answered ${path} with something that is not ${read === 'pdf' ? 'a PDF' : 'a PNG image'}.`,
        });
      return bytes;
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch (error) {
      // A body cut off mid-way is a lost connection; anything else that is not JSON is a bad answer.
      if (error instanceof SyntaxError) {
        this.report({ outcome: 'answered' });
        throw new ServerCallError({ kind: 'bad-answer', message: `The server answered ${path} with something that is not JSON (HTTP ${response.status}).` });
      }
      return this.noAnswer(unreachable(this.serverUrl, error, 'dropped the connection while answering'));
    }
    this.report({ outcome: 'answered' });
    if (!response.ok) {
      const refusal = parsed as { code?: unknown; message?: unknown; details?: unknown };
      const details = typeof refusal.details === 'object' && refusal.details !== null && !Array.isArray(refusal.details) ? refusal.details : null;
      throw new ServerCallError({
        kind: 'refused',
        status: response.status,
        code: typeof refusal.code === 'string' ? refusal.code : 'refused',
        message: typeof refusal.message === 'string' ? refusal.message : `HTTP ${response.status}`,
        ...(details ? { details: details as Record<string, unknown> } : {}),
      });
    }
    return parsed;
  }

  async enroll(code: string): Promise<EnrollAnswerValue> {
    const answer = await this.call('POST', '/desks/enroll', { code }, 'none');
    if (!validators.enroll.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: 'The enrollment answer does not match the sync protocol; is this a CoverDesk server?' });
    return answer;
  }

  /** `timeoutMs`: how long to wait for the server (shorter when the desk can fall back to offline sign-in). */
  async login(
    username: string,
    password: string,
    timeoutMs?: number,
  ): Promise<{ operatorId: string; roles: string[]; hospitalId: string | null; token: string }> {
    const answer = await this.call('POST', '/auth/login', { username, password }, 'none', undefined, timeoutMs);
    if (!validators.login.Check(answer)) throw new ServerCallError({ kind: 'bad-answer', message: 'The sign-in answer is not one this desk understands.' });
    return { operatorId: answer.operatorId, roles: answer.roles, hospitalId: answer.hospitalId, token: answer.token };
  }

  /** Register the key this desk made for an operator at their online sign-in (issue 13 item 4): their token and the desk credential. */
  async registerOperatorKey(token: string, publicKey: string, possession: string): Promise<OperatorKeyAnswerValue> {
    const answer = await this.call('POST', '/sync/operator-keys', { publicKey, possession }, 'operator-at-desk', undefined, this.timeoutMs, 'json', {
      authorization: `Bearer ${token}`,
    });
    if (!validators.operatorKey.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: "The server's answer to the operator key is not one this desk understands." });
    return answer;
  }

  /** The operators of this desk's hospital who may still sign in (session.ts forgets the others). */
  async activeOperators(): Promise<readonly string[]> {
    const answer = await this.call('GET', '/sync/operators', undefined, 'desk');
    if (!validators.operators.Check(answer))
      throw new ServerCallError({
        kind: 'bad-answer',
        message: "The server's list of active operators does not match the sync protocol; nothing was changed.",
      });
    return answer.activeOperatorIds;
  }

  async push(mutations: readonly PushMutationValue[]): Promise<PushAnswerValue> {
    const answer = await this.call('POST', '/sync/push', { protocolVersion: syncProtocolVersion, mutations }, 'desk');
    if (!validators.push.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: "The server's answer to a push does not match the sync protocol; nothing was applied." });
    return answer;
  }

  /** One page, checked against the contract (readPullPage) before the desk believes it. */
  async pull(checkpoint: PullCheckpointValue | null, limit: number, operatorProof?: string): Promise<ReceivedPage> {
    // eCards=1: this desk knows the e-card tables (issue 16; desk replica migration 10);
    // identifiers=1: and the members' linked identifiers (issue 16; desk replica migration 13).
    const query = new URLSearchParams({ limit: String(limit), eCards: '1', identifiers: '1' });
    if (checkpoint) query.set('checkpoint', JSON.stringify(checkpoint));
    // Templates come only with an operator's proof (issue 13 item 4): without one the server withholds them and sends them whole later.
    const headers: Record<string, string> = operatorProof ? { [operatorProofHeader]: operatorProof } : {};
    return (await this.call('GET', `/sync/pull?${query.toString()}`, undefined, 'desk', undefined, this.timeoutMs, 'pull-page', headers)) as ReceivedPage;
  }

  /** An online member lookup: identify-member's answer, checked against its exact schema (contract/results.ts). */
  async identify(
    operatorId: string,
    by: 'scheme-id' | 'national-id' | 'health-card' | 'linked-id',
    value: string,
    proof: RequestProofValue,
  ): Promise<CommandResultOf<'identify-member'>> {
    const answer = await this.call('POST', '/sync/identify', { operatorId, by, value, proof }, 'desk');
    if (!validators.identify.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: "The server's answer to a member search is not one this desk understands." });
    return answer.result;
  }

  /** The patient's past cases at every hospital, with their standing consent (issue 16), read by one of this hospital's operators (online only). */
  async memberHistory(operatorId: string, caseId: string, proof: RequestProofValue): Promise<MemberHistoryValue> {
    const query = new URLSearchParams({ operatorId });
    const headers = { [operatorProofHeader]: Buffer.from(JSON.stringify(proof), 'utf8').toString('base64url') };
    const path = `/sync/history/${encodeURIComponent(caseId)}?${query.toString()}`;
    const answer = await this.call('GET', path, undefined, 'desk', undefined, this.timeoutMs, 'json', headers);
    if (!validators.memberHistory.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: "The server's answer with the patient's past treatment is not one this desk understands." });
    return answer;
  }

  /** The patient's bill of a case of this desk's hospital, read by one of its operators (online only). */
  async patientBill(operatorId: string, caseId: string, proof: RequestProofValue): Promise<PatientBillValue> {
    const query = new URLSearchParams({ operatorId });
    const headers = { [operatorProofHeader]: Buffer.from(JSON.stringify(proof), 'utf8').toString('base64url') };
    const answer = await this.call(
      'GET',
      `/sync/patient-bill/${encodeURIComponent(caseId)}?${query.toString()}`,
      undefined,
      'desk',
      undefined,
      this.timeoutMs,
      'json',
      headers,
    );
    if (!validators.patientBill.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: "The server's patient bill is not one this desk understands." });
    return answer;
  }

  /** A member's e-card as a PDF (ID-1) or PNG, read by an operator who may issue cards, with their proof (online only). */
  async eCardFile(operatorId: string, serial: string, format: 'pdf' | 'png', proof: RequestProofValue, language?: 'en' | 'hi' | 'mr'): Promise<Buffer> {
    const query = new URLSearchParams({ operatorId, ...(language === undefined || format === 'png' ? {} : { language }) });
    const headers = { [operatorProofHeader]: Buffer.from(JSON.stringify(proof), 'utf8').toString('base64url') };
    const path = `/sync/e-cards/${encodeURIComponent(serial)}/card.${format}?${query.toString()}`;
    const answer = await this.call('GET', path, undefined, 'desk', undefined, this.timeoutMs, format, headers);
    if (!Buffer.isBuffer(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: `The server did not send the card as a ${format.toUpperCase()} file.` });
    return answer;
  }

  /** The patient's bill as a PDF to print, read by one of this hospital's operators with their proof (online only). */
  async patientBillPdf(operatorId: string, caseId: string, proof: RequestProofValue, language?: 'en' | 'hi' | 'mr'): Promise<Buffer> {
    const query = new URLSearchParams({ operatorId, ...(language === undefined ? {} : { language }) });
    const headers = { [operatorProofHeader]: Buffer.from(JSON.stringify(proof), 'utf8').toString('base64url') };
    const answer = await this.call(
      'GET',
      `/sync/patient-bill/${encodeURIComponent(caseId)}/pdf?${query.toString()}`,
      undefined,
      'desk',
      undefined,
      this.timeoutMs,
      'pdf',
      headers,
    );
    if (!Buffer.isBuffer(answer)) throw new ServerCallError({ kind: 'bad-answer', message: 'The server did not send the bill as a PDF.' });
    return answer;
  }

  /** A member's family's accumulators, plan year and cases at this hospital (issue 14), read by one of its operators (online only). */
  async benefits(operatorId: string, memberId: string, proof: RequestProofValue): Promise<DeskBenefitsValue> {
    const query = new URLSearchParams({ operatorId });
    const headers = { [operatorProofHeader]: Buffer.from(JSON.stringify(proof), 'utf8').toString('base64url') };
    const answer = await this.call(
      'GET',
      `/sync/benefits/${encodeURIComponent(memberId)}?${query.toString()}`,
      undefined,
      'desk',
      undefined,
      this.timeoutMs,
      'json',
      headers,
    );
    if (!validators.benefits.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: "The server's accumulators are not ones this desk understands." });
    return answer;
  }

  /**
   * This hospital's revenue-cycle KPIs (issue 15) for the server's default period, read by one of
   * its operators (online only). The server answers for the desk's hospital whatever is asked; the
   * proof signs the filters sent (none).
   */
  async kpis(operatorId: string, proof: RequestProofValue): Promise<KpiDashboardValue> {
    const query = new URLSearchParams({ operatorId });
    const headers = { [operatorProofHeader]: Buffer.from(JSON.stringify(proof), 'utf8').toString('base64url') };
    const answer = await this.call('GET', `/sync/kpis?${query.toString()}`, undefined, 'desk', undefined, this.timeoutMs, 'json', headers);
    if (!validators.kpis.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: "The server's hospital figures are not ones this desk understands." });
    return answer;
  }

  /** A case's documents and checklist (issue 19), read by one of this hospital's operators with their proof (purpose documents; online only). */
  async caseDocuments(operatorId: string, caseId: string, packageCode: string | null, proof: RequestProofValue): Promise<CaseDocumentsValue> {
    const query = new URLSearchParams({ operatorId, ...(packageCode ? { packageCode } : {}) });
    const headers = { [operatorProofHeader]: Buffer.from(JSON.stringify(proof), 'utf8').toString('base64url') };
    const answer = await this.call(
      'GET',
      `/sync/documents/${encodeURIComponent(caseId)}?${query.toString()}`,
      undefined,
      'desk',
      undefined,
      this.timeoutMs,
      'json',
      headers,
    );
    if (!validators.caseDocuments.Check(answer))
      throw new ServerCallError({ kind: 'bad-answer', message: "The server's list of the case's documents is not one this desk understands." });
    return answer;
  }

  /**
   * Upload one queued document with tus (issue 19), resuming at `uploadUrl` when one is known: the
   * maintained client asks the server where its copy ends (HEAD) and sends from there; an upload the
   * server no longer has (404: attached already, or discarded) is created anew and the server's
   * attach, keyed by the file's SHA-256 per case and stage, answers the existing document. The file
   * is read from `filePath` slice by slice (tus-js-client's Node file source), never whole.
   * Resolves with the attached document; rejects with a ServerCallError: `unreachable` when the
   * line dropped (the bytes the server took stay there), `refused` with the server's code otherwise.
   */
  uploadDocument(upload: {
    readonly filePath: string;
    readonly sizeBytes: number;
    readonly uploadUrl: string | null;
    readonly metadata: Readonly<Record<string, string>>;
    readonly proof: UploadProofValue;
    readonly chunkSize: number;
    readonly onUrl: (url: string) => void;
    readonly onProgress: (acceptedBytes: number) => void;
  }): Promise<AttachedDocumentValue> {
    const credential = this.deskCredential();
    if (!credential)
      return Promise.reject(new ServerCallError({ kind: 'refused', status: 401, code: 'not-enrolled', message: 'This desk is not enrolled yet.' }));
    return new Promise<AttachedDocumentValue>((resolve, reject) => {
      let answer = '';
      const tus = new TusUpload(createReadStream(upload.filePath), {
        endpoint: new URL(deskUploadsPath, this.serverUrl).toString(),
        ...(upload.uploadUrl ? { uploadUrl: upload.uploadUrl } : {}),
        uploadSize: upload.sizeBytes,
        chunkSize: upload.chunkSize,
        metadata: { ...upload.metadata },
        headers: {
          authorization: `Desk ${credential}`,
          [uploadProofHeader]: Buffer.from(JSON.stringify(upload.proof), 'utf8').toString('base64url'),
          [protocolHeader]: String(syncProtocolVersion),
        },
        // The sync engine retries with its own backoff; the upload URL and offset are in the replica.
        retryDelays: [],
        storeFingerprintForResuming: false,
        onUploadUrlAvailable: () => {
          if (tus.url) upload.onUrl(tus.url);
        },
        onChunkComplete: (_chunk, accepted) => upload.onProgress(accepted),
        onAfterResponse: (request, response) => {
          if (request.getMethod() === 'PATCH' && response.getStatus() === 200) answer = response.getBody();
        },
        onSuccess: () => {
          this.report({ outcome: 'answered' });
          let parsed: unknown;
          try {
            parsed = JSON.parse(answer);
          } catch {
            parsed = null;
          }
          if (!validators.attachedDocument.Check(parsed)) {
            reject(new ServerCallError({ kind: 'bad-answer', message: "The server's answer to a finished upload is not one this desk understands." }));
            return;
          }
          resolve(parsed);
        },
        onError: (error) => {
          const response = (error as DetailedError).originalResponse;
          const status = response?.getStatus() ?? 0;
          if (!response || status >= 500 || status === 429 || status === 423) {
            const fault = unreachable(
              this.serverUrl,
              error,
              status ? `could not take the document (HTTP ${status}); will retry` : 'dropped the connection during an upload',
            );
            this.report({ outcome: 'unreachable', fault });
            reject(new ServerCallError(fault));
            return;
          }
          this.report({ outcome: 'answered' });
          let refusal: { code?: unknown; message?: unknown; details?: unknown } = {};
          try {
            refusal = JSON.parse(response.getBody()) as typeof refusal;
          } catch {
            // tus's own refusals (409 offset, 413 size) may be plain text: the status says enough.
          }
          const details = typeof refusal.details === 'object' && refusal.details !== null && !Array.isArray(refusal.details) ? refusal.details : null;
          reject(
            new ServerCallError({
              kind: 'refused',
              status,
              code: typeof refusal.code === 'string' ? refusal.code : status === 413 ? 'too-large' : 'upload-refused',
              message: typeof refusal.message === 'string' ? refusal.message : `The server refused the document (HTTP ${status}).`,
              ...(details ? { details: details as Record<string, unknown> } : {}),
            }),
          );
        },
      });
      tus.start();
    });
  }

  /** An online-only command (one-time codes, enrolment): its result, checked against the command's exact schema. */
  async online<N extends OnlineCommand>(operatorId: string, name: N, body: Record<string, unknown>, proof: MutationProofValue): Promise<CommandResultOf<N>> {
    const answer = await this.call('POST', '/sync/online', { operatorId, name, body, proof }, 'desk');
    if (!isOnlineAnswer(name, answer)) throw new ServerCallError({ kind: 'bad-answer', message: "The server's answer is not one this desk understands." });
    return answer.result;
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
        response = await fetch(new URL('/sync/stream', this.serverUrl), {
          headers: { authorization: `Desk ${credential}`, [protocolHeader]: String(syncProtocolVersion), accept: 'text/event-stream' },
          signal: watchdog.signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        return this.noAnswer(unreachable(this.serverUrl, error));
      }
      if (response.status >= 500 || response.status === 429)
        return this.noAnswer({ kind: 'unreachable', message: `The server is having trouble (HTTP ${response.status}); will retry.` });
      this.report({ outcome: 'answered' });
      if (!response.ok || !response.body)
        throw new ServerCallError({
          kind: 'refused',
          status: response.status,
          code: 'stream-refused',
          message: `The server refused the event stream (HTTP ${response.status}).`,
        });
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
        // The caller asks for a sync at once when the stream ends: that request says whether the
        // server is gone (this drop may also be the silence watchdog or a server restart).
        throw new ServerCallError(unreachable(this.serverUrl, error, 'dropped the event stream'));
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abortBoth);
    }
  }
}

const newline = 0x0a;
/** The head line as the server writes it (a JSON number: no leading zeros). */
const pageHead = /^\{"protocolVersion":(0|[1-9][0-9]*),"documents":\[$/;
const pageTail = '],"checkpoint":';
const tailKeys = ['checkpoint', 'hasMore', 'serverTime'];
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The start of a document line as the server writes it, up to its row (an id string: no raw control characters). */
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings: the pattern must name them.
const documentStart = /^\{"table":"([a-z_]+)","id":("(?:[^"\\\x00-\x1f]|\\.)*"),"row":/;
const tables: ReadonlySet<string> = new Set(replicatedTables);

/** A pulled document as received: the row parsed, and (from a page in the server's layout) its JSON text as sent. */
export type ReceivedDocument = PulledDocumentValue & { readonly rowText?: string };
export type ReceivedPage = Omit<PullAnswerValue, 'documents'> & { readonly documents: ReceivedDocument[] };

/** A pull page that parses but is not an answer of the sync protocol. */
export class PullPageError extends Error {}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A pull page's bytes as a checked answer (the contract `PullAnswer`), or a SyntaxError or
 * PullPageError that says what is wrong. The sync server writes a page one document per line
 * (pull.ts, pullAnswerBody), and such a page is read line by line:
 *   - each line is decoded and parsed on its own, so the page (megabytes in a first sync) is
 *     never built as one string, which cost more than parsing it;
 *   - each document is checked by hand, as the contract would (a table it knows, a string id, an
 *     object row, nothing else): the contract's own check walked every key of every row;
 *   - the row keeps the text it came in, which the replica stores as it is, instead of
 *     serializing the parsed row again.
 * Anything else — another layout of the same JSON (a different server, a proxy that reformats),
 * or a page the line reading does not accept — is parsed whole and checked against the contract,
 * which decides; so what a page means, and whether it is refused, is the same either way.
 */
export function readPullPage(bytes: Buffer): ReceivedPage {
  const page = readLineLayout(bytes);
  if (page) return page;
  const whole: unknown = JSON.parse(bytes.toString('utf8'));
  if (!validators.pull.Check(whole)) throw new PullPageError('The pull page does not match the sync protocol.');
  return whole;
}

/** The page read line by line, or null if it is not exactly the server's line layout of a valid answer. */
function readLineLayout(bytes: Buffer): ReceivedPage | null {
  const lines: [number, number][] = [];
  for (let start = 0; start <= bytes.length;) {
    const end = bytes.indexOf(newline, start);
    const stop = end === -1 ? bytes.length : end;
    lines.push([start, stop]);
    start = stop + 1;
  }
  const line = (index: number, trim = 0) => bytes.toString('utf8', lines[index]![0], lines[index]![1] - trim);
  const head = lines.length >= 2 ? pageHead.exec(line(0)) : null;
  const tail = head ? line(lines.length - 1) : '';
  if (!head || !tail.startsWith(pageTail) || !lines.slice(1, -2).every(([, end]) => bytes[end - 1] === 0x2c)) return null;
  try {
    const rest: unknown = JSON.parse(`{${tail.slice(2)}`);
    // Only the three keys the server writes after the documents (a repeated key would change what the page means).
    if (!isPlainObject(rest) || Object.keys(rest).some((key) => !tailKeys.includes(key))) return null;
    const frame = { protocolVersion: Number(head[1]), documents: [], ...rest };
    if (!validators.pull.Check(frame)) return null;
    const documents: ReceivedDocument[] = [];
    for (let index = 1; index < lines.length - 1; index += 1) {
      const text = line(index, index < lines.length - 2 ? 1 : 0);
      const start = documentStart.exec(text);
      if (!start || !text.endsWith('}')) return null;
      const rowText = text.slice(start[0].length, -1);
      const row: unknown = JSON.parse(rowText);
      const id: unknown = start[2]!.includes('\\') ? JSON.parse(start[2]!) : start[2]!.slice(1, -1);
      if (!tables.has(start[1]!) || !isPlainObject(row) || typeof id !== 'string') return null;
      documents.push({ table: start[1] as ReplicatedTable, id, row, rowText });
    }
    return { ...frame, documents };
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}
