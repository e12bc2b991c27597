/**
 * `npm run bench:read-model` — does the desk's RxDB copy earn its place (issue 21 item 6)? Not a
 * test: it prints a table and writes bench-results/read-model.json.
 *
 * A desk replica (a real SQLite file, filled by the desk's own PullApplier from pages shaped as the
 * server's pull sends them) holds a year at a mid-sized hospital: BENCH_CASES cases (default 3,000;
 * 150 of them admitted now), BENCH_BOOKINGS_PER_CASE bookings each (default 8), their pre-auths and
 * holds, the package catalogue, and a registry district of BENCH_FAMILIES families (default 20,000).
 * Two ways for the screens that today read the RxDB copy (the case list, the package picker, the
 * known items of the booking form) are measured against it, in one process:
 *
 *   - **copy**: the renderer's own code — `createDeskDatabase` (memory storage) and
 *     `replicateReadModel` with RxDB's `replicateRxCollection` — pulling through a desk API
 *     client that answers `replication.pull` with the desk backend's Feed and read-model
 *     documents, each answer through JSON as over the WebSocket or IPC. Measured: the time from
 *     sign-in (replication started) to every collection in sync, the heap the copy keeps, the
 *     screens' queries on it, and, for each of 30 changes (a booking pulled from the server, as
 *     the sync engine applies it), the time until the case list's and the known items' live
 *     queries have emitted the news, and the bytes pulled for it.
 *   - **re-read**: no copy; each screen asks its channel again whenever a collection it shows
 *     changes: `cases.list` (DeskReads.caseList, as the channel answers), `packages.list`, and the
 *     known items as one SQL statement a channel would run. Measured: the first read (sign-in to
 *     the case list shown) and the re-read after each of the same 30 changes, with its bytes.
 *
 * Runs in Node: RxDB and V8 are the renderer's, Chromium's rendering is left out of both paths.
 * Run with `node --expose-gc` (the npm script does) so heap figures are after a collection.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, filter, map, skip, type Observable } from 'rxjs';
import { replicatedTables, type PullCheckpointValue, type PulledDocumentValue, type ReplicatedTable } from '@contract/sync';
import type { PulledRowOf } from '@contract/sync-documents';
import type { DeskAnswer, DeskApiClient, DeskArgs, DeskChannel, DeskEventName, DeskEvents, ReplicatedCollection } from '../../electron/desk-api/contract';
import { PullApplier } from '../../electron/desk-backend/applier';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { openReplica, type ReplicaDatabase } from '../../electron/desk-backend/database';
import { Feed } from '../../electron/desk-backend/feed';
import { DeskReads } from '../../electron/desk-backend/reads';
import { createDeskDatabase, type DeskDatabase } from '../../renderer/src/data/database';
import { replicateReadModel } from '../../renderer/src/data/replication';
import type { DeskLink, DeskLinkStatus } from '../../renderer/src/desk-client/desk-link';

export interface ReadModelSizes {
  readonly families: number;
  readonly cases: number;
  readonly bookingsPerCase: number;
  /** Bookings pulled one at a time after sign-in. */
  readonly changes: number;
  /** Times each screen query is repeated for its median. */
  readonly queryRepeats: number;
}
const pageSize = 1_000;

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

const uuid = (kind: number, n: number): string => `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`;
const familyId = (n: number) => uuid(1, n);
const memberId = (n: number, m: number) => uuid(2, n * 4 + m);
const caseId = (n: number) => uuid(3, n);
const preauthId = (n: number) => uuid(4, n);
const holdId = (n: number) => uuid(5, n);
const bookingId = (n: number) => uuid(6, n);

