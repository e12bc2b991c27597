/**
 * Server upgrades roll (issue 23): during a deploy the previous release's server processes keep
 * serving on the database that the new release has already migrated. So a migration added since
 * the previous release may only *expand* what that release reads and writes; removing or
 * narrowing something it still uses (a *contract* step) waits for a later release, once no running
 * release uses it (sync-server/docs/operations.md, "Rolling upgrades").
 *
 * This reads migration texts, not a live database: it knows the tables, views and functions the
 * previous release's migrations made, and refuses the statements of later migrations that would
 * break that release's statements on them. Statements hidden in dynamic SQL (EXECUTE) or inside
 * function bodies are not seen; the side-by-side run (tests/server/rolling-upgrade.test.ts) is
 * the other half of the check.
 */

export interface MigrationText {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export type ExpandOnlyRule =
  | 'drop-table'
  | 'drop-column'
  | 'rename'
  | 'change-column-type'
  | 'set-not-null'
  | 'not-null-without-default'
  | 'drop-default'
  | 'new-constraint'
  | 'drop-view'
  | 'drop-function'
  | 'truncate'
  | 'revoke';

/** What each rule protects, said to whoever broke it. */
export const ruleExplanations: Readonly<Record<ExpandOnlyRule, string>> = {
  'drop-table': 'the previous release still reads and writes this table',
  'drop-column': 'the previous release still selects or inserts this column',
  rename: "the previous release still uses the old name (add the new name beside it, copy, and drop the old one in a later release's contract step)",
  'change-column-type': "the previous release still reads and writes the column's old type (add a new column beside it instead)",
  'set-not-null': "the previous release's inserts may leave this column NULL",
  'not-null-without-default':
    "the previous release's inserts do not name this new column: give it a DEFAULT, or add it nullable and set NOT NULL in a later release",
  'drop-default': "the previous release's inserts may rely on this default",
  'new-constraint':
    "the previous release's writes were never checked against it and may break it (a CHECK replaced in the same migration under the same name is allowed: it must accept every row the old one did)",
  'drop-view': 'the previous release still reads this view (re-create it in the same migration with every column it had)',
  'drop-function':
    'the previous release still calls this function (re-create it in the same migration under the same name, accepting the same arguments: new ones need a DEFAULT)',
  truncate: 'the previous release still reads these rows',
  revoke: "the previous release's server runs under the same role and may still need this privilege",
};

export interface ExpandOnlyViolation {
  readonly version: number;
  readonly migration: string;
  readonly rule: ExpandOnlyRule;
  /** `table`, `table.column`, `table.constraint`, a view or a function name. */
  readonly object: string;
  readonly statement: string;
}

/**
 * A change the rules refuse, reviewed and allowed for one migration:
 *
 * - a *contract step*, scheduled (every rule but `new-constraint`): the change is safe beside the
 *   release named by `safeSince` and every later one (from that release on nothing reads or writes
 *   the dropped or renamed thing, every insert sets the column now NOT NULL, nothing needs the
 *   revoked privilege). `safeSince` must be recorded in build/releases.json: until that release is
 *   the previous release (or an earlier one), no deploy may run the step beside a release that needs
 *   what it removes;
 * - a new constraint on columns the previous release writes, with the `reason` that release's
 *   writes always meet it (e.g. 044's `estimate_parts_sum` lets rows with the new columns NULL pass).
 */
export interface ReviewedChange {
  readonly version: number;
  readonly rule: ExpandOnlyRule;
  readonly object: string;
  readonly reason: string;
  readonly safeSince?: string;
}

/** Reviewed changes of migrations added since the previous release. None yet. */
export const reviewedChanges: readonly ReviewedChange[] = [];

function isAllowed(change: ReviewedChange | undefined, releases: ReadonlySet<string>): boolean {
  if (!change) return false;
  if (change.safeSince !== undefined) return releases.has(change.safeSince);
  return change.rule === 'new-constraint' && change.reason.trim().length > 0;
}

interface Schema {
  readonly tables: Set<string>;
  /** Columns by table, as the previous release's migrations left them. */
  readonly columns: Map<string, Set<string>>;
  readonly views: Set<string>;
  readonly functions: Set<string>;
}

/**
 * The violations in `added` (the migrations since the previous release, in the order they run)
 * against the objects made by `released` (that release's migrations, in the order they ran).
 * `releases` names the releases recorded so far, for the reviewed changes' `safeSince`.
 */
export function expandOnlyViolations(
  releasedMigrations: readonly MigrationText[],
  added: readonly MigrationText[],
  options: { releases?: readonly string[]; reviewed?: readonly ReviewedChange[] } = {},
): ExpandOnlyViolation[] {
  const schema: Schema = {
    tables: new Set(['schema_migrations']),
    columns: new Map([['schema_migrations', new Set(['version', 'name', 'applied_at'])]]),
    views: new Set(),
    functions: new Set(),
  };
  for (const migration of releasedMigrations) record(schema, statementsOf(migration.sql));
  const reviewed = options.reviewed ?? reviewedChanges;
  const releases = new Set(options.releases ?? []);
  const violations: ExpandOnlyViolation[] = [];
  for (const migration of added) {
    const statements = statementsOf(migration.sql);
    for (const violation of violationsOf(schema, statements)) {
      const change = reviewed.find((r) => r.version === migration.version && r.rule === violation.rule && r.object === violation.object);
      if (isAllowed(change, releases)) continue;
      violations.push({ version: migration.version, migration: migration.name, ...violation });
    }
    // Objects this migration makes are its own: later migrations of the same release may change them.
    // (Only the previous release's objects are protected, so nothing is added to `schema` here.)
  }
  return violations;
}

/** One line per violation: which migration, which rule, on what, why, and where the rules are. */
export function describeViolation(v: ExpandOnlyViolation, previousRelease: string): string {
  const number = String(v.version).padStart(3, '0');
  return (
    `migration ${number}-${v.migration} breaks the expand-only rule "${v.rule}" on ${v.object}: ${ruleExplanations[v.rule]}. ` +
    `Release ${previousRelease} runs beside this one during a rolling deploy: expand now, contract in a later release ` +
    `(sync-server/docs/operations.md, "Rolling upgrades"; a reviewed exception goes in reviewedChanges, sync-server/src/db/expand-only.ts). ` +
    `Statement: ${v.statement.length > 160 ? `${v.statement.slice(0, 157)}...` : v.statement}`
  );
}

// ---------------------------------------------------------------------------------------------
// Reading SQL: statements split on top-level semicolons; comments and string contents removed;
// function bodies skipped (their statements run later, as the function, not as the migration);
// DO blocks read as the statements they contain.

const name = String.raw`(?:"[^"]+"|[a-z_][a-z0-9_$]*)(?:\.(?:"[^"]+"|[a-z_][a-z0-9_$]*))?`;

function unquote(identifier: string): string {
  const bare = identifier.replace(/"/g, '').toLowerCase();
  return bare.startsWith('public.') ? bare.slice('public.'.length) : bare;
}

/** Split SQL into statements, with comments and the contents of string literals removed. */
export function statementsOf(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      current += ' ';
      continue;
    }
    if (sql[i] === "'") {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j += 1;
      }
      current += "''";
      i = j + 1;
      continue;
    }
    const dollar = /^\$([a-z_][a-z0-9_]*)?\$/i.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = sql.indexOf(tag, i + tag.length);
      const body = sql.slice(i + tag.length, end === -1 ? sql.length : end);
      // Kept, tagged, so that a DO block can be read and a function body skipped.
      current += `$$${body.replace(/\$\$/g, '$ $')}$$`;
      i = end === -1 ? sql.length : end + tag.length;
      continue;
    }
    if (sql[i] === ';') {
      if (current.trim()) statements.push(current.replace(/\s+/g, ' ').trim());
      current = '';
      i += 1;
      continue;
    }
    current += sql[i];
    i += 1;
  }
  if (current.trim()) statements.push(current.replace(/\s+/g, ' ').trim());
  return statements.flatMap(expandDoBlock);
}

