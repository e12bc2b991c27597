import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import { fail, RefusedError } from '@domain/outcomes';
import type { SignInLimits } from './auth/sign-in';
import type { ServerKeys } from './auth/keyring';
import type { AnchorStatus } from './audit/anchors';
import type { Principal } from './auth/tokens';
import { handlers } from './commands';
import type { AfterCommitServices, SchemeRow } from './commands/context';
import type { RunnerDependencies } from './commands/runner';
import type { Database } from './db/database';
import { registerSyncRoutes } from './sync/routes';
import { registerConsoleRoutes } from './console/routes';
import { defaultConsoleDir } from './console/static';
import { defaultOtpPolicy, type OtpPolicy } from './identity/otp';
import { DevelopmentSmsSink, type SmsGateway } from './identity/sms';
import type { ChangeNotifier } from './sync/notifier';
import { SyncHealth, syncHealth } from './sync/health';
import { registerAdministrationReads } from './queries/administration';
import { registerFleetRoutes } from './fleet/routes';
import { fleetGaugeRows } from './fleet/reports';
import { accumulatorRoutes } from './accumulators/routes';
import { isLoopbackAddress } from './deployment';
import { readStrictJson, refusalOfFinding, type JsonFinding } from './strict-json';
import { busyRefusal, refusalFromFastifyError, retryAfterSeconds, send, unavailableRefusal } from './http/answers';
import { operatorAuthentication, signedInRoutes } from './http/authentication';
import { authRoutes } from './http/auth-routes';
import { commandRoutes } from './http/command-routes';
import { readRoutes } from './http/read-routes';
import { turnaroundRoutes } from './http/turnaround-routes';
import { emergencyRoutes } from './http/emergency-routes';
import { reconciliationRoutes } from './http/reconciliation-routes';
import { queueRoutes } from './http/queue-routes';
import { settlementRoutes } from './settlement/routes';
import { kpiRoutes } from './kpis/routes';
import { fhirPlugin } from './fhir/plugin';
import { eCardRoutes } from './ecards/routes';
import type { IssuerKeys } from './identifiers/issuer-keys';
import { historyRoutes } from './member-record/routes';
import { beneficiaryPage } from './member-record/beneficiary-routes';
import type { BeneficiaryLimits } from './member-record/beneficiary-auth';
import { deskDocumentRoutes, documentRoutes } from './documents/routes';
import { familyChangeRoutes } from './family-changes/routes';
import { documentsDirectory, FileSystemDocumentStore, type DocumentStore } from './documents/store';
import { countedSms, ServerMetrics } from './observability/metrics';
import { requestIdHeader, requestIdOf, withRequestId } from './observability/request-context';

export interface AppOptions {
  readonly db: Database;
  readonly scheme: () => SchemeRow;
  /** Re-read the current scheme after HA changes its parameters (set-scheme-parameters). */
  readonly reloadScheme?: () => Promise<void>;
  /** The token, national-id, biometric and audit keys, from outside the database (auth/keyring.ts). */
  readonly keys: ServerKeys;
  /** Where the audit chain is anchored and the newest anchor (server-state.ts), shown with a case's audit trail. */
  readonly auditAnchors?: () => AnchorStatus | null;
  readonly notifier: ChangeNotifier;
  /** Request log (ids only). A stream instead of true sends it there (tests read it back to prove what is never logged). */
  readonly logger?: boolean | { readonly stream: NodeJS.WritableStream };
  readonly sms?: SmsGateway;
  readonly otpPolicy?: OtpPolicy;
  /** The clock commands see (OTP expiry, lockouts); tests inject one. */
  readonly clock?: () => Date;
  /** Demo only: GET /dev/sms shows what the development SMS sink received, to loopback callers only. */
  readonly exposeDevelopmentSms?: boolean;
  /** Serve the API documentation at /docs (default true; main.ts turns it off in production, deployment.ts). */
  readonly serveDocs?: boolean;
  /** Failed sign-ins allowed per account and per address (auth/sign-in.ts); tests lower them. */
  readonly signInLimits?: SignInLimits;
  /**
   * The reverse proxies whose X-Forwarded-For (and X-Forwarded-Proto) is believed: addresses or
   * CIDR ranges (deployment.ts, COVERDESK_TRUSTED_PROXIES). Empty or absent: the TCP peer is the
   * client, whatever the headers say, so a client cannot choose the address its limits count.
   */
  readonly trustedProxies?: readonly string[];
  /** Send Strict-Transport-Security with this max-age when the server is reached over TLS. */
  readonly hstsMaxAgeSeconds?: number | null;
  readonly now?: () => number;
  /** Schedules on the same clock as `now` (a console stream's token expiry); tests pass a manual clock's. */
  readonly after?: (delayMs: number, task: () => void) => () => void;
  /** See RunnerDependencies.addBookingVia: the differential test runs both. */
  readonly addBookingVia?: 'database' | 'handler';
  /** The built renderer (console.html + assets) served at /console/; defaults to renderer/dist. */
  readonly consoleDir?: string;
  /** Where this server's figures go (observability/metrics.ts); main.ts serves them on the metrics port. Default: a fresh registry. */
  readonly metrics?: ServerMetrics;
  /** The beneficiary page's limits (member-record/beneficiary-auth.ts); tests lower them. */
  readonly beneficiaryLimits?: BeneficiaryLimits;
  /** The desk fleet page flags desks silent for longer than this (minutes; default 60, main.ts: COVERDESK_DESK_SILENT_MINUTES). */
  readonly deskSilentAfterMinutes?: number;
  /** National ID QR issuers' public keys (identifiers/issuer-keys.ts; main.ts: COVERDESK_ID_ISSUER_KEYS_FILE). None: every QR is linked unverified. */
  readonly idIssuerKeys?: IssuerKeys;
  /** Where supporting documents' bytes live (documents/store.ts); default: the file system under `documentsDirectory()` (main.ts: COVERDESK_DOCUMENTS_DIR). */
  readonly documentStore?: DocumentStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This server's metrics (observability/metrics.ts). */
    metrics: ServerMetrics;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Refused keys and text in the JSON body (strict-json.ts); set by the body parser, null without a JSON body. */
    bodyFindings: readonly JsonFinding[] | null;
  }
}

