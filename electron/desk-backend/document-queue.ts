// Supporting documents at the desk (issue 19): queued with the outbox in the replica, uploaded
// with tus when the desk reaches the server, resumably, and attached once.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachDocumentProofName, uploadSignedBody, type CaseDocumentsValue, type UploadProofValue } from '@contract/documents';
import {
  documentKindLabel,
  maxDocumentBytes,
  missingDocuments,
  sniffMediaType,
  type DocumentMediaType,
  type DocumentStage,
  type SupportingDocumentKind,
} from '@domain/documents';
import type { DeskDocumentsView, QueuedDocumentView } from '../desk-api/contract';
import type { ReplicaDatabase } from './database';
import type { OperatorSigner } from './operator-key';
import { ServerCallError, type SyncServerClient } from './server-client';

interface UploadRow {
  upload_key: string;
  case_id: string;
  stage: DocumentStage;
  kind: SupportingDocumentKind;
  name: string;
  media_type: DocumentMediaType;
  size_bytes: number;
  sha256: string;
  file_path: string;
  operator_id: string;
  proof: string;
  after_sequence: number;
  queued_at: string;
  state: 'pending' | 'attached' | 'refused';
  upload_url: string | null;
  uploaded_bytes: number;
  document_id: string | null;
  outcome: string | null;
  refusal: string | null;
}

/** Why a file is not queued: the operator's sentence (the server would refuse it the same way). */
export type QueueRefusal = { readonly code: 'unsupported-media-type' | 'too-large' | 'invalid-input'; readonly message: string };

export interface DocumentToQueue {
  readonly caseId: string;
  readonly stage: DocumentStage;
  readonly kind: SupportingDocumentKind;
  readonly name: string;
  readonly bytes: Buffer;
}

/** Bytes per PATCH: a flaky line loses at most what was in flight, and the server keeps every byte it took. */
export const defaultUploadChunkBytes = 5 * 1024 * 1024;

/**
 * The desk's queue of documents. Order with the outbox: a document queued after outbox entry N is
 * uploaded once every entry up to N is answered (the case exists on the server), and entries
 * queued after it are pushed only once it is attached or refused (the pre-auth, query response or
 * claim that needs it is never sent ahead of its documents). The sync engine drives it
 * (sync-engine.ts pushAll).
 */
export class DocumentQueue {
  private readonly folder: string;

  constructor(
    private readonly db: ReplicaDatabase,
    dataDir: string,
    private readonly chunkBytes = defaultUploadChunkBytes,
  ) {
    this.folder = join(dataDir, 'documents');
  }

