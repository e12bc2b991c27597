import type { Database } from './database';
import { migrations } from './migrate';

/**
 * The two database roles (issue 13 item 3, docs/database-roles.md): migrations run under the
 * role that owns the tables (MIGRATION_DATABASE_URL), the server under a member of
 * `coverdesk_runtime` (DATABASE_URL), which cannot alter a table or switch off a trigger. An
 * embedded PGlite database (the demo) has one role for both.
 */

/** Migrations this database has not applied; the server under the runtime role refuses to start with any. */
export async function pendingMigrations(db: Database): Promise<number[]> {
  const [table] = await db.query<{ name: string | null }>("SELECT to_regclass('schema_migrations')::text AS name");
  if (!table?.name) return migrations.map((m) => m.version);
  const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  return migrations.map((m) => m.version).filter((version) => !done.has(version));
}

/**
 * Why the role this connection runs as could rewrite history, or null: it is a superuser, it
 * owns (or is a member of the owner of) the audit log, or it may TRUNCATE, DELETE or UPDATE the
 * audit log's content.
 */
export async function runtimeRoleProblem(db: Database): Promise<string | null> {
  const [row] = await db.query<{ role: string; is_superuser: boolean; owns: boolean; can_delete: boolean; can_rewrite: boolean }>(
    `SELECT current_user AS role, r.rolsuper AS is_superuser,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owns,
            has_table_privilege('audit_log', 'DELETE') OR has_table_privilege('audit_log', 'TRUNCATE') AS can_delete,
            has_column_privilege('audit_log', 'action', 'UPDATE') AS can_rewrite
       FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'audit_log'::regclass`,
  );
  if (!row) return 'the audit log is missing';
  if (row.is_superuser) return `the role ${row.role} is a superuser`;
  if (row.owns) return `the role ${row.role} owns the tables (it could alter them or switch off the audit triggers)`;
  if (row.can_delete || row.can_rewrite) return `the role ${row.role} may delete or rewrite audit entries`;
  return null;
}
