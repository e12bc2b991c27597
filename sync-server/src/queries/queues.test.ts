import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain } from '../testing/snapshot';

describe('payer queues and the case audit trail (PGlite)', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const fatherCase = randomUUID();
  const motherCase = randomUUID();
  const claimId = randomUUID();
  const bookingId = randomUUID();
  beforeAll(async () => {
    server = await startTestServer('pglite');
    for (const user of ['medco.a', 'medco.b', 'ppd', 'cex', 'cpd', 'aco', 'ha', 'mc']) tokens[user] = await server.login(user);
    resultOf(await server.command(tokens['medco.a']!, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(tokens['medco.a']!, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    resultOf(await server.command(tokens['medco.b']!, 'admit', { caseId: motherCase, memberId: demoIds.mother, identityMethod: 'face', isEmergency: true }));
    resultOf(await server.command(tokens['medco.b']!, 'request-preauth', { caseId: motherCase, packageCode: 'MG006A' }));
  });
  afterAll(async () => server?.close());

  it('PPD sees pre-auths emergency first, with hold, family balance and waiting time; others may not', async () => {
    const queue = (await server.get(tokens.ppd!, '/queues/preauths')).body as { items: Record<string, unknown>[] };
    expect(queue.items.map((i) => i.caseId)).toEqual([motherCase, fatherCase]);
    expect(queue.items[0]).toMatchObject({
      isEmergency: true,
      hospitalCode: 'HSP-B',
      requestedAmount: 500_000,
      holdAmount: 400_000,
      available: 0,
      // An emergency pre-auth has its own, shorter service level (issue 19: the scheme's 60 minutes).
      turnaroundMinutes: 60,
      isOverdue: false,
    });
    expect(queue.items[1]).toMatchObject({ isEmergency: false, turnaroundMinutes: 360 });
    expect(typeof queue.items[0]!.waitingMinutes).toBe('number');
    expect((await server.get(tokens['medco.a']!, '/queues/preauths')).status).toBe(403);
    expect((await server.get(tokens.cex!, '/queues/preauths')).status).toBe(403);
    expect((await server.get(tokens.mc!, '/queues/committee')).body).toMatchObject({ items: [] });
  });

  it('CEX sees the claim with its lines and bookings; ACO sees it by hospital once approved', async () => {
    resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId: fatherCase, decision: 'approve' }));
    resultOf(
      await server.command(tokens['medco.a']!, 'add-booking', {
        bookingId,
        caseId: fatherCase,
        itemCode: 'WARD',
        description: 'Ward',
        quantity: 2,
        unitPrice: 300_000,
      }),
    );
    resultOf(await server.command(tokens['medco.a']!, 'discharge', { caseId: fatherCase }));
    resultOf(await server.command(tokens['medco.a']!, 'submit-claim', { claimId, caseId: fatherCase, amount: 600_000 }));
    const cex = (await server.get(tokens.cex!, '/queues/claims/submitted')).body as { items: { claimId: string; lines: Record<string, unknown>[] }[] };
    expect(cex.items).toHaveLength(1);
    expect(cex.items[0]!.lines).toEqual([expect.objectContaining({ bookingId, itemCode: 'WARD', quantity: 2, unitPrice: 300_000, payerAmount: 600_000 })]);
    expect((await server.get(tokens.cpd!, '/queues/claims/submitted')).status).toBe(403);
    const lines = [{ bookingId, decision: 'full' as const }];
    resultOf(await server.command(tokens.cex!, 'process-claim', { claimId, lines }));
    resultOf(await server.command(tokens.cpd!, 'verify-claim', { claimId, lines }));
    const aco = (await server.get(tokens.aco!, '/queues/payments')).body as { items: Record<string, unknown>[] };
    expect(aco.items).toEqual([
      expect.objectContaining({ hospitalCode: 'HSP-A', claims: 1, approved: 600_000, governmentAmount: 360_000, claimIds: [claimId] }),
    ]);
    const dashboard = (await server.get(tokens.ha!, '/dashboard')).body as { items: { claims: { status: string; count: number }[] } };
    expect(dashboard.items.claims).toEqual([expect.objectContaining({ status: 'approved', count: 1, amount: 600_000 })]);
  });

  it("every case shows its audit trail with actors and amounts, and the chain's status; other hospitals cannot see it", async () => {
    await settleAuditChain(server.scratch.db);
    const trail = (await server.get(tokens.ppd!, `/cases/${fatherCase}/audit`)).body as {
      entries: { action: string; actor: string }[];
      chain: { isIntact: boolean };
    };
    expect(trail.entries.map((e) => e.action)).toEqual([
      'case-admitted',
      'preauth-requested',
      'preauth-approved',
      'booking-added',
      'case-discharged',
      'claim-submitted',
      'claim-processed',
      'claim-verified',
    ]);
    expect(trail.entries.map((e) => e.actor)).toEqual(['medco.a', 'medco.a', 'ppd', 'medco.a', 'medco.a', 'medco.a', 'cex', 'cpd']);
    expect(trail.chain.isIntact).toBe(true);
    expect((await server.get(tokens['medco.b']!, `/cases/${fatherCase}/audit`)).status).toBe(404);
  });
});