  /**
   * Check and queue one document. The type is decided by content here as on the server (an
   * executable renamed .pdf is refused at the desk, with the sentence, before anything is queued);
   * the file is copied into the desk's data folder (the original may be a scanner's file that is
   * moved or a photo that exists only in memory); the operator signs its case, stage, kind, name,
   * SHA-256 and size now, so it uploads however late, whoever is signed in then.
   */
  queue(document: DocumentToQueue, operatorId: string, signer: OperatorSigner): { ok: true; value: QueuedDocumentView } | { ok: false; error: QueueRefusal } {
    const name = document.name.trim();
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (name.length < 1 || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name))
      return { ok: false, error: { code: 'invalid-input', message: 'Give the document a name of 1 to 200 characters.' } };
    if (document.bytes.length < 1) return { ok: false, error: { code: 'invalid-input', message: 'The file is empty.' } };
    if (document.bytes.length > maxDocumentBytes)
      return {
        ok: false,
        error: {
          code: 'too-large',
          message: `The file is ${megabytes(document.bytes.length)}; the scheme takes at most ${megabytes(maxDocumentBytes)} per document. Scan it at a lower resolution.`,
        },
      };
    const mediaType = sniffMediaType(document.bytes.subarray(0, 8));
    if (!mediaType)
      return {
        ok: false,
        error: {
          code: 'unsupported-media-type',
          message: `"${name}" is not a PDF, JPEG or PNG file (its content was checked, not its name), so it cannot be attached. Scan or save the document as PDF, JPEG or PNG.`,
        },
      };
    const sha256 = createHash('sha256').update(document.bytes).digest('hex');
    const uploadKey = randomUUID();
    const queuedAt = new Date().toISOString();
    const body = uploadSignedBody({
      caseId: document.caseId,
      stage: document.stage,
      kind: document.kind,
      filename: name,
      sha256,
      sizeBytes: document.bytes.length,
    });
    const signed = signer.signMutation(uploadKey, attachDocumentProofName, body, queuedAt);
    const proof: UploadProofValue = { operatorId, uploadKey, keyId: signed.keyId, createdAt: signed.createdAt, signature: signed.signature };
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    const filePath = join(this.folder, uploadKey);
    // Written (and flushed by the close) before the row commits: a row never names a missing file.
    writeFileSync(filePath, document.bytes, { mode: 0o600 });
    try {
      this.db
        .prepare(
          `INSERT INTO document_uploads (upload_key, case_id, stage, kind, name, media_type, size_bytes, sha256, file_path, operator_id, proof, after_sequence, queued_at, state)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0), ?, 'pending')`,
        )
        .run(
          uploadKey,
          document.caseId,
          document.stage,
          document.kind,
          name,
          mediaType,
          document.bytes.length,
          sha256,
          filePath,
          operatorId,
          JSON.stringify(proof),
          queuedAt,
        );
    } catch (error) {
      rmSync(filePath, { force: true });
      throw error;
    }
    return { ok: true, value: viewOf(this.row(uploadKey)!) };
  }

  private row(uploadKey: string): UploadRow | undefined {
    return this.db.prepare('SELECT * FROM document_uploads WHERE upload_key = ?').get(uploadKey) as UploadRow | undefined;
  }

  /** Documents still to upload. */
  pendingCount(): number {
    return (this.db.prepare("SELECT count(*) AS count FROM document_uploads WHERE state = 'pending'").get() as { count: number }).count;
  }

  /** Pending documents whose turn has come: every outbox entry queued before them is answered. */
  due(): UploadRow[] {
    return this.db
      .prepare(
        `SELECT * FROM document_uploads WHERE state = 'pending'
           AND after_sequence < COALESCE((SELECT min(sequence) FROM outbox WHERE state = 'pending'), 9007199254740991)
         ORDER BY after_sequence, queued_at`,
      )
      .all() as UploadRow[];
  }

  /** The last outbox sequence that may be pushed before a pending document: entries after it wait for it. */
  pushableThrough(): number {
    const row = this.db.prepare("SELECT min(after_sequence) AS bound FROM document_uploads WHERE state = 'pending'").get() as { bound: number | null };
    return row.bound ?? Number.MAX_SAFE_INTEGER;
  }

  /**
   * Upload one document, from where the server's copy ends. Attached (or already attached): the
   * row records the document and the desk's copy of the file goes. Refused by the server (the
   * case is not this hospital's, the type, the proof): recorded with the sentence and no longer
   * waited for — the command behind it goes and the server answers it (documents-missing lists
   * what is still needed). The line dropped or the server failed: thrown, the row keeps its URL
   * and offset, and the next cycle resumes it.
   */
  async send(client: SyncServerClient, row: UploadRow): Promise<void> {
    try {
      const attached = await client.uploadDocument({
        filePath: row.file_path,
        sizeBytes: row.size_bytes,
        uploadUrl: row.upload_url,
        metadata: { caseId: row.case_id, stage: row.stage, kind: row.kind, filename: row.name, sha256: row.sha256 },
        proof: JSON.parse(row.proof) as UploadProofValue,
        chunkSize: this.chunkBytes,
        onUrl: (url) => this.db.prepare('UPDATE document_uploads SET upload_url = ?, uploaded_bytes = 0 WHERE upload_key = ?').run(url, row.upload_key),
        onProgress: (accepted) => this.db.prepare('UPDATE document_uploads SET uploaded_bytes = ? WHERE upload_key = ?').run(accepted, row.upload_key),
      });
      this.db
        .prepare(
          "UPDATE document_uploads SET state = 'attached', document_id = ?, outcome = ?, uploaded_bytes = size_bytes, answered_at = ? WHERE upload_key = ?",
        )
        .run(attached.document.documentId, attached.outcome, new Date().toISOString(), row.upload_key);
      rmSync(row.file_path, { force: true });
    } catch (error) {
      if (!(error instanceof ServerCallError) || error.fault.kind !== 'refused') throw error;
      const { code, message, details } = error.fault;
      this.db
        .prepare("UPDATE document_uploads SET state = 'refused', refusal = ?, answered_at = ? WHERE upload_key = ?")
        .run(JSON.stringify({ code, message, details: details ?? null }), new Date().toISOString(), row.upload_key);
      rmSync(row.file_path, { force: true });
    }
  }

  /** Keep the server's answer on a case's documents, for the checklist offline. */
  remember(answer: CaseDocumentsValue): void {
    this.db
      .prepare(
        'INSERT INTO case_document_lists (case_id, answer, fetched_at) VALUES (?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET answer = excluded.answer, fetched_at = excluded.fetched_at',
      )
      .run(answer.caseId, JSON.stringify(answer), new Date().toISOString());
  }

  /**
   * A case's documents as the desk knows them: the server's last answer (attached documents and
   * each stage's checklist) and this desk's queue. A stage's `missing` counts what is queued here
   * as provided (it will be uploaded before the command that needs it is sent).
   */
  view(caseId: string, isFresh: boolean): DeskDocumentsView {
    const stored = this.db.prepare('SELECT answer, fetched_at AS fetchedAt FROM case_document_lists WHERE case_id = ?').get(caseId) as
      { answer: string; fetchedAt: string } | undefined;
    const server = stored ? (JSON.parse(stored.answer) as CaseDocumentsValue) : null;
    const queued = (this.db.prepare('SELECT * FROM document_uploads WHERE case_id = ? ORDER BY queued_at').all(caseId) as UploadRow[]).map(viewOf);
    const checklist = (server?.checklist ?? []).map((stage) => {
      const waiting = queued.filter((item) => item.state === 'pending' && item.stage === stage.stage).map((item) => item.kind);
      const missing = missingDocuments(stage.missing, waiting);
      return { stage: stage.stage, required: stage.required, missing, missingLabels: missing.map(documentKindLabel) };
    });
    return {
      caseId,
      packageCode: server?.packageCode ?? null,
      attached: server?.documents ?? [],
      queued,
      checklist,
      checkedAt: stored?.fetchedAt ?? null,
      isFresh,
    };
  }
}

function viewOf(row: UploadRow): QueuedDocumentView {
  const refusal = row.refusal ? (JSON.parse(row.refusal) as { code: string; message: string }) : null;
  return {
    uploadKey: row.upload_key,
    caseId: row.case_id,
    stage: row.stage,
    kind: row.kind,
    name: row.name,
    mediaType: row.media_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    queuedAt: row.queued_at,
    state: row.state,
    uploadedBytes: row.uploaded_bytes,
    documentId: row.document_id,
    isAlreadyAttached: row.outcome === 'already-attached',
    refusal: refusal ? { code: refusal.code, message: refusal.message } : null,
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
