import type { DeskBenefitsValue } from '@contract/accumulators';
import { cashlessPlanYear } from '@domain/plan-design';
import type { Sql } from '../db/database';
import { accumulatorEnquiry } from '../money/accumulator-enquiry';
import { isInNetwork, planYearOf, type PlanYearRow } from '../money/accumulators';

/**
 * What a desk needs to estimate what a patient will pay (issue 14, GET /sync/benefits/:memberId),
 * read in the caller's snapshot: the family's and every member's accumulators, the plan year that
 * decides their charges (the account's, or the family's plan before its account of the year is
 * opened; the cashless cover without one), the network and waiting periods as they apply to the
 * desk's hospital and the family's members, and the family's cases at that hospital with what
 * their patients have been charged. The desk applies decideCharge to these, the rule the server
 * decides with, so its estimate online and its provisional one offline are the server's rule
 * over the figures it states with their time.
 */
export async function deskBenefits(
  sql: Pick<Sql, 'query'>,
  memberId: string,
  familyId: string,
  hospitalId: string,
  policyYear: number,
): Promise<DeskBenefitsValue> {
  const members = await sql.query<{ id: string }>('SELECT id FROM members WHERE family_id = $1 ORDER BY id', [familyId]);
  const accumulators = await accumulatorEnquiry(
    sql,
    familyId,
    members.map((m) => m.id),
    policyYear,
  );
  // The account's plan of the year; before the account opens (its first hold), the family's plan.
  const [row] = await sql.query<PlanYearRow>(
    `SELECT p.* FROM plan_years p
      WHERE p.policy_year = $2
        AND p.plan_id = (SELECT CASE WHEN y.family_id IS NULL THEN f.plan_id ELSE y.plan_id END
                           FROM families f LEFT JOIN family_years y ON y.family_id = f.id AND y.policy_year = $2 WHERE f.id = $1)`,
    [familyId, policyYear],
  );
  const design = row ? planYearOf(row) : cashlessPlanYear(policyYear);
  const waiting = design.planId
    ? await sql.query<{ member_id: string; package_code: string; ends_at: Date }>(
        `SELECT m.id AS member_id, w.package_code, m.created_at + make_interval(days => w.days) AS ends_at
           FROM members m JOIN plan_year_waiting_periods w ON w.plan_id = $2 AND w.policy_year = $3
          WHERE m.family_id = $1 AND m.created_at + make_interval(days => w.days) > now()
          ORDER BY m.id, w.package_code`,
        [familyId, design.planId, policyYear],
      )
    : [];
  const cases = await sql.query<{
    id: string;
    member_id: string;
    status: string;
    package_code: string | null;
    requested_amount: string | number | null;
    booked: string | number;
    charged: string | number;
    is_copay_due: boolean;
  }>(
    `SELECT c.id, c.member_id, c.status, p.package_code, p.requested_amount,
            COALESCE((SELECT sum(b.amount) FROM bookings b WHERE b.case_id = c.id AND b.status = 'active'), 0) AS booked,
            COALESCE((SELECT sum(pc.amount) FROM patient_charges pc WHERE pc.case_id = c.id), 0) AS charged,
            NOT EXISTS (SELECT 1 FROM bookings b WHERE b.case_id = c.id AND b.status = 'active' AND b.copay_amount > 0) AS is_copay_due
       FROM cases c LEFT JOIN preauths p ON p.case_id = c.id
      WHERE c.family_id = $1 AND c.hospital_id = $2 AND c.policy_year = $3 AND c.status IN ('admitted', 'discharged')
      ORDER BY c.admitted_at, c.id`,
    [familyId, hospitalId, policyYear],
  );
  return {
    memberId,
    accumulators,
    plan: design,
    isInNetwork: await isInNetwork(sql, design, 'hospital', hospitalId),
    waitingPeriods: waiting.map((w) => ({ memberId: w.member_id, packageCode: w.package_code, endsAt: new Date(w.ends_at).toISOString() })),
    cases: cases.map((c) => ({
      caseId: c.id,
      memberId: c.member_id,
      status: c.status,
      packageCode: c.package_code,
      requestedAmount: c.requested_amount === null ? null : Number(c.requested_amount),
      booked: Number(c.booked),
      patientCharged: Number(c.charged),
      isCopayDue: c.is_copay_due,
    })),
  };
}
