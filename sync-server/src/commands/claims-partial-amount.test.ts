import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

const units = (n: number) => n * 100;

/**
 * A partial approval typed above (or equal to) its line — 3,500 on a 3,000 line — is bad input at
 * CEX (process-claim) and CPD (verify-claim): 400 with a code and a sentence that names both
 * amounts, the database byte-for-byte unchanged, and nothing stored against the command id (the
 * same command id with a corrected amount goes through).
 */
describeEachBackend('process-claim / verify-claim: a partial amount above the line is refused (%s)', (backend) => {
  let server: TestServer;
  let cex = '';
  let cpd = '';
  const claimId = randomUUID();
  const bookings = [randomUUID(), randomUUID(), randomUUID()];
  const lines = (partialAmount: number) =>
    bookings.map((bookingId, index) =>
      index === 1
        ? { bookingId, decision: 'partial' as const, approvedAmount: partialAmount, reasonCode: 'tariff-exceeded' as const }
        : { bookingId, decision: 'full' as const },
    );

  beforeAll(async () => {
    server = await startTestServer(backend);
    const [medco, ppd] = [await server.login('medco.a'), await server.login('ppd')];
    [cex, cpd] = [await server.login('cex'), await server.login('cpd')];
    const caseId = randomUUID();
    resultOf(await server.command(medco, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medco, 'request-preauth', { caseId, packageCode: 'MG012A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    for (const [index, amount] of [2500, 3000, 500].entries()) {
      resultOf(
        await server.command(medco, 'add-booking', {
          bookingId: bookings[index]!,
          caseId,
          itemCode: `SVC-${index + 1}`,
          description: 'Service',
          quantity: 1,
          unitPrice: units(amount),
        }),
      );
    }
    resultOf(await server.command(medco, 'discharge', { caseId }));
    resultOf(await server.command(medco, 'submit-claim', { claimId, caseId, amount: units(6000) }));
  });
  afterAll(async () => server?.close());

  const expectRefusedAndUnchanged = async (send: () => Promise<{ status: number; body: Record<string, unknown> }>, sentence: RegExp) => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const answer = await send();
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.code).toBe('invalid-input');
    expect(String(answer.body.message)).toMatch(sentence);
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    return answer;
  };

  it('CEX: 3,500 on the 3,000 line → 400 naming both amounts and the excess; a corrected retry under the same command id is processed', async () => {
    const commandId = randomUUID();
    const refused = await expectRefusedAndUnchanged(
      () => server.command(cex, 'process-claim', { commandId, claimId, lines: lines(units(3500)) }),
      /partial amount ₹3,500\.00 is more than the line's ₹3,000\.00 by ₹500\.00/,
    );
    expect(refused.body.details).toMatchObject({ bookingId: bookings[1], lineAmount: units(3000), approvedAmount: units(3500) });
    await expectRefusedAndUnchanged(
      () => server.command(cex, 'process-claim', { claimId, lines: lines(units(3000)) }),
      /equals the whole line \(₹3,000\.00\): approve the line in full/,
    );
    const processed = await server.command(cex, 'process-claim', { commandId, claimId, lines: lines(units(2500)) });
    expect(processed.status, JSON.stringify(processed.body)).toBe(200);
    expect(processed.isReplay).toBe(false);
    expect(processed.body).toMatchObject({ result: { recommendedAmount: units(5500) } });
  });

  it('CPD: 3,500 on the 3,000 line → 400 and nothing written; the claim stays processed and verifies after', async () => {
    await expectRefusedAndUnchanged(() => server.command(cpd, 'verify-claim', { claimId, lines: lines(units(3500)) }), /more than the line's ₹3,000\.00/);
    const verified = await server.command(cpd, 'verify-claim', { claimId, lines: lines(units(2500)) });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ result: { approvedAmount: units(5500), returnedToCover: units(500) } });
  });
});
