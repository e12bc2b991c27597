import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Bundle, Claim, CoverageEligibilityRequest, Resource, Task } from '@medplum/fhirtypes';
import { fail, RefusedError, type Refusal, type RejectionCode } from '@domain/outcomes';
import type { ServerKeys } from '../auth/keyring';
import type { Principal } from '../auth/tokens';
import type { SchemeRow } from '../commands/context';
import type { CommandOutcome, RunnerDependencies } from '../commands/runner';
import { DatabaseBusyError, isDatabaseUnreachable, pgErrorCode, pgErrors, type Database } from '../db/database';
import { readStrictJson, refusalOfFinding } from '../strict-json';
import type { ChangeNotifier } from '../sync/notifier';
import { capabilityStatement, searchableTypes, type SearchableType } from './capability';
import {
  ClientTokens,
  deactivateClient,
  hasScope,
  issueAccessToken,
  OAuthError,
  registerClient,
  signingAlgorithms,
  supportedScopes,
  type FhirCaller,
} from './client-auth';
import { fhirRunner, submitFhirClaim, type Submitted } from './claim-submit';
import { loadWorkflowCodes, type WorkflowCodes } from './config';
import { answerEligibility } from './eligibility';
import { answerQueryTask } from './task-answer';
import { outcomeOfInvalidResource, outcomeOfRefusal } from './outcome';
import { r4Errors } from './r4-definitions';
import * as reads from './reads';
import { claimResponseOf, enhancementClaimResponseOf, preauthClaimResponseOf, type Presentation } from './resources';
import { parseSearch, read, search, type SearchContext } from './search';
import { claimsByIdentifier } from './reads';

export interface FhirOptions {
  readonly db: Database;
  /** The server's command runner (app.ts): FHIR writes are its commands. */
  readonly runner: RunnerDependencies;
  readonly keys: ServerKeys;
  /** The process's copy of the scheme, for presentation only (currency, names); decisions read it in their transaction. */
  readonly scheme: () => SchemeRow;
  readonly notifier: ChangeNotifier;
  readonly now: () => number;
  /** An operator's bearer token (desk operators may use /fhir too, and HA registers clients). */
  readonly authenticateOperator: (request: FastifyRequest) => Promise<Principal>;
  /** The public base URL of /fhir (COVERDESK_FHIR_BASE_URL); by default from the request's Host. */
  readonly baseUrl?: string;
  readonly workflowCodes?: WorkflowCodes;
}

declare module 'fastify' {
  interface FastifyRequest {
    fhirCaller: FhirCaller | null;
  }
}

const fhirJson = 'application/fhir+json; charset=utf-8';

function sendResource(reply: FastifyReply, status: number, resource: Resource): FastifyReply {
  return reply.status(status).type(fhirJson).send(JSON.stringify(resource));
}

function busyRefusal(error: unknown): Refusal | null {
  const code = pgErrorCode(error);
  if (error instanceof DatabaseBusyError || code === pgErrors.lockNotAvailable || code === pgErrors.queryCanceled)
    return {
      kind: 'error',
      code: 'service-busy',
      message: 'The server is busy. Nothing was changed; try again in a few seconds with the same Claim.identifier.',
    };
  // A failover in progress (issue 18): the Claim may have been recorded just before the connection was lost.
  if (isDatabaseUnreachable(error))
    return {
      kind: 'error',
      code: 'database-unavailable',
      message: 'The database is not reachable right now. Send the Claim again in a few seconds with the same Claim.identifier: it is never applied twice.',
    };
  return null;
}

function refusalOfFastifyError(error: FastifyError): Refusal | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { kind: 'error', code: 'unsupported-media-type', message: 'Send the body as application/fhir+json (or application/json).' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { kind: 'error', code: 'payload-too-large', message: 'The request body is too large.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { kind: 'error', code: 'invalid-input', message: 'The request body is empty; send a FHIR resource.' };
    default:
      if (error.statusCode === 400 || error instanceof SyntaxError)
        return { kind: 'error', code: 'malformed-json', message: 'The request body could not be read as JSON.' };
      return null;
  }
}

/** The body as the resource type this route takes (a Parameters with a `resource` parameter is unwrapped, as operations allow), valid R4 or a 400. */
function resourceOf<T extends Resource>(body: unknown, type: T['resourceType']): T {
  let resource = body as { resourceType?: unknown; parameter?: { name?: string; resource?: unknown }[] } | null;
  if (resource?.resourceType === 'Parameters') resource = (resource.parameter?.find((p) => p.name === 'resource')?.resource ?? null) as typeof resource;
  if (typeof resource !== 'object' || resource === null || resource.resourceType !== type) {
    throw fail('invalid-input', `Send a ${type} resource (resourceType "${type}").`);
  }
  const errors = r4Errors(resource);
  if (errors.length > 0) throw new InvalidResource(outcomeOfInvalidResource(errors, type));
  return resource as unknown as T;
}
class InvalidResource extends Error {
  constructor(readonly outcome: ReturnType<typeof outcomeOfInvalidResource>) {
    super('invalid FHIR resource');
  }
}

