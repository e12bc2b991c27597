import Database from 'better-sqlite3-multiple-ciphers';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { ownerOnlyReplicaFiles, secureDataFolder } from './data-folder';

/**
 * The desk's local replica: one SQLite file (better-sqlite3 built with SQLite3 Multiple Ciphers, WAL),
 * encrypted with the desk's replica key (SQLCipher 4 format, AES-256; issue 13 item 9). The key lives
 * outside the file: in Electron's safeStorage, in browser mode in an owner-only file beside it (see
 * SECURITY.md for what each stops). Without its key the file reads as noise.
 *
 * Server-owned tables (`server_*`) are written only by the pull applier. Desk actions write the
 * outbox and their optimistic rows (`pending_rows`) in one transaction, so a crash can never leave
 * a queued mutation without its visible row, or the reverse.
 *
 * synchronous = FULL, chosen by measurement (bench:sync and a 2,000-command probe on this machine
 * class): FULL costs p99 0.41 ms per desk command against 0.09 ms for NORMAL, far under the 5 ms
 * budget, and it keeps the last committed outbox entries across a power cut, not just a crash.
 * The pull applier alone commits its pages with NORMAL (see PullApplier.apply): a page can be
 * pulled again, and waiting for the disk on each page cost a quarter of the applier's time.
 */
export type ReplicaDatabase = Database.Database;
export type SqlStatement = Database.Statement<unknown[], unknown>;

export const replicaSchemaVersion = 14;

const serverTables = ['families', 'members', 'packages', 'cases', 'preauths', 'holds', 'enhancements', 'bookings', 'claims'] as const;

/**
 * Migration 1 indexed family_id and case_id on every server table; these six are never read by
 * them (a family's own family_id and a case's own case_id are its id; families, members and
 * packages carry no case, packages no family). Migration 3 drops them: every first sync built
 * them for nothing and every upsert kept them up.
 */
const unreadIndexes = new Set([
  'server_families_family',
  'server_families_case',
  'server_members_case',
  'server_packages_family',
  'server_packages_case',
  'server_cases_case',
]);

