import { randomUUID } from 'node:crypto';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';

const units = (n: number) => n * 100; // the demo scheme counts paise

/**
 * The bill after CPD's decision (issue 14, found by the bill-print-refund e2e): S5's mother (State
 * top-up, nothing accumulated), MC024A, two bookings — ICU 20,000 (5,000 deductible + 1,500
 * co-insurance: the plan 13,500) and ECHO 10,000 (1,000 co-insurance: the plan 9,000). CPD denies
 * ICU and cuts ECHO to 6,000. The plan then pays 0 and 6,000, not 20,000 and 9,000 (the amount
 * less the patient's part, as the bill said before); the denied line's patient part is reversed,
 * the cut line's stays; what neither pays (20,000 and 3,000) is the hospital's, said on the bill.
 */
describeEachBackend('the patient bill after a claim decision (%s)', (backend) => {
  let server: TestServer;
  let medcoB: string;
  let caseId: string;
  let claimId: string;
  const lines = { denied: randomUUID(), cut: randomUUID() };
  const bill = async () => (await server.get(medcoB, `/cases/${caseId}/patient-bill`)).body as Record<string, unknown>;

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    medcoB = await server.login('medco.b');
    caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.s5Mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MC024A' }));
    resultOf(await server.command(await server.login('ppd'), 'decide-preauth', { caseId, decision: 'approve' }));
    for (const [bookingId, itemCode, description, amount] of [
      [lines.denied, 'ICU', 'ICU stay', 20_000],
      [lines.cut, 'ECHO', 'Echocardiography', 10_000],
    ] as const)
      resultOf(await server.command(medcoB, 'add-booking', { bookingId, caseId, itemCode, description, quantity: 1, unitPrice: units(amount) }));
    resultOf(await server.command(medcoB, 'discharge', { caseId }));
    claimId = randomUUID();
    resultOf(await server.command(medcoB, 'submit-claim', { claimId, caseId, amount: units(30_000) }));
  });
  afterAll(async () => server?.close());

  it('before the decision: the plan part is the covered amount, nothing written off, no decision', async () => {
    expect(await bill()).toMatchObject({
      lines: [
        { bookingId: lines.denied, amount: units(20_000), planPart: units(13_500), patientPart: units(6500), writtenOff: 0, claimDecision: null },
        { bookingId: lines.cut, amount: units(10_000), planPart: units(9000), patientPart: units(1000), writtenOff: 0, claimDecision: null },
      ],
      totals: { amount: units(30_000), planPart: units(22_500), patientPart: units(7500), writtenOff: 0 },
    });
  });

  it('after CPD denies one line and cuts the other: the plan part is what the plan pays, the rest is the hospital’s', async () => {
    const decided = [
      { bookingId: lines.denied, decision: 'deny' as const, reasonCode: 'not-medically-necessary' as const },
      { bookingId: lines.cut, decision: 'partial' as const, approvedAmount: units(6000), reasonCode: 'tariff-exceeded' as const },
    ];
    resultOf(await server.command(await server.login('cex'), 'process-claim', { claimId, lines: decided }));
    resultOf(await server.command(await server.login('cpd'), 'verify-claim', { claimId, lines: decided }));
    const after = await bill();
    expect(after).toMatchObject({
      lines: [
        { bookingId: lines.denied, amount: units(20_000), planPart: 0, patientPart: 0, writtenOff: units(20_000), claimDecision: 'deny' },
        { bookingId: lines.cut, amount: units(10_000), planPart: units(6000), patientPart: units(1000), writtenOff: units(3000), claimDecision: 'partial' },
      ],
      totals: { amount: units(30_000), planPart: units(6000), patientPart: units(1000), writtenOff: units(23_000) },
      account: { charged: units(1000) },
    });
    // The plan's part on the bill is what the claim approved, to the paisa.
    const [claim] = await server.scratch.db.query<{ approved: number }>('SELECT approved_amount::int AS approved FROM claims WHERE id = $1', [claimId]);
    expect((after.totals as { planPart: number }).planPart).toBe(claim!.approved);
  });

  it('the PDF states the same per line and says who bears what neither pays', async () => {
    const response = await server.app.inject({ method: 'GET', url: `/cases/${caseId}/patient-bill.pdf`, headers: { authorization: `Bearer ${medcoB}` } });
    expect(response.statusCode).toBe(200);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(response.rawPayload)), { mergePages: true });
    const flat = text.replace(/\s+/g, ' ');
    for (const expected of [
      'ICU stay (ICU) - denied by the scheme: INR 20,000.00 not billable to the patient 1 x INR 20,000.00 INR 20,000.00 INR 0.00 INR 0.00',
      'Echocardiography (ECHO) - cut by the scheme to INR 6,000.00: INR 3,000.00 not billable to the patient 1 x INR 10,000.00 INR 10,000.00 INR 6,000.00 INR 1,000.00',
      'Total INR 30,000.00 INR 6,000.00 INR 1,000.00',
      "Denied or cut by the scheme, not billable to the patient (the hospital's) INR 23,000.00",
    ])
      expect(flat, expected).toContain(expected);
  });
});
