/**
 * 007 — biometric enrolments: one fingerprint template and one face descriptor per member.
 *
 * `sealed` is the biometric encrypted at rest (AES-256-GCM, see src/identity/biometric-seal.ts),
 * bound to its member and modality so a sealed value copied onto another row does not open. The
 * plaintext never reaches a table, a log or a stored command answer. A re-enrolment replaces the
 * row in place (same id), so desks replace their cached copy.
 */
export const sql = /* sql */ `
CREATE TABLE biometric_enrolments (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members(id),
  family_id uuid NOT NULL REFERENCES families(id),
  modality text NOT NULL CHECK (modality IN ('fingerprint', 'face')),
  sealed text NOT NULL,
  enrolled_by uuid NOT NULL REFERENCES operators(id),
  enrolled_at timestamptz NOT NULL,
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (member_id, modality)
);
CREATE INDEX biometric_enrolments_family ON biometric_enrolments (family_id);
CREATE INDEX biometric_enrolments_change_xid_index ON biometric_enrolments (change_xid);
CREATE TRIGGER biometric_enrolments_change_xid BEFORE UPDATE ON biometric_enrolments FOR EACH ROW EXECUTE FUNCTION touch_change_xid();
`;