const items = [
  ['ROOM-GEN', 'General ward bed-day', 1_500_00],
  ['DRUG-CEF', 'Ceftriaxone 1 g injection', 85_00],
  ['LAB-CBC', 'Complete blood count', 250_00],
  ['IMG-USG', 'Ultrasound abdomen', 900_00],
  ['CONS-SPL', 'Specialist consultation', 500_00],
  ['PROC-IV', 'IV cannulation and fluids', 350_00],
  ['LAB-LFT', 'Liver function tests', 600_00],
  ['DRUG-PCM', 'Paracetamol infusion', 120_00],
  ['IMG-XRC', 'X-ray chest PA', 400_00],
  ['CONS-ANE', 'Anaesthesia consultation', 700_00],
  ['LAB-RFT', 'Renal function tests', 550_00],
  ['IMPL-STN', 'Ureteric stent', 6_500_00],
] as const;
const packageCodes = Array.from({ length: 40 }, (_, index) => `PK${String(index + 1).padStart(3, '0')}A`);
const time = (minutesAgo: number) => new Date(Date.UTC(2026, 11, 1) - minutesAgo * 60_000).toISOString();

const doc = <T extends ReplicatedTable>(table: T, id: string, row: PulledRowOf<T>): PulledDocumentValue => ({ table, id, row }) as PulledDocumentValue;

/** The whole first round, in the server's table order. */
function firstRound(sizes: ReadModelSizes): PulledDocumentValue[] {
  const { families: familyCount, cases: caseCount, bookingsPerCase } = sizes;
  const admittedNow = Math.min(150, caseCount);
  const documents: PulledDocumentValue[] = [];
  const familyOfCase = (c: number) => 1 + ((c * 7) % familyCount);
  const activeByFamily = new Map<number, number[]>();
  for (let c = 1; c <= admittedNow; c += 1) activeByFamily.set(familyOfCase(c), [...(activeByFamily.get(familyOfCase(c)) ?? []), c]);
  for (let f = 1; f <= familyCount; f += 1)
    documents.push(
      doc('families', familyId(f), {
        id: familyId(f),
        familyNumber: `FAM-${String(f).padStart(6, '0')}`,
        cover: 500_000_00,
        committed: (activeByFamily.get(f)?.length ?? 0) * 30_000_00,
        district: 'Pune',
        registeredPhoneEnding: String(1000 + (f % 9000)),
        confirmedAt: time(5),
        activeCases: (activeByFamily.get(f) ?? []).map((c) => ({
          caseId: caseId(c),
          memberId: memberId(f, 0),
          hospitalCode: 'HSP-A',
          isOwnHospital: true,
          holdAmount: 30_000_00,
          preauthStatus: 'approved' as const,
        })),
      }),
    );
  for (let f = 1; f <= familyCount; f += 1)
    for (let m = 0; m < 2; m += 1)
      documents.push(
        doc('members', memberId(f, m), {
          id: memberId(f, m),
          familyId: familyId(f),
          schemeMemberId: `PMJ-${String(f * 4 + m).padStart(8, '0')}`,
          fullName: `${m === 0 ? 'Ramesh' : 'Sunita'} ${['Patil', 'Jadhav', 'Shinde', 'Pawar', 'Deshmukh'][f % 5]} ${f}`,
          birthYear: 1960 + (f % 40) + m * 3,
          gender: m === 0 ? 'M' : 'F',
          relation: m === 0 ? 'head' : 'spouse',
          healthCardNumber: `HC-${f}-${m}`,
        }),
      );
  for (const [index, code] of packageCodes.entries())
    documents.push(
      doc('packages', code, {
        code,
        name: `Package ${code}`,
        specialty: ['General medicine', 'Surgery', 'Urology', 'Cardiology'][index % 4]!,
        isUnspecified: false,
        version: 1,
        price: (10 + index) * 1_000_00,
      }),
    );
  for (let c = 1; c <= caseCount; c += 1) {
    const isAdmitted = c <= admittedNow;
    documents.push(
      doc('cases', caseId(c), {
        id: caseId(c),
        memberId: memberId(familyOfCase(c), 0),
        familyId: familyId(familyOfCase(c)),
        status: isAdmitted ? 'admitted' : 'discharged',
        identityMethod: 'fingerprint',
        isEmergency: false,
        admittedAt: time(c * 170),
        receivedAt: time(c * 170),
        dischargedAt: isAdmitted ? null : time(c * 170 - 4 * 24 * 60),
        cancelledAt: null,
      }),
    );
  }
  for (let c = 1; c <= caseCount; c += 1)
    documents.push(
      doc('preauths', preauthId(c), {
        id: preauthId(c),
        caseId: caseId(c),
        packageCode: packageCodes[c % packageCodes.length]!,
        packageVersion: 1,
        packagePrice: 30_000_00,
        requestedAmount: 30_000_00,
        recommendedAmount: 30_000_00,
        approvedAmount: 30_000_00,
        status: 'approved',
        queryReason: null,
        queryResponse: null,
        decisionReason: null,
        requestedAt: time(c * 170 - 10),
        decidedAt: time(c * 170 - 60),
      }),
    );
  for (let c = 1; c <= caseCount; c += 1)
    documents.push(
      doc('holds', holdId(c), {
        id: holdId(c),
        caseId: caseId(c),
        familyId: familyId(familyOfCase(c)),
        amount: 30_000_00,
        consumed: bookingsPerCase * 1_000_00,
        authorized: 30_000_00,
        costShareEstimate: 0,
        packageCode: packageCodes[c % packageCodes.length]!,
        packageVersion: 1,
        status: c <= admittedNow ? 'active' : 'claimed',
        confirmedAt: time(c * 170 - 60),
      }),
    );
  for (let c = 1; c <= caseCount; c += 1)
    for (let b = 0; b < bookingsPerCase; b += 1) documents.push(booking(familyCount, c, (c - 1) * bookingsPerCase + b + 1, time(c * 170 - 100 - b * 30)));
  return documents;
}

