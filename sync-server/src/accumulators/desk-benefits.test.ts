import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeskBenefitsValue } from '@contract/accumulators';
import { decideCharge } from '@domain/plan-design';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { pharmacyClient, registerPharmacy } from '../testing/pharmacy';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

const units = (n: number) => n * 100;

describeEachBackend('GET /sync/benefits/:memberId — what a desk estimates the patient part from (%s)', (backend) => {
  let server: TestServer;
  let deskA = '';
  let deskB = '';
  let signerA: OperatorSigner;
  let signerB: OperatorSigner;
  const fatherCase = randomUUID();

  const enrol = async (deskId: string): Promise<string> => {
    const ha = await server.login('ha');
    const code = (await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: ha })).body;
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: code.code } });
    return `Desk ${String(enrolled.body.credential)}`;
  };
  const header = (signer: OperatorSigner, memberId: string) =>
    Buffer.from(JSON.stringify(signer.requestProof('benefits', { memberId })), 'utf8').toString('base64url');
  const read = (desk: string, signer: OperatorSigner, memberId: string, proof: string | null = header(signer, memberId)) =>
    server.raw('GET', `/sync/benefits/${memberId}?operatorId=${signer.operatorId}`, {
      headers: { authorization: desk, ...(proof === null ? {} : { 'x-coverdesk-operator-proof': proof }) },
    });

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 2 });
    deskA = await enrol(demoIds.deskA);
    deskB = await enrol(demoIds.deskB);
    signerA = await registerOperatorKey(server, deskA, 'medco.a');
    signerB = await registerOperatorKey(server, deskB, 'medco.b');
    const pharmacy = pharmacyClient(server, (await registerPharmacy(server)).credential);
    // S5 steps 1–2 and the first booking of step 3.
    expect(
      (await pharmacy.claim({ claimId: randomUUID(), memberId: 'PMJ-S5000001', drugCode: 'RX-ATORVA-10', quantity: 1, unitPrice: units(2000) })).status,
    ).toBe(200);
    const medco = await server.login('medco.a');
    resultOf(await server.command(medco, 'admit', { caseId: fatherCase, memberId: demoIds.s5Father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medco, 'request-preauth', { caseId: fatherCase, packageCode: 'MC024A' }));
    resultOf(
      await server.command(medco, 'add-booking', {
        bookingId: randomUUID(),
        caseId: fatherCase,
        itemCode: 'SVC',
        description: 'Service',
        quantity: 1,
        unitPrice: units(25_000),
      }),
    );
  });
  afterAll(async () => server?.close());

  it("answers the family's accumulators, the plan year and the case's charges; decideCharge over them gives S5's 6,700", async () => {
    const answer = await read(deskA, signerA, demoIds.s5Father);
    expect(answer.status).toBe(200);
    const benefits = answer.body as unknown as DeskBenefitsValue;
    expect(benefits.accumulators.planId).toBe('STATE-TOPUP');
    expect(Date.parse(benefits.accumulators.computedAt)).toBeGreaterThan(0);
    const family = benefits.accumulators.benefitBalance.find((b) => b.unit === 'family' && b.type === 'deductible');
    expect(family).toMatchObject({ allowed: units(5000), used: units(5000), remaining: 0 });
    const father = benefits.accumulators.benefitBalance.find((b) => b.memberId === demoIds.s5Father && b.type === 'out-of-pocket-maximum');
    expect(father).toMatchObject({ allowed: units(12_000), used: units(7200), remaining: units(4800) });
    // Every member of the family is in the answer: any of them can be estimated offline from it.
    expect(new Set(benefits.accumulators.benefitBalance.map((b) => b.memberId))).toEqual(
      new Set([null, demoIds.s5Father, demoIds.s5Mother, demoIds.s5Daughter]),
    );
    expect(benefits.plan).toMatchObject({ planId: 'STATE-TOPUP', familyDeductible: units(5000), coinsuranceBp: { medical: 1000, pharmacy: 2000 } });
    expect(benefits.isInNetwork).toBe(true);
    expect(benefits.cases).toEqual([
      {
        caseId: fatherCase,
        memberId: demoIds.s5Father,
        status: 'admitted',
        packageCode: 'MC024A',
        requestedAmount: units(40_000),
        booked: units(25_000),
        patientCharged: units(5200),
        isCopayDue: true,
      },
    ]);
    // The rest of the package (15,000) against these accumulators: 1,500, so 5,200 + 1,500 = S5's 6,700.
    const rest = decideCharge(
      benefits.plan,
      {
        familyDeductibleMet: units(5000),
        memberDeductibleMet: units(3000),
        familyOutOfPocket: units(7200),
        memberOutOfPocket: units(7200),
        memberPlanPaid: units(19_800),
        familyPlanPaid: { medical: units(19_800), pharmacy: 0 },
      },
      { coverage: 'medical', amount: units(15_000), isCopayDue: true, isInNetwork: true, isInWaitingPeriod: false },
    );
    expect(rest.costShare + units(5200)).toBe(units(6700));
  });

  it('refuses a read without a proof, with a proof for another member, or for a family out of the hospital’s reach; writes nothing', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const missing = await read(deskA, signerA, demoIds.s5Father, null);
    expect([missing.status, missing.body.code]).toEqual([403, 'operator-proof-refused']);
    // A proof is for one member: replaying it for another is refused.
    const replayed = await read(deskA, signerA, demoIds.s5Mother, header(signerA, demoIds.s5Father));
    expect([replayed.status, replayed.body.code]).toEqual([403, 'operator-proof-refused']);
    // Desk A's operator key is not desk B's: a proof made at one desk does not read at another.
    const otherDesk = await read(deskB, signerA, demoIds.s5Father);
    expect([otherDesk.status, otherDesk.body.code]).toEqual([403, 'operator-proof-refused']);
    // Hospital B (Satara) serves nobody of this Pune family: 404, as for a member that does not exist.
    const outOfReach = await read(deskB, signerB, demoIds.s5Father);
    expect([outOfReach.status, outOfReach.body.code]).toEqual([404, 'not-found']);
    const badId = await read(deskA, signerA, 'not-a-member');
    expect(badId.status).toBe(400);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });
});