function expandDoBlock(statement: string): string[] {
  const block = /^DO\s+(?:LANGUAGE\s+\w+\s+)?\$\$([\s\S]*)\$\$/i.exec(statement);
  if (!block) return [statement];
  return statementsOf(block[1]!).map((inner) =>
    // A DO block's statements sit behind its control flow: BEGIN, IF … THEN, ELSE, LOOP.
    inner.replace(/^(?:(?:BEGIN|ELSE|LOOP|END IF|END LOOP|END)\s+|(?:IF|ELSIF)\b.*?\bTHEN\s+)*/i, ''),
  );
}

function isFunctionDefinition(statement: string): boolean {
  return /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b/i.test(statement);
}

/** Split on commas outside parentheses. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

interface FunctionSignature {
  readonly name: string;
  /** Arguments without a default. */
  readonly required: number;
  readonly total: number;
}

function functionSignature(statement: string): FunctionSignature | null {
  const match = new RegExp(
    String.raw`^(?:CREATE\s+(?:OR\s+REPLACE\s+)?|DROP\s+)(?:FUNCTION|PROCEDURE)\s+(?:IF\s+EXISTS\s+)?(${name})\s*(\(([^()]|\([^()]*\))*\))?`,
    'i',
  ).exec(statement);
  if (!match) return null;
  const args = match[2] ? topLevelParts(match[2].slice(1, -1)).filter((a) => !/^(?:OUT)\b/i.test(a)) : [];
  const required = args.filter((a) => !/\b(?:DEFAULT)\b|=/i.test(a)).length;
  return { name: unquote(match[1]!), required, total: args.length };
}

