import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { uuidPattern } from '@contract/commands';
import { MemberHistory } from '@contract/member-record';
import type { Database } from '../db/database';
import { bearer, describedExactly, errorResponses } from '../http/answers';
import type { OperatorAuthentication } from '../http/authentication';
import { memberHistory } from './history';

export interface HistoryRouteDeps {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
  readonly now: () => Date;
}

/** `GET /cases/:caseId/history` for a signed-in MEDCO of the treating hospital (issue 16). Register inside a signed-in scope. */
export async function historyRoutes(app: FastifyInstance, deps: HistoryRouteDeps): Promise<void> {
  app.get(
    '/cases/:caseId/history',
    {
      schema: {
        tags: ['reads'],
        summary:
          "The patient's past cases at every hospital (dates, packages, outcomes, claim results), for the hospital treating them now and only with their standing consent (grant-history-consent); 403 consent-required without it. Every answered look is logged for the member.",
        security: bearer,
        params: Type.Object({ caseId: Type.String({ format: 'uuid', pattern: uuidPattern }) }, { additionalProperties: false }),
        response: { 200: MemberHistory, ...errorResponses },
      },
      ...describedExactly,
    },
    async (request) => memberHistory(deps.db, deps.auth.principalOf(request), (request.params as { caseId: string }).caseId, 'api', deps.now()),
  );
}
