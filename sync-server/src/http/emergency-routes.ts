// Emergencies before identity (issue 19): the emergency cases with their window to identify and the overdue flag.
import type { FastifyInstance } from 'fastify';
import { EmergencyList, EmergencyListQuery, type EmergencyListQueryValue } from '@contract/emergencies';
import type { Database } from '../db/database';
import { emergencyList } from '../queries/emergencies';
import { bearer, describedExactly, errorResponses } from './answers';
import type { OperatorAuthentication } from './authentication';

export interface EmergencyRouteOptions {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
  readonly now: () => Date;
}

/** Register inside a signed-in scope (authentication.ts signedInRoutes). */
export async function emergencyRoutes(app: FastifyInstance, options: EmergencyRouteOptions): Promise<void> {
  const { db, auth } = options;
  app.get(
    '/emergencies',
    {
      ...describedExactly,
      schema: {
        tags: ['queues'],
        summary:
          'Emergency cases admitted before identity: unidentified ones by least time left to identify, and the overdue flag (MEDCO: its hospital; PPD, ADMIN, HA: the scheme or one hospital)',
        security: bearer,
        querystring: EmergencyListQuery,
        response: { 200: EmergencyList, ...errorResponses },
      },
    },
    async (request) => emergencyList(db, auth.principalOf(request), options.now(), request.query as EmergencyListQueryValue),
  );
}
