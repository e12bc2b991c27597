// Supporting documents over HTTP (issue 19): resumable uploads with the tus protocol (@tus/server
// mounted in Fastify), a case's documents and checklist, and one document's bytes — each scoped by
// the case-access rule every case read uses, every opening audited.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Server as TusServer } from '@tus/server';
import type { Upload } from '@tus/utils';
import { Type } from 'typebox';
import { uuidPattern } from '@contract/commands';
import {
  attachDocumentProofName,
  CaseDocuments,
  deskUploadsPath,
  UploadProof,
  uploadProofHeader,
  uploadSignedBody,
  type AttachedDocumentValue,
  type AttachedFamilyDocumentValue,
  type CaseDocumentValue,
  type CaseDocumentsValue,
  type FamilyDocumentValue,
  type UploadProofValue,
} from '@contract/documents';
import { familyDocumentKinds, type FamilyDocumentKind } from '@domain/family-changes';
import { operatorProofHeader } from '@contract/sync';
import { Compile } from 'typebox/compile';
import {
  documentStages,
  maxDocumentBytes,
  missingDocuments,
  sniffBytes,
  sniffMediaType,
  supportingDocumentKinds,
  type DocumentStage,
  type SupportingDocumentKind,
} from '@domain/documents';
import { isRole } from '@domain/ids';
import { fail, httpStatusOf, RefusedError, type Refusal } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { Principal } from '../auth/tokens';
import type { Database, Sql } from '../db/database';
import { bearer, describedExactly, errorResponses, IdParams } from '../http/answers';
import type { OperatorAuthentication } from '../http/authentication';
import { authenticateDesk, type DeskPrincipal } from '../sync/desk-auth';
import { checkMutationProof, checkRequestProof, proofRefusal, requestProofFromHeader } from '../sync/operator-keys';
import { requiredDocuments } from './requirements';
import { requireFamilyInReach } from '../identity/reach';
import type { DocumentStore } from './store';

export interface DocumentRouteDeps {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
  readonly store: DocumentStore;
}

/** Where tus uploads are created (POST) and continued (HEAD, PATCH at `<path>/<upload id>`). */
export const uploadsPath = '/documents/uploads';

/**
 * Who the current tus request is from: set by the Fastify route around the tus handler, read by
 * its hooks. An operator with a bearer token (`/documents/uploads`), or an enrolled desk with the
 * queuing operator's signed proof (`/sync/documents/uploads`, the desk's offline queue).
 */
type UploadCaller =
  | { readonly kind: 'operator'; readonly principal: Principal }
  | { readonly kind: 'desk'; readonly desk: DeskPrincipal; readonly proof: UploadProofValue | undefined };
const uploader = new AsyncLocalStorage<UploadCaller>();

/** A refusal in the shape the tus server answers with (status and body), in the house error shape. */
function tusRefusal(refusal: Refusal): { status_code: number; body: string } {
  const { code, message, details } = refusal;
  return { status_code: httpStatusOf(refusal), body: JSON.stringify({ code, message, ...(details ? { details } : {}) }) };
}

interface CaseScopeRow {
  id: string;
  hospital_id: string;
  status: string;
}

/** The case-access rule of every case read: an operator of a hospital sees its cases only; payer roles see every case. */
async function caseInScope(sql: Pick<Sql, 'query'>, principal: Principal, caseId: string, lock = ''): Promise<CaseScopeRow> {
  const [row] = await sql.query<CaseScopeRow>(`SELECT id, hospital_id, status FROM cases WHERE id = $1 ${lock}`, [caseId]);
  if (!row || (principal.hospitalId !== null && principal.hospitalId !== row.hospital_id))
    throw fail('not-found', `There is no case ${caseId} at your hospital.`);
  return row;
}

interface UploadRequest {
  caseId: string;
  stage: DocumentStage;
  kind: SupportingDocumentKind;
  name: string;
}

