import type { CoverageType } from '@domain/cost-sharing';
import { noAccumulation, type AccumulatorKind, type AccumulatorMovement, type AccumulatorState, type PlanYear } from '@domain/plan-design';
import type { Sql } from '../db/database';

/**
 * The accumulator ledger (migration 031). A charge on a family with cost sharing is decided in
 * three steps inside ONE transaction, which is what makes concurrent charges (two hospitals and a
 * pharmacy at the same instant, on any number of server processes) decide exactly as a sequential
 * run in their commit order would:
 * 1. `lockAccumulators` locks the family's accumulator rows, family rows first and in one order
 *    for every caller (so two charges of one family queue instead of deadlocking), then the
 *    member's, and reads them;
 * 2. the pure rule (domain/plan-design.ts decideCharge) splits the charge from those values;
 * 3. `applyMovements` adds the movements to the locked rows in one UPDATE and appends the entries
 *    in one INSERT. The CHECK constraints (met_within_maximum and the category ones) refuse any
 *    result past a maximum, whatever the application computed: the last line of defence.
 * Lock order with the rest of the money model: case → hold → accumulators → family_years.
 */

export type SourceKind = 'booking' | 'booking-void' | 'pharmacy-claim' | 'pharmacy-reversal' | 'exchange' | 'carry-over' | 'correction';

export interface PlanYearRow {
  plan_id: string;
  policy_year: number;
  family_deductible: number;
  member_deductible: number | null;
  coinsurance_medical_bp: number;
  coinsurance_pharmacy_bp: number;
  copay_admission: number;
  copay_prescription: number;
  member_oop_max: number | null;
  family_oop_max: number | null;
  member_sub_limit: number | null;
  medical_limit: number | null;
  pharmacy_limit: number | null;
  is_network_restricted: boolean;
  has_cost_sharing: boolean;
}

export interface AccountPlan {
  readonly plan: PlanYear;
  readonly hasCostSharing: boolean;
}

export function planYearOf(row: PlanYearRow): PlanYear {
  return {
    planId: row.plan_id,
    policyYear: row.policy_year,
    familyDeductible: row.family_deductible,
    memberDeductible: row.member_deductible,
    coinsuranceBp: { medical: row.coinsurance_medical_bp, pharmacy: row.coinsurance_pharmacy_bp },
    copayAdmission: row.copay_admission,
    copayPrescription: row.copay_prescription,
    memberOutOfPocketMax: row.member_oop_max,
    familyOutOfPocketMax: row.family_oop_max,
    memberSubLimit: row.member_sub_limit,
    categoryLimit: { medical: row.medical_limit, pharmacy: row.pharmacy_limit },
    isNetworkRestricted: row.is_network_restricted,
  };
}

/** The plan year of a family's account of a year (fixed when the account opened), or null: the cashless cover. */
export async function planOfAccount(sql: Pick<Sql, 'query'>, familyId: string, policyYear: number): Promise<AccountPlan | null> {
  const [row] = await sql.query<PlanYearRow>(
    `SELECT p.* FROM family_years y JOIN plan_years p ON p.plan_id = y.plan_id AND p.policy_year = y.policy_year
      WHERE y.family_id = $1 AND y.policy_year = $2`,
    [familyId, policyYear],
  );
  return row ? { plan: planYearOf(row), hasCostSharing: row.has_cost_sharing } : null;
}

interface TotalsRow {
  is_member: boolean;
  kind: AccumulatorKind;
  medical: number;
  pharmacy: number;
}

function stateOf(rows: readonly TotalsRow[]): AccumulatorState {
  const find = (isMember: boolean, kind: AccumulatorKind) => rows.find((r) => r.is_member === isMember && r.kind === kind);
  const total = (row: TotalsRow | undefined) => (row ? row.medical + row.pharmacy : 0);
  const familyBenefit = find(false, 'benefit');
  return {
    familyDeductibleMet: total(find(false, 'deductible')),
    memberDeductibleMet: total(find(true, 'deductible')),
    familyOutOfPocket: total(find(false, 'out-of-pocket')),
    memberOutOfPocket: total(find(true, 'out-of-pocket')),
    memberPlanPaid: total(find(true, 'benefit')),
    familyPlanPaid: { medical: familyBenefit?.medical ?? 0, pharmacy: familyBenefit?.pharmacy ?? 0 },
  };
}

