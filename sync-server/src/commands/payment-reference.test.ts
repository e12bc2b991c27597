import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { availableBackends } from '../testing/databases';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { paymentReference } from './claims';

const units = (n: number) => n * 100;

describe('payment references', () => {
  it("carry the scheme's local date and the whole payment id (issue 24 item 15)", () => {
    const id = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    // 18:29 UTC is 23:59 in India, 18:30 UTC is 00:00 the next day.
    expect(paymentReference('HSP-A', new Date('2026-12-06T18:29:59Z'), 'Asia/Kolkata', id)).toBe('PAY-HSP-A-20261206-0A1B2C3D4E5F4A6B8C7D9E0F1A2B3C4D');
    expect(paymentReference('HSP-A', new Date('2026-12-06T18:30:00Z'), 'Asia/Kolkata', id)).toBe('PAY-HSP-A-20261207-0A1B2C3D4E5F4A6B8C7D9E0F1A2B3C4D');
    expect(paymentReference('HSP-A', new Date('2026-12-06T18:30:00Z'), 'UTC', id)).toBe('PAY-HSP-A-20261206-0A1B2C3D4E5F4A6B8C7D9E0F1A2B3C4D');
  });
});

describe.each(availableBackends)('a payment approved at 01:30 IST (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    // 20:00 UTC on 6 December is 01:30 on 7 December in the demo scheme's zone (Asia/Kolkata).
    server = await startTestServer(backend, { extraFamilies: 0, clock: () => new Date('2026-12-06T20:00:00Z') });
  });
  afterAll(async () => server?.close());

  it('is referenced by the Indian date, with every digit of its id', async () => {
    const [desk, ppd, cex, cpd, aco] = await Promise.all(['medco.a', 'ppd', 'cex', 'cpd', 'aco'].map((user) => server.login(user)));
    const caseId = randomUUID();
    const bookingId = randomUUID();
    const claimId = randomUUID();
    resultOf(await server.command(desk!, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(desk!, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    resultOf(await server.command(ppd!, 'decide-preauth', { caseId, decision: 'approve' }));
    resultOf(await server.command(desk!, 'add-booking', { bookingId, caseId, itemCode: 'WARD', description: 'Ward', quantity: 1, unitPrice: units(6000) }));
    resultOf(await server.command(desk!, 'discharge', { caseId }));
    resultOf(await server.command(desk!, 'submit-claim', { claimId, caseId, amount: units(6000) }));
    const lines = [{ bookingId, decision: 'full' as const }];
    resultOf(await server.command(cex!, 'process-claim', { claimId, lines }));
    resultOf(await server.command(cpd!, 'verify-claim', { claimId, lines }));
    const paymentId = randomUUID();
    const payment = resultOf(await server.command(aco!, 'approve-payment', { paymentId, claimIds: [claimId] }));
    expect(payment.reference).toBe(`PAY-HSP-A-20261207-${paymentId.replace(/-/g, '').toUpperCase()}`);
  });
});
