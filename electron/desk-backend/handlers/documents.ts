// Supporting documents at the desk (issue 19): the checklist, and queueing a document from a file,
// the scanner folder or the camera — offline too; document-queue.ts uploads them in order.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { uuidPattern } from '@contract/commands';
import { documentStages, maxDocumentBytes, supportingDocumentKinds } from '@domain/documents';
import { usableSigner } from '../operator-key';
import { ServerCallError } from '../server-client';
import { failure, ok, type HandlerModule } from './context';

type DocumentChannel = 'documents.view' | 'documents.attach' | 'documents.scannerFiles';

const uuid = new RegExp(uuidPattern);
const scannedTypes = /\.(pdf|jpe?g|png)$/i;
/** base64 of the largest file accepted, with its padding. */
const maxBase64Length = Math.ceil(maxDocumentBytes / 3) * 4;

export const documentHandlers: HandlerModule<DocumentChannel> = (desk, { slot, requireMedco, signedOut }) => ({
  'documents.view': async ({ caseId, packageCode }) => {
    const refused = signedOut();
    if (refused) return refused;
    if (typeof caseId !== 'string' || !uuid.test(caseId)) return failure('invalid-input', 'Open a case first: the case id is not valid.');
    if (packageCode !== undefined && (typeof packageCode !== 'string' || packageCode.length < 1 || packageCode.length > 32))
      return failure('invalid-input', 'The package code is not valid.');
    const client = desk.client();
    const operatorId = slot.session?.operatorId;
    const usable = usableSigner(slot.signer, new Date());
    // Online: the server's list (kept for offline). Offline, or a case the server does not have yet
    // (admitted offline): the last list read, and this desk's queue.
    if (client && operatorId && usable.ok) {
      try {
        const signed = { caseId, ...(packageCode ? { packageCode } : {}) };
        desk.documents.remember(await client.caseDocuments(operatorId, caseId, packageCode ?? null, usable.signer.requestProof('documents', signed)));
        return ok(desk.documents.view(caseId, true));
      } catch (error) {
        if (!(error instanceof ServerCallError)) throw error;
        if (error.fault.kind === 'refused' && error.fault.code !== 'not-found') return failure(error.fault.code, error.fault.message);
      }
    }
    return ok(desk.documents.view(caseId, false));
  },
  'documents.attach': async ({ caseId, stage, kind, source }) => {
    const refused = requireMedco();
    if (refused) return refused;
    if (typeof caseId !== 'string' || !uuid.test(caseId)) return failure('invalid-input', 'Open a case first: the case id is not valid.');
    if (!(documentStages as readonly unknown[]).includes(stage)) return failure('invalid-input', `Choose the stage: ${documentStages.join(', ')}.`);
    if (!(supportingDocumentKinds as readonly unknown[]).includes(kind)) return failure('invalid-input', 'Choose what kind of document this is.');
    if (!desk.familyOfCase(caseId)) return failure('not-found', `There is no case ${caseId} at this desk.`);
    let name: string;
    let bytes: Buffer;
    if (source?.from === 'file' || source?.from === 'camera') {
      if (typeof source.base64 !== 'string' || source.base64.length > maxBase64Length + 4)
        return failure('too-large', `The file is larger than the ${maxDocumentBytes / (1024 * 1024)} MB a document may be.`);
      name = typeof source.name === 'string' ? source.name : '';
      bytes = Buffer.from(source.base64, 'base64');
    } else if (source?.from === 'scanner') {
      const folder = desk.options.scannerFolder ?? process.env.COVERDESK_SCANNER_DIR ?? null;
      if (!folder) return failure('not-configured', 'No scanner folder is set for this desk (COVERDESK_SCANNER_DIR).');
      // A name in the folder, never a path: nothing outside the scanner folder is read.
      if (typeof source.fileName !== 'string' || basename(source.fileName) !== source.fileName || !scannedTypes.test(source.fileName))
        return failure('invalid-input', 'Choose one of the files the scanner saved.');
      const path = join(folder, source.fileName);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        return failure('not-found', `The scanner folder has no file ${source.fileName} any more.`);
      }
      if (size > maxDocumentBytes) return failure('too-large', `The file is larger than the ${maxDocumentBytes / (1024 * 1024)} MB a document may be.`);
      name = source.fileName;
      bytes = readFileSync(path);
    } else return failure('invalid-input', 'Choose a file, a scanned file or a photo.');
    const operatorId = slot.session?.operatorId;
    if (!operatorId) return failure('not-signed-in', 'Sign in first.');
    const usable = usableSigner(slot.signer, new Date());
    if (!usable.ok) return usable;
    const queued = desk.documents.queue({ caseId, stage, kind, name, bytes }, operatorId, usable.signer);
    if (!queued.ok) return failure(queued.error.code, queued.error.message);
    desk.nudgeUploads();
    return ok(queued.value);
  },
  'documents.scannerFiles': async () => {
    const refused = signedOut();
    if (refused) return refused;
    const folder = desk.options.scannerFolder ?? process.env.COVERDESK_SCANNER_DIR ?? null;
    if (!folder) return ok({ folder: null, files: [] });
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return failure('not-found', `The scanner folder ${folder} cannot be read.`);
    }
    const files = names
      .filter((fileName) => scannedTypes.test(fileName))
      .flatMap((fileName) => {
        try {
          const stats = statSync(join(folder, fileName));
          return stats.isFile() ? [{ fileName, sizeBytes: stats.size, modifiedAt: stats.mtime.toISOString() }] : [];
        } catch {
          return [];
        }
      })
      .sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
    return ok({ folder, files });
  },
});
