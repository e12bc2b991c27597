/**
 * 068 — the member's consent to show past treatment given by a biometric match at the desk
 * (issue 16; src/member-record/consent.ts), beside the one-time code of 062.
 *
 * - `method` may now be `fingerprint` or `face`: the desk's reader or face engine matched the
 *   member's enrolment, for this consent, moments before (the desk signs the match for the consent
 *   with the operator's key: node-shared/operator-proof.ts consentEvidenceBytes). The check is
 *   replaced under its own name and accepts every row the old one did (an `otp` grant with its code).
 * - `otp_challenge_id` may be NULL: a biometric grant has no code; the CHECK still requires one for `otp`.
 * - the evidence the server verified: the enrolment matched, the score, the capture time, the key
 *   and its signature. A signature backs one consent (unique), as a code does.
 *
 * Expand only: new nullable columns, a NOT NULL relaxed, a CHECK widened under its own name. A
 * server of the previous release writes only `otp` grants with a code, which the new check accepts.
 */
export const sql = /* sql */ `
ALTER TABLE history_consents ALTER COLUMN otp_challenge_id DROP NOT NULL;
ALTER TABLE history_consents ADD COLUMN evidence_enrolment_id uuid REFERENCES biometric_enrolments(id);
ALTER TABLE history_consents ADD COLUMN evidence_score double precision;
ALTER TABLE history_consents ADD COLUMN evidence_captured_at timestamptz;
ALTER TABLE history_consents ADD COLUMN evidence_key_id uuid;
ALTER TABLE history_consents ADD COLUMN evidence_signature text;
CREATE UNIQUE INDEX history_consents_evidence_signature ON history_consents (evidence_signature) WHERE evidence_signature IS NOT NULL;
ALTER TABLE history_consents DROP CONSTRAINT history_consents_method_check;
ALTER TABLE history_consents ADD CONSTRAINT history_consents_method_check CHECK (
  (method = 'otp' AND otp_challenge_id IS NOT NULL)
  OR (method IN ('fingerprint', 'face') AND evidence_enrolment_id IS NOT NULL AND evidence_score IS NOT NULL
      AND evidence_captured_at IS NOT NULL AND evidence_key_id IS NOT NULL AND evidence_signature IS NOT NULL)
);
`;
