import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseExchangeFile } from '@domain/accumulator-exchange';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { ExchangeFileRefused, exportMedicalMovements, importExchangeFile } from './exchange';

const header = 'subscriberId\tmemberId\ttype\tcoverageType\tvalue\ttransactionDate';

describeEachBackend('the accumulator exchange file, in and out (%s)', (backend) => {
  let server: TestServer;
  let year = 0;
  const accumulators = () =>
    server.scratch.db.query('SELECT holder_id, kind, medical, pharmacy FROM accumulator_totals WHERE family_id = $1 ORDER BY holder_id, kind', [
      demoIds.s5Family,
    ]);
  const entries = () =>
    server.scratch.db.query("SELECT source_id, kind, coverage_type, delta FROM accumulator_entries WHERE source_kind = 'exchange' ORDER BY id");

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 1 });
    const [scheme] = await server.scratch.db.query<{ policy_year: number }>('SELECT policy_year FROM schemes WHERE is_current');
    year = scheme!.policy_year;
  });
  afterAll(async () => server?.close());

  const file = (lines: string[]) => Buffer.from([header, ...lines].join('\n') + '\n');
  const date = () => `${year}-03-10`;
  const name = () => `accumulators-${year}-03-10.tsv`;

  it('applies the good lines, reports every bad one with its number and reason, and never half-applies a line', async () => {
    const d = date();
    const report = await importExchangeFile(
      server.scratch.db,
      name(),
      file([
        `FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tpharmacy\t1500.00\t${d}`, // line 2: applied
        `FAM-S5-0001\tPMJ-S5000003\tfamilyMaxPay\tpharmacy\t1500.00\t${d}`, // 3: applied
        `FAM-S5-0001\tPMJ-S5000003\tfamilyDeductible\tpharmacy\t4000.00\t${d}`, // 4: applied
        `FAM-S5-0001\tPMJ-S5000003\tfamilyDeductible\tpharmacy\t1500.00\t${d}`, // 5: 5,500 > 5,000: refused
        `FAM-S5-0001\tPMJ-S5000003\tfamilyDeductible\tmedical\t1000.00\t${d}`, // 6: 5,000 exactly: applied (line 5 did not count)
        `FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tmedical\t-200.00\t${d}`, // 7: below 0 on medical: refused
        `FAM-S1-0001\tPMJ-S5000003\tindividualMaxPay\tmedical\t10.00\t${d}`, // 8: wrong family
        `FAM-S5-0001\tPMJ-NOBODY\tindividualMaxPay\tmedical\t10.00\t${d}`, // 9: no such member
        `FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tdental\t10.00\t${d}`, // 10: bad coverage type (parse)
        `FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tpharmacy\t-500.00\t${d}`, // 11: a correction: applied
      ]),
    );
    expect(report.applied).toBe(5);
    expect(report.alreadyApplied).toBe(0);
    expect(report.refused.map((r) => r.line)).toEqual([5, 7, 8, 9, 10]);
    expect(report.refused[0]!.reason).toContain('past the plan');
    expect(report.refused[1]!.reason).toContain('fall to -2');
    expect(report.refused[2]!.reason).toContain('not in family FAM-S1-0001');
    expect(report.refused[3]!.reason).toContain('PMJ-NOBODY');
    expect(report.refused[4]!.reason).toContain('coverageType');
    expect(await accumulators()).toEqual(
      expect.arrayContaining([
        { holder_id: demoIds.s5Family, kind: 'deductible', medical: 100_000, pharmacy: 400_000 },
        { holder_id: demoIds.s5Family, kind: 'out-of-pocket', medical: 0, pharmacy: 150_000 },
        { holder_id: demoIds.s5Daughter, kind: 'out-of-pocket', medical: 0, pharmacy: 100_000 },
      ]),
    );
    expect((await entries()).map((e) => (e as { source_id: string }).source_id)).toEqual([2, 3, 4, 6, 11].map((line) => `${name()}:${line}`));
  });

  it('the same file again applies nothing more; a known name with other content is refused whole, writing nothing', async () => {
    const before = await accumulators();
    const again = await importExchangeFile(
      server.scratch.db,
      name(),
      file([
        `FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tpharmacy\t1500.00\t${date()}`,
        `FAM-S5-0001\tPMJ-S5000003\tfamilyMaxPay\tpharmacy\t1500.00\t${date()}`,
        `FAM-S5-0001\tPMJ-S5000003\tfamilyDeductible\tpharmacy\t4000.00\t${date()}`,
        `FAM-S5-0001\tPMJ-S5000003\tfamilyDeductible\tpharmacy\t1500.00\t${date()}`,
        `FAM-S5-0001\tPMJ-S5000003\tfamilyDeductible\tmedical\t1000.00\t${date()}`,
        `FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tmedical\t-200.00\t${date()}`,
        `FAM-S1-0001\tPMJ-S5000003\tindividualMaxPay\tmedical\t10.00\t${date()}`,
        `FAM-S5-0001\tPMJ-NOBODY\tindividualMaxPay\tmedical\t10.00\t${date()}`,
        `FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tdental\t10.00\t${date()}`,
        `FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tpharmacy\t-500.00\t${date()}`,
      ]),
    );
    expect(again).toMatchObject({ applied: 0, alreadyApplied: 5 });
    expect(await accumulators()).toEqual(before);
    await settleAuditChain(server.scratch.db);
    const snapshot = await snapshotDatabase(server.scratch.db);
    await expect(
      importExchangeFile(server.scratch.db, name(), file([`FAM-S5-0001\tPMJ-S5000003\tindividualMaxPay\tpharmacy\t1.00\t${date()}`])),
    ).rejects.toThrow(ExchangeFileRefused);
    await expect(importExchangeFile(server.scratch.db, 'accumulators-today.tsv', file([]))).rejects.toThrow(/not accumulators-YYYY-MM-DD/);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(snapshot);
  });

  it("exports the medical side's movements since the last file, to a new file that never overwrites one", async () => {
    const deskA = await server.login('medco.a');
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit', { caseId, memberId: demoIds.s5Father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(deskA, 'request-preauth', { caseId, packageCode: 'MC024A' }));
    resultOf(
      await server.command(deskA, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'SVC',
        description: 'Service',
        quantity: 1,
        unitPrice: 2_000_000,
      }),
    );
    const written = new Map<string, string>([[`/out/accumulators-${year}-12-31.tsv`, 'an earlier file']]);
    const files = {
      list: async () => [...written.keys()].map((path) => path.slice('/out/'.length)),
      writeNew: async (path: string, text: string) => {
        if (written.has(path)) throw new Error(`${path} exists`);
        written.set(path, text);
      },
    };
    const first = await exportMedicalMovements(server.scratch.db, '/out', `${year}-12-31`, files);
    expect(first.file).toBe(`accumulators-${year}-12-31-01.tsv`);
    expect(written.get(`/out/accumulators-${year}-12-31.tsv`)).toBe('an earlier file');
    const parsed = parseExchangeFile(first.file!, written.get(`/out/${first.file!}`)!);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.errors).toEqual([]);
    // 20,000 after a deductible already met (5,000 from the file): 2,000 co-insurance; none of the file's own lines go back.
    expect(parsed.movements.map((m) => [m.subscriberId, m.memberId, m.type, m.coverageType, m.amount])).toEqual([
      ['FAM-S5-0001', 'PMJ-S5000001', 'familyMaxPay', 'medical', 200_000],
      ['FAM-S5-0001', 'PMJ-S5000001', 'individualMaxPay', 'medical', 200_000],
    ]);
    expect(await exportMedicalMovements(server.scratch.db, '/out', `${year}-12-31`, files)).toEqual({ file: null, lines: 0 });
  });
});
