/**
 * Supporting documents of a case (issue 19): the stages that need them, the kinds a scheme can
 * require, the file types accepted, and the two pure rules every side applies alike — what a file
 * really is (by its first bytes, never by its name or declared type) and what a stage still lacks.
 */

/** The stages whose command the server refuses without the package's required documents. */
export const documentStages = ['preauth', 'query-response', 'claim'] as const;
export type DocumentStage = (typeof documentStages)[number];

/**
 * Kinds of supporting document. The first seven are those submit-claim already declares by metadata
 * (contract `documentKinds`); clinical notes and the implant invoice are what PM-JAY-style package
 * checklists ask for at pre-auth and claim.
 */
export const supportingDocumentKinds = [
  'discharge-summary',
  'bill',
  'investigation-report',
  'prescription',
  'implant-sticker',
  'photo',
  'other',
  'clinical-notes',
  'implant-invoice',
] as const;
export type SupportingDocumentKind = (typeof supportingDocumentKinds)[number];

/** The only file types accepted: what a reviewer's browser shows inline without a plug-in. */
export const documentMediaTypes = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type DocumentMediaType = (typeof documentMediaTypes)[number];

/**
 * Largest file accepted: 25 MB. A scanned 20-page discharge file at 300 dpi is 10–20 MB; a phone
 * photo of a report 2–5 MB. Larger is almost always a scan at the wrong setting.
 */
export const maxDocumentBytes = 25 * 1024 * 1024;

/** How many bytes `sniffMediaType` needs to decide. */
export const sniffBytes = 8;

/**
 * What a file is, from its first bytes (magic numbers): `%PDF-`, JPEG's SOI marker followed by
 * another marker, PNG's 8-byte signature. Null for anything else — an executable (ELF `\x7fELF`,
 * PE `MZ`), a script or an archive renamed `.pdf` is refused whatever its name says.
 */
export function sniffMediaType(head: Uint8Array): DocumentMediaType | null {
  const starts = (signature: readonly number[]) => head.length >= signature.length && signature.every((byte, index) => head[index] === byte);
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  return null;
}

/** The kinds a stage requires that no attached document provides, in the checklist's order. */
export function missingDocuments(required: readonly string[], attached: readonly string[]): string[] {
  const present = new Set(attached);
  return required.filter((kind) => !present.has(kind));
}

/** A person's words for a kind, for refusal sentences and the console. */
export function documentKindLabel(kind: string): string {
  return kind.replaceAll('-', ' ');
}
