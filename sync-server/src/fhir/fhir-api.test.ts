import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { fhirRequest, hospitalSystemToken, preauthClaim, registerHospitalSystem, type HospitalSystem } from '../testing/fhir';
import { startTestServer, type TestServer } from '../testing/harness';
import { warmUpR4Definitions } from './r4-definitions';
import { identifierSystems } from './config';

const units = (n: number) => n * 100;

describeEachBackend('FHIR R4 at /fhir: metadata, reads and searches (%s)', (backend) => {
  let server: TestServer;
  let systemA: HospitalSystem;
  let tokenA = '';
  let deskB = '';

  beforeAll(async () => {
    warmUpR4Definitions();
    server = await startTestServer(backend);
    const ha = await server.login('ha');
    systemA = await registerHospitalSystem(server, ha, demoIds.hospitalA);
    tokenA = await hospitalSystemToken(server, systemA);
    deskB = await server.login('medco.b');
  });
  afterAll(async () => server?.close());

  it('GET /fhir/metadata is a valid CapabilityStatement naming every type, search and the token endpoint', async () => {
    const answer = await fhirRequest(server, 'GET', '/fhir/metadata');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('application/fhir+json');
    const rest = (answer.body.rest as { resource: { type: string; searchParam: { name: string }[] }[]; security: { extension: unknown[] } }[])[0]!;
    expect(rest.resource.map((r) => r.type)).toEqual([
      'Patient',
      'Group',
      'Coverage',
      'Organization',
      'InsurancePlan',
      'Claim',
      'ClaimResponse',
      'PaymentReconciliation',
      'Task',
      'CoverageEligibilityRequest',
    ]);
    expect(JSON.stringify(rest.security)).toContain('/fhir/auth/token');
  });

  it('reads Patient, Group, Coverage, Organization and InsurancePlan of the seed family, each valid R4', async () => {
    const patient = await fhirRequest(server, 'GET', `/fhir/Patient/${demoIds.father}`, { token: tokenA });
    expect(patient.status).toBe(200);
    expect(patient.body).toMatchObject({ resourceType: 'Patient', id: demoIds.father, identifier: [{ value: 'PMJ-S1000001' }] });
    const group = await fhirRequest(server, 'GET', `/fhir/Group/${demoIds.seedFamily}`, { token: tokenA });
    expect(group.body).toMatchObject({ resourceType: 'Group', quantity: 4 });
    const coverage = await fhirRequest(server, 'GET', `/fhir/Coverage?beneficiary=Patient/${demoIds.mother}`, { token: tokenA });
    expect(coverage.body).toMatchObject({
      resourceType: 'Bundle',
      total: 1,
      entry: [{ resource: { resourceType: 'Coverage', beneficiary: { reference: `Patient/${demoIds.mother}` } } }],
    });
    const organizations = await fhirRequest(server, 'GET', '/fhir/Organization', { token: tokenA });
    expect(organizations.body.total).toBeGreaterThanOrEqual(3);
    const plan = await fhirRequest(server, 'GET', '/fhir/InsurancePlan/MG012A', { token: tokenA });
    expect(plan.body).toMatchObject({ resourceType: 'InsurancePlan', plan: [{ generalCost: [{ cost: { value: 6000, currency: 'INR' } }] }] });
    const page = await fhirRequest(server, 'GET', '/fhir/InsurancePlan?_count=5', { token: tokenA });
    expect((page.body.entry as unknown[]).length).toBe(5);
    expect(JSON.stringify(page.body.link)).toContain('"next"');
  });

  it('scopes reads like a desk: hospital B does not reach the Pune family until it looks a member up', async () => {
    const before = await fhirRequest(server, 'GET', `/fhir/Patient/${demoIds.mother}`, { token: deskB });
    expect(before.status).toBe(404);
    expect(before.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    const found = await fhirRequest(server, 'GET', `/fhir/Patient?identifier=${identifierSystems.member}|PMJ-S1000002`, { token: deskB });
    expect(found.body).toMatchObject({ total: 1, entry: [{ resource: { id: demoIds.mother } }] });
    expect((await fhirRequest(server, 'GET', `/fhir/Patient/${demoIds.mother}`, { token: deskB })).status).toBe(200);
  });

  it('pre-auth through Claim/$submit: a ClaimResponse with the hold as preAuthRef, then readable and searchable', async () => {
    const answer = await fhirRequest(server, 'POST', '/fhir/Claim/$submit', {
      token: tokenA,
      body: preauthClaim('PA-1', demoIds.father, demoIds.hospitalA, 'MG012A'),
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ resourceType: 'ClaimResponse', use: 'preauthorization', outcome: 'queued', preAuthRef: expect.any(String) });
    expect(answer.body.total).toContainEqual({
      category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'benefit' }] },
      amount: { value: 6000, currency: 'INR' },
    });
    const claimId = String((answer.body.request as { reference: string }).reference).split('/')[1];
    const claim = await fhirRequest(server, 'GET', `/fhir/Claim/${claimId}`, { token: tokenA });
    expect(claim.body).toMatchObject({ use: 'preauthorization', identifier: [{ value: 'PA-1' }], total: { value: 6000 } });
    const byIdentifier = await fhirRequest(server, 'GET', '/fhir/ClaimResponse?identifier=urn:his:test:claims|PA-1', { token: tokenA });
    expect(byIdentifier.body).toMatchObject({ total: 1, entry: [{ resource: { id: claimId, preAuthRef: answer.body.preAuthRef } }] });
    // Hospital B's desk does not see hospital A's pre-auth.
    expect((await fhirRequest(server, 'GET', `/fhir/Claim/${claimId}`, { token: deskB })).status).toBe(404);
    const balance = await server.get(await server.login('medco.a'), `/families/${demoIds.seedFamily}/balance`);
    expect(balance.body).toMatchObject({ committed: units(6000), available: units(4000) });
  });
});
