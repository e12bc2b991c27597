import type { KpiFiltersValue } from '@contract/kpis';
import { fail } from '@domain/outcomes';
import type { Role } from '@domain/ids';
import type { Sql, SqlValue } from '../db/database';

/**
 * Who reads the revenue-cycle reports, and what the filters select (docs/kpis.md, "Who sees what").
 * The scheme's perspective: HA (runs the scheme) and ACO (the scheme's finance). A hospital's own:
 * its desk operators (MEDCO), for their hospital only. Every other role is refused.
 */
export const schemeReaders: readonly Role[] = ['HA', 'ACO'];

export interface KpiReader {
  readonly roles: readonly Role[];
  /** The operator's hospital; a hospital reader sees only it. */
  readonly hospitalId: string | null;
}

export type Perspective = 'scheme' | 'hospital';

/** The selection a report reads: null is "all" (the aggregates' rollup rows). */
export interface KpiSelection {
  readonly perspective: Perspective;
  readonly hospitalIds: readonly string[] | null;
  readonly packageCodes: readonly string[] | null;
  readonly from: string;
  readonly to: string;
  readonly applied: {
    from: string;
    to: string;
    hospital: string | null;
    district: string | null;
    specialty: string | null;
    package: string | null;
  };
  readonly timeZone: string;
  /** The scheme's current local month (YYYY-MM) and date (YYYY-MM-DD). */
  readonly currentMonth: string;
  readonly today: string;
}

const maxMonths = 36;

export function monthIndex(month: string): number {
  const [year, m] = month.split('-').map(Number);
  return year! * 12 + (m! - 1);
}