/** The upload's metadata as the desk declared it, checked; a refusal names the first wrong key. */
function uploadRequestOf(metadata: Upload['metadata']): UploadRequest {
  const caseId = metadata?.caseId ?? '';
  const stage = metadata?.stage ?? '';
  const kind = metadata?.kind ?? '';
  const name = metadata?.filename ?? '';
  if (!new RegExp(uuidPattern).test(caseId)) throw fail('invalid-input', 'Upload-Metadata caseId must be the UUID of the case the document belongs to.');
  if (!(documentStages as readonly string[]).includes(stage)) throw fail('invalid-input', `Upload-Metadata stage must be one of ${documentStages.join(', ')}.`);
  if (!(supportingDocumentKinds as readonly string[]).includes(kind))
    throw fail('invalid-input', `Upload-Metadata kind must be one of ${supportingDocumentKinds.join(', ')}.`);
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (name.length < 1 || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name))
    throw fail('invalid-input', 'Upload-Metadata filename must be 1 to 200 characters without control characters.');
  return { caseId, stage: stage as DocumentStage, kind: kind as SupportingDocumentKind, name };
}

interface FamilyUploadRequest {
  familyId: string;
  kind: FamilyDocumentKind;
  name: string;
}

/** An upload is a family's (issue 16: Upload-Metadata familyId, no caseId) or a case's. */
function isFamilyUpload(metadata: Upload['metadata']): boolean {
  return metadata?.familyId !== undefined && metadata.familyId !== null && (metadata.caseId === undefined || metadata.caseId === null);
}

/** A family document's metadata (issue 16), checked; a refusal names the first wrong key. */
function familyUploadRequestOf(metadata: Upload['metadata']): FamilyUploadRequest {
  const familyId = metadata?.familyId ?? '';
  const kind = metadata?.kind ?? '';
  const name = metadata?.filename ?? '';
  if (!new RegExp(uuidPattern).test(familyId)) throw fail('invalid-input', 'Upload-Metadata familyId must be the UUID of the family the document supports.');
  if (!(familyDocumentKinds as readonly string[]).includes(kind))
    throw fail('invalid-input', `Upload-Metadata kind of a family document must be one of ${familyDocumentKinds.join(', ')}.`);
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (name.length < 1 || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name))
    throw fail('invalid-input', 'Upload-Metadata filename must be 1 to 200 characters without control characters.');
  return { familyId, kind: kind as FamilyDocumentKind, name };
}

interface DocumentRow {
  id: string;
  case_id: string;
  stage: DocumentStage;
  kind: SupportingDocumentKind;
  name: string;
  media_type: CaseDocumentValue['mediaType'];
  size_bytes: number;
  sha256: string;
  storage_key: string;
  uploaded_by: string;
  attached_at: Date;
}
const documentColumns = 'id, case_id, stage, kind, name, media_type, size_bytes, sha256, storage_key, uploaded_by, attached_at';

function documentOf(row: DocumentRow): CaseDocumentValue {
  return {
    documentId: row.id,
    caseId: row.case_id,
    stage: row.stage,
    kind: row.kind,
    name: row.name,
    mediaType: row.media_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    uploadedBy: row.uploaded_by,
    attachedAt: row.attached_at.toISOString(),
  };
}

/** What a finished upload is: its first bytes' media type and its SHA-256, in one pass over the file. */
async function examine(store: DocumentStore, uploadId: string): Promise<{ head: Uint8Array; sha256: string }> {
  const hash = createHash('sha256');
  const head: number[] = [];
  const stream = await store.readUpload(uploadId);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (head.length < sniffBytes) head.push(...chunk.subarray(0, sniffBytes - head.length));
    hash.update(chunk);
  }
  return { head: Uint8Array.from(head), sha256: hash.digest('hex') };
}

/**
 * A finished upload becomes a document of its case at its stage — once. The file is checked by
 * content (magic bytes), hashed, and attached in one transaction with its audit entry; the same
 * file already attached there (same SHA-256), or this very upload already attached, answers that
 * document and the new bytes are discarded. Refused: nothing attached, the upload's bytes removed.
 */
