// Family changes (issue 16, docs/family-changes.md): register-family-member, admit-pending-enrolment
// and decide-family-change. No statement here touches a family's cover, its holds or its ledger.
import { randomInt } from 'node:crypto';
import type { CommandBody } from '@contract/commands';
import {
  ageInYears,
  birthDateProblem,
  effectiveDate,
  emergencySexOf,
  familyDocumentNames,
  relationOf,
  requiredFamilyDocument,
  type FamilyChangeKind,
  type FamilyDocumentKind,
  type Gender,
} from '@domain/family-changes';
import { fail, reject } from '@domain/outcomes';
import { localDay, policyYearOf } from '@domain/policy-year';
import { appendAudit } from '../audit/chain';
import type { CommandContext, CommandResult } from '../commands/context';
import { checkedAdmissionTime } from '../commands/admission';
import type { Sql } from '../db/database';
import { requireFamilyInReach } from '../identity/reach';

const birthDateSentences = {
  'not-a-date': 'The date of birth is not a calendar date: give it as YYYY-MM-DD.',
  'before-1900': 'The date of birth is before 1900: check the certificate.',
  'in-the-future': "The date of birth is after today's date: check the certificate and the desk's date.",
  'too-old-for-newborn': 'A newborn is registered within 365 days of birth; an older child is enrolled by the health authority (register-family).',
} as const;

/**
 * A newborn or a new spouse registered into a family this hospital reaches, with the certificate
 * this hospital uploaded for that family. It waits for the enrolment role (HA): nobody is a member
 * until approved, and the family's cover is not touched.
 */
