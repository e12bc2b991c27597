import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import type { Sql } from '../db/database';

type Balance = AccumulatorEnquiryValue['benefitBalance'][number];

interface DesignRow {
  plan_id: string | null;
  has_cost_sharing: boolean | null;
  family_deductible: number | null;
  member_deductible: number | null;
  member_oop_max: number | null;
  family_oop_max: number | null;
  member_sub_limit: number | null;
  medical_limit: number | null;
  pharmacy_limit: number | null;
  computed_at: Date;
}

/**
 * The real-time enquiry (issue 14): for the family and each member asked for, every accumulator
 * of the year as allowed / used / remaining (FHIR benefitBalance's shape), read in one snapshot
 * with the time it was computed. Accumulators nothing has moved yet show 0 used. `memberIds`: the
 * members to show (the family's own rows are always shown).
 */
export async function accumulatorEnquiry(
  sql: Pick<Sql, 'query'>,
  familyId: string,
  memberIds: readonly string[],
  policyYear: number,
): Promise<AccumulatorEnquiryValue> {
  const [design] = await sql.query<DesignRow>(
    `SELECT y.plan_id, p.has_cost_sharing, p.family_deductible, p.member_deductible, p.member_oop_max, p.family_oop_max, p.member_sub_limit,
            p.medical_limit, p.pharmacy_limit, clock_timestamp() AS computed_at
       FROM (SELECT 1) one
       LEFT JOIN family_years y ON y.family_id = $1 AND y.policy_year = $2
       LEFT JOIN plan_years p ON p.plan_id = y.plan_id AND p.policy_year = y.policy_year`,
    [familyId, policyYear],
  );
  const totals = await sql.query<{ member_id: string | null; kind: string; medical: number; pharmacy: number }>(
    `SELECT member_id, kind, medical, pharmacy FROM accumulator_totals
      WHERE family_id = $1 AND policy_year = $2 AND (member_id IS NULL OR member_id = ANY ($3::uuid[]))`,
    [familyId, policyYear, [...memberIds]],
  );
  const used = (memberId: string | null, kind: string) => {
    const row = totals.find((t) => t.member_id === memberId && t.kind === kind);
    return { medical: row?.medical ?? 0, pharmacy: row?.pharmacy ?? 0 };
  };
  const balance = (memberId: string | null, type: Balance['type'], kind: string, category: Balance['category'], allowed: number | null): Balance => {
    const parts = used(memberId, kind);
    const value = category === 'combined' ? parts.medical + parts.pharmacy : parts[category];
    return {
      unit: memberId === null ? 'family' : 'individual',
      memberId,
      type,
      category,
      term: 'annual',
      allowed,
      used: value,
      remaining: allowed === null ? null : Math.max(0, allowed - value),
      usedByCoverage: parts,
    };
  };
  const d = design;
  const balances: Balance[] = [
    balance(null, 'deductible', 'deductible', 'combined', d?.family_deductible ?? 0),
    balance(null, 'out-of-pocket-maximum', 'out-of-pocket', 'combined', d?.family_oop_max ?? null),
    balance(null, 'benefit', 'benefit', 'medical', d?.medical_limit ?? null),
    balance(null, 'benefit', 'benefit', 'pharmacy', d?.pharmacy_limit ?? null),
  ];
  for (const memberId of memberIds) {
    balances.push(
      balance(memberId, 'deductible', 'deductible', 'combined', d?.member_deductible ?? null),
      balance(memberId, 'out-of-pocket-maximum', 'out-of-pocket', 'combined', d?.member_oop_max ?? null),
      balance(memberId, 'benefit', 'benefit', 'combined', d?.member_sub_limit ?? null),
    );
  }
  return {
    familyId,
    policyYear,
    planId: d?.plan_id ?? null,
    hasCostSharing: d?.has_cost_sharing ?? false,
    benefitBalance: balances,
    computedAt: new Date(d?.computed_at ?? Date.now()).toISOString(),
  };
}