function booking(familyCount: number, c: number, n: number, createdAt: string): PulledDocumentValue {
  const [itemCode, description, unitPrice] = items[n % items.length]!;
  return doc('bookings', bookingId(n), {
    id: bookingId(n),
    caseId: caseId(c),
    familyId: familyId(1 + ((c * 7) % familyCount)),
    itemCode,
    description,
    quantity: 1,
    unitPrice,
    amount: unitPrice,
    coveredAmount: unitPrice,
    shortfallAmount: 0,
    status: 'active',
    closedAt: null,
    createdAt,
  });
}

/** Pages as the server cuts them: a checkpoint at each page's last document, then the round's end. */
function applyRound(applier: PullApplier, documents: PulledDocumentValue[], roundNumber: number): void {
  for (let i = 0; i < documents.length; i += pageSize) {
    const slice = documents.slice(i, i + pageSize);
    const last = slice[slice.length - 1]!;
    const isLast = i + pageSize >= documents.length;
    const next = String(1_000 * (roundNumber + 1));
    const checkpoint: PullCheckpointValue = isLast
      ? { from: next, next, table: 0, afterId: null }
      : { from: String(1_000 * roundNumber), next, table: replicatedTables.indexOf(last.table), afterId: last.id };
    applier.apply(slice, checkpoint, new Date().toISOString());
  }
}

/**
 * The desk API as the renderer sees it, answered in process by the desk backend's own parts:
 * `replication.pull` is the registry handler's body (Feed.pullPage and DeskBackend.document on
 * this replica), `cases.list` and `packages.list` are DeskReads. Every answer goes through JSON,
 * as over the wire, and its size is counted.
 */
