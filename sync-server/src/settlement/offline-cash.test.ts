import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';

const units = (n: number) => n * 100;

/**
 * Cash taken while the desk was offline (issue 14): the take-payment waits in the desk's outbox and
 * reaches the server through /sync/push like every desk command. The desk may push the same
 * mutations again (its answer was lost, the desk restarted): the payment is applied exactly once,
 * the replay answers byte for byte the same, and it counts in the shift it was taken in.
 */
describeEachBackend('offline cash through the outbox, applied exactly once (%s)', (backend) => {
  let server: TestServer;
  let desk: { authorization: string; operatorId: string; signer: OperatorSigner };
  let caseId: string;

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    const login = await server.raw('POST', '/auth/login', { payload: { username: 'medco.b', password: 'coverdesk-demo' } });
    const authorization = `Desk ${String(enrolled.body.credential)}`;
    // The operator's key at this desk signs the outbox (issue 13 item 4).
    const signer = await registerOperatorKey(server, authorization, 'medco.b');
    desk = { authorization, operatorId: String(login.body.operatorId), signer };
    // The mother owes 1,000 at hospital B (S1 step 2, then a booking of the whole package).
    const medcoA = await server.login('medco.a');
    const medcoB = String(login.body.token);
    resultOf(await server.command(medcoA, 'admit', { caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' }));
    const [father] = await server.scratch.db.query<{ id: string }>("SELECT id FROM cases WHERE member_id = $1 AND status = 'admitted'", [demoIds.father]);
    resultOf(await server.command(medcoA, 'request-preauth', { caseId: father!.id, packageCode: 'MG012A' }));
    caseId = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId, packageCode: 'MG006A' }));
    resultOf(await server.command(await server.login('ppd'), 'decide-preauth', { caseId, decision: 'approve' }));
    resultOf(
      await server.command(medcoB, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'WARD',
        description: 'Ward',
        quantity: 5,
        unitPrice: units(1000),
      }),
    );
  });
  afterAll(async () => server?.close());

  it('the same outbox pushed twice takes the cash once; a payment past the balance is answered, not stalled', async () => {
    const takenAt = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const mutations = [
      {
        sequence: 1,
        commandId: randomUUID(),
        name: 'take-payment',
        operatorId: desk.operatorId,
        body: { paymentId: randomUUID(), caseId, amount: units(600), method: 'cash', takenAt },
      },
      {
        sequence: 2,
        commandId: randomUUID(),
        name: 'take-payment',
        operatorId: desk.operatorId,
        body: { paymentId: randomUUID(), caseId, amount: units(600), method: 'cash', takenAt },
      },
    ].map((mutation) => desk.signer.sign(mutation));
    const push = () => server.raw('POST', '/sync/push', { headers: { authorization: desk.authorization }, payload: { protocolVersion: 1, mutations } });
    const first = await push();
    expect(first.status).toBe(200);
    const answers = first.body.answers as { status: number; answer: { code?: string; result?: { receiptNumber: string; account: { owed: number } } } }[];
    expect(answers.map((a) => a.status)).toEqual([200, 409]);
    expect(answers[0]!.answer.result).toMatchObject({ receiptNumber: 'HSP-B-R000001', account: { owed: units(400) } });
    expect(answers[1]!.answer).toMatchObject({ code: 'payment-exceeds-balance', details: { owed: units(400), requested: units(600) } });

    const again = await push();
    expect(again.status).toBe(200);
    expect(again.body.answers).toEqual(first.body.answers);
    const rows = await server.scratch.db.query<{ amount: number; taken_at: Date }>('SELECT amount, taken_at FROM patient_payments WHERE case_id = $1', [
      caseId,
    ]);
    expect(rows.map((r) => [r.amount, new Date(r.taken_at).toISOString()])).toEqual([[units(600), takenAt]]);
    const [account] = await server.scratch.db.query<{ paid: number }>('SELECT paid FROM patient_accounts WHERE case_id = $1', [caseId]);
    expect(account?.paid).toBe(units(600));

    // It counts in the shift it was taken in, not the one it synced in.
    const medcoB = await server.login('medco.b');
    const at = Date.parse(takenAt);
    const shift = await server.get(medcoB, `/reports/cash-drawer?from=${new Date(at - 3_600_000).toISOString()}&to=${new Date(at + 3_600_000).toISOString()}`);
    expect(shift.body.cash).toEqual({ taken: units(600), givenBack: 0, net: units(600) });
    const now = await server.get(
      medcoB,
      `/reports/cash-drawer?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(now.body.cash).toEqual({ taken: 0, givenBack: 0, net: 0 });
  });
});
