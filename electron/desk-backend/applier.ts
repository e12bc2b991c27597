import { replicatedTables, type PullCheckpointValue, type ReplicatedTable } from '@contract/sync';
import { bulkLoadIndexes, readMeta, writeMeta, type ReplicaDatabase, type SqlStatement } from './database';
import type { Feed } from './feed';
import type { ReceivedDocument } from './server-client';

type Row = Record<string, unknown>;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A reviewer's decision that arrived in a pull: the desk tells its operator. */
export interface ArrivedDecision {
  readonly caseId: string;
  readonly status: string;
}

/**
 * The pull applier: the only writer of server_* tables. One page of documents and its checkpoint
 * commit together, so a crash mid-pull resumes from the last applied page, never half of one.
 *
 * A desk's first sync is a bulk load (hundreds of thousands of rows): until its first round ends,
 * pages only upsert server rows. The secondary indexes are dropped when it starts, and a round
 * walks the tables in order: once its checkpoint has moved past a table, all of that table's rows
 * are in, and its indexes are built and its derived rows — offline member search, the families
 * this desk works with, the renderer's read-model feed — are filled by set-based statements, in
 * the transaction of the page that moved past it (while the server reads the next tables, not
 * all at the end). Building an index from sorted rows costs a fraction of maintaining it row by
 * row. The state ('loading', and how many tables are finished) is in meta, so a crash mid-load
 * resumes the load; a page that meets local pending changes takes the row-by-row path, which
 * clears them.
 */
export class PullApplier {
  private readonly statements: Record<string, SqlStatement>;
  private isFirstSync: boolean;
  private arrived: ArrivedDecision[] = [];
  private readonly decisionListeners = new Set<(decisions: ArrivedDecision[]) => void>();

  onDecisions(listener: (decisions: ArrivedDecision[]) => void): () => void {
    this.decisionListeners.add(listener);
    return () => this.decisionListeners.delete(listener);
  }

  /** `biometrics` caches pulled enrolments (sealed with the desk's key); without it they are dropped. */
  constructor(
    private readonly db: ReplicaDatabase,
    private readonly feed: Feed,
    private readonly biometrics: { storeFromServer(row: Record<string, unknown>): void } | null = null,
  ) {
    const upsert = (table: string) =>
      db.prepare(
        `INSERT INTO server_${table} (id, family_id, case_id, doc) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET family_id = excluded.family_id, case_id = excluded.case_id, doc = excluded.doc`,
      );
    this.statements = {
      families: upsert('families'),
      members: upsert('members'),
      packages: upsert('packages'),
      cases: upsert('cases'),
      preauths: upsert('preauths'),
      holds: upsert('holds'),
      enhancements: upsert('enhancements'),
      bookings: upsert('bookings'),
      claims: upsert('claims'),
      memberSearch: db.prepare(
        'INSERT INTO member_search (id, family_id, scheme_member_id, health_card_number, name_key, birth_year) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET family_id = excluded.family_id, scheme_member_id = excluded.scheme_member_id, health_card_number = excluded.health_card_number, name_key = excluded.name_key, birth_year = excluded.birth_year',
      ),
      // Each clearing names the family of the row it removed: see clear().
      clearPending: db.prepare('DELETE FROM pending_rows WHERE kind = ? AND id = ? RETURNING family_id AS familyId'),
      clearStatus: db.prepare(
        "DELETE FROM pending_rows WHERE kind = 'case-status' AND id = ? AND json_extract(doc, '$.status') = ? RETURNING family_id AS familyId",
      ),
      clearVoid: db.prepare("DELETE FROM pending_rows WHERE kind = 'booking-void' AND id = ? RETURNING family_id AS familyId"),
      // A family that left the desk's scope (a `removals` document): everything held for it goes.
      removeEnrolments: db.prepare('DELETE FROM biometric_enrolments WHERE member_id IN (SELECT id FROM server_members WHERE family_id = ?)'),
      removeSearch: db.prepare('DELETE FROM member_search WHERE family_id = ?'),
      removeMembers: db.prepare('DELETE FROM server_members WHERE family_id = ?'),
      removeFamily: db.prepare('DELETE FROM server_families WHERE id = ?'),
      removeDeskFamily: db.prepare('DELETE FROM desk_families WHERE family_id = ?'),
      removeBenefits: db.prepare('DELETE FROM benefit_snapshots WHERE family_id = ?'),
      pendingCount: db.prepare('SELECT count(*) AS count FROM pending_rows'),
      eCardKey: db.prepare('INSERT INTO e_card_keys (key_id, public_key) VALUES (?, ?) ON CONFLICT (key_id) DO UPDATE SET public_key = excluded.public_key'),
      eCardRevocation: db.prepare('INSERT INTO e_card_revocations (serial, revoked_at) VALUES (?, ?) ON CONFLICT (serial) DO NOTHING'),
      identifier: db.prepare(
        `INSERT INTO member_identifiers (id, member_id, family_id, kind, issuer, value) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET member_id = excluded.member_id, family_id = excluded.family_id, kind = excluded.kind, issuer = excluded.issuer, value = excluded.value`,
      ),
      unlinkIdentifier: db.prepare('DELETE FROM member_identifiers WHERE id = ?'),
      removeIdentifiers: db.prepare('DELETE FROM member_identifiers WHERE family_id = ?'),
      deskFamily: db.prepare('INSERT INTO desk_families (family_id, added_at) VALUES (?, ?) ON CONFLICT (family_id) DO NOTHING'),
      isDeskFamily: db.prepare('SELECT 1 FROM desk_families WHERE family_id = ?'),
      preauthStatus: db.prepare("SELECT json_extract(doc, '$.status') AS status FROM server_preauths WHERE id = ?"),
    };
    db.function('coverdesk_name_key', { deterministic: true }, (name: unknown) => nameKey(typeof name === 'string' ? name : ''));
    const firstSync = readMeta(db, 'first_sync');
    this.isFirstSync = firstSync === 'loading' || (firstSync === null && readMeta(db, 'pull_checkpoint') === null);
  }