export async function attachUpload(db: Database, store: DocumentStore, principal: Principal, upload: Upload): Promise<AttachedDocumentValue> {
  const request = uploadRequestOf(upload.metadata);
  const { head, sha256 } = await examine(store, upload.id);
  // A desk signs the file's SHA-256 when it queues the document: the bytes that arrived must be those.
  const declared = upload.metadata?.sha256;
  if (declared && declared !== sha256) {
    await store.discardUpload(upload.id);
    throw fail('invalid-input', 'The file that arrived is not the one its operator queued (its SHA-256 differs): nothing was attached. Queue it again.');
  }
  const mediaType = sniffMediaType(head);
  if (!mediaType) {
    await store.discardUpload(upload.id);
    throw fail('unsupported-media-type', 'Only PDF, JPEG and PNG files are accepted, and this file is none of them (its content was checked, not its name).');
  }
  const answer = await db.transaction(async (sql) => {
    // The case row is shared-locked: a command deciding on the case (which locks it for update)
    // sees this document either whole or not at all.
    await caseInScope(sql, principal, request.caseId, 'FOR SHARE');
    const documentId = randomUUID();
    const inserted = await sql.query<DocumentRow>(
      `INSERT INTO case_documents (id, case_id, hospital_id, stage, kind, name, media_type, size_bytes, sha256, storage_key, upload_id, uploaded_by)
       SELECT $1, c.id, c.hospital_id, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM cases c WHERE c.id = $2
       ON CONFLICT DO NOTHING RETURNING ${documentColumns}`,
      [documentId, request.caseId, request.stage, request.kind, request.name, mediaType, upload.size ?? 0, sha256, documentId, upload.id, principal.operatorId],
    );
    const row = inserted[0];
    if (!row) {
      const [existing] = await sql.query<DocumentRow>(
        `SELECT ${documentColumns} FROM case_documents WHERE upload_id = $1 OR (case_id = $2 AND stage = $3 AND sha256 = $4) ORDER BY attached_at LIMIT 1`,
        [upload.id, request.caseId, request.stage, sha256],
      );
      if (!existing) throw new Error('case_documents refused an insert without a conflicting row');
      return { document: documentOf(existing), outcome: 'already-attached' as const };
    }
    // Moved into the store inside the transaction: a failure here rolls the row back (an orphan
    // file may stay; a row without its file never does).
    await store.keep(upload.id, row.storage_key);
    await appendAudit(sql, {
      actorId: principal.operatorId,
      action: 'document-attached',
      entityType: 'case',
      entityId: request.caseId,
      after: { documentId: row.id, stage: row.stage, kind: row.kind, mediaType, sizeBytes: Number(row.size_bytes), sha256 },
    });
    return { document: documentOf(row), outcome: 'attached' as const };
  });
  if (answer.outcome === 'already-attached') await store.discardUpload(upload.id);
  return answer;
}

interface FamilyDocumentRow {
  id: string;
  family_id: string;
  hospital_id: string;
  kind: FamilyDocumentKind;
  name: string;
  media_type: FamilyDocumentValue['mediaType'];
  size_bytes: number;
  sha256: string;
  storage_key: string;
  uploaded_by: string;
  attached_at: Date;
}
const familyDocumentColumns = 'id, family_id, hospital_id, kind, name, media_type, size_bytes, sha256, storage_key, uploaded_by, attached_at';

export function familyDocumentOf(row: Omit<FamilyDocumentRow, 'hospital_id' | 'storage_key'>): FamilyDocumentValue {
  return {
    documentId: row.id,
    familyId: row.family_id,
    kind: row.kind,
    name: row.name,
    mediaType: row.media_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    uploadedBy: row.uploaded_by,
    attachedAt: new Date(row.attached_at).toISOString(),
  };
}