/** A migration is SQL, or a function for what SQLite cannot say conditionally (adding a column once). */
const migrations: readonly (string | ((db: ReplicaDatabase) => void))[] = [
  /* 1 */ `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  ${serverTables
    .map(
      (table) => `CREATE TABLE server_${table} (
    id TEXT PRIMARY KEY,
    family_id TEXT,
    case_id TEXT,
    doc TEXT NOT NULL
  );
  CREATE INDEX server_${table}_family ON server_${table} (family_id);
  CREATE INDEX server_${table}_case ON server_${table} (case_id);`,
    )
    .join('\n')}
  -- Offline search: the registry scope's members by scheme id, card, and name + year of birth.
  CREATE TABLE member_search (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    scheme_member_id TEXT NOT NULL,
    health_card_number TEXT,
    name_key TEXT NOT NULL,
    birth_year INTEGER NOT NULL
  );
  CREATE INDEX member_search_scheme ON member_search (scheme_member_id);
  CREATE INDEX member_search_card ON member_search (health_card_number);
  CREATE INDEX member_search_name ON member_search (name_key, birth_year);

  CREATE TABLE outbox (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'answered')),
    status INTEGER,
    answer TEXT,
    answered_at TEXT
  );
  CREATE INDEX outbox_pending ON outbox (state, sequence);

  -- Optimistic rows of desk actions the server has not confirmed yet (kind: case | booking).
  CREATE TABLE pending_rows (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    case_id TEXT,
    family_id TEXT,
    command_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'rejected')),
    rejection TEXT,
    PRIMARY KEY (kind, id)
  );
  CREATE INDEX pending_rows_case ON pending_rows (case_id);

  -- Families this desk works with: they get read-model documents for the renderer.
  CREATE TABLE desk_families (family_id TEXT PRIMARY KEY, added_at TEXT NOT NULL);

  -- Offline sign-in: operators who signed in here online, with a local password verifier.
  CREATE TABLE operator_cache (
    username TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL,
    roles TEXT NOT NULL,
    hospital_id TEXT,
    verifier TEXT NOT NULL,
    cached_at TEXT NOT NULL
  );

  -- The renderer's read-model feed: which documents changed, in order (RxDB pulls by sequence).
  CREATE TABLE feed (
    collection TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    PRIMARY KEY (collection, doc_id)
  );
  CREATE INDEX feed_sequence ON feed (collection, sequence);
  `,
  /* 2 */ `
  -- Biometric enrolments of the members this desk serves, for offline 1:1 verification. Sealed
  -- with the desk's own key (biometric-vault.ts); the plaintext is never stored.
  CREATE TABLE biometric_enrolments (
    member_id TEXT NOT NULL,
    modality TEXT NOT NULL CHECK (modality IN ('fingerprint', 'face')),
    sealed TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    PRIMARY KEY (member_id, modality)
  );
  -- Enrolments older than this desk's pull window would never arrive: pull the whole scope again.
  -- A desk that had synced is not new: its rows and indexes stay in use while the scope comes
  -- again row by row, rather than being reloaded as a first sync (indexes dropped) under its operators.
  INSERT INTO meta (key, value) SELECT 'first_sync', 'done' WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'pull_checkpoint')
    ON CONFLICT (key) DO NOTHING;
  DELETE FROM meta WHERE key = 'pull_checkpoint';
  `,
  /* 3 */ [...unreadIndexes].map((name) => `DROP INDEX IF EXISTS ${name};`).join('\n'),
  /* 4 */ `
  -- The time the operator admitted a patient is the desk's own admit command's created_at (an
  -- admission made offline reaches the server later, which records its receipt time): found by
  -- case id. Answered outbox rows are kept, so it covers every admission made on this desk.
  CREATE INDEX IF NOT EXISTS outbox_admit_case ON outbox (json_extract(body, '$.caseId')) WHERE name = 'admit';
  `,
  /* 5 */ (db) => {
    // Data at rest (issue 13 item 9). Answered outbox rows are deleted once a day old
    // (pruneAnsweredOutbox): their bodies carry clinical notes, override reasons and member ids the
    // desk no longer needs. The time this desk admitted a patient, which migration 4 read from the
    // admit row, moves to a table of its own that holds nothing else.
    db.exec(`
    CREATE TABLE IF NOT EXISTS case_admissions (case_id TEXT PRIMARY KEY, admitted_at TEXT NOT NULL);
    INSERT OR IGNORE INTO case_admissions (case_id, admitted_at)
      SELECT json_extract(body, '$.caseId'), min(created_at) FROM outbox
       WHERE name = 'admit' AND json_extract(body, '$.caseId') IS NOT NULL GROUP BY json_extract(body, '$.caseId');
    DROP INDEX IF EXISTS outbox_admit_case;
    CREATE INDEX IF NOT EXISTS outbox_answered ON outbox (answered_at) WHERE state = 'answered';`);
    // Offline sign-in attempts (session.ts, offlineSignInLimits): counted here so a restart does not reset them.
    const columns = new Set((db.prepare('SELECT name FROM pragma_table_info(?)').all('operator_cache') as { name: string }[]).map((column) => column.name));
    if (!columns.has('failed_attempts')) db.exec('ALTER TABLE operator_cache ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0');
    if (!columns.has('locked_until')) db.exec('ALTER TABLE operator_cache ADD COLUMN locked_until TEXT');
  },
  /* 6 */ (db) => {
    // Operator proof (issue 13 item 4, operator-key.ts): each outbox entry keeps the proof its
    // operator's key made when it was queued, and each cached operator the key made at their last
    // online sign-in here, sealed under their password. Deleting an operator's cache row (forgotten
    // after deactivation, too many wrong passwords) deletes their key with it.
    const has = (table: string, column: string) =>
      (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).some((row) => row.name === column);
    if (!has('outbox', 'proof')) db.exec('ALTER TABLE outbox ADD COLUMN proof TEXT');
    if (!has('operator_cache', 'key_id')) db.exec('ALTER TABLE operator_cache ADD COLUMN key_id TEXT');
    if (!has('operator_cache', 'key_sealed')) db.exec('ALTER TABLE operator_cache ADD COLUMN key_sealed TEXT');
    if (!has('operator_cache', 'key_expires_at')) db.exec('ALTER TABLE operator_cache ADD COLUMN key_expires_at TEXT');
  },
  /* 7 */ `
  -- The patient's estimate offline (issue 14, handlers/benefits.ts): the last answer of
  -- GET /sync/benefits for each family, as the server sent it, with the time it was received (the
  -- figures carry the time the server computed them). And per case, the last estimate this desk
  -- showed from such a copy while offline, so that once online it can say what changed.
  CREATE TABLE IF NOT EXISTS benefit_snapshots (family_id TEXT PRIMARY KEY, answer TEXT NOT NULL, received_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS provisional_estimates (case_id TEXT PRIMARY KEY, total INTEGER NOT NULL, as_of TEXT NOT NULL, shown_at TEXT NOT NULL);
  `,
  /* 8 */ (db) => {
    // Match evidence (issue 13 item 6, match-evidence.ts): an admission by fingerprint or face names
    // the server's enrolment it matched, so each cached enrolment keeps the id of the document it
    // came from. Cached ones from before have none: pull the whole scope again to get them (as 2 did).
    const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all('biometric_enrolments') as { name: string }[]).map((row) => row.name);
    if (columns.includes('enrolment_id')) return;
    db.exec(`ALTER TABLE biometric_enrolments ADD COLUMN enrolment_id TEXT;
    INSERT INTO meta (key, value) SELECT 'first_sync', 'done' WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'pull_checkpoint')
      ON CONFLICT (key) DO NOTHING;
    DELETE FROM meta WHERE key = 'pull_checkpoint';`);
  },
  /* 9 */ (db) => {
    // The patient's estimated part on each hold (issue 14, `costShareEstimate` in the holds
    // document): under a plan with cost sharing the hold is the plan's part only, and the booking
    // form compares bookings with the hold plus this part. Holds pulled before carry no such field:
    // pull the whole scope again to get it (as 2 and 8 did), only when there is such a hold.
    const isStale = db.prepare("SELECT 1 FROM server_holds WHERE json_type(doc, '$.costShareEstimate') IS NULL LIMIT 1").get() !== undefined;
    if (!isStale) return;
    db.exec(`INSERT INTO meta (key, value) SELECT 'first_sync', 'done' WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'pull_checkpoint')
      ON CONFLICT (key) DO NOTHING;
    DELETE FROM meta WHERE key = 'pull_checkpoint';`);
  },
  /* 10 */ (db) => {
    // Member e-cards (issue 16, e-card-scan.ts): the scheme's card-signing public keys and the
    // serials of revoked cards, pulled from every desk's feed whatever its scope (the desk now asks
    // for them, eCards=1), so a scanned card is verified offline. Keys and revocations published
    // before this desk asked lie behind its checkpoint: pull the whole scope again (as 2 and 8 did).
    db.exec(`CREATE TABLE IF NOT EXISTS e_card_keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS e_card_revocations (serial TEXT PRIMARY KEY, revoked_at TEXT NOT NULL);
    INSERT INTO meta (key, value) SELECT 'first_sync', 'done' WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'pull_checkpoint')
      ON CONFLICT (key) DO NOTHING;
    DELETE FROM meta WHERE key = 'pull_checkpoint';`);
  },
  /* 11 */ `
  -- Emergencies before identity (issue 19, handlers/emergencies.ts): this desk's emergency
  -- admissions, made offline as well as online. The record itself travels in the outbox
  -- (admit-emergency, then merge-emergency-case); this row is what the desk shows meanwhile: the
  -- window to identify (the desk's estimate until the server answers, then the server's) and
  -- whether it was merged. The photo stays in the outbox entry only.
  CREATE TABLE IF NOT EXISTS emergency_cases (
    case_id TEXT PRIMARY KEY,
    command_id TEXT NOT NULL,
    sex TEXT NOT NULL,
    approximate_age INTEGER NOT NULL,
    found_at TEXT NOT NULL,
    has_photo INTEGER NOT NULL,
    admitted_at TEXT NOT NULL,
    identify_by TEXT NOT NULL,
    is_identify_by_confirmed INTEGER NOT NULL DEFAULT 0,
    member_id TEXT,
    merged_at TEXT,
    merge_command_id TEXT
  );
  `,
  /* 12 */ (db) => {
    // The server's answers to this desk's emergency admissions and merges (issue 19), kept on the
    // record: the outbox entries that held them are pruned a day after the answer, about when the
    // window to identify ends, and a confirmed record must not turn back into "waiting".
    const columns = new Set((db.prepare('SELECT name FROM pragma_table_info(?)').all('emergency_cases') as { name: string }[]).map((c) => c.name));
    for (const [column, type] of [
      ['admit_status', 'INTEGER'],
      ['admit_answer', 'TEXT'],
      ['merge_status', 'INTEGER'],
      ['merge_answer', 'TEXT'],
    ] as const)
      if (!columns.has(column)) db.exec(`ALTER TABLE emergency_cases ADD COLUMN ${column} ${type}`);
  },
  /* 13 */ (db) => {
    // Members' linked identifiers (issue 16, server migration 058): a health account number, this
    // hospital's patient numbers, state cards and national ID QR references of the families in
    // this desk's scope, so any of them finds the member offline (reads.ts identifyLinked). The
    // desk now asks for them (identifiers=1); links made before it asked lie behind its
    // checkpoint: pull the whole scope again (as 2, 8 and 10 did).
    db.exec(`CREATE TABLE IF NOT EXISTS member_identifiers (
      id TEXT PRIMARY KEY,
      member_id TEXT NOT NULL,
      family_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      issuer TEXT NOT NULL,
      value TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS member_identifiers_value ON member_identifiers (value, kind);
    CREATE INDEX IF NOT EXISTS member_identifiers_family ON member_identifiers (family_id);
    INSERT INTO meta (key, value) SELECT 'first_sync', 'done' WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'pull_checkpoint')
      ON CONFLICT (key) DO NOTHING;
    DELETE FROM meta WHERE key = 'pull_checkpoint';`);
  },
  /* 14 */ `
  -- Supporting documents queued at this desk (issue 19, document-queue.ts): each waits in order
  -- with the outbox — after the entries queued before it (its case's admission), before those
  -- queued after it (the pre-auth or claim that needs it) — and is uploaded with tus, resumably:
  -- upload_url is the server's upload, uploaded_bytes the offset it last confirmed. The file
  -- itself is the desk's copy in the data folder (file_path), removed once attached. upload_key
  -- is the command id the operator's signature (proof) was made over.
  CREATE TABLE IF NOT EXISTS document_uploads (
    upload_key TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    file_path TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    proof TEXT NOT NULL,
    after_sequence INTEGER NOT NULL,
    queued_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'attached', 'refused')),
    upload_url TEXT,
    uploaded_bytes INTEGER NOT NULL DEFAULT 0,
    document_id TEXT,
    outcome TEXT,
    refusal TEXT,
    answered_at TEXT
  );
  CREATE INDEX IF NOT EXISTS document_uploads_pending ON document_uploads (state, after_sequence);
  CREATE INDEX IF NOT EXISTS document_uploads_case ON document_uploads (case_id);
  -- The server's last answer on a case's documents and checklist (GET /sync/documents/:caseId),
  -- so the desk shows what is still missing while offline.
  CREATE TABLE IF NOT EXISTS case_document_lists (
    case_id TEXT PRIMARY KEY,
    answer TEXT NOT NULL,
    fetched_at TEXT NOT NULL
  );`,
];

