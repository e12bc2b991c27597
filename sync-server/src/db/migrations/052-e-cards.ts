/**
 * 052 — member e-cards (issue 16): the scheme's card-signing public keys and the cards it issued.
 *
 * - `e_card_keys`: each Ed25519 public key (SPKI PEM) that has signed a card, by key id. A key is
 *   published by the transaction that signs its first card and never removed: after a rotation
 *   the old key's cards still verify at every desk. Replicated to every desk (pull table
 *   `e_card_keys`), whatever its scope: a card may be scanned anywhere.
 * - `e_cards`: one row per card issued, with the exact QR text signed, its validity and who issued
 *   it. A lost card is revoked (`revoked_at`, `revoked_by`, `revoked_reason`) and a reissue names
 *   the card it replaces. At most one card of a member is active (partial unique index). Revoked
 *   serials reach every desk (pull table `e_card_revocations`: serial and time only, no member).
 * - `e_card_serials`: the sequence cards are numbered from (EC-00000001…).
 *
 * Expand only (new tables): a server of the previous release ignores them.
 */
export const sql = /* sql */ `
CREATE TABLE e_card_keys (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,16}$'),
  public_key text NOT NULL CHECK (public_key LIKE '-----BEGIN PUBLIC KEY-----%'),
  published_at timestamptz NOT NULL DEFAULT now(),
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX e_card_keys_change_xid_index ON e_card_keys (change_xid);

CREATE SEQUENCE e_card_serials;

CREATE TABLE e_cards (
  serial text PRIMARY KEY CHECK (serial ~ '^EC-[0-9]{8,}$'),
  member_id uuid NOT NULL REFERENCES members(id),
  family_id uuid NOT NULL REFERENCES families(id),
  key_id text NOT NULL REFERENCES e_card_keys(id),
  qr_text text NOT NULL,
  valid_from date NOT NULL,
  valid_to date NOT NULL CHECK (valid_to >= valid_from),
  issued_at timestamptz NOT NULL DEFAULT now(),
  issued_by uuid NOT NULL REFERENCES operators(id),
  command_id uuid NOT NULL,
  replaces text REFERENCES e_cards(serial),
  revoked_at timestamptz,
  revoked_by uuid REFERENCES operators(id),
  revoked_reason text CHECK (length(revoked_reason) BETWEEN 1 AND 500),
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT revocation_whole CHECK ((revoked_at IS NULL) = (revoked_by IS NULL) AND (revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE TRIGGER e_cards_change_xid BEFORE UPDATE ON e_cards FOR EACH ROW EXECUTE FUNCTION touch_change_xid();
CREATE INDEX e_cards_change_xid_index ON e_cards (change_xid);
CREATE INDEX e_cards_member ON e_cards (member_id);
CREATE UNIQUE INDEX e_cards_one_active ON e_cards (member_id) WHERE revoked_at IS NULL;
CREATE INDEX e_cards_revoked ON e_cards (serial) WHERE revoked_at IS NOT NULL;

-- Keys are published, never changed; a card changes only by being revoked.
REVOKE UPDATE, DELETE, TRUNCATE ON e_card_keys FROM coverdesk_runtime;
REVOKE DELETE, TRUNCATE ON e_cards FROM coverdesk_runtime;
`;
