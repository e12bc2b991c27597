import type { Coverage, Group, Patient } from '@medplum/fhirtypes';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Sql } from '../db/database';
import { isFamilyInReach, requireFamilyInReach } from '../identity/reach';
import {
  claimResponseOf,
  coverageOf,
  groupOf,
  patientOf,
  type ClaimRow,
  type EnhancementRow,
  type FamilyRow,
  type MemberRow,
  type PackageRow,
  type PaymentRow,
  type PreauthRow,
  type Presentation,
} from './resources';

/**
 * The rows behind each FHIR resource, read with the scope of a desk of the caller's hospital
 * (identity/reach.ts): a family's records when the family is in the hospital's reach, a case's
 * pre-auth, claim and query when the case is the hospital's, a payment when it paid the hospital.
 * Scheme-wide roles (hospital null) see everything. Out of scope reads as not found, as the native
 * reads do: nothing is confirmed to a hospital it does not concern.
 */
type Reader = Pick<Sql, 'query'>;

const notFound = (what: string): never => {
  throw fail('not-found', `There is no ${what} your hospital may read.`);
};

// ── Registry ──

const memberColumns = 'm.id, m.family_id, m.scheme_member_id, m.full_name, m.birth_year, m.gender, m.relation';

export async function membersByIds(sql: Reader, principal: Principal, ids: readonly string[]): Promise<MemberRow[]> {
  if (ids.length === 0) return [];
  const rows = await sql.query<MemberRow>(`SELECT ${memberColumns} FROM members m WHERE m.id = ANY($1::uuid[]) ORDER BY m.scheme_member_id`, [ids]);
  const kept: MemberRow[] = [];
  for (const row of rows) if (await isFamilyInReach(sql, principal.hospitalId, row.family_id)) kept.push(row);
  return kept;
}

export async function readPatient(sql: Reader, principal: Principal, id: string): Promise<Patient> {
  const [member] = await membersByIds(sql, principal, [id]);
  return member ? patientOf(member) : notFound(`Patient/${id}`);
}

async function familyOf(sql: Reader, familyId: string): Promise<{ family: FamilyRow; members: MemberRow[] } | null> {
  const [family] = await sql.query<FamilyRow>('SELECT id, family_number, district FROM families WHERE id = $1', [familyId]);
  if (!family) return null;
  const members = await sql.query<MemberRow>(`SELECT ${memberColumns} FROM members m WHERE m.family_id = $1 ORDER BY m.scheme_member_id`, [familyId]);
  return { family, members };
}

export async function readGroup(sql: Reader, principal: Principal, id: string): Promise<Group> {
  const found = await familyOf(sql, id);
  if (!found) return notFound(`Group/${id}`);
  await requireFamilyInReach(sql, principal.hospitalId, id, `Group/${id}`);
  return groupOf(found.family, found.members);
}

/** The families of these numbers that the caller reaches. */
export async function familyIdsByNumber(sql: Reader, principal: Principal, numbers: readonly string[]): Promise<string[]> {
  const rows = await sql.query<{ id: string }>('SELECT id FROM families WHERE family_number = ANY($1::text[])', [numbers]);
  const kept: string[] = [];
  for (const row of rows) if (await isFamilyInReach(sql, principal.hospitalId, row.id)) kept.push(row.id);
  return kept;
}

export async function groupsOf(sql: Reader, familyIds: readonly string[]): Promise<Group[]> {
  const groups: Group[] = [];
  for (const id of familyIds) {
    const found = await familyOf(sql, id);
    if (found) groups.push(groupOf(found.family, found.members));
  }
  return groups;
}

/** The open policy year's span in the scheme's time zone. */
async function openYear(sql: Reader): Promise<{ start: Date; end: Date }> {
  const [row] = await sql.query<{ start: Date; end: Date }>(
    `SELECT make_timestamptz(policy_year, year_start_month, 1, 0, 0, 0, time_zone) AS start,
            make_timestamptz(policy_year + 1, year_start_month, 1, 0, 0, 0, time_zone) - interval '1 millisecond' AS "end"
       FROM schemes WHERE is_current`,
  );
  if (!row) throw new Error('No scheme is configured in this database.');
  return row;
}

