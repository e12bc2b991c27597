import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replicatedTables, type PulledDocumentValue, type PullCheckpointValue } from '@contract/sync';
import { PullApplier } from './applier';
import { bulkLoadIndexes, openReplica, readMeta, writeMeta, type ReplicaDatabase } from './database';
import { Feed } from './feed';
import { DeskReads } from './reads';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function replicaPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-applier-'));
  dirs.push(dir);
  return join(dir, 'replica.sqlite');
}

const family = (n: number) => `00000000-0000-4000-8000-0000000f${String(n).padStart(4, '0')}`;
const member = (n: number) => `00000000-0000-4000-8000-0000000e${String(n).padStart(4, '0')}`;
const caseId = (n: number) => `00000000-0000-4000-8000-0000000c${String(n).padStart(4, '0')}`;
const booking = (n: number) => `00000000-0000-4000-8000-0000000b${String(n).padStart(4, '0')}`;

/** One full round of a small hospital: 6 families (2 with cases here), members with accents, a package, bookings. */
function roundDocuments(): PulledDocumentValue[] {
  const documents: PulledDocumentValue[] = [];
  for (let f = 1; f <= 6; f += 1)
    documents.push({
      table: 'families',
      id: family(f),
      row: { id: family(f), familyNumber: `FAM-${f}`, cover: 1_000_000, committed: 0, district: 'Pune', activeCases: [] },
    });
  for (let m = 1; m <= 12; m += 1) {
    const f = Math.ceil(m / 2);
    documents.push({
      table: 'members',
      id: member(m),
      row: {
        id: member(m),
        familyId: family(f),
        schemeMemberId: `PMJ-${m}`,
        fullName: m === 3 ? 'Zoë  Ṁehta' : m === 5 ? ' Asha\tRAO ' : m === 7 ? 'Ravi  Kumar' : `Member ${m}`,
        birthYear: 1980 + m,
        healthCardNumber: m % 2 ? `HC-${m}` : null,
      },
    });
  }
  documents.push({
    table: 'packages',
    id: 'MG012A',
    row: { code: 'MG012A', name: 'Enteric fever', specialty: 'General medicine', isUnspecified: false, version: 1, price: 600_000 },
  });
  for (const c of [1, 2])
    documents.push({ table: 'cases', id: caseId(c), row: { id: caseId(c), memberId: member(c * 2), familyId: family(c), status: 'admitted' } });
  documents.push({ table: 'preauths', id: caseId(9), row: { id: caseId(9), caseId: caseId(1), status: 'approved' } });
  documents.push({ table: 'holds', id: caseId(8), row: { id: caseId(8), caseId: caseId(1), familyId: family(1), amount: 600_000 } });
  for (let b = 1; b <= 5; b += 1)
    documents.push({
      table: 'bookings',
      id: booking(b),
      row: { id: booking(b), caseId: caseId(b % 2 ? 1 : 2), familyId: family(b % 2 ? 1 : 2), amount: 35_000, status: 'active' },
    });
  return documents;
}

/** The pages of that round as the server pages it: a checkpoint at the page's last document (its table, its id), then the round's end. */
function pages(documents: PulledDocumentValue[], size: number): { documents: PulledDocumentValue[]; checkpoint: PullCheckpointValue }[] {
  const result: { documents: PulledDocumentValue[]; checkpoint: PullCheckpointValue }[] = [];
  for (let i = 0; i < documents.length; i += size) {
    const slice = documents.slice(i, i + size);
    const isLast = i + size >= documents.length;
    const last = slice[slice.length - 1]!;
    result.push({
      documents: slice,
      checkpoint: isLast
        ? { from: '900', next: '900', table: 0, afterId: null }
        : { from: '0', next: '900', table: replicatedTables.indexOf(last.table), afterId: last.id },
    });
  }
  return result;
}