/** How long an answered outbox row is kept (support can see what a desk sent today), then deleted. */
export const answeredOutboxRetentionMs = 24 * 60 * 60_000;

/** Delete outbox rows answered before `now - retentionMs`; pending rows are never touched. Returns how many went. */
export function pruneAnsweredOutbox(db: ReplicaDatabase, now: Date = new Date(), retentionMs = answeredOutboxRetentionMs): number {
  const before = new Date(now.getTime() - retentionMs).toISOString();
  return db.transaction(() => {
    // An emergency record keeps the answers to its admission and merge (migration 12): it is
    // shown for as long as it is open, and its entries go now.
    for (const [status, answer, command] of [
      ['admit_status', 'admit_answer', 'command_id'],
      ['merge_status', 'merge_answer', 'merge_command_id'],
    ] as const)
      db.prepare(
        `UPDATE emergency_cases SET ${status} = o.status, ${answer} = o.answer FROM outbox o
          WHERE o.command_id = emergency_cases.${command} AND o.state = 'answered' AND o.answered_at < ? AND emergency_cases.${status} IS NULL`,
      ).run(before);
    return db.prepare("DELETE FROM outbox WHERE state = 'answered' AND answered_at < ?").run(before).changes;
  })();
}

/**
 * The secondary indexes a first sync builds once at its end instead of row by row (see
 * PullApplier): the same definitions as migrations 1–3 leave, held equal by a test. Primary keys
 * stay, so upserts and point lookups work throughout.
 */
