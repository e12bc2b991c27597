// Emergencies before identity (issue 19, scenario S6): admit-emergency and merge-emergency-case.
import type { CommandBody } from '@contract/commands';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { admit, checkedAdmissionTime } from './admission';
import { type CommandContext, type CommandResult } from './context';

/** The first bytes of each photo type the desk may send: the content is checked, not the label. */
const photoSignatures: Readonly<Record<'image/jpeg' | 'image/png', readonly number[]>> = {
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
};

/**
 * An unconscious or unidentified patient admitted at once: a temporary record at the operator's
 * hospital, no member and so no hold (treatment is never held up by identity). The window to
 * identify runs from the admission time and is fixed now (migration 055).
 */
export async function admitEmergency(context: CommandContext, body: CommandBody<'admit-emergency'>): Promise<CommandResult<'admit-emergency'>> {
  const hospitalId = context.principal.hospitalId;
  if (hospitalId === null) throw fail('forbidden-role', 'Only a desk operator of a hospital can admit an emergency patient.');
  const photo = body.photo ? Buffer.from(body.photo.base64, 'base64') : null;
  if (photo && body.photo) {
    const signature = photoSignatures[body.photo.type];
    if (!signature.every((byte, index) => photo[index] === byte))
      throw fail('invalid-input', `The photo is not a ${body.photo.type === 'image/jpeg' ? 'JPEG' : 'PNG'} image: take it again with the desk camera.`);
  }
  const receivedAt = context.services.now();
  const when = { admittedAt: checkedAdmissionTime(body.admittedAt, receivedAt) };
  // One id space with cases: the merged case keeps this id.
  const [clash] = await context.sql.query('SELECT 1 FROM emergency_cases WHERE id = $1 UNION ALL SELECT 1 FROM cases WHERE id = $1', [body.caseId]);
  if (clash) throw reject('already-registered', 'A case with this id already exists; generate a new case id for a new admission.');
  const windowMinutes = context.scheme.emergency_identify_window_minutes;
  const identifyBy = new Date(when.admittedAt.getTime() + windowMinutes * 60_000);
  await context.sql.query(
    `INSERT INTO emergency_cases (id, hospital_id, sex, approximate_age, found_at, photo, photo_type, admitted_by, admitted_at, received_at, identify_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      body.caseId,
      hospitalId,
      body.sex,
      body.approximateAge,
      body.foundAt,
      photo,
      body.photo?.type ?? null,
      context.principal.operatorId,
      when.admittedAt,
      receivedAt,
      identifyBy,
    ],
  );
  // The trail says that there is a photo, never what it shows; where found is free text, not copied either.
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'emergency-admitted',
    entityType: 'case',
    entityId: body.caseId,
    after: {
      hospitalId,
      sex: body.sex,
      approximateAge: body.approximateAge,
      hasPhoto: photo !== null,
      admittedAt: when.admittedAt.toISOString(),
      identifyBy: identifyBy.toISOString(),
      windowMinutes,
    },
    commandId: context.commandId,
  });
  return {
    caseId: body.caseId,
    status: 'unidentified',
    hospitalId,
    admittedAt: when.admittedAt.toISOString(),
    identifyBy: identifyBy.toISOString(),
    windowMinutes,
    hasPhoto: photo !== null,
  };
}

interface EmergencyRow {
  id: string;
  hospital_id: string;
  status: 'unidentified' | 'merged';
  member_id: string | null;
  admitted_at: Date;
  identify_by: Date;
}

/**
 * Identity established: the member is admitted under the emergency case's id with every rule of
 * admit (one active case per member, the verified code, the evidence, the review list; an
 * override is audited and listed), at the emergency's admission time, as an emergency case. The
 * temporary record is marked merged (late when past its window: still merged, flagged). No money
 * moves here: the pre-auth that follows holds on the member's family cover as every pre-auth does.
 */
export async function mergeEmergencyCase(context: CommandContext, body: CommandBody<'merge-emergency-case'>): Promise<CommandResult<'merge-emergency-case'>> {
  const hospitalId = context.principal.hospitalId;
  if (hospitalId === null) throw fail('forbidden-role', 'Only a desk operator of a hospital can merge an emergency case.');
  // Locked: two desks merging the same record at once are decided one after the other.
  const [emergency] = await context.sql.query<EmergencyRow>(
    'SELECT id, hospital_id, status, member_id, admitted_at, identify_by FROM emergency_cases WHERE id = $1 FOR UPDATE',
    [body.caseId],
  );
  // Another hospital's emergency is not in reach: the same answer as none at all.
  if (!emergency || emergency.hospital_id !== hospitalId) throw fail('not-found', `There is no emergency case ${body.caseId} at your hospital.`);
  if (emergency.status === 'merged')
    throw reject('emergency-already-merged', "This emergency case was already merged into a member; its case is that member's now.", {
      memberId: emergency.member_id ?? '',
    });
  const admitted = await admit(
    context,
    {
      commandId: body.commandId,
      caseId: body.caseId,
      memberId: body.memberId,
      identityMethod: body.identityMethod,
      isEmergency: true,
      admittedAt: new Date(emergency.admitted_at).toISOString(),
      ...(body.otpChallengeId !== undefined ? { otpChallengeId: body.otpChallengeId } : {}),
      ...(body.overrideReason !== undefined ? { overrideReason: body.overrideReason } : {}),
      ...(body.supervisorName !== undefined ? { supervisorName: body.supervisorName } : {}),
      ...(body.evidence !== undefined ? { evidence: body.evidence } : {}),
    },
    { identifiedAt: context.services.now() },
  );
  const mergedAt = context.services.now();
  const isLate = mergedAt.getTime() > new Date(emergency.identify_by).getTime();
  await context.sql.query(
    "UPDATE emergency_cases SET status = 'merged', member_id = $2, merged_at = $3, merged_by = $4, merged_late = $5, change_xid = pg_current_xact_id() WHERE id = $1",
    [body.caseId, body.memberId, mergedAt, context.principal.operatorId, isLate],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'emergency-merged',
    entityType: 'case',
    entityId: body.caseId,
    before: { status: 'unidentified', identifyBy: new Date(emergency.identify_by).toISOString() },
    after: { status: 'merged', memberId: body.memberId, familyId: admitted.familyId, identityMethod: body.identityMethod, isLate },
    commandId: context.commandId,
  });
  return {
    caseId: body.caseId,
    status: 'merged',
    memberId: body.memberId,
    familyId: admitted.familyId,
    identityMethod: admitted.identityMethod,
    flaggedForReview: admitted.flaggedForReview,
    identityEvidence: admitted.identityEvidence,
    isLate,
    admittedAt: admitted.admittedAt,
    mergedAt: mergedAt.toISOString(),
    policyYear: admitted.policyYear,
  };
}
