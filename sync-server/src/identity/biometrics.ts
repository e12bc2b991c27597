import { randomUUID } from 'node:crypto';
import type { CommandBody } from '@contract/commands';
import type { BiometricModality } from '@contract/sync';
import { checkFaceDescriptor } from '@domain/biometrics';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { CommandContext, CommandResult } from '../commands/context';
import { descriptorBytes, sealAtRest } from './biometric-seal';

/**
 * Biometric enrolment at a desk: the fingerprint module's template or the camera's face
 * descriptor, sealed at rest. The audit entry, the stored command answer and the result carry
 * the member, the modality, the case, the hospital, the second factor and the time, never the
 * biometric itself.
 *
 * Who may enrol whom (issue 13 item 5). An enrolment is what every later 1:1 check trusts, so it
 * must not be made by whoever reaches a desk first:
 * - the member's case is admitted at the enrolling operator's hospital (the patient is there);
 * - a one-time code sent to the family's registered phone was verified for the member in the last
 *   30 minutes by an operator of that hospital (the code that identified the patient for the
 *   case's own admission counts; each code backs one enrolment of each modality). A supervisor
 *   approval is not offered: the scheme has no supervisor principal at hospitals (the override's
 *   supervisor is a typed name), and a supervisor of the same hospital is no check on that
 *   hospital. See SECURITY.md;
 * - a member has one active enrolment per modality. A second is refused (409): a wrong or
 *   unreadable enrolment is replaced only through a request with a reason that the health
 *   authority reviews, and the replaced one is kept, revoked (migration 038).
 * Refusals of scope and second factor are 403s that write nothing.
 */

/** How long a verified one-time code stands as an enrolment's second factor. */
export const enrolmentCodeMinutes = 30;

/** The member's case admitted at the operator's hospital, or a 403 (a member id that does not exist: 404). */
async function requireAdmittedCase(context: CommandContext, memberId: string, caseId: string): Promise<{ familyId: string; hospitalId: string }> {
  const [member] = await context.sql.query('SELECT 1 FROM members WHERE id = $1', [memberId]);
  if (!member) throw fail('not-found', `There is no scheme member ${memberId}.`);
  const hospitalId = context.principal.hospitalId;
  const [found] =
    hospitalId === null
      ? []
      : await context.sql.query<{ family_id: string }>(
          "SELECT c.family_id FROM cases c WHERE c.id = $1 AND c.member_id = $2 AND c.hospital_id = $3 AND c.status = 'admitted' FOR KEY SHARE",
          [caseId, memberId, hospitalId],
        );
  if (!found || hospitalId === null) {
    throw fail(
      'enrolment-out-of-scope',
      `A biometric is enrolled only for a patient admitted at your hospital: case ${caseId} is not this member's open case here. Admit the patient first (identity by one-time code or override), then enrol from the case.`,
    );
  }
  // Enrolments and replacement requests of one member queue here, so the one-active-enrolment and
  // one-code-per-enrolment checks below are decided one at a time (the unique indexes of migration
  // 038 are the last line). FOR NO KEY UPDATE: admissions and money decisions never wait for it.
  await context.sql.query('SELECT 1 FROM members WHERE id = $1 FOR NO KEY UPDATE', [memberId]);
  return { familyId: found.family_id, hospitalId };
}

