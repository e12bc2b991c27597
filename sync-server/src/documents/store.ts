// Where the bytes of supporting documents live (issue 19): one small interface, a file system
// implementation. Why the file system and not the database or object storage: docs/documents.md.
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import type { DataStore } from '@tus/utils';
import { defaultDataDir } from '../db/open';

/**
 * Where the file system store keeps documents unless COVERDESK_DOCUMENTS_DIR says otherwise: beside
 * the embedded database's data directory (`.data/documents` for `npm start`), never inside it.
 */
export function documentsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.COVERDESK_DOCUMENTS_DIR ?? join(env.COVERDESK_DATA_DIR ?? defaultDataDir, '..', 'documents');
}

/**
 * The document store: the tus data store uploads grow in, and the finished documents by key.
 * Keys are made by the server (`<document id>`), never from a client's file name. Another backend
 * (S3-compatible object storage with @tus/s3-store) implements the same four members.
 */
export interface DocumentStore {
  /** Where resumable uploads are kept while they arrive (and after, until kept or removed). */
  readonly uploads: DataStore;
  /** A finished upload's bytes, to check and hash before it becomes a document. */
  readUpload(uploadId: string): Promise<Readable>;
  /** Make a finished upload a document under `key` (the upload is gone from `uploads` after). */
  keep(uploadId: string, key: string): Promise<void>;
  /** A kept document's bytes, or null when there is none under `key`. */
  read(key: string): Promise<Readable | null>;
  /** Forget a finished upload that did not become a document (refused, or the same file attached already). */
  discardUpload(uploadId: string): Promise<void>;
}

/**
 * The file system store: uploads in `<root>/uploads` (the tus FileStore: the bytes and a `.json`
 * beside them), documents in `<root>/documents/<key>`. A rename moves a finished upload in, so
 * keeping a 20 MB file copies nothing. Several server processes share one root on one volume.
 */
export class FileSystemDocumentStore implements DocumentStore {
  readonly uploads: FileStore;
  private readonly uploadsDirectory: string;
  private readonly documentsDirectory: string;

  constructor(root: string) {
    this.uploadsDirectory = join(root, 'uploads');
    this.documentsDirectory = join(root, 'documents');
    this.uploads = new FileStore({ directory: this.uploadsDirectory });
  }

  async readUpload(uploadId: string): Promise<Readable> {
    return createReadStream(join(this.uploadsDirectory, safeName(uploadId)));
  }

  async keep(uploadId: string, key: string): Promise<void> {
    await mkdir(this.documentsDirectory, { recursive: true });
    await rename(join(this.uploadsDirectory, safeName(uploadId)), join(this.documentsDirectory, safeName(key)));
    await rm(join(this.uploadsDirectory, `${safeName(uploadId)}.json`), { force: true });
  }

  async read(key: string): Promise<Readable | null> {
    const path = join(this.documentsDirectory, safeName(key));
    const found = await stat(path).catch(() => null);
    return found?.isFile() ? createReadStream(path) : null;
  }

  async discardUpload(uploadId: string): Promise<void> {
    await this.uploads.remove(safeName(uploadId)).catch(() => undefined);
  }
}

/** Keys and upload ids are server-made UUIDs; anything else must never reach a path. */
function safeName(name: string): string {
  if (!/^[0-9a-f-]{36}$/.test(name)) throw new Error('A document key or upload id must be a server-made UUID.');
  return name;
}
