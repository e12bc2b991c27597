import type { CommandBody } from '@contract/commands';
import { meetsThreshold } from '@domain/identity-evidence';
import { consentCodeMinutes, consentExpiry, consentMatchMinutes, isConsentMatchFresh } from '@domain/member-record';
import { fail } from '@domain/outcomes';
import { consentEvidenceBytes, verifyBytes } from '../../node-shared/operator-proof';
import { appendAudit } from '../audit/chain';
import { keyRow, keyValidity } from '../sync/operator-keys';
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
  const proof = body.method === 'otp' ? await otpProof(context, body, caseRow, now) : await matchProof(context, body, caseRow, now);
  const consentId = context.commandId;
  const expiresAt = consentExpiry(now);
  const evidence = proof.kind === 'match' ? proof.evidence : null;
  await context.sql.query(
    `INSERT INTO history_consents (id, member_id, family_id, hospital_id, case_id, method, otp_challenge_id, granted_by, granted_at, expires_at, command_id,
                                   evidence_enrolment_id, evidence_score, evidence_captured_at, evidence_key_id, evidence_signature)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $1, $11, $12, $13, $14, $15)`,
    [
      consentId,
      caseRow.member_id,
      caseRow.family_id,
      hospitalId,
      caseRow.id,
      body.method,
      proof.kind === 'otp' ? proof.otpChallengeId : null,
      context.principal.operatorId,
      now,
      expiresAt,
      evidence?.enrolmentId ?? null,
      evidence?.score ?? null,
      evidence ? new Date(evidence.capturedAt) : null,
      evidence?.keyId ?? null,
      evidence?.signature ?? null,
    ],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'history-consent-granted',
    entityType: 'member',
    entityId: caseRow.member_id,
    after: {
      consentId,
      caseId: caseRow.id,
      hospitalId,
      method: body.method,
      ...(proof.kind === 'otp' ? { otpChallengeId: proof.otpChallengeId } : { enrolmentId: evidence?.enrolmentId, capturedAt: evidence?.capturedAt }),
      expiresAt: expiresAt.toISOString(),
    },
    commandId: context.commandId,
  });
  return {
    consentId,
    caseId: caseRow.id,
    memberId: caseRow.member_id,
    hospitalId,
    method: body.method,
    grantedAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
}

type CaseRow = Awaited<ReturnType<typeof lockCase>>;
type ConsentEvidence = NonNullable<CommandBody<'grant-history-consent'>['evidence']>;
type Proof = { readonly kind: 'otp'; readonly otpChallengeId: string } | { readonly kind: 'match'; readonly evidence: ConsentEvidence };