export async function coveragesOf(sql: Reader, p: Presentation, members: readonly MemberRow[]): Promise<Coverage[]> {
  const year = await openYear(sql);
  const coverages: Coverage[] = [];
  for (const member of members) {
    const found = await familyOf(sql, member.family_id);
    if (!found) continue;
    const head = found.members.find((m) => m.relation === 'head') ?? null;
    coverages.push(coverageOf(p, member, found.family, head, year));
  }
  return coverages;
}

// ── Catalogue ──

export async function packages(sql: Reader, codes: readonly string[] | null): Promise<PackageRow[]> {
  return sql.query<PackageRow>(
    `SELECT p.code, p.name, p.specialty, p.is_unspecified,
            (SELECT json_agg(json_build_object('version', pp.version, 'price', pp.price, 'effective_from', pp.effective_from) ORDER BY pp.version)
               FROM package_prices pp WHERE pp.package_code = p.code) AS prices
       FROM packages p WHERE ($1::text[] IS NULL OR p.code = ANY($1::text[])) ORDER BY p.code`,
    [codes],
  );
}

// ── Cases: pre-auths, claims, payments ──

const preauthSelect = `SELECT c.id AS case_id, c.member_id, c.hospital_id, c.status AS case_status, c.is_emergency, c.admitted_at,
            p.id AS preauth_id, p.package_code, pk.name AS package_name, p.package_version, p.requested_amount, p.approved_amount,
            p.status AS preauth_status, p.clinical_note, p.query_reason, p.query_response, p.decision_reason, p.requested_at, p.decided_at,
            h.id AS hold_id, h.amount AS hold_amount, h.authorized AS hold_authorized, h.consumed AS hold_consumed, h.status AS hold_status,
            h.cost_share_estimate AS estimate_total, h.estimate_deductible, h.estimate_coinsurance, h.estimate_copay, h.estimate_not_covered,
            fc.identifier_system, fc.identifier_value,
            (SELECT count(*)::int FROM audit_log a WHERE a.entity_type = 'case' AND a.entity_id = c.id::text AND a.action = 'preauth-queried') AS query_round
       FROM cases c JOIN preauths p ON p.case_id = c.id JOIN packages pk ON pk.code = p.package_code
       LEFT JOIN holds h ON h.case_id = c.id
       LEFT JOIN fhir_claims fc ON fc.case_id = c.id AND fc.use = 'preauthorization'`;

export interface CaseFilter {
  readonly caseIds?: readonly string[];
  readonly preauthIds?: readonly string[];
  readonly memberIds?: readonly string[];
  readonly statuses?: readonly string[];
  readonly onlyQueried?: boolean;
  readonly limit: number;
  readonly offset: number;
}

