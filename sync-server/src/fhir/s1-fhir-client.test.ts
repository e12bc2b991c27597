import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, type FhirResource } from 'fhir-kit-client';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { clientAssertion, expectValidR4, registerHospitalSystem, tokenForm, type HospitalSystem } from '../testing/fhir';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { codeSystems, identifierSystems } from './config';
import { warmUpR4Definitions } from './r4-definitions';

/**
 * S1 (SCENARIOS.md) end to end through /fhir with a standard FHIR client library
 * (fhir-kit-client, over real HTTP): everything the two hospitals do is FHIR — SMART Backend
 * Services sign-in, eligibility, Claim/$submit pre-auths, the claim with its bookings, and reading
 * every decision back as ClaimResponse and PaymentReconciliation. The payer's own steps (PPD, CEX,
 * CPD, ACO) are not a hospital's to send and stay the scheme's native commands. The same S1 runs
 * through the native command path on a second server, and the family's money must be the same
 * to the unit at the end.
 */
const units = (n: number) => n * 100;

type Json = Record<string, unknown>;
interface Adjudication {
  category: { coding: { system: string; code: string }[] };
  amount?: { value: number; currency: string };
  reason?: { coding: { code: string }[] };
}
/** The amount (currency units) of an adjudication category in a list of lines, or undefined. */
const amountOf = (lines: readonly Adjudication[] | undefined, code: string): number | undefined =>
  lines?.find((line) => line.category.coding.some((c) => c.code === code))?.amount?.value;

/** A hospital system as an integrator writes one: fhir-kit-client, discovering the token endpoint through SMART metadata. */
async function signedInClient(baseUrl: string, system: HospitalSystem): Promise<Client> {
  const client = new Client({ baseUrl });
  const { tokenUrl } = await client.smartAuthMetadata();
  if (!tokenUrl) throw new Error('the server advertises no token endpoint');
  const answer = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenForm(await clientAssertion(system, tokenUrl.toString())),
  });
  const token = (await answer.json()) as { access_token?: string; token_type?: string; scope?: string };
  if (answer.status !== 200 || !token.access_token) throw new Error(`token refused: ${answer.status} ${JSON.stringify(token)}`);
  expect(token.token_type).toBe('bearer');
  client.bearerToken = token.access_token;
  return client;
}

/** Every answer the client gets is held to R4 (the medplum validator, as every /fhir test does). */
async function valid<T extends FhirResource>(call: Promise<T>): Promise<T & Json> {
  return expectValidR4((await call) as T & Json);
}
/** A refusal the client sees: its status and OperationOutcome (fhir-kit-client throws them). */
async function refused(call: Promise<unknown>): Promise<{ status: number; outcome: Json }> {
  try {
    await call;
  } catch (error) {
    const { response } = error as { response?: { status: number; data: Json } };
    if (!response) throw error;
    expectValidR4(response.data);
    return { status: response.status, outcome: response.data };
  }
  throw new Error('expected a refusal, the request succeeded');
}

function preauth(identifier: string, memberSchemeId: string, hospitalId: string, packageCode: string): FhirResource {
  return {
    resourceType: 'Claim',
    identifier: [{ system: 'urn:his:s1:claims', value: identifier }],
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
    use: 'preauthorization',
    patient: { identifier: { system: identifierSystems.member, value: memberSchemeId } },
    created: '2026-12-07T09:30:00+05:30',
    provider: { reference: `Organization/${hospitalId}` },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    fundsReserve: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/fundsreserve', code: 'patient' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { display: 'Family floater cover' } }],
    item: [{ sequence: 1, productOrService: { coding: [{ system: identifierSystems.package, code: packageCode }] } }],
  } as FhirResource;
}