/**
 * A finished family upload (issue 16) becomes the family's birth or marriage certificate — once,
 * as attachUpload does for a case: checked by content, hashed, attached with its audit entry in one
 * transaction; the same file for the same family and kind answers the document it already is.
 */
export async function attachFamilyUpload(db: Database, store: DocumentStore, principal: Principal, upload: Upload): Promise<AttachedFamilyDocumentValue> {
  const request = familyUploadRequestOf(upload.metadata);
  const { head, sha256 } = await examine(store, upload.id);
  const mediaType = sniffMediaType(head);
  if (!mediaType) {
    await store.discardUpload(upload.id);
    throw fail('unsupported-media-type', 'Only PDF, JPEG and PNG files are accepted, and this file is none of them (its content was checked, not its name).');
  }
  const answer = await db.transaction(async (sql) => {
    await requireFamilyInReach(sql, principal.hospitalId, request.familyId, 'family');
    const documentId = randomUUID();
    const inserted = await sql.query<FamilyDocumentRow>(
      `INSERT INTO family_documents (id, family_id, hospital_id, kind, name, media_type, size_bytes, sha256, storage_key, upload_id, uploaded_by)
       SELECT $1, f.id, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM families f WHERE f.id = $2
       ON CONFLICT DO NOTHING RETURNING ${familyDocumentColumns}`,
      [
        documentId,
        request.familyId,
        principal.hospitalId,
        request.kind,
        request.name,
        mediaType,
        upload.size ?? 0,
        sha256,
        documentId,
        upload.id,
        principal.operatorId,
      ],
    );
    const row = inserted[0];
    if (!row) {
      const [existing] = await sql.query<FamilyDocumentRow>(
        `SELECT ${familyDocumentColumns} FROM family_documents WHERE upload_id = $1 OR (family_id = $2 AND kind = $3 AND sha256 = $4) ORDER BY attached_at LIMIT 1`,
        [upload.id, request.familyId, request.kind, sha256],
      );
      if (!existing) throw fail('not-found', `There is no family ${request.familyId} your hospital serves.`);
      return { document: familyDocumentOf(existing), outcome: 'already-attached' as const };
    }
    await store.keep(upload.id, row.storage_key);
    await appendAudit(sql, {
      actorId: principal.operatorId,
      action: 'document-attached',
      entityType: 'family',
      entityId: request.familyId,
      after: { documentId: row.id, kind: row.kind, mediaType, sizeBytes: Number(row.size_bytes), sha256 },
    });
    return { document: familyDocumentOf(row), outcome: 'attached' as const };
  });
  if (answer.outcome === 'already-attached') await store.discardUpload(upload.id);
  return answer;
}

/**
 * Who may open a family's document (issue 16): the enrolment role (HA), deciding on it, and the
 * hospital that uploaded it. Other payer roles have no part in enrolment; another hospital's
 * operator gets the same 404 as for a document that does not exist.
 */
function mayOpenFamilyDocument(principal: Principal, row: Pick<FamilyDocumentRow, 'hospital_id'>): boolean {
  if (principal.hospitalId === null) return principal.roles.includes('HA');
  return principal.hospitalId === row.hospital_id;
}

interface UploadServerDeps {
  readonly db: Database;
  readonly store: DocumentStore;
  readonly now: () => number;
}

