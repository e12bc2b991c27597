/**
 * 065 — family changes (issue 16, docs/family-changes.md): a newborn or a new spouse registered
 * into an existing family at a desk, with its supporting document, waiting for the scheme's
 * enrolment role (HA) to approve or reject it.
 *
 * - `family_documents`: the birth or marriage certificate a desk uploaded for a family (tus, as a
 *   case's documents: src/documents/routes.ts with Upload-Metadata `familyId` instead of `caseId`).
 *   Checked by content (PDF/JPEG/PNG), SHA-256 hashed, the same file attached once per family and
 *   kind; rows are never changed or removed by the server, and the file lives in the document store.
 * - `family_changes`: one registration. `member_id` is the client-generated id the member gets in
 *   `members` when approved (not before: an undecided registration is nobody's cover). Its document
 *   supports one registration only. `pending_case_id`: the "pending enrolment" admission of the new
 *   member, an emergency case (migration 055) with no member and so no hold until the decision.
 *   `effective_date`: when the member's cover starts (domain/family-changes.ts: a newborn's date of
 *   birth, a spouse's approval day). The same person registered twice while the first is pending is
 *   refused by `family_changes_one_pending`.
 *
 * No money column: a family change never changes the family's cover nor what is committed on it.
 * Expand only (new tables): a server of the previous release ignores them.
 */
export const sql = /* sql */ `
CREATE TABLE family_documents (
  id uuid PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES families(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  kind text NOT NULL CHECK (kind IN ('birth-certificate', 'marriage-certificate')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  media_type text NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text NOT NULL UNIQUE,
  upload_id text NOT NULL UNIQUE,
  uploaded_by uuid NOT NULL REFERENCES operators(id),
  attached_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (family_id, kind, sha256)
);
-- Evidence for an enrolment decision: never edited or removed by the running server.
REVOKE UPDATE, DELETE, TRUNCATE ON family_documents FROM coverdesk_runtime;

CREATE TABLE family_changes (
  id uuid PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES families(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  kind text NOT NULL CHECK (kind IN ('newborn', 'spouse')),
  member_id uuid NOT NULL UNIQUE,
  full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 120),
  gender text NOT NULL CHECK (gender IN ('F', 'M', 'X')),
  birth_date date NOT NULL,
  relation text NOT NULL CHECK (relation IN ('son', 'daughter', 'spouse', 'other')),
  document_id uuid NOT NULL UNIQUE REFERENCES family_documents(id),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_by uuid NOT NULL REFERENCES operators(id),
  requested_at timestamptz NOT NULL,
  pending_case_id uuid UNIQUE REFERENCES emergency_cases(id),
  decided_by uuid REFERENCES operators(id),
  decided_at timestamptz,
  decision_reason text CHECK (length(decision_reason) BETWEEN 1 AND 500),
  effective_date date,
  scheme_member_id text,
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT decision_whole CHECK ((status = 'pending') = (decided_by IS NULL AND decided_at IS NULL AND decision_reason IS NULL)),
  CONSTRAINT approval_whole CHECK ((status = 'approved') = (effective_date IS NOT NULL AND scheme_member_id IS NOT NULL))
);
CREATE INDEX family_changes_queue ON family_changes (requested_at) WHERE status = 'pending';
CREATE INDEX family_changes_family ON family_changes (family_id, requested_at);
CREATE UNIQUE INDEX family_changes_one_pending ON family_changes (family_id, kind, lower(full_name), birth_date) WHERE status = 'pending';
REVOKE DELETE, TRUNCATE ON family_changes FROM coverdesk_runtime;
`;