/** The second factor: a code verified for this member at this hospital, recently, not yet used for this modality. */
async function requireVerifiedCode(
  context: CommandContext,
  scope: { memberId: string; caseId: string; hospitalId: string; modality: BiometricModality },
  challengeId: string,
): Promise<void> {
  const [challenge] = await context.sql.query<{ member_id: string; verified_at: Date | null; used_by_case: string | null; hospital_id: string | null }>(
    'SELECT c.member_id, c.verified_at, c.used_by_case, o.hospital_id FROM otp_challenges c JOIN operators o ON o.id = c.created_by WHERE c.id = $1',
    [challengeId],
  );
  const verifiedAt = challenge?.verified_at ? new Date(challenge.verified_at).getTime() : null;
  const isFresh = verifiedAt !== null && context.services.now().getTime() - verifiedAt < enrolmentCodeMinutes * 60_000;
  if (
    !challenge ||
    challenge.member_id !== scope.memberId ||
    challenge.hospital_id !== scope.hospitalId ||
    !isFresh ||
    (challenge.used_by_case !== null && challenge.used_by_case !== scope.caseId)
  ) {
    throw fail(
      'second-factor-refused',
      `Enrolling needs a one-time code sent to the family's registered phone and verified for this patient at your hospital in the last ${enrolmentCodeMinutes} minutes. Send a code and verify it, then enrol.`,
    );
  }
  const [used] = await context.sql.query(
    `SELECT 1 FROM biometric_enrolments WHERE otp_challenge_id = $1 AND modality = $2
     UNION ALL SELECT 1 FROM biometric_replacement_requests WHERE otp_challenge_id = $1 AND modality = $2`,
    [challengeId, scope.modality],
  );
  if (used) {
    throw fail(
      'second-factor-refused',
      `This one-time code already backed a ${scope.modality === 'face' ? 'face' : 'fingerprint'} enrolment: send a new code and verify it.`,
    );
  }
}

function modalityWord(modality: BiometricModality): string {
  return modality === 'face' ? 'face' : 'fingerprint';
}

function requireBiometricKeys(context: CommandContext) {
  if (!context.biometricKeys) throw new Error('this server was started without a biometric key (COVERDESK_BIOMETRIC_KEY)');
  return context.biometricKeys;
}

async function enroll<M extends BiometricModality>(
  context: CommandContext,
  body: { memberId: string; caseId: string; otpChallengeId: string },
  modality: M,
  plaintext: Uint8Array,
): Promise<{ enrolmentId: string; memberId: string; modality: M; caseId: string; hospitalId: string; secondFactor: 'otp'; enrolledAt: string }> {
  const { memberId, caseId } = body;
  const { familyId, hospitalId } = await requireAdmittedCase(context, memberId, caseId);
  await requireVerifiedCode(context, { memberId, caseId, hospitalId, modality }, body.otpChallengeId);
  const [existing] = await context.sql.query<{ enrolled_at: Date }>(
    'SELECT enrolled_at FROM biometric_enrolments WHERE member_id = $1 AND modality = $2 AND revoked_at IS NULL',
    [memberId, modality],
  );
  if (existing) {
    throw reject(
      'biometric-already-enrolled',
      `This member's ${modalityWord(modality)} was already enrolled on ${new Date(existing.enrolled_at).toISOString().slice(0, 10)}; verify against it. If it is wrong or no longer reads, request a replacement (the health authority reviews it); meanwhile identify the patient by one-time code or a supervisor override.`,
    );
  }
  const enrolledAt = context.services.now();
  const enrolmentId = randomUUID();
  const sealed = sealAtRest(requireBiometricKeys(context), memberId, modality, plaintext);
  await context.sql.query(
    `INSERT INTO biometric_enrolments (id, member_id, family_id, modality, sealed, enrolled_by, enrolled_at, hospital_id, case_id, second_factor, otp_challenge_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'otp', $10)`,
    [enrolmentId, memberId, familyId, modality, sealed, context.principal.operatorId, enrolledAt, hospitalId, caseId, body.otpChallengeId],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'biometric-enrolled',
    entityType: 'member',
    entityId: memberId,
    after: { enrolmentId, modality, byteLength: plaintext.length, caseId, hospitalId, secondFactor: 'otp', otpChallengeId: body.otpChallengeId },
    commandId: context.commandId,
  });
  return { enrolmentId, memberId, modality, caseId, hospitalId, secondFactor: 'otp', enrolledAt: enrolledAt.toISOString() };
}

function fingerprintBytes(template: string): Buffer {
  const bytes = Buffer.from(template, 'base64');
  if (bytes.length < 32 || bytes.length > 4_096)
    throw fail('invalid-input', `A fingerprint template is 32 to 4,096 bytes; this one is ${bytes.length}. Capture the finger again.`);
  return bytes;
}

