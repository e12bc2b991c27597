import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KpiDashboardValue, KpiDrillDownValue } from '@contract/kpis';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { foldKpis } from './fold';

/**
 * Issue 15: each measure of docs/kpis.md on a small hand-made history with its expected numbers
 * written out, the incremental aggregates against a rebuild from the money rows, the drill-down
 * behind each point, who may read which perspective, and bad filters refused writing nothing.
 *
 * The history (amounts in minor units), all through the real commands:
 *   C1 hospital A, SB001A (Orthopaedics): lines 300,000 + 100,000; CPD full, full; paid.            clean
 *   C2 hospital A, SB001A: pre-auth queried once; lines 200,000 + 100,000; CPD full, partial 60,000
 *      (tariff-exceeded: 40,000 contractual); paid 260,000.                                         reworked
 *   C3 hospital A, MG006A (General Medicine): line 150,000; CPD deny (not-covered).                  denied
 *   C4 hospital B, SB001A: line 250,000; CEX processed, CPD not yet.                                 open
 *   C5 hospital A, MG006A: lines 100,000 + 50,000; CPD full, deny (insufficient-documents); unpaid.   open 100,000
 *   C6 hospital A, MG006A, still admitted: bookings 500,000 (the hold) + 80,000 (shortfall: the
 *      patient's); the patient pays 50,000 in cash.
 */
