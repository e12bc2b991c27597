/**
 * 025 — the audit chain is keyed, and the server runs under a role that cannot alter tables
 * (issue 13 item 3; sync-server/docs/database-roles.md).
 *
 * Keyed chain (audit/chain.ts): each linked entry names the audit key id its HMAC was made with
 * (`key_id`); an entry linked before this migration keeps its plain SHA-256 in `legacy_hash` once
 * the server re-keys the chain at its next start (`rekeyLegacyChain`). Until then `audit_head.is_keyed`
 * is false and nothing new is linked. The append-only trigger allows exactly that one change to a
 * linked entry: from unkeyed to keyed, the old hash kept, nothing the entry says changed.
 *
 * `audit_verified`: the verified-up-to checkpoint (with an HMAC under the audit key), so an audit
 * read verifies only what was linked since, not the whole chain.
 *
 * `coverdesk_runtime`: the privileges the server needs and no more — no ownership (so no ALTER
 * TABLE, no DISABLE/DROP TRIGGER), no UPDATE, DELETE or TRUNCATE on the append-only tables except
 * the audit log's link columns. IT makes the server's login role a member of it and runs migrations
 * under the owner role (MIGRATION_DATABASE_URL). Created here when the migrating role may create
 * roles; otherwise IT creates it first (the documented SQL). Tables created by later migrations get
 * the same grants (ALTER DEFAULT PRIVILEGES of the migrating role).
 */
export const sql = /* sql */ `
ALTER TABLE audit_log ADD COLUMN key_id text, ADD COLUMN legacy_hash text;
ALTER TABLE audit_head ADD COLUMN is_keyed boolean NOT NULL DEFAULT false;
UPDATE audit_head SET is_keyed = (chain_seq = 0);

CREATE TABLE audit_verified (
  id integer PRIMARY KEY CHECK (id = 1),
  chain_seq bigint NOT NULL,
  hash text NOT NULL,
  key_id text,
  mac text,
  verified_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit_verified (id, chain_seq, hash) VALUES (1, 0, 'genesis');

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit_log is append-only';
  END IF;
  IF OLD.chain_seq IS NOT NULL THEN
    -- Re-keying (audit/chain.ts, rekeyLegacyChain): once per entry, unkeyed to keyed, the old hash
    -- kept in legacy_hash, and nothing the entry says changed.
    IF OLD.key_id IS NULL AND NEW.key_id IS NOT NULL AND NEW.legacy_hash IS NOT DISTINCT FROM OLD.hash AND OLD.legacy_hash IS NULL
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.action, NEW.entity_type, NEW.entity_id, NEW.before, NEW.after, NEW.command_id, NEW.chain_seq)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor_id, OLD.action, OLD.entity_type, OLD.entity_id, OLD.before, OLD.after, OLD.command_id, OLD.chain_seq) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log entry % is already chained and cannot change', OLD.id;
  END IF;
  RETURN NEW;
END $$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coverdesk_runtime') THEN
    BEGIN
      CREATE ROLE coverdesk_runtime NOLOGIN;
    EXCEPTION
      -- Another database of the same cluster created it at the same moment.
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'The role coverdesk_runtime does not exist and the migrating role may not create it. Create it first: CREATE ROLE coverdesk_runtime NOLOGIN; (sync-server/docs/database-roles.md)';
    END;
  END IF;
END $$;
GRANT USAGE ON SCHEMA public TO coverdesk_runtime;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO coverdesk_runtime;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO coverdesk_runtime;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO coverdesk_runtime;
-- Append-only: entries are added, never changed or removed, by the role the server runs as.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, ledger, payment_ledger FROM coverdesk_runtime;
-- The chainer links entries (and re-keys an old chain once): these columns only.
GRANT UPDATE (chain_seq, prev_hash, hash, key_id, legacy_hash) ON audit_log TO coverdesk_runtime;
REVOKE DELETE, TRUNCATE ON audit_head, audit_verified, schema_migrations FROM coverdesk_runtime;
REVOKE INSERT, UPDATE ON schema_migrations FROM coverdesk_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO coverdesk_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO coverdesk_runtime;
`;
