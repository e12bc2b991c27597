import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import { CommandAnswer, commandBodies, commandNames, commandRoles, ErrorAnswer, LoginBody, type CommandBody, type CommandName } from '@contract/commands';
import { fail, httpStatusOf, RefusedError, type Refusal } from '@domain/outcomes';
import { isRole, type HospitalId, type OperatorId } from '@domain/ids';
import { verifyPassword } from './auth/passwords';
import { issueToken, verifyToken, type Principal } from './auth/tokens';
import { handlers } from './commands';
import type { SchemeRow } from './commands/context';
import { runCommand, type RunnerDependencies } from './commands/runner';
import type { Database } from './db/database';
import { registerSyncRoutes } from './sync/routes';
import type { ChangeNotifier } from './sync/notifier';
import { caseDetails, familyBalanceEnquiry, packageCatalogue, paymentReconciliation } from './queries/reads';

export interface AppOptions {
  readonly db: Database;
  readonly scheme: () => SchemeRow;
  readonly tokenKey: Buffer;
  readonly nationalIdKey: Buffer;
  readonly notifier: ChangeNotifier;
  readonly logger?: boolean;
  readonly now?: () => number;
  /** See RunnerDependencies.addBookingVia: the differential test runs both. */
  readonly addBookingVia?: 'database' | 'handler';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const errorResponses = { 400: ErrorAnswer, 401: ErrorAnswer, 403: ErrorAnswer, 404: ErrorAnswer, 409: ErrorAnswer, 413: ErrorAnswer, 415: ErrorAnswer, 500: ErrorAnswer };
const bearer = [{ bearerAuth: [] }];

function refusalFromFastifyError(error: FastifyError): Refusal | null {
  if (error.validation) {
    const first = error.validation[0];
    const where = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : (first?.params as { missingProperty?: string } | undefined)?.missingProperty ?? 'body';
    const what = first?.keyword === 'required' ? `${where} is required` : first?.keyword === 'additionalProperties' ? `unknown field ${(first.params as { additionalProperty?: string }).additionalProperty ?? ''}` : `${where} ${first?.message ?? 'is invalid'}`;
    return { kind: 'error', code: 'invalid-input', message: `Invalid request: ${what}.`, details: { errors: error.validation.map((v) => ({ path: v.instancePath, keyword: v.keyword, message: v.message })) } };
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
      if (error instanceof SyntaxError || error.statusCode === 400) return { kind: 'error', code: 'malformed-json', message: 'The request body could not be read as JSON.' };
      return null;
  }
}

function send(reply: FastifyReply, refusal: Refusal): FastifyReply {
  const { code, message, details } = refusal;
  return reply.status(httpStatusOf(refusal)).send({ code, message, ...(details ? { details } : {}) });
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const app = Fastify({
    logger: options.logger ? { level: 'info', redact: ['req.headers.authorization'] } : false,
    bodyLimit: 1024 * 1024,
    // Desks hold event streams open; closing the server must not wait for them.
    forceCloseConnections: true,
    // Money must arrive as JSON integers: no coercion of "100" to 100, no silent removal of
    // unknown fields (they are refused instead).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
  app.decorateRequest('principal', null);
  // Commands are JSON only: anything else is refused with 415 rather than parsed as text.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof RefusedError) return send(reply, error.refusal);
    const refusal = refusalFromFastifyError(error);
    if (refusal) return send(reply, refusal);
    // Internals stay in the log (with the request id), never in the answer.
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, { kind: 'error', code: 'internal-error', message: `Something went wrong on the server; nothing was changed. Reference: ${request.id}.` });
  });
  app.setNotFoundHandler((request, reply) => send(reply, { kind: 'error', code: 'not-found', message: `There is no ${request.method} ${request.url.split('?')[0]} endpoint.` }));