/** A command's stored refusal (409) as it was answered. */
function storedRefusal(outcome: CommandOutcome): Refusal {
  const { code, message, details } = outcome.answer as { code: string; message: string; details?: Record<string, unknown> };
  return outcome.status === 409
    ? { kind: 'rejection', code: code as RejectionCode, message, ...(details ? { details } : {}) }
    : { kind: 'error', code: 'command-failed', message };
}

/** The two parts share one cache of clients, so a deactivation on this process stops the client's tokens at once. */
interface PartOptions extends FhirOptions {
  readonly clientTokens: ClientTokens;
}

const fhirApi: FastifyPluginAsync<PartOptions> = async (app: FastifyInstance, options) => {
  const workflow = options.workflowCodes ?? loadWorkflowCodes();
  const runner = fhirRunner(options.runner);
  const { clientTokens } = options;
  const presentation = (): Presentation => {
    const scheme = options.scheme();
    return {
      currency: { code: scheme.currency, minorPerUnit: scheme.minor_per_unit },
      locale: scheme.locale,
      schemeId: scheme.id,
      schemeName: scheme.name,
      workflow,
    };
  };
  const baseOf = (request: FastifyRequest) => options.baseUrl ?? `${request.protocol}://${request.host}/fhir`;

  // OpenAPI (/docs) documents the native API; /fhir is documented by its CapabilityStatement.
  app.addHook('onRoute', (route) => {
    route.schema = { ...(route.schema ?? {}), hide: true };
  });
  app.decorateRequest('fhirCaller', null);
  // FHIR's own media type, read by the same strict reader as every JSON body (strict-json.ts):
  // repeated keys, NUL and lone surrogates are refused before any route runs.
  app.addContentTypeParser('application/fhir+json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (body.length === 0) return done(fail('invalid-input', 'The request body is empty; send a FHIR resource.'));
    const result = readStrictJson(body);
    if (!result.ok) return done(new RefusedError(refusalOfFinding(result.finding)));
    request.bodyFindings = result.findings;
    done(null, result.value);
  });
  // The token endpoint's form (RFC 6749): a parameter sent twice is refused, not picked from.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body: string, done) => {
    const form: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body)) {
      if (name in form) return done(new OAuthError(400, 'invalid_request', `The parameter ${name} is sent more than once.`));
      form[name] = value;
    }
    done(null, form);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof OAuthError) return reply.status(error.status).send({ error: error.error, error_description: error.description });
    if (error instanceof InvalidResource) return sendResource(reply, 400, error.outcome);
    const refusal = error instanceof RefusedError ? error.refusal : (busyRefusal(error) ?? refusalOfFastifyError(error));
    if (refusal) {
      if (refusal.code === 'service-busy' || refusal.code === 'database-unavailable') void reply.header('retry-after', '2');
      const { status, outcome } = outcomeOfRefusal(refusal);
      return sendResource(reply, status, outcome);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendResource(
      reply,
      500,
      outcomeOfRefusal({
        kind: 'error',
        code: 'internal-error',
        message: `Something went wrong on the server. A Claim sent again with the same identifier is never applied twice. Reference: ${request.id}.`,
      }).outcome,
    );
  });
  app.setNotFoundHandler((request, reply) => {
    const { outcome } = outcomeOfRefusal({
      kind: 'error',
      code: 'not-found',
      message: `There is no ${request.method} ${request.url.split('?')[0]} here; see ${baseOf(request)}/metadata.`,
    });
    return sendResource(reply, 404, outcome);
  });

  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ') && clientTokens.isClientToken(header.slice('Bearer '.length))) {
      request.fhirCaller = await clientTokens.caller(header.slice('Bearer '.length));
      return;
    }
    if (!header)
      throw fail('unauthenticated', `Authenticate first: a hospital system gets an access token at ${baseOf(request)}/auth/token (SMART Backend Services).`);
    request.fhirCaller = { principal: await options.authenticateOperator(request), clientId: null, scopes: null };
  };
  const callerOf = (request: FastifyRequest): FhirCaller => {
    if (!request.fhirCaller) throw fail('unauthenticated', 'Authenticate first.');
    return request.fhirCaller;
  };
  const requireScope = (caller: FhirCaller, type: string, access: 'read' | 'write') => {
    if (!hasScope(caller, type, access))
      throw fail('forbidden-role', `This access token does not carry system/${type}.${access}; ask for it at the token endpoint.`);
  };
  const searchContext = (caller: FhirCaller): SearchContext => ({ db: options.db, runner, principal: caller.principal, presentation: presentation() });

  app.get('/metadata', async (request, reply) =>
    sendResource(reply, 200, capabilityStatement(baseOf(request), `${baseOf(request)}/auth/token`, { version: '0.1.0' })),
  );

  app.get('/.well-known/smart-configuration', async (request) => ({
    token_endpoint: `${baseOf(request)}/auth/token`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...signingAlgorithms],
    grant_types_supported: ['client_credentials'],
    scopes_supported: [...supportedScopes],
    capabilities: ['client-confidential-asymmetric'],
  }));

  app.post('/auth/token', async (request, reply) => {
    if (typeof request.body !== 'object' || request.body === null)
      throw new OAuthError(400, 'invalid_request', 'Send the token request as application/x-www-form-urlencoded.');
    const answer = await issueAccessToken(options.db, options.keys.token, request.body, `${baseOf(request)}/auth/token`, options.now());
    void reply.header('pragma', 'no-cache');
    return answer;
  });

  /** The current ClaimResponse of what a $submit decided (or decided the first time, for a replay). */
  const responseOf = async (caller: FhirCaller, submitted: Submitted) => {
    const p = presentation();
    if (submitted.use === 'preauthorization') {
      const { rows } = await reads.preauths(options.db, caller.principal, { caseIds: [submitted.caseId], limit: 1, offset: 0 });
      if (!rows[0]) throw new Error(`pre-auth ${submitted.caseId} answered 200 but cannot be read`);
      return preauthClaimResponseOf(p, rows[0]);
    }
    if (submitted.use === 'enhancement') {
      const { rows } = await reads.enhancements(options.db, caller.principal, { enhancementIds: [submitted.enhancementId], limit: 1, offset: 0 });
      if (!rows[0]) throw new Error(`enhancement ${submitted.enhancementId} answered 200 but cannot be read`);
      return enhancementClaimResponseOf(p, rows[0]);
    }
    const { rows } = await reads.claims(options.db, caller.principal, { claimIds: [submitted.claimId], limit: 1, offset: 0 });
    if (!rows[0]) throw new Error(`claim ${submitted.claimId} answered 200 but cannot be read`);
    return claimResponseOf(p, rows[0]);
  };

  const submit = async (request: FastifyRequest, reply: FastifyReply): Promise<Submitted> => {
    const caller = callerOf(request);
    requireScope(caller, 'Claim', 'write');
    const claim = resourceOf<Claim>(request.body, 'Claim');
    const submitted = await submitFhirClaim(runner, options.db, caller.principal, claim, presentation().currency);
    if (submitted.outcome.isReplay) void reply.header('x-command-replayed', 'true');
    else if (submitted.outcome.status === 200) options.notifier.changed();
    if (submitted.outcome.status !== 200) throw new RefusedError(storedRefusal(submitted.outcome));
    return submitted;
  };

  // Everything below needs a registered hospital system: one preHandler for the whole scope.
  await app.register(async (scope) => {
    scope.addHook('preHandler', authenticate);
    scope.post('/Claim/$submit', async (request, reply) => {
      const submitted = await submit(request, reply);
      return sendResource(reply, 200, await responseOf(callerOf(request), submitted));
    });

    // Create, with If-None-Exist: identifier=system|value (the only condition this server takes).
    scope.post('/Claim', async (request, reply) => {
      const caller = callerOf(request);
      const condition = request.headers['if-none-exist'];
      if (typeof condition === 'string') {
        const params = [...new URLSearchParams(condition)];
        if (params.length !== 1 || params[0]![0] !== 'identifier' || params[0]![1] === '')
          throw fail('invalid-input', 'If-None-Exist takes one condition here: identifier=system|value.');
        requireScope(caller, 'Claim', 'read');
        const found = await claimsByIdentifier(options.db, caller.principal, [params[0]![1]]);
        const ids = [...found.claimIds, ...found.caseIds, ...found.enhancementIds];
        if (ids.length > 1) throw fail('invalid-input', `If-None-Exist matches ${ids.length} claims; make the condition name one.`);
        if (ids.length === 1) return sendResource(reply, 200, await read('Claim', ids[0]!, searchContext(caller)));
      }
      const submitted = await submit(request, reply);
      const id = submitted.use === 'claim' ? submitted.claimId : submitted.use === 'enhancement' ? submitted.enhancementId : submitted.caseId;
      void reply.header('location', `${baseOf(request)}/Claim/${id}`);
      return sendResource(reply, submitted.outcome.isReplay ? 200 : 201, await read('Claim', id, searchContext(caller)));
    });

    const eligibility = async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = callerOf(request);
      requireScope(caller, 'CoverageEligibilityRequest', 'write');
      const eligibilityRequest = resourceOf<CoverageEligibilityRequest>(request.body, 'CoverageEligibilityRequest');
      return sendResource(
        reply,
        200,
        await answerEligibility(options.db, runner, caller.principal, presentation(), eligibilityRequest, new Date(options.now())),
      );
    };
    scope.post('/CoverageEligibilityRequest/$submit', eligibility);
    scope.post('/CoverageEligibilityRequest', eligibility);

    // Update of a Task: the hospital's answer to a reviewer's query (the native respond-query).
    scope.put('/Task/:id', async (request, reply) => {
      const caller = callerOf(request);
      requireScope(caller, 'Task', 'write');
      const task = resourceOf<Task>(request.body, 'Task');
      const answered = await answerQueryTask(runner, options.db, caller.principal, (request.params as { id: string }).id, task);
      if (answered.outcome.isReplay) void reply.header('x-command-replayed', 'true');
      else if (answered.outcome.status === 200) options.notifier.changed();
      if (answered.outcome.status !== 200) throw new RefusedError(storedRefusal(answered.outcome));
      return sendResource(reply, 200, await read('Task', answered.taskId, searchContext(caller)));
    });

    const typeOf = (name: string): SearchableType => {
      if (!(searchableTypes as readonly string[]).includes(name))
        throw fail('not-found', `This server does not serve ${name}; see /fhir/metadata for what it does.`);
      return name as SearchableType;
    };

    scope.get('/:type', async (request, reply) => {
      const caller = callerOf(request);
      const type = typeOf((request.params as { type: string }).type);
      requireScope(caller, type, 'read');
      const query = parseSearch(type, request.query as Record<string, unknown>);
      const found = await search(type, query, searchContext(caller));
      const base = baseOf(request);
      const self = `${base}${request.url.slice('/fhir'.length)}`;
      const next = new URL(self);
      next.searchParams.set('_offset', String(query.offset + query.count));
      next.searchParams.set('_count', String(query.count));
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        total: found.total,
        link: [{ relation: 'self', url: self }, ...(query.offset + query.count < found.total ? [{ relation: 'next', url: next.toString() }] : [])],
        entry: found.resources.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
      };
      return sendResource(reply, 200, bundle);
    });

    scope.get('/:type/:id', async (request, reply) => {
      const caller = callerOf(request);
      const params = request.params as { type: string; id: string };
      const type = typeOf(params.type);
      requireScope(caller, type, 'read');
      return sendResource(reply, 200, await read(type, params.id, searchContext(caller)));
    });
  });
};