export const bulkLoadIndexes: readonly { readonly name: string; readonly table: (typeof serverTables)[number]; readonly sql: string }[] = [
  ...serverTables
    .flatMap((table) => [
      { name: `server_${table}_family`, table, sql: `CREATE INDEX IF NOT EXISTS server_${table}_family ON server_${table} (family_id)` },
      { name: `server_${table}_case`, table, sql: `CREATE INDEX IF NOT EXISTS server_${table}_case ON server_${table} (case_id)` },
    ])
    .filter((index) => !unreadIndexes.has(index.name)),
  // Member search is derived from members: built with them.
  { name: 'member_search_scheme', table: 'members', sql: 'CREATE INDEX IF NOT EXISTS member_search_scheme ON member_search (scheme_member_id)' },
  { name: 'member_search_card', table: 'members', sql: 'CREATE INDEX IF NOT EXISTS member_search_card ON member_search (health_card_number)' },
  { name: 'member_search_name', table: 'members', sql: 'CREATE INDEX IF NOT EXISTS member_search_name ON member_search (name_key, birth_year)' },
];

export class ReplicaVersionError extends Error {}

/** The replica's file does not open with the key the desk holds (or needs one it does not hold). */
export class ReplicaKeyError extends Error {}

/** A replica key: 32 random bytes, hex. */
export const replicaKeyPattern = /^[0-9a-f]{64}$/;

