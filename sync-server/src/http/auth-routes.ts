// POST /auth/login and /auth/logout: an operator's bearer token, issued and revoked.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { LoginAnswer } from '@contract/reads';
import { ErrorAnswer, LoginBody } from '@contract/commands';
import { isRole, type HospitalId, type OperatorId } from '@domain/ids';
import type { ServerKeys } from '../auth/keyring';
import { signIn, signOut, TooManyAttempts, type SignInLimits } from '../auth/sign-in';
import { issueToken, type Principal } from '../auth/tokens';
import type { Database } from '../db/database';
import { bearer, describedExactly, errorResponses } from './answers';
import { signedInRoutes, type OperatorAuthentication } from './authentication';

export interface AuthRouteOptions {
  readonly db: Database;
  readonly keys: ServerKeys;
  readonly now: () => number;
  readonly auth: OperatorAuthentication;
  readonly signInLimits?: SignInLimits;
}

export async function authRoutes(app: FastifyInstance, options: AuthRouteOptions): Promise<void> {
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
      const issued = issueToken(options.keys.token, principal, options.now());
      return { ...issued, operatorId: operator.id, roles: principal.roles, hospitalId: principal.hospitalId };
    },
  );

  await signedInRoutes(app, options.auth, async (scope) => {
    scope.post(
      '/auth/logout',
      {
        schema: {
          tags: ['auth'],
          summary: 'Sign out: every token of this operator issued until now is refused, event streams included',
          security: bearer,
          response: { 200: Type.Object({ signedOut: Type.Literal(true) }), ...errorResponses },
        },
      },
      async (request) => {
        const principal = options.auth.principalOf(request);
        await signOut(options.db, principal.operatorId, request.ip);
        options.auth.operatorStatus.forget(principal.operatorId);
        return { signedOut: true as const };
      },
    );
  });
}
