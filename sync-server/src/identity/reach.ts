import { fail } from '@domain/outcomes';
import type { Sql } from '../db/database';

/** How long an identify-member lets the hospital reach the member's family. */
export const lookupReachHours = 24;

/**
 * What a desk role (an operator of a hospital: MEDCO) may reach of a family, beyond looking a
 * member up (issue 13 item 8): a family with a case at its hospital, a family one of its operators
 * identified in the last day (the member it is admitting), or a family of the districts its desks
 * already replicate for offline search (their own hospital's district, or the registry district HA
 * set). Scheme-wide roles (hospital null) reach every family.
 */
export async function isFamilyInReach(sql: Pick<Sql, 'query'>, hospitalId: string | null, familyId: string): Promise<boolean> {
  if (hospitalId === null) return true;
  const [row] = await sql.query<{ reached: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM cases WHERE family_id = $2 AND hospital_id = $1)
         OR EXISTS (SELECT 1 FROM family_lookups WHERE family_id = $2 AND hospital_id = $1 AND looked_up_at > now() - make_interval(hours => $3::int))
         OR EXISTS (SELECT 1 FROM desk_lookups l JOIN desks d ON d.id = l.desk_id WHERE l.family_id = $2 AND d.hospital_id = $1)
         OR EXISTS (SELECT 1 FROM families f JOIN hospitals h ON h.id = $1
                     WHERE f.id = $2 AND (f.district = h.district OR f.district IN (SELECT registry_district FROM desks WHERE hospital_id = $1 AND registry_district IS NOT NULL)))
         AS reached`,
    [hospitalId, familyId, lookupReachHours],
  );
  return row?.reached === true;
}

/** Refuse (404, as for a family that does not exist: nothing is confirmed to an operator it does not concern). */
export async function requireFamilyInReach(sql: Pick<Sql, 'query'>, hospitalId: string | null, familyId: string, what: string): Promise<void> {
  if (await isFamilyInReach(sql, hospitalId, familyId)) return;
  throw fail(
    'not-found',
    `There is no ${what} your hospital serves: identify the patient first (scheme id, national id or health card), or ask the health authority.`,
  );
}

/** Record that an operator of `hospitalId` identified a member of this family (identify-member). */
export async function recordLookup(sql: Sql, hospitalId: string | null, familyId: string): Promise<void> {
  if (hospitalId === null) return;
  await sql.defer(
    'INSERT INTO family_lookups (hospital_id, family_id) VALUES ($1, $2) ON CONFLICT (hospital_id, family_id) DO UPDATE SET looked_up_at = now()',
    [hospitalId, familyId],
  );
}
