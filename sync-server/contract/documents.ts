/**
 * Supporting documents of a case (issue 19): what an upload is told to carry, what an attached
 * document looks like, and a case's checklist per stage. The server's routes (src/documents/)
 * answer with these; the desk and the console read them.
 */
import { Type, type Static } from 'typebox';
import { documentMediaTypes, documentStages, supportingDocumentKinds } from '../domain/documents';
import { familyDocumentKinds } from '../domain/family-changes';
import { uuidPattern } from './commands';
import { closed, Count, Id, Nullable, Time } from './primitives';

/** One document attached to a case at a stage, as the server found it (media type by content, size, SHA-256). */
export const CaseDocument = Type.Object(
  {
    documentId: Id,
    caseId: Id,
    stage: Type.Enum([...documentStages]),
    kind: Type.Enum([...supportingDocumentKinds]),
    name: Type.String({ description: 'The file name the desk gave (shown, never used as a path)' }),
    mediaType: Type.Enum([...documentMediaTypes]),
    sizeBytes: Count,
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    uploadedBy: Id,
    attachedAt: Time,
  },
  closed,
);
export type CaseDocumentValue = Static<typeof CaseDocument>;

/** The answer to a finished upload: the document it attached, or the one the same file already was. */
export const AttachedDocument = Type.Object(
  {
    document: CaseDocument,
    /** `attached`: this upload became the document; `already-attached`: the same file (SHA-256) was already attached to the case at that stage. */
    outcome: Type.Enum(['attached', 'already-attached']),
  },
  closed,
);
export type AttachedDocumentValue = Static<typeof AttachedDocument>;

/** One stage's checklist on a case: what the package requires, and what of it nothing attached provides yet. */
export const StageChecklist = Type.Object(
  { stage: Type.Enum([...documentStages]), required: Type.Array(Type.String()), missing: Type.Array(Type.String()) },
  closed,
);

/** `GET /cases/:caseId/documents`: every document of the case and, once a package is known, the checklist of each stage. */
export const CaseDocuments = Type.Object(
  {
    caseId: Id,
    packageCode: Nullable(Type.String()),
    documents: Type.Array(CaseDocument),
    checklist: Type.Array(StageChecklist),
  },
  closed,
);
export type CaseDocumentsValue = Static<typeof CaseDocuments>;

/** The tus Upload-Metadata keys an upload must carry (values base64, as tus sends them). */
export const uploadMetadataKeys = ['caseId', 'stage', 'kind', 'filename'] as const;

/**
 * A family's supporting document (issue 16, docs/family-changes.md): the birth or marriage
 * certificate a desk uploaded for a family change, checked and hashed as a case's documents are.
 * Uploaded with Upload-Metadata `familyId`, `kind` and `filename` (no case, no stage).
 */
export const FamilyDocument = Type.Object(
  {
    documentId: Id,
    familyId: Id,
    kind: Type.Enum([...familyDocumentKinds]),
    name: Type.String({ description: 'The file name the desk gave (shown, never used as a path)' }),
    mediaType: Type.Enum([...documentMediaTypes]),
    sizeBytes: Count,
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    uploadedBy: Id,
    attachedAt: Time,
  },
  closed,
);
export type FamilyDocumentValue = Static<typeof FamilyDocument>;

/** The answer to a finished family upload: the document, or the one the same file already was for that family and kind. */
export const AttachedFamilyDocument = Type.Object({ document: FamilyDocument, outcome: Type.Enum(['attached', 'already-attached']) }, closed);
export type AttachedFamilyDocumentValue = Static<typeof AttachedFamilyDocument>;

/** The tus Upload-Metadata keys of a family document. */
export const familyUploadMetadataKeys = ['familyId', 'kind', 'filename'] as const;

/**
 * Desk uploads (issue 19, the offline queue). A desk uploads with its desk credential, not an
 * operator's bearer token: the document may have been queued offline hours before, by an operator
 * no longer signed in. Who attached it is proven by the operator's key, as for a queued command
 * (sync/operator-keys.ts `checkMutationProof`): at queue time the desk signs a mutation named
 * `attachDocumentProofName` whose command id is the desk's upload key and whose body is
 * `uploadSignedBody` — the case, stage, kind, file name, SHA-256 and size. The signature travels in
 * the `uploadProofHeader` of the creating POST (base64url JSON of `UploadProof`); the server
 * checks the finished file's SHA-256 against the signed one, so the proof covers the bytes too.
 */
export const deskUploadsPath = '/sync/documents/uploads';
export const uploadProofHeader = 'x-coverdesk-upload-proof';
export const attachDocumentProofName = 'attach-document';

export const UploadProof = Type.Object(
  {
    operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    /** The desk's id for this queued document (a UUID): the signed mutation's command id. */
    uploadKey: Type.String({ format: 'uuid', pattern: uuidPattern }),
    keyId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    /** When the operator queued it (the desk's clock): the key must have been valid then. */
    createdAt: Type.String({ format: 'date-time', maxLength: 40 }),
    signature: Type.String({ pattern: '^[A-Za-z0-9_-]{86}$' }),
  },
  closed,
);
export type UploadProofValue = Static<typeof UploadProof>;

/** What the operator signs for one queued document (both sides build it with this function). */
export function uploadSignedBody(upload: {
  readonly caseId: string;
  readonly stage: string;
  readonly kind: string;
  readonly filename: string;
  readonly sha256: string;
  readonly sizeBytes: number;
}): Record<string, string | number> {
  return { caseId: upload.caseId, stage: upload.stage, kind: upload.kind, filename: upload.filename, sha256: upload.sha256, sizeBytes: upload.sizeBytes };
}
