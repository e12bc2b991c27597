import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { moneyConsistency, resultOf, startTestServer, type Answer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { pharmacyClient, registerPharmacy } from '../testing/pharmacy';

const units = (n: number) => n * 100;

/** The figures of S5's "after the step" column from an enquiry. */
export function figures(enquiry: AccumulatorEnquiryValue) {
  const find = (unit: 'family' | 'individual', type: string, memberId: string | null = null) =>
    enquiry.benefitBalance.find((b) => b.unit === unit && b.type === type && b.memberId === memberId && (b.category === 'combined' || type !== 'benefit'));
  return {
    deductibleMet: find('family', 'deductible')?.used,
    familyOutOfPocket: find('family', 'out-of-pocket-maximum')?.used,
    familyOutOfPocketByCoverage: find('family', 'out-of-pocket-maximum')?.usedByCoverage,
    member: (memberId: string) => find('individual', 'out-of-pocket-maximum', memberId),
  };
}

describeEachBackend('S5 — cost sharing across hospitals and a pharmacy, over HTTP (%s)', (backend) => {
  let server: TestServer;
  let deskA = '';
  let deskB = '';
  let ppd = '';
  let pharmacy: ReturnType<typeof pharmacyClient>;
  const fatherCase = randomUUID();
  const motherCase = randomUUID();
  const rx = (member: string, amount: number, claimId = randomUUID()) => ({
    claimId,
    memberId: member,
    drugCode: 'RX-ATORVA-10',
    quantity: 1,
    unitPrice: units(amount),
  });
  const step6 = randomUUID();
  const enquiry = async (memberId: string) => (await server.get(deskA, `/members/${memberId}/accumulators`)).body as unknown as AccumulatorEnquiryValue;
  const book = (token: string, caseId: string, amount: number) =>
    server.command(token, 'add-booking', { bookingId: randomUUID(), caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: units(amount) });

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 2 });
    deskA = await server.login('medco.a');
    deskB = await server.login('medco.b');
    ppd = await server.login('ppd');
    pharmacy = pharmacyClient(server, (await registerPharmacy(server)).credential);
  });
  afterAll(async () => server?.close());

  it('1: pharmacy claim, father, 2,000 → all deductible', async () => {
    const body = rx('PMJ-S5000001', 2000);
    const paid = await pharmacy.claim(body);
    expect(paid.status).toBe(200);
    // Sent again (the pharmacy's retry): the first answer, nothing charged twice.
    const again = await pharmacy.claim({ ...body });
    expect(again.isReplay).toBe(true);
    expect(again.body).toEqual(paid.body);
    expect(paid.body).toMatchObject({ memberPays: units(2000), planPays: 0, costShare: { deductible: units(2000) } });
    const after = figures(paid.body.accumulators as AccumulatorEnquiryValue);
    expect(after.deductibleMet).toBe(units(2000));
    expect(after.member(demoIds.s5Father)?.used).toBe(units(2000));
    expect(after.familyOutOfPocket).toBe(units(2000));
    // Hospital B (Satara) has not identified anyone of this Pune family: their accumulators are not its business.
    const outOfReach = await server.get(deskB, `/members/${demoIds.s5Father}/accumulators`);
    expect([outOfReach.status, outOfReach.body.code]).toEqual([404, 'not-found']);
  });

  it('2: hospital A admits the father, package 40,000 → estimate 6,700 (3,000 deductible + 3,700), hold 33,300', async () => {
    resultOf(await server.command(deskA, 'admit', { caseId: fatherCase, memberId: demoIds.s5Father, identityMethod: 'fingerprint' }));
    const preauth = resultOf(await server.command(deskA, 'request-preauth', { caseId: fatherCase, packageCode: 'MC024A' }));
    expect(preauth).toMatchObject({
      requestedAmount: units(40_000),
      holdAmount: units(33_300),
      shortfall: 0,
      patientEstimate: { deductible: units(3000), coinsurance: units(3700), copay: 0, notPaid: 0, total: units(6700) },
    });
    expect(String(preauth.summary)).toContain('₹6,700.00');
  });

  it("3: the father's bookings 25,000 then 15,000 → 5,200 then 1,500; deductible met, father 8,700, hold fully used", async () => {
    expect(resultOf(await book(deskA, fatherCase, 25_000))).toMatchObject({
      costShare: { total: units(5200) },
      coveredAmount: units(19_800),
      shortfallAmount: 0,
    });
    expect(resultOf(await book(deskA, fatherCase, 15_000))).toMatchObject({
      costShare: { total: units(1500) },
      coveredAmount: units(13_500),
      hold: { amount: units(33_300), consumed: units(33_300) },
    });
    const after = figures(await enquiry(demoIds.s5Father));
    expect(after.deductibleMet).toBe(units(5000));
    expect(after.member(demoIds.s5Father)).toMatchObject({ used: units(8700), allowed: units(12_000), remaining: units(3300) });
  });

  it('4: hospital B admits the mother, package 60,000, one booking of 60,000 → 6,000; family 14,700', async () => {
    resultOf(await server.command(deskB, 'identify-member', { by: 'scheme-id', value: 'PMJ-S5000002' }));
    resultOf(await server.command(deskB, 'admit', { caseId: motherCase, memberId: demoIds.s5Mother, identityMethod: 'face' }));
    expect(resultOf(await server.command(deskB, 'request-preauth', { caseId: motherCase, packageCode: 'SN005A' }))).toMatchObject({
      holdAmount: units(54_000),
      patientEstimate: { total: units(6000) },
    });
    expect(resultOf(await book(deskB, motherCase, 60_000))).toMatchObject({ costShare: { total: units(6000) }, coveredAmount: units(54_000) });
    const after = figures(await enquiry(demoIds.s5Mother));
    expect(after.member(demoIds.s5Mother)?.used).toBe(units(6000));
    expect(after.familyOutOfPocket).toBe(units(14_700));
  });

  it("5: the father's pharmacy claim of 30,000 → 3,300, his member maximum reached", async () => {
    const paid = await pharmacy.claim(rx('PMJ-S5000001', 30_000));
    expect(paid.body).toMatchObject({ memberPays: units(3300), planPays: units(26_700) });
    const after = figures(paid.body.accumulators as AccumulatorEnquiryValue);
    expect(after.member(demoIds.s5Father)).toMatchObject({ used: units(12_000), remaining: 0 });
    expect(after.familyOutOfPocket).toBe(units(18_000));
  });

  it("6: the daughter's pharmacy claim of 10,000 → 2,000, the family maximum reached", async () => {
    const paid = await pharmacy.claim(rx('PMJ-S5000003', 10_000, step6));
    expect(paid.body).toMatchObject({ memberPays: units(2000), planPays: units(8000) });
    expect(figures(paid.body.accumulators as AccumulatorEnquiryValue).familyOutOfPocket).toBe(units(20_000));
  });

  it('7: the daughter again, 5,000 → the plan pays all, the deductible and out-of-pocket accumulators do not move', async () => {
    const before = figures(await enquiry(demoIds.s5Daughter));
    const paid = await pharmacy.claim(rx('PMJ-S5000003', 5000));
    expect(paid.body).toMatchObject({ memberPays: 0, planPays: units(5000) });
    const after = figures(paid.body.accumulators as AccumulatorEnquiryValue);
    expect([after.deductibleMet, after.familyOutOfPocket, after.member(demoIds.s5Daughter)?.used]).toEqual([
      before.deductibleMet,
      before.familyOutOfPocket,
      before.member(demoIds.s5Daughter)?.used,
    ]);
  });

  it('8: the pharmacy reverses step 6 → 2,000 refunded, 8,000 back; daughter 0, family 18,000; step 7 stands', async () => {
    const reversed = await pharmacy.reverse(step6);
    expect(reversed.status).toBe(200);
    expect(reversed.body).toMatchObject({ status: 'reversed', refund: units(2000), planReturned: units(8000) });
    const again = await pharmacy.reverse(step6);
    expect(again.isReplay).toBe(true);
    expect(again.body).toEqual(reversed.body);
    const after = figures(reversed.body.accumulators as AccumulatorEnquiryValue);
    expect(after.member(demoIds.s5Daughter)?.used).toBe(0);
    expect(after.familyOutOfPocket).toBe(units(18_000));
  });

  it('ends as S5 says: committed 119,000, available 81,000; OOP 12,000 / 6,000 / 0, family 18,000; medical 12,700, pharmacy 5,300', async () => {
    const balance = (await server.get(deskA, `/families/${demoIds.s5Family}/balance`)).body;
    expect(balance).toMatchObject({ cover: units(200_000), committed: units(119_000), available: units(81_000) });
    const end = figures(balance.accumulators as AccumulatorEnquiryValue);
    expect(end.deductibleMet).toBe(units(5000));
    expect(end.familyOutOfPocket).toBe(units(18_000));
    expect(end.familyOutOfPocketByCoverage).toEqual({ medical: units(12_700), pharmacy: units(5300) });
    expect([demoIds.s5Father, demoIds.s5Mother, demoIds.s5Daughter].map((m) => end.member(m)?.used)).toEqual([units(12_000), units(6000), 0]);
    for (const row of await moneyConsistency(server.scratch)) {
      expect(row.committed).toBe(row.ledger);
      expect(row.committed).toBe(row.holds + row.claims + row.pharmacy);
      expect(row.ledger_pharmacy).toBe(row.pharmacy);
    }
  });

  it('claims equal the booking sums (40,000 and 60,000) with the patient part stated on them', async () => {
    for (const [token, caseId, sum, patient] of [
      [deskA, fatherCase, 40_000, 6700],
      [deskB, motherCase, 60_000, 6000],
    ] as const) {
      expect(resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }))).toMatchObject({ shortfall: 0 });
      resultOf(await server.command(token, 'discharge', { caseId }));
      expect(resultOf(await server.command(token, 'submit-claim', { claimId: randomUUID(), caseId, amount: units(sum) }))).toMatchObject({
        amount: units(sum),
        payerAmount: units(sum - patient),
        patientAmount: units(patient),
      });
    }
    expect((await server.get(deskA, `/families/${demoIds.s5Family}/balance`)).body).toMatchObject({ committed: units(119_000) });
  });

  describe('bad input gets a 4xx with a code and a sentence, and writes nothing', () => {
    it('every refusal leaves the database as it was', async () => {
      await settleAuditChain(server.scratch.db);
      const before = await snapshotDatabase(server.scratch.db);
      const claimId = randomUUID();
      const cases: [string, () => Promise<Answer>, number, string][] = [
        ['unknown field', () => pharmacy.claim({ ...rx('PMJ-S5000001', 10), discount: 5 }), 400, 'invalid-input'],
        ['quantity 0', () => pharmacy.claim({ ...rx('PMJ-S5000001', 10), quantity: 0 }), 400, 'invalid-input'],
        ['a fractional price', () => pharmacy.claim({ ...rx('PMJ-S5000001', 10), unitPrice: 10.5 }), 400, 'invalid-input'],
        [
          'amount past the largest claim',
          () => pharmacy.claim({ ...rx('PMJ-S5000001', 10), quantity: 100_000, unitPrice: 1_000_000_000_000 }),
          400,
          'invalid-input',
        ],
        ['unknown member', () => pharmacy.claim(rx('PMJ-NOBODY', 10)), 404, 'not-found'],
        ['no credential', () => server.raw('POST', '/pharmacy/claims', { payload: rx('PMJ-S5000001', 10) }), 401, 'unauthenticated'],
        ['a desk token', () => server.raw('POST', '/pharmacy/claims', { token: deskA, payload: rx('PMJ-S5000001', 10) }), 401, 'unauthenticated'],
        ['a claim id reused with other content', () => pharmacy.claim(rx('PMJ-S5000003', 5000, step6)), 409, 'command-id-reused'],
        ['reversing a claim never sent', () => pharmacy.reverse(claimId), 404, 'not-found'],
        [
          'a desk registering a pharmacy',
          () => server.raw('POST', '/pharmacies', { token: deskA, payload: { pharmacyId: randomUUID(), code: 'PH-X', name: 'X', district: 'Pune' } }),
          403,
          'forbidden-role',
        ],
      ];
      for (const [what, send, status, code] of cases) {
        const answer = await send();
        expect(answer.status, what).toBe(status);
        expect(answer.body.code, what).toBe(code);
        expect(String(answer.body.message).length, what).toBeGreaterThan(10);
      }
      await settleAuditChain(server.scratch.db);
      expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    });
  });
});