describeEachBackend('revenue-cycle KPIs (%s)', (backend) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const claims: Record<string, string> = {};
  const bookings: Record<string, string[]> = {};
  let deskB = '';
  let medcoB: OperatorSigner;

  const dashboard = async (user: string, query = ''): Promise<KpiDashboardValue> => {
    const answer = await server.get(tokens[user]!, `/reports/kpis${query}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as unknown as KpiDashboardValue;
  };
  const drill = async (user: string, query: string): Promise<KpiDrillDownValue> => {
    const answer = await server.get(tokens[user]!, `/reports/kpis/claims?${query}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as unknown as KpiDrillDownValue;
  };

  /** Admit, pre-authorize (queried first if asked), book, discharge and claim; returns the claim id. */
  const claimCase = async (
    desk: 'medco.a' | 'medco.b',
    name: string,
    memberId: string,
    packageCode: string,
    lines: number[],
    options: { queried?: boolean; submit?: boolean } = {},
  ): Promise<void> => {
    const caseId = randomUUID();
    resultOf(await server.command(tokens[desk]!, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
    resultOf(await server.command(tokens[desk]!, 'request-preauth', { caseId, packageCode }));
    if (options.queried) {
      resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId, decision: 'query', reason: 'Send the X-ray report' }));
      resultOf(await server.command(tokens[desk]!, 'respond-query', { caseId, response: 'Attached' }));
    }
    resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId, decision: 'approve' }));
    bookings[name] = [];
    for (const [index, unitPrice] of lines.entries()) {
      const bookingId = randomUUID();
      bookings[name].push(bookingId);
      resultOf(
        await server.command(tokens[desk]!, 'add-booking', { bookingId, caseId, itemCode: `ITEM${index}`, description: 'Service', quantity: 1, unitPrice }),
      );
    }
    claims[`${name}:case`] = caseId;
    if (options.submit === false) return;
    resultOf(await server.command(tokens[desk]!, 'discharge', { caseId }));
    const claimId = randomUUID();
    resultOf(await server.command(tokens[desk]!, 'submit-claim', { claimId, caseId, amount: lines.reduce((sum, line) => sum + line, 0) }));
    claims[name] = claimId;
  };
  type Line = { decision: 'full' | 'partial' | 'deny'; approvedAmount?: number; reasonCode?: 'tariff-exceeded' | 'not-covered' | 'insufficient-documents' };
  const adjudicate = async (name: string, decisions: Line[], options: { verify?: boolean } = {}) => {
    const lines = decisions.map((decision, index) => ({ bookingId: bookings[name]![index]!, ...decision }));
    resultOf(await server.command(tokens.cex!, 'process-claim', { claimId: claims[name]!, lines }));
    if (options.verify !== false) resultOf(await server.command(tokens.cpd!, 'verify-claim', { claimId: claims[name]!, lines }));
  };

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0, seedCover: 100_000_000 });
    for (const user of ['medco.a', 'medco.b', 'ppd', 'mc', 'admin', 'cex', 'cpd', 'aco', 'ha']) tokens[user] = await server.login(user);
    await claimCase('medco.a', 'C1', demoIds.father, 'SB001A', [300_000, 100_000]);
    await claimCase('medco.a', 'C2', demoIds.mother, 'SB001A', [200_000, 100_000], { queried: true });
    await claimCase('medco.a', 'C3', demoIds.son, 'MG006A', [150_000]);
    await claimCase('medco.b', 'C4', demoIds.daughter, 'SB001A', [250_000]);
    await claimCase('medco.a', 'C5', demoIds.father, 'MG006A', [100_000, 50_000]);
    await claimCase('medco.a', 'C6', demoIds.mother, 'MG006A', [500_000, 80_000], { submit: false });
    resultOf(await server.command(tokens['medco.a']!, 'take-payment', { paymentId: randomUUID(), caseId: claims['C6:case']!, amount: 50_000, method: 'cash' }));
    await adjudicate('C1', [{ decision: 'full' }, { decision: 'full' }]);
    await adjudicate('C2', [{ decision: 'full' }, { decision: 'partial', approvedAmount: 60_000, reasonCode: 'tariff-exceeded' }]);
    await adjudicate('C3', [{ decision: 'deny', reasonCode: 'not-covered' }]);
    await adjudicate('C4', [{ decision: 'full' }], { verify: false });
    await adjudicate('C5', [{ decision: 'full' }, { decision: 'deny', reasonCode: 'insufficient-documents' }]);
    resultOf(await server.command(tokens.aco!, 'approve-payment', { paymentId: randomUUID(), claimIds: [claims.C1!, claims.C2!] }));
    const ha = tokens.ha!;
    const issued = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    deskB = `Desk ${String(enrolled.body.credential)}`;
    medcoB = await registerOperatorKey(server, deskB, 'medco.b');
  });
  afterAll(async () => server?.close());

  it("the scheme's measures of the month, each formula's numbers written out", async () => {
    const answer = await dashboard('ha');
    expect(answer.perspective).toBe('scheme');
    const month = answer.months.at(-1)!;
    const today = month.days;
    expect(month.month).toBe(answer.filters.to);
    // Charges: the payer amounts of the 5 claims submitted: 400,000 + 300,000 + 150,000 + 250,000 + 150,000.
    expect(month.charges).toEqual({ claims: 5, amount: 1_250_000 });
    // Open at the end: charged − disallowed (40,000 + 150,000 + 50,000) − paid (400,000 + 260,000) = C4 + C5.
    expect(month.openReceivables).toBe(350_000);
    expect(month.daysInAccountsReceivable).toBeCloseTo(350_000 / (1_250_000 / today), 10);
    expect(month.collections).toEqual({
      paidClaims: 2,
      paidAmount: 660_000,
      cohortPaidAmount: 660_000,
      cohortContractualAmount: 40_000,
      grossCollectionRate: 660_000 / 1_250_000,
      netCollectionRate: 660_000 / (1_250_000 - 40_000),
    });
    expect(month.adjudication).toEqual({
      claims: 4,
      amount: 1_000_000,
      deniedClaims: 1,
      disallowedAmount: 240_000,
      contractualAmount: 40_000,
      cleanClaims: 1,
      reworkedClaims: 1,
      cleanClaimRate: 0.25,
      denialRateByCount: 0.25,
      denialRateByAmount: 0.24,
      reworkRate: 0.25,
    });
    // The patient's part: C6's shortfall 80,000, of which 50,000 paid.
    expect(month.patient).toEqual({ charged: 80_000, settled: 50_000, collectionRate: 0.625 });
    expect(answer.period.charges.amount).toBe(1_250_000);
    expect(answer.period.openReceivables).toBe(350_000);
    expect(answer.aging.buckets).toEqual([
      { bucket: '0-30', amount: 350_000, claims: 2 },
      { bucket: '31-60', amount: 0, claims: 0 },
      { bucket: '61-90', amount: 0, claims: 0 },
      { bucket: '91-120', amount: 0, claims: 0 },
      { bucket: '>120', amount: 0, claims: 0 },
    ]);
    expect(answer.aging.over90Share).toBe(0);
    expect(answer.denials.byReason).toEqual([
      { reasonCode: 'not-covered', lines: 1, amount: 150_000, share: 150_000 / 240_000 },
      { reasonCode: 'insufficient-documents', lines: 1, amount: 50_000, share: 50_000 / 240_000 },
      { reasonCode: 'tariff-exceeded', lines: 1, amount: 40_000, share: 40_000 / 240_000 },
    ]);
    expect(answer.denials.byPackage).toEqual([
      {
        package: 'MG006A',
        specialty: 'General Medicine',
        adjudicatedClaims: 2,
        adjudicatedAmount: 300_000,
        deniedClaims: 1,
        disallowedAmount: 200_000,
        denialRateByCount: 0.5,
        denialRateByAmount: 200_000 / 300_000,
      },
      {
        package: 'SB001A',
        specialty: 'Orthopaedics',
        adjudicatedClaims: 2,
        adjudicatedAmount: 700_000,
        deniedClaims: 0,
        disallowedAmount: 40_000,
        denialRateByCount: 0,
        denialRateByAmount: 40_000 / 700_000,
      },
    ]);
    expect(answer.denials.bySpecialty.map((row) => [row.specialty, row.adjudicatedClaims, row.disallowedAmount])).toEqual([
      ['General Medicine', 2, 200_000],
      ['Orthopaedics', 2, 40_000],
    ]);
    expect(answer.denials.byHospital.map((row) => [row.hospital, row.district, row.adjudicatedClaims, row.deniedClaims, row.disallowedAmount])).toEqual([
      ['HSP-A', 'Pune', 4, 1, 240_000],
    ]);
    // Earlier months of the default 12 have nothing: rates not available, never 0.
    const empty = answer.months[0]!;
    expect(empty.charges).toEqual({ claims: 0, amount: 0 });
    expect(empty.daysInAccountsReceivable).toBeNull();
    expect(empty.adjudication.cleanClaimRate).toBeNull();
    expect(empty.patient.collectionRate).toBeNull();
  });

  it('filters: hospital, district, specialty, package', async () => {
    const b = await dashboard('aco', '?hospital=HSP-B');
    expect(b.period.charges).toEqual({ claims: 1, amount: 250_000 });
    expect(b.period.openReceivables).toBe(250_000);
    // Nothing adjudicated at hospital B yet: its denial and clean-claim rates are not available.
    expect(b.period.adjudication.denialRateByCount).toBeNull();
    expect(b.period.adjudication.cleanClaimRate).toBeNull();
    const satara = await dashboard('ha', '?district=Satara');
    expect(satara.period.charges.amount).toBe(250_000);
    const medicine = await dashboard('ha', '?specialty=General%20Medicine');
    expect(medicine.period.charges).toEqual({ claims: 2, amount: 300_000 });
    expect(medicine.period.adjudication.disallowedAmount).toBe(200_000);
    expect(medicine.period.patient).toEqual({ charged: 80_000, settled: 50_000, collectionRate: 0.625 });
    const orthoAtA = await dashboard('ha', '?package=SB001A&hospital=HSP-A');
    expect(orthoAtA.period.charges).toEqual({ claims: 2, amount: 700_000 });
    expect(orthoAtA.period.collections.cohortPaidAmount).toBe(660_000);
    expect(orthoAtA.period.openReceivables).toBe(0);
    // A package outside the specialty selects nothing: zeros and rates not available.
    const none = await dashboard('ha', '?package=SB001A&specialty=General%20Medicine');
    expect(none.period.charges).toEqual({ claims: 0, amount: 0 });
    expect(none.period.collections.grossCollectionRate).toBeNull();
  });

  it('the folded aggregates equal the unfolded ones and a rebuild from the money rows', async () => {
    const before = await dashboard('ha');
    const [pending] = await server.scratch.db.query<{ count: number }>(
      `SELECT ((SELECT count(*) FROM kpi_month_deltas) + (SELECT count(*) FROM kpi_receivable_deltas) + (SELECT count(*) FROM kpi_disallowed_deltas)
               + (SELECT count(*) FROM turnaround_day_deltas))::int AS count`,
    );
    expect(pending!.count).toBeGreaterThan(9);
    // The fold moves the turnaround deltas too (migration 057).
    // In batches of 3 deltas per table (migration 046): many transactions, the same sums as one.
    expect(await foldKpis(server.scratch.db, { batchRows: 3 })).toBe(pending!.count);
    expect((await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM kpi_month_deltas'))[0]!.count).toBe(0);
    const folded = await dashboard('ha');
    expect({ ...folded, computedAt: null, asOf: null }).toEqual({ ...before, computedAt: null, asOf: null });
    const facts = async () =>
      server.scratch.db.query(
        `SELECT t, v FROM (SELECT 'm' AS t, to_jsonb(k) AS v FROM kpi_month k
           UNION ALL SELECT 'r', to_jsonb(k) FROM kpi_receivables k
           UNION ALL SELECT 'd', to_jsonb(k) FROM kpi_disallowed k) facts ORDER BY t, v::text`,
      );
    const incremental = await facts();
    await server.scratch.db.query('SELECT kpi_rebuild()');
    expect(await facts()).toEqual(incremental);
    // Every grain adds up to the same totals: all hospitals = the sum of each hospital's rows.
    const [grains] = await server.scratch.db.query<{ all: number; hospitals: number; packages: number; cells: number }>(
      `SELECT sum(submitted_amount) FILTER (WHERE hospital_id IS NULL AND package_code IS NULL)::bigint AS all,
              sum(submitted_amount) FILTER (WHERE hospital_id IS NOT NULL AND package_code IS NULL)::bigint AS hospitals,
              sum(submitted_amount) FILTER (WHERE hospital_id IS NULL AND package_code IS NOT NULL)::bigint AS packages,
              sum(submitted_amount) FILTER (WHERE hospital_id IS NOT NULL AND package_code IS NOT NULL)::bigint AS cells FROM kpi_month`,
    );
    expect(grains).toEqual({ all: 1_250_000, hospitals: 1_250_000, packages: 1_250_000, cells: 1_250_000 });
  });

  it('drill-down: the claims behind each point, paged', async () => {
    const idsOf = (answer: KpiDrillDownValue) => answer.items.map((item) => item.claimId).sort();
    const sorted = (...names: string[]) => names.map((name) => claims[name]!).sort();
    expect(idsOf(await drill('ha', 'set=submitted'))).toEqual(sorted('C1', 'C2', 'C3', 'C4', 'C5'));
    expect(idsOf(await drill('ha', 'set=adjudicated'))).toEqual(sorted('C1', 'C2', 'C3', 'C5'));
    expect(idsOf(await drill('ha', 'set=denied'))).toEqual(sorted('C3'));
    expect(idsOf(await drill('ha', 'set=disallowed'))).toEqual(sorted('C2', 'C3', 'C5'));
    expect(idsOf(await drill('ha', 'set=disallowed&reason=tariff-exceeded'))).toEqual(sorted('C2'));
    expect(idsOf(await drill('ha', 'set=clean'))).toEqual(sorted('C1'));
    expect(idsOf(await drill('ha', 'set=reworked'))).toEqual(sorted('C2'));
    expect(idsOf(await drill('ha', 'set=paid'))).toEqual(sorted('C1', 'C2'));
    const open = await drill('ha', 'set=open&bucket=0-30');
    expect(idsOf(open)).toEqual(sorted('C4', 'C5'));
    expect(open.items.map((item) => item.openAmount).sort()).toEqual([100_000, 250_000]);
    const c2 = (await drill('ha', 'set=reworked')).items[0]!;
    expect(c2).toMatchObject({
      hospital: 'HSP-A',
      package: 'SB001A',
      specialty: 'Orthopaedics',
      status: 'paid',
      payerAmount: 300_000,
      approvedAmount: 260_000,
    });
    expect(c2).toMatchObject({ disallowedAmount: 40_000, openAmount: 0, reasonCodes: ['tariff-exceeded'], isReworked: true });
    const first = await drill('ha', 'set=submitted&limit=2');
    const second = await drill('ha', 'set=submitted&limit=2&offset=2');
    const third = await drill('ha', 'set=submitted&limit=2&offset=4');
    expect([first.total, first.items.length, second.items.length, third.items.length]).toEqual([5, 2, 2, 1]);
    expect(new Set([...idsOf(first), ...idsOf(second), ...idsOf(third)]).size).toBe(5);
    const month = (await dashboard('ha')).filters.to;
    expect((await drill('ha', `set=submitted&month=${month}&hospital=HSP-B`)).items.map((item) => item.claimId)).toEqual([claims.C4]);
  });

  it("a hospital's own operators see their hospital, nobody else's", async () => {
    const own = await dashboard('medco.b');
    expect(own.perspective).toBe('hospital');
    expect(own.filters.hospital).toBe('HSP-B');
    expect(own.period.charges).toEqual({ claims: 1, amount: 250_000 });
    expect(own.denials.byHospital).toEqual([]);
    expect((await drill('medco.b', 'set=submitted')).items.map((item) => item.claimId)).toEqual([claims.C4]);
    const a = await dashboard('medco.a');
    expect(a.period.charges).toEqual({ claims: 4, amount: 1_000_000 });
    expect(a.period.patient.charged).toBe(80_000);
    // Attack: another hospital's operator names hospital A.
    for (const url of ['/reports/kpis?hospital=HSP-A', '/reports/kpis/claims?set=submitted&hospital=HSP-A']) {
      const refused = await server.get(tokens['medco.b']!, url);
      expect(refused.status, url).toBe(403);
      expect(refused.body).toMatchObject({ code: 'forbidden-role' });
      expect(String(refused.body.message)).toMatch(/own hospital/);
    }
  });

  it('payer roles that may not read the reports are refused, and so is nobody signed in', async () => {
    for (const user of ['ppd', 'mc', 'admin', 'cex', 'cpd']) {
      for (const url of ['/reports/kpis', '/reports/kpis/claims?set=submitted']) {
        const refused = await server.get(tokens[user]!, url);
        expect(refused.status, `${user} ${url}`).toBe(403);
        expect(refused.body.code).toBe('forbidden-role');
      }
    }
    expect((await server.raw('GET', '/reports/kpis')).status).toBe(401);
  });

  it("a desk reads its own hospital's reports with its operator's proof, and not without", async () => {
    const signed = (query: Record<string, string>) => Buffer.from(JSON.stringify(medcoB.requestProof('kpis', query))).toString('base64url');
    const proven = await server.raw('GET', `/sync/kpis?operatorId=${medcoB.operatorId}&package=SB001A`, {
      headers: { authorization: deskB, 'x-coverdesk-operator-proof': signed({ package: 'SB001A' }) },
    });
    expect(proven.status, JSON.stringify(proven.body)).toBe(200);
    expect(proven.body).toMatchObject({ perspective: 'hospital', filters: { hospital: 'HSP-B' }, period: { charges: { claims: 1, amount: 250_000 } } });
    const drilled = await server.raw('GET', `/sync/kpis/claims?operatorId=${medcoB.operatorId}&set=open`, {
      headers: { authorization: deskB, 'x-coverdesk-operator-proof': signed({ set: 'open' }) },
    });
    expect((drilled.body as unknown as KpiDrillDownValue).items.map((item) => item.claimId)).toEqual([claims.C4]);
    // Attack: the desk without its operator's proof.
    const bare = await server.raw('GET', `/sync/kpis?operatorId=${medcoB.operatorId}`, { headers: { authorization: deskB } });
    expect(bare.status).toBe(403);
    expect(bare.body.code).toBe('operator-proof-refused');
    // Attack: a proof of other filters than those asked for (a replayed header).
    const other = await server.raw('GET', `/sync/kpis?operatorId=${medcoB.operatorId}&hospital=HSP-A`, {
      headers: { authorization: deskB, 'x-coverdesk-operator-proof': signed({ package: 'SB001A' }) },
    });
    expect(other.status).toBe(403);
    // Attack: desk B's operator, with a valid proof, names hospital A.
    const elsewhere = await server.raw('GET', `/sync/kpis?operatorId=${medcoB.operatorId}&hospital=HSP-A`, {
      headers: { authorization: deskB, 'x-coverdesk-operator-proof': signed({ hospital: 'HSP-A' }) },
    });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.code).toBe('forbidden-role');
    // Attack: no desk credential at all.
    expect((await server.raw('GET', `/sync/kpis?operatorId=${medcoB.operatorId}`)).status).toBe(401);
  });

  it('bad filters are 400 with a code and a sentence, and write nothing', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const month = (await dashboard('ha')).filters.to;
    const [year, m] = month.split('-').map(Number);
    const next = m === 12 ? `${year! + 1}-01` : `${year}-${String(m! + 1).padStart(2, '0')}`;
    const bad: [string, RegExp][] = [
      ['/reports/kpis?from=2026-13', /from/],
      ['/reports/kpis?to=26-01', /to/],
      [`/reports/kpis?from=${month}&to=2020-01`, /swap/],
      [`/reports/kpis?to=${next}`, /after the current month/],
      ['/reports/kpis?from=2020-01&to=2024-01', /longer than 36 months/],
      ['/reports/kpis?hospital=HSP-Z', /no hospital with the code HSP-Z/],
      ['/reports/kpis?district=Atlantis', /No hospital is in the district Atlantis/],
      ['/reports/kpis?specialty=Alchemy', /no specialty Alchemy/],
      ['/reports/kpis?package=ZZ999Z', /no package with the code ZZ999Z/],
      ['/reports/kpis?hospital=HSP-A;DROP', /hospital/],
      ['/reports/kpis?colour=red', /unknown field colour/],
      ['/reports/kpis/claims', /set is required/],
      ['/reports/kpis/claims?set=everything', /set/],
      ['/reports/kpis/claims?set=paid&limit=0', /1 to 500/],
      ['/reports/kpis/claims?set=paid&limit=9999', /limit/],
      ['/reports/kpis/claims?set=paid&bucket=0-30', /set=open/],
      ['/reports/kpis/claims?set=open&reason=other', /set=disallowed/],
      ['/reports/kpis/claims?set=open&month=2026-01', /end of the period/],
      [`/reports/kpis/claims?set=paid&month=2020-01&to=${month}`, /outside the period/],
    ];
    for (const [url, sentence] of bad) {
      const answer = await server.get(tokens.ha!, url);
      expect(answer.status, url).toBe(400);
      expect(answer.body.code, url).toBe('invalid-input');
      expect(String(answer.body.message), url).toMatch(sentence);
    }
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });

  it('aging and days in A/R across months: a history moved back in time and rebuilt', async () => {
    // Move C4's submission 100 days back and C5's 45 days back (noon in the scheme's time zone),
    // then recompute the aggregates from the rows: as if those claims had come in then.
    await server.scratch.db.query(
      `UPDATE claims SET submitted_at = (((now() AT TIME ZONE 'Asia/Kolkata')::date - $2::int)::timestamp + interval '12 hours') AT TIME ZONE 'Asia/Kolkata' WHERE id = $1`,
      [claims.C4!, 100],
    );
    await server.scratch.db.query(
      `UPDATE claims SET submitted_at = (((now() AT TIME ZONE 'Asia/Kolkata')::date - $2::int)::timestamp + interval '12 hours') AT TIME ZONE 'Asia/Kolkata' WHERE id = $1`,
      [claims.C5!, 45],
    );
    await server.scratch.db.query('SELECT kpi_rebuild()');
    const answer = await dashboard('ha', '');
    expect(answer.aging.buckets).toEqual([
      { bucket: '0-30', amount: 0, claims: 0 },
      { bucket: '31-60', amount: 100_000, claims: 1 },
      { bucket: '61-90', amount: 0, claims: 0 },
      { bucket: '91-120', amount: 250_000, claims: 1 },
      { bucket: '>120', amount: 0, claims: 0 },
    ]);
    expect(answer.aging.over90Share).toBeCloseTo(250_000 / 350_000, 12);
    expect((await drill('ha', 'set=open&bucket=91-120')).items.map((item) => [item.claimId, item.ageDays, item.openAmount])).toEqual([
      [claims.C4, 100, 250_000],
    ]);
    // Each claim's charge is in its submission month, and each month end's open receivables add up the flows.
    const [c4Month, c5Month] = await server.scratch.db.query<{ month: string }>(
      `SELECT to_char(submitted_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM') AS month FROM claims WHERE id = ANY($1::uuid[]) ORDER BY submitted_at`,
      [[claims.C4!, claims.C5!]],
    );
    const byMonth = new Map(answer.months.map((row) => [row.month, row]));
    const c4 = byMonth.get(c4Month!.month)!;
    const c5 = byMonth.get(c5Month!.month)!;
    // 100 and 45 days back are two different months, both before this one.
    expect(c4.charges).toEqual({ claims: 1, amount: 250_000 });
    expect(c4.openReceivables).toBe(250_000);
    // Only C4 open at its month's end, and only its charge in the month: days in A/R = the month's days.
    expect(c4.daysInAccountsReceivable).toBeCloseTo(c4.days, 10);
    expect(c5.charges).toEqual({ claims: 1, amount: 150_000 });
    // C5 is decided this month: at the end of its own month it was open whole.
    expect(c5.openReceivables).toBe(400_000);
    expect(answer.months.at(-1)!.charges).toEqual({ claims: 3, amount: 850_000 });
    expect(answer.months.reduce((sum, row) => sum + row.charges.amount, 0)).toBe(1_250_000);
    expect(answer.months.at(-1)!.openReceivables).toBe(350_000);
    // Days in A/R of the period: open at its end ÷ (the period's charges ÷ its days).
    expect(answer.period.daysInAccountsReceivable).toBeCloseTo(350_000 / (1_250_000 / answer.period.days), 10);
  });
});