const constraintKeywords = /^(?:CONSTRAINT|CHECK|UNIQUE|PRIMARY|FOREIGN|EXCLUDE|LIKE)\b/i;

function columnsOf(schema: Schema, table: string): Set<string> {
  const known = schema.columns.get(table) ?? new Set<string>();
  schema.columns.set(table, known);
  return known;
}

function record(schema: Schema, statements: readonly string[]): void {
  for (const statement of statements) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(String.raw`^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${name})\s*\(([\s\S]*)\)`, 'i').exec(statement))) {
      const table = unquote(m[1]!);
      schema.tables.add(table);
      const columns = columnsOf(schema, table);
      for (const part of topLevelParts(m[2]!)) if (!constraintKeywords.test(part)) columns.add(unquote(part.split(' ')[0]!));
    } else if ((m = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${name})\s+RENAME\s+TO\s+(${name})`, 'i').exec(statement))) {
      schema.tables.delete(unquote(m[1]!));
      schema.tables.add(unquote(m[2]!));
      schema.columns.set(unquote(m[2]!), columnsOf(schema, unquote(m[1]!)));
    } else if ((m = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${name})\s+([\s\S]+)$`, 'i').exec(statement))) {
      const columns = columnsOf(schema, unquote(m[1]!));
      for (const action of topLevelParts(m[2]!)) {
        let a: RegExpExecArray | null;
        if (/^ADD\s+(?:CONSTRAINT|CHECK|UNIQUE|PRIMARY|FOREIGN|EXCLUDE)\b/i.test(action)) continue;
        if ((a = new RegExp(String.raw`^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${name})`, 'i').exec(action))) columns.add(unquote(a[1]!));
        else if ((a = new RegExp(String.raw`^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(${name})`, 'i').exec(action)) && !/^DROP\s+CONSTRAINT\b/i.test(action))
          columns.delete(unquote(a[1]!));
        else if (
          (a = new RegExp(String.raw`^RENAME\s+(?:COLUMN\s+)?(${name})\s+TO\s+(${name})`, 'i').exec(action)) &&
          !/^RENAME\s+CONSTRAINT\b/i.test(action)
        ) {
          columns.delete(unquote(a[1]!));
          columns.add(unquote(a[2]!));
        }
      }
    } else if ((m = new RegExp(String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(${name})`, 'i').exec(statement)))
      schema.views.add(unquote(m[1]!));
    else if (isFunctionDefinition(statement)) {
      const signature = functionSignature(statement);
      if (signature) schema.functions.add(signature.name);
    } else if ((m = /^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(.+?)(?:\s+(?:CASCADE|RESTRICT))?$/i.exec(statement)))
      for (const table of m[1]!.split(',')) schema.tables.delete(unquote(table.trim()));
  }
}

/**
 * Whether a new constraint's columns include one the previous release has on that table (and may
 * write). A constraint only on columns added since is met by that release's rows, which leave
 * them NULL (a CHECK, a foreign key and a unique index all let NULL through).
 */
function touchesReleasedColumns(schema: Schema, table: string, text: string): boolean {
  const columns = schema.columns.get(table) ?? new Set<string>();
  const local = text.split(/\bREFERENCES\b/i)[0]!;
  return (local.toLowerCase().match(/"[^"]+"|[a-z_][a-z0-9_$]*/g) ?? []).some((word) => columns.has(word.replace(/"/g, '')));
}

type Finding = Omit<ExpandOnlyViolation, 'version' | 'migration'>;

function violationsOf(schema: Schema, statements: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const found = (rule: ExpandOnlyRule, object: string, statement: string) => findings.push({ rule, object, statement });
  // What this migration re-creates or replaces under the same name is not gone for the old release.
  const createdFunctions = statements.filter(isFunctionDefinition).flatMap((s) => functionSignature(s) ?? []);
  const createdViews = new Set(
    statements.flatMap((s) => {
      const m = new RegExp(String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(${name})`, 'i').exec(s);
      return m ? [unquote(m[1]!)] : [];
    }),
  );
  const droppedConstraints = new Set<string>();
  for (const statement of statements) {
    if (isFunctionDefinition(statement)) continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${name})\s+([\s\S]+)$`, 'i').exec(statement))) {
      const table = unquote(m[1]!);
      const actions = topLevelParts(m[2]!);
      for (const action of actions) {
        const drop = new RegExp(String.raw`^DROP\s+CONSTRAINT\s+(?:IF\s+EXISTS\s+)?(${name})`, 'i').exec(action);
        if (drop) droppedConstraints.add(`${table}.${unquote(drop[1]!)}`);
      }
      if (!schema.tables.has(table)) continue;
      for (const action of actions) {
        let a: RegExpExecArray | null;
        if (/^RENAME\b/i.test(action)) {
          const what = new RegExp(String.raw`^RENAME\s+(?:(?:COLUMN|CONSTRAINT)\s+)?(${name})\s+TO\b`, 'i').exec(action);
          found('rename', what && !/^RENAME\s+TO\b/i.test(action) ? `${table}.${unquote(what[1]!)}` : table, statement);
        } else if ((a = new RegExp(String.raw`^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(${name})`, 'i').exec(action)) && !/^DROP\s+CONSTRAINT\b/i.test(action))
          found('drop-column', `${table}.${unquote(a[1]!)}`, statement);
        else if ((a = new RegExp(String.raw`^ALTER\s+(?:COLUMN\s+)?(${name})\s+(?:SET\s+DATA\s+)?TYPE\b`, 'i').exec(action)))
          found('change-column-type', `${table}.${unquote(a[1]!)}`, statement);
        else if ((a = new RegExp(String.raw`^ALTER\s+(?:COLUMN\s+)?(${name})\s+SET\s+NOT\s+NULL\b`, 'i').exec(action)))
          found('set-not-null', `${table}.${unquote(a[1]!)}`, statement);
        else if ((a = new RegExp(String.raw`^ALTER\s+(?:COLUMN\s+)?(${name})\s+DROP\s+DEFAULT\b`, 'i').exec(action)))
          found('drop-default', `${table}.${unquote(a[1]!)}`, statement);
        else if (
          (a = new RegExp(String.raw`^ADD\s+CONSTRAINT\s+(${name})\s+((?:CHECK|UNIQUE|PRIMARY\s+KEY|FOREIGN\s+KEY|EXCLUDE)\b[\s\S]*)$`, 'i').exec(action))
        ) {
          const constraint = `${table}.${unquote(a[1]!)}`;
          if (!droppedConstraints.has(constraint) && touchesReleasedColumns(schema, table, a[2]!)) found('new-constraint', constraint, statement);
        } else if (/^ADD\s+(?:CHECK|UNIQUE|PRIMARY\s+KEY|FOREIGN\s+KEY|EXCLUDE)\b/i.test(action)) {
          if (touchesReleasedColumns(schema, table, action)) found('new-constraint', table, statement);
        } else if ((a = new RegExp(String.raw`^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${name})\s+([\s\S]*)$`, 'i').exec(action))) {
          const definition = a[2]!;
          if (/\bNOT\s+NULL\b|\bPRIMARY\s+KEY\b/i.test(definition) && !/\bDEFAULT\b|\bGENERATED\b/i.test(definition))
            found('not-null-without-default', `${table}.${unquote(a[1]!)}`, statement);
        }
      }
    } else if ((m = /^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(.+?)(?:\s+(?:CASCADE|RESTRICT))?$/i.exec(statement))) {
      for (const table of m[1]!.split(',').map((t) => unquote(t.trim()))) if (schema.tables.has(table)) found('drop-table', table, statement);
    } else if ((m = /^DROP\s+(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+EXISTS\s+)?(.+?)(?:\s+(?:CASCADE|RESTRICT))?$/i.exec(statement))) {
      for (const view of m[1]!.split(',').map((v) => unquote(v.trim())))
        if (schema.views.has(view) && !createdViews.has(view)) found('drop-view', view, statement);
    } else if (/^DROP\s+(?:FUNCTION|PROCEDURE)\b/i.test(statement)) {
      const dropped = functionSignature(statement);
      if (!dropped || !schema.functions.has(dropped.name)) continue;
      // Old callers pass the old arguments: a re-creation must take that many, the rest defaulted.
      const isReplaced = createdFunctions.some(
        (c) => c.name === dropped.name && (!/\(/.test(statement) || (c.required <= dropped.total && c.total >= dropped.total)),
      );
      if (!isReplaced) found('drop-function', dropped.name, statement);
    } else if (
      (m = new RegExp(
        String.raw`^ALTER\s+(?:MATERIALIZED\s+VIEW|VIEW|FUNCTION|PROCEDURE|SEQUENCE|INDEX)\s+(?:IF\s+EXISTS\s+)?(${name})[\s\S]*\bRENAME\b`,
        'i',
      ).exec(statement))
    ) {
      const object = unquote(m[1]!);
      if (schema.views.has(object) || schema.functions.has(object) || schema.tables.has(object)) found('rename', object, statement);
    } else if ((m = /^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(.+?)(?:\s+(?:RESTART|CONTINUE)\s+IDENTITY)?(?:\s+(?:CASCADE|RESTRICT))?$/i.exec(statement))) {
      for (const table of m[1]!.split(',').map((t) => unquote(t.trim()))) if (schema.tables.has(table)) found('truncate', table, statement);
    } else if ((m = /^REVOKE\s+[\s\S]+?\s+ON\s+(?:TABLE\s+)?([\s\S]+?)\s+FROM\b/i.exec(statement))) {
      if (/^ALL\s+TABLES\s+IN\s+SCHEMA\b/i.test(m[1]!)) found('revoke', m[1]!, statement);
      else for (const table of m[1]!.split(',').map((t) => unquote(t.trim()))) if (schema.tables.has(table)) found('revoke', table, statement);
    } else if (
      (m = new RegExp(
        String.raw`^CREATE\s+UNIQUE\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:${name}\s+)?ON\s+(?:ONLY\s+)?(${name})([\s\S]*)$`,
        'i',
      ).exec(statement))
    ) {
      const table = unquote(m[1]!);
      if (schema.tables.has(table) && touchesReleasedColumns(schema, table, m[2]!.replace(/^\s*USING\s+\w+/i, ''))) found('new-constraint', table, statement);
    }
  }
  return findings;
}