class InProcessDesk implements DeskApiClient, DeskLink {
  bytes = 0;
  calls = 0;
  private readonly document: DeskBackend['document'];
  constructor(
    private readonly db: ReplicaDatabase,
    private readonly feed: Feed,
    private readonly reads: DeskReads,
  ) {
    // DeskBackend.document only reads `this.reads`: the backend's own read-model documents.
    this.document = DeskBackend.prototype.document.bind({ reads } as unknown as DeskBackend);
  }
  private wire<T>(value: T): T {
    const text = JSON.stringify(value);
    this.bytes += Buffer.byteLength(text);
    this.calls += 1;
    return JSON.parse(text) as T;
  }
  async call<C extends DeskChannel>(channel: C, args: DeskArgs<C>): Promise<DeskAnswer<C>> {
    await Promise.resolve();
    if (channel === 'replication.pull') {
      const { collection, checkpoint, limit } = args as DeskArgs<'replication.pull'>;
      const page = this.feed.pullPage(collection, checkpoint, limit)!;
      return this.wire({
        ok: true,
        value: { documents: page.docIds.map((id) => this.document(collection, id)), checkpoint: page.checkpoint },
      }) as DeskAnswer<C>;
    }
    if (channel === 'cases.list') return this.wire({ ok: true, value: this.reads.caseList(args as DeskArgs<'cases.list'>) }) as DeskAnswer<C>;
    if (channel === 'packages.list') return this.wire({ ok: true, value: this.reads.packages() }) as DeskAnswer<C>;
    throw new Error(`not in this bench: ${channel}`);
  }
  /** What a `bookings.knownItems` channel would answer: one statement over the replica. */
  knownItems(): unknown[] {
    const rows = this.db
      .prepare(
        `SELECT json_extract(doc, '$.itemCode') AS itemCode, json_extract(doc, '$.description') AS description, json_extract(doc, '$.unitPrice') AS unitPrice
           FROM (SELECT doc, row_number() OVER (PARTITION BY json_extract(doc, '$.itemCode') ORDER BY json_extract(doc, '$.createdAt') DESC) AS latest FROM server_bookings)
          WHERE latest = 1 ORDER BY itemCode`,
      )
      .all();
    return this.wire(rows);
  }
  on<E extends DeskEventName>(event: E, listener: (payload: DeskEvents[E]) => void): () => void {
    if (event !== 'replication.changed') return () => undefined;
    return this.feed.onChange((collections: ReplicatedCollection[]) => listener({ collections } as DeskEvents[E]));
  }
  linkStatus(): DeskLinkStatus {
    return { state: 'open', problem: null };
  }
  onLinkStatus(): () => void {
    return () => undefined;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)]!;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The case list's and the booking form's live queries, as the screens subscribe to them. */
function liveScreens(database: DeskDatabase): { cases: Observable<number>; knownItems: Observable<number> } {
  return {
    cases: database.cases.find().$.pipe(map((found) => found.map((item) => item.toJSON()).length)),
    knownItems: database.bookings.find({ sort: [{ createdAt: 'desc' }] }).$.pipe(
      map((bookings) => {
        const known = new Map<string, unknown>();
        for (const found of bookings) if (!known.has(found.itemCode)) known.set(found.itemCode, found.unitPrice);
        return bookings.length;
      }),
    ),
  };
}

/** What both paths showed at the end: the proof that they agree, whatever their speed. */
export interface ReadModelAgreement {
  readonly casesOnCopy: number;
  readonly casesReread: number;
  readonly bookingsOnCopy: number;
  readonly bookingsInReplica: number;
  /** The known items' codes with their latest price, per path, sorted. */
  readonly knownItemsOnCopy: string[];
  readonly knownItemsReread: string[];
}

