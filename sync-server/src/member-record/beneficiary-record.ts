import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import type { Database } from '../db/database';
import { familyBalance } from '../commands/case-access';
import { accumulatorEnquiry } from '../money/accumulator-enquiry';
import type { BeneficiarySession } from './beneficiary-auth';

/** What the beneficiary page shows a signed-in member: their family's record, read in one snapshot. */
export interface FamilyRecord {
  readonly scheme: {
    readonly name: string;
    readonly currency: string;
    readonly locale: string;
    readonly minorPerUnit: number;
    readonly policyYear: number;
    readonly timeZone: string;
  };
  readonly familyNumber: string;
  readonly balance: { readonly cover: number; readonly committed: number; readonly available: number };
  readonly signedInMemberId: string;
  readonly members: readonly { readonly memberId: string; readonly schemeMemberId: string; readonly fullName: string; readonly relation: string }[];
  readonly accumulators: AccumulatorEnquiryValue;
  readonly cases: readonly {
    readonly memberName: string;
    readonly hospitalName: string;
    readonly admittedAt: Date;
    readonly dischargedAt: Date | null;
    readonly status: string;
    readonly packageName: string | null;
    readonly claimStatus: string | null;
    readonly claimAmount: number | null;
    readonly approvedAmount: number | null;
  }[];
  readonly looks: readonly {
    readonly lookedAt: Date;
    readonly hospitalName: string;
    readonly operatorName: string;
    readonly memberName: string;
    readonly casesShown: number;
  }[];
  /** The signed-in member's active e-card, if one was issued. */
  readonly eCardSerial: string | null;
}

/** At most this many cases and looks on the page, newest first. */
export const pageRows = 100;

/**
 * The signed-in member's family, and only it: every query is by the session's family id, which
 * the server stored at sign-in; nothing the browser sends names a family or a member.
 */
export async function familyRecord(db: Database, session: BeneficiarySession): Promise<FamilyRecord> {
  return db.transaction(async (sql) => {
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const [scheme] = await sql.query<{
      name: string;
      currency: string;
      locale: string;
      minor_per_unit: number;
      policy_year: number;
      time_zone: string;
      family_number: string;
    }>(
      `SELECT s.name, s.currency, s.locale, s.minor_per_unit, s.policy_year, s.time_zone, f.family_number
         FROM schemes s JOIN families f ON f.id = $1 WHERE s.is_current`,
      [session.familyId],
    );
    if (!scheme) throw new Error(`family ${session.familyId} or the current scheme is missing`);
    const members = await sql.query<{ id: string; scheme_member_id: string; full_name: string; relation: string }>(
      'SELECT id, scheme_member_id, full_name, relation FROM members WHERE family_id = $1 ORDER BY created_at, scheme_member_id',
      [session.familyId],
    );
    const cases = await sql.query<{
      member_name: string;
      hospital_name: string;
      admitted_at: Date;
      discharged_at: Date | null;
      status: string;
      package_name: string | null;
      claim_status: string | null;
      claim_amount: number | null;
      approved_amount: number | null;
    }>(
      `SELECT m.full_name AS member_name, h.name AS hospital_name, c.admitted_at, c.discharged_at, c.status, k.name AS package_name,
              cl.status AS claim_status, cl.amount AS claim_amount, cl.approved_amount
         FROM cases c JOIN members m ON m.id = c.member_id JOIN hospitals h ON h.id = c.hospital_id
         LEFT JOIN preauths p ON p.case_id = c.id LEFT JOIN packages k ON k.code = p.package_code
         LEFT JOIN claims cl ON cl.case_id = c.id
        WHERE c.family_id = $1 ORDER BY c.admitted_at DESC LIMIT $2`,
      [session.familyId, pageRows],
    );
    const looks = await sql.query<{ looked_at: Date; hospital_name: string; operator_name: string; member_name: string; cases_shown: number }>(
      `SELECT l.looked_at, h.name AS hospital_name, o.display_name AS operator_name, m.full_name AS member_name, l.cases_shown
         FROM history_access_log l JOIN hospitals h ON h.id = l.hospital_id JOIN operators o ON o.id = l.operator_id JOIN members m ON m.id = l.member_id
        WHERE l.family_id = $1 ORDER BY l.looked_at DESC, l.id DESC LIMIT $2`,
      [session.familyId, pageRows],
    );
    const [card] = await sql.query<{ serial: string }>('SELECT serial FROM e_cards WHERE member_id = $1 AND revoked_at IS NULL', [session.memberId]);
    return {
      scheme: {
        name: scheme.name,
        currency: scheme.currency,
        locale: scheme.locale,
        minorPerUnit: scheme.minor_per_unit,
        policyYear: scheme.policy_year,
        timeZone: scheme.time_zone,
      },
      familyNumber: scheme.family_number,
      balance: await familyBalance(sql, session.familyId, scheme.policy_year),
      signedInMemberId: session.memberId,
      members: members.map((m) => ({ memberId: m.id, schemeMemberId: m.scheme_member_id, fullName: m.full_name, relation: m.relation })),
      accumulators: await accumulatorEnquiry(
        sql,
        session.familyId,
        members.map((m) => m.id),
        scheme.policy_year,
      ),
      cases: cases.map((c) => ({
        memberName: c.member_name,
        hospitalName: c.hospital_name,
        admittedAt: new Date(c.admitted_at),
        dischargedAt: c.discharged_at ? new Date(c.discharged_at) : null,
        status: c.status,
        packageName: c.package_name,
        claimStatus: c.claim_status,
        claimAmount: c.claim_amount,
        approvedAmount: c.approved_amount,
      })),
      looks: looks.map((l) => ({
        lookedAt: new Date(l.looked_at),
        hospitalName: l.hospital_name,
        operatorName: l.operator_name,
        memberName: l.member_name,
        casesShown: l.cases_shown,
      })),
      eCardSerial: card?.serial ?? null,
    };
  });
}