  await app.register(swagger, {
    openapi: {
      info: { title: 'CoverDesk sync server', version: '0.1.0', description: 'Commands, family cover holds, payer workflow. Amounts are integers in minor currency units.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' }, deskAuth: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Desk <deskId>.<credential>' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw fail('unauthenticated', 'Sign in first: send Authorization: Bearer <token> from POST /auth/login.');
    const checked = verifyToken(options.tokenKey, header.slice('Bearer '.length), now());
    if (!checked.ok) throw fail('unauthenticated', checked.reason === 'expired' ? 'Your session has expired; sign in again.' : 'The sign-in token is not valid; sign in again.');
    request.principal = checked.principal;
  };
  const principalOf = (request: FastifyRequest): Principal => {
    if (!request.principal) throw fail('unauthenticated', 'Sign in first.');
    return request.principal;
  };

  app.get('/health', { schema: { tags: ['system'], response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }) } } }, async () => ({ status: 'ok' as const, database: options.db.kind }));

  app.post('/auth/login', {
    schema: {
      tags: ['auth'], summary: 'Sign in an operator; returns a short-lived bearer token', body: LoginBody,
      response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String(), operatorId: Type.String(), roles: Type.Array(Type.String()), hospitalId: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
    },
  }, async (request) => {
    const body = request.body as { username: string; password: string };
    const [operator] = await options.db.query<{ id: string; password_hash: string; roles: string[]; hospital_id: string | null; is_active: boolean }>(
      'SELECT id, password_hash, roles, hospital_id, is_active FROM operators WHERE username = $1',
      [body.username],
    );
    // Same answer for an unknown user and a wrong password: do not reveal which usernames exist.
    if (!operator || !operator.is_active || !(await verifyPassword(body.password, operator.password_hash))) {
      throw fail('invalid-credentials', 'The username or password is not right.');
    }
    const principal: Principal = { operatorId: operator.id as OperatorId, roles: operator.roles.filter(isRole), hospitalId: operator.hospital_id as HospitalId | null };
    const issued = issueToken(options.tokenKey, principal, now());
    return { ...issued, operatorId: operator.id, roles: principal.roles, hospitalId: principal.hospitalId };
  });

  const runnerDeps: RunnerDependencies = { db: options.db, handlers, scheme: options.scheme, nationalIdKey: options.nationalIdKey, ...(options.addBookingVia ? { addBookingVia: options.addBookingVia } : {}) };
  for (const name of commandNames) {
    app.post(`/commands/${name}`, {
      preHandler: authenticate,
      schema: {
        tags: ['commands'],
        summary: `${name} (roles: ${commandRoles[name].join(', ')})`,
        description: 'Repeating a commandId returns the first answer and changes nothing. Business rejections answer 409 with a code.',
        security: bearer,
        body: commandBodies[name],
        response: { 200: CommandAnswer, ...errorResponses },
      },
    }, async (request, reply) => {
      const outcome = await runCommand(runnerDeps, name as CommandName, request.body as CommandBody<CommandName>, principalOf(request));
      if (outcome.isReplay) void reply.header('x-command-replayed', 'true');
      else if (outcome.status === 200) options.notifier.changed();
      return reply.status(outcome.status).send(outcome.answer);
    });
  }

  const IdParams = (name: string) => Type.Object({ [name]: Type.String({ format: 'uuid' }) });
  app.get('/families/:familyId/balance', {
    preHandler: authenticate,
    schema: { tags: ['reads'], summary: 'Family balance enquiry: cover, committed, available, holds by case, computed time', security: bearer, params: IdParams('familyId'), response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses } },
  }, async (request) => familyBalanceEnquiry(options.db, principalOf(request), (request.params as { familyId: string }).familyId));

  app.get('/cases/:caseId', {
    preHandler: authenticate,
    schema: { tags: ['reads'], summary: 'One case with its pre-auth, hold, bookings, enhancements and claim (hospital-scoped)', security: bearer, params: IdParams('caseId'), response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses } },
  }, async (request) => caseDetails(options.db, principalOf(request), (request.params as { caseId: string }).caseId));

  app.get('/packages', {
    preHandler: authenticate,
    schema: { tags: ['reads'], summary: 'The package catalogue at its current price versions', security: bearer, response: { 200: Type.Array(Type.Object({}, { additionalProperties: true })), ...errorResponses } },
  }, async () => packageCatalogue(options.db));

  registerSyncRoutes(app, {
    db: options.db,
    runner: runnerDeps,
    notifier: options.notifier,
    authenticateOperator: async (request) => {
      await authenticate(request);
      return principalOf(request);
    },
  });

  app.get('/reports/reconciliation', {
    preHandler: authenticate,
    schema: { tags: ['reads'], summary: 'Payment reconciliation: paid + deductions = approved, per payment (ACO, HA)', security: bearer, response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses } },
  }, async (request) => {
    const principal = principalOf(request);
    if (!principal.roles.some((role) => role === 'ACO' || role === 'HA')) throw fail('forbidden-role', 'Only ACO and HA see payment reconciliation.');
    return paymentReconciliation(options.db);
  });

  return app;
}
