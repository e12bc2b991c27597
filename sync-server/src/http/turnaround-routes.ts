// Turnaround clocks (issue 15): each payer role's open stages by time remaining, and the
// turnaround report the KPI dashboard reads (scheme or hospital perspective).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ClockQueue, TurnaroundDrillDown, TurnaroundDrillQuery, TurnaroundReport, type TurnaroundDrillQueryValue } from '@contract/turnaround';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import { clockQueue, turnaroundDrillDown, turnaroundReaders, turnaroundReport } from '../queries/turnaround';
import { bearer, describedExactly, errorResponses } from './answers';
import type { OperatorAuthentication } from './authentication';

export interface TurnaroundRouteOptions {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
  readonly now: () => Date;
}

const dayMs = 86_400_000;
const HospitalCode = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9-]+$', description: 'A hospital code, e.g. HSP-A' });

/** Register inside a signed-in scope (authentication.ts signedInRoutes). */
export async function turnaroundRoutes(app: FastifyInstance, options: TurnaroundRouteOptions): Promise<void> {
  const { db, auth } = options;
  app.get(
    '/queues/clocks',
    {
      ...describedExactly,
      schema: {
        tags: ['queues'],
        summary:
          "Open stages the caller's roles own (HA: all), least time remaining first, with the service level, the time left and whether it is past (PPD, MC, ADMIN, CEX, CPD, ACO, HA)",
        security: bearer,
        querystring: Type.Object({ hospital: Type.Optional(HospitalCode) }, { additionalProperties: false }),
        response: { 200: ClockQueue, ...errorResponses },
      },
    },
    async (request) => clockQueue(db, auth.principalOf(request), options.now(), (request.query as { hospital?: string }).hospital),
  );

  app.get(
    '/reports/turnaround',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary:
          'Average and 90th-percentile turnaround per stage in a period, against the service levels, and what is open past them now (payer roles and HA: the scheme or one hospital; MEDCO: its own hospital)',
        security: bearer,
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date-time', description: 'Start of the period (default: 30 days before to)' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'End of the period, exclusive (default: now)' })),
            hospital: Type.Optional(HospitalCode),
          },
          { additionalProperties: false },
        ),
        response: { 200: TurnaroundReport, ...errorResponses },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      if (!principal.roles.some((role) => turnaroundReaders.includes(role)))
        throw fail('forbidden-role', 'Turnaround is for payer roles, HA and desk operators.');
      const query = request.query as { from?: string; to?: string; hospital?: string };
      const asOf = options.now();
      const to = query.to === undefined ? asOf : new Date(query.to);
      const from = query.from === undefined ? new Date(to.getTime() - 30 * dayMs) : new Date(query.from);
      return turnaroundReport(db, principal, { from, to, asOf, ...(query.hospital === undefined ? {} : { hospitalCode: query.hospital }) });
    },
  );

  app.get(
    '/reports/turnaround/stages',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary:
          'The stages behind a bar of the turnaround distribution: one stage completed in a period, optionally one bucket of time taken against its service level, longest first, paged (the readers and scope of /reports/turnaround)',
        security: bearer,
        querystring: TurnaroundDrillQuery,
        response: { 200: TurnaroundDrillDown, ...errorResponses },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      if (!principal.roles.some((role) => turnaroundReaders.includes(role)))
        throw fail('forbidden-role', 'Turnaround is for payer roles, HA and desk operators.');
      return turnaroundDrillDown(db, principal, request.query as TurnaroundDrillQueryValue);
    },
  );
}
