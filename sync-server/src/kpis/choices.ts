import type { KpiFilterChoicesValue } from '@contract/kpis';
import type { Database } from '../db/database';
import { perspectiveOf, type KpiReader } from './scope';

/**
 * What the dashboard's filters may name (issue 15): hospitals with their district, the districts,
 * the specialties and packages of the catalogue, and the scheme's time zone and current month. A
 * hospital reader gets only its own hospital and district (what selectionOf would let it name).
 * Read-only; the same readers as the reports (perspectiveOf refuses the others).
 */
export async function kpiFilterChoices(db: Database, reader: KpiReader): Promise<KpiFilterChoicesValue> {
  const perspective = perspectiveOf(reader);
  const [clock] = await db.query<{ time_zone: string; month: string }>(
    `SELECT time_zone, to_char(now() AT TIME ZONE time_zone, 'YYYY-MM') AS month FROM schemes WHERE is_current`,
  );
  const hospitals = await db.query<{ code: string; name: string; district: string }>(
    'SELECT code, name, district FROM hospitals WHERE ($1::uuid IS NULL OR id = $1) ORDER BY code',
    [perspective === 'hospital' ? reader.hospitalId : null],
  );
  const packages = await db.query<{ code: string; name: string; specialty: string }>('SELECT code, name, specialty FROM packages ORDER BY specialty, code');
  return {
    perspective,
    timeZone: clock?.time_zone ?? 'UTC',
    currentMonth: clock?.month ?? new Date().toISOString().slice(0, 7),
    hospitals,
    districts: [...new Set(hospitals.map((h) => h.district))].sort(),
    specialties: [...new Set(packages.map((p) => p.specialty))].sort(),
    packages,
  };
}
