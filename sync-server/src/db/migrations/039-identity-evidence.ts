/**
 * 039 — match evidence for biometric and document admissions (issue 13 item 6;
 * src/identity/match-evidence.ts, node-shared/operator-proof.ts `matchEvidenceBytes`).
 *
 * An admission said `fingerprint` or `face` and was taken at its word. Now the desk sends what
 * matched (the enrolment, the module's or face engine's score, the capture time), signed with the
 * operator's key (028) over the case and member it admits; a document admission sends the document
 * type, the number's last 4 and the operator's signed attestation. The server checks it and keeps
 * it here, once per case (append-only: what the desk claimed and what the check found is
 * evidence for the reviewer, never rewritten).
 *
 * An admission whose evidence is missing or fails is not refused (a patient is admitted offline
 * and a broken reader must not turn them away): it goes to the identity review queue
 * (`identity_overrides`, methods `unverified-evidence`), and a share of the verified ones
 * (`schemes.identity_sample_bp`, chosen by a keyed hash of the case id) goes there too (`sampled`).
 *
 * The scheme's thresholds: the fingerprint module's match score (R30x-family modules report
 * 50–200 for a genuine match at security level 3–4) and the face engine's similarity in basis
 * points (0.6 = 6,000, domain/biometrics.ts `defaultFaceMatchThreshold`).
 */
export const sql = /* sql */ `
ALTER TABLE schemes
  ADD COLUMN fingerprint_min_score integer NOT NULL DEFAULT 50 CHECK (fingerprint_min_score BETWEEN 1 AND 65535),
  ADD COLUMN face_min_similarity_bp integer NOT NULL DEFAULT 6000 CHECK (face_min_similarity_bp BETWEEN 3000 AND 9500),
  ADD COLUMN identity_sample_bp integer NOT NULL DEFAULT 500 CHECK (identity_sample_bp BETWEEN 0 AND 10000);

CREATE TABLE admission_evidence (
  case_id uuid PRIMARY KEY REFERENCES cases (id),
  kind text NOT NULL CHECK (kind IN ('fingerprint', 'face', 'document')),
  enrolment_id uuid,
  score double precision,
  document_type text,
  number_last4 text CHECK (number_last4 ~ '^[0-9A-Za-z]{4}$'),
  captured_at timestamptz NOT NULL,
  key_id uuid NOT NULL,
  -- What the server found: verified (biometric), attested (document, signature good), or the problem.
  outcome text NOT NULL CHECK (outcome IN (
    'verified', 'attested', 'unknown-enrolment', 'enrolment-of-another-member', 'wrong-modality',
    'below-threshold', 'stale-capture', 'unknown-key', 'wrong-key', 'key-not-valid', 'bad-signature', 'document-mismatch')),
  sampled boolean NOT NULL,
  checked_at timestamptz NOT NULL,
  CHECK ((kind = 'document') = (document_type IS NOT NULL AND number_last4 IS NOT NULL)),
  CHECK ((kind = 'document') = (enrolment_id IS NULL AND score IS NULL))
);

CREATE FUNCTION admission_evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'admission_evidence is append-only: what a desk claimed and what was found is kept as it was';
END $$;
CREATE TRIGGER admission_evidence_append_only BEFORE UPDATE OR DELETE ON admission_evidence FOR EACH ROW EXECUTE FUNCTION admission_evidence_append_only();
CREATE TRIGGER admission_evidence_no_truncate BEFORE TRUNCATE ON admission_evidence FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
REVOKE UPDATE, DELETE, TRUNCATE ON admission_evidence FROM coverdesk_runtime;

ALTER TABLE identity_overrides DROP CONSTRAINT identity_overrides_method_check;
ALTER TABLE identity_overrides ADD CONSTRAINT identity_overrides_method_check
  CHECK (method IN ('override', 'document', 'closed-year', 'unverified-evidence', 'sampled'));
`;
