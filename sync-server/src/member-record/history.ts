import type { MemberHistoryValue } from '@contract/member-record';
import { isConsentStanding, type CaseStatus } from '@domain/member-record';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import { caseNotFound } from '../commands/case-access';

/** Who reads: an operator of the treating hospital (a desk operator with a proof, or a signed-in MEDCO). */
export interface HistoryReader {
  readonly operatorId: string;
  readonly hospitalId: string | null;
  readonly roles: readonly string[];
}

/** At most this many past cases in one answer, newest first (a lifetime of admissions is far fewer). */
export const pastCaseLimit = 200;

/**
 * The member's past cases across hospitals, for the hospital treating them now (issue 16).
 *
 * Only with the member's standing consent for this case (grant-history-consent; domain/
 * member-record.ts). Without it the answer is 403 `consent-required` and nothing is written: the
 * hospital sees today's case on its own screens and nothing beyond. Each look that is answered is
 * recorded in `history_access_log` (who, when, which hospital, under which consent, how many cases
 * it showed) in the same transaction as the read, so a look is never shown without its record —
 * the member sees the log on the beneficiary page.
 *
 * What a past case shows: the hospital, dates, package, outcome (the case's status and the
 * pre-auth decision) and the claim's result; never another hospital's case id, bookings,
 * clinical notes or documents.
 */
export async function memberHistory(db: Database, reader: HistoryReader, caseId: string, via: 'desk' | 'api', now: Date): Promise<MemberHistoryValue> {
  if (!reader.roles.includes('MEDCO') || reader.hospitalId === null)
    throw fail('forbidden-role', "Only the treating hospital's desk operators (MEDCO) see a patient's past treatment.");
  const hospitalId = reader.hospitalId;
  return db.transaction(async (sql) => {
    const [caseRow] = await sql.query<{ member_id: string; family_id: string; hospital_id: string; status: CaseStatus }>(
      'SELECT member_id, family_id, hospital_id, status FROM cases WHERE id = $1',
      [caseId],
    );
    if (!caseRow || caseRow.hospital_id !== hospitalId) throw caseNotFound(caseId);
    const [consent] = await sql.query<{ id: string; granted_at: Date; expires_at: Date }>(
      `SELECT id, granted_at, expires_at FROM history_consents
        WHERE case_id = $1 AND hospital_id = $2 AND member_id = $3 AND expires_at > $4
        ORDER BY expires_at DESC LIMIT 1`,
      [caseId, hospitalId, caseRow.member_id, now],
    );
    if (!consent || !isConsentStanding({ expiresAt: new Date(consent.expires_at), caseStatus: caseRow.status }, now))
      throw fail(
        'consent-required',
        caseRow.status === 'admitted'
          ? "The patient has not consented to this hospital seeing their past treatment (or the consent has run out): ask the patient, send a one-time code to the family's phone and record the consent on the case screen."
          : `The case is ${caseRow.status}: a consent to see past treatment lasts only while the patient is admitted here.`,
      );
    const rows = await sql.query<{
      hospital_code: string;
      hospital_name: string;
      hospital_id: string;
      admitted_at: Date;
      discharged_at: Date | null;
      status: CaseStatus;
      is_emergency: boolean;
      package_code: string | null;
      package_name: string | null;
      specialty: string | null;
      preauth_status: string | null;
      claim_status: string | null;
      claim_amount: string | null;
      approved_amount: string | null;
    }>(
      `SELECT h.code AS hospital_code, h.name AS hospital_name, c.hospital_id, c.admitted_at, c.discharged_at, c.status, c.is_emergency,
              p.package_code, k.name AS package_name, k.specialty, p.status AS preauth_status,
              cl.status AS claim_status, cl.amount::text AS claim_amount, cl.approved_amount::text AS approved_amount
         FROM cases c
         JOIN hospitals h ON h.id = c.hospital_id
         LEFT JOIN preauths p ON p.case_id = c.id
         LEFT JOIN packages k ON k.code = p.package_code
         LEFT JOIN claims cl ON cl.case_id = c.id
        WHERE c.member_id = $1 AND c.id <> $2
        ORDER BY c.admitted_at DESC, c.id
        LIMIT $3`,
      [caseRow.member_id, caseId, pastCaseLimit + 1],
    );
    const shown = rows.slice(0, pastCaseLimit);
    await sql.query(
      `INSERT INTO history_access_log (member_id, family_id, hospital_id, case_id, operator_id, consent_id, via, cases_shown, looked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [caseRow.member_id, caseRow.family_id, hospitalId, caseId, reader.operatorId, consent.id, via, shown.length, now],
    );
    return {
      memberId: caseRow.member_id,
      caseId,
      consent: {
        consentId: consent.id,
        method: 'otp',
        grantedAt: new Date(consent.granted_at).toISOString(),
        expiresAt: new Date(consent.expires_at).toISOString(),
      },
      pastCases: shown.map((row) => ({
        hospitalCode: row.hospital_code,
        hospitalName: row.hospital_name,
        isThisHospital: row.hospital_id === hospitalId,
        admittedAt: new Date(row.admitted_at).toISOString(),
        dischargedAt: row.discharged_at ? new Date(row.discharged_at).toISOString() : null,
        status: row.status,
        isEmergency: row.is_emergency,
        package: row.package_code && row.package_name && row.specialty ? { code: row.package_code, name: row.package_name, specialty: row.specialty } : null,
        preauthStatus: row.preauth_status,
        claim:
          row.claim_status && row.claim_amount
            ? { status: row.claim_status, amount: Number(row.claim_amount), approvedAmount: row.approved_amount === null ? null : Number(row.approved_amount) }
            : null,
      })),
      truncated: rows.length > pastCaseLimit,
      lookedAt: now.toISOString(),
    };
  });
}
