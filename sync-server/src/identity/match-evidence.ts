import { createHmac } from 'node:crypto';
import type { CommandBody } from '@contract/commands';
import { evidenceProblemSentences, isCaptureInWindow, isSampled, meetsThreshold, type EvidenceOutcome, type EvidenceProblem } from '@domain/identity-evidence';
import { fail } from '@domain/outcomes';
import { matchEvidenceBytes, verifyBytes } from '../../node-shared/operator-proof';
import type { CommandContext } from '../commands/context';
import { keyRow, keyValidity } from '../sync/operator-keys';

/**
 * The server's check of an admission's match evidence (issue 13 item 6; the rules in
 * domain/identity-evidence.ts, the signed bytes in node-shared/operator-proof.ts, the table in
 * migration 039).
 *
 * A desk used to say `fingerprint` and be believed. Now, for a biometric admission, the evidence
 * must name an enrolment of this member and modality, carry a score that meets the scheme's
 * threshold and a capture time close to the admission time (and not ahead of this server's clock),
 * and be signed by the admitting operator's key, valid at the capture time, over this case and
 * member — so evidence from another admission, another member's enrolment or an altered score does
 * not verify. What fails does not refuse the admission: the caller sends the case to the identity
 * review queue with the problem as the reason.
 */

type AdmitEvidence = NonNullable<CommandBody<'admit'>['evidence']>;

export interface EvidenceFinding {
  /** Null for otp and override: nothing to check here. */
  readonly outcome: EvidenceOutcome | null;
  /** A verified biometric admission picked for review by the keyed sample. */
  readonly isSampled: boolean;
}

/** Bad input, not failed evidence: a desk builds these consistently, so a mismatch is a 400 that writes nothing. */
export function checkEvidenceShape(body: CommandBody<'admit'>): void {
  const evidence = body.evidence;
  if (!evidence) return;
  if (body.identityMethod === 'otp' || body.identityMethod === 'override')
    throw fail('invalid-input', `Evidence goes with a fingerprint, face or document admission, not with identityMethod ${body.identityMethod}.`);
  if (evidence.kind !== body.identityMethod)
    throw fail('invalid-input', `The evidence is of a ${evidence.kind} but the admission claims ${body.identityMethod}: send the evidence of the method used.`);
  if (evidence.kind === 'face' && evidence.score > 1)
    throw fail('invalid-input', `A face match score is the engine's similarity from 0 to 1; ${evidence.score} is not one.`);
  if (evidence.kind === 'fingerprint' && !Number.isInteger(evidence.score))
    throw fail('invalid-input', `A fingerprint match score is the module's whole number from 0 to 65,535; ${evidence.score} is not one.`);
}

/** The sample's key, derived once per server key and kept apart from its other uses. */
const sampleKeys = new WeakMap<Buffer, Buffer>();
function sampleKey(serverKey: Buffer): Buffer {
  let key = sampleKeys.get(serverKey);
  if (!key) {
    key = createHmac('sha256', serverKey).update('coverdesk identity review sample v1').digest();
    sampleKeys.set(serverKey, key);
  }
  return key;
}

/**
 * Whether a verified admission of this case id is sampled for review. Keyed (the server key), so a
 * desk, which makes case ids, cannot choose ids that escape the sample; deterministic, so a retry
 * and a test get the same answer.
 */
export function isCaseSampled(serverKey: Buffer, caseId: string, shareBp: number): boolean {
  const digest = createHmac('sha256', sampleKey(serverKey)).update(caseId.toLowerCase()).digest();
  return isSampled(digest.readUInt32BE(0), shareBp);
}