/**
 * Routes that answer findings inside one part of the body themselves instead of refusing the
 * whole request: a desk's push answers each mutation, so one pasted NUL refuses that mutation
 * alone and the rest of the outbox goes through.
 */
const findingsAnsweredByRoute: Record<string, (path: readonly (string | number)[]) => boolean> = {
  '/sync/push': (path) => path[0] === 'mutations' && typeof path[1] === 'number' && path[2] === 'body',
  '/sync/online': (path) => path[0] === 'body',
};

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const app = Fastify({
    logger: options.logger
      ? { level: 'info', redact: ['req.headers.authorization'], ...(typeof options.logger === 'object' ? { stream: options.logger.stream } : {}) }
      : false,
    bodyLimit: 1024 * 1024,
    // request.ip (the per-address limits of sign-in and /me) is the X-Forwarded-For client only
    // when the peer is a proxy the operator named; from anyone else the header is ignored.
    ...(options.trustedProxies && options.trustedProxies.length > 0 ? { trustProxy: [...options.trustedProxies] } : {}),
    // The desk's request id when it sent an acceptable one, else a fresh one: the same id in the
    // desk's log, this server's log lines, its transactions and the answer (observability/).
    genReqId: (request) => requestIdOf(request.headers[requestIdHeader]),
    // Desks hold event streams open; closing the server must not wait for them.
    forceCloseConnections: true,
    // Money must arrive as JSON integers: no coercion of "100" to 100, no silent removal of
    // unknown fields (they are refused instead).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    // What the router refuses before any route runs (an id past maxParamLength, a malformed URL)
    // answers in the house shape too, not Fastify's own ({error, statusCode, ...}).
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
        return send(reply, {
          kind: 'error',
          code: 'path-too-long',
          message: 'The address is too long: a part of it is longer than any id. Check the link or the id you typed.',
        });
      return send(reply, { kind: 'error', code: 'invalid-input', message: 'The address could not be read; check the link.' });
    },
  });
  const pool = options.db.pool;
  const metrics =
    options.metrics ??
    new ServerMetrics({
      ...(pool ? { pool: () => pool.stats() } : {}),
      newestAuditAnchor: () => {
        const lastAt = options.auditAnchors?.()?.lastAt;
        return lastAt ? new Date(lastAt) : null;
      },
      deskReports: () => fleetGaugeRows(options.db),
      now,
    });
  pool?.onWait((seconds) => metrics.poolWaitSeconds.observe(seconds));
  app.decorate('metrics', metrics);
  // Every answer by its route pattern (never the raw URL: ids stay out of the labels).
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpSeconds.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // Everything a request starts runs in its request id's context (the database tags its
  // transactions with it); callback style, so the handler itself runs inside `withRequestId`.
  app.addHook('onRequest', (request, _reply, done) => withRequestId(request.id, done));
  app.decorateRequest('principal', null);
  app.decorateRequest('bodyFindings', null);
  // Commands are JSON only: anything else is refused with 415 rather than parsed as text.
  app.removeContentTypeParser('text/plain');
  // One reader for every JSON body (strict-json.ts): repeated keys, NUL and lone surrogates are
  // findings, refused below before any route sees the body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (body.length === 0) {
      done(fail('invalid-input', 'The request body is empty; send a JSON object.'));
      return;
    }
    const read = readStrictJson(body);
    if (!read.ok) {
      done(new RefusedError(refusalOfFinding(read.finding)));
      return;
    }
    request.bodyFindings = read.findings;
    done(null, read.value);
  });
  app.addHook('onRequest', async (request) => {
    // PostgreSQL text cannot hold U+0000: a NUL in a path or query parameter is bad input, not a 500.
    if (/%00/i.test(request.url)) throw fail('invalid-text', 'The address contains the NUL character (%00), which no parameter accepts.');
  });
  app.addHook('preValidation', async (request) => {
    if (!request.bodyFindings || request.bodyFindings.length === 0) return;
    const answeredByRoute = findingsAnsweredByRoute[request.routeOptions.url ?? ''];
    const first = request.bodyFindings.find((finding) => !answeredByRoute?.(finding.path));
    if (first) throw new RefusedError(refusalOfFinding(first));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof RefusedError) return send(reply, error.refusal);
    const busy = busyRefusal(error) ?? unavailableRefusal(error, request.method === 'GET' || request.method === 'HEAD');
    if (busy) {
      request.log.warn({ err: error }, busy.code === 'service-busy' ? 'database busy' : 'database unavailable');
      // Desks and the console retry a 503 after Retry-After; a command keeps its id, so a retry is safe.
      void reply.header('retry-after', String(retryAfterSeconds));
      return send(reply, busy);
    }
    const refusal = refusalFromFastifyError(error);
    if (refusal) return send(reply, refusal);
    // Internals stay in the log (with the request id), never in the answer.
    request.log.error({ err: error }, 'unhandled error');
    // A read changed nothing. A write may have failed after its commit (or while committing), so
    // its answer cannot promise that; a command sent again under its id is answered, never re-applied.
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    return send(reply, {
      kind: 'error',
      code: 'internal-error',
      message: isRead
        ? `Something went wrong on the server; nothing was changed. Reference: ${request.id}.`
        : `Something went wrong on the server, and this change may or may not have been recorded. Send it again with the same command id: if it was recorded you get its first answer, and it is never applied twice. Reference: ${request.id}.`,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, { kind: 'error', code: 'not-found', message: `There is no ${request.method} ${request.url.split('?')[0]} endpoint.` }),
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'CoverDesk sync server',
        version: '0.1.0',
        description: 'Commands, family cover holds, payer workflow. Amounts are integers in minor currency units.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          deskAuth: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Desk <deskId>.<credential>' },
        },
      },
    },
  });
  if (options.serveDocs ?? true) await app.register(swaggerUi, { routePrefix: '/docs' });
  // Every answer: no MIME sniffing, and no copy kept by a browser or proxy (tokens, family data).
  const hsts = options.hstsMaxAgeSeconds ? `max-age=${options.hstsMaxAgeSeconds}; includeSubDomains` : null;
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header(requestIdHeader, request.id);
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    if (hsts) void reply.header('strict-transport-security', hsts);
  });

  const auth = operatorAuthentication(options.db, options.keys, now);

  // sync: cross-process pokes and how far back the pull window is held (sync/health.ts).
  app.get(
    '/health',
    { schema: { tags: ['system'], response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String(), sync: SyncHealth }) } } },
    async () => ({ status: 'ok' as const, database: options.db.kind, sync: await syncHealth(options.db, options.notifier) }),
  );

  const sms = options.sms ?? new DevelopmentSmsSink();
  const runner: RunnerDependencies = {
    metrics,
    db: options.db,
    handlers,
    scheme: options.scheme,
    nationalIdKey: options.keys.nationalId.current.key,
    nationalIdLegacy: options.keys.nationalIdLegacy,
    biometricKeys: options.keys.biometric,
    ...(options.keys.eCard ? { eCardKeys: options.keys.eCard } : {}),
    ...(options.idIssuerKeys ? { idIssuerKeys: options.idIssuerKeys } : {}),
    services: { now: options.clock ?? (() => new Date()), sms: countedSms(sms, metrics), otp: options.otpPolicy ?? defaultOtpPolicy },
    ...(options.addBookingVia ? { addBookingVia: options.addBookingVia } : {}),
  };
  const afterCommit: AfterCommitServices = {
    reloadScheme: () => options.reloadScheme?.() ?? Promise.resolve(),
    forgetOperator: (operatorId) => auth.operatorStatus.forget(operatorId),
  };

  // One document store for both upload mounts (operators' and desks'): an upload is one upload.
  const documentStore = options.documentStore ?? new FileSystemDocumentStore(documentsDirectory());
  // Route groups (http/): sign-in, then everything a signed-in operator may ask, under one hook.
  await authRoutes(app, { db: options.db, keys: options.keys, now, auth, ...(options.signInLimits ? { signInLimits: options.signInLimits } : {}) });
  await signedInRoutes(app, auth, async (scope) => {
    await commandRoutes(scope, { runner, notifier: options.notifier, auth, afterCommit });
    await readRoutes(scope, { db: options.db, keys: options.keys, auth, ...(options.auditAnchors ? { auditAnchors: options.auditAnchors } : {}) });
    await queueRoutes(scope, { db: options.db, auth });
    await turnaroundRoutes(scope, { db: options.db, auth, now: () => new Date(now()) });
    // The runner's clock: an emergency's window is set and judged by the commands' clock.
    await emergencyRoutes(scope, { db: options.db, auth, now: options.clock ?? (() => new Date(now())) });
    await familyChangeRoutes(scope, { db: options.db, auth });
    await reconciliationRoutes(scope, { db: options.db, auth, notifier: options.notifier });
    registerAdministrationReads(scope, { db: options.db, principalOf: auth.principalOf });
    registerFleetRoutes(scope, {
      db: options.db,
      principalOf: auth.principalOf,
      // The clock desks' reports are stamped with (sync/routes.ts: the runner's).
      now: options.clock ?? (() => new Date(now())),
      silentAfterMinutes: options.deskSilentAfterMinutes ?? 60,
    });
    await settlementRoutes(scope, { db: options.db, auth, now: () => new Date(now()) });
    await kpiRoutes(scope, { db: options.db, auth });
    await eCardRoutes(scope, { db: options.db, auth });
    // The runner's clock: a consent is granted and judged by the commands' clock.
    await historyRoutes(scope, { db: options.db, auth, now: options.clock ?? (() => new Date(now())) });
    await documentRoutes(scope, { db: options.db, auth, store: documentStore });
  });

  // Desks (a desk credential, then an operator for what an operator does) and the payer console
  // (its event stream carries its token in the query): they check tokens themselves.
  registerSyncRoutes(app, { db: options.db, runner, notifier: options.notifier, authenticateOperator: auth.authenticateOperator });
  // A desk's queued documents (issue 19): its credential and the queuing operator's signed proof.
  await deskDocumentRoutes(app, { db: options.db, store: documentStore, now: () => runner.services.now().getTime() });
  registerConsoleRoutes(app, {
    db: options.db,
    notifier: options.notifier,
    consoleDir: options.consoleDir ?? defaultConsoleDir,
    now,
    metrics,
    ...(options.after ? { after: options.after } : {}),
    authenticateOperator: auth.authenticateOperator,
    watchOperator: (operatorId, onChange) => auth.operatorStatus.watch(operatorId, onChange),
  });
  // Accumulators and pharmacy claims: a pharmacy credential or an operator, checked by the routes.
  await app.register(accumulatorRoutes, {
    db: options.db,
    notifier: options.notifier,
    authenticateOperator: auth.authenticateOperator,
    ...(options.clock ? { clock: options.clock } : {}),
  });

  // The beneficiary page at /me (issue 16): public, its own sign-in by scheme id and code.
  await app.register(beneficiaryPage, {
    db: options.db,
    serverKey: options.keys.nationalId.current.key,
    sms: countedSms(sms, metrics),
    now: options.clock ?? (() => new Date(now())),
    isTlsInFront: Boolean(options.hstsMaxAgeSeconds),
    ...(options.beneficiaryLimits ? { limits: options.beneficiaryLimits } : {}),
  });

  await app.register(fhirPlugin, { ...options, runner, now, authenticateOperator: auth.authenticateOperator });

  if (options.exposeDevelopmentSms && sms instanceof DevelopmentSmsSink) {
    app.get(
      '/dev/sms',
      { schema: { tags: ['demo'], summary: 'Demo only, loopback only: messages the development SMS sink received (phone numbers masked)' } },
      async (request, reply) => {
        // Live one-time codes without sign-in: only for a caller on this machine (deployment.ts).
        if (!isLoopbackAddress(request.socket.remoteAddress))
          return send(reply, { kind: 'error', code: 'not-found', message: 'There is no GET /dev/sms endpoint.' });
        return { messages: sms.recent() };
      },
    );
  }

  return app;
}
