import type { ReplicatedCollection } from '../desk-api/contract';
import { readMeta, writeMeta, type ReplicaDatabase, type SqlStatement } from './database';

/**
 * Marks read-model documents as changed, in order. The renderer's RxDB replication pulls each
 * collection by this sequence; the documents themselves are built when pulled, from the tables.
 */
export class Feed {
  private sequence: number;
  private readonly mark: SqlStatement;
  private readonly listeners = new Set<(collections: ReplicatedCollection[]) => void>();
  private changed = new Set<ReplicatedCollection>();

  constructor(private readonly db: ReplicaDatabase) {
    this.sequence = Number(readMeta(db, 'feed_sequence') ?? '0');
    this.mark = db.prepare(
      'INSERT INTO feed (collection, doc_id, sequence) VALUES (?, ?, ?) ON CONFLICT (collection, doc_id) DO UPDATE SET sequence = excluded.sequence',
    );
  }

  /** Call inside the writer's transaction. */
  touch(collection: ReplicatedCollection, docId: string): void {
    this.sequence += 1;
    this.mark.run(collection, docId, this.sequence);
    this.changed.add(collection);
  }

  /** Inside the writer's transaction: mark every document a query lists (column `id`), in its order. */
  touchAll(collection: ReplicatedCollection, idQuery: string): void {
    const marked = this.db
      .prepare(
        `INSERT INTO feed (collection, doc_id, sequence)
      SELECT ?, id, ? + row_number() OVER () FROM (${idQuery}) WHERE true
      ON CONFLICT (collection, doc_id) DO UPDATE SET sequence = excluded.sequence`,
      )
      .run(collection, this.sequence);
    this.sequence += marked.changes;
    if (marked.changes > 0) this.changed.add(collection);
  }

  /** Call at the end of the writer's transaction (persists the counter). */
  save(): void {
    writeMeta(this.db, 'feed_sequence', String(this.sequence));
  }

  /** After commit: tell listeners (the renderer's pull stream) which collections moved. */
  announce(): void {
    if (this.changed.size === 0) return;
    const collections = [...this.changed];
    this.changed = new Set();
    for (const listener of this.listeners) listener(collections);
  }

  /** A rolled-back transaction announces nothing and its sequence numbers are reloaded. */
  discard(): void {
    this.changed = new Set();
    this.sequence = Number(readMeta(this.db, 'feed_sequence') ?? '0');
  }

  onChange(listener: (collections: ReplicatedCollection[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Documents per renderer pull page: a larger `limit` is refused, never cut down (see pullPage). */
  static readonly maxPageSize = 1000;

  /**
   * One page of the renderer's pull (`replication.pull`): the changed documents after a
   * checkpoint, and the checkpoint to store. The checkpoint is the last sequence sent; an empty
   * page answers the checkpoint it was given, so RxDB (which does not store an empty page's
   * checkpoint) loses nothing, whatever its batch size. A limit above maxPageSize is refused
   * (null): RxDB takes a page shorter than its batch size as the end of the pull and would wait
   * for the next change with documents left.
   */
  pullPage(
    collection: ReplicatedCollection,
    checkpoint: { sequence: number } | null,
    limit: number,
  ): { docIds: string[]; checkpoint: { sequence: number } | null } | null {
    if (!Number.isInteger(limit) || limit < 1 || limit > Feed.maxPageSize) return null;
    const entries = this.page(collection, checkpoint?.sequence ?? 0, limit);
    const last = entries[entries.length - 1];
    return { docIds: entries.map((entry) => entry.docId), checkpoint: last ? { sequence: last.sequence } : checkpoint };
  }

  page(collection: ReplicatedCollection, after: number, limit: number): { docId: string; sequence: number }[] {
    return this.db
      .prepare('SELECT doc_id AS docId, sequence FROM feed WHERE collection = ? AND sequence > ? ORDER BY sequence LIMIT ?')
      .all(collection, after, limit) as { docId: string; sequence: number }[];
  }
}