const selectTotals = `SELECT member_id IS NOT NULL AS is_member, kind, medical, pharmacy FROM accumulator_totals
  WHERE holder_id IN ($1::uuid, $2::uuid) AND policy_year = $3`;

/**
 * The member's and the family's accumulators, unlocked: for an estimate (a pre-auth, the
 * enquiry), never for a decision.
 */
export async function readAccumulators(sql: Pick<Sql, 'query'>, familyId: string, memberId: string, policyYear: number): Promise<AccumulatorState> {
  const rows = await sql.query<TotalsRow>(selectTotals, [familyId, memberId, policyYear]);
  return rows.length === 0 ? noAccumulation : stateOf(rows);
}

/**
 * Lock and read the family's and the member's accumulator rows of the year, creating them (with
 * the plan year's maximums) on the first charge. Family rows are locked first, each kind in the
 * same order, for every charge of the family: the family's rows are its accumulator mutex.
 */
export async function lockAccumulators(sql: Sql, familyId: string, memberId: string | null, plan: PlanYear): Promise<AccumulatorState> {
  const holder = memberId ?? familyId;
  const lock = `${selectTotals} ORDER BY member_id IS NOT NULL, kind FOR UPDATE`;
  let rows = await sql.query<TotalsRow>(lock, [familyId, holder, plan.policyYear]);
  if (rows.length < (memberId ? 6 : 3)) {
    await sql.query(
      `INSERT INTO accumulator_totals (holder_id, family_id, member_id, policy_year, kind, maximum, medical_maximum, pharmacy_maximum)
       SELECT v.holder_id, $1, v.member_id, $3, v.kind, v.maximum, v.medical_maximum, v.pharmacy_maximum
         FROM (VALUES ($1::uuid, NULL::uuid, 'deductible', $4::bigint, NULL::bigint, NULL::bigint),
                      ($1::uuid, NULL::uuid, 'out-of-pocket', $5::bigint, NULL, NULL),
                      ($1::uuid, NULL::uuid, 'benefit', NULL, $6::bigint, $7::bigint),
                      ($2::uuid, $2::uuid, 'deductible', $8::bigint, NULL, NULL),
                      ($2::uuid, $2::uuid, 'out-of-pocket', $9::bigint, NULL, NULL),
                      ($2::uuid, $2::uuid, 'benefit', $10::bigint, NULL, NULL)) AS v(holder_id, member_id, kind, maximum, medical_maximum, pharmacy_maximum)
        WHERE v.member_id IS NULL OR $11::boolean
       ON CONFLICT DO NOTHING`,
      [
        familyId,
        holder,
        plan.policyYear,
        plan.familyDeductible,
        plan.familyOutOfPocketMax,
        plan.categoryLimit.medical,
        plan.categoryLimit.pharmacy,
        plan.memberDeductible,
        plan.memberOutOfPocketMax,
        plan.memberSubLimit,
        memberId !== null,
      ],
    );
    rows = await sql.query<TotalsRow>(lock, [familyId, holder, plan.policyYear]);
  }
  return stateOf(rows);
}

/** Lock the accumulator rows a source already created (a reversal), in the family's order. */
export async function lockExistingAccumulators(sql: Sql, familyId: string, memberId: string, policyYear: number): Promise<void> {
  await sql.query(`${selectTotals} ORDER BY member_id IS NOT NULL, kind FOR UPDATE`, [familyId, memberId, policyYear]);
}

export interface MovementSource {
  readonly familyId: string;
  /** The member charged; null for a movement of the family's accumulators alone (an exchange line). */
  readonly memberId: string | null;
  readonly policyYear: number;
  readonly planId: string | null;
  readonly sourceKind: SourceKind;
  readonly sourceId: string;
  readonly commandId: string | null;
}

