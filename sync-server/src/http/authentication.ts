// Who is asking: the bearer token of a signed-in operator, checked against the operator's row.
// Every route group that needs an operator is registered under one hook (signedInRoutes).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fail } from '@domain/outcomes';
import { OperatorStatus } from '../auth/operator-status';
import type { ServerKeys } from '../auth/keyring';
import { verifyToken, type Principal } from '../auth/tokens';
import type { Database } from '../db/database';

export interface OperatorAuthentication {
  /** Sets request.principal from the bearer token, or refuses with 401. */
  authenticate(request: FastifyRequest): Promise<void>;
  /** The operator of a request that passed `authenticate`. */
  principalOf(request: FastifyRequest): Principal;
  /** `authenticate`, then the operator: for route groups that check a token themselves (sync, console). */
  authenticateOperator(request: FastifyRequest): Promise<Principal>;
  /** The cached status of operators (roles, deactivation), forgotten when update-operator commits. */
  readonly operatorStatus: OperatorStatus;
}

export function operatorAuthentication(db: Database, keys: ServerKeys, now: () => number): OperatorAuthentication {
  const operatorStatus = new OperatorStatus(db);
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw fail('unauthenticated', 'Sign in first: send Authorization: Bearer <token> from POST /auth/login.');
    const checked = verifyToken(keys.token, header.slice('Bearer '.length), now());
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
  return {
    authenticate,
    principalOf,
    authenticateOperator: async (request) => {
      await authenticate(request);
      return principalOf(request);
    },
    operatorStatus,
  };
}

/**
 * Register a group of routes that all need a signed-in operator: one encapsulated Fastify scope
 * whose single preHandler hook authenticates every route in it, so no route can forget to.
 */
export async function signedInRoutes(app: FastifyInstance, auth: OperatorAuthentication, register: (scope: FastifyInstance) => Promise<void>): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('preHandler', auth.authenticate);
    await register(scope);
  });
}
