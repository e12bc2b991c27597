import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  KpiDashboard,
  KpiDrillDown,
  KpiDrillQuery,
  KpiExportQuery,
  KpiFilterChoices,
  KpiFilters,
  KpiMonthlyReportQuery,
  KpiDrillExportQuery,
  type KpiDrillExportQueryValue,
  type KpiDrillQueryValue,
  type KpiMonthlyReportQueryValue,
  type KpiExportQueryValue,
  type KpiFiltersValue,
} from '@contract/kpis';
import type { Database } from '../db/database';
import { bearer, describedExactly, errorResponses } from '../http/answers';
import type { OperatorAuthentication } from '../http/authentication';
import { kpiDashboard } from './dashboard';
import { kpiFilterChoices } from './choices';
import { kpiDrillDown } from './drill-down';
import { kpiDrillExport, kpiExport } from './export';
import { kpiMonthlyReport } from './monthly-report';

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
  app.get(
    '/reports/kpis/filters',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary:
          "What the KPI dashboard's filters may name: hospitals, districts, specialties, packages (a hospital reader: its own), and the scheme's time zone and month",
        security: bearer,
        response: { 200: KpiFilterChoices, ...errorResponses },
      },
    },
    async (request) => kpiFilterChoices(db, deps.auth.principalOf(request)),
  );
  app.get(
    '/reports/kpis/export',
    {
      schema: {
        tags: ['reads'],
        summary:
          'One table behind a KPI dashboard chart (trend, aging, denial reasons, denials by hospital, package or specialty, turnaround) as CSV or XLSX, with the same filters and readers as /reports/kpis',
        security: bearer,
        querystring: KpiExportQuery,
        response: {
          200: Type.String({ format: 'binary', description: 'text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const file = await kpiExport(db, deps.auth.principalOf(request), request.query as KpiExportQueryValue);
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.fileName}"`).send(file.body);
    },
  );
  app.get(
    '/reports/kpis/monthly.pdf',
    {
      schema: {
        tags: ['reads'],
        summary:
          'The printable monthly revenue-cycle report as an A4 PDF: headline measures, A/R aging, denial Pareto, turnaround against service levels, patient collection (HA, ACO: the scheme or one hospital; MEDCO: own hospital)',
        security: bearer,
        querystring: KpiMonthlyReportQuery,
        response: { 200: Type.String({ format: 'binary', description: 'application/pdf' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const file = await kpiMonthlyReport(db, deps.auth.principalOf(request), request.query as KpiMonthlyReportQueryValue);
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${file.fileName}"`).send(file.body);
    },
  );
  app.get(
    '/reports/kpis/claims/export',
    {
      schema: {
        tags: ['reads'],
        summary:
          'Every claim behind a KPI point (the drill-down of /reports/kpis/claims, all pages, at most 50,000) as CSV or XLSX, with the same filters and readers',
        security: bearer,
        querystring: KpiDrillExportQuery,
        response: {
          200: Type.String({ format: 'binary', description: 'text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const file = await kpiDrillExport(db, deps.auth.principalOf(request), request.query as KpiDrillExportQueryValue);
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.fileName}"`).send(file.body);
    },
  );
}