/** Everything the applier writes, in a comparable form (feed: which documents, not their sequence numbers). */
function contents(db: ReplicaDatabase) {
  const all = (sql: string) => db.prepare(sql).all();
  const tables = ['families', 'members', 'packages', 'cases', 'preauths', 'holds', 'bookings'].map((t) => all(`SELECT * FROM server_${t} ORDER BY id`));
  return {
    tables,
    search: all('SELECT * FROM member_search ORDER BY id'),
    deskFamilies: all('SELECT family_id FROM desk_families ORDER BY family_id'),
    feed: all('SELECT collection, doc_id FROM feed ORDER BY collection, doc_id'),
    indexes: all("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"),
  };
}

describe('pull applier: a first sync is a bulk load', () => {
  it("loads server rows only, and builds each table's indexes, member search, desk families and feed once the round has moved past it — the same replica as row by row", () => {
    const bulk = openReplica(replicaPath());
    const bulkFeed = new Feed(bulk);
    const bulkApplier = new PullApplier(bulk, bulkFeed);
    expect(bulkApplier.isLoadingFirstSync).toBe(true);
    const [first, second, ...rest] = pages(roundDocuments(), 10);
    const count = (sql: string) => (bulk.prepare(sql).get() as { n: number }).n;
    const hasIndex = (name: string) => bulk.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(name) !== undefined;

    bulkApplier.apply(first!.documents, first!.checkpoint, '2026-11-23T10:00:00.000Z');
    // Mid-load, inside the members (6 families, 4 of 12 members): rows are there, derived rows and secondary indexes are not yet.
    expect(readMeta(bulk, 'first_sync')).toBe('loading');
    expect(count('SELECT count(*) AS n FROM server_families')).toBe(6);
    expect(count('SELECT count(*) AS n FROM member_search')).toBe(0);
    expect(hasIndex('member_search_scheme') || hasIndex('server_members_family')).toBe(false);

    const announced: string[][] = [];
    bulkFeed.onChange((collections) => announced.push(collections));
    bulkApplier.apply(second!.documents, second!.checkpoint, '2026-11-23T10:00:01.000Z');
    // The round has moved past the members and the package (the page ended in the cases): they are
    // finished — member search filled and indexed, the package in the feed — the cases are not yet.
    expect(second!.checkpoint.table).toBe(replicatedTables.indexOf('cases'));
    expect(count('SELECT count(*) AS n FROM member_search')).toBe(12);
    expect(hasIndex('member_search_scheme') && hasIndex('member_search_name') && hasIndex('server_members_family')).toBe(true);
    expect(hasIndex('server_bookings_case') || hasIndex('server_cases_family')).toBe(false);
    expect(count('SELECT count(*) AS n FROM desk_families')).toBe(0);
    expect(bulk.prepare('SELECT collection, doc_id AS id FROM feed').all()).toEqual([{ collection: 'packages', id: 'MG012A' }]);
    expect(readMeta(bulk, 'first_sync_tables')).toBe('3');
    for (const page of rest) bulkApplier.apply(page.documents, page.checkpoint, '2026-11-23T10:00:01.000Z');
    expect(readMeta(bulk, 'first_sync')).toBe('done');
    expect(readMeta(bulk, 'first_sync_tables')).toBeNull();
    expect(bulkApplier.isLoadingFirstSync).toBe(false);
    expect(announced.flat()).toEqual(expect.arrayContaining(['packages', 'families', 'cases', 'bookings']));

    // The reference: the same documents applied row by row on a replica whose first sync is done.
    const rowByRow = openReplica(replicaPath());
    writeMeta(rowByRow, 'first_sync', 'done');
    const rowApplier = new PullApplier(rowByRow, new Feed(rowByRow));
    expect(rowApplier.isLoadingFirstSync).toBe(false);
    for (const page of pages(roundDocuments(), 10)) rowApplier.apply(page.documents, page.checkpoint, '2026-11-23T10:00:01.000Z');

    const built = contents(bulk);
    expect(built).toEqual(contents(rowByRow));
    // Spot checks that the comparison is about something: accents folded, indexes back, feed complete.
    expect(built.search).toContainEqual(
      expect.objectContaining({ id: member(3), name_key: 'zoe mehta', scheme_member_id: 'PMJ-3', health_card_number: 'HC-3' }),
    );
    expect(built.indexes.map((i) => (i as { name: string }).name)).toEqual(expect.arrayContaining(bulkLoadIndexes.map((i) => i.name)));
    expect(built.deskFamilies).toEqual([{ family_id: family(1) }, { family_id: family(2) }]);
    expect(built.feed).toHaveLength(1 + 2 + 2 + 5); // packages, the desk's families, cases, bookings
    // Case documents are built from their pre-auth, hold, bookings and claim: their feed entries come after all of those are in.
    const sequence = (collection: string, aggregate: 'min' | 'max') =>
      (bulk.prepare(`SELECT ${aggregate}(sequence) AS n FROM feed WHERE collection = ?`).get(collection) as { n: number }).n;
    expect(sequence('cases', 'min')).toBeGreaterThan(sequence('bookings', 'max'));
    // Feed sequences are unique and continue after the load.
    const sequences = (bulk.prepare('SELECT sequence FROM feed ORDER BY sequence').all() as { sequence: number }[]).map((r) => r.sequence);
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(Number(readMeta(bulk, 'feed_sequence'))).toBe(Math.max(...sequences));
    bulk.close();
    rowByRow.close();
  });

  it('the indexes it rebuilds are exactly the ones the schema migration creates', () => {
    const db = openReplica(replicaPath());
    const created = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as { name: string; sql: string }[];
    const normalize = (sql: string) =>
      sql
        .replace(/IF NOT EXISTS /, '')
        .replace(/\s+/g, ' ')
        .trim();
    for (const index of bulkLoadIndexes) {
      const existing = created.find((c) => c.name === index.name);
      expect(existing, index.name).toBeDefined();
      expect(normalize(index.sql)).toBe(normalize(existing!.sql));
    }
    // And the other way: every secondary index on the tables a first sync loads is rebuilt by it.
    const loaded = created
      .filter((c) => c.name.startsWith('server_') || c.name.startsWith('member_search_'))
      .map((c) => c.name)
      .sort();
    expect(loaded).toEqual(bulkLoadIndexes.map((index) => index.name).sort());
    db.close();
  });

  it('resumes a load cut off by a crash, and a load that meets local pending changes clears them row by row', () => {
    const path = replicaPath();
    const [first, second, ...rest] = pages(roundDocuments(), 8);
    let db = openReplica(path);
    new PullApplier(db, new Feed(db)).apply(first!.documents, first!.checkpoint, '2026-11-23T10:00:00.000Z');
    db.close(); // the desk process dies here

    db = openReplica(path);
    const feed = new Feed(db);
    const resumed = new PullApplier(db, feed);
    expect(resumed.isLoadingFirstSync).toBe(true);
    // An operator queued a booking meanwhile: its optimistic row waits for the server's.
    const pendingBooking = booking(3);
    db.prepare("INSERT INTO pending_rows (kind, id, case_id, family_id, command_id, doc, state) VALUES ('bookings', ?, ?, ?, 'c1', '{}', 'pending')").run(
      pendingBooking,
      caseId(1),
      family(1),
    );
    resumed.apply(second!.documents, second!.checkpoint, '2026-11-23T10:00:01.000Z');
    for (const page of rest) resumed.apply(page.documents, page.checkpoint, '2026-11-23T10:00:02.000Z');
    expect(readMeta(db, 'first_sync')).toBe('done');
    expect(db.prepare('SELECT * FROM pending_rows').all()).toEqual([]);
    expect((db.prepare('SELECT count(*) AS n FROM member_search').get() as { n: number }).n).toBe(12);
    expect((db.prepare('SELECT count(*) AS n FROM server_bookings').get() as { n: number }).n).toBe(5);
    db.close();
  });

  it('a round that starts again mid-load (the scope pulled again) finishes every table again, with the rows it brings', () => {
    const db = openReplica(replicaPath());
    const feed = new Feed(db);
    const applier = new PullApplier(db, feed);
    const [first, second] = pages(roundDocuments(), 10);
    applier.apply(first!.documents, first!.checkpoint, '2026-11-23T10:00:00.000Z');
    applier.apply(second!.documents, second!.checkpoint, '2026-11-23T10:00:01.000Z');
    expect(readMeta(db, 'first_sync_tables')).toBe('3');
    // What BiometricVault.recoverUnreadable does at start-up: the round starts again from scratch.
    db.prepare("DELETE FROM meta WHERE key = 'pull_checkpoint'").run();
    const renamed = roundDocuments().map((document) =>
      document.id === member(4) ? { ...document, row: { ...document.row, fullName: 'Renamed Person' } } : document,
    );
    const again = new PullApplier(db, feed);
    for (const page of pages(renamed, 10)) again.apply(page.documents, page.checkpoint, '2026-11-23T10:00:02.000Z');
    expect(readMeta(db, 'first_sync')).toBe('done');
    expect(db.prepare('SELECT name_key FROM member_search WHERE id = ?').get(member(4))).toEqual({ name_key: 'renamed person' });
    db.close();
  });

  it("a failed page leaves nothing of itself, not even the load's start", () => {
    const db = openReplica(replicaPath());
    const applier = new PullApplier(db, new Feed(db));
    // The second document cannot be stored (a value JSON cannot carry): the whole page rolls back.
    const broken = [
      { table: 'families', id: family(1), row: { id: family(1) } },
      { table: 'families', id: family(2), row: { id: family(2), cover: 10n } },
    ] as unknown as PulledDocumentValue[];
    expect(() => applier.apply(broken, { from: '0', next: '9', table: 1, afterId: 'x' }, '2026-11-23T10:00:00.000Z')).toThrow();
    expect(readMeta(db, 'first_sync')).toBeNull();
    expect(readMeta(db, 'pull_checkpoint')).toBeNull();
    expect((db.prepare('SELECT count(*) AS n FROM server_families').get() as { n: number }).n).toBe(0);
    expect(applier.isLoadingFirstSync).toBe(true);
    // Pages commit with synchronous = NORMAL; the desk's own commands keep FULL, also after a failed page.
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
  });

  it('commits pulled pages without waiting for the disk, and gives the connection back with synchronous = FULL', () => {
    const db = openReplica(replicaPath());
    const feed = new Feed(db);
    const applier = new PullApplier(db, feed);
    // Feed.save runs inside each page's transaction, after its rows: what the connection is set to there.
    const seen: number[] = [];
    const save = feed.save.bind(feed);
    feed.save = () => {
      seen.push(db.pragma('synchronous', { simple: true }) as number);
      save();
    };
    for (const page of pages(roundDocuments(), 7)) applier.apply(page.documents, page.checkpoint, '2026-11-23T10:00:00.000Z');
    expect(seen).toHaveLength(pages(roundDocuments(), 7).length);
    expect(new Set(seen)).toEqual(new Set([1])); // 1 = NORMAL, inside every page
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL, for the desk's own commands
    db.close();
  });
});