  /** True while the desk's first full sync is still loading (reads work, but without the derived rows). */
  get isLoadingFirstSync(): boolean {
    return this.isFirstSync;
  }

  apply(documents: readonly ReceivedDocument[], checkpoint: PullCheckpointValue, serverTime: string): void {
    const run = this.db.transaction(() => {
      const hasPending = (this.statements.pendingCount!.get() as { count: number }).count > 0;
      const now = new Date().toISOString();
      if (this.isFirstSync) {
        if (readMeta(this.db, 'first_sync') !== 'loading') this.startFirstSync();
        // How many tables (in round order) are finished: meta first_sync_tables. A round that starts
        // again mid-load (no checkpoint stored: the scope is pulled again, see
        // BiometricVault.recoverUnreadable) sends every table again, so every table is finished again.
        const finished = readMeta(this.db, 'pull_checkpoint') === null ? 0 : Number(readMeta(this.db, 'first_sync_tables') ?? '0');
        const s = this.statements;
        for (const document of documents) {
          // Rows without a server_* table (biometric enrolments) keep their own path.
          if (hasPending || !s[document.table]) this.applyOne(document, hasPending, now);
          else
            s[document.table]!.run(
              document.id,
              document.table === 'families' ? document.id : text(document.row.familyId),
              document.table === 'cases' ? document.id : text(document.row.caseId),
              document.rowText ?? JSON.stringify(document.row),
            );
        }
        // The first round is over when the checkpoint points at the start of the next window;
        // before that, every table before the checkpoint's is complete.
        const roundEnded = checkpoint.table === 0 && checkpoint.afterId === null;
        this.finishTables(finished, roundEnded ? replicatedTables.length : checkpoint.table, now);
        if (roundEnded) this.finishFirstSync();
      } else {
        for (const document of documents) this.applyOne(document, hasPending, now);
      }
      writeMeta(this.db, 'pull_checkpoint', JSON.stringify(checkpoint));
      writeMeta(this.db, 'last_pull_server_time', serverTime);
      this.feed.save();
    });
    const wasFirstSync = this.isFirstSync;
    // Pulled pages commit without waiting for the disk (synchronous = NORMAL; WAL keeps them
    // atomic and in order): a page and its checkpoint commit together, so a power cut can only
    // take the last few pages back and the desk pulls them again. Waiting for the disk on every
    // page was a tenth of a first sync. The desk's own commands keep FULL (the outbox must
    // survive a power cut), and the next FULL commit makes the earlier pages durable too.
    this.db.pragma('synchronous = NORMAL');
    try {
      run();
    } catch (error) {
      this.feed.discard();
      this.arrived = [];
      this.isFirstSync = wasFirstSync;
      throw error;
    } finally {
      this.db.pragma('synchronous = FULL');
    }
    this.feed.announce();
    if (this.arrived.length > 0) {
      const decisions = this.arrived;
      this.arrived = [];
      for (const listener of this.decisionListeners) listener(decisions);
    }
  }

