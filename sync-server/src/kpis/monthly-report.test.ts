import { randomUUID } from 'node:crypto';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KpiDashboardValue } from '@contract/kpis';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

/**
 * Issue 15, "Reports": the printable monthly report, read back as text by pdf.js (through unpdf,
 * someone else's parser), with every figure of a small history written out. The history (amounts
 * in minor units, INR at 100 to the rupee, locale en-IN), all this month through the real commands:
 *   C1 hospital A, SB001A: 300,000 + 100,000, approved in full, paid.                 clean
 *   C2 hospital A, SB001A, pre-auth queried: 200,000 + 100,000, the second line cut to 60,000
 *      (tariff-exceeded), paid 260,000.                                                   reworked
 *   C3 hospital A, MG006A: 150,000, denied (not-covered).
 *   C4 hospital B, SB001A: 250,000, submitted, not decided.                              open
 * No patient owes anything (the cover is large): the patient collection rate is not available.
 */
describeEachBackend('monthly KPI report PDF (%s)', (backend) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  let month = '';
  let dashboard: KpiDashboardValue;

  const fetchPdf = async (user: string | null, query: string) =>
    server.app.inject({
      method: 'GET',
      url: `/reports/kpis/monthly.pdf?${query}`,
      headers: user === null ? {} : { authorization: `Bearer ${tokens[user]!}` },
    });
  /** The PDF's text, whitespace collapsed, and its page count. */
  const textOf = async (user: string, query: string): Promise<{ pages: number; text: string }> => {
    const response = await fetchPdf(user, query);
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    const document = await getDocumentProxy(new Uint8Array(response.rawPayload));
    const { totalPages, text } = await extractText(document, { mergePages: true });
    return { pages: totalPages, text: text.replace(/\s+/g, ' ') };
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
    dashboard = (await server.get(tokens.ha!, '/reports/kpis')).body as unknown as KpiDashboardValue;
    month = dashboard.filters.to;
  }, 300_000);
  afterAll(async () => server?.close());

  const monthName = () => new Intl.DateTimeFormat('en-IN', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));

  it("the scheme's report: title, headline measures with their numbers, aging, Pareto, turnaround, patient collection, pages", async () => {
    const response = await fetchPdf('ha', `month=${month}`);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="kpis-monthly-${month}.pdf"`);
    const { pages, text } = await textOf('ha', `month=${month}`);
    const days = dashboard.months.at(-1)!.days;
    const asOfDate = dashboard.aging.asOfDate;
    const daysInAR = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(250_000 / (1_100_000 / days));
    for (const expected of [
      `Revenue-cycle report, ${monthName()}`,
      'Family Health Scheme (demo) - all hospitals',
      "The scheme's perspective: every hospital.",
      '(the month is not over)',
      // Charges 1,100,000; paid 400,000 + 260,000; open = 1,100,000 − 190,000 disallowed − 660,000 paid = C4's 250,000.
      'Measure Value Numerator Denominator',
      'Charges INR 11,000.00 4 claims submitted -',
      'Paid in the month INR 6,600.00 2 claims paid -',
      `Open receivables INR 2,500.00 1 claim open on ${asOfDate} -`,
      `Days in A/R ${daysInAR} INR 2,500.00 INR 11,000.00 over ${days} days`,
      'Share over 90 days 0.0% INR 0.00 INR 2,500.00',
      'Gross collection rate 60.0% INR 6,600.00 INR 11,000.00',
      // Net: 660,000 ÷ (1,100,000 − 40,000 cut to the package tariff).
      'Net collection rate 62.3% INR 6,600.00 INR 10,600.00',
      'Clean-claim (first-pass) rate 33.3% 1 claim clean 3 claims adjudicated',
      'Denial rate, count 33.3% 1 claim denied 3 claims adjudicated',
      'Denial rate, amount 22.4% INR 1,900.00 INR 8,500.00',
      'Rework rate 33.3% 1 claim reworked 3 claims adjudicated',
      'Patient collection rate not available INR 0.00 INR 0.00',
      'Age Claims Open amount Share of open receivables',
      '0–30 days 1 INR 2,500.00 100.0%',
      '31–60 days 0 INR 0.00 0.0%',
      'Over 120 days 0 INR 0.00 0.0%',
      'Reason Lines Amount disallowed Share Cumulative share',
      'Not covered by the scheme 1 INR 1,500.00 78.9% 78.9%',
      'Above the package tariff 1 INR 400.00 21.1% 100.0%',
      // Four pre-auths decided (C2's after its query), three claims processed and verified, two paid; C4 waits on CEX.
      'Pre-auth decision PPD 6 h 4 0 min 0 min 0 100.0% 0 0',
      'Committee MC 1 d 0 not available not available 0 not available 0 0',
      'Claim processing (CEX) CEX 7 d 3 0 min 0 min 0 100.0% 1 0',
      'Claim verification (CPD) CPD 7 d 3 0 min 0 min 0 100.0% 0 0',
      'Payment ACO 15 d 2 0 min 0 min 0 100.0% 0 0',
      'All INR 0.00 INR 0.00 INR 0.00 not available',
      `Page 1 of ${pages}`,
      `Page ${pages} of ${pages}`,
    ])
      expect(text).toContain(expected);
    expect(text).toMatch(/Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    expect(pages).toBeGreaterThanOrEqual(1);
  });

  it("a hospital's report: its own operators get their hospital, HA may name one, nobody reaches another's", async () => {
    const own = await textOf('medco.a', `month=${month}`);
    expect(own.text).toContain("The hospital's own report.");
    expect(own.text).toMatch(/Hospital HSP-A - [^,]+, Pune/);
    expect(own.text).toContain('Charges INR 8,500.00 3 claims submitted -');
    expect(own.text).toContain('Open receivables INR 0.00 0 claims open');
    expect(own.text).toContain('Share over 90 days not available INR 0.00 INR 0.00');
    const b = await textOf('medco.b', `month=${month}&hospital=HSP-B`);
    expect(b.text).toContain('Charges INR 2,500.00 1 claim submitted -');
    expect(b.text).toContain('Nothing was disallowed in the month.');
    // C4 is B's: its claim is open with CEX, and B's pre-auth decision is the only one completed.
    expect(b.text).toContain('Pre-auth decision PPD 6 h 1 0 min 0 min 0 100.0% 0 0');
    expect(b.text).toContain('Claim processing (CEX) CEX 7 d 0 not available not available 0 not available 1 0');
    const named = await textOf('aco', `month=${month}&hospital=HSP-B`);
    expect(named.text).toContain('Charges INR 2,500.00 1 claim submitted -');
    expect((await fetchPdf('aco', `month=${month}&hospital=HSP-B`)).headers['content-disposition']).toBe(
      `attachment; filename="kpis-monthly-${month}-HSP-B.pdf"`,
    );

    // Attack: hospital B's operator asks for hospital A's report.
    const elsewhere = await fetchPdf('medco.b', `month=${month}&hospital=HSP-A`);
    expect(elsewhere.statusCode).toBe(403);
    expect(JSON.parse(elsewhere.body)).toMatchObject({ code: 'forbidden-role' });
    expect(String(JSON.parse(elsewhere.body).message)).toMatch(/own hospital/);
    // Roles that read no revenue-cycle report, and nobody signed in.
    for (const user of ['ppd', 'cex', 'cpd']) {
      const refused = await fetchPdf(user, `month=${month}`);
      expect(refused.statusCode, user).toBe(403);
      expect(JSON.parse(refused.body).code, user).toBe('forbidden-role');
    }
    expect((await fetchPdf(null, `month=${month}`)).statusCode).toBe(401);
  });

  it('a month long past prints zeros and "not available", not an error', async () => {
    const { text } = await textOf('ha', 'month=2024-01');
    expect(text).toContain('Revenue-cycle report, January 2024');
    expect(text).toContain('Charges INR 0.00 0 claims submitted -');
    expect(text).toContain('Days in A/R not available INR 0.00 INR 0.00 over 31 days');
    expect(text).not.toContain('the month is not over');
    expect(text).toContain('Open receivables and aging as of 2024-01-31');
  });

  it('a bad month or filter is 400 with a code and a sentence, and writes nothing', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const [year, m] = month.split('-').map(Number);
    const next = m === 12 ? `${year! + 1}-01` : `${year}-${String(m! + 1).padStart(2, '0')}`;
    const bad: [string, RegExp][] = [
      ['', /month is required/],
      ['month=2026-13', /month/],
      ['month=March', /month/],
      ['month=2026-3', /month/],
      [`month=${next}`, /after the current month/],
      [`month=${month}&hospital=HSP-Z`, /no hospital with the code HSP-Z/],
      [`month=${month}&hospital=HSP-A;DROP`, /hospital/],
      [`month=${month}&from=2026-01`, /unknown field from/],
    ];
    for (const [query, sentence] of bad) {
      const response = await fetchPdf('ha', query);
      expect(response.statusCode, query).toBe(400);
      const body = JSON.parse(response.body) as { code: string; message: string };
      expect(body.code, query).toBe('invalid-input');
      expect(body.message, query).toMatch(sentence);
    }
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });
});