/** The proof header of a desk's creating POST, or undefined when absent or not a proof. */
const uploadProofCheck = Compile(UploadProof);
function uploadProofFrom(header: string | string[] | undefined): UploadProofValue | undefined {
  if (typeof header !== 'string' || header.length > 1024) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return uploadProofCheck.Check(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Who creates an upload. An operator: their token. A desk: the operator whose key signed the
 * queued document (case, stage, kind, name, SHA-256, size) — an active MEDCO of the desk's own
 * hospital, the key valid when it was queued (not now: it may have waited offline for days).
 */
async function creatorOf(deps: UploadServerDeps, caller: UploadCaller, upload: Upload, request: UploadRequest): Promise<Principal> {
  if (caller.kind === 'operator') return caller.principal;
  const { proof, desk } = caller;
  const sha256 = upload.metadata?.sha256 ?? '';
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw fail('invalid-input', "Upload-Metadata sha256 must be the file's SHA-256 (64 hex digits), as its operator signed it.");
  if (!proof) throw new RefusedError(proofRefusal('missing'));
  const body = uploadSignedBody({
    caseId: request.caseId,
    stage: request.stage,
    kind: request.kind,
    filename: request.name,
    sha256,
    sizeBytes: upload.size ?? 0,
  });
  const refused = await checkMutationProof(
    deps.db,
    desk,
    { commandId: proof.uploadKey, name: attachDocumentProofName, operatorId: proof.operatorId, body, proof },
    deps.now(),
  );
  if (refused) throw new RefusedError(refused);
  const [operator] = await deps.db.query<{ roles: string[]; hospital_id: string | null; is_active: boolean }>(
    'SELECT roles, hospital_id, is_active FROM operators WHERE id = $1',
    [proof.operatorId],
  );
  if (!operator?.is_active || operator.hospital_id !== desk.hospitalId)
    throw fail('forbidden-role', "The operator who queued this document is not an active operator of this desk's hospital.");
  return {
    operatorId: proof.operatorId as Principal['operatorId'],
    roles: operator.roles.filter(isRole),
    hospitalId: desk.hospitalId as Principal['hospitalId'],
  };
}

/** Who continues or finishes an upload: the operator, or for a desk the operator who created it (written by the server at creation). */
function continuerOf(caller: UploadCaller, upload: Upload): Principal {
  if (caller.kind === 'operator') return caller.principal;
  return {
    operatorId: (upload.metadata?.operatorId ?? '') as Principal['operatorId'],
    roles: ['MEDCO'],
    hospitalId: caller.desk.hospitalId as Principal['hospitalId'],
  };
}

/** One tus server at `path` over the shared store: the operator mount and the desk mount differ only in who calls. */
function uploadServer(app: FastifyInstance, deps: UploadServerDeps, path: string): TusServer {
  const { db, store } = deps;
  return new TusServer({
    path,
    datastore: store.uploads,
    maxSize: maxDocumentBytes,
    relativeLocation: true,
    respectForwardedHeaders: false,
    // No cross-origin uploads: the console is served from this origin and desks upload from Node.
    allowedOrigins: () => false,
    // A finished upload is evidence; only the server removes an upload's bytes.
    disableTerminationForFinishedUploads: true,
    namingFunction: () => randomUUID(),
    onUploadCreate: async (_request, upload) => {
      const caller = currentCaller();
      const sizeKnown = () => {
        if (upload.size === undefined || upload.size < 1)
          throw fail('invalid-input', 'Send Upload-Length: the size of the file in bytes (deferred lengths are not accepted).');
      };
      if (isFamilyUpload(upload.metadata)) {
        // A family's certificate (issue 16), by a signed-in MEDCO (a desk's queued uploads are a
        // case's documents): the family must be one this hospital reaches.
        const family = await refusalOrValue(async () => {
          if (caller.kind !== 'operator')
            throw fail('invalid-input', "A desk's queued uploads are a case's documents; a family's certificate is uploaded by a signed-in operator.");
          const principal = caller.principal;
          if (!principal.roles.includes('MEDCO')) throw fail('forbidden-role', 'Documents are attached to a case by its hospital desk (MEDCO).');
          const request = familyUploadRequestOf(upload.metadata);
          sizeKnown();
          await requireFamilyInReach(db, principal.hospitalId, request.familyId, 'family');
          return { request, principal };
        });
        const { principal } = family;
        return {
          metadata: { ...upload.metadata, familyId: family.request.familyId, operatorId: principal.operatorId, hospitalId: principal.hospitalId ?? '' },
        };
      }
      const checked = await refusalOrValue(async () => {
        const request = uploadRequestOf(upload.metadata);
        const principal = await creatorOf(deps, caller, upload, request);
        if (!principal.roles.includes('MEDCO')) throw fail('forbidden-role', 'Documents are attached to a case by its hospital desk (MEDCO).');
        sizeKnown();
        await caseInScope(db, principal, request.caseId);
        return { request, principal };
      });
      // Who created the upload is written by the server, not taken from the client.
      const { request, principal } = checked;
      return { metadata: { ...upload.metadata, caseId: request.caseId, operatorId: principal.operatorId, hospitalId: principal.hospitalId ?? '' } };
    },
    onIncomingRequest: async (request, uploadId) => {
      if (request.method === 'POST') return;
      // Continuing an upload: only its own hospital's desk may (another hospital's desk gets a
      // 404, as for a case it cannot see).
      const caller = currentCaller();
      const hospitalId = caller.kind === 'operator' ? (caller.principal.hospitalId ?? '') : caller.desk.hospitalId;
      const upload = await store.uploads.getUpload(uploadId).catch(() => null);
      if (!upload || upload.metadata?.hospitalId !== hospitalId)
        throw tusRefusal(fail('not-found', `There is no upload ${uploadId} of your hospital.`).refusal);
    },
    // A failure that is not a refusal (the database gone at the last PATCH): logged here, and
    // answered without internals — tus would otherwise send the error's own message.
    onResponseError: (_request, error) => {
      if (!(error instanceof Error)) return undefined;
      app.log.error({ err: error }, 'document upload failed');
      return {
        status_code: 500,
        body: JSON.stringify({
          code: 'internal-error',
          message: 'Something went wrong on the server while receiving the document; nothing was attached. Send it again.',
        }),
      };
    },
    onUploadFinish: async (_request, upload) => {
      const principal = continuerOf(currentCaller(), upload);
      const attach = (): Promise<AttachedDocumentValue | AttachedFamilyDocumentValue> =>
        isFamilyUpload(upload.metadata) ? attachFamilyUpload(db, store, principal, upload) : attachUpload(db, store, principal, upload);
      const attached = await refusalOrValue(() =>
        attach().catch(async (error: unknown) => {
          // Not attached: the bytes go too. Kept, the upload would look complete to the desk's
          // next HEAD and the client would report success for a document attached nowhere; gone,
          // the HEAD is 404 and the client uploads it anew (then attached once).
          await store.discardUpload(upload.id);
          throw error;
        }),
      );
      return { status_code: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(attached) };
    },
  });
}

/** Route a tus server's methods at `path` (POST) and `path/:uploadId` (HEAD, PATCH), each request handed over with its caller. */
function routeUploads(
  app: FastifyInstance,
  tus: TusServer,
  path: string,
  security: readonly Record<string, string[]>[],
  callerOf: (request: FastifyRequest) => Promise<UploadCaller>,
): void {
  // tus sends its bytes as application/offset+octet-stream: left unread here, for the tus handler.
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
  const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = await callerOf(request);
    reply.hijack();
    await uploader.run(caller, () => tus.handle(request.raw, reply.raw));
  };
  // GET (tus would serve the upload's bytes unscoped) and DELETE are deliberately not routed.
  const tusSchema = { tags: ['documents'], security };
  app.route({
    method: ['POST', 'OPTIONS'],
    url: path,
    schema: { ...tusSchema, summary: 'Create a resumable upload (tus 1.0.0 creation): Upload-Length and Upload-Metadata caseId, stage, kind, filename' },
    handler: handOver,
  });
  app.route({
    method: ['HEAD', 'PATCH', 'OPTIONS'],
    url: `${path}/:uploadId`,
    schema: { ...tusSchema, summary: "An upload's offset (HEAD) and its next bytes from that offset (PATCH); the last PATCH answers the attached document" },
    handler: handOver,
  });
}

/** Register inside a signed-in scope (http/authentication.ts signedInRoutes). */
export async function documentRoutes(app: FastifyInstance, deps: DocumentRouteDeps): Promise<void> {
  const { db, store } = deps;
  const tus = uploadServer(app, { db, store, now: Date.now }, uploadsPath);
  routeUploads(app, tus, uploadsPath, bearer, async (request) => ({ kind: 'operator', principal: deps.auth.principalOf(request) }));

  app.get(
    '/cases/:caseId/documents',
    {
      ...describedExactly,
      schema: {
        tags: ['documents'],
        summary: "A case's documents and its package's checklist per stage: what is required and what is still missing (hospital-scoped)",
        security: bearer,
        params: IdParams('caseId'),
        querystring: Type.Object({ packageCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })) }, { additionalProperties: false }),
        response: { 200: CaseDocuments, ...errorResponses },
      },
    },
    async (request) => {
      const { caseId } = request.params as { caseId: string };
      const asked = (request.query as { packageCode?: string }).packageCode;
      return caseDocuments(db, deps.auth.principalOf(request), caseId, asked);
    },
  );

  app.get(
    '/documents/:documentId',
    {
      schema: {
        tags: ['documents'],
        summary: "One document's bytes, to show inline (PDF or image); every opening is audited with who opened it",
        security: bearer,
        params: IdParams('documentId'),
        response: { 200: Type.String({ format: 'binary', description: 'application/pdf, image/jpeg or image/png' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = deps.auth.principalOf(request);
      const { documentId } = request.params as { documentId: string };
      const row = await db.transaction(async (sql): Promise<Pick<DocumentRow, 'id' | 'storage_key' | 'media_type' | 'size_bytes'>> => {
        const [found] = await sql.query<DocumentRow>(`SELECT ${documentColumns} FROM case_documents WHERE id = $1`, [documentId]);
        const notFound = fail('not-found', `There is no document ${documentId} of a case you may see.`);
        if (!found) {
          // A family's certificate (issue 16): opened by HA deciding on it or by its own hospital, audited alike.
          const [family] = await sql.query<FamilyDocumentRow>(`SELECT ${familyDocumentColumns} FROM family_documents WHERE id = $1`, [documentId]);
          if (!family || !mayOpenFamilyDocument(principal, family)) throw notFound;
          await appendAudit(sql, {
            actorId: principal.operatorId,
            action: 'document-opened',
            entityType: 'family',
            entityId: family.family_id,
            after: { documentId: family.id, kind: family.kind, roles: [...principal.roles] },
          });
          return family;
        }
        await caseInScope(sql, principal, found.case_id).catch(() => {
          throw notFound;
        });
        // Who opened which document (issue 19): written before a byte is sent.
        await appendAudit(sql, {
          actorId: principal.operatorId,
          action: 'document-opened',
          entityType: 'case',
          entityId: found.case_id,
          after: { documentId: found.id, kind: found.kind, stage: found.stage, roles: [...principal.roles] },
        });
        return found;
      });
      const bytes = await store.read(row.storage_key);
      if (!bytes) throw new Error(`document ${row.id} has no bytes in the store`);
      return (
        reply
          .type(row.media_type)
          .header('content-length', String(row.size_bytes))
          .header('content-disposition', `inline; filename="${row.id}"`)
          // Shown inside the console: never run as a page of this origin, even if a viewer were fooled.
          .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'; object-src 'self'")
          .header('cache-control', 'private, no-store')
          .send(bytes)
      );
    },
  );
}

function currentCaller(): UploadCaller {
  const caller = uploader.getStore();
  if (!caller) throw tusRefusal(fail('unauthenticated', 'Sign in first.').refusal);
  return caller;
}

export interface DeskDocumentRouteDeps {
  readonly db: Database;
  readonly store: DocumentStore;
  /** The clock operator proofs are judged by (the sync routes' clock). */
  readonly now: () => number;
}

/**
 * The desk's side (issue 19, the offline queue): tus uploads at `/sync/documents/uploads` with the
 * desk credential and, on the creating POST, the queuing operator's signed proof; and a case's
 * documents and checklist at `/sync/documents/:caseId` with an operator's request proof (purpose
 * `documents`), for the desk's "still to attach". Registered outside the bearer scope, in its own
 * encapsulated scope (its own tus content-type parser).
 */
export async function deskDocumentRoutes(app: FastifyInstance, deps: DeskDocumentRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    const tus = uploadServer(scope, deps, deskUploadsPath);
    const deskSecurity = [{ deskAuth: [] }];
    routeUploads(scope, tus, deskUploadsPath, deskSecurity, async (request) => ({
      kind: 'desk',
      desk: await authenticateDesk(deps.db, request.headers.authorization),
      proof: uploadProofFrom(request.headers[uploadProofHeader]),
    }));
    scope.get(
      '/sync/documents/:caseId',
      {
        ...describedExactly,
        schema: {
          tags: ['documents'],
          summary:
            "A case's documents and checklist for a desk of its hospital (as GET /cases/:caseId/documents), with an operator's request proof (purpose documents, over the case id and package)",
          security: deskSecurity,
          params: IdParams('caseId'),
          querystring: Type.Object(
            { operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }), packageCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })) },
            { additionalProperties: false },
          ),
          response: { 200: CaseDocuments, ...errorResponses },
        },
      },
      async (request) => {
        const desk = await authenticateDesk(deps.db, request.headers.authorization);
        const { caseId } = request.params as { caseId: string };
        const { operatorId, packageCode } = request.query as { operatorId: string; packageCode?: string };
        const signed = { caseId, ...(packageCode ? { packageCode } : {}) };
        const proven = await checkRequestProof(deps.db, desk, 'documents', requestProofFromHeader(request.headers[operatorProofHeader]), signed, deps.now());
        if (!proven.ok) throw new RefusedError(proven.refusal);
        if (proven.operatorId !== operatorId) throw new RefusedError(proofRefusal('wrong-key'));
        const [operator] = await deps.db.query<{ roles: string[]; hospital_id: string | null; is_active: boolean }>(
          'SELECT roles, hospital_id, is_active FROM operators WHERE id = $1',
          [operatorId],
        );
        if (!operator?.is_active || operator.hospital_id !== desk.hospitalId)
          throw fail('forbidden-role', "The operator is not an active operator of this desk's hospital.");
        const principal: Principal = {
          operatorId: operatorId as Principal['operatorId'],
          roles: operator.roles.filter(isRole),
          hospitalId: desk.hospitalId as Principal['hospitalId'],
        };
        return caseDocuments(deps.db, principal, caseId, packageCode);
      },
    );
  });
}

/** Run a check; a refusal becomes the tus server's answer in the house error shape. */
async function refusalOrValue<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RefusedError) throw tusRefusal(error.refusal);
    throw error;
  }
}

/** A case's documents and checklist; the package is the pre-auth's, else the one asked about (the desk before its pre-auth). */
export async function caseDocuments(db: Database, principal: Principal, caseId: string, askedPackage?: string): Promise<CaseDocumentsValue> {
  await caseInScope(db, principal, caseId);
  const rows = await db.query<DocumentRow>(`SELECT ${documentColumns} FROM case_documents WHERE case_id = $1 ORDER BY attached_at, id`, [caseId]);
  const [preauth] = await db.query<{ package_code: string }>('SELECT package_code FROM preauths WHERE case_id = $1', [caseId]);
  const packageCode = preauth?.package_code ?? askedPackage ?? null;
  const checklist = [];
  if (packageCode !== null) {
    for (const stage of documentStages) {
      const required = await requiredDocuments(db, packageCode, stage);
      const attached = rows.filter((row) => row.stage === stage).map((row) => row.kind);
      checklist.push({ stage, required, missing: missingDocuments(required, attached) });
    }
  }
  return { caseId, packageCode, documents: rows.map(documentOf), checklist };
}