export async function measureReadModel(sizes: ReadModelSizes, log: (line: string) => void = () => undefined) {
  const { families: familyCount, cases: caseCount, bookingsPerCase, changes: changeCount, queryRepeats } = sizes;
  const admittedNow = Math.min(150, caseCount);
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-read-model-bench-'));
  try {
    const db = openReplica(join(dir, 'replica.sqlite'));
    const feed = new Feed(db);
    const applier = new PullApplier(db, feed);
    const reads = new DeskReads(db);
    const round1 = firstRound(sizes);
    const loadStarted = performance.now();
    applyRound(applier, round1, 1);
    log(`replica: ${round1.length.toLocaleString('en')} rows applied in ${round((performance.now() - loadStarted) / 1000)} s`);
    const documentsOf = (collection: ReplicatedCollection) =>
      (db.prepare('SELECT count(*) AS n FROM feed WHERE collection = ?').get(collection) as { n: number }).n;
    const feedSizes = Object.fromEntries((['families', 'cases', 'bookings', 'packages'] as const).map((c) => [c, documentsOf(c)]));
    log(`read-model documents: ${JSON.stringify(feedSizes)}`);

    const desk = new InProcessDesk(db, feed, reads);

    // ---- re-read: the first screen, then the screens again after each change
    const heapBeforeReads = heapMb();
    const firstReadStarted = performance.now();
    const caseList = (await desk.call('cases.list', { status: 'all' })) as { ok: true; value: unknown[] };
    const firstCaseListMs = performance.now() - firstReadStarted;
    const packagesStarted = performance.now();
    await desk.call('packages.list', {});
    const packagesMs = performance.now() - packagesStarted;
    const knownStarted = performance.now();
    const known = desk.knownItems();
    const knownItemsMs = performance.now() - knownStarted;
    const firstReadBytes = desk.bytes;
    const heapWithReads = heapMb();
    void caseList;
    void known;

    // ---- copy: the renderer's RxDB read model, replicated as at sign-in
    desk.bytes = 0;
    desk.calls = 0;
    const heapBeforeCopy = heapMb();
    const copyStarted = performance.now();
    const database = await createDeskDatabase();
    const replication = replicateReadModel(database, desk, { batchSize: 200 });
    await firstValueFrom(replication.status$.pipe(filter((status) => status.isReady)));
    await replication.awaitInSync();
    const copyReadyMs = performance.now() - copyStarted;
    const copyBytes = desk.bytes;
    const copyCalls = desk.calls;
    const heapWithCopy = heapMb();
    const screens = liveScreens(database);
    const firstListStarted = performance.now();
    await firstValueFrom(screens.cases);
    const firstListOnCopyMs = performance.now() - firstListStarted;

    const copyQueries = { caseList: [] as number[], knownItems: [] as number[], packages: [] as number[] };
    for (let i = 0; i < queryRepeats; i += 1) {
      let started = performance.now();
      (await database.cases.find().exec()).map((item) => item.toJSON());
      copyQueries.caseList.push(performance.now() - started);
      started = performance.now();
      const bookings = await database.bookings.find({ sort: [{ createdAt: 'desc' }] }).exec();
      const seen = new Set<string>();
      for (const found of bookings) seen.add(found.itemCode);
      copyQueries.knownItems.push(performance.now() - started);
      started = performance.now();
      (await database.packages.find({ sort: [{ code: 'asc' }] }).exec()).map((pkg) => pkg.toJSON());
      copyQueries.packages.push(performance.now() - started);
    }
    const rereadQueries = { caseList: [] as number[], knownItems: [] as number[] };
    for (let i = 0; i < queryRepeats; i += 1) {
      let started = performance.now();
      await desk.call('cases.list', { status: 'all' });
      rereadQueries.caseList.push(performance.now() - started);
      started = performance.now();
      desk.knownItems();
      rereadQueries.knownItems.push(performance.now() - started);
    }

    // ---- changes: a booking pulled from the server on an admitted case, 30 times
    const copyChange: number[] = [];
    const copyChangeBytes: number[] = [];
    const rereadChange: number[] = [];
    const rereadChangeBytes: number[] = [];
    let nextBooking = caseCount * bookingsPerCase + 1;
    for (let i = 0; i < changeCount; i += 1) {
      const c = 1 + (i % admittedNow);
      const news = [booking(familyCount, c, nextBooking, new Date(Date.UTC(2026, 11, 1, 0, i)).toISOString())];
      nextBooking += 1;
      desk.bytes = 0;
      // The copy: both live queries emit once the pull has brought the booking and its case row.
      const listed = firstValueFrom(screens.cases.pipe(skip(1)));
      const itemsSeen = firstValueFrom(screens.knownItems.pipe(filter((count) => count === caseCount * bookingsPerCase + i + 1)));
      const started = performance.now();
      applier.apply(news, { from: String(10_000 + i), next: String(10_000 + i), table: 0, afterId: null }, new Date().toISOString());
      await Promise.all([listed, itemsSeen, replication.awaitInSync()]);
      copyChange.push(performance.now() - started);
      copyChangeBytes.push(desk.bytes);
      // Re-read: the same screens asked again after the same announcement.
      desk.bytes = 0;
      const rereadStarted = performance.now();
      await desk.call('cases.list', { status: 'all' });
      desk.knownItems();
      rereadChange.push(performance.now() - rereadStarted);
      rereadChangeBytes.push(desk.bytes);
    }
    const latestPrices = (rows: { itemCode: string; unitPrice: number }[]) => rows.map((row) => `${row.itemCode}@${row.unitPrice}`).sort();
    const onCopy = await database.bookings.find({ sort: [{ createdAt: 'desc' }] }).exec();
    const copyKnown = new Map<string, number>();
    for (const found of onCopy) if (!copyKnown.has(found.itemCode)) copyKnown.set(found.itemCode, found.unitPrice);
    const agreement: ReadModelAgreement = {
      casesOnCopy: (await database.cases.find().exec()).length,
      casesReread: ((await desk.call('cases.list', { status: 'all' })) as { ok: true; value: unknown[] }).value.length,
      bookingsOnCopy: onCopy.length,
      bookingsInReplica: (db.prepare('SELECT count(*) AS n FROM server_bookings').get() as { n: number }).n,
      knownItemsOnCopy: latestPrices([...copyKnown].map(([itemCode, unitPrice]) => ({ itemCode, unitPrice }))),
      knownItemsReread: latestPrices(desk.knownItems() as { itemCode: string; unitPrice: number }[]),
    };
    await replication.cancel();
    await database.remove();

    const results = {
      at: new Date().toISOString(),
      loadAverage: loadavg().map((value) => round(value, 2)),
      sizes: { families: familyCount, cases: caseCount, bookings: caseCount * bookingsPerCase, readModelDocuments: feedSizes },
      agreement,
      copy: {
        signInToInSyncMs: round(copyReadyMs),
        pulledMb: round(copyBytes / 1024 / 1024, 2),
        pullCalls: copyCalls,
        heapMb: round(heapWithCopy - heapBeforeCopy),
        firstCaseListAfterSyncMs: round(firstListOnCopyMs),
        queryMedianMs: {
          caseList: round(median(copyQueries.caseList)),
          knownItems: round(median(copyQueries.knownItems)),
          packages: round(median(copyQueries.packages)),
        },
        perChange: { medianMs: round(median(copyChange)), p95Ms: round(p95(copyChange)), medianKb: round(median(copyChangeBytes) / 1024) },
      },
      reread: {
        firstCaseListMs: round(firstCaseListMs),
        firstPackagesMs: round(packagesMs),
        firstKnownItemsMs: round(knownItemsMs),
        firstReadMb: round(firstReadBytes / 1024 / 1024, 2),
        heapMb: round(heapWithReads - heapBeforeReads),
        queryMedianMs: { caseList: round(median(rereadQueries.caseList)), knownItems: round(median(rereadQueries.knownItems)) },
        perChange: { medianMs: round(median(rereadChange)), p95Ms: round(p95(rereadChange)), medianKb: round(median(rereadChangeBytes) / 1024) },
      },
    };
    db.close();
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!gc) console.warn('run with node --expose-gc (npm run bench:read-model) for heap figures after a collection');
  const results = await measureReadModel(
    {
      families: Number(process.env.BENCH_FAMILIES ?? 20_000),
      cases: Number(process.env.BENCH_CASES ?? 3_000),
      bookingsPerCase: Number(process.env.BENCH_BOOKINGS_PER_CASE ?? 8),
      changes: 30,
      queryRepeats: 20,
    },
    (line) => console.log(line),
  );
  const { copy, reread } = results;
  console.table({
    'sign-in → case list shown (ms)': { copy: round(copy.signInToInSyncMs + copy.firstCaseListAfterSyncMs), reread: reread.firstCaseListMs },
    'bytes over the desk API at sign-in (MB)': { copy: copy.pulledMb, reread: reread.firstReadMb },
    'renderer heap kept (MB)': { copy: copy.heapMb, reread: reread.heapMb },
    'case list query, median (ms)': { copy: copy.queryMedianMs.caseList, reread: reread.queryMedianMs.caseList },
    'known items query, median (ms)': { copy: copy.queryMedianMs.knownItems, reread: reread.queryMedianMs.knownItems },
    'one booking → screens current, median (ms)': { copy: copy.perChange.medianMs, reread: reread.perChange.medianMs },
    'one booking → screens current, p95 (ms)': { copy: copy.perChange.p95Ms, reread: reread.perChange.p95Ms },
    'one booking → bytes moved, median (KB)': { copy: copy.perChange.medianKb, reread: reread.perChange.medianKb },
  });
  console.log(`load average during the run: ${results.loadAverage.join(' ')}`);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/read-model.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log('wrote bench-results/read-model.json');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
