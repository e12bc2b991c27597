import type { FastifyInstance } from 'fastify';
import { KpiDashboard, KpiDrillDown, KpiDrillQuery, KpiFilters, type KpiDrillQueryValue, type KpiFiltersValue } from '@contract/kpis';
import type { Database } from '../db/database';
import { bearer, describedExactly, errorResponses } from '../http/answers';
import type { OperatorAuthentication } from '../http/authentication';
import { kpiDashboard } from './dashboard';
import { kpiDrillDown } from './drill-down';

export interface KpiRouteDeps {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
}

/**
 * The revenue-cycle reports for a signed-in operator (issue 15; docs/kpis.md): HA and ACO see the
 * scheme, a desk operator (MEDCO) their own hospital, every other role 403. A desk reads the same
 * with its credential and its operator's proof at /sync/kpis (src/sync/routes.ts). Register inside
 * a signed-in scope (http/authentication.ts signedInRoutes).
 */
export async function kpiRoutes(app: FastifyInstance, deps: KpiRouteDeps): Promise<void> {
  const { db } = deps;
  app.get(
    '/reports/kpis',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary:
          'Revenue-cycle KPIs by month and for the period: days in A/R, aging, collection rates, clean-claim, denial and rework rates, patient collection (HA, ACO: the scheme; MEDCO: own hospital)',
        security: bearer,
        querystring: KpiFilters,
        response: { 200: KpiDashboard, ...errorResponses },
      },
    },
    async (request) => kpiDashboard(db, deps.auth.principalOf(request), request.query as KpiFiltersValue),
  );
  app.get(
    '/reports/kpis/claims',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'The claims behind a KPI point (a month, an aging bucket, a reason code), paged; same filters and readers as /reports/kpis',
        security: bearer,
        querystring: KpiDrillQuery,
        response: { 200: KpiDrillDown, ...errorResponses },
      },
    },
    async (request) => kpiDrillDown(db, deps.auth.principalOf(request), request.query as KpiDrillQueryValue),
  );
}
