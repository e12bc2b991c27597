// How every route answers: the house error shape, refusals from Fastify's own errors and from a
// busy database, and the response-schema helpers every route group shares.
import type { FastifyError, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { ErrorAnswer, uuidPattern } from '@contract/commands';
import { httpStatusOf, type Refusal } from '@domain/outcomes';
import { DatabaseBusyError, isDatabaseUnreachable, pgErrorCode, pgErrors } from '../db/database';

export const errorResponses = {
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
export const bearer = [{ bearerAuth: [] }];

/**
 * Reads answer with JSON.stringify, not a serializer compiled from their response schema: a
 * compiled serializer drops every field the schema does not list and coerces types, so a schema
 * that drifted from the answer would silently change the answer while the document still looked
 * right. Here the schema only describes, and openapi-answers.test.ts holds real answers to it.
 */
export const describedExactly = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };

export function refusalFromFastifyError(error: FastifyError): Refusal | null {
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

export const retryAfterSeconds = 2;

/**
 * The database could not serve the request in time: no connection free within the pool's wait
 * limit, a lock not granted within lock_timeout, or a statement past statement_timeout
 * (postgres.ts). The transaction was rolled back, so nothing was changed: 503, retry shortly.
 */
export function busyRefusal(error: unknown): Refusal | null {
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

/**
 * The database went away under the request: refused, cut, shutting down or a demoted standby —
 * what every request sees for the seconds a failover takes (docs/operations.md, "High
 * availability"). 503 with Retry-After: a desk counts it as the server not reachable and retries
 * by itself. A read changed nothing; a write may have committed just before the connection was
 * lost, so its answer says to send it again under the same command id (answered, never re-applied).
 */
export function unavailableRefusal(error: unknown, isRead: boolean): Refusal | null {
  if (!isDatabaseUnreachable(error)) return null;
  return {
    kind: 'error',
    code: 'database-unavailable',
    message: isRead
      ? 'The database is not reachable right now (it may be switching to its standby). Nothing was changed; try again in a few seconds.'
      : 'The database is not reachable right now (it may be switching to its standby), and this change may or may not have been recorded. Send it again in a few seconds with the same command id: if it was recorded you get its first answer, and it is never applied twice.',
  };
}

export function send(reply: FastifyReply, refusal: Refusal): FastifyReply {
  const { code, message, details } = refusal;
  return reply.status(httpStatusOf(refusal)).send({ code, message, ...(details ? { details } : {}) });
}

/** A path parameter that is a UUID (ids of families, cases, claims). */
export const IdParams = (name: string) => Type.Object({ [name]: Type.String({ format: 'uuid', pattern: uuidPattern }) });
