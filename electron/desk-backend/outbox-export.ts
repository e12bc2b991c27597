import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MutationProofValue, PushMutationValue } from '@contract/sync';
import type { OutboxExportCause, OutboxExportFileValue } from '@contract/outbox-export';
import { readOutboxExport, sealOutboxExport } from '../../sync-server/node-shared/outbox-export';
import { bulkLoadIndexes, readMeta, writeMeta, type ReplicaDatabase } from './database';
import { secureDataFolder } from './data-folder';
import type { Feed } from './feed';
import { writeFileAtomically } from './secret-store';

/**
 * A desk's replica is disposable (issue 23): everything in it comes again from the server, except
 * the outbox rows not yet answered. Before a reset clears them, they are written out, exactly as
 * queued (id, operator, body, the operator's signature), to an owner-only file in the data folder
 * (`outbox-exports/`, beside the replica, kept by an uninstall: build/electron-builder.yml
 * `deleteAppDataOnUninstall: false`). The desk queues the file again when asked and pushes it as
 * any outbox; the server applies each command once, by its id.
 */
export const outboxExportFolder = 'outbox-exports';
/** One line per reset, kept outside the replica so the reset itself does not erase it. */
export const replicaResetLog = 'replica-resets.jsonl';

const exportFileName = /^outbox-[A-Za-z0-9._-]{1,120}\.json$/;
/** meta keys a reset keeps: the desk's enrolment, the renderer feed's counter, and which exports were queued here. */
const keptMeta = ['desk_id', 'hospital_id', 'hospital_name', 'scheme', 'server_url', 'feed_sequence'];
const importedMetaPrefix = 'imported_export:';

export type Approval = NonNullable<OutboxExportFileValue['approval']>;

interface OutboxRow {
  readonly sequence: number;
  readonly command_id: string;
  readonly name: string;
  readonly operator_id: string;
  readonly body: string;
  readonly proof: string | null;
  readonly created_at: string;
}

/** Commands queued here and not yet answered by the server: what a reset would lose. */
export function unpushed(db: ReplicaDatabase): { readonly count: number; readonly oldestAt: string | null } {
  const row = db.prepare("SELECT count(*) AS count, min(created_at) AS oldestAt FROM outbox WHERE state = 'pending'").get() as {
    count: number;
    oldestAt: string | null;
  };
  return { count: row.count, oldestAt: row.oldestAt };
}

/** The pending outbox as push mutations, in order: the same rows, the same fields the sync engine pushes. */
function pendingMutations(db: ReplicaDatabase): PushMutationValue[] {
  const rows = db
    .prepare("SELECT sequence, command_id, name, operator_id, body, proof, created_at FROM outbox WHERE state = 'pending' ORDER BY sequence")
    .all() as OutboxRow[];
  return rows.map(
    (row) =>
      ({
        sequence: row.sequence,
        commandId: row.command_id,
        name: row.name,
        operatorId: row.operator_id,
        body: JSON.parse(row.body) as Record<string, unknown>,
        ...(row.proof ? { proof: JSON.parse(row.proof) as MutationProofValue } : {}),
      }) as PushMutationValue,
  );
}

export interface WrittenExport {
  readonly fileName: string;
  readonly file: OutboxExportFileValue;
}

/**
 * Write the pending outbox to `<dataDir>/outbox-exports/outbox-<desk>-<time>.json` (0600, flushed
 * and renamed into place: a crash leaves the whole file or none). Throws if it cannot be written;
 * a reset then does not go ahead.
 */
export function exportOutbox(db: ReplicaDatabase, dataDir: string, cause: OutboxExportCause, approval: Approval | null, now: Date = new Date()): WrittenExport {
  const deskId = readMeta(db, 'desk_id');
  const hospitalId = readMeta(db, 'hospital_id');
  if (!deskId || !hospitalId) throw new Error('This desk is not enrolled: it has no outbox to export.');
  const file = sealOutboxExport({
    format: 'coverdesk-outbox-export',
    formatVersion: 1,
    deskId,
    hospitalId,
    serverUrl: readMeta(db, 'server_url'),
    exportedAt: now.toISOString(),
    cause,
    approval,
    mutations: pendingMutations(db),
  });
  const folder = join(dataDir, outboxExportFolder);
  secureDataFolder(folder);
  let fileName = `outbox-${deskId}-${now.toISOString().replace(/[:.]/g, '-')}.json`;
  for (let copy = 2; existsSync(join(folder, fileName)); copy += 1) fileName = fileName.replace(/(-\d+)?\.json$/, `-${copy}.json`);
  writeFileAtomically(join(folder, fileName), `${JSON.stringify(file, null, 1)}\n`, 0o600);
  return { fileName, file };
}

export interface ExportSummary {
  readonly fileName: string;
  readonly exportedAt: string;
  readonly cause: OutboxExportCause;
  readonly commands: number;
  /** When this desk queued it again, or null. */
  readonly importedAt: string | null;
  /** Why it cannot be queued here (damaged, another desk's), or null. */
  readonly problem: string | null;
}

