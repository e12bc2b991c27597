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
 * the member, the modality and the time, never the biometric itself.
 *
 * A member has at most one enrolment per modality. Replacing one would let whoever stands at a
 * desk swap a patient's finger for their own, so a second enrolment is refused here. There is no
 * command to replace an enrolment yet (it would need a reviewed, audited path and a way to
 * withdraw desks' cached copies); until then a member whose finger no longer reads is identified
 * by face, one-time code or override.
 */
async function enroll<M extends BiometricModality>(
  context: CommandContext,
  memberId: string,
  modality: M,
  plaintext: Uint8Array,
): Promise<{ memberId: string; modality: M; enrolledAt: string }> {
  const [member] = await context.sql.query<{ family_id: string }>('SELECT family_id FROM members WHERE id = $1', [memberId]);
  if (!member) throw fail('not-found', `There is no scheme member ${memberId}.`);
  const [existing] = await context.sql.query<{ enrolled_at: Date }>(
    'SELECT enrolled_at FROM biometric_enrolments WHERE member_id = $1 AND modality = $2 FOR UPDATE',
    [memberId, modality],
  );
  if (existing) {
    throw reject(
      'biometric-already-enrolled',
      `This member's ${modality === 'face' ? 'face' : 'fingerprint'} was already enrolled on ${new Date(existing.enrolled_at).toISOString().slice(0, 10)}; verify against it. If it no longer reads, identify the patient by face, one-time code or a supervisor override.`,
    );
  }
  const enrolledAt = context.services.now();
  if (!context.biometricKeys) throw new Error('this server was started without a biometric key (COVERDESK_BIOMETRIC_KEY)');
  const sealed = sealAtRest(context.biometricKeys, memberId, modality, plaintext);
  await context.sql.query(
    'INSERT INTO biometric_enrolments (id, member_id, family_id, modality, sealed, enrolled_by, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [randomUUID(), memberId, member.family_id, modality, sealed, context.principal.operatorId, enrolledAt],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'biometric-enrolled',
    entityType: 'member',
    entityId: memberId,
    after: { modality, byteLength: plaintext.length },
    commandId: context.commandId,
  });
  return { memberId, modality, enrolledAt: enrolledAt.toISOString() };
}

export async function enrollFingerprint(context: CommandContext, body: CommandBody<'enroll-fingerprint'>): Promise<CommandResult<'enroll-fingerprint'>> {
  const template = Buffer.from(body.template, 'base64');
  if (template.length < 32 || template.length > 4_096)
    throw fail('invalid-input', `A fingerprint template is 32 to 4,096 bytes; this one is ${template.length}. Capture the finger again.`);
  return enroll(context, body.memberId, 'fingerprint', template);
}

export async function enrollFace(context: CommandContext, body: CommandBody<'enroll-face'>): Promise<CommandResult<'enroll-face'>> {
  const checked = checkFaceDescriptor(body.descriptor);
  if (!checked.isValid) throw fail('invalid-input', `${checked.message} Capture the face again.`);
  return enroll(context, body.memberId, 'face', descriptorBytes(checked.descriptor));
}