  private startFirstSync(): void {
    for (const index of bulkLoadIndexes) this.db.exec(`DROP INDEX IF EXISTS ${index.name}`);
    writeMeta(this.db, 'first_sync', 'loading');
  }

  /** Inside a first-sync page's transaction: finish the tables from `finished` up to (not including) `through`. */
  private finishTables(finished: number, through: number, now: string): void {
    if (finished >= through) return;
    for (let table = finished; table < through; table += 1) this.finishTable(replicatedTables[table]!, now);
    writeMeta(this.db, 'first_sync_tables', String(through));
  }

  /** A table whose rows are all in: its derived rows, then its indexes (built once over rows in place), then its feed. */
  private finishTable(table: ReplicatedTable, now: string): void {
    switch (table) {
      case 'members':
        // Plain ASCII names with single inner spaces fold in SQL (lower() is nameKey for them); any
        // other name goes through nameKey itself. The equality with the row-by-row path is tested.
        this.db
          .prepare(
            `INSERT INTO member_search (id, family_id, scheme_member_id, health_card_number, name_key, birth_year)
          SELECT id, family_id, COALESCE(json_extract(doc, '$.schemeMemberId'), ''), json_extract(doc, '$.healthCardNumber'),
                 CASE WHEN name NOT GLOB '*[^ -~]*' AND instr(name, '  ') = 0 AND name = trim(name) THEN lower(name) ELSE coverdesk_name_key(name) END,
                 COALESCE(json_extract(doc, '$.birthYear'), 0)
            FROM (SELECT id, family_id, doc, json_extract(doc, '$.fullName') AS name FROM server_members) WHERE true
          ON CONFLICT (id) DO UPDATE SET family_id = excluded.family_id, scheme_member_id = excluded.scheme_member_id,
            health_card_number = excluded.health_card_number, name_key = excluded.name_key, birth_year = excluded.birth_year`,
          )
          .run();
        break;
      case 'cases':
        // Families come first in a round, so the families this desk works with are all in.
        this.db
          .prepare(
            'INSERT INTO desk_families (family_id, added_at) SELECT DISTINCT family_id, ? FROM server_cases WHERE family_id IS NOT NULL ON CONFLICT (family_id) DO NOTHING',
          )
          .run(now);
        break;
      default:
        break;
    }
    for (const index of bulkLoadIndexes) if (index.table === table) this.db.exec(index.sql);
    if (table === 'packages') this.feed.touchAll('packages', 'SELECT id FROM server_packages ORDER BY id');
    // Feed entries once what the renderer builds each document from is all in: a family from its
    // row, a booking from its row, a case from its pre-auth, hold, enhancements, bookings and
    // claim, the last of which (claims) ends the round's server tables.
    if (table === 'cases') this.feed.touchAll('families', 'SELECT family_id AS id FROM desk_families ORDER BY family_id');
    if (table === 'bookings') this.feed.touchAll('bookings', 'SELECT id FROM server_bookings ORDER BY id');
    if (table === 'claims') this.feed.touchAll('cases', 'SELECT id FROM server_cases ORDER BY id');
  }

  /** Inside the transaction of the first round's last page, after its tables are finished. */
  private finishFirstSync(): void {
    writeMeta(this.db, 'first_sync', 'done');
    this.db.prepare("DELETE FROM meta WHERE key = 'first_sync_tables'").run();
    this.isFirstSync = false;
  }

  /**
   * Clears the desk's optimistic rows a server row has replaced, and marks the family document of
   * each one changed: a family's pendingAmount (and its pending admissions) is computed from
   * pending_rows when the document is built, so a booking the server placed inside the hold —
   * which changes no families row — must still re-send the family, or the renderer keeps showing
   * the old "pending" figure and a false shortfall warning (issue 12.2).
   */
  private clear(statement: SqlStatement, ...parameters: (string | null)[]): void {
    for (const row of statement.all(...parameters) as { familyId: string | null }[]) {
      if (row.familyId) this.feed.touch('families', row.familyId);
    }
  }