/**
 * The statements that make a connection read and write the file encrypted with `key` (SQLCipher 4
 * format, the key given raw: it is random, no passphrase derivation is needed). Run first on every
 * connection to the file: the desk's own and the checkpointer's.
 */
export function cipherPragmas(key: string): string[] {
  if (!replicaKeyPattern.test(key)) throw new ReplicaKeyError('A replica key is 64 lowercase hex characters (32 bytes).');
  return ["cipher = 'sqlcipher'", 'legacy = 4', `key = "x'${key}'"`];
}

const plainHeader = Buffer.from('SQLite format 3\0', 'latin1');

/** True when the file at `path` is an unencrypted SQLite database (a replica from before item 9). */
export function isPlainReplica(path: string): boolean {
  if (path === ':memory:' || !existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(plainHeader.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(plainHeader);
  } finally {
    closeSync(fd);
  }
}

/**
 * Open the replica file with its key (null: unencrypted, for tests and in-memory replicas) and
 * prove the key opens it; SQLite only reads the file at the first statement.
 */
export function openReplicaFile(path: string, key: string | null, options: Database.Options = {}): ReplicaDatabase {
  const db = new Database(path, options);
  try {
    if (key !== null) for (const pragma of cipherPragmas(key)) db.pragma(pragma);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    db.close();
    if (error instanceof ReplicaKeyError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    if (code === 'SQLITE_NOTADB')
      throw new ReplicaKeyError(
        `This desk's local data (${path}) does not open with this desk's replica key: the key was lost or the file comes from another desk. Restore the key, or move the file away to start a fresh replica (commands in it not yet sent would be lost).`,
      );
    throw error;
  }
  return db;
}

/**
 * A replica written before encryption: encrypted in place with `key`, its data kept. SQLite3
 * Multiple Ciphers rekeys only outside WAL mode, so the WAL is folded in and the file leaves WAL
 * first; openReplica puts it back.
 */
function encryptInPlace(path: string, key: string): void {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    db.pragma("cipher = 'sqlcipher'");
    db.pragma('legacy = 4');
    db.pragma(`rekey = "x'${key}'"`);
  } finally {
    db.close();
  }
}

export interface OpenReplicaOptions {
  /** The replica key (64 hex). Omitted: an unencrypted replica (tests, tools, `:memory:`). DeskBackend always gives one. */
  readonly key?: string;
}

/** Open (or create) the replica and bring its schema up to date, refusing one from a newer app. */
export function openReplica(path: string, options: OpenReplicaOptions = {}): ReplicaDatabase {
  // Owner-only folder and files (data-folder.ts) before SQLite creates anything.
  if (path !== ':memory:') {
    secureDataFolder(dirname(path));
    ownerOnlyReplicaFiles(path);
  }
  const key = options.key ?? null;
  if (key !== null) cipherPragmas(key);
  if (key !== null && isPlainReplica(path)) encryptInPlace(path, key);
  const db = openReplicaFile(path, key);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    db.close();
    throw new ReplicaVersionError(
      `This desk's local data (${path}) was written by a newer CoverDesk (schema ${current}, this app knows ${migrations.length}). Update the app, or move the file away to start a fresh replica.`,
    );
  }
  for (let version = current + 1; version <= migrations.length; version += 1) {
    db.transaction(() => {
      const migration = migrations[version - 1]!;
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      db.pragma(`user_version = ${version}`);
    })();
  }
  return db;
}

export function readMeta(db: ReplicaDatabase, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

export function writeMeta(db: ReplicaDatabase, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
