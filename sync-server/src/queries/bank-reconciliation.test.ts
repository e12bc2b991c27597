import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { hasPostgres } from '../testing/databases';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

/**
 * Reconciliation against the bank (issue 15, migration 048). Four real payments, each one claim of
 * 1,000.00 paid through the commands: the father's (A), the mother's (B, 100.00 deducted: net
 * 900.00), the son's (B) and the daughter's (A). The bank's statement credits the father's in full,
 * the mother's 800.00 (short by 100.00), the son's twice (the second a duplicate), nothing to the
 * daughter's, and 500.00 to a reference no payment has.
 */
describeEachBackend('reconciliation against the bank (%s)', (backend) => {
  let server: TestServer;
  let aco: string;
  let ha: string;
  const references: Record<'father' | 'mother' | 'son' | 'daughter', string> = { father: '', mother: '', son: '', daughter: '' };
  const paymentIds: Record<string, string> = {};

  const pay = async (member: keyof typeof references, memberId: string, desk: string, deductions: number) => {
    const medco = await server.login(desk);
    const ppd = await server.login('ppd');
    const caseId = randomUUID();
    resultOf(await server.command(medco, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medco, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve-lower', amount: 150_000, reason: 'Short stay expected' }));
    const bookingId = randomUUID();
    resultOf(await server.command(medco, 'add-booking', { bookingId, caseId, itemCode: 'WARD', description: 'Ward stay', quantity: 1, unitPrice: 100_000 }));
    resultOf(await server.command(medco, 'discharge', { caseId }));
    const claimId = randomUUID();
    resultOf(await server.command(medco, 'submit-claim', { claimId, caseId, amount: 100_000 }));
    const lines = [{ bookingId, decision: 'full' as const }];
    resultOf(await server.command(await server.login('cex'), 'process-claim', { claimId, lines }));
    resultOf(await server.command(await server.login('cpd'), 'verify-claim', { claimId, lines }));
    const paymentId = randomUUID();
    const payment = resultOf(await server.command(aco, 'approve-payment', { paymentId, claimIds: [claimId], deductions }));
    references[member] = payment.reference as string;
    paymentIds[member] = paymentId;
  };

  const csv = (...rows: string[]) => ['UTR,Reference,Date,Amount,Narration', ...rows].join('\r\n') + '\r\n';
  const importFile = (fileName: string, content: string, token = aco) =>
    server.raw('POST', '/reconciliation/bank-statements', { token, payload: { fileName, content } });
  const tableCounts = async () =>
    (
      await server.scratch.db.query<{ statements: number; credits: number }>(
        'SELECT (SELECT count(*) FROM bank_statements)::int AS statements, (SELECT count(*) FROM bank_credits)::int AS credits',
      )
    )[0];

  let statement1 = '';
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    aco = await server.login('aco');
    ha = await server.login('ha');
    await pay('father', demoIds.father, 'medco.a', 0);
    await pay('mother', demoIds.mother, 'medco.b', 10_000);
    await pay('son', demoIds.son, 'medco.b', 0);
    await pay('daughter', demoIds.daughter, 'medco.a', 0);
    statement1 = csv(
      `SBIN726001000001,${references.father.toLowerCase()},2026-12-01,1000.00,"NEFT CR, scheme"`,
      `SBIN726001000002,${references.mother},2026-12-01,800,NEFT CR`,
      `SBIN726001000003,${references.son},2026-12-02,1000.0,NEFT CR`,
      `SBIN726001000004,${references.son},2026-12-03,1000.00,NEFT CR again`,
      `SBIN726001000005,PAY-HSP-A-20261201-0000DEADBEEF,2026-12-03,500.00,"unknown ""sender"""`,
    );
  });
  afterAll(async () => server?.close());

  it('imports a statement and lists exact, short-paid, duplicate, unmatched and not-credited', async () => {
    const answer = await importFile('bank-2026-12-03.csv', statement1);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      fileName: 'bank-2026-12-03.csv',
      lines: 5,
      creditsAdded: 5,
      alreadyImported: 0,
      isReplay: false,
      credits: { applied: 3, duplicate: 1, unmatched: 1 },
    });
    const report = (await server.get(ha, '/reports/bank-reconciliation')).body;
    const status = Object.fromEntries(
      (report.payments as { reference: string; status: string; difference: number }[]).map((p) => [p.reference, [p.status, p.difference]]),
    );
    expect(status).toEqual({
      [references.father]: ['credited', 0],
      [references.mother]: ['short-paid', -10_000],
      [references.son]: ['credited', 0],
      [references.daughter]: ['not-credited', -100_000],
    });
    expect((report.shortPaid as { paymentId: string }[]).map((p) => p.paymentId)).toEqual([paymentIds.mother]);
    expect((report.notCredited as { paymentId: string }[]).map((p) => p.paymentId)).toEqual([paymentIds.daughter]);
    expect(report.overPaid).toEqual([]);
    expect(report.duplicateCredits).toEqual([
      expect.objectContaining({ utr: 'SBIN726001000004', line: 5, amount: 100_000, match: 'duplicate', paymentId: paymentIds.son, valueDate: '2026-12-03' }),
    ]);
    expect(report.unmatchedCredits).toEqual([
      expect.objectContaining({
        utr: 'SBIN726001000005',
        line: 6,
        amount: 50_000,
        match: 'unmatched',
        paymentId: null,
        reference: 'PAY-HSP-A-20261201-0000DEADBEEF',
      }),
    ]);
    expect(report.totals).toEqual({ netPaid: 390_000, credited: 280_000, unmatched: 50_000, duplicate: 100_000 });
    expect(report.isReconciled).toBe(false);
    // The paid + deductions = approved check stays, and still holds.
    expect((await server.get(aco, '/reports/reconciliation')).body).toMatchObject({ isBalanced: true, unbalanced: [] });
  });

  it('the same file twice imports nothing the second time and answers the first import', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await server.scratch.db.transaction(snapshotDatabase);
    const first = (await server.get(aco, '/reports/bank-reconciliation')).body.statements as { statementId: string }[];
    const again = await importFile('renamed-copy.csv', statement1);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ statementId: first[0]!.statementId, fileName: 'bank-2026-12-03.csv', isReplay: true, creditsAdded: 5 });
    await settleAuditChain(server.scratch.db);
    expect(await server.scratch.db.transaction(snapshotDatabase)).toEqual(before);
  });

  it('an overlapping statement adds only the credits not seen before; the short payment is then credited', async () => {
    const answer = await importFile(
      'bank-2026-12-05.csv',
      csv(`SBIN726001000002,${references.mother},2026-12-01,800.00,NEFT CR`, `SBIN726001000006,${references.mother},2026-12-04,100,NEFT CR balance`),
    );
    expect(answer.body).toMatchObject({ lines: 2, creditsAdded: 1, alreadyImported: 1, isReplay: false, credits: { applied: 1 } });
    expect(await tableCounts()).toEqual({ statements: 2, credits: 6 });
    const report = (await server.get(aco, '/reports/bank-reconciliation')).body;
    expect(report.shortPaid).toEqual([]);
    expect((report.payments as { paymentId: string }[]).find((p) => p.paymentId === paymentIds.mother)).toMatchObject({
      status: 'credited',
      credited: 90_000,
      credits: 2,
    });
  });

  it('bad lines: every one reported with its line number and reason, and nothing written', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await server.scratch.db.transaction(snapshotDatabase);
    const answer = await importFile(
      'bank-bad.csv',
      csv(
        `SBIN726001000010,${references.daughter},2026-12-06,1000.00,fine on its own`,
        `SBIN726001000011,${references.daughter},06/12/2026,1000.00,wrong date`,
        `SBIN726001000012,${references.daughter},2026-12-06,"1,000.00",separator`,
        `SBIN726001000013,${references.daughter},2026-12-06,-5,negative`,
        `SBIN726001000014,${references.daughter},2026-12-06,1000.005,three decimals`,
        `SBIN726001000015,${references.daughter},2026-12-06`,
        `SBIN726001000010,${references.daughter},2026-12-06,1000.00,repeated UTR`,
        `SBIN726001000001,${references.father},2026-12-01,999.00,"an old UTR, other amount"`,
        `SBIN726001000016,${references.daughter},2026-02-30,1000.00,no such day`,
      ),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid-input');
    expect(String(answer.body.message)).toMatch(/^The statement was not imported: 8 bad lines, first line 3: .*nothing was written\.$/);
    const problems = (answer.body.details as { problems: { line: number; reason: string }[] }).problems;
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(problems[0]!.reason).toMatch(/not a calendar date written YYYY-MM-DD/);
    expect(problems[1]!.reason).toMatch(/not a plain amount/);
    expect(problems[4]!.reason).toMatch(/has 3 fields; the header has 5/);
    expect(problems[5]!.reason).toMatch(/already on line 2/);
    expect(problems[6]!.reason).toMatch(/was imported before as/);
    await settleAuditChain(server.scratch.db);
    expect(await server.scratch.db.transaction(snapshotDatabase)).toEqual(before);
  });

  it('bad input and the wrong roles: a 4xx with a code and a sentence, and nothing written', async () => {
    // Signed in first: a sign-in is audited.
    const [cex, cpd, medco] = [await server.login('cex'), await server.login('cpd'), await server.login('medco.a')];
    await settleAuditChain(server.scratch.db);
    const before = await server.scratch.db.transaction(snapshotDatabase);
    const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
      ['no header', importFile('x.csv', 'SBIN1,PAY-1,2026-12-01,10\r\n'), 400, 'invalid-input'],
      ['a header and nothing else', importFile('x.csv', 'utr,reference,date,amount\n'), 400, 'invalid-input'],
      ['an empty file', importFile('x.csv', ''), 400, 'invalid-input'],
      [
        'a field more',
        server.raw('POST', '/reconciliation/bank-statements', { token: aco, payload: { fileName: 'x.csv', content: statement1, extra: 1 } }),
        400,
        'invalid-input',
      ],
      ['a path in the name', importFile('../x.csv', statement1.replace('1000.00', '1000.01')), 400, 'invalid-input'],
      ['HA imports', importFile('x.csv', statement1.replace('1000.00', '1000.01'), ha), 403, 'forbidden-role'],
      ['CEX imports', importFile('x.csv', statement1.replace('1000.00', '1000.01'), cex), 403, 'forbidden-role'],
      ['CPD reads', server.get(cpd, '/reports/bank-reconciliation'), 403, 'forbidden-role'],
      ['a desk reads', server.get(medco, '/reports/bank-reconciliation'), 403, 'forbidden-role'],
    ];
    for (const [label, sent, status, code] of cases) {
      const answer = await sent;
      expect(answer.status, label).toBe(status);
      expect(answer.body.code, label).toBe(code);
      expect(String(answer.body.message).length, label).toBeGreaterThan(10);
    }
    await settleAuditChain(server.scratch.db);
    expect(await server.scratch.db.transaction(snapshotDatabase)).toEqual(before);
  });

  // PGlite has one connection: imports there cannot overlap, so the race is real PostgreSQL's alone.
  it.skipIf(backend !== 'postgres' || !hasPostgres)('the same new file sent twice at the same instant is imported once', async () => {
    const content = csv(`SBIN726001000020,${references.daughter},2026-12-07,1000.00,NEFT CR`);
    const answers = await Promise.all([importFile('a.csv', content), importFile('b.csv', content), importFile('c.csv', content)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.statementId)).size).toBe(1);
    expect(answers.filter((a) => a.body.isReplay === false)).toHaveLength(1);
    expect(await tableCounts()).toEqual({ statements: 3, credits: 7 });
    const report = (await server.get(aco, '/reports/bank-reconciliation')).body;
    expect(report.notCredited).toEqual([]);
    expect(report.unmatchedCredits).toHaveLength(1);
  });
});
