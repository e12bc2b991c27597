import type { CommandBody } from '@contract/commands';
import { consentCodeMinutes, consentExpiry } from '@domain/member-record';
import { fail } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { lockCase, requireAdmitted } from '../commands/case-access';
import type { CommandContext, CommandResult } from '../commands/context';

/**
 * grant-history-consent (issue 16): the member consents, at the desk of the hospital treating
 * them, to that hospital seeing their cases at every hospital while this case lasts (domain/
 * member-record.ts: until discharge or cancellation, at most 72 hours).
 *
 * The proof of consent is the identity path the desk already has: a one-time code sent to the
 * family's registered phone (send-otp) and verified for this member (verify-otp) by an operator of
 * this hospital in the last 30 minutes. Reading the code out to the desk is the member's yes. A
 * code backs one consent (unique in migration 062), so a consent cannot be renewed later from an
 * old code; the admission's own code counts, as it does for biometric enrolment.
 *
 * Refusals: a case that is not this hospital's is 404 (as a missing one), a case no longer
 * admitted 409 `case-not-admitted`, a code that does not back the consent 403 `consent-refused`;
 * each writes nothing.
 */
export async function grantHistoryConsent(
  context: CommandContext,
  body: CommandBody<'grant-history-consent'>,
): Promise<CommandResult<'grant-history-consent'>> {
  const caseRow = await lockCase(context, body.caseId);
  requireAdmitted(caseRow);
  const hospitalId = caseRow.hospital_id;
  const now = context.services.now();
  const [challenge] = await context.sql.query<{ member_id: string; verified_at: Date | null; used_by_case: string | null; hospital_id: string | null }>(
    'SELECT c.member_id, c.verified_at, c.used_by_case, o.hospital_id FROM otp_challenges c JOIN operators o ON o.id = c.created_by WHERE c.id = $1',
    [body.otpChallengeId],
  );
  const verifiedAt = challenge?.verified_at ? new Date(challenge.verified_at).getTime() : null;
  const isFresh = verifiedAt !== null && now.getTime() - verifiedAt < consentCodeMinutes * 60_000;
  if (
    !challenge ||
    challenge.member_id !== caseRow.member_id ||
    challenge.hospital_id !== hospitalId ||
    !isFresh ||
    (challenge.used_by_case !== null && challenge.used_by_case !== caseRow.id)
  ) {
    throw fail(
      'consent-refused',
      `The patient's consent to show their past treatment needs a one-time code sent to the family's registered phone and verified for this patient at your hospital in the last ${consentCodeMinutes} minutes. Send a code, let the patient read it out, verify it, then record the consent.`,
    );
  }
  const [used] = await context.sql.query('SELECT 1 FROM history_consents WHERE otp_challenge_id = $1', [body.otpChallengeId]);
  if (used) throw fail('consent-refused', 'This one-time code already backed a consent: send a new code to ask the patient again.');
  const consentId = context.commandId;
  const expiresAt = consentExpiry(now);
  await context.sql.query(
    `INSERT INTO history_consents (id, member_id, family_id, hospital_id, case_id, method, otp_challenge_id, granted_by, granted_at, expires_at, command_id)
     VALUES ($1, $2, $3, $4, $5, 'otp', $6, $7, $8, $9, $1)`,
    [consentId, caseRow.member_id, caseRow.family_id, hospitalId, caseRow.id, body.otpChallengeId, context.principal.operatorId, now, expiresAt],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'history-consent-granted',
    entityType: 'member',
    entityId: caseRow.member_id,
    after: { consentId, caseId: caseRow.id, hospitalId, method: 'otp', otpChallengeId: body.otpChallengeId, expiresAt: expiresAt.toISOString() },
    commandId: context.commandId,
  });
  return {
    consentId,
    caseId: caseRow.id,
    memberId: caseRow.member_id,
    hospitalId,
    method: 'otp',
    grantedAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
}
