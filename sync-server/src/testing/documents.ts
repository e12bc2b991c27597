// Test helpers for supporting documents (issue 19): small real files of each accepted type, and a
// tus 1.0.0 upload spoken over Fastify inject (creation, then PATCHes from the server's offset).
import type { TestServer } from './harness';

/** A minimal but well-formed one-page PDF: what a scanner's "save as PDF" starts with. */
export function pdfBytes(text = 'Discharge summary'): Buffer {
  const body = `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n% ${text}\ntrailer<</Root 1 0 R>>\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** PNG signature and an IHDR chunk start: enough for the magic-byte check. */
export function pngBytes(seed = 1): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from(`IHDR-${seed}`)]);
}

/** A JPEG's SOI and APP0 (JFIF) marker start. */
export function jpegBytes(seed = 1): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from(`JFIF-${seed}`)]);
}

/** An ELF executable's header (what a Linux binary starts with), to be renamed .pdf by an attacker. */
export function elfBytes(): Buffer {
  return Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(56, 0)]);
}

/** A Windows PE executable's DOS header (MZ), likewise. */
export function peBytes(): Buffer {
  return Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62, 0x90), Buffer.from('PE\0\0')]);
}

export interface UploadRequest {
  caseId: string;
  stage: string;
  kind: string;
  name: string;
}

const tusHeaders = { 'tus-resumable': '1.0.0' };

export function uploadMetadata(request: UploadRequest): string {
  const entries: [string, string][] = [
    ['caseId', request.caseId],
    ['stage', request.stage],
    ['kind', request.kind],
    ['filename', request.name],
  ];
  return entries.map(([key, value]) => `${key} ${Buffer.from(value, 'utf8').toString('base64')}`).join(',');
}

export interface TusAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Record<string, unknown>;
}

function answerOf(response: { statusCode: number; headers: TusAnswer['headers']; body: string }): TusAnswer {
  let body: Record<string, unknown> = {};
  try {
    body = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
  } catch {
    body = { text: response.body };
  }
  return { status: response.statusCode, headers: response.headers, body };
}

/** tus creation: POST with Upload-Length and Upload-Metadata. Answers the Location on 201. */
export async function createUpload(server: TestServer, token: string, request: UploadRequest, length: number): Promise<TusAnswer> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/documents/uploads',
    headers: { ...tusHeaders, authorization: `Bearer ${token}`, 'upload-length': String(length), 'upload-metadata': uploadMetadata(request) },
  });
  return answerOf(response);
}

/** tus PATCH of `bytes` at `offset`. */
export async function patchUpload(server: TestServer, token: string, location: string, offset: number, bytes: Buffer): Promise<TusAnswer> {
  const response = await server.app.inject({
    method: 'PATCH',
    url: location,
    headers: { ...tusHeaders, authorization: `Bearer ${token}`, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
    payload: bytes,
  });
  return answerOf(response);
}

/** tus HEAD: where the server's copy of the upload ends. */
export async function uploadOffset(server: TestServer, token: string, location: string): Promise<TusAnswer> {
  return answerOf(await server.app.inject({ method: 'HEAD', url: location, headers: { ...tusHeaders, authorization: `Bearer ${token}` } }));
}

/** A whole upload in one PATCH; the final answer (200 with the attached document, or the refusal). */
export async function uploadDocument(server: TestServer, token: string, request: UploadRequest, bytes: Buffer): Promise<TusAnswer> {
  const created = await createUpload(server, token, request, bytes.length);
  if (created.status !== 201) return created;
  return patchUpload(server, token, String(created.headers.location), 0, bytes);
}

/** A family's certificate (issue 16): what a desk uploads with Upload-Metadata familyId, kind, filename. */
export interface FamilyUploadRequest {
  familyId: string;
  kind: string;
  name: string;
}

/** A whole family-document upload in one PATCH; the final answer (200 with the document, or the refusal). */
export async function uploadFamilyDocument(server: TestServer, token: string, request: FamilyUploadRequest, bytes: Buffer): Promise<TusAnswer> {
  const metadata = (
    [
      ['familyId', request.familyId],
      ['kind', request.kind],
      ['filename', request.name],
    ] as const
  )
    .map(([key, value]) => `${key} ${Buffer.from(value, 'utf8').toString('base64')}`)
    .join(',');
  const created = answerOf(
    await server.app.inject({
      method: 'POST',
      url: '/documents/uploads',
      headers: { ...tusHeaders, authorization: `Bearer ${token}`, 'upload-length': String(bytes.length), 'upload-metadata': metadata },
    }),
  );
  if (created.status !== 201) return created;
  return patchUpload(server, token, String(created.headers.location), 0, bytes);
}