/**
 * Add the movements to the (locked) totals in one UPDATE and append one entry per movement in
 * one INSERT. A movement past a maximum, or below zero, fails the CHECK constraints: the caller's
 * transaction then rolls back whole.
 */
export async function applyMovements(sql: Sql, source: MovementSource, movements: readonly AccumulatorMovement[]): Promise<void> {
  const moving = movements.filter((m) => m.delta !== 0);
  if (moving.length === 0) return;
  const holderOf = (m: AccumulatorMovement) => (m.level === 'family' ? source.familyId : (source.memberId ?? source.familyId));
  const byRow = new Map<string, { holder: string; kind: AccumulatorKind; medical: number; pharmacy: number }>();
  for (const m of moving) {
    const key = `${holderOf(m)}|${m.kind}`;
    const row = byRow.get(key) ?? { holder: holderOf(m), kind: m.kind, medical: 0, pharmacy: 0 };
    row[m.coverage satisfies CoverageType] += m.delta;
    byRow.set(key, row);
  }
  const rows = [...byRow.values()];
  const updated = await sql.query<{ holder_id: string }>(
    `UPDATE accumulator_totals t SET medical = t.medical + v.medical, pharmacy = t.pharmacy + v.pharmacy, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[]) AS v(holder_id, kind, medical, pharmacy)
      WHERE t.holder_id = v.holder_id AND t.policy_year = $5 AND t.kind = v.kind
      RETURNING t.holder_id`,
    [rows.map((r) => r.holder), rows.map((r) => r.kind), rows.map((r) => r.medical), rows.map((r) => r.pharmacy), source.policyYear],
  );
  if (updated.length !== rows.length) throw new Error(`accumulator rows missing for family ${source.familyId} in ${source.policyYear}`);
  await sql.query(
    `INSERT INTO accumulator_entries (family_id, member_id, policy_year, plan_id, kind, coverage_type, delta, source_kind, source_id, command_id)
     SELECT $1, CASE WHEN v.level = 'member' THEN $2::uuid END, $3, $4, v.kind, v.coverage, v.delta, $5, $6, $7
       FROM unnest($8::text[], $9::text[], $10::text[], $11::bigint[]) AS v(level, kind, coverage, delta)`,
    [
      source.familyId,
      source.memberId,
      source.policyYear,
      source.planId,
      source.sourceKind,
      source.sourceId,
      source.commandId,
      moving.map((m) => m.level),
      moving.map((m) => m.kind),
      moving.map((m) => m.coverage),
      moving.map((m) => m.delta),
    ],
  );
}

/** The movements a source made (to reverse them exactly). */
export async function movementsOfSource(sql: Pick<Sql, 'query'>, sourceKind: SourceKind, sourceId: string): Promise<AccumulatorMovement[]> {
  const rows = await sql.query<{ level: 'family' | 'member'; kind: AccumulatorKind; coverage_type: CoverageType; delta: number }>(
    `SELECT CASE WHEN member_id IS NULL THEN 'family' ELSE 'member' END AS level, kind, coverage_type, sum(delta)::bigint AS delta
       FROM accumulator_entries WHERE source_kind = $1 AND source_id = $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [sourceKind, sourceId],
  );
  return rows.map((r) => ({ level: r.level, kind: r.kind, coverage: r.coverage_type, delta: r.delta }));
}

/** Is a provider in the plan year's network (always, for a plan that is not restricted)? */
export async function isInNetwork(sql: Pick<Sql, 'query'>, plan: PlanYear, kind: 'hospital' | 'pharmacy', providerId: string): Promise<boolean> {
  if (!plan.isNetworkRestricted) return true;
  const [row] = await sql.query('SELECT 1 FROM plan_year_network WHERE plan_id = $1 AND policy_year = $2 AND provider_kind = $3 AND provider_id = $4', [
    plan.planId,
    plan.policyYear,
    kind,
    providerId,
  ]);
  return row !== undefined;
}
