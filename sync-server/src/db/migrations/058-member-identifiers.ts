/**
 * 058 — a member's other identifiers (issue 16, "one member, many cards"): the national ID's
 * secure QR, the health account number, each hospital's own patient number (MRN) and a state card,
 * linked to the member so any of them finds the member at a desk (identify-member `linked-id`,
 * and offline on desks that pulled the link).
 *
 * - `member_identifiers`: one row per link. `issuer` scopes the value (domain/identifiers.ts): the
 *   QR's issuer id, the hospital's id for an MRN, the state code for a state card, '' for the
 *   health account number. One identifier belongs to one member: (kind, issuer, value) is unique
 *   among active links (partial unique index; the link command inserts ON CONFLICT DO NOTHING and
 *   names the holder where the caller may see it). An unlink keeps the row (`unlinked_at`, by,
 *   reason): the identifier may then be linked again, to anyone.
 * - `document`: the national ID QR's text as scanned (the member's document), `is_verified`
 *   whether the issuer's configured key verified its signature. Other kinds: no document, checked
 *   by their own rule (the health account number's check digit), `is_verified` false.
 * - `change_xid`: desks pull active links of the families in their scope (pull table
 *   `member_identifiers`, an unlink as a tombstone); another hospital's MRNs are never sent.
 *
 * Expand only (a new table): a server of the previous release ignores it.
 */
export const sql = /* sql */ `
CREATE TABLE member_identifiers (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES members(id),
  family_id uuid NOT NULL REFERENCES families(id),
  kind text NOT NULL CHECK (kind IN ('national-id-qr', 'health-account', 'hospital-mrn', 'state-card')),
  issuer text NOT NULL CHECK (length(issuer) <= 64),
  value text NOT NULL CHECK (length(value) BETWEEN 1 AND 32),
  document text CHECK (length(document) <= 3000),
  is_verified boolean NOT NULL DEFAULT false,
  linked_at timestamptz NOT NULL DEFAULT now(),
  linked_by uuid NOT NULL REFERENCES operators(id),
  command_id uuid NOT NULL,
  unlinked_at timestamptz,
  unlinked_by uuid REFERENCES operators(id),
  unlinked_reason text CHECK (length(unlinked_reason) BETWEEN 1 AND 500),
  unlink_command_id uuid,
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT identifier_shape CHECK (
    (kind = 'health-account' AND issuer = '' AND value ~ '^[0-9]{14}$')
    OR (kind = 'hospital-mrn' AND issuer ~ '^[0-9a-f-]{36}$')
    OR (kind = 'state-card' AND issuer ~ '^[A-Z]{2}$')
    OR (kind = 'national-id-qr' AND issuer ~ '^[A-Za-z0-9_-]{1,16}$' AND document IS NOT NULL)),
  CONSTRAINT document_only_for_qr CHECK (kind = 'national-id-qr' OR (document IS NULL AND NOT is_verified)),
  CONSTRAINT unlink_whole CHECK ((unlinked_at IS NULL) = (unlinked_by IS NULL) AND (unlinked_at IS NULL) = (unlinked_reason IS NULL)
    AND (unlinked_at IS NULL) = (unlink_command_id IS NULL))
);
-- One identifier, one member: the arbitration is this index, not a read before the insert.
CREATE UNIQUE INDEX member_identifiers_one_holder ON member_identifiers (kind, issuer, value) WHERE unlinked_at IS NULL;
CREATE INDEX member_identifiers_member ON member_identifiers (member_id);
CREATE INDEX member_identifiers_family ON member_identifiers (family_id);
CREATE INDEX member_identifiers_change_xid_index ON member_identifiers (change_xid);
CREATE TRIGGER member_identifiers_change_xid BEFORE UPDATE ON member_identifiers FOR EACH ROW EXECUTE FUNCTION touch_change_xid();

-- A link changes only by being unlinked; rows are kept for the audit trail.
REVOKE DELETE, TRUNCATE ON member_identifiers FROM coverdesk_runtime;
`;