function claim(identifier: string, memberId: string, preAuthRef: string, items: readonly number[], total: number): FhirResource {
  return {
    resourceType: 'Claim',
    identifier: [{ system: 'urn:his:s1:claims', value: identifier }],
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
    use: 'claim',
    patient: { reference: `Patient/${memberId}` },
    created: '2026-12-09T17:00:00+05:30',
    provider: { reference: `Organization/${demoIds.hospitalA}` },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${memberId}` }, preAuthRef: [preAuthRef] }],
    item: items.map((amount, index) => ({
      sequence: index + 1,
      productOrService: { coding: [{ system: codeSystems.itemCode, code: `SVC-${index + 1}` }], text: `Service ${index + 1}` },
      quantity: { value: 1 },
      unitPrice: { value: amount, currency: 'INR' },
      net: { value: amount, currency: 'INR' },
    })),
    total: { value: total, currency: 'INR' },
  } as FhirResource;
}

const eligibilityRequest = (memberSchemeId: string): FhirResource =>
  ({
    resourceType: 'CoverageEligibilityRequest',
    status: 'active',
    purpose: ['benefits'],
    patient: { identifier: { system: identifierSystems.member, value: memberSchemeId } },
    created: '2026-12-07T09:00:00+05:30',
    insurer: { reference: `Organization/scheme-${demoIds.schemeId}` },
  }) as FhirResource;

/** Allowed and used (currency units) of a CoverageEligibilityResponse. */
function coverOf(response: Json): { allowed: number; used: number } {
  const benefit = (response.insurance as { item: { benefit: { allowedMoney: { value: number }; usedMoney: { value: number } }[] }[] }[])[0]!.item[0]!
    .benefit[0]!;
  return { allowed: benefit.allowedMoney.value, used: benefit.usedMoney.value };
}

const workflowCode = (resource: Json) => (resource.meta as { tag: { code: string }[] }).tag[0]!.code;

/**
 * The family's money as the scheme sees it (a scheme-wide role, so every hold and claim shows),
 * without the ids each run makes up and the time it was computed: what the two paths must agree on.
 */
async function familyMoney(server: TestServer, token: string) {
  const balance = (await server.get(token, `/families/${demoIds.seedFamily}/balance`)).body as {
    cover: number;
    committed: number;
    available: number;
    holds: { memberId: string | null; hospitalCode: string; amount: number; consumed: number; authorized: number; preauthStatus: string | null }[];
    claims: { status: string; committedAmount: number }[];
    patientShares: unknown[];
  };
  // The ledger's entries by component and reason, in order: the same money moved the same way.
  const ledger = await server.scratch.db.query<{ component: string; delta: string; reason: string }>(
    'SELECT component, delta::text, reason FROM ledger WHERE family_id = $1 ORDER BY id',
    [demoIds.seedFamily],
  );
  const payments = await server.scratch.db.query<{ amount: number; government_amount: number; insurer_amount: number; net_paid: number | null }>(
    'SELECT amount, government_amount, insurer_amount, net_paid FROM payments ORDER BY amount',
  );
  const lines = await server.scratch.db.query<{ amount: number; payer_amount: number; approved_amount: number | null; reason_code: string | null }>(
    'SELECT b.amount, l.payer_amount, l.approved_amount, l.reason_code FROM claim_lines l JOIN bookings b ON b.id = l.booking_id ORDER BY b.amount, l.approved_amount',
  );
  return {
    cover: balance.cover,
    committed: balance.committed,
    available: balance.available,
    holds: balance.holds
      .map(({ memberId, hospitalCode, amount, consumed, authorized, preauthStatus }) => ({
        memberId,
        hospitalCode,
        amount,
        consumed,
        authorized,
        preauthStatus,
      }))
      .sort((a, b) => a.hospitalCode.localeCompare(b.hospitalCode)),
    claims: balance.claims.map(({ status, committedAmount }) => ({ status, committedAmount })),
    patientShares: balance.patientShares,
    ledger,
    payments: payments.map((p) => ({ ...p, amount: Number(p.amount) })),
    claimLines: lines,
    consistency: (await moneyConsistency(server.scratch)).map((row) => ({ ...row })),
  };
}

/** S1 by the native command path, as seed-scenario.test.ts runs it: the numbers /fhir must reproduce. */
async function runS1Natively(server: TestServer): Promise<void> {
  const login = (name: string) => server.login(name);
  const [deskA, deskB, ppd, cex, cpd, aco] = [
    await login('medco.a'),
    await login('medco.b'),
    await login('ppd'),
    await login('cex'),
    await login('cpd'),
    await login('aco'),
  ];
  const fatherCase = randomUUID();
  const motherCase = randomUUID();
  const bookings = [randomUUID(), randomUUID(), randomUUID()];
  const claimId = randomUUID();
  resultOf(await server.command(deskA, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000001' }));
  resultOf(await server.command(deskA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
  resultOf(await server.command(deskA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
  resultOf(await server.command(deskB, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000002' }));
  resultOf(await server.command(deskB, 'admit', { caseId: motherCase, memberId: demoIds.mother, identityMethod: 'face' }));
  resultOf(await server.command(deskB, 'request-preauth', { caseId: motherCase, packageCode: 'MG006A' }));
  expect((await server.command(deskB, 'admit', { caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' })).status).toBe(409);
  resultOf(await server.command(ppd, 'decide-preauth', { caseId: fatherCase, decision: 'approve' }));
  resultOf(await server.command(ppd, 'decide-preauth', { caseId: motherCase, decision: 'approve' }));
  for (const [index, amount] of [2500, 3000, 500].entries()) {
    resultOf(
      await server.command(deskA, 'add-booking', {
        bookingId: bookings[index]!,
        caseId: fatherCase,
        itemCode: `SVC-${index + 1}`,
        description: `Service ${index + 1}`,
        quantity: 1,
        unitPrice: units(amount),
      }),
    );
  }
  resultOf(await server.command(deskA, 'discharge', { caseId: fatherCase }));
  resultOf(await server.command(deskA, 'submit-claim', { claimId, caseId: fatherCase, amount: units(6000) }));
  expect((await server.command(deskA, 'submit-claim', { claimId: randomUUID(), caseId: fatherCase, amount: units(5900) })).status).toBe(409);
  const lines = [
    { bookingId: bookings[0]!, decision: 'full' as const },
    { bookingId: bookings[1]!, decision: 'partial' as const, approvedAmount: units(2500), reasonCode: 'tariff-exceeded' as const },
    { bookingId: bookings[2]!, decision: 'full' as const },
  ];
  resultOf(await server.command(cex, 'process-claim', { claimId, lines }));
  resultOf(await server.command(cpd, 'verify-claim', { claimId, lines }));
  resultOf(await server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [claimId] }));
}

describeEachBackend('S1 through /fhir with fhir-kit-client, against the native path (%s)', (backend) => {
  let server: TestServer;
  let native: TestServer;
  let base = '';
  let hisA: Client;
  let hisB: Client;
  let ppd = '';
  let scheme = '';

  beforeAll(async () => {
    warmUpR4Definitions();
    server = await startTestServer(backend);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.app.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('the test server is not listening');
    base = `http://127.0.0.1:${address.port}/fhir`;
    const ha = await server.login('ha');
    hisA = await signedInClient(base, await registerHospitalSystem(server, ha, demoIds.hospitalA, 'his-s1-a'));
    hisB = await signedInClient(base, await registerHospitalSystem(server, ha, demoIds.hospitalB, 'his-s1-b'));
    ppd = await server.login('ppd');
    scheme = await server.login('aco');
  });
  // The desk path's S1 runs on a server of its own (its own database), started beside this one.
  beforeAll(async () => {
    native = await startTestServer(backend);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await native?.close();
  });

  let fatherResponse: Json;
  let motherResponse: Json;
  let claimResponse: Json;

  it('the client reads the CapabilityStatement and finds the token endpoint, $submit and the types it needs', async () => {
    const metadata = await valid(new Client({ baseUrl: base }).capabilityStatement());
    const resources = (metadata.rest as { resource: { type: string; interaction: { code: string }[]; operation?: { name: string }[] }[] }[])[0]!.resource;
    expect(resources.find((r) => r.type === 'Claim')?.operation?.map((o) => o.name)).toContain('submit');
    // The writes this client does besides $submit: the eligibility request, and the answer to a query (Task update).
    expect(resources.find((r) => r.type === 'CoverageEligibilityRequest')?.interaction.map((i) => i.code)).toEqual(['create']);
    expect(resources.find((r) => r.type === 'Task')?.interaction.map((i) => i.code)).toContain('update');
    expect(resources.map((r) => r.type)).toEqual(expect.arrayContaining(['ClaimResponse', 'PaymentReconciliation', 'CoverageEligibilityRequest', 'Task']));
  });

  it('step 1: hospital A asks eligibility, then pre-auths the father for 6,000 → hold 6,000, 4,000 available', async () => {
    const before = await valid(hisA.create({ resourceType: 'CoverageEligibilityRequest', body: eligibilityRequest('PMJ-S1000001') }));
    expect(coverOf(before)).toEqual({ allowed: 10000, used: 0 });
    fatherResponse = await valid(
      hisA.operation({ name: '$submit', resourceType: 'Claim', input: preauth('S1-A-FATHER', 'PMJ-S1000001', demoIds.hospitalA, 'MG012A') }),
    );
    expect(fatherResponse).toMatchObject({
      resourceType: 'ClaimResponse',
      use: 'preauthorization',
      outcome: 'queued',
      patient: { reference: `Patient/${demoIds.father}` },
    });
    expect(workflowCode(fatherResponse)).toBe('12');
    const total = fatherResponse.total as Adjudication[];
    expect([amountOf(total, 'submitted'), amountOf(total, 'benefit'), amountOf(total, 'shortfall')]).toEqual([6000, 6000, undefined]);
    const after = await valid(hisA.create({ resourceType: 'CoverageEligibilityRequest', body: eligibilityRequest('PMJ-S1000001') }));
    expect(coverOf(after)).toEqual({ allowed: 10000, used: 6000 });
    expect(String(after.disposition)).toContain('₹4,000.00 of the family');
  });

  it('step 2: hospital B looks the mother up and pre-auths 5,000 → hold 4,000, shortfall 1,000 at admission', async () => {
    const seen = await valid(hisB.create({ resourceType: 'CoverageEligibilityRequest', body: eligibilityRequest('PMJ-S1000002') }));
    expect(coverOf(seen)).toEqual({ allowed: 10000, used: 6000 });
    motherResponse = await valid(
      hisB.operation({ name: '$submit', resourceType: 'Claim', input: preauth('S1-B-MOTHER', 'PMJ-S1000002', demoIds.hospitalB, 'MG006A') }),
    );
    const total = motherResponse.total as Adjudication[];
    expect([amountOf(total, 'submitted'), amountOf(total, 'benefit'), amountOf(total, 'shortfall')]).toEqual([5000, 4000, 1000]);
    expect(String(motherResponse.disposition)).toContain("₹1,000.00 would be the patient's shortfall");
    // The same Claim.identifier again (a retry): the first answer, nothing new.
    const again = await valid(
      hisB.operation({ name: '$submit', resourceType: 'Claim', input: preauth('S1-B-MOTHER', 'PMJ-S1000002', demoIds.hospitalB, 'MG006A') }),
    );
    expect(again).toEqual(motherResponse);
    for (const client of [hisA, hisB]) {
      const both = await valid(client.create({ resourceType: 'CoverageEligibilityRequest', body: eligibilityRequest('PMJ-S1000002') }));
      expect(coverOf(both)).toEqual({ allowed: 10000, used: 10000 });
    }
  });

  it('step 3: hospital B cannot admit the father while his case at A is active; nothing but the stored answer is written', async () => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const answer = await refused(
      hisB.operation({ name: '$submit', resourceType: 'Claim', input: preauth('S1-B-FATHER', 'PMJ-S1000001', demoIds.hospitalB, 'MG012A') }),
    );
    expect(answer.status).toBe(409);
    expect(answer.outcome).toMatchObject({ issue: [{ code: 'business-rule', details: { coding: [{ code: 'case-already-active' }] } }] });
    expect(JSON.stringify(answer.outcome)).toContain('City General Hospital');
    await settleAuditChain(server.scratch.db);
    const after = await snapshotDatabase(server.scratch.db);
    expect(Object.keys(after).filter((table) => after[table] !== before[table])).toEqual(['commands']);
  });

  it('step 4: PPD approves both; each hospital reads its ClaimResponse as approved (21) with the hold unchanged', async () => {
    for (const response of [fatherResponse, motherResponse]) {
      resultOf(await server.command(ppd, 'decide-preauth', { caseId: String(response.id), decision: 'approve' }));
    }
    const father = await valid(hisA.read({ resourceType: 'ClaimResponse', id: String(fatherResponse.id) }));
    const mother = await valid(hisB.read({ resourceType: 'ClaimResponse', id: String(motherResponse.id) }));
    expect([father.outcome, workflowCode(father), amountOf(father.total as Adjudication[], 'benefit')]).toEqual(['complete', '21', 6000]);
    expect([mother.outcome, workflowCode(mother), amountOf(mother.total as Adjudication[], 'benefit')]).toEqual(['complete', '21', 4000]);
    // A hospital reads only its own: B does not see A's pre-auth.
    expect((await refused(hisB.read({ resourceType: 'ClaimResponse', id: String(fatherResponse.id) }))).status).toBe(404);
  });

  it('steps 5–6: hospital A claims 2,500 + 3,000 + 500 = 6,000 against the hold → all covered, the hold becomes the claim', async () => {
    claimResponse = await valid(
      hisA.operation({
        name: '$submit',
        resourceType: 'Claim',
        input: claim('S1-A-FATHER-CLAIM', demoIds.father, String(fatherResponse.preAuthRef), [2500, 3000, 500], 6000),
      }),
    );
    expect(claimResponse).toMatchObject({ use: 'claim', outcome: 'queued', preAuthRef: fatherResponse.preAuthRef });
    expect(workflowCode(claimResponse)).toBe('15');
    const items = claimResponse.item as { adjudication: Adjudication[] }[];
    expect(
      items.map((item) => [amountOf(item.adjudication, 'submitted'), amountOf(item.adjudication, 'benefit'), amountOf(item.adjudication, 'shortfall')]),
    ).toEqual([
      [2500, 2500, undefined],
      [3000, 3000, undefined],
      [500, 500, undefined],
    ]);
    const preauthNow = await valid(hisA.read({ resourceType: 'ClaimResponse', id: String(fatherResponse.id) }));
    expect(String(preauthNow.disposition)).toContain('The hold became the claim.');
    const found = await valid(hisA.search({ resourceType: 'Claim', searchParams: { identifier: 'urn:his:s1:claims|S1-A-FATHER-CLAIM' } }));
    expect(found).toMatchObject({ total: 1, entry: [{ resource: { use: 'claim', total: { value: 6000 }, item: [{}, {}, {}] } }] });
  });

  it('step 7: a claim of 5,900 for the same case (booking sum 6,000) is refused, saying the difference is 100', async () => {
    const short = { ...(claim('S1-A-FATHER-CLAIM-5900', demoIds.father, String(fatherResponse.preAuthRef), [], 5900) as Json) };
    delete short.item;
    const answer = await refused(hisA.operation({ name: '$submit', resourceType: 'Claim', input: short as FhirResource }));
    expect(answer.status).toBe(409);
    expect(answer.outcome).toMatchObject({ issue: [{ details: { coding: [{ code: 'claim-amount-mismatch' }] } }] });
    expect(JSON.stringify(answer.outcome)).toContain('₹100.00');
    expect(JSON.parse(String((answer.outcome.issue as { diagnostics: string }[])[0]!.diagnostics))).toMatchObject({
      bookingSum: units(6000),
      difference: -units(100),
    });
  });

  it('step 8: CEX and CPD approve 5,500 of 6,000; A reads the line decision with its reason code; 500 returns to the cover', async () => {
    const cex = await server.login('cex');
    const cpd = await server.login('cpd');
    const bookings = await server.scratch.db.query<{ id: string; amount: number }>('SELECT b.id, b.amount FROM bookings b ORDER BY b.seq');
    const lines = bookings.map((b) =>
      b.amount === units(3000)
        ? { bookingId: b.id, decision: 'partial' as const, approvedAmount: units(2500), reasonCode: 'tariff-exceeded' as const }
        : { bookingId: b.id, decision: 'full' as const },
    );
    resultOf(await server.command(cex, 'process-claim', { claimId: String(claimResponse.id), lines }));
    const processed = await valid(hisA.read({ resourceType: 'ClaimResponse', id: String(claimResponse.id) }));
    expect(workflowCode(processed)).toBe('25');
    resultOf(await server.command(cpd, 'verify-claim', { claimId: String(claimResponse.id), lines }));
    const decided = await valid(hisA.read({ resourceType: 'ClaimResponse', id: String(claimResponse.id) }));
    expect([decided.outcome, workflowCode(decided), amountOf(decided.total as Adjudication[], 'eligible')]).toEqual(['complete', '21', 5500]);
    const partial = (decided.item as { adjudication: Adjudication[] }[])[1]!.adjudication.find((line) => line.category.coding[0]!.code === 'eligible')!;
    expect(partial).toMatchObject({ amount: { value: 2500 }, reason: { coding: [{ code: 'tariff-exceeded' }] } });
    const cover = await valid(hisA.create({ resourceType: 'CoverageEligibilityRequest', body: eligibilityRequest('PMJ-S1000001') }));
    expect(coverOf(cover)).toEqual({ allowed: 10000, used: 9500 });
  });

  it('step 9: ACO pays 5,500 split 60/40; A reads the PaymentReconciliation (3,300 + 2,200) and the settled ClaimResponse (33)', async () => {
    resultOf(await server.command(scheme, 'approve-payment', { paymentId: randomUUID(), claimIds: [String(claimResponse.id)] }));
    const payments = await valid(hisA.search({ resourceType: 'PaymentReconciliation', searchParams: { request: `Claim/${String(claimResponse.id)}` } }));
    const payment = (payments.entry as { resource: Json }[])[0]!.resource;
    expect(payment).toMatchObject({ paymentAmount: { value: 5500 }, detail: [{ amount: { value: 5500 } }] });
    expect(workflowCode(payment)).toBe('33');
    expect(JSON.stringify(payment.processNote)).toContain('Government share ₹3,300.00; insurer share ₹2,200.00');
    const settled = await valid(hisA.read({ resourceType: 'ClaimResponse', id: String(claimResponse.id) }));
    expect([workflowCode(settled), (settled.payment as { amount: { value: number } }).amount.value]).toEqual(['33', 5500]);
  });

  it("the family's money after S1 through /fhir equals the native path's, to the unit", async () => {
    const viaFhir = await familyMoney(server, scheme);
    await runS1Natively(native);
    const viaNative = await familyMoney(native, await native.login('aco'));
    expect(viaFhir).toEqual(viaNative);
    // …and both are S1's numbers.
    expect(viaFhir).toMatchObject({
      cover: units(10000),
      committed: units(9500),
      available: units(500),
      // Active holds: the father's became his claim (paid 5,500); the mother's 4,000 stands, authorized 5,000.
      holds: [{ memberId: demoIds.mother, hospitalCode: 'HSP-B', amount: units(4000), consumed: 0, authorized: units(5000), preauthStatus: 'approved' }],
      claims: [{ status: 'paid', committedAmount: units(5500) }],
      payments: [{ amount: units(5500), government_amount: units(3300), insurer_amount: units(2200), net_paid: units(5500) }],
    });
    for (const row of viaFhir.consistency) expect(row.ledger).toBe(row.committed);
  }, 180_000);
});