  private applyOne(document: ReceivedDocument, hasPending: boolean, now: string): void {
    const row: Row = document.row;
    // Stored as the server wrote it, when the page kept that text (server-client.ts).
    const json = document.rowText ?? JSON.stringify(row);
    const s = this.statements;
    switch (document.table) {
      case 'families':
        s.families!.run(document.id, document.id, null, json);
        if (s.isDeskFamily!.get(document.id)) this.feed.touch('families', document.id);
        return;
      case 'members': {
        const familyId = text(row.familyId);
        s.members!.run(document.id, familyId, null, json);
        s.memberSearch!.run(
          document.id,
          familyId,
          text(row.schemeMemberId) ?? '',
          text(row.healthCardNumber),
          nameKey(text(row.fullName) ?? ''),
          Number(row.birthYear ?? 0),
        );
        if (familyId && s.isDeskFamily!.get(familyId)) this.feed.touch('families', familyId);
        return;
      }
      case 'packages':
        s.packages!.run(document.id, null, null, json);
        this.feed.touch('packages', document.id);
        return;
      case 'cases': {
        const familyId = text(row.familyId);
        s.cases!.run(document.id, familyId, document.id, json);
        if (hasPending) {
          this.clear(s.clearPending!, 'cases', document.id);
          this.clear(s.clearStatus!, document.id, text(row.status));
        }
        if (familyId) {
          s.deskFamily!.run(familyId, now);
          this.feed.touch('families', familyId);
        }
        this.feed.touch('cases', document.id);
        return;
      }
      case 'preauths':
      case 'holds':
      case 'enhancements':
      case 'claims': {
        const caseId = text(row.caseId);
        if (document.table === 'preauths' && caseId) {
          // A status that changed to a decision, on a pre-auth this desk already knew: notify.
          const before = (s.preauthStatus!.get(document.id) as { status: string } | undefined)?.status;
          const after = text(row.status);
          if (before !== undefined && after && before !== after && ['approved', 'rejected', 'queried'].includes(after))
            this.arrived.push({ caseId, status: after });
        }
        s[document.table]!.run(document.id, text(row.familyId), caseId, json);
        if (hasPending && caseId) this.clear(s.clearPending!, document.table, document.table === 'preauths' ? caseId : document.id);
        if (caseId) this.feed.touch('cases', caseId);
        return;
      }
      case 'removals': {
        // The family left this desk's scope (its registry district moved, issue 24.5): its row,
        // members, offline search entries, cached enrolments and accumulators go; the renderer gets a tombstone.
        // Enrolments go first: they are found through the members.
        const familyId = text(row.familyId) ?? document.id;
        s.removeEnrolments!.run(familyId);
        s.removeSearch!.run(familyId);
        s.removeIdentifiers!.run(familyId);
        s.removeMembers!.run(familyId);
        s.removeFamily!.run(familyId);
        s.removeBenefits!.run(familyId);
        if (s.removeDeskFamily!.run(familyId).changes > 0) this.feed.touch('families', familyId);
        return;
      }
      case 'e_card_keys':
        // Not read-model documents either: what a scanned e-card is verified against (e-card-scan.ts).
        s.eCardKey!.run(document.id, text(row.publicKey) ?? '');
        return;
      case 'e_card_revocations':
        s.eCardRevocation!.run(document.id, text(row.revokedAt) ?? '');
        return;
      case 'member_identifiers':
        // Not read-model documents: what an offline lookup by a linked card searches (reads.ts). An
        // unlink arrives as the link with unlinkedAt: the desk forgets it.
        if (text(row.unlinkedAt)) s.unlinkIdentifier!.run(document.id);
        else
          s.identifier!.run(
            document.id,
            text(row.memberId) ?? '',
            text(row.familyId) ?? '',
            text(row.kind) ?? '',
            text(row.issuer) ?? '',
            text(row.value) ?? '',
          );
        return;
      case 'biometrics':
        // Not a read-model document: the renderer never sees templates or descriptors.
        this.biometrics?.storeFromServer(row);
        return;
      case 'bookings': {
        const caseId = text(row.caseId);
        s.bookings!.run(document.id, text(row.familyId), caseId, json);
        if (hasPending) {
          this.clear(s.clearPending!, 'bookings', document.id);
          if (row.status === 'voided') this.clear(s.clearVoid!, document.id);
        }
        this.feed.touch('bookings', document.id);
        if (caseId) this.feed.touch('cases', caseId);
        return;
      }
    }
  }
}

/** Name search key: lower case, single spaces, no accents. */
export function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
