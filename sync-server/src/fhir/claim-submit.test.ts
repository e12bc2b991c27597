import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { fhirRequest, hospitalSystemToken, preauthClaim, registerHospitalSystem } from '../testing/fhir';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { codeSystems, identifierSystems } from './config';
import { warmUpR4Definitions } from './r4-definitions';

const units = (n: number) => n * 100;

function claimOf(identifier: string, memberId: string, preAuthRef: string, items: readonly number[], total: number) {
  return {
    resourceType: 'Claim',
    identifier: [{ system: 'urn:his:test:claims', value: identifier }],
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
    use: 'claim',
    patient: { reference: `Patient/${memberId}` },
    created: new Date().toISOString(),
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
  };
}

describeEachBackend('FHIR Claim/$submit: pre-auth and claim through the command runner (%s)', (backend) => {
  let server: TestServer;
  let token = '';
  let ppd = '';

  beforeAll(async () => {
    warmUpR4Definitions();
    server = await startTestServer(backend);
    const ha = await server.login('ha');
    token = await hospitalSystemToken(server, await registerHospitalSystem(server, ha, demoIds.hospitalA));
    ppd = await server.login('ppd');
  });
  afterAll(async () => server?.close());

  const submit = (body: unknown, headers: Record<string, string> = {}) => fhirRequest(server, 'POST', '/fhir/Claim/$submit', { token, body, headers });
  const snapshot = async () => {
    await settleAuditChain(server.scratch.db);
    return snapshotDatabase(server.scratch.db);
  };

  it('bad input is a 400 (or 404/415) OperationOutcome with a code and a sentence, and writes nothing', async () => {
    const good = preauthClaim('BAD-1', demoIds.son, demoIds.hospitalA, 'MG012A');
    const cases: [string, unknown, number, string, Record<string, string>?][] = [
      ['an element R4 does not define', { ...good, fundsReserved: 'patient' }, 400, 'Claim.fundsReserved'],
      ['a missing required element', { ...good, patient: undefined }, 400, 'Claim.patient'],
      ['another resource type', { ...good, resourceType: 'Patient' }, 400, 'Send a Claim'],
      ['no identifier', { ...good, identifier: undefined }, 400, 'idempotency key'],
      ['use predetermination', { ...good, use: 'predetermination' }, 400, 'predetermination'],
      ['funds reserved for the provider', { ...good, fundsReserve: { coding: [{ code: 'provider' }] } }, 400, 'fundsReserve'],
      ['a price other than the catalogue', { ...good, item: [{ ...good.item[0], net: { value: 5000, currency: 'INR' } }] }, 400, 'current price'],
      ['another currency', { ...good, item: [{ ...good.item[0], net: { value: 6000, currency: 'USD' } }] }, 400, 'INR'],
      ['a fraction of a paisa', { ...good, item: [{ ...good.item[0], net: { value: 6000.001, currency: 'INR' } }] }, 400, 'decimal places'],
      ['an unknown member', { ...good, patient: { reference: 'Patient/00000000-0000-4000-8000-000000000000' } }, 404, 'no scheme member'],
      [
        'an unknown package',
        { ...good, item: [{ sequence: 1, productOrService: { coding: [{ system: identifierSystems.package, code: 'NOPE' }] } }] },
        404,
        'NOPE',
      ],
      ['a repeated key', '{"resourceType":"Claim","resourceType":"Claim"}', 400, 'resourceType'],
      ['text that is not JSON', '{"resourceType":', 400, 'JSON'],
      ['a body as text/plain', JSON.stringify(good), 415, 'fhir+json', { 'content-type': 'text/plain' }],
    ];
    const before = await snapshot();
    for (const [what, body, status, words, headers] of cases) {
      const answer = await submit(body, headers);
      expect(answer.status, what).toBe(status);
      expect(answer.body.resourceType, what).toBe('OperationOutcome');
      const issue = (answer.body.issue as { code: string; details: { text: string; coding: { code: string }[] }; expression?: string[] }[])[0]!;
      expect(issue.details.coding[0]!.code, what).toMatch(/^[a-z-]+$/);
      expect(JSON.stringify(answer.body), what).toContain(words);
    }
    expect(await snapshot()).toEqual(before);
  });

  let preAuthRef = '';
  let firstAnswer = '';

  it('a pre-auth sent twice with one identifier is decided once; the repeat answers the same ClaimResponse', async () => {
    const claim = preauthClaim('S1-FATHER', demoIds.father, demoIds.hospitalA, 'MG012A');
    const first = await submit(claim);
    expect(first.status, first.text).toBe(200);
    preAuthRef = String(first.body.preAuthRef);
    firstAnswer = first.text;
    const before = await snapshot();
    const again = await submit(claim);
    expect(again.headers['x-command-replayed']).toBe('true');
    expect(again.text).toBe(firstAnswer);
    expect(await snapshot()).toEqual(before);
    const [row] = await server.scratch.db.query<{ holds: number; cases: number }>(
      `SELECT (SELECT count(*)::int FROM holds WHERE family_id = $1) AS holds, (SELECT count(*)::int FROM cases WHERE member_id = $2) AS cases`,
      [demoIds.seedFamily, demoIds.father],
    );
    expect(row).toEqual({ holds: 1, cases: 1 });
    // The same identifier with another content is another claim under a used key: refused, nothing written.
    const other = await submit(preauthClaim('S1-FATHER', demoIds.son, demoIds.hospitalA, 'MG012A'));
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ issue: [{ code: 'duplicate', details: { coding: [{ code: 'command-id-reused' }] } }] });
    expect(await snapshot()).toEqual(before);
  });

  it('admit and hold are one transaction: a member active elsewhere is refused with no case or hold left behind', async () => {
    const desk = await server.login('medco.b');
    const caseId = '11111111-1111-4111-8111-111111111111';
    resultOf(await server.command(desk, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000003' }));
    resultOf(await server.command(desk, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    const before = await snapshot();
    const answer = await submit(preauthClaim('S1-SON', demoIds.son, demoIds.hospitalA, 'MG006A'));
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      issue: [{ severity: 'error', code: 'business-rule', details: { coding: [{ system: codeSystems.refusal, code: 'case-already-active' }] } }],
    });
    // Only the stored answer (so a retry gets the same one): no case, hold, ledger or audit entry.
    const after = await snapshot();
    const changed = Object.keys(after).filter((table) => after[table] !== before[table]);
    expect(changed).toEqual(['commands']);
    resultOf(await server.command(desk, 'cancel-case', { caseId, reason: 'test: admitted for the transaction check' }));
  });

  it('If-None-Exist: a create under an identifier already used returns the existing Claim and creates nothing', async () => {
    const before = await snapshot();
    const answer = await fhirRequest(server, 'POST', '/fhir/Claim', {
      token,
      body: preauthClaim('S1-FATHER-2', demoIds.father, demoIds.hospitalA, 'MG012A'),
      headers: { 'if-none-exist': 'identifier=urn:his:test:claims|S1-FATHER' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ resourceType: 'Claim', identifier: [{ value: 'S1-FATHER' }], use: 'preauthorization' });
    expect(await snapshot()).toEqual(before);
  });

  it('use = claim: the items are booked, the case discharged and the claim raised; 5,900 against 6,000 is refused naming 100', async () => {
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: await caseOfHold(server, preAuthRef), decision: 'approve' }));
    const before = await snapshot();
    const short = await submit(claimOf('S1-FATHER-CLAIM', demoIds.father, preAuthRef, [2500, 3000, 500], 5900));
    expect(short.status).toBe(409);
    expect(short.body).toMatchObject({ issue: [{ code: 'business-rule', details: { coding: [{ code: 'claim-amount-mismatch' }] } }] });
    expect(JSON.stringify(short.body), short.text).toContain('₹100.00');
    expect(JSON.parse(String((short.body.issue as { diagnostics: string }[])[0]!.diagnostics))).toMatchObject({ difference: -units(100) });
    const after = await snapshot();
    expect(Object.keys(after).filter((table) => after[table] !== before[table])).toEqual(['commands']);

    const claimed = await submit(claimOf('S1-FATHER-CLAIM-2', demoIds.father, preAuthRef, [2500, 3000, 500], 6000));
    expect(claimed.status, claimed.text).toBe(200);
    expect(claimed.body).toMatchObject({ resourceType: 'ClaimResponse', use: 'claim', outcome: 'queued', preAuthRef, item: [{}, {}, {}] });
    expect(claimed.body.total).toContainEqual({
      category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'benefit' }] },
      amount: { value: 6000, currency: 'INR' },
    });
    expect((claimed.body.meta as { tag: { code: string }[] }).tag[0]!.code).toBe('15');
    const balance = await server.get(await server.login('medco.a'), `/families/${demoIds.seedFamily}/balance`);
    expect(balance.body).toMatchObject({ committed: units(6000), claims: [expect.objectContaining({ status: 'submitted', committedAmount: units(6000) })] });
    for (const row of await moneyConsistency(server.scratch)) expect(row.committed).toBe(row.ledger);
  });

  it('CoverageEligibilityRequest → CoverageEligibilityResponse with the cover allowed and used', async () => {
    const request = {
      resourceType: 'CoverageEligibilityRequest',
      identifier: [{ system: 'urn:his:test:eligibility', value: 'E-1' }],
      status: 'active',
      purpose: ['benefits'],
      patient: { identifier: { system: identifierSystems.member, value: 'PMJ-S1000002' } },
      created: new Date().toISOString(),
      insurer: { reference: `Organization/scheme-${demoIds.schemeId}` },
    };
    for (const url of ['/fhir/CoverageEligibilityRequest/$submit', '/fhir/CoverageEligibilityRequest']) {
      const answer = await fhirRequest(server, 'POST', url, { token, body: request });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({
        resourceType: 'CoverageEligibilityResponse',
        outcome: 'complete',
        patient: { reference: `Patient/${demoIds.mother}` },
        insurance: [{ inforce: true, item: [{ benefit: [{ allowedMoney: { value: 10000 }, usedMoney: { value: 6000 } }] }] }],
      });
    }
  });
});

async function caseOfHold(server: TestServer, holdId: string): Promise<string> {
  const [row] = await server.scratch.db.query<{ case_id: string }>('SELECT case_id FROM holds WHERE id = $1', [holdId]);
  return row!.case_id;
}
