/**
 * 028 — per-operator proof on what desks send (issue 13 item 4; node-shared/operator-proof.ts,
 * src/sync/operator-keys.ts).
 *
 * `operator_keys`: the public half of an Ed25519 key pair a desk made for one operator at online
 * sign-in (the private half stays on that desk, sealed under the operator's password). A mutation
 * verifies against the key only if it was made while the key was valid: not before `issued_at`,
 * before `expires_at`, and before `superseded_at` (the operator's next online sign-in at that desk
 * made a new key). `revoked_at` ends the key for good: nothing pushed after it verifies, whenever
 * it says it was made (the operator was deactivated or moved to another hospital: set by the
 * trigger below, whatever path changed the row).
 *
 * `desks.templates_withheld_at`: a pull without a valid operator proof gets no biometric templates
 * (sync/pull.ts); the desk's next pull with one gets every template of its scope again.
 */
export const sql = /* sql */ `
CREATE TABLE operator_keys (
  id uuid PRIMARY KEY,
  operator_id uuid NOT NULL REFERENCES operators (id),
  desk_id uuid NOT NULL REFERENCES desks (id),
  public_key text NOT NULL UNIQUE CHECK (public_key ~ '^[A-Za-z0-9_-]{43}$'),
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  superseded_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('operator-deactivated', 'operator-moved', 'desk-revoked')),
  CHECK (expires_at > issued_at),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX operator_keys_operator_desk ON operator_keys (operator_id, desk_id);

CREATE FUNCTION revoke_operator_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE operator_keys SET revoked_at = now(),
         revoked_reason = CASE WHEN NOT NEW.is_active THEN 'operator-deactivated' ELSE 'operator-moved' END
   WHERE operator_id = NEW.id AND revoked_at IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER operators_revoke_keys AFTER UPDATE OF is_active, hospital_id ON operators FOR EACH ROW
  WHEN ((OLD.is_active AND NOT NEW.is_active) OR OLD.hospital_id IS DISTINCT FROM NEW.hospital_id)
  EXECUTE FUNCTION revoke_operator_keys();

CREATE FUNCTION revoke_desk_operator_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE operator_keys SET revoked_at = now(), revoked_reason = 'desk-revoked' WHERE desk_id = NEW.id AND revoked_at IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER desks_revoke_operator_keys AFTER UPDATE OF status ON desks FOR EACH ROW
  WHEN (OLD.status = 'active' AND NEW.status <> 'active')
  EXECUTE FUNCTION revoke_desk_operator_keys();

ALTER TABLE desks ADD COLUMN templates_withheld_at timestamptz;
`;
