/**
 * 038 — scoped, second-factor biometric enrolment and its reviewed replacement (issue 13 item 5).
 *
 * Before, any MEDCO could enrol a finger or a face for any member scheme-wide, and whoever enrolled
 * first won: the member's real enrolment was then refused for good. Now an enrolment names the
 * admitted case at the enrolling operator's hospital it was made for and its second factor (a
 * one-time code sent to the family's registered phone and verified for the patient); a wrong
 * enrolment is replaced only through a request the health authority reviews
 * (`biometric_replacement_requests`), and the replaced one is kept, revoked.
 *
 * Rows enrolled before this migration carry `second_factor = 'none-before-038'` and the hospital of
 * the operator who enrolled them: they stay usable (they are what desks verify against today) and
 * the review read shows them as unscoped. No new row may say so (trigger below).
 *
 * One active enrolment per member and modality is now a partial unique index (revoked rows stay).
 * An enrolment row is never deleted and only its seal (keys:migrate reseals) and its revocation,
 * once, may change.
 */
export const sql = /* sql */ `
ALTER TABLE biometric_enrolments
  ADD COLUMN hospital_id uuid REFERENCES hospitals (id),
  ADD COLUMN case_id uuid REFERENCES cases (id),
  ADD COLUMN second_factor text,
  ADD COLUMN otp_challenge_id uuid REFERENCES otp_challenges (id),
  ADD COLUMN replacement_request_id uuid,
  ADD COLUMN revoked_at timestamptz,
  ADD COLUMN revoked_by uuid REFERENCES operators (id),
  ADD COLUMN replaced_by uuid REFERENCES biometric_enrolments (id) DEFERRABLE INITIALLY DEFERRED;

UPDATE biometric_enrolments b SET second_factor = 'none-before-038', hospital_id = o.hospital_id FROM operators o WHERE o.id = b.enrolled_by;

ALTER TABLE biometric_enrolments
  ALTER COLUMN second_factor SET NOT NULL,
  -- What each kind of enrolment must name: an OTP enrolment its case, hospital and verified code;
  -- a replacement its case, hospital and the reviewed request; an old row none of them.
  ADD CONSTRAINT biometric_enrolment_second_factor CHECK (
       (second_factor = 'otp' AND case_id IS NOT NULL AND hospital_id IS NOT NULL AND otp_challenge_id IS NOT NULL AND replacement_request_id IS NULL)
    OR (second_factor = 'replacement-review' AND case_id IS NOT NULL AND hospital_id IS NOT NULL AND replacement_request_id IS NOT NULL AND otp_challenge_id IS NULL)
    OR (second_factor = 'none-before-038' AND case_id IS NULL AND otp_challenge_id IS NULL AND replacement_request_id IS NULL)),
  ADD CONSTRAINT biometric_enrolment_revocation CHECK ((revoked_at IS NULL) = (revoked_by IS NULL) AND (replaced_by IS NULL OR revoked_at IS NOT NULL)),
  DROP CONSTRAINT biometric_enrolments_member_id_modality_key;

-- One active enrolment per member and modality; revoked ones are kept beside it.
CREATE UNIQUE INDEX biometric_enrolments_active ON biometric_enrolments (member_id, modality) WHERE revoked_at IS NULL;
-- A verified code backs one enrolment of each modality.
CREATE UNIQUE INDEX biometric_enrolments_otp ON biometric_enrolments (otp_challenge_id, modality) WHERE otp_challenge_id IS NOT NULL;
CREATE INDEX biometric_enrolments_enrolled_at ON biometric_enrolments (enrolled_at);

CREATE TABLE biometric_replacement_requests (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members (id),
  family_id uuid NOT NULL REFERENCES families (id),
  modality text NOT NULL CHECK (modality IN ('fingerprint', 'face')),
  replaces_id uuid NOT NULL REFERENCES biometric_enrolments (id),
  case_id uuid NOT NULL REFERENCES cases (id),
  hospital_id uuid NOT NULL REFERENCES hospitals (id),
  otp_challenge_id uuid NOT NULL REFERENCES otp_challenges (id),
  reason text NOT NULL CHECK (length(reason) BETWEEN 15 AND 1000),
  -- The new biometric, sealed at rest like an enrolment, only while the request waits: an approval
  -- moves it to the new enrolment, a rejection drops it.
  sealed text,
  requested_by uuid NOT NULL REFERENCES operators (id),
  requested_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  reviewed_by uuid REFERENCES operators (id),
  reviewed_at timestamptz,
  review_note text,
  enrolment_id uuid REFERENCES biometric_enrolments (id),
  CONSTRAINT biometric_replacement_review CHECK (
       (status = 'pending' AND sealed IS NOT NULL AND reviewed_at IS NULL AND reviewed_by IS NULL AND enrolment_id IS NULL)
    OR (status = 'approved' AND sealed IS NULL AND reviewed_at IS NOT NULL AND reviewed_by IS NOT NULL AND enrolment_id IS NOT NULL)
    OR (status = 'rejected' AND sealed IS NULL AND reviewed_at IS NOT NULL AND reviewed_by IS NOT NULL AND enrolment_id IS NULL)),
  -- Whoever asked for a replacement never decides it.
  CONSTRAINT biometric_replacement_four_eyes CHECK (reviewed_by IS NULL OR reviewed_by <> requested_by),
  UNIQUE (otp_challenge_id, modality)
);
-- One request waiting per member and modality.
CREATE UNIQUE INDEX biometric_replacement_pending ON biometric_replacement_requests (member_id, modality) WHERE status = 'pending';
CREATE INDEX biometric_replacement_requested_at ON biometric_replacement_requests (requested_at);
ALTER TABLE biometric_enrolments ADD CONSTRAINT biometric_enrolments_replacement_request
  FOREIGN KEY (replacement_request_id) REFERENCES biometric_replacement_requests (id);

-- Enrolments are kept: never deleted, never rewritten. Only the seal may change (keys:migrate
-- reseals under a new key) and the revocation may be set once.
CREATE FUNCTION biometric_enrolment_kept() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'A biometric enrolment is never deleted: it is revoked by a reviewed replacement.';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.second_factor = 'none-before-038' THEN
      RAISE EXCEPTION 'A new biometric enrolment names its case and second factor.';
    END IF;
    RETURN NEW;
  END IF;
  IF (NEW.id, NEW.member_id, NEW.family_id, NEW.modality, NEW.enrolled_by, NEW.enrolled_at, NEW.hospital_id, NEW.case_id, NEW.second_factor,
      NEW.otp_challenge_id, NEW.replacement_request_id)
     IS DISTINCT FROM
     (OLD.id, OLD.member_id, OLD.family_id, OLD.modality, OLD.enrolled_by, OLD.enrolled_at, OLD.hospital_id, OLD.case_id, OLD.second_factor,
      OLD.otp_challenge_id, OLD.replacement_request_id)
     OR (OLD.revoked_at IS NOT NULL AND (NEW.revoked_at, NEW.revoked_by, NEW.replaced_by) IS DISTINCT FROM (OLD.revoked_at, OLD.revoked_by, OLD.replaced_by))
     OR (OLD.revoked_at IS NULL AND NEW.revoked_at IS NULL AND NEW.replaced_by IS NOT NULL) THEN
    RAISE EXCEPTION 'A biometric enrolment is kept as it was made; only its revocation is added, once.';
  END IF;
  RETURN NEW;
END $fn$;
CREATE TRIGGER biometric_enrolments_kept BEFORE INSERT OR UPDATE OR DELETE ON biometric_enrolments FOR EACH ROW EXECUTE FUNCTION biometric_enrolment_kept();

DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coverdesk_runtime') THEN
    REVOKE DELETE, TRUNCATE ON biometric_enrolments, biometric_replacement_requests FROM coverdesk_runtime;
  END IF;
END $do$;
`;