function faceBytes(descriptor: readonly number[]): Uint8Array {
  const checked = checkFaceDescriptor(descriptor);
  if (!checked.isValid) throw fail('invalid-input', `${checked.message} Capture the face again.`);
  return descriptorBytes(checked.descriptor);
}

export async function enrollFingerprint(context: CommandContext, body: CommandBody<'enroll-fingerprint'>): Promise<CommandResult<'enroll-fingerprint'>> {
  return enroll(context, body, 'fingerprint', fingerprintBytes(body.template));
}

export async function enrollFace(context: CommandContext, body: CommandBody<'enroll-face'>): Promise<CommandResult<'enroll-face'>> {
  return enroll(context, body, 'face', faceBytes(body.descriptor));
}

/**
 * A request to replace a member's enrolment (wrong person enrolled, finger injured, new camera):
 * made at the desk like an enrolment (case here, verified code), with a reason, and the new
 * biometric sealed on the request. It changes nothing the desks verify against until the health
 * authority approves it.
 */
export async function requestEnrolmentReplacement(
  context: CommandContext,
  body: CommandBody<'request-enrolment-replacement'>,
): Promise<CommandResult<'request-enrolment-replacement'>> {
  const { memberId, caseId, modality } = body;
  if (modality === 'fingerprint' ? body.template === undefined || body.descriptor !== undefined : body.descriptor === undefined || body.template !== undefined)
    throw fail('invalid-input', `A ${modalityWord(modality)} replacement carries the new ${modality === 'face' ? 'descriptor' : 'template'} and nothing else.`);
  const plaintext = modality === 'fingerprint' ? fingerprintBytes(body.template!) : faceBytes(body.descriptor!);
  const { familyId, hospitalId } = await requireAdmittedCase(context, memberId, caseId);
  await requireVerifiedCode(context, { memberId, caseId, hospitalId, modality }, body.otpChallengeId);
  const [known] = await context.sql.query('SELECT 1 FROM biometric_replacement_requests WHERE id = $1', [body.requestId]);
  if (known) throw reject('already-registered', 'A replacement request with this id already exists; generate a new request id.');
  const [current] = await context.sql.query<{ id: string }>(
    'SELECT id FROM biometric_enrolments WHERE member_id = $1 AND modality = $2 AND revoked_at IS NULL',
    [memberId, modality],
  );
  if (!current) throw reject('biometric-not-enrolled', `This member has no ${modalityWord(modality)} enrolled: enrol it instead of replacing it.`);
  const [pending] = await context.sql.query<{ id: string; requested_at: Date }>(
    "SELECT id, requested_at FROM biometric_replacement_requests WHERE member_id = $1 AND modality = $2 AND status = 'pending'",
    [memberId, modality],
  );
  if (pending) {
    const requestedAt = new Date(pending.requested_at).toISOString();
    throw reject(
      'replacement-already-pending',
      `A replacement of this member's ${modalityWord(modality)} has waited for the health authority's review since ${requestedAt}; it is decided first.`,
      { requestId: pending.id, requestedAt },
    );
  }
  const requestedAt = context.services.now();
  await context.sql.query(
    `INSERT INTO biometric_replacement_requests (id, member_id, family_id, modality, replaces_id, case_id, hospital_id, otp_challenge_id, reason, sealed, requested_by, requested_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      body.requestId,
      memberId,
      familyId,
      modality,
      current.id,
      caseId,
      hospitalId,
      body.otpChallengeId,
      body.reason,
      sealAtRest(requireBiometricKeys(context), memberId, modality, plaintext),
      context.principal.operatorId,
      requestedAt,
    ],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'biometric-replacement-requested',
    entityType: 'member',
    entityId: memberId,
    after: { requestId: body.requestId, modality, replacesId: current.id, caseId, hospitalId, reason: body.reason, byteLength: plaintext.length },
    commandId: context.commandId,
  });
  return { requestId: body.requestId, memberId, modality, replacesId: current.id, caseId, status: 'pending', requestedAt: requestedAt.toISOString() };
}

/**
 * The health authority's decision on a replacement. Approved: the old enrolment is revoked (kept,
 * naming its successor) and the requested biometric becomes the member's enrolment, in one
 * transaction; desks pull the new one in its place. Rejected: the requested biometric is dropped.
 * The request moves out of `pending` by one conditional UPDATE, so two reviewers cannot both decide it.
 */
export async function reviewEnrolmentReplacement(
  context: CommandContext,
  body: CommandBody<'review-enrolment-replacement'>,
): Promise<CommandResult<'review-enrolment-replacement'>> {
  const [request] = await context.sql.query<{
    member_id: string;
    family_id: string;
    modality: BiometricModality;
    replaces_id: string;
    case_id: string;
    hospital_id: string;
    sealed: string | null;
    requested_by: string;
    status: string;
  }>(
    'SELECT member_id, family_id, modality, replaces_id, case_id, hospital_id, sealed, requested_by, status FROM biometric_replacement_requests WHERE id = $1 FOR UPDATE',
    [body.requestId],
  );
  if (!request) throw fail('not-found', `There is no biometric replacement request ${body.requestId}.`);
  if (request.status !== 'pending') throw reject('already-reviewed', `This replacement request was already ${request.status}.`);
  const reviewedAt = context.services.now();
  const operatorId = context.principal.operatorId;
  if (body.decision === 'reject') {
    await context.sql.query(
      "UPDATE biometric_replacement_requests SET status = 'rejected', sealed = NULL, reviewed_by = $2, reviewed_at = $3, review_note = $4 WHERE id = $1 AND status = 'pending'",
      [body.requestId, operatorId, reviewedAt, body.note],
    );
    await appendAudit(context.sql, {
      actorId: operatorId,
      action: 'biometric-replacement-rejected',
      entityType: 'member',
      entityId: request.member_id,
      after: { requestId: body.requestId, modality: request.modality, note: body.note },
      commandId: context.commandId,
    });
    return { requestId: body.requestId, memberId: request.member_id, modality: request.modality, status: 'rejected', reviewedAt: reviewedAt.toISOString() };
  }
  const enrolmentId = randomUUID();
  // The old enrolment is revoked and names its successor (a deferred foreign key: the successor is
  // inserted next, once the one-active-enrolment index has room for it).
  const revoked = await context.sql.query(
    'UPDATE biometric_enrolments SET revoked_at = $2, revoked_by = $3, replaced_by = $4 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
    [request.replaces_id, reviewedAt, operatorId, enrolmentId],
  );
  if (revoked.length === 0) throw new Error(`the enrolment ${request.replaces_id} a pending replacement names is not active`);
  await context.sql.query(
    `INSERT INTO biometric_enrolments (id, member_id, family_id, modality, sealed, enrolled_by, enrolled_at, hospital_id, case_id, second_factor, replacement_request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'replacement-review', $10)`,
    [
      enrolmentId,
      request.member_id,
      request.family_id,
      request.modality,
      request.sealed,
      request.requested_by,
      reviewedAt,
      request.hospital_id,
      request.case_id,
      body.requestId,
    ],
  );
  await context.sql.query(
    "UPDATE biometric_replacement_requests SET status = 'approved', sealed = NULL, reviewed_by = $2, reviewed_at = $3, review_note = $4, enrolment_id = $5 WHERE id = $1 AND status = 'pending'",
    [body.requestId, operatorId, reviewedAt, body.note, enrolmentId],
  );
  await appendAudit(context.sql, {
    actorId: operatorId,
    action: 'biometric-replacement-approved',
    entityType: 'member',
    entityId: request.member_id,
    after: { requestId: body.requestId, modality: request.modality, revokedId: request.replaces_id, enrolmentId, note: body.note },
    commandId: context.commandId,
  });
  return {
    requestId: body.requestId,
    memberId: request.member_id,
    modality: request.modality,
    status: 'approved',
    enrolmentId,
    revokedId: request.replaces_id,
    reviewedAt: reviewedAt.toISOString(),
  };
}
