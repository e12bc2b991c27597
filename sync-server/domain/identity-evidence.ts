/**
 * Match evidence for an admission (issue 13 item 6): the rules, pure. The server checks what a
 * desk sends with these (src/identity/match-evidence.ts); the desk builds what it sends from the
 * same names.
 *
 * An admission claiming `fingerprint` or `face` carries what matched: the enrolment, the fingerprint
 * module's match score or the face engine's similarity, and when it was captured, signed with the
 * operator's key over the case and member it admits. A `document` admission carries the document's
 * type, the last 4 characters of its number and the operator's signed attestation.
 *
 * Evidence that is missing or fails never refuses the admission (a patient must be admitted, also
 * offline, also with a broken reader): the case goes to the identity review queue with the
 * problem as its reason.
 */

/** What the server found, besides `verified` and `attested`. */
export const evidenceProblems = [
  'missing',
  'unknown-enrolment',
  'enrolment-of-another-member',
  'wrong-modality',
  'below-threshold',
  'stale-capture',
  'unknown-key',
  'wrong-key',
  'key-not-valid',
  'bad-signature',
  'document-mismatch',
] as const;
export type EvidenceProblem = (typeof evidenceProblems)[number];

export const evidenceOutcomes = ['verified', 'attested', ...evidenceProblems] as const;
export type EvidenceOutcome = (typeof evidenceOutcomes)[number];

/**
 * Documents a desk may admit on. Only the scheme's own health card can be checked by the server
 * (its number is on the member's row); the others are the operator's word, signed.
 */
export const identityDocumentTypes = ['health-card', 'national-id', 'ration-card', 'voter-id', 'driving-licence', 'passport', 'other'] as const;
export type IdentityDocumentType = (typeof identityDocumentTypes)[number];

/**
 * How far the capture may be from the admission time the desk stamps: identify, then fill in the
 * admission. A capture from longer before belongs to another visit; one after the admission did
 * not decide it. The server also refuses captures ahead of its own clock by more than the skew.
 */
export const evidenceWindow = { beforeAdmissionMs: 30 * 60_000, afterAdmissionMs: 2 * 60_000, clockSkewMs: 5 * 60_000 } as const;

/** Whether a capture time is close enough to the admission (and not in the server's future). */
export function isCaptureInWindow(capturedAtMs: number, admittedAtMs: number, nowMs: number): boolean {
  if (!Number.isFinite(capturedAtMs)) return false;
  if (capturedAtMs > nowMs + evidenceWindow.clockSkewMs) return false;
  return capturedAtMs >= admittedAtMs - evidenceWindow.beforeAdmissionMs && capturedAtMs <= admittedAtMs + evidenceWindow.afterAdmissionMs;
}

export interface EvidenceThresholds {
  /** The fingerprint module's match score (uint16), at least. */
  readonly fingerprintMinScore: number;
  /** The face similarity (0..1) in basis points, at least. */
  readonly faceMinSimilarityBp: number;
}

/** Whether a score meets the scheme's threshold for its modality. */
export function meetsThreshold(modality: 'fingerprint' | 'face', score: number, thresholds: EvidenceThresholds): boolean {
  if (!Number.isFinite(score)) return false;
  return modality === 'fingerprint' ? score >= thresholds.fingerprintMinScore : Math.round(score * 10_000) >= thresholds.faceMinSimilarityBp;
}

/**
 * Whether a case is sampled for review, from a uniform 32-bit value derived from its id with a key
 * the desk does not know (the desk makes case ids: an unkeyed hash would let it pick ids that are
 * never sampled). `shareBp` of 10,000 samples every case, 0 none.
 */
export function isSampled(uniform32: number, shareBp: number): boolean {
  return uniform32 < Math.floor((shareBp * 2 ** 32) / 10_000);
}

/** The reviewer's sentence for each problem. */
export const evidenceProblemSentences: Readonly<Record<EvidenceProblem, string>> = {
  missing: 'The desk claimed a biometric match but sent no match evidence (enrolment, score, capture time, signature).',
  'unknown-enrolment': 'The match evidence names an enrolment the server does not have, or one replaced before the capture.',
  'enrolment-of-another-member': "The match evidence names another member's enrolment.",
  'wrong-modality': 'The match evidence names an enrolment of another modality than the one claimed.',
  'below-threshold': "The match score is below the scheme's threshold.",
  'stale-capture': 'The capture time is too far from the admission time (or ahead of the server clock).',
  'unknown-key': 'The evidence is signed with a key the server does not know.',
  'wrong-key': "The evidence is signed with another operator's key.",
  'key-not-valid': "The evidence is signed with a key that was not the operator's valid key at the capture time (expired, replaced or revoked).",
  'bad-signature': 'The evidence signature does not verify for this case and member: altered, or taken from another admission.',
  'document-mismatch': "The document number's last 4 characters do not match the member's registered health card.",
};