export async function registerFamilyMember(
  context: CommandContext,
  body: CommandBody<'register-family-member'>,
): Promise<CommandResult<'register-family-member'>> {
  const hospitalId = context.principal.hospitalId;
  if (hospitalId === null) throw fail('forbidden-role', 'Only a desk operator of a hospital can register a family member.');
  const now = context.services.now();
  const today = localDay(now, context.scheme.time_zone);
  const problem = birthDateProblem(body.kind, body.birthDate, today);
  if (problem) throw fail('invalid-input', birthDateSentences[problem]);
  // Outside this hospital's reach the family is answered as one that does not exist (SECURITY.md).
  await requireFamilyInReach(context.sql, hospitalId, body.familyId, 'family');
  const [family] = await context.sql.query<{ id: string }>('SELECT id FROM families WHERE id = $1 FOR SHARE', [body.familyId]);
  if (!family) throw fail('not-found', `There is no family ${body.familyId} your hospital serves.`);
  const [clash] = await context.sql.query<{ what: string }>(
    `SELECT 'registration' AS what FROM family_changes WHERE id = $1
     UNION ALL SELECT 'member' FROM family_changes WHERE member_id = $2
     UNION ALL SELECT 'member' FROM members WHERE id = $2 LIMIT 1`,
    [body.changeId, body.memberId],
  );
  if (clash) throw reject('already-registered', `A ${clash.what} with this id already exists; generate new ids for a new registration.`);
  const documentId = await supportingDocument(context.sql, hospitalId, body.familyId, body.kind, body.documentId);
  const [pending] = await context.sql.query<{ id: string }>(
    "SELECT id FROM family_changes WHERE family_id = $1 AND kind = $2 AND lower(full_name) = lower($3) AND birth_date = $4 AND status = 'pending'",
    [body.familyId, body.kind, body.fullName, body.birthDate],
  );
  if (pending)
    throw reject('family-change-pending', 'This person is already registered into the family and waiting for the decision; it cannot be registered twice.', {
      changeId: pending.id,
    });
  const relation = relationOf(body.kind, body.gender);
  await context.sql.query(
    `INSERT INTO family_changes (id, family_id, hospital_id, kind, member_id, full_name, gender, birth_date, relation, document_id, requested_by, requested_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      body.changeId,
      body.familyId,
      hospitalId,
      body.kind,
      body.memberId,
      body.fullName,
      body.gender,
      body.birthDate,
      relation,
      documentId,
      context.principal.operatorId,
      now,
    ],
  );
  // Ids only: the name and date of birth stay in family_changes.
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'family-member-registered',
    entityType: 'family',
    entityId: body.familyId,
    after: { changeId: body.changeId, kind: body.kind, memberId: body.memberId, documentId, hospitalId, status: 'pending' },
    commandId: context.commandId,
  });
  return {
    changeId: body.changeId,
    familyId: body.familyId,
    memberId: body.memberId,
    kind: body.kind,
    relation,
    status: 'pending',
    documentId,
    requestedAt: now.toISOString(),
  };
}

/**
 * The certificate a registration names, or 422 documents-missing (an error: nothing is written and
 * the same command id goes through once the right file is uploaded). It must be this hospital's
 * upload for this family, of the kind the change needs, and support no other registration.
 */
async function supportingDocument(sql: Sql, hospitalId: string, familyId: string, kind: FamilyChangeKind, documentId: string | undefined): Promise<string> {
  const required = requiredFamilyDocument[kind];
  const missing = (sentence: string) => fail('documents-missing', sentence, { changeKind: kind, required });
  const upload = `Upload the ${familyDocumentNames[required]} for this family, then send the registration again.`;
  if (documentId === undefined) throw missing(`A ${kind} is registered with a ${familyDocumentNames[required]} and none was attached. ${upload}`);
  const [document] = await sql.query<{ family_id: string; hospital_id: string; kind: FamilyDocumentKind; used_by: string | null }>(
    'SELECT d.family_id, d.hospital_id, d.kind, (SELECT c.id FROM family_changes c WHERE c.document_id = d.id) AS used_by FROM family_documents d WHERE d.id = $1',
    [documentId],
  );
  if (!document || document.family_id !== familyId || document.hospital_id !== hospitalId)
    throw missing(`There is no document ${documentId} uploaded by your hospital for this family. ${upload}`);
  if (document.kind !== required)
    throw missing(
      `The attached document is a ${familyDocumentNames[document.kind]}; a ${kind} is registered with a ${familyDocumentNames[required]}. ${upload}`,
    );
  if (document.used_by !== null)
    throw missing(`This ${familyDocumentNames[required]} already supports registration ${document.used_by}; each registration has its own. ${upload}`);
  return documentId;
}

interface ChangeRow {
  id: string;
  family_id: string;
  hospital_id: string;
  kind: FamilyChangeKind;
  member_id: string;
  full_name: string;
  gender: Gender;
  birth_date: string;
  relation: string;
  status: 'pending' | 'approved' | 'rejected';
  pending_case_id: string | null;
}
const changeColumns =
  "id, family_id, hospital_id, kind, member_id, full_name, gender, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, relation, status, pending_case_id";

function decidedRefusal(status: 'approved' | 'rejected', memberId: string) {
  return reject(
    'family-change-decided',
    status === 'approved'
      ? `This registration was approved: the member (${memberId}) is in the family now; admit them as any member.`
      : 'This registration was rejected: the patient is not a member of the family; admit them as an emergency case.',
    { status },
  );
}

/**
 * The registered member admitted before the decision, as "pending enrolment": an emergency case
 * (migration 055) at this hospital with no member and so no hold, linked to the registration. The
 * pre-auth waits for the decision, which merges it into the member (approved) or leaves it an
 * emergency case without cover (rejected).
 */
export async function admitPendingEnrolment(
  context: CommandContext,
  body: CommandBody<'admit-pending-enrolment'>,
): Promise<CommandResult<'admit-pending-enrolment'>> {
  const hospitalId = context.principal.hospitalId;
  if (hospitalId === null) throw fail('forbidden-role', 'Only a desk operator of a hospital can admit a patient.');
  const receivedAt = context.services.now();
  const admittedAt = checkedAdmissionTime(body.admittedAt, receivedAt);
  // Locked: the decision and this admission are taken one after the other.
  const [change] = await context.sql.query<ChangeRow>(`SELECT ${changeColumns} FROM family_changes WHERE id = $1 FOR UPDATE`, [body.changeId]);
  const notFound = fail('not-found', `There is no registration ${body.changeId} of a family your hospital serves.`);
  if (!change) throw notFound;
  await requireFamilyInReach(context.sql, hospitalId, change.family_id, 'family').catch(() => {
    throw notFound;
  });
  if (change.status !== 'pending') throw decidedRefusal(change.status, change.member_id);
  if (change.pending_case_id !== null)
    throw reject('already-registered', `This registration already has a pending-enrolment admission (case ${change.pending_case_id}).`);
  const [clash] = await context.sql.query('SELECT 1 FROM emergency_cases WHERE id = $1 UNION ALL SELECT 1 FROM cases WHERE id = $1', [body.caseId]);
  if (clash) throw reject('already-registered', 'A case with this id already exists; generate a new case id for a new admission.');
  const windowMinutes = context.scheme.emergency_identify_window_minutes;
  const identifyBy = new Date(admittedAt.getTime() + windowMinutes * 60_000);
  const today = localDay(receivedAt, context.scheme.time_zone);
  await context.sql.query(
    `INSERT INTO emergency_cases (id, hospital_id, sex, approximate_age, found_at, admitted_by, admitted_at, received_at, identify_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      body.caseId,
      hospitalId,
      emergencySexOf(change.gender),
      ageInYears(change.birth_date, today),
      `Pending enrolment: ${change.kind} registration ${change.id}`,
      context.principal.operatorId,
      admittedAt,
      receivedAt,
      identifyBy,
    ],
  );
  await context.sql.query('UPDATE family_changes SET pending_case_id = $2, change_xid = pg_current_xact_id() WHERE id = $1', [change.id, body.caseId]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'emergency-admitted',
    entityType: 'case',
    entityId: body.caseId,
    after: {
      hospitalId,
      pendingEnrolment: change.id,
      familyId: change.family_id,
      admittedAt: admittedAt.toISOString(),
      identifyBy: identifyBy.toISOString(),
      windowMinutes,
    },
    commandId: context.commandId,
  });
  return {
    caseId: body.caseId,
    changeId: change.id,
    status: 'unidentified',
    hospitalId,
    admittedAt: admittedAt.toISOString(),
    identifyBy: identifyBy.toISOString(),
  };
}