export function monthOf(index: number): string {
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function perspectiveOf(reader: KpiReader): Perspective {
  if (reader.roles.some((role) => schemeReaders.includes(role))) return 'scheme';
  if (reader.roles.includes('MEDCO') && reader.hospitalId !== null) return 'hospital';
  throw fail('forbidden-role', "Only HA and ACO see the scheme's revenue-cycle reports, and a hospital's desk operators their hospital's.");
}

/**
 * Check the filters against the database and turn them into a selection. Unknown names are bad
 * input (400, saying which); a hospital reader naming another hospital is refused (403). Reads only.
 */
export async function selectionOf(sql: Sql, reader: KpiReader, filters: KpiFiltersValue): Promise<KpiSelection> {
  const perspective = perspectiveOf(reader);
  const [clock] = await sql.query<{ time_zone: string; month: string; today: string }>(
    `SELECT s.time_zone, to_char(now() AT TIME ZONE s.time_zone, 'YYYY-MM') AS month, to_char(now() AT TIME ZONE s.time_zone, 'YYYY-MM-DD') AS today
       FROM schemes s WHERE s.is_current`,
  );
  if (!clock) throw fail('not-found', 'No scheme is configured.');
  const to = filters.to ?? clock.month;
  const from = filters.from ?? monthOf(monthIndex(to) - 11);
  if (monthIndex(to) > monthIndex(clock.month))
    throw fail('invalid-input', `The period ends in ${to}, after the current month ${clock.month}: choose a month that has begun.`, {
      to,
      currentMonth: clock.month,
    });
  if (monthIndex(from) > monthIndex(to)) throw fail('invalid-input', `The period starts in ${from}, after it ends in ${to}: swap them.`, { from, to });
  if (monthIndex(to) - monthIndex(from) + 1 > maxMonths)
    throw fail('invalid-input', `The period ${from} to ${to} is longer than ${maxMonths} months: choose a shorter one.`, { from, to });

  let hospitalIds: string[] | null = null;
  let hospitalCode: string | null = filters.hospital ?? null;
  if (perspective === 'hospital') {
    const [own] = await sql.query<{ code: string }>('SELECT code FROM hospitals WHERE id = $1', [reader.hospitalId]);
    if (filters.hospital !== undefined && filters.hospital !== own?.code)
      throw fail('forbidden-role', `A desk operator sees only their own hospital's reports (${own?.code ?? 'none'}), not ${filters.hospital}.`);
    hospitalIds = [reader.hospitalId!];
    hospitalCode = own?.code ?? null;
  } else if (filters.hospital !== undefined) {
    const [found] = await sql.query<{ id: string }>('SELECT id FROM hospitals WHERE code = $1', [filters.hospital]);
    if (!found) throw fail('invalid-input', `There is no hospital with the code ${filters.hospital}.`, { hospital: filters.hospital });
    hospitalIds = [found.id];
  }
  if (filters.district !== undefined) {
    const inDistrict = await sql.query<{ id: string }>('SELECT id FROM hospitals WHERE district = $1 ORDER BY id', [filters.district]);
    if (inDistrict.length === 0) throw fail('invalid-input', `No hospital is in the district ${filters.district}.`, { district: filters.district });
    const ids = inDistrict.map((row) => row.id);
    hospitalIds = hospitalIds === null ? ids : hospitalIds.filter((id) => ids.includes(id));
  }

  let packageCodes: string[] | null = null;
  if (filters.specialty !== undefined) {
    const ofSpecialty = await sql.query<{ code: string }>('SELECT code FROM packages WHERE specialty = $1 ORDER BY code', [filters.specialty]);
    if (ofSpecialty.length === 0)
      throw fail('invalid-input', `There is no specialty ${filters.specialty} in the package catalogue.`, { specialty: filters.specialty });
    packageCodes = ofSpecialty.map((row) => row.code);
  }
  if (filters.package !== undefined) {
    const [found] = await sql.query<{ code: string }>('SELECT code FROM packages WHERE code = $1', [filters.package]);
    if (!found) throw fail('invalid-input', `There is no package with the code ${filters.package}.`, { package: filters.package });
    packageCodes = packageCodes === null ? [found.code] : packageCodes.filter((code) => code === found.code);
  }
  return {
    perspective,
    hospitalIds,
    packageCodes,
    from,
    to,
    applied: {
      from,
      to,
      hospital: hospitalCode,
      district: filters.district ?? null,
      specialty: filters.specialty ?? null,
      package: filters.package ?? null,
    },
    timeZone: clock.time_zone,
    currentMonth: clock.month,
    today: clock.today,
  };
}

/**
 * The rows of an aggregate a report reads, as SQL conditions with their parameters. Facts hold
 * four grains (migration 045): with no hospital filter a report reads the all-hospitals rows
 * (`hospital_id IS NULL`) unless it breaks figures down by hospital (`each`); the same for packages.
 * Deltas not yet folded are always at the finest grain.
 */
export class Conditions {
  readonly params: SqlValue[] = [];

  constructor(private readonly selection: KpiSelection) {}

  param(value: SqlValue): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  facts(options: { hospital?: 'rollup' | 'each'; package?: 'rollup' | 'each' } = {}): string {
    const { hospitalIds, packageCodes } = this.selection;
    const hospital =
      hospitalIds !== null
        ? `hospital_id = ANY(${this.param(hospitalIds)}::uuid[])`
        : options.hospital === 'each'
          ? 'hospital_id IS NOT NULL'
          : 'hospital_id IS NULL';
    const pkg =
      packageCodes !== null
        ? `package_code = ANY(${this.param(packageCodes)}::text[])`
        : options.package === 'each'
          ? 'package_code IS NOT NULL'
          : 'package_code IS NULL';
    return `${hospital} AND ${pkg}`;
  }

  deltas(): string {
    const { hospitalIds, packageCodes } = this.selection;
    const parts = ['true'];
    if (hospitalIds !== null) parts.push(`hospital_id = ANY(${this.param(hospitalIds)}::uuid[])`);
    if (packageCodes !== null) parts.push(`package_code = ANY(${this.param(packageCodes)}::text[])`);
    return parts.join(' AND ');
  }
}
