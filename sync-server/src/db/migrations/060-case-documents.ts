/**
 * 060 — supporting documents (issue 19): each package's checklist per stage, and the files
 * attached to a case. Outside the money tables: no hold, claim or ledger row refers to them, and
 * the files themselves live in the document store (src/documents/store.ts), not in the database.
 *
 * - `document_requirements`: the kinds a package needs at a stage (pre-auth, query response,
 *   claim), set by HA with set-document-requirements. No row: the stage needs nothing.
 * - `case_documents`: one row per file attached to a case at a stage, with what the server found
 *   it to be (its media type by magic bytes, its size and SHA-256) and where the store keeps it.
 *   The same file is attached to a case's stage once (unique on case, stage, SHA-256), and one
 *   upload attaches at most one row (unique upload id): a retried or resumed upload never attaches
 *   twice. Rows are never changed or removed by the server.
 *
 * Expand only (new tables): a server of the previous release ignores them.
 */
export const sql = /* sql */ `
CREATE TABLE document_requirements (
  package_code text NOT NULL REFERENCES packages(code),
  stage text NOT NULL CHECK (stage IN ('preauth', 'query-response', 'claim')),
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z-]{0,39}$'),
  position integer NOT NULL CHECK (position >= 1),
  set_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (package_code, stage, kind)
);

CREATE TABLE case_documents (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  stage text NOT NULL CHECK (stage IN ('preauth', 'query-response', 'claim')),
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z-]{0,39}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  media_type text NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text NOT NULL UNIQUE,
  upload_id text NOT NULL UNIQUE,
  uploaded_by uuid NOT NULL REFERENCES operators(id),
  attached_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, stage, sha256)
);
CREATE INDEX case_documents_case ON case_documents (case_id, stage);

-- Attached documents are evidence for a claim: never edited or removed by the running server.
REVOKE UPDATE, DELETE, TRUNCATE ON case_documents FROM coverdesk_runtime;
`;