/** A scheme member id for the new member: the family's own prefix (PMJ-…) and 8 random letters and digits. */
function newSchemeMemberId(prefix: string): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let tail = '';
  for (let index = 0; index < 8; index += 1) tail += alphabet[randomInt(alphabet.length)];
  return `${prefix}-${tail}`;
}

/**
 * The enrolment role's decision. Approved: the member joins the family (members row, the scheme id,
 * the effective date), and a pending-enrolment admission still unidentified becomes the member's
 * case (as merge-emergency-case would, identity by the approved certificate), so its pre-auth holds
 * on the family's cover as every pre-auth does. Rejected: nobody joins; the admission stays an
 * emergency case with no member — no case, so no pre-auth and no hold can exist on it. Either way
 * the family's cover and committed are read, not written.
 */
export async function decideFamilyChange(context: CommandContext, body: CommandBody<'decide-family-change'>): Promise<CommandResult<'decide-family-change'>> {
  const [change] = await context.sql.query<ChangeRow>(`SELECT ${changeColumns} FROM family_changes WHERE id = $1 FOR UPDATE`, [body.changeId]);
  if (!change) throw fail('not-found', `There is no registration ${body.changeId}.`);
  if (change.status !== 'pending') throw decidedRefusal(change.status, change.member_id);
  const decidedAt = context.services.now();
  const approvalDay = localDay(decidedAt, context.scheme.time_zone);
  let schemeMemberId: string | null = null;
  let effective: string | null = null;
  let pendingCase: CommandResult<'decide-family-change'>['pendingCase'] = null;
  if (body.decision === 'approve') {
    const [taken] = await context.sql.query('SELECT 1 FROM members WHERE id = $1', [change.member_id]);
    if (taken)
      throw reject('already-registered', 'A member with this id was registered meanwhile; reject this registration and ask the desk to register again.');
    const [first] = await context.sql.query<{ scheme_member_id: string }>(
      'SELECT scheme_member_id FROM members WHERE family_id = $1 ORDER BY created_at, id LIMIT 1',
      [change.family_id],
    );
    schemeMemberId = newSchemeMemberId(first?.scheme_member_id.slice(0, 3) ?? 'PMJ');
    effective = effectiveDate(change.kind, change.birth_date, approvalDay);
    await context.sql.query(
      'INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [change.member_id, change.family_id, schemeMemberId, change.full_name, Number(change.birth_date.slice(0, 4)), change.gender, change.relation],
    );
    if (change.pending_case_id !== null) pendingCase = await mergePendingCase(context, change, change.pending_case_id, decidedAt);
  } else if (change.pending_case_id !== null) {
    const [emergency] = await context.sql.query<{ status: string }>('SELECT status FROM emergency_cases WHERE id = $1', [change.pending_case_id]);
    pendingCase = { caseId: change.pending_case_id, outcome: emergency?.status === 'merged' ? 'already-merged' : 'stays-emergency' };
  }
  const status = body.decision === 'approve' ? 'approved' : 'rejected';
  await context.sql.query(
    `UPDATE family_changes SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5, effective_date = $6, scheme_member_id = $7,
            change_xid = pg_current_xact_id() WHERE id = $1`,
    [change.id, status, context.principal.operatorId, decidedAt, body.reason, effective, schemeMemberId],
  );
  // A new member or a changed active case reaches desks with the family's next pull.
  await context.sql.query('UPDATE families SET updated_at = now() WHERE id = $1', [change.family_id]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: status === 'approved' ? 'family-change-approved' : 'family-change-rejected',
    entityType: 'family',
    entityId: change.family_id,
    before: { changeId: change.id, status: 'pending' },
    after: { changeId: change.id, status, memberId: change.member_id, reason: body.reason, effectiveDate: effective, pendingCase },
    commandId: context.commandId,
  });
  const [money] = await context.sql.query<{ cover: string | number; committed: string | number }>(
    `SELECT COALESCE(fy.cover, f.cover) AS cover, COALESCE(fy.committed, 0) AS committed
       FROM families f LEFT JOIN family_years fy ON fy.family_id = f.id AND fy.policy_year = $2 WHERE f.id = $1`,
    [change.family_id, context.scheme.policy_year],
  );
  return {
    changeId: change.id,
    familyId: change.family_id,
    memberId: change.member_id,
    status,
    schemeMemberId,
    effectiveDate: effective,
    decidedAt: decidedAt.toISOString(),
    cover: Number(money?.cover ?? 0),
    committed: Number(money?.committed ?? 0),
    pendingCase,
  };
}