const clientAdministration: FastifyPluginAsync<PartOptions> = async (app, options) => {
  const bearer = [{ bearerAuth: [] }];
  const Registered = Type.Object({ clientId: Type.String(), operatorId: Type.String(), hospitalId: Type.String() }, { additionalProperties: false });
  app.post(
    '/admin/fhir-clients',
    {
      schema: {
        tags: ['fhir'],
        summary: 'Register a hospital system for /fhir (HA): SMART Backend Services client of one hospital, with its public keys (JWKS)',
        security: bearer,
        body: Type.Object(
          {
            clientId: Type.String({ pattern: '^[A-Za-z0-9._-]{3,64}$', description: 'The client id the hospital system puts in iss and sub' }),
            hospitalId: Type.String({ format: 'uuid', description: 'The hospital it submits for' }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            jwks: Type.Object(
              { keys: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1, maxItems: 10 }) },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Registered },
      },
    },
    async (request) => {
      const principal = await options.authenticateOperator(request);
      const body = request.body as { clientId: string; hospitalId: string; name: string; jwks: unknown };
      const registered = await registerClient(options.db, principal, body);
      return { ...registered, hospitalId: body.hospitalId };
    },
  );
  app.post(
    '/admin/fhir-clients/:clientId/deactivate',
    {
      schema: {
        tags: ['fhir'],
        summary: 'Deactivate a hospital system (HA): its tokens are refused within 5 s on every server',
        security: bearer,
        params: Type.Object({ clientId: Type.String({ pattern: '^[A-Za-z0-9._-]{3,64}$' }) }),
        response: { 200: Type.Object({ clientId: Type.String(), isActive: Type.Literal(false) }, { additionalProperties: false }) },
      },
    },
    async (request) => {
      const principal = await options.authenticateOperator(request);
      const { clientId } = request.params as { clientId: string };
      await deactivateClient(options.db, principal, clientId);
      options.clientTokens.forget(clientId);
      return { clientId, isActive: false as const };
    },
  );
};

/** FHIR R4 at /fhir, and HA's registration of hospital systems: registered by app.ts with one line. */
export const fhirPlugin: FastifyPluginAsync<FhirOptions> = async (app, options) => {
  const clientTokens = new ClientTokens(options.db, options.keys.token, options.now);
  await app.register(fhirApi, { ...options, clientTokens, prefix: '/fhir' });
  await app.register(clientAdministration, { ...options, clientTokens });
};