/** Pre-auths of the caller's hospital (all, for scheme-wide roles), newest first. */
export async function preauths(sql: Reader, principal: Principal, filter: CaseFilter): Promise<{ rows: PreauthRow[]; total: number }> {
  const where = `WHERE ($1::uuid IS NULL OR c.hospital_id = $1) AND ($2::uuid[] IS NULL OR c.id = ANY($2::uuid[]))
                   AND ($3::uuid[] IS NULL OR c.member_id = ANY($3::uuid[])) AND ($4::text[] IS NULL OR p.status = ANY($4::text[]))
                   AND (NOT $5 OR p.query_reason IS NOT NULL) AND ($6::uuid[] IS NULL OR p.id = ANY($6::uuid[]))`;
  const args = [
    principal.hospitalId,
    filter.caseIds ?? null,
    filter.memberIds ?? null,
    filter.statuses ?? null,
    filter.onlyQueried ?? false,
    filter.preauthIds ?? null,
  ];
  const rows = await sql.query<PreauthRow>(`${preauthSelect} ${where} ORDER BY p.requested_at DESC, c.id LIMIT $7 OFFSET $8`, [
    ...args,
    filter.limit,
    filter.offset,
  ]);
  const [count] = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM cases c JOIN preauths p ON p.case_id = c.id ${where}`, args);
  return { rows, total: count?.total ?? 0 };
}

const enhancementSelect = `SELECT e.id AS enhancement_id, c.id AS case_id, c.member_id, c.hospital_id, c.status AS case_status,
            p.package_code, pk.name AS package_name, e.requested_amount, e.approved_amount, e.granted_amount, e.status, e.reason,
            e.decision_reason, e.requested_at, e.decided_at, h.id AS hold_id, h.amount AS hold_amount,
            e.patient_deductible, e.patient_coinsurance, e.patient_copay, e.patient_not_covered, fc.identifier_system, fc.identifier_value
       FROM enhancements e JOIN cases c ON c.id = e.case_id JOIN preauths p ON p.case_id = c.id JOIN packages pk ON pk.code = p.package_code
       LEFT JOIN holds h ON h.case_id = c.id
       LEFT JOIN fhir_claims fc ON fc.enhancement_id = e.id`;

/** Enhancement requests on the caller's hospital's cases (all, for scheme-wide roles), newest first. */
export async function enhancements(
  sql: Reader,
  principal: Principal,
  filter: { enhancementIds?: readonly string[]; memberIds?: readonly string[]; limit: number; offset: number },
): Promise<{ rows: EnhancementRow[]; total: number }> {
  const where = `WHERE ($1::uuid IS NULL OR c.hospital_id = $1) AND ($2::uuid[] IS NULL OR e.id = ANY($2::uuid[]))
                   AND ($3::uuid[] IS NULL OR c.member_id = ANY($3::uuid[]))`;
  const args = [principal.hospitalId, filter.enhancementIds ?? null, filter.memberIds ?? null];
  const rows = await sql.query<EnhancementRow>(`${enhancementSelect} ${where} ORDER BY e.requested_at DESC, e.id LIMIT $4 OFFSET $5`, [
    ...args,
    filter.limit,
    filter.offset,
  ]);
  const [count] = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM enhancements e JOIN cases c ON c.id = e.case_id ${where}`, args);
  return { rows, total: count?.total ?? 0 };
}

const claimSelect = `SELECT cl.id, cl.case_id, c.member_id, cl.hospital_id, h.id AS hold_id, cl.amount, cl.payer_amount, cl.patient_amount, cl.approved_amount,
            cl.status, cl.submitted_at, cl.verified_at, cl.payment_id, pm.reference AS payment_reference, pm.created_at AS payment_created_at,
            fc.identifier_system, fc.identifier_value,
            COALESCE((SELECT json_agg(json_build_object(
                        'booking_id', b.id, 'item_code', b.item_code, 'description', b.description, 'quantity', b.quantity, 'unit_price', b.unit_price,
                        'amount', b.amount, 'payer_amount', l.payer_amount, 'patient_amount', l.patient_amount, 'cex_decision', l.cex_decision,
                        'cex_amount', l.cex_amount, 'cex_reason_code', l.cex_reason_code, 'cpd_decision', l.cpd_decision,
                        'approved_amount', l.approved_amount, 'reason_code', l.reason_code) ORDER BY b.seq)
                        FROM claim_lines l JOIN bookings b ON b.id = l.booking_id WHERE l.claim_id = cl.id), '[]') AS lines
       FROM claims cl JOIN cases c ON c.id = cl.case_id LEFT JOIN holds h ON h.case_id = cl.case_id
       LEFT JOIN payments pm ON pm.id = cl.payment_id
       LEFT JOIN fhir_claims fc ON fc.claim_id = cl.id`;

export interface ClaimFilter {
  readonly claimIds?: readonly string[];
  readonly caseIds?: readonly string[];
  readonly memberIds?: readonly string[];
  readonly paymentIds?: readonly string[];
  readonly limit: number;
  readonly offset: number;
}