/**
 * The approved registration's pending-enrolment admission becomes the new member's case under the
 * same id, at its hospital and admission time, as an emergency case identified by the approved
 * certificate (identity_method 'document': HA's approval is the review). No hold is placed here:
 * the desk's pre-auth holds on the family's cover through the one arbitration every pre-auth uses.
 */
async function mergePendingCase(
  context: CommandContext,
  change: ChangeRow,
  caseId: string,
  decidedAt: Date,
): Promise<{ caseId: string; outcome: 'merged' | 'already-merged' }> {
  const [emergency] = await context.sql.query<{ hospital_id: string; status: string; admitted_by: string; admitted_at: Date; identify_by: Date }>(
    'SELECT hospital_id, status, admitted_by, admitted_at, identify_by FROM emergency_cases WHERE id = $1 FOR UPDATE',
    [caseId],
  );
  if (!emergency || emergency.status !== 'unidentified') return { caseId, outcome: 'already-merged' };
  const admittedAt = new Date(emergency.admitted_at);
  const policyYear = policyYearOf(admittedAt, context.scheme.time_zone, context.scheme.year_start_month);
  // A member approved a moment ago has no other case: the one-active-case index cannot refuse this.
  await context.sql.query(
    `INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, is_emergency, admitted_by, admitted_at, received_at, policy_year)
     VALUES ($1, $2, $3, $4, 'admitted', 'document', true, $5, $6, $7, $8)`,
    [caseId, change.member_id, change.family_id, emergency.hospital_id, emergency.admitted_by, admittedAt, decidedAt, policyYear],
  );
  const isLate = decidedAt.getTime() > new Date(emergency.identify_by).getTime();
  await context.sql.query(
    "UPDATE emergency_cases SET status = 'merged', member_id = $2, merged_at = $3, merged_by = $4, merged_late = $5, change_xid = pg_current_xact_id() WHERE id = $1",
    [caseId, change.member_id, decidedAt, context.principal.operatorId, isLate],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'emergency-merged',
    entityType: 'case',
    entityId: caseId,
    before: { status: 'unidentified', identifyBy: new Date(emergency.identify_by).toISOString() },
    after: { status: 'merged', memberId: change.member_id, familyId: change.family_id, identityMethod: 'document', familyChange: change.id, isLate },
    commandId: context.commandId,
  });
  return { caseId, outcome: 'merged' };
}
