// admit: a member becomes a case at a hospital (identity method, admission time, policy year, review flags).
import type { CommandBody } from '@contract/commands';
import { admissionTime, policyYearOf } from '@domain/policy-year';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { evidenceProblemSentences } from '@domain/identity-evidence';
import { checkEvidenceShape, checkMatchEvidence, evidenceReviewReason, type EvidenceFinding } from '../identity/match-evidence';
import { type CommandContext, type CommandResult } from './context';

/**
 * The operator's admission time (issue 12 item 4), or a 400 saying why it cannot be: more than 5
 * minutes ahead of the server's clock, or more than 7 days before the server heard of it.
 */
export function checkedAdmissionTime(admittedAt: string | undefined, receivedAt: Date): Date {
  const when = admissionTime(admittedAt === undefined ? undefined : new Date(admittedAt), receivedAt);
  if (when.ok) return when.admittedAt;
  throw fail(
    'invalid-input',
    when.reason === 'in-the-future'
      ? `The admission time ${admittedAt} is more than 5 minutes ahead of the server's clock (${receivedAt.toISOString()}): check the desk's date and time.`
      : `The admission time ${admittedAt} is more than 7 days before the server heard of it: admit the patient again with the current time.`,
    { admittedAt, receivedAt: receivedAt.toISOString() },
  );
}

/**
 * Admit a member. `merge` is an emergency case's identification (emergencies.ts): its admission
 * time was checked when the emergency was admitted and stands however long ago that was, and the
 * desk's match evidence was captured now, at the identification, not at the admission.
 */
export async function admit(context: CommandContext, body: CommandBody<'admit'>, merge?: { readonly identifiedAt: Date }): Promise<CommandResult<'admit'>> {
  const hospitalId = context.principal.hospitalId;
  if (hospitalId === null) throw fail('forbidden-role', 'Only a desk operator of a hospital can admit a patient.');
  const [member] = await context.sql.query<{ id: string; family_id: string }>('SELECT id, family_id FROM members WHERE id = $1', [body.memberId]);
  if (!member) throw fail('not-found', `There is no scheme member ${body.memberId}.`);
  const [existingCase] = await context.sql.query<{ id: string }>('SELECT id FROM cases WHERE id = $1', [body.caseId]);
  if (existingCase) throw reject('already-registered', 'A case with this id already exists; generate a new case id for a new admission.');
  const activeElsewhere = async (): Promise<never> => {
    const [active] = await context.sql.query<{ code: string; name: string; admitted_at: Date }>(
      `SELECT h.code, h.name, c.admitted_at FROM cases c JOIN hospitals h ON h.id = c.hospital_id WHERE c.member_id = $1 AND c.status = 'admitted'`,
      [body.memberId],
    );
    throw reject(
      'case-already-active',
      `This patient already has an active case at ${active?.name ?? 'another hospital'} (${active?.code ?? '?'}) since ${active ? new Date(active.admitted_at).toISOString() : '?'}; it must be discharged or cancelled there first.`,
      { hospitalCode: active?.code ?? null },
    );
  };
  if (body.identityMethod === 'override' && (!body.overrideReason || !body.supervisorName)) {
    throw fail('invalid-input', "An identity override needs a written reason (at least 15 characters) and the authorising supervisor's name.");
  }
  checkEvidenceShape(body);
  // The time the operator admitted the patient (issue 12 item 4), possibly offline hours ago; its
  // policy year is the case's. receivedAt is when the server heard of it.
  const receivedAt = context.services.now();
  const admittedAt = merge && body.admittedAt !== undefined ? new Date(body.admittedAt) : checkedAdmissionTime(body.admittedAt, receivedAt);
  const policyYear = policyYearOf(admittedAt, context.scheme.time_zone, context.scheme.year_start_month);
  const [known] = await context.sql.query('SELECT 1 FROM policy_year_parameters WHERE policy_year = $1', [policyYear]);
  if (!known) {
    throw fail('invalid-input', `The admission time ${admittedAt.toISOString()} falls in policy year ${policyYear}, which this scheme has no cover for.`, {
      policyYear,
    });
  }
  const [active] = await context.sql.query<{ id: string }>("SELECT id FROM cases WHERE member_id = $1 AND status = 'admitted'", [body.memberId]);
  if (active) return activeElsewhere();
  if (body.identityMethod === 'otp') {
    // A one-time code proves identity only if it was verified for this member, recently, and not used before.
    const [challenge] = body.otpChallengeId
      ? await context.sql.query<{ member_id: string; verified_at: Date | null; used_by_case: string | null }>(
          'SELECT member_id, verified_at, used_by_case FROM otp_challenges WHERE id = $1 FOR UPDATE',
          [body.otpChallengeId],
        )
      : [];
    const isFresh = challenge?.verified_at && context.services.now().getTime() - new Date(challenge.verified_at).getTime() < 30 * 60_000;
    if (!challenge || challenge.member_id !== body.memberId || !isFresh || challenge.used_by_case) {
      throw reject(
        'identity-not-proven',
        'Admission by one-time code needs a code verified for this patient in the last 30 minutes; verify a code or use another method.',
      );
    }
    await context.sql.query('UPDATE otp_challenges SET used_by_case = $2 WHERE id = $1', [body.otpChallengeId!, body.caseId]);
  }
  // Two desks admitting the same member at once: the partial unique index lets only one win. The
  // loser's INSERT waits for the winner's commit and then inserts nothing (ON CONFLICT on that
  // index) instead of raising: a raised unique violation would abort this transaction, and the
  // refusal below needs one more read to name the hospital (that read answered 500 before).
  const inserted = await context.sql.query(
    `INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, is_emergency, admitted_by, admitted_at, received_at, policy_year)
     VALUES ($1, $2, $3, $4, 'admitted', $5, $6, $7, $8, $9, $10)
     ON CONFLICT (member_id) WHERE status = 'admitted' DO NOTHING RETURNING id`,
    [
      body.caseId,
      member.id,
      member.family_id,
      hospitalId,
      body.identityMethod,
      body.isEmergency ?? false,
      context.principal.operatorId,
      admittedAt,
      receivedAt,
      policyYear,
    ],
  );
  if (inserted.length === 0) return activeElsewhere();
  // The desk's match evidence (issue 13 item 6), checked and kept; what fails is not refused.
  const evidence = await checkMatchEvidence(context, body, merge?.identifiedAt ?? admittedAt);
  // Identity not proven by the patient's body or phone goes to the review queue: an override
  // (unconscious patient, supervisor named), an admission on a document alone (issue 12 item 23),
  // a biometric claim whose evidence is missing or failed, and a sample of the verified ones.
  const identity = identityReview(body, evidence);
  const year = yearReview(policyYear, context.scheme.policy_year);
  const review = identity && year ? { ...identity, reason: `${identity.reason} ${year.reason}` } : (identity ?? year);
  if (review) {
    await context.sql.defer(
      'INSERT INTO identity_overrides (case_id, member_id, hospital_id, reason, supervisor_name, created_by, method) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [body.caseId, member.id, hospitalId, review.reason, review.supervisorName, context.principal.operatorId, review.method],
    );
  }
  // Touch the family so its replicated summary (active cases at every hospital) reaches desks.
  await context.sql.defer('UPDATE families SET updated_at = now() WHERE id = $1', [member.family_id]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'case-admitted',
    entityType: 'case',
    entityId: body.caseId,
    after: {
      memberId: member.id,
      hospitalId,
      identityMethod: body.identityMethod,
      identityEvidence: evidence.outcome,
      admittedAt: admittedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
      policyYear,
    },
    commandId: context.commandId,
  });
  return {
    caseId: body.caseId,
    status: 'admitted',
    familyId: member.family_id,
    identityMethod: body.identityMethod,
    flaggedForReview: review !== null,
    identityEvidence: evidence.outcome,
    admittedAt: admittedAt.toISOString(),
    policyYear,
  };
}