export async function claims(sql: Reader, principal: Principal, filter: ClaimFilter): Promise<{ rows: ClaimRow[]; total: number }> {
  const where = `WHERE ($1::uuid IS NULL OR cl.hospital_id = $1) AND ($2::uuid[] IS NULL OR cl.id = ANY($2::uuid[]))
                   AND ($3::uuid[] IS NULL OR cl.case_id = ANY($3::uuid[])) AND ($4::uuid[] IS NULL OR c.member_id = ANY($4::uuid[]))
                   AND ($5::uuid[] IS NULL OR cl.payment_id = ANY($5::uuid[]))`;
  const args = [principal.hospitalId, filter.claimIds ?? null, filter.caseIds ?? null, filter.memberIds ?? null, filter.paymentIds ?? null];
  const rows = await sql.query<ClaimRow>(`${claimSelect} ${where} ORDER BY cl.submitted_at DESC, cl.id LIMIT $6 OFFSET $7`, [
    ...args,
    filter.limit,
    filter.offset,
  ]);
  const [count] = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM claims cl JOIN cases c ON c.id = cl.case_id ${where}`, args);
  return { rows, total: count?.total ?? 0 };
}

export async function payments(
  sql: Reader,
  principal: Principal,
  filter: { paymentIds?: readonly string[]; claimIds?: readonly string[]; limit: number; offset: number },
): Promise<{ rows: PaymentRow[]; total: number }> {
  const where = `WHERE ($1::uuid IS NULL OR pm.hospital_id = $1) AND ($2::uuid[] IS NULL OR pm.id = ANY($2::uuid[]))
                   AND ($3::uuid[] IS NULL OR EXISTS (SELECT 1 FROM claims x WHERE x.payment_id = pm.id AND x.id = ANY($3::uuid[])))`;
  const args = [principal.hospitalId, filter.paymentIds ?? null, filter.claimIds ?? null];
  const rows = await sql.query<PaymentRow>(
    `SELECT pm.id, pm.hospital_id, pm.reference, pm.amount, pm.government_amount, pm.insurer_amount, pm.deductions, pm.net_paid, pm.created_at,
            COALESCE((SELECT json_agg(json_build_object('claim_id', x.id, 'approved_amount', x.approved_amount) ORDER BY x.id)
                        FROM claims x WHERE x.payment_id = pm.id), '[]') AS claims
       FROM payments pm ${where} ORDER BY pm.created_at DESC, pm.id LIMIT $4 OFFSET $5`,
    [...args, filter.limit, filter.offset],
  );
  const [count] = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM payments pm ${where}`, args);
  return { rows, total: count?.total ?? 0 };
}

/** The current ClaimResponse of a claim the caller's hospital made (after a $submit, or a replay of one). */
export async function claimResponseById(sql: Reader, principal: Principal, p: Presentation, claimId: string) {
  const { rows } = await claims(sql, principal, { claimIds: [claimId], limit: 1, offset: 0 });
  const [row] = rows;
  return row ? claimResponseOf(p, row) : notFound(`ClaimResponse/${claimId}`);
}

/** The family's members when the caller reaches it, else null. */
export async function membersOfFamilyInReach(sql: Reader, principal: Principal, familyId: string): Promise<MemberRow[] | null> {
  const found = await familyOf(sql, familyId);
  if (!found || !(await isFamilyInReach(sql, principal.hospitalId, familyId))) return null;
  return found.members;
}

/** Cases and claims submitted under these Claim.identifier tokens (`system|value` or `value`) by the caller. */
export async function claimsByIdentifier(
  sql: Reader,
  principal: Principal,
  tokens: readonly string[],
): Promise<{ caseIds: string[]; claimIds: string[]; enhancementIds: string[] }> {
  const caseIds: string[] = [];
  const claimIds: string[] = [];
  const enhancementIds: string[] = [];
  for (const token of tokens) {
    const bar = token.indexOf('|');
    const system = bar < 0 ? null : token.slice(0, bar);
    const value = bar < 0 ? token : token.slice(bar + 1);
    const rows = await sql.query<{ case_id: string; claim_id: string | null; enhancement_id: string | null; use: string }>(
      `SELECT fc.case_id, fc.claim_id, fc.enhancement_id, fc.use FROM fhir_claims fc JOIN cases c ON c.id = fc.case_id
        WHERE fc.identifier_value = $1 AND ($2::text IS NULL OR fc.identifier_system IS NOT DISTINCT FROM NULLIF($2, ''))
          AND ($3::uuid IS NULL OR c.hospital_id = $3)`,
      [value, system, principal.hospitalId],
    );
    for (const row of rows) {
      if (row.use === 'claim' && row.claim_id) claimIds.push(row.claim_id);
      else if (row.use === 'enhancement' && row.enhancement_id) enhancementIds.push(row.enhancement_id);
      else caseIds.push(row.case_id);
    }
  }
  return { caseIds, claimIds, enhancementIds };
}
