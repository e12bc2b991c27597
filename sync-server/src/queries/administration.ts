import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { ErrorAnswer } from '@contract/commands';
import { AdministrationHospitals, AdministrationOperators, AdministrationPackages, AdministrationScheme } from '@contract/reads';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Database } from '../db/database';

/**
 * The health authority's reference data: hospitals with their desks, operators, the package
 * catalogue with every price version, and the scheme's parameters. Changes go through commands
 * (revoke-desk, update-operator, set-package-price, set-scheme-parameters); these are their reads.
 */
export async function hospitalsWithDesks(db: Database): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT h.id, h.code, h.name, h.district,
            (SELECT COALESCE(json_agg(json_build_object('id', d.id, 'name', d.name, 'status', d.status, 'enrolledAt', d.enrolled_at,
                'registryDistrict', COALESCE(d.registry_district, h.district),
                'pendingCodeExpiresAt', (SELECT max(e.expires_at) FROM enrollment_codes e WHERE e.desk_id = d.id AND e.used_at IS NULL AND e.expires_at > now()))
              ORDER BY d.name), '[]'::json) FROM desks d WHERE d.hospital_id = h.id) AS desks
       FROM hospitals h ORDER BY h.code`,
  );
}

export async function operatorList(db: Database): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT o.id, o.username, o.display_name AS "displayName", o.roles, o.hospital_id AS "hospitalId", h.code AS "hospitalCode", o.is_active AS "isActive"
       FROM operators o LEFT JOIN hospitals h ON h.id = o.hospital_id ORDER BY o.username`,
  );
}

export async function packageVersions(db: Database): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT p.code, p.name, p.specialty, p.is_unspecified AS "isUnspecified",
            (SELECT json_agg(json_build_object('version', pp.version, 'price', pp.price, 'effectiveFrom', pp.effective_from) ORDER BY pp.version DESC)
               FROM package_prices pp WHERE pp.package_code = p.code) AS versions
       FROM packages p ORDER BY p.specialty, p.code`,
  );
}

export async function schemeSettings(db: Database): Promise<Record<string, unknown>> {
  const [scheme] = await db.query<Record<string, unknown>>(
    `SELECT id, name, policy_year AS "policyYear", currency, locale, minor_per_unit AS "minorPerUnit",
            government_share_bp AS "governmentShareBp", shortfall_policy AS "shortfallPolicy", auto_extend_bp AS "autoExtendBp",
            preauth_turnaround_minutes AS "preauthTurnaroundMinutes",
            (SELECT json_object_agg(l.stage, l.minutes) FROM stage_service_levels l WHERE l.scheme_id = schemes.id) AS "serviceLevels"
       FROM schemes WHERE is_current`,
  );
  if (!scheme) throw fail('not-found', 'There is no current scheme.');
  return scheme;
}

/** GET /admin/{hospitals,operators,packages,scheme}: HA only (403 for every other role). */
export function registerAdministrationReads(app: FastifyInstance, options: { db: Database; principalOf: (request: FastifyRequest) => Principal }): void {
  const reads: [string, string, TSchema, (db: Database) => Promise<unknown>][] = [
    ['/admin/hospitals', 'Hospitals with their desks (status, enrollment, pending code)', AdministrationHospitals, hospitalsWithDesks],
    ['/admin/operators', 'Operators with their roles, hospital scope and whether active', AdministrationOperators, operatorList],
    ['/admin/packages', 'The package catalogue with every price version, newest first', AdministrationPackages, packageVersions],
    ['/admin/scheme', 'The current scheme and its parameters', AdministrationScheme, schemeSettings],
  ];
  for (const [path, summary, answer, read] of reads) {
    app.get(
      path,
      {
        // Described, not filtered, by the schema (see describedExactly in app.ts).
        serializerCompiler: () => (data: unknown) => JSON.stringify(data),
        schema: {
          tags: ['administration'],
          summary: `${summary} (HA)`,
          security: [{ bearerAuth: [] }],
          response: { 200: answer, 401: ErrorAnswer, 403: ErrorAnswer, 404: ErrorAnswer, 414: ErrorAnswer, 500: ErrorAnswer, 503: ErrorAnswer },
        },
      },
      async (request) => {
        const principal = options.principalOf(request);
        if (!principal.roles.includes('HA')) throw fail('forbidden-role', 'Scheme administration belongs to the health authority (HA).');
        return { items: await read(options.db), computedAt: new Date().toISOString() };
      },
    );
  }
}