/**
 * An admission stamped in a closed policy year draws on that year's cover: legitimate for a desk
 * that was offline over the new year, and exactly what a backdated admission would do to use a
 * spent family's old cover. It stands, and goes to the review queue.
 */
function yearReview(policyYear: number, openYear: number): { method: 'closed-year'; reason: string; supervisorName: null } | null {
  if (policyYear >= openYear) return null;
  return {
    method: 'closed-year',
    reason: `Admitted at a time in policy year ${policyYear}, after the scheme moved to ${openYear}: the case draws on ${policyYear}'s cover.`,
    supervisorName: null,
  };
}

/** What the identity review queue records for an admission, or null when identity was proven. */
function identityReview(
  body: CommandBody<'admit'>,
  evidence: EvidenceFinding,
): { method: 'override' | 'document' | 'unverified-evidence' | 'sampled'; reason: string; supervisorName: string | null } | null {
  switch (body.identityMethod) {
    case 'override':
      return { method: 'override', reason: body.overrideReason ?? '', supervisorName: body.supervisorName ?? null };
    case 'document':
      return {
        method: 'document',
        reason: `Admitted on a document alone: no fingerprint, face or one-time code proved this patient's identity. ${documentFinding(body, evidence)}`,
        supervisorName: null,
      };
    case 'fingerprint':
    case 'face': {
      const reason = evidenceReviewReason(evidence);
      if (reason === null) return null;
      return { method: evidence.outcome === 'verified' ? 'sampled' : 'unverified-evidence', reason, supervisorName: null };
    }
    case 'otp':
      return null;
  }
}

/** What the server could say of a document admission's attestation (it can check only the scheme's own card). */
function documentFinding(body: CommandBody<'admit'>, evidence: EvidenceFinding): string {
  const attested = body.evidence?.kind === 'document' ? body.evidence : null;
  if (!attested || evidence.outcome === null) return 'The operator attested no document.';
  const what = `The operator attested a ${attested.documentType} ending ${attested.numberLast4}`;
  if (evidence.outcome !== 'attested') return `${what}, but: ${evidenceProblemSentences[evidence.outcome === 'verified' ? 'missing' : evidence.outcome]}`;
  return attested.documentType === 'health-card'
    ? `${what}, matching the member's registered health card.`
    : `${what} (signed by the operator; the server cannot check this document).`;
}