/** The exports in the data folder, newest first. */
export function listExports(db: ReplicaDatabase, dataDir: string): ExportSummary[] {
  const folder = join(dataDir, outboxExportFolder);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => exportFileName.test(name))
    .sort()
    .reverse()
    .map((fileName) => {
      const reading = readOutboxExport(readFileSync(join(folder, fileName), 'utf8'));
      const importedAt = readMeta(db, `${importedMetaPrefix}${fileName}`);
      if (!reading.ok) return { fileName, exportedAt: '', cause: 'manual', commands: 0, importedAt, problem: reading.message };
      const { file } = reading;
      const problem = file.deskId === readMeta(db, 'desk_id') ? null : 'It was written by another desk: only that desk can send its commands.';
      return { fileName, exportedAt: file.exportedAt, cause: file.cause, commands: file.mutations.length, importedAt, problem };
    });
}

export type ImportResult =
  { readonly ok: true; readonly queued: number; readonly alreadyKnown: number } | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * Queue an export of this desk again, in its order, after anything already queued. A command id
 * the outbox already holds (queued or answered) is left alone: importing twice queues once, and
 * the server answers a command it has seen with its first answer. Another desk's export is
 * refused: its signatures name that desk, so the server would refuse every command.
 */
export function importExport(db: ReplicaDatabase, dataDir: string, fileName: string, now: Date = new Date()): ImportResult {
  if (!exportFileName.test(fileName)) return { ok: false, code: 'invalid-input', message: 'Name an outbox export of this desk’s outbox-exports folder.' };
  const path = join(dataDir, outboxExportFolder, fileName);
  if (!existsSync(path)) return { ok: false, code: 'export-not-found', message: `There is no export named ${fileName} in this desk’s outbox-exports folder.` };
  const reading = readOutboxExport(readFileSync(path, 'utf8'));
  if (!reading.ok) return reading;
  const { file } = reading;
  if (file.deskId !== readMeta(db, 'desk_id'))
    return {
      ok: false,
      code: 'export-of-another-desk',
      message: 'This export was written by another desk: its commands are signed for that desk and can only be sent from it.',
    };
  const insert = db.prepare(
    "INSERT INTO outbox (command_id, name, operator_id, body, created_at, state, proof) VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (command_id) DO NOTHING",
  );
  let queued = 0;
  db.transaction(() => {
    for (const mutation of file.mutations) {
      const createdAt = mutation.proof?.createdAt ?? file.exportedAt;
      queued += insert.run(
        mutation.commandId,
        mutation.name,
        mutation.operatorId,
        JSON.stringify(mutation.body),
        createdAt,
        mutation.proof ? JSON.stringify(mutation.proof) : null,
      ).changes;
    }
    writeMeta(db, `${importedMetaPrefix}${fileName}`, now.toISOString());
  })();
  return { ok: true, queued, alreadyKnown: file.mutations.length - queued };
}

/**
 * Empty the replica in one transaction: every server row, derived row, cached enrolment and
 * outbox row goes, with the pull checkpoint, so the next sync pulls the desk's whole scope again.
 * Kept: the enrolment (meta), the offline sign-in of operators (their verifiers and sealed keys
 * are not copies of server data) and the renderer feed's counter, every document of which is
 * marked changed so the screens drop what they showed. Call with the sync engine stopped.
 */
export function clearReplica(db: ReplicaDatabase, feed: Feed): void {
  const documents = db.prepare('SELECT collection, doc_id AS docId FROM feed').all() as { collection: Parameters<Feed['touch']>[0]; docId: string }[];
  try {
    db.transaction(() => {
      for (const table of ['families', 'members', 'packages', 'cases', 'preauths', 'holds', 'enhancements', 'bookings', 'claims'])
        db.exec(`DELETE FROM server_${table}`);
      for (const table of [
        'member_search',
        'outbox',
        'pending_rows',
        'desk_families',
        'biometric_enrolments',
        'case_admissions',
        'benefit_snapshots',
        'provisional_estimates',
      ])
        db.exec(`DELETE FROM ${table}`);
      db.prepare(`DELETE FROM meta WHERE key NOT IN (${keptMeta.map(() => '?').join(', ')}) AND key NOT LIKE '${importedMetaPrefix}%'`).run(...keptMeta);
      // The scope comes again row by row with the indexes in place (as replica migrations 2 and 8
      // do), not as a first sync; a reset in the middle of one puts back the indexes it dropped.
      writeMeta(db, 'first_sync', 'done');
      for (const index of bulkLoadIndexes) db.exec(index.sql);
      for (const document of documents) feed.touch(document.collection, document.docId);
      feed.save();
    })();
  } catch (error) {
    feed.discard();
    throw error;
  }
  feed.announce();
}

export interface ResetRecord {
  readonly at: string;
  readonly operatorId: string;
  readonly unpushed: number;
  readonly exportFile: string | null;
  readonly exportSha256: string | null;
  readonly approval: Approval | null;
}

/** Append a reset to `<dataDir>/replica-resets.jsonl` (who, the supervisor, what was exported). */
export function recordReset(dataDir: string, record: ResetRecord): void {
  appendFileSync(join(dataDir, replicaResetLog), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}
