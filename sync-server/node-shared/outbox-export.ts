import { createHash } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { OutboxExportFile, type OutboxExportContentValue, type OutboxExportFileValue } from '../contract/outbox-export';
import { canonicalJson } from './canonical-json';

/**
 * The checksum of an exported outbox (contract/outbox-export.ts): SHA-256 of the canonical JSON of
 * everything but the checksum, so the file may be re-indented or its keys reordered on the way
 * and still check, while a changed, added or dropped command does not. The desk writes it; the
 * desk and the server check it before queueing or applying anything.
 */
export function outboxExportChecksum(content: OutboxExportContentValue): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export function sealOutboxExport(content: OutboxExportContentValue): OutboxExportFileValue {
  return { ...content, sha256: outboxExportChecksum(content) };
}

const fileCheck = Compile(OutboxExportFile);

export type OutboxExportReading =
  | { readonly ok: true; readonly file: OutboxExportFileValue }
  | { readonly ok: false; readonly code: 'export-unreadable' | 'export-damaged'; readonly message: string };

/** Read an export from its text (or parsed JSON): the shape, then the checksum, then duplicate command ids. */
export function readOutboxExport(input: string | unknown): OutboxExportReading {
  let parsed: unknown = input;
  if (typeof input === 'string') {
    try {
      parsed = JSON.parse(input);
    } catch {
      return { ok: false, code: 'export-unreadable', message: 'This is not an outbox export: it is not JSON.' };
    }
  }
  if (!fileCheck.Check(parsed)) {
    const first = [...fileCheck.Errors(parsed)][0];
    return {
      ok: false,
      code: 'export-unreadable',
      message: `This is not a CoverDesk outbox export (${first ? `${first.instancePath || 'file'} ${first.message}` : 'wrong shape'}).`,
    };
  }
  const { sha256, ...content } = parsed;
  if (outboxExportChecksum(content) !== sha256)
    return { ok: false, code: 'export-damaged', message: 'The outbox export does not match its checksum: it was changed or damaged after the desk wrote it.' };
  if (new Set(content.mutations.map((mutation) => mutation.commandId)).size !== content.mutations.length)
    return { ok: false, code: 'export-damaged', message: 'The outbox export lists a command id twice.' };
  return { ok: true, file: parsed };
}
