import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateGovernmentShare } from './commands/claims';
import { demoIds } from './demo/seed';
import { describeEachBackend } from './testing/backends';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from './testing/harness';
import { prepareServer } from './server-state';
import { testServerKeys } from './testing/keys';

const units = (n: number) => n * 100;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('allocateGovernmentShare', () => {
  it("splits a payment's government part across its claims with no remainder", () => {
    expect(allocateGovernmentShare([550_000], 330_000)).toEqual([330_000]);
    expect(allocateGovernmentShare([1, 1, 1], 1)).toEqual([0, 0, 1]);
    const parts = allocateGovernmentShare([333, 333, 334], 600);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(600);
    expect(parts.every((part, index) => part <= [333, 333, 334][index]!)).toBe(true);
    expect(allocateGovernmentShare([0, 0], 0)).toEqual([0, 0]);
  });
});

interface Reconciliation {
  payments: {
    paymentId: string;
    reference: string;
    approved: number;
    netPaid: number;
    deductions: number;
    amount: number;
    governmentAmount: number;
    insurerAmount: number;
    ledgerEntries: number;
    isBalanced: boolean;
    problems: { kind: string; message: string }[];
  }[];
  unbalanced: { paymentId: string; problems: { kind: string }[] }[];
  unmatchedClaims: { claimId: string; kind: string }[];
  isBalanced: boolean;
}

/**
 * The payer console's commands on the seed scenario: supporting documents with the claim, CEX with
 * one partial line, CPD, ACO batching two claims of one hospital into one payment with deductions,
 * the payment ledger and reconciliation (also after tampering as a superuser would); HA revokes a
 * desk (its credential stops at once), changes an operator, and changes scheme parameters.
 */
