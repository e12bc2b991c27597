import { randomUUID } from 'node:crypto';
import readXlsxFile from 'read-excel-file/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KpiDashboardValue, KpiDrillDownValue, KpiFilterChoicesValue } from '@contract/kpis';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

/**
 * Issue 15, "Export": every table behind a dashboard chart as CSV and XLSX, with the dashboard's
 * filters and readers, and the filters' choices. A small history through the real commands
 * (amounts in minor units, INR at 100 to the rupee):
 *   C1 hospital A, SB001A: 300,000 + 100,000, approved in full, paid.                 clean
 *   C2 hospital A, SB001A, pre-auth queried: 200,000 + 100,000, the second line cut to 60,000
 *      (tariff-exceeded), paid 260,000.                                                   reworked
 *   C3 hospital A, MG006A: 150,000, denied (not-covered).
 *   C4 hospital B, SB001A: 250,000, submitted, not decided.                              open
 * No patient owes anything (the cover is large): the patient collection rate is not available.
 * The XLSX is read back with read-excel-file, a reader that shares no code with the writer.
 */
describeEachBackend('KPI exports and filter choices (%s)', (backend) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  let month = '';

  const download = async (user: string, query: string) => {
    const response = await server.app.inject({ method: 'GET', url: `/reports/kpis/export?${query}`, headers: { authorization: `Bearer ${tokens[user]!}` } });
    return response;
  };
  const csvRows = (body: string): string[][] => {
    expect(body.startsWith('\uFEFF')).toBe(true);
    // No field of these tables holds a comma or a quote, so a split is a faithful parse here.
    return body
      .slice(1)
      .split('\r\n')
      .filter((line) => line !== '')
      .map((line) => line.split(','));
  };

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0, seedCover: 100_000_000 });
    for (const user of ['medco.a', 'medco.b', 'ppd', 'cex', 'cpd', 'aco', 'ha']) tokens[user] = await server.login(user);
    const claim = async (desk: 'medco.a' | 'medco.b', memberId: string, packageCode: string, lines: number[], isQueried = false) => {
      const caseId = randomUUID();
      resultOf(await server.command(tokens[desk]!, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
      resultOf(await server.command(tokens[desk]!, 'request-preauth', { caseId, packageCode }));
      if (isQueried) {
        resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId, decision: 'query', reason: 'Send the X-ray report' }));
        resultOf(await server.command(tokens[desk]!, 'respond-query', { caseId, response: 'Attached' }));
      }
      resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId, decision: 'approve' }));
      const bookingIds: string[] = [];
      for (const [index, unitPrice] of lines.entries()) {
        const bookingId = randomUUID();
        bookingIds.push(bookingId);
        resultOf(
          await server.command(tokens[desk]!, 'add-booking', { bookingId, caseId, itemCode: `ITEM${index}`, description: 'Service', quantity: 1, unitPrice }),
        );
      }
      resultOf(await server.command(tokens[desk]!, 'discharge', { caseId }));
      const claimId = randomUUID();
      resultOf(await server.command(tokens[desk]!, 'submit-claim', { claimId, caseId, amount: lines.reduce((sum, line) => sum + line, 0) }));
      return { claimId, bookingIds };
    };
    type Line = { decision: 'full' | 'partial' | 'deny'; approvedAmount?: number; reasonCode?: 'tariff-exceeded' | 'not-covered' };
    const decide = async (made: { claimId: string; bookingIds: string[] }, decisions: Line[]) => {
      const lines = decisions.map((decision, index) => ({ bookingId: made.bookingIds[index]!, ...decision }));
      resultOf(await server.command(tokens.cex!, 'process-claim', { claimId: made.claimId, lines }));
      resultOf(await server.command(tokens.cpd!, 'verify-claim', { claimId: made.claimId, lines }));
    };
    const c1 = await claim('medco.a', demoIds.father, 'SB001A', [300_000, 100_000]);
    const c2 = await claim('medco.a', demoIds.mother, 'SB001A', [200_000, 100_000], true);
    const c3 = await claim('medco.a', demoIds.son, 'MG006A', [150_000]);
    await claim('medco.b', demoIds.daughter, 'SB001A', [250_000]);
    await decide(c1, [{ decision: 'full' }, { decision: 'full' }]);
    await decide(c2, [{ decision: 'full' }, { decision: 'partial', approvedAmount: 60_000, reasonCode: 'tariff-exceeded' }]);
    await decide(c3, [{ decision: 'deny', reasonCode: 'not-covered' }]);
    resultOf(await server.command(tokens.aco!, 'approve-payment', { paymentId: randomUUID(), claimIds: [c1.claimId, c2.claimId] }));
    const answer = await server.get(tokens.ha!, '/reports/kpis');
    month = (answer.body as unknown as KpiDashboardValue).filters.to;
  }, 300_000);
  afterAll(async () => server?.close());

  it("the trend table as CSV: the month's figures written out, money in rupees, rates in per cent, no patient data is not available", async () => {
    const dashboard = (await server.get(tokens.ha!, '/reports/kpis')).body as unknown as KpiDashboardValue;
    expect(dashboard.minorPerUnit).toBe(100);
    const response = await download('ha', 'table=trend&format=csv');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="kpis-trend-\d{4}-\d{2}-to-\d{4}-\d{2}\.csv"$/);
    const rows = csvRows(response.body);
    expect(rows[0]).toEqual([
      'Month',
      'Claims submitted',
      'Charges (INR)',
      'Paid in the month (INR)',
      'Open receivables at month end (INR)',
      'Days in A/R (days)',
      'Gross collection rate (%)',
      'Net collection rate (%)',
      'Claims adjudicated',
      'Clean-claim rate (%)',
      'Denial rate by count (%)',
      'Denial rate by amount (%)',
      'Rework rate (%)',
      'Patient charges (INR)',
      'Patient settled (INR)',
      'Patient collection rate (%)',
    ]);
    expect(rows).toHaveLength(13); // the header and 12 months
    const days = dashboard.months.at(-1)!.days;
    // Charges 1,100,000; paid 400,000 + 260,000; open = 1,100,000 − 190,000 disallowed − 660,000 paid = C4's 250,000.
    // Gross 660,000 / 1,100,000; net 660,000 / (1,100,000 − 40,000 tariff); clean C1, denied C3, reworked C2 of 3;
    // denied by amount 190,000 / 850,000.
    expect(rows.at(-1)).toEqual([
      month,
      '4',
      '11000.00',
      '6600.00',
      '2500.00',
      (250_000 / (1_100_000 / days)).toFixed(1),
      '60.0',
      '62.3',
      '3',
      '33.3',
      '33.3',
      '22.4',
      '33.3',
      '0.00',
      '0.00',
      'not available',
    ]);
    // A month with nothing: zeros where something is counted, "not available" where a rate (or days in A/R) has no denominator.
    expect(rows[1]!.slice(1)).toEqual([
      '0',
      '0.00',
      '0.00',
      '0.00',
      ...Array(3).fill('not available'),
      '0',
      ...Array(4).fill('not available'),
      '0.00',
      '0.00',
      'not available',
    ]);
  });

  it('aging and the denial Pareto as CSV, and a hospital, district or package filter', async () => {
    const aging = csvRows((await download('ha', 'table=aging&format=csv')).body);
    expect(aging).toEqual([
      ['Age', 'Claims', 'Open amount (INR)', 'Share of open receivables (%)'],
      ['0–30 days', '1', '2500.00', '100.0'],
      ['31–60 days', '0', '0.00', '0.0'],
      ['61–90 days', '0', '0.00', '0.0'],
      ['91–120 days', '0', '0.00', '0.0'],
      ['Over 120 days', '0', '0.00', '0.0'],
    ]);
    const pareto = csvRows((await download('aco', 'table=denial-reasons&format=csv')).body);
    expect(pareto).toEqual([
      ['Reason', 'Lines', 'Amount disallowed (INR)', 'Share (%)', 'Cumulative share (%)'],
      ['Not covered by the scheme', '1', '1500.00', '78.9', '78.9'],
      ['Above the package tariff', '1', '400.00', '21.1', '100.0'],
    ]);
    // Hospital B has no adjudicated claim: no reason, no row.
    expect(csvRows((await download('ha', 'table=denial-reasons&format=csv&hospital=HSP-B')).body)).toHaveLength(1);
    const byPackage = csvRows((await download('ha', 'table=denials-by-package&format=csv&package=MG006A')).body);
    expect(byPackage.slice(1)).toEqual([['MG006A', 'General Medicine', '1', '1500.00', '1', '1500.00', '100.0', '100.0']]);
    const response = await download('ha', 'table=denials-by-hospital&format=csv&hospital=HSP-A');
    expect(response.headers['content-disposition']).toMatch(/filename="kpis-denials-by-hospital-.*-HSP-A\.csv"/);
  });

  it('XLSX: the same cells, read back by another library; numbers are numbers and rates fractions', async () => {
    const response = await download('ha', 'table=trend&format=xlsx');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const sheets = await readXlsxFile(response.rawPayload);
    expect(sheets.map((sheet) => sheet.sheet)).toEqual(['Revenue cycle by month', 'About']);
    const [header, ...months] = sheets[0]!.data;
    expect(header![2]).toBe('Charges (INR)');
    const last = months.at(-1)!;
    expect(last.slice(0, 5)).toEqual([month, 4, 11_000, 6_600, 2_500]);
    expect(last[6]).toBeCloseTo(0.6, 10);
    expect(last[11]).toBeCloseTo(190_000 / 850_000, 10);
    expect(last[15]).toBe('not available');
    expect(sheets[1]!.data).toContainEqual(['Perspective', 'scheme']);

    const turnaround = await readXlsxFile((await download('ha', 'table=turnaround&format=xlsx')).rawPayload);
    const [stageHeader, ...stages] = turnaround[0]!.data;
    expect(stageHeader!.slice(0, 4)).toEqual(['Stage', 'Owner', 'Service level (minutes)', 'Completed']);
    const verification = stages.find((row) => row[0] === 'Claim verification (CPD)')!;
    expect(verification.slice(1, 4)).toEqual(['CPD', 7 * 24 * 60, 3]);
    expect(stages).toHaveLength(7);
  });

  const downloadClaims = async (user: string, query: string) =>
    server.app.inject({ method: 'GET', url: `/reports/kpis/claims/export?${query}`, headers: { authorization: `Bearer ${tokens[user]!}` } });
  const claimHeader = [
    'Claim',
    'Case',
    'Hospital',
    'District',
    'Package',
    'Specialty',
    'Status',
    'Submitted at (UTC)',
    'Verified at (UTC)',
    'Paid at (UTC)',
    'Claimed (INR)',
    'Approved (INR)',
    'Disallowed (INR)',
    'Open (INR)',
    'Age (days)',
    'Reasons',
    'Reworked',
  ];

  it('the claims behind a point as CSV: every claim of the drill-down, in its order, with its figures', async () => {
    const drill = (await server.get(tokens.ha!, '/reports/kpis/claims?set=disallowed')).body as unknown as KpiDrillDownValue;
    const response = await downloadClaims('ha', 'set=disallowed&format=csv');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="kpis-claims-disallowed-${drill.filters.from}-to-${month}.csv"`);
    const [header, ...rows] = csvRows(response.body);
    expect(header).toEqual(claimHeader);
    expect(rows.map((row) => row[0])).toEqual(drill.items.map((item) => item.claimId));
    // C2 (cut 40,000 for the tariff, paid 260,000, its pre-auth queried) and C3 (denied 150,000), in the order CPD verified them.
    expect(rows.map((row) => [row[2], row[4], row[5], row[6], ...row.slice(10)])).toEqual([
      ['HSP-A', 'SB001A', 'Orthopaedics', 'paid', '3000.00', '2600.00', '400.00', '0.00', '0', 'Above the package tariff', 'yes'],
      ['HSP-A', 'MG006A', 'General Medicine', 'denied', '1500.00', '0.00', '1500.00', '0.00', '0', 'Not covered by the scheme', 'no'],
    ]);
    expect(rows[0]![9]).toBe(drill.items[0]!.paidAt);
    expect(rows[1]![9]).toBe('');
    // A point within the set (one reason), and a hospital reader's own claims only.
    expect(
      csvRows((await downloadClaims('aco', `set=disallowed&reason=not-covered&month=${month}&format=csv`)).body)
        .slice(1)
        .map((row) => row[6]),
    ).toEqual(['denied']);
    const own = csvRows((await downloadClaims('medco.a', 'set=submitted&format=csv')).body).slice(1);
    expect(own.map((row) => row[2])).toEqual(['HSP-A', 'HSP-A', 'HSP-A']);
    const elsewhere = await downloadClaims('medco.a', 'set=submitted&format=csv&hospital=HSP-B');
    expect(elsewhere.statusCode).toBe(403);
    expect(JSON.parse(elsewhere.body).code).toBe('forbidden-role');
    const refused = await downloadClaims('ppd', 'set=submitted&format=csv');
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body).code).toBe('forbidden-role');
  });

  it('the claims behind a point as XLSX: amounts are numbers, what is not decided is said so, and the About sheet names the point', async () => {
    const response = await downloadClaims('ha', 'set=open&bucket=0-30&format=xlsx');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(response.headers['content-disposition']).toMatch(/filename="kpis-claims-open-0-30-\d{4}-\d{2}-to-\d{4}-\d{2}\.xlsx"/);
    const sheets = await readXlsxFile(response.rawPayload);
    expect(sheets.map((sheet) => sheet.sheet)).toEqual(['Claims', 'About']);
    const [header, ...rows] = sheets[0]!.data;
    expect(header).toEqual(claimHeader);
    // C4, hospital B's 250,000, submitted and not decided: open whole.
    expect(rows).toHaveLength(1);
    expect([rows[0]![2], rows[0]![6], ...rows[0]!.slice(10, 15)]).toEqual(['HSP-B', 'submitted', 2_500, 'not available', 0, 2_500, 0]);
    expect(sheets[1]!.data).toContainEqual(['Claims', '1']);
    expect(String(sheets[1]!.data[0]![0])).toMatch(/^Claims open 0–30 days on \d{4}-\d{2}-\d{2}$/);
  });

  it("filter choices: the scheme's for HA and ACO, a desk operator's own hospital only", async () => {
    const scheme = (await server.get(tokens.aco!, '/reports/kpis/filters')).body as unknown as KpiFilterChoicesValue;
    expect(scheme.perspective).toBe('scheme');
    expect(scheme.currentMonth).toBe(month);
    expect(scheme.hospitals.map((h) => h.code)).toEqual(expect.arrayContaining(['HSP-A', 'HSP-B']));
    expect(scheme.specialties).toEqual(expect.arrayContaining(['General Medicine', 'Orthopaedics']));
    expect(scheme.packages.find((p) => p.code === 'SB001A')?.specialty).toBe('Orthopaedics');
    const own = (await server.get(tokens['medco.a']!, '/reports/kpis/filters')).body as unknown as KpiFilterChoicesValue;
    expect(own.perspective).toBe('hospital');
    expect(own.hospitals.map((h) => h.code)).toEqual(['HSP-A']);
    expect(own.districts).toEqual([own.hospitals[0]!.district]);
    // Their export is their hospital's: C1–C3, not B's C4.
    const rows = csvRows((await download('medco.a', 'table=trend&format=csv')).body);
    expect(rows.at(-1)!.slice(0, 3)).toEqual([month, '3', '8500.00']);
    const elsewhere = await download('medco.a', 'table=trend&format=csv&hospital=HSP-B');
    expect(elsewhere.statusCode).toBe(403);
    expect(JSON.parse(elsewhere.body).code).toBe('forbidden-role');
    for (const url of ['/reports/kpis/filters', '/reports/kpis/export?table=aging&format=csv']) {
      const refused = await server.get(tokens.ppd!, url);
      expect(refused.status, url).toBe(403);
      expect(refused.body.code, url).toBe('forbidden-role');
      expect((await server.raw('GET', url)).status, url).toBe(401);
    }
  });

  it('bad exports are 400 with a code and a sentence, and write nothing', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const bad: [string, RegExp][] = [
      ['table=pie&format=csv', /table/],
      ['table=trend&format=pdf', /format/],
      ['format=csv', /table is required/],
      ['table=trend', /format is required/],
      ['table=trend&format=csv&from=2026-13', /from/],
      [`table=trend&format=csv&from=${month}&to=2020-01`, /swap/],
      ['table=trend&format=csv&hospital=HSP-Z', /no hospital with the code HSP-Z/],
      ['table=aging&format=xlsx&specialty=Alchemy', /no specialty Alchemy/],
      ['table=aging&format=xlsx&set=open', /unknown field set/],
      ['claims:format=csv', /set is required/],
      ['claims:set=submitted', /format is required/],
      ['claims:set=everything&format=csv', /set/],
      ['claims:set=open&reason=other&format=csv', /set=disallowed/],
      ['claims:set=paid&bucket=0-30&format=xlsx', /set=open/],
      ['claims:set=paid&format=csv&limit=5', /unknown field limit/],
      ['claims:set=paid&format=csv&hospital=HSP-Z', /no hospital with the code HSP-Z/],
      ['claims:set=paid&month=2020-01&format=csv', /outside the period/],
    ];
    for (const [query, sentence] of bad) {
      const response = query.startsWith('claims:') ? await downloadClaims('ha', query.slice('claims:'.length)) : await download('ha', query);
      expect(response.statusCode, query).toBe(400);
      const body = JSON.parse(response.body) as { code: string; message: string };
      expect(body.code, query).toBe('invalid-input');
      expect(body.message, query).toMatch(sentence);
    }
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });
});
