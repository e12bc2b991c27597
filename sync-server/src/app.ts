import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type, type TSchema } from 'typebox';
import {
  CaseAuditTrail,
  CaseDetails,
  ClaimQueue,
  Dashboard,
  EnhancementQueue,
  FamilyBalance,
  IdentityOverrides,
  LoginAnswer,
  PackageCatalogue,
  PaymentQueue,
  PaymentReconciliation,
  PreauthQueue,
} from '@contract/reads';
import { commandResponses } from '@contract/results';
import { uuidPattern, commandBodies, commandNames, commandRoles, ErrorAnswer, LoginBody, type CommandBody, type CommandName } from '@contract/commands';
import { fail, httpStatusOf, RefusedError, type Refusal } from '@domain/outcomes';
import { isRole, type HospitalId, type OperatorId, type Role } from '@domain/ids';
import { signIn, signOut, TooManyAttempts, type SignInLimits } from './auth/sign-in';
import { OperatorStatus } from './auth/operator-status';
import type { ServerKeys } from './auth/keyring';
import type { AnchorStatus } from './audit/anchors';
import { issueToken, verifyToken, type Principal } from './auth/tokens';
import { handlers } from './commands';
import type { SchemeRow } from './commands/context';
import { runCommand, type RunnerDependencies } from './commands/runner';
import { DatabaseBusyError, pgErrorCode, pgErrors, type Database } from './db/database';
import { registerSyncRoutes } from './sync/routes';
import { registerConsoleRoutes } from './console/routes';
import { defaultConsoleDir } from './console/static';
import { defaultOtpPolicy, type OtpPolicy } from './identity/otp';
import { DevelopmentSmsSink, type SmsGateway } from './identity/sms';
import type { ChangeNotifier } from './sync/notifier';
import { SyncHealth, syncHealth } from './sync/health';
import { caseAuditTrail, claimQueue, dashboard, enhancementQueue, paymentQueue, preauthQueue } from './queries/queues';
import { registerAdministrationReads } from './queries/administration';
import { caseDetails, familyBalanceEnquiry, packageCatalogue, paymentReconciliation } from './queries/reads';
import { isLoopbackAddress } from './deployment';
import { readStrictJson, refusalOfFinding, type JsonFinding } from './strict-json';

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
  /** Send Strict-Transport-Security with this max-age when the server is reached over TLS. */
  readonly hstsMaxAgeSeconds?: number | null;
  readonly now?: () => number;
  /** Schedules on the same clock as `now` (a console stream's token expiry); tests pass a manual clock's. */
  readonly after?: (delayMs: number, task: () => void) => () => void;
  /** See RunnerDependencies.addBookingVia: the differential test runs both. */
  readonly addBookingVia?: 'database' | 'handler';
  /** The built renderer (console.html + assets) served at /console/; defaults to renderer/dist. */
  readonly consoleDir?: string;
}

declare module 'fastify' {
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

const errorResponses = {
  400: ErrorAnswer,
  401: ErrorAnswer,
  403: ErrorAnswer,
  404: ErrorAnswer,
  409: ErrorAnswer,
  413: ErrorAnswer,
  414: ErrorAnswer,
  415: ErrorAnswer,
  429: ErrorAnswer,
  500: ErrorAnswer,
  503: ErrorAnswer,
};
const bearer = [{ bearerAuth: [] }];

/**
 * Reads answer with JSON.stringify, not a serializer compiled from their response schema: a
 * compiled serializer drops every field the schema does not list and coerces types, so a schema
 * that drifted from the answer would silently change the answer while the document still looked
 * right. Here the schema only describes, and openapi-answers.test.ts holds real answers to it.
 */
const describedExactly = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };

function refusalFromFastifyError(error: FastifyError): Refusal | null {
  if (error.validation) {
    const first = error.validation[0];
    const where = first?.instancePath
      ? first.instancePath.replace(/^\//, '').replace(/\//g, '.')
      : ((first?.params as { missingProperty?: string } | undefined)?.missingProperty ?? 'body');
    const what =
      first?.keyword === 'required'
        ? `${where} is required`
        : first?.keyword === 'additionalProperties'
          ? `unknown field ${(first.params as { additionalProperty?: string }).additionalProperty ?? ''}`
          : `${where} ${first?.message ?? 'is invalid'}`;
    return {
      kind: 'error',
      code: 'invalid-input',
      message: `Invalid request: ${what}.`,
      details: { errors: error.validation.map((v) => ({ path: v.instancePath, keyword: v.keyword, message: v.message })) },
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { kind: 'error', code: 'malformed-json', message: 'The request body is not valid JSON.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { kind: 'error', code: 'invalid-input', message: 'The request body is empty; send a JSON object.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { kind: 'error', code: 'unsupported-media-type', message: 'Send the request body as application/json.' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { kind: 'error', code: 'payload-too-large', message: 'The request body is too large.' };
    default:
      if (error instanceof SyntaxError || error.statusCode === 400)
        return { kind: 'error', code: 'malformed-json', message: 'The request body could not be read as JSON.' };
      return null;
  }
}

const retryAfterSeconds = 2;

/**
 * The database could not serve the request in time: no connection free within the pool's wait
 * limit, a lock not granted within lock_timeout, or a statement past statement_timeout
 * (postgres.ts). The transaction was rolled back, so nothing was changed: 503, retry shortly.
 */
function busyRefusal(error: unknown): Refusal | null {
  if (error instanceof DatabaseBusyError) {
    return {
      kind: 'error',
      code: 'service-busy',
      message: `The server is busy: no database connection became free within ${error.waitedMs / 1000} s. Nothing was changed; try again in a few seconds.`,
    };
  }
  const code = pgErrorCode(error);
  if (code === pgErrors.lockNotAvailable)
    return {
      kind: 'error',
      code: 'service-busy',
      message: 'A record this request needs is held by another request for too long. Nothing was changed; try again in a few seconds.',
    };
  if (code === pgErrors.queryCanceled)
    return {
      kind: 'error',
      code: 'service-busy',
      message: 'The server took too long on this request and stopped it. Nothing was changed; try again in a few seconds.',
    };
  return null;
}

function send(reply: FastifyReply, refusal: Refusal): FastifyReply {
  const { code, message, details } = refusal;
  return reply.status(httpStatusOf(refusal)).send({ code, message, ...(details ? { details } : {}) });
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const app = Fastify({
    logger: options.logger
      ? { level: 'info', redact: ['req.headers.authorization'], ...(typeof options.logger === 'object' ? { stream: options.logger.stream } : {}) }
      : false,
    bodyLimit: 1024 * 1024,
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
    const busy = busyRefusal(error);
    if (busy) {
      request.log.warn({ err: error }, 'database busy');
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
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    if (hsts) void reply.header('strict-transport-security', hsts);
  });

  const operatorStatus = new OperatorStatus(options.db);
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw fail('unauthenticated', 'Sign in first: send Authorization: Bearer <token> from POST /auth/login.');
    const checked = verifyToken(options.keys.token, header.slice('Bearer '.length), now());
    if (!checked.ok)
      throw fail(
        'unauthenticated',
        checked.reason === 'expired' ? 'Your session has expired; sign in again.' : 'The sign-in token is not valid; sign in again.',
      );
    // The token says who signed in; the operator's row says what they may still do (update-operator).
    const current = await operatorStatus.current(checked.principal, checked.issuedAtMs);
    if (!current) throw fail('unauthenticated', 'This operator account is deactivated; ask the health authority (HA).');
    request.principal = current;
  };
  const principalOf = (request: FastifyRequest): Principal => {
    if (!request.principal) throw fail('unauthenticated', 'Sign in first.');
    return request.principal;
  };

  // sync: cross-process pokes and how far back the pull window is held (sync/health.ts).
  app.get(
    '/health',
    { schema: { tags: ['system'], response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String(), sync: SyncHealth }) } } },
    async () => ({ status: 'ok' as const, database: options.db.kind, sync: await syncHealth(options.db, options.notifier) }),
  );

  app.post(
    '/auth/login',
    {
      ...describedExactly,
      schema: {
        tags: ['auth'],
        summary: 'Sign in an operator; returns a short-lived bearer token',
        body: LoginBody,
        response: { 200: LoginAnswer, ...errorResponses, 429: ErrorAnswer },
      },
    },
    async (request, reply) => {
      const body = request.body as { username: string; password: string };
      // Same answer for an unknown user and a wrong password, after the same password hash (auth/sign-in.ts).
      let operator;
      try {
        operator = await signIn(options.db, body.username, body.password, request.ip, options.signInLimits);
      } catch (error) {
        if (!(error instanceof TooManyAttempts)) throw error;
        void reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.status(429).send({
          code: 'too-many-attempts',
          message: `Too many failed sign-ins for this account or from this address; try again in ${Math.ceil(error.retryAfterSeconds / 60)} minutes.`,
        });
      }
      const principal: Principal = {
        operatorId: operator.id as OperatorId,
        roles: operator.roles.filter(isRole),
        hospitalId: operator.hospital_id as HospitalId | null,
      };
      const issued = issueToken(options.keys.token, principal, now());
      return { ...issued, operatorId: operator.id, roles: principal.roles, hospitalId: principal.hospitalId };
    },
  );

  app.post(
    '/auth/logout',
    {
      preHandler: authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Sign out: every token of this operator issued until now is refused, event streams included',
        security: bearer,
        response: { 200: Type.Object({ signedOut: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await signOut(options.db, principal.operatorId, request.ip);
      operatorStatus.forget(principal.operatorId);
      return { signedOut: true as const };
    },
  );

  const sms = options.sms ?? new DevelopmentSmsSink();
  const runnerDeps: RunnerDependencies = {
    db: options.db,
    handlers,
    scheme: options.scheme,
    nationalIdKey: options.keys.nationalId.current.key,
    nationalIdLegacy: options.keys.nationalIdLegacy,
    biometricKeys: options.keys.biometric,
    services: { now: options.clock ?? (() => new Date()), sms, otp: options.otpPolicy ?? defaultOtpPolicy },
    ...(options.addBookingVia ? { addBookingVia: options.addBookingVia } : {}),
  };
  for (const name of commandNames) {
    app.post(
      `/commands/${name}`,
      {
        preHandler: authenticate,
        schema: {
          tags: ['commands'],
          summary: `${name} (roles: ${commandRoles[name].join(', ')})`,
          description: 'Repeating a commandId returns the first answer and changes nothing. Business rejections answer 409 with a code.',
          security: bearer,
          body: commandBodies[name],
          // Exact answers by status (contract/results.ts). Described, not serialized: the answer is
          // sent as its stored bytes, and a refusal through the error handler as it was built.
          response: commandResponses(name),
        },
        ...describedExactly,
      },
      async (request, reply) => {
        const outcome = await runCommand(runnerDeps, name as CommandName, request.body as CommandBody<CommandName>, principalOf(request));
        if (outcome.isReplay) void reply.header('x-command-replayed', 'true');
        else if (outcome.status === 200) {
          // The command has committed: its answer is the truth whatever follows. A failure of this
          // process's own follow-up (reloading its copy of the scheme) is logged, not answered as a
          // 500 saying nothing changed; the periodic refresh (server-state.ts) catches up in seconds.
          if (name === 'set-scheme-parameters')
            await options
              .reloadScheme?.()
              .catch((error: unknown) => request.log.error({ err: error }, 'reloading the scheme after set-scheme-parameters committed failed'));
          if (name === 'update-operator') operatorStatus.forget((request.body as CommandBody<'update-operator'>).operatorId);
          options.notifier.changed();
        }
        // The answer's own bytes (a string with a JSON type skips the serializer): a replay sends
        // exactly what the first answer sent.
        return reply.status(outcome.status).type('application/json; charset=utf-8').send(outcome.answerText);
      },
    );
  }

  const optionalYear = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const IdParams = (name: string) => Type.Object({ [name]: Type.String({ format: 'uuid', pattern: uuidPattern }) });
  app.get(
    '/families/:familyId/balance',
    {
      preHandler: authenticate,
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'Family balance enquiry for one policy year (the open one unless asked): cover, committed, available, holds by case, computed time',
        security: bearer,
        params: IdParams('familyId'),
        querystring: Type.Object(
          { policyYear: Type.Optional(Type.String({ pattern: '^[12][0-9]{3}$', description: 'A policy year, e.g. 2026; the open one if absent' })) },
          { additionalProperties: false },
        ),
        response: { 200: FamilyBalance, ...errorResponses },
      },
    },
    async (request) =>
      familyBalanceEnquiry(
        options.db,
        principalOf(request),
        (request.params as { familyId: string }).familyId,
        optionalYear((request.query as { policyYear?: string }).policyYear),
      ),
  );

  app.get(
    '/cases/:caseId',
    {
      preHandler: authenticate,
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'One case with its pre-auth, hold, bookings, enhancements and claim (hospital-scoped)',
        security: bearer,
        params: IdParams('caseId'),
        response: { 200: CaseDetails, ...errorResponses },
      },
    },
    async (request) => caseDetails(options.db, principalOf(request), (request.params as { caseId: string }).caseId),
  );

  app.get(
    '/packages',
    {
      preHandler: authenticate,
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'The package catalogue at its current price versions',
        security: bearer,
        response: { 200: PackageCatalogue, ...errorResponses },
      },
    },
    async () => packageCatalogue(options.db),
  );

  /** Bearer authentication for the route groups registered below: the operator, or a 401. */
  const authenticateOperator = async (request: FastifyRequest): Promise<Principal> => {
    await authenticate(request);
    return principalOf(request);
  };

  registerSyncRoutes(app, {
    db: options.db,
    runner: runnerDeps,
    notifier: options.notifier,
    authenticateOperator,
  });

  registerConsoleRoutes(app, {
    db: options.db,
    notifier: options.notifier,
    consoleDir: options.consoleDir ?? defaultConsoleDir,
    now,
    ...(options.after ? { after: options.after } : {}),
    authenticateOperator,
    watchOperator: (operatorId, onChange) => operatorStatus.watch(operatorId, onChange),
  });

  registerAdministrationReads(app, {
    db: options.db,
    authenticateOperator,
  });

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

  app.get(
    '/reviews/identity-overrides',
    {
      preHandler: authenticate,
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'Admissions by identity override, for review (HA, ADMIN)',
        security: bearer,
        response: { 200: IdentityOverrides, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!principal.roles.some((role) => role === 'HA' || role === 'ADMIN')) throw fail('forbidden-role', 'Only HA and ADMIN review identity overrides.');
      const rows = await options.db.query(
        `SELECT o.case_id AS "caseId", o.member_id AS "memberId", h.code AS "hospitalCode", o.reason, o.supervisor_name AS "supervisorName",
              o.created_at AS "createdAt", o.reviewed_at AS "reviewedAt", o.review_note AS "reviewNote"
         FROM identity_overrides o JOIN hospitals h ON h.id = o.hospital_id ORDER BY (o.reviewed_at IS NOT NULL), o.created_at DESC`,
      );
      return { overrides: rows, unreviewed: rows.filter((r) => (r as { reviewedAt: unknown }).reviewedAt === null).length };
    },
  );

  // Payer work queues: each role sees its own, and only its own.
  const queue = (path: string, roles: readonly Role[], summary: string, answer: TSchema, read: (request: FastifyRequest) => Promise<unknown>) => {
    app.get(
      path,
      {
        preHandler: authenticate,
        ...describedExactly,
        schema: { tags: ['queues'], summary: `${summary} (${roles.join(', ')})`, security: bearer, response: { 200: answer, ...errorResponses } },
      },
      async (request) => {
        const principal = principalOf(request);
        if (!principal.roles.some((role) => roles.includes(role))) throw fail('forbidden-role', `This queue belongs to ${roles.join(' or ')}.`);
        return { items: await read(request), computedAt: new Date().toISOString() };
      },
    );
  };
  queue('/queues/preauths', ['PPD'], 'Pre-authorizations waiting for PPD: emergency first, then oldest', PreauthQueue, () =>
    preauthQueue(options.db, ['pending', 'queried']),
  );
  queue('/queues/enhancements', ['PPD'], 'Enhancement requests waiting for PPD', EnhancementQueue, () => enhancementQueue(options.db));
  queue('/queues/committee', ['MC'], 'Unspecified-package requests waiting for the Medical Committee', PreauthQueue, () =>
    preauthQueue(options.db, ['committee-review']),
  );
  queue('/queues/admin', ['ADMIN'], 'Committee recommendations waiting for Admin approval', PreauthQueue, () => preauthQueue(options.db, ['admin-review']));
  queue('/queues/claims/submitted', ['CEX'], 'Claims waiting for CEX processing, with their lines and bookings', ClaimQueue, () =>
    claimQueue(options.db, 'submitted'),
  );
  queue('/queues/claims/processed', ['CPD'], 'Claims waiting for CPD verification', ClaimQueue, () => claimQueue(options.db, 'processed'));
  queue('/queues/payments', ['ACO'], 'Approved claims by hospital, ready to pay', PaymentQueue, () => paymentQueue(options.db));
  queue('/dashboard', ['HA'], 'Cases, holds and claims by state', Dashboard, () => dashboard(options.db));

  app.get(
    '/cases/:caseId/audit',
    {
      preHandler: authenticate,
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: "A case's audit trail (who, what, when, before/after) and the hash chain's verification status",
        security: bearer,
        params: IdParams('caseId'),
        response: { 200: CaseAuditTrail, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { caseId } = request.params as { caseId: string };
      await caseDetails(options.db, principal, caseId); // the same hospital scope as the case itself
      return caseAuditTrail(options.db, caseId, { ring: options.keys.audit, anchors: options.auditAnchors?.() ?? null });
    },
  );

  app.get(
    '/reports/reconciliation',
    {
      preHandler: authenticate,
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'Payment reconciliation: paid + deductions = approved, per payment (ACO, HA)',
        security: bearer,
        response: { 200: PaymentReconciliation, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!principal.roles.some((role) => role === 'ACO' || role === 'HA')) throw fail('forbidden-role', 'Only ACO and HA see payment reconciliation.');
      return paymentReconciliation(options.db);
    },
  );

  return app;
}
