import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorAnswer } from '@contract/commands';
import { DeskFleet, DeskFleetQuery, MinimumDeskVersion, SetMinimumDeskVersion, silentAfterMinutesMax, type SetMinimumDeskVersionValue } from '@contract/fleet';
import { fail } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { Principal } from '../auth/tokens';
import type { Database } from '../db/database';
import { deskFleet, minimumDeskVersion } from './reports';

export interface FleetRouteOptions {
  readonly db: Database;
  readonly principalOf: (request: FastifyRequest) => Principal;
  readonly now: () => Date;
  /** The default silence threshold (COVERDESK_DESK_SILENT_MINUTES; 60). */
  readonly silentAfterMinutes: number;
}

const errors = { 400: ErrorAnswer, 401: ErrorAnswer, 403: ErrorAnswer, 414: ErrorAnswer, 500: ErrorAnswer, 503: ErrorAnswer };
const describedExactly = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };

function requireHa(principal: Principal): void {
  if (!principal.roles.includes('HA')) throw fail('forbidden-role', 'The desk fleet belongs to the health authority (HA).');
}

/** HA's desk fleet page (issue 23): GET /admin/desk-fleet and the minimum desk version. */
export function registerFleetRoutes(app: FastifyInstance, options: FleetRouteOptions): void {
  const { db } = options;
  app.get(
    '/admin/desk-fleet',
    {
      ...describedExactly,
      schema: {
        tags: ['administration'],
        summary:
          'Every desk with its hospital, app version, last seen, last pull, outbox depth, oldest unsent command, clock offset and replica size; silent desks flagged (HA)',
        security: [{ bearerAuth: [] }],
        querystring: DeskFleetQuery,
        response: { 200: DeskFleet, ...errors },
      },
    },
    async (request) => {
      requireHa(options.principalOf(request));
      const asked = (request.query as { silentAfterMinutes?: string }).silentAfterMinutes;
      const silentAfterMinutes = asked === undefined ? options.silentAfterMinutes : Number(asked);
      if (silentAfterMinutes > silentAfterMinutesMax)
        throw fail('invalid-input', `Ask for a silence threshold of at most ${silentAfterMinutesMax} minutes (a week).`, { maximum: silentAfterMinutesMax });
      const now = options.now();
      const fleet = await deskFleet(db, now, silentAfterMinutes);
      return { ...fleet, silentAfterMinutes, computedAt: now.toISOString() };
    },
  );

  app.post(
    '/admin/desk-fleet/minimum-version',
    {
      ...describedExactly,
      schema: {
        tags: ['administration'],
        summary:
          'Set the minimum desk version (null: none), with the reason, audited: a desk below it keeps working offline, but its pushes are refused until it is updated (HA)',
        security: [{ bearerAuth: [] }],
        body: SetMinimumDeskVersion,
        response: { 200: MinimumDeskVersion, ...errors },
      },
    },
    async (request) => {
      const principal = options.principalOf(request);
      requireHa(principal);
      const body = request.body as SetMinimumDeskVersionValue;
      await db.transaction(async (sql) => {
        const [before] = await sql.query<{ minimum_version: string | null }>('SELECT minimum_version FROM desk_update_policy FOR UPDATE');
        await sql.query(
          `INSERT INTO desk_update_policy (id, minimum_version, set_by, set_at, reason) VALUES (true, $1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET minimum_version = excluded.minimum_version, set_by = excluded.set_by, set_at = excluded.set_at, reason = excluded.reason`,
          [body.version, principal.operatorId, options.now(), body.reason],
        );
        await appendAudit(sql, {
          actorId: principal.operatorId,
          action: 'minimum-desk-version-set',
          entityType: 'desk-update-policy',
          entityId: 'minimum-desk-version',
          before: { version: before?.minimum_version ?? null },
          after: { version: body.version, reason: body.reason },
        });
      });
      const set = await minimumDeskVersion(db);
      if (!set) throw new Error('the minimum desk version was not kept');
      return set;
    },
  );
}

/** COVERDESK_DESK_SILENT_MINUTES: unset, 60; otherwise a whole number of minutes up to a week, or the server refuses to start. */
export function silentMinutesFromEnvironment(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 60;
  const minutes = Number(value);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > silentAfterMinutesMax)
    throw new Error(`COVERDESK_DESK_SILENT_MINUTES must be a whole number of minutes from 1 to ${silentAfterMinutesMax}; it is "${value}".`);
  return minutes;
}