/** A one-time code verified for this member at this hospital in the last 30 minutes, not used for another consent. */
async function otpProof(context: CommandContext, body: CommandBody<'grant-history-consent'>, caseRow: CaseRow, now: Date): Promise<Proof> {
  if (body.evidence !== undefined) throw fail('invalid-input', 'A consent by one-time code carries the code request (otpChallengeId), not match evidence.');
  if (body.otpChallengeId === undefined)
    throw fail('invalid-input', 'A consent by one-time code needs the code request verified for the patient (otpChallengeId).');
  const [challenge] = await context.sql.query<{ member_id: string; verified_at: Date | null; used_by_case: string | null; hospital_id: string | null }>(
    'SELECT c.member_id, c.verified_at, c.used_by_case, o.hospital_id FROM otp_challenges c JOIN operators o ON o.id = c.created_by WHERE c.id = $1',
    [body.otpChallengeId],
  );
  const verifiedAt = challenge?.verified_at ? new Date(challenge.verified_at).getTime() : null;
  const isFresh = verifiedAt !== null && now.getTime() - verifiedAt < consentCodeMinutes * 60_000;
  if (
    !challenge ||
    challenge.member_id !== caseRow.member_id ||
    challenge.hospital_id !== caseRow.hospital_id ||
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
  return { kind: 'otp', otpChallengeId: body.otpChallengeId };
}

/**
 * A fingerprint or face match made for this consent at the desk, checked here, not trusted: the
 * evidence must be signed by the recording operator's key (valid at the capture, registered at a
 * desk) over this case and member with the consent's own signed purpose (an admission's match
 * evidence does not verify), captured in the last few minutes, of this member's enrolment of that
 * modality (not revoked before the capture), with a score the scheme accepts, and not have backed
 * another consent. Anything else: 403 `consent-refused`, nothing written.
 */
async function matchProof(context: CommandContext, body: CommandBody<'grant-history-consent'>, caseRow: CaseRow, now: Date): Promise<Proof> {
  const evidence = body.evidence;
  if (body.otpChallengeId !== undefined) throw fail('invalid-input', `A consent by ${body.method} carries the match evidence, not a one-time code request.`);
  if (!evidence) throw fail('invalid-input', `A consent by ${body.method} needs the match the desk made for it (evidence).`);
  if (evidence.kind !== body.method)
    throw fail('invalid-input', `The evidence is of a ${evidence.kind} match but the consent claims ${body.method}: send the evidence of the method used.`);
  if (evidence.kind === 'face' && evidence.score > 1)
    throw fail('invalid-input', `A face match score is the engine's similarity from 0 to 1; ${evidence.score} is not one.`);
  const refused = (why: string) =>
    fail(
      'consent-refused',
      `The patient's consent by ${body.method} needs a match of their enrolled ${body.method} made at your desk for this consent in the last ${consentMatchMinutes} minutes: ${why} Ask the patient again and match them now, or send a one-time code.`,
    );
  const capturedAt = Date.parse(evidence.capturedAt);
  const operatorId = context.principal.operatorId;
  // The signature first: nothing else the evidence says counts unless the operator's desk said it.
  const key = await keyRow(context.sql, evidence.keyId);
  if (!key) throw refused('the evidence is signed by a key this server does not know.');
  const validity = keyValidity(key, { deskId: key.desk_id }, operatorId, capturedAt, now.getTime());
  const subject = { deskId: key.desk_id, operatorId, caseId: caseRow.id, memberId: caseRow.member_id };
  if (validity === 'unknown-key' || validity === 'wrong-key' || !verifyBytes(key.public_key, consentEvidenceBytes(subject, evidence), evidence.signature))
    throw refused('the evidence is not signed by you for this patient’s consent on this case.');
  if (validity !== null) throw refused('your signing key was not valid when the match was made.');
  if (!isConsentMatchFresh(capturedAt, now.getTime())) throw refused('the match is too old (or dated ahead of this server’s clock).');
  const [hospitalOfKey] = await context.sql.query<{ hospital_id: string }>('SELECT hospital_id FROM desks WHERE id = $1', [key.desk_id]);
  if (hospitalOfKey?.hospital_id !== caseRow.hospital_id) throw refused('the match was made at a desk of another hospital.');
  const [enrolment] = await context.sql.query<{ member_id: string; modality: string; revoked_at: Date | null }>(
    'SELECT member_id, modality, revoked_at FROM biometric_enrolments WHERE id = $1',
    [evidence.enrolmentId],
  );
  if (!enrolment || (enrolment.revoked_at !== null && new Date(enrolment.revoked_at).getTime() <= capturedAt))
    throw refused('the enrolment it matched is not known or was replaced.');
  if (enrolment.member_id !== caseRow.member_id || enrolment.modality !== evidence.kind)
    throw refused(`it matched another member's enrolment or another modality.`);
  const thresholds = { fingerprintMinScore: context.scheme.fingerprint_min_score, faceMinSimilarityBp: context.scheme.face_min_similarity_bp };
  if (!meetsThreshold(evidence.kind, evidence.score, thresholds)) throw refused('its score is below what the scheme accepts.');
  const [used] = await context.sql.query('SELECT 1 FROM history_consents WHERE evidence_signature = $1', [evidence.signature]);
  if (used) throw refused('this match already backed a consent.');
  return { kind: 'match', evidence };
}