describe("pulled rows that settle the desk's own pending changes, and families that leave the scope", () => {
  /** A desk past its first sync: the small hospital's round, applied. */
  function syncedReplica(): { db: ReplicaDatabase; feed: Feed; applier: PullApplier } {
    const db = openReplica(replicaPath());
    const feed = new Feed(db);
    const applier = new PullApplier(db, feed);
    for (const page of pages(roundDocuments(), 50)) applier.apply(page.documents, page.checkpoint, '2026-11-23T10:00:00.000Z');
    expect(applier.isLoadingFirstSync).toBe(false);
    return { db, feed, applier };
  }
  const round = { from: '950', next: '950', table: 0, afterId: null } satisfies PullCheckpointValue;

  it('a confirmed booking re-sends its family document in the same pass, so no pending figure survives it (issue 12.2)', () => {
    const { db, feed, applier } = syncedReplica();
    const reads = new DeskReads(db);
    // The desk booked 500.00 offline on family 1's case (as backend.addPending records it).
    const pendingBooking = booking(7);
    db.prepare("INSERT INTO pending_rows (kind, id, case_id, family_id, command_id, doc, state) VALUES ('bookings', ?, ?, ?, 'c7', ?, 'pending')").run(
      pendingBooking,
      caseId(1),
      family(1),
      JSON.stringify({ amount: 50_000 }),
    );
    expect(reads.family(family(1))!.pendingAmount).toBe(50_000);
    const last = (collection: 'families' | 'cases' | 'bookings') => Math.max(0, ...feed.page(collection, 0, 10_000).map((entry) => entry.sequence));
    const before = { families: last('families'), cases: last('cases'), bookings: last('bookings') };
    // The server placed it inside the hold: a bookings row, and no families row changed.
    applier.apply(
      [
        {
          table: 'bookings',
          id: pendingBooking,
          row: { id: pendingBooking, caseId: caseId(1), familyId: family(1), amount: 50_000, coveredAmount: 50_000, shortfallAmount: 0, status: 'active' },
        },
      ],
      round,
      '2026-11-23T10:05:00.000Z',
    );
    // Every read-model document that shows a pending figure is marked changed by that one page.
    expect(feed.page('families', before.families, 100).map((entry) => entry.docId)).toEqual([family(1)]);
    expect(feed.page('cases', before.cases, 100).map((entry) => entry.docId)).toEqual([caseId(1)]);
    expect(feed.page('bookings', before.bookings, 100).map((entry) => entry.docId)).toEqual([pendingBooking]);
    expect(reads.family(family(1))!.pendingAmount).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM pending_rows').get()).toEqual({ n: 0 });
    db.close();
  });

  it('a removal purges the family, its members, their search entries and cached enrolments, and tombstones its document (issue 24.5)', () => {
    const { db, feed, applier } = syncedReplica();
    const reads = new DeskReads(db);
    // Family 3 is one the desk works with (it shows in the renderer), with an enrolled member.
    db.prepare("INSERT INTO desk_families (family_id, added_at) VALUES (?, '2026-11-23T10:00:00.000Z')").run(family(3));
    db.prepare(
      "INSERT INTO biometric_enrolments (member_id, modality, sealed, enrolled_at) VALUES (?, 'fingerprint', 'sealed', '2026-11-01T00:00:00.000Z')",
    ).run(member(5));
    db.prepare(
      "INSERT INTO biometric_enrolments (member_id, modality, sealed, enrolled_at) VALUES (?, 'fingerprint', 'sealed', '2026-11-01T00:00:00.000Z')",
    ).run(member(7));
    const before = Math.max(0, ...feed.page('families', 0, 10_000).map((entry) => entry.sequence));
    applier.apply([{ table: 'removals', id: family(3), row: { familyId: family(3) } }], round, '2026-11-23T10:05:00.000Z');
    const count = (sql: string, ...parameters: string[]) => (db.prepare(sql).get(...parameters) as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM server_families WHERE id = ?', family(3))).toBe(0);
    expect(count('SELECT count(*) AS n FROM server_members WHERE family_id = ?', family(3))).toBe(0);
    expect(count('SELECT count(*) AS n FROM member_search WHERE family_id = ?', family(3))).toBe(0);
    expect(count('SELECT count(*) AS n FROM biometric_enrolments WHERE member_id = ?', member(5))).toBe(0);
    expect(count('SELECT count(*) AS n FROM desk_families WHERE family_id = ?', family(3))).toBe(0);
    expect(reads.family(family(3))).toBeNull();
    expect(feed.page('families', before, 100).map((entry) => entry.docId)).toEqual([family(3)]);
    // Other families are untouched: family 4's enrolled member stays.
    expect(count('SELECT count(*) AS n FROM biometric_enrolments WHERE member_id = ?', member(7))).toBe(1);
    expect(count('SELECT count(*) AS n FROM server_members WHERE family_id = ?', family(4))).toBe(2);
    db.close();
  });
});