export async function checkMatchEvidence(context: CommandContext, body: CommandBody<'admit'>, admittedAt: Date): Promise<EvidenceFinding> {
  const method = body.identityMethod;
  if (method === 'otp' || method === 'override') return { outcome: null, isSampled: false };
  const evidence = body.evidence;
  if (!evidence) return { outcome: method === 'document' ? null : 'missing', isSampled: false };
  const outcome = (await problemOf(context, body, evidence, admittedAt)) ?? (evidence.kind === 'document' ? 'attested' : 'verified');
  const sampled = outcome === 'verified' && isCaseSampled(context.nationalIdKey, body.caseId, context.scheme.identity_sample_bp);
  await context.sql.defer(
    `INSERT INTO admission_evidence (case_id, kind, enrolment_id, score, document_type, number_last4, captured_at, key_id, outcome, sampled, checked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      body.caseId,
      evidence.kind,
      evidence.kind === 'document' ? null : evidence.enrolmentId,
      evidence.kind === 'document' ? null : evidence.score,
      evidence.kind === 'document' ? evidence.documentType : null,
      evidence.kind === 'document' ? evidence.numberLast4 : null,
      new Date(evidence.capturedAt),
      evidence.keyId,
      outcome,
      sampled,
      context.services.now(),
    ],
  );
  return { outcome, isSampled: sampled };
}

async function problemOf(context: CommandContext, body: CommandBody<'admit'>, evidence: AdmitEvidence, admittedAt: Date): Promise<EvidenceProblem | null> {
  const now = context.services.now().getTime();
  const capturedAt = Date.parse(evidence.capturedAt);
  // The signature first: nothing else the evidence says counts unless the operator said it.
  const key = await keyRow(context.sql, evidence.keyId);
  if (!key) return 'unknown-key';
  const operatorId = context.principal.operatorId;
  const invalid = keyValidity(key, { deskId: key.desk_id }, operatorId, capturedAt, now);
  if (invalid === 'unknown-key' || invalid === 'wrong-key') return invalid;
  const subject = { deskId: key.desk_id, operatorId, caseId: body.caseId, memberId: body.memberId, identityMethod: body.identityMethod };
  if (!verifyBytes(key.public_key, matchEvidenceBytes(subject, evidence), evidence.signature)) return 'bad-signature';
  if (invalid === 'key-revoked') return 'key-not-valid';
  // The operator said it; now whether what they said holds: the capture close to this admission, ...
  if (!isCaptureInWindow(capturedAt, admittedAt.getTime(), now)) return 'stale-capture';
  // ... made while the key was theirs (after issue, before expiry and replacement), ...
  if (invalid) return 'key-not-valid';
  if (evidence.kind === 'document') {
    // Only the scheme's own card can be checked: its number is on the member's row. Other
    // documents are the operator's signed word, and every document admission is reviewed.
    if (evidence.documentType !== 'health-card') return null;
    const [member] = await context.sql.query<{ health_card_number: string | null }>('SELECT health_card_number FROM members WHERE id = $1', [body.memberId]);
    const card = member?.health_card_number ?? '';
    return card.length >= 4 && card.slice(-4).toUpperCase() === evidence.numberLast4.toUpperCase() ? null : 'document-mismatch';
  }
  // ... and of this member's enrolment of this modality, with a score the scheme accepts.
  // One active enrolment per member and modality; a replaced one is kept revoked (migration 038,
  // identity/biometrics.ts) and counts only for a capture made before its revocation (an admission
  // made offline against the desk's cached copy). After it, it is as good as unknown.
  const [enrolment] = await context.sql.query<{ member_id: string; modality: string; revoked_at: Date | null }>(
    'SELECT member_id, modality, revoked_at FROM biometric_enrolments WHERE id = $1',
    [evidence.enrolmentId],
  );
  if (!enrolment || (enrolment.revoked_at !== null && new Date(enrolment.revoked_at).getTime() <= capturedAt)) return 'unknown-enrolment';
  if (enrolment.member_id !== body.memberId) return 'enrolment-of-another-member';
  if (enrolment.modality !== evidence.kind) return 'wrong-modality';
  const thresholds = { fingerprintMinScore: context.scheme.fingerprint_min_score, faceMinSimilarityBp: context.scheme.face_min_similarity_bp };
  if (!meetsThreshold(evidence.kind, evidence.score, thresholds)) return 'below-threshold';
  return null;
}

/** The review queue's sentence for an admission's evidence, or null when it needs no review on its own. */
export function evidenceReviewReason(finding: EvidenceFinding): string | null {
  const { outcome } = finding;
  if (outcome === null || outcome === 'attested') return null;
  if (outcome === 'verified')
    return finding.isSampled ? 'A verified biometric match, sampled for review (a share of verified admissions is checked by a person).' : null;
  return `Identity not verified: ${evidenceProblemSentences[outcome]}`;
}