describeEachBackend('payer console commands (%s)', (backend) => {
  let server: TestServer;
  let deskA = '',
    ppd = '',
    cex = '',
    cpd = '',
    aco = '',
    ha = '';
  const claims: string[] = [];
  let paymentId = '';

  beforeAll(async () => {
    server = await startTestServer(backend);
    deskA = await server.login('medco.a');
    ppd = await server.login('ppd');
    cex = await server.login('cex');
    cpd = await server.login('cpd');
    aco = await server.login('aco');
    ha = await server.login('ha');
  });
  afterAll(async () => {
    for (const row of await moneyConsistency(server.scratch)) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect(row.ledger).toBe(row.committed);
    }
    await server?.close();
  });

  /** Admit, pre-auth, approve, book, discharge and claim one case at hospital A. */
  const claimedCase = async (
    memberId: string,
    packageCode: string,
    amounts: number[],
    documents?: { name: string; kind: string; sizeBytes: number; sha256: string }[],
  ) => {
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
    resultOf(await server.command(deskA, 'request-preauth', { caseId, packageCode }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    const bookingIds: string[] = [];
    for (const [index, amount] of amounts.entries()) {
      const bookingId = randomUUID();
      bookingIds.push(bookingId);
      resultOf(
        await server.command(deskA, 'add-booking', {
          bookingId,
          caseId,
          itemCode: `SVC-${index + 1}`,
          description: `Service ${index + 1}`,
          quantity: 1,
          unitPrice: amount,
        }),
      );
    }
    resultOf(await server.command(deskA, 'discharge', { caseId }));
    const claimId = randomUUID();
    const submitted = resultOf(
      await server.command(deskA, 'submit-claim', {
        claimId,
        caseId,
        amount: amounts.reduce((a, b) => a + b, 0),
        ...(documents ? { documents: documents as never } : {}),
      }),
    );
    return { caseId, claimId, bookingIds, submitted };
  };

  it('S1 steps 6–8: the claim lists its documents; CEX processes one line partly; CPD approves 5,500 of 6,000', async () => {
    const documents = [
      { name: 'discharge-summary.pdf', kind: 'discharge-summary', sizeBytes: 182_044, sha256: sha256('summary') },
      { name: 'final-bill.pdf', kind: 'bill', sizeBytes: 40_210, sha256: sha256('bill') },
    ];
    const father = await claimedCase(demoIds.father, 'MG012A', [units(2500), units(3000), units(500)], documents);
    expect(father.submitted).toMatchObject({ documents: 2, amount: units(6000) });
    claims.push(father.claimId);
    const queue = (await server.get(cex, '/queues/claims/submitted')).body as {
      items: { claimId: string; documents: unknown[]; lines: { bookingId: string; amount: number }[] }[];
    };
    const item = queue.items.find((i) => i.claimId === father.claimId)!;
    expect(item.documents).toEqual(documents.map((d, index) => ({ claimId: father.claimId, position: index + 1, ...d })));
    expect(item.lines.map((l) => l.amount)).toEqual([units(2500), units(3000), units(500)]);
    const lines = [
      { bookingId: father.bookingIds[0]!, decision: 'full' as const },
      { bookingId: father.bookingIds[1]!, decision: 'partial' as const, approvedAmount: units(2500), reasonCode: 'tariff-exceeded' as const },
      { bookingId: father.bookingIds[2]!, decision: 'full' as const },
    ];
    expect(resultOf(await server.command(cex, 'process-claim', { claimId: father.claimId, lines }))).toMatchObject({
      status: 'processed',
      recommendedAmount: units(5500),
    });
    expect(resultOf(await server.command(cpd, 'verify-claim', { claimId: father.claimId, lines }))).toMatchObject({
      status: 'approved',
      approvedAmount: units(5500),
      returnedToCover: units(500),
    });
  });

  it('S1 step 9 as a batch: two approved claims of hospital A → one payment, one reference, 60/40 split, deductions, ledger entries', async () => {
    const son = await claimedCase(demoIds.son, 'SB001A', [units(1000), units(333)]);
    const lines = son.bookingIds.map((bookingId) => ({ bookingId, decision: 'full' as const }));
    resultOf(await server.command(cex, 'process-claim', { claimId: son.claimId, lines }));
    resultOf(await server.command(cpd, 'verify-claim', { claimId: son.claimId, lines }));
    claims.push(son.claimId);
    const queue = (await server.get(aco, '/queues/payments')).body as {
      items: { hospitalCode: string; claims: number; approved: number; claimIds: string[] }[];
    };
    expect(queue.items).toEqual([expect.objectContaining({ hospitalCode: 'HSP-A', claims: 2, approved: units(5500 + 1333) })]);

    paymentId = randomUUID();
    const request = { commandId: randomUUID(), paymentId, claimIds: claims, deductions: units(100) };
    const first = await server.raw('POST', '/commands/approve-payment', { token: aco, payload: request });
    const payment = resultOf(first);
    const total = units(5500 + 1333);
    const government = Math.floor(total * 0.6);
    expect(payment).toMatchObject({
      claims: 2,
      amount: total,
      governmentAmount: government,
      insurerAmount: total - government,
      deductions: units(100),
      netPaid: total - units(100),
    });
    expect(String(payment.reference)).toMatch(/^PAY-HSP-A-\d{8}-[0-9A-F]{32}$/);
    // Idempotent: the same command id answers the same and writes nothing more.
    const again = await server.raw('POST', '/commands/approve-payment', { token: aco, payload: request });
    expect(again.isReplay).toBe(true);
    expect(again.body).toEqual(first.body);
    const ledger = await server.scratch.db.query<{ claim_id: string; approved_amount: number; government_amount: number; insurer_amount: number }>(
      'SELECT claim_id, approved_amount, government_amount, insurer_amount FROM payment_ledger WHERE payment_id = $1 ORDER BY claim_id',
      [paymentId],
    );
    expect(ledger).toHaveLength(2);
    expect(ledger.reduce((sum, l) => sum + Number(l.approved_amount), 0)).toBe(total);
    expect(ledger.reduce((sum, l) => sum + Number(l.government_amount), 0)).toBe(government);
    const paidTwice = await server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [claims[0]!] });
    expect(paidTwice.status).toBe(409);
    expect(paidTwice.body.code).toBe('claim-not-approved');
    // The ledger is append-only.
    await expect(server.scratch.db.query('DELETE FROM payment_ledger WHERE payment_id = $1', [paymentId])).rejects.toThrow(/append-only/);

    const reconciliation = (await server.get(aco, '/reports/reconciliation')).body as unknown as Reconciliation;
    expect(reconciliation.payments).toEqual([
      expect.objectContaining({
        paymentId,
        approved: total,
        netPaid: total - units(100),
        deductions: units(100),
        ledgerEntries: 2,
        isBalanced: true,
        problems: [],
      }),
    ]);
    expect(reconciliation).toMatchObject({ unbalanced: [], unmatchedClaims: [], isBalanced: true });
    // The paying shows in the case's audit trail.
    const trail = (
      await server.get(
        ha,
        `/cases/${(await server.scratch.db.query<{ case_id: string }>('SELECT case_id FROM claims WHERE id = $1', [claims[0]!]))[0]!.case_id}/audit`,
      )
    ).body as { entries: { action: string }[] };
    expect(trail.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['claim-submitted', 'claim-processed', 'claim-verified', 'claim-paid']));
  });

  // A race needs two connections: PGlite has one, so there the two commands would simply run in turn.
  it.skipIf(backend === 'pglite')(
    'two ACOs paying the same claims at the same moment: exactly one payment, one ledger entry per claim (PostgreSQL: concurrent connections)',
    async () => {
      const members = await server.scratch.db.query<{ id: string }>('SELECT id FROM members WHERE family_id <> $1 ORDER BY scheme_member_id LIMIT 2', [
        demoIds.seedFamily,
      ]);
      const racing: string[] = [];
      for (const member of members) {
        const claim = await claimedCase(member.id, 'SB001A', [units(700)]);
        const lines = claim.bookingIds.map((bookingId) => ({ bookingId, decision: 'full' as const }));
        resultOf(await server.command(cex, 'process-claim', { claimId: claim.claimId, lines }));
        resultOf(await server.command(cpd, 'verify-claim', { claimId: claim.claimId, lines }));
        racing.push(claim.claimId);
      }
      const otherAco = await server.login('aco');
      const answers = await Promise.all([
        server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: racing }),
        server.command(otherAco, 'approve-payment', { paymentId: randomUUID(), claimIds: [...racing].reverse() }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)?.body.code).toBe('claim-not-approved');
      const [entries] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM payment_ledger WHERE claim_id = ANY($1::uuid[])', [
        racing,
      ]);
      expect(entries?.count).toBe(2);
      const report = (await server.get(aco, '/reports/reconciliation')).body as unknown as Reconciliation;
      expect(report.isBalanced).toBe(true);
    },
  );

  /**
   * The reconciliation figures kept by the statements that wrote the rows (migration 049) equal the
   * report's definitions read from the claims and entries themselves (the report's query before 049).
   */
  async function expectKeptReconciliation(): Promise<void> {
    const db = server.scratch.db;
    const perPayment = (claims: string, approved: string, entries: string, ledgerApproved: string, government: string, insurer: string, mismatches: string) =>
      `SELECT p.id, ${claims}::int AS claims, ${approved}::bigint AS approved, ${entries}::int AS entries, ${ledgerApproved}::bigint AS ledger_approved,
              ${government}::bigint AS government, ${insurer}::bigint AS insurer, ${mismatches}::int AS mismatches`;
    const defined = await db.query(
      `${perPayment(
        '(SELECT count(*) FROM claims c WHERE c.payment_id = p.id)',
        'COALESCE((SELECT sum(c.approved_amount) FROM claims c WHERE c.payment_id = p.id), 0)',
        '(SELECT count(*) FROM payment_ledger l WHERE l.payment_id = p.id)',
        'COALESCE((SELECT sum(l.approved_amount) FROM payment_ledger l WHERE l.payment_id = p.id), 0)',
        'COALESCE((SELECT sum(l.government_amount) FROM payment_ledger l WHERE l.payment_id = p.id), 0)',
        'COALESCE((SELECT sum(l.insurer_amount) FROM payment_ledger l WHERE l.payment_id = p.id), 0)',
        `(SELECT count(*) FROM payment_ledger l JOIN claims c ON c.id = l.claim_id
           WHERE l.payment_id = p.id AND (c.payment_id IS DISTINCT FROM p.id OR c.approved_amount IS DISTINCT FROM l.approved_amount OR c.status <> 'paid'))`,
      )} FROM payments p ORDER BY p.id`,
    );
    const kept = await db.query(
      `${perPayment(
        'COALESCE(r.claims, 0)',
        'COALESCE(r.approved, 0)',
        'COALESCE(r.ledger_entries, 0)',
        'COALESCE(r.ledger_approved, 0)',
        'COALESCE(r.ledger_government, 0)',
        'COALESCE(r.ledger_insurer, 0)',
        'COALESCE(r.ledger_claim_mismatches, 0)',
      )} FROM payments p LEFT JOIN payment_reconciliation r ON r.payment_id = p.id ORDER BY p.id`,
    );
    expect(defined.length).toBeGreaterThan(0);
    expect(kept).toEqual(defined);
    const definedOrphans = await db.query(
      `SELECT c.id AS claim_id, c.payment_id, 'claim-without-ledger' AS kind FROM claims c
        WHERE c.status = 'paid' AND NOT EXISTS (SELECT 1 FROM payment_ledger l WHERE l.claim_id = c.id)
       UNION ALL
       SELECT l.claim_id, l.payment_id, 'ledger-without-paid-claim' FROM payment_ledger l JOIN claims c ON c.id = l.claim_id
        WHERE c.status <> 'paid' OR c.payment_id IS DISTINCT FROM l.payment_id
       ORDER BY 1, 3`,
    );
    expect(await db.query('SELECT claim_id, payment_id, kind FROM reconciliation_orphans ORDER BY 1, 3')).toEqual(definedOrphans);
  }

  it('reconciliation lists what a superuser changed behind the application: paid + deductions ≠ approved, a claim without a ledger entry', async () => {
    const db = server.scratch.db;
    await db.query('UPDATE payments SET net_paid = net_paid - 1 WHERE id = $1', [paymentId]);
    let report = (await server.get(ha, '/reports/reconciliation')).body as unknown as Reconciliation;
    expect(report.isBalanced).toBe(false);
    expect(report.unbalanced).toEqual([expect.objectContaining({ paymentId, problems: [expect.objectContaining({ kind: 'paid-plus-deductions' })] })]);
    await db.query('UPDATE payments SET net_paid = net_paid + 1 WHERE id = $1', [paymentId]);
    await expectKeptReconciliation();

    await db.query('UPDATE claims SET approved_amount = approved_amount - 7 WHERE id = $1', [claims[1]!]);
    report = (await server.get(aco, '/reports/reconciliation')).body as unknown as Reconciliation;
    expect(report.unbalanced[0]?.problems.map((p) => p.kind)).toEqual(['paid-plus-deductions', 'ledger-vs-claims']);
    await expectKeptReconciliation();
    await db.query('UPDATE claims SET approved_amount = approved_amount + 7 WHERE id = $1', [claims[1]!]);

    // A claim marked paid by hand, with no payment and no ledger entry.
    const stray = await claimedCase(demoIds.daughter, 'SB001A', [units(100)]);
    await db.query("UPDATE claims SET status = 'paid', approved_amount = payer_amount WHERE id = $1", [stray.claimId]);
    report = (await server.get(aco, '/reports/reconciliation')).body as unknown as Reconciliation;
    expect(report.unmatchedClaims).toEqual([expect.objectContaining({ claimId: stray.claimId, kind: 'claim-without-ledger' })]);
    expect(report.unbalanced).toEqual([]);
    await expectKeptReconciliation();
    // A paid claim moved to another payment by hand: both payments' figures, and its entry now
    // points at a claim another payment pays.
    const [other] = await db.query<{ id: string }>('SELECT id FROM payments WHERE id <> $1 ORDER BY id LIMIT 1', [paymentId]);
    if (other) {
      await db.query('UPDATE claims SET payment_id = $2 WHERE id = $1', [claims[1]!, other.id]);
      report = (await server.get(aco, '/reports/reconciliation')).body as unknown as Reconciliation;
      expect(report.unmatchedClaims).toEqual(expect.arrayContaining([expect.objectContaining({ claimId: claims[1]!, kind: 'ledger-without-paid-claim' })]));
      await expectKeptReconciliation();
      await db.query('UPDATE claims SET payment_id = $2 WHERE id = $1', [claims[1]!, paymentId]);
    }
    await db.query("UPDATE claims SET status = 'submitted', approved_amount = NULL WHERE id = $1", [stray.claimId]);
    expect(((await server.get(aco, '/reports/reconciliation')).body as unknown as Reconciliation).isBalanced).toBe(true);
    await expectKeptReconciliation();
  });

  it('HA revokes a desk: its credential stops working at once on /sync/pull, and a repeat is refused', async () => {
    const issued = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: ha });
    expect(issued.status).toBe(200);
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: issued.body.code } });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(200);
    const credential = String(enrolled.body.credential);
    const pull = () => server.raw('GET', '/sync/pull', { headers: { authorization: `Desk ${credential}` } });
    expect((await pull()).status).toBe(200);
    const pending = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: ha });
    const revokeRequest = { commandId: randomUUID(), deskId: demoIds.deskB, reason: 'Laptop reported stolen' };
    const revokedAnswer = await server.raw('POST', '/commands/revoke-desk', { token: ha, payload: revokeRequest });
    expect(resultOf(revokedAnswer)).toMatchObject({ status: 'revoked', enrollmentCodesSpent: 1 });
    // The same command again is the same answer (not "already revoked"), and writes nothing.
    const replayed = await server.raw('POST', '/commands/revoke-desk', { token: ha, payload: revokeRequest });
    expect(replayed).toMatchObject({ status: 200, isReplay: true, body: revokedAnswer.body });
    const refused = await pull();
    expect(refused.status).toBe(401);
    expect(String(refused.body.message)).toMatch(/revoked/);
    // The code issued before the revocation is spent too.
    const late = await server.raw('POST', '/desks/enroll', { payload: { code: pending.body.code } });
    expect(late.status).toBe(401);
    const twice = await server.command(ha, 'revoke-desk', { deskId: demoIds.deskB, reason: 'Again' });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('desk-already-revoked');
    const desks = (await server.get(ha, '/admin/hospitals')).body as { items: { code: string; desks: { id: string; status: string }[] }[] };
    expect(desks.items.find((h) => h.code === 'HSP-B')?.desks).toEqual([expect.objectContaining({ id: demoIds.deskB, status: 'revoked' })]);
  });

  it('HA registers a hospital and a desk there; the desk enrolls with a code; repeats and clashes are refused', async () => {
    const hospitalId = randomUUID();
    const request = { commandId: randomUUID(), hospitalId, code: 'HSP-C', name: 'Rural Hospital Wai', district: 'Satara' };
    const first = await server.raw('POST', '/commands/register-hospital', { token: ha, payload: request });
    expect(resultOf(first)).toMatchObject({ code: 'HSP-C', district: 'Satara' });
    const again = await server.raw('POST', '/commands/register-hospital', { token: ha, payload: request });
    expect(again.isReplay).toBe(true);
    const clash = await server.command(ha, 'register-hospital', { hospitalId: randomUUID(), code: 'HSP-C', name: 'Another', district: 'Pune' });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('already-registered');
    const deskId = randomUUID();
    expect(resultOf(await server.command(ha, 'register-desk', { deskId, hospitalId, name: 'Admission desk C' }))).toMatchObject({
      hospitalCode: 'HSP-C',
      status: 'active',
      isEnrolled: false,
    });
    const hospitals = (await server.get(ha, '/admin/hospitals')).body as { items: { code: string; desks: { id: string; enrolledAt: string | null }[] }[] };
    expect(hospitals.items.find((h) => h.code === 'HSP-C')?.desks).toEqual([expect.objectContaining({ id: deskId, enrolledAt: null })]);
    const issued = await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: ha });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: issued.body.code } });
    expect(enrolled.body).toMatchObject({ hospitalCode: 'HSP-C', deskId });
    const trail = await server.scratch.db.query<{ action: string }>('SELECT action FROM audit_log WHERE entity_id IN ($1, $2) ORDER BY id', [
      hospitalId,
      deskId,
    ]);
    expect(trail.map((t) => t.action)).toEqual(['hospital-registered', 'desk-registered', 'desk-enrollment-code-issued', 'desk-enrolled']);
  });

  it("HA changes an operator's roles and deactivates them; cannot lock themselves out", async () => {
    const operatorId = randomUUID();
    resultOf(
      await server.command(ha, 'create-operator', { operatorId, username: 'temp.reviewer', displayName: 'Temp', password: 'a-long-password', roles: ['CEX'] }),
    );
    expect(resultOf(await server.command(ha, 'update-operator', { operatorId, roles: ['CEX', 'CPD'] }))).toMatchObject({
      roles: ['CEX', 'CPD'],
      isActive: true,
    });
    const token = await server.login('temp.reviewer', 'a-long-password');
    expect((await server.get(token, '/queues/claims/processed')).status).toBe(200);
    // A role removed while a token is out: that token loses it at once.
    resultOf(await server.command(ha, 'update-operator', { operatorId, roles: ['CEX'] }));
    const narrowed = await server.get(token, '/queues/claims/processed');
    expect(narrowed.status).toBe(403);
    expect((await server.get(token, '/queues/claims/submitted')).status).toBe(200);
    resultOf(await server.command(ha, 'update-operator', { operatorId, isActive: false }));
    const deactivated = await server.get(token, '/queues/claims/submitted');
    expect(deactivated.status).toBe(401);
    expect(String(deactivated.body.message)).toMatch(/deactivated/);
    const login = await server.raw('POST', '/auth/login', { payload: { username: 'temp.reviewer', password: 'a-long-password' } });
    expect(login.status).toBe(401);
    const [self] = await server.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'ha'");
    for (const change of [{ isActive: false }, { roles: ['CEX' as const] }]) {
      const refused = await server.command(ha, 'update-operator', { operatorId: self!.id, ...change });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('operator-self-lockout');
    }
    const operators = (await server.get(ha, '/admin/operators')).body as { items: { username: string; roles: string[]; isActive: boolean }[] };
    expect(operators.items.find((o) => o.username === 'temp.reviewer')).toMatchObject({ roles: ['CEX'], isActive: false });
    const audit = await server.scratch.db.query<{ before: { roles: string[]; isActive: boolean }; after: { roles: string[]; isActive: boolean } }>(
      "SELECT before, after FROM audit_log WHERE action = 'operator-updated' AND entity_id = $1 ORDER BY id",
      [operatorId],
    );
    expect(audit.map((a) => [a.before.roles, a.after.roles, a.after.isActive])).toEqual([
      [['CEX'], ['CEX', 'CPD'], true],
      [['CEX', 'CPD'], ['CEX'], true],
      [['CEX'], ['CEX'], false],
    ]);
  });

  it('HA changes scheme parameters: audited with the reason, applied to the next payment and the turnaround target', async () => {
    const request = { commandId: randomUUID(), governmentShareBp: 7500, preauthTurnaroundMinutes: 240, reason: 'New budget year' };
    const answer = await server.raw('POST', '/commands/set-scheme-parameters', { token: ha, payload: request });
    const changed = resultOf(answer);
    expect(await server.raw('POST', '/commands/set-scheme-parameters', { token: ha, payload: request })).toMatchObject({ isReplay: true, body: answer.body });
    expect(changed).toMatchObject({
      parameters: { governmentShareBp: 7500, preauthTurnaroundMinutes: 240, shortfallPolicy: 'partial-hold' },
      previous: { governmentShareBp: 6000, preauthTurnaroundMinutes: 360 },
    });
    expect(server.state.scheme().government_share_bp).toBe(7500);
    const scheme = (await server.get(ha, '/admin/scheme')).body as { items: Record<string, unknown> };
    expect(scheme.items).toMatchObject({ governmentShareBp: 7500, preauthTurnaroundMinutes: 240 });
    const [entry] = await server.scratch.db.query<{ before: Record<string, unknown>; after: Record<string, unknown> }>(
      "SELECT before, after FROM audit_log WHERE action = 'scheme-parameters-set'",
    );
    expect(entry).toMatchObject({
      before: { governmentShareBp: 6000, preauthTurnaroundMinutes: 360 },
      after: { governmentShareBp: 7500, preauthTurnaroundMinutes: 240, reason: 'New budget year' },
    });
    const mother = await claimedCase(demoIds.mother, 'SB001A', [units(400)]);
    const lines = mother.bookingIds.map((bookingId) => ({ bookingId, decision: 'full' as const }));
    resultOf(await server.command(cex, 'process-claim', { claimId: mother.claimId, lines }));
    resultOf(await server.command(cpd, 'verify-claim', { claimId: mother.claimId, lines }));
    expect(resultOf(await server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [mother.claimId] }))).toMatchObject({
      amount: units(400),
      governmentAmount: units(300),
      insurerAmount: units(100),
    });
    resultOf(await server.command(ha, 'set-scheme-parameters', { governmentShareBp: 6000, preauthTurnaroundMinutes: 360, reason: 'Back to the demo values' }));
  });

  it('another server process on the same database picks up changed scheme parameters within its refresh interval', async () => {
    const other = await prepareServer(server.scratch.db, { keys: testServerKeys, schemeRefreshMs: 50 });
    try {
      expect(other.scheme().auto_extend_bp).toBe(server.state.scheme().auto_extend_bp);
      resultOf(await server.command(ha, 'set-scheme-parameters', { autoExtendBp: 2500, reason: 'Allow a quarter more before an enhancement' }));
      await expect.poll(() => other.scheme().auto_extend_bp, { timeout: 5000 }).toBe(2500);
    } finally {
      await other.stop();
    }
    resultOf(await server.command(ha, 'set-scheme-parameters', { autoExtendBp: 0, reason: 'Back to the demo value' }));
  });

  it('HA reads are HA-only: a CEX gets 403 on every /admin read', async () => {
    for (const path of ['/admin/hospitals', '/admin/operators', '/admin/packages', '/admin/scheme']) {
      const answer = await server.get(cex, path);
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('forbidden-role');
      expect((await server.get(ha, path)).status).toBe(200);
    }
    const packages = (await server.get(ha, '/admin/packages')).body as { items: { code: string; versions: { version: number }[] }[] };
    expect(packages.items.find((p) => p.code === 'MG012A')?.versions[0]?.version).toBe(1);
  });
});
