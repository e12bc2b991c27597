import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { fhirRequest, hospitalSystemToken, preauthClaim, registerHospitalSystem, type FhirAnswer } from '../testing/fhir';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { warmUpR4Definitions } from './r4-definitions';

/**
 * The pre-auth and enhancement ClaimResponses under a plan with cost sharing (issue 14, S5's
 * "State top-up": family deductible 5,000, co-insurance 10 % medical). The patient's part by the
 * plan's design is told apart from a shortfall over cover: deductible and co-pay in R4's own
 * adjudication codes, co-insurance in CARIN Blue Button's, shortfall only for what the family's
 * cover could not hold. S5's father, nothing else charged: package 40,000 → the plan holds
 * 31,500, the patient's estimate 8,500 (5,000 deductible + 3,500 co-insurance); an enhancement
 * of 10,000 grows the hold by 9,000 (1,000 co-insurance) and the estimate to 9,500. Every
 * resource is validated against @medplum's R4 definitions by `fhirRequest`.
 */
type Adjudication = { category: { coding: { system: string; code: string }[] }; amount?: { value: number } };
const linesOf = (answer: FhirAnswer) =>
  Object.fromEntries(
    (answer.body.total as Adjudication[]).map((line) => [`${line.category.coding[0]!.system}#${line.category.coding[0]!.code}`, line.amount?.value]),
  );
const hl7 = 'http://terminology.hl7.org/CodeSystem/adjudication';
const carin = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication';

describeEachBackend('FHIR ClaimResponse under cost sharing: S5 father (%s)', (backend) => {
  let server: TestServer;
  let token = '';
  let ppd = '';

  beforeAll(async () => {
    warmUpR4Definitions();
    server = await startTestServer(backend, { extraFamilies: 0 });
    const ha = await server.login('ha');
    token = await hospitalSystemToken(server, await registerHospitalSystem(server, ha, demoIds.hospitalA));
    ppd = await server.login('ppd');
  });
  afterAll(async () => server?.close());

  it('the pre-auth states the deductible and co-insurance apart, and no shortfall; the enhancement its co-insurance', async () => {
    const preauth = await fhirRequest(server, 'POST', '/fhir/Claim/$submit', {
      token,
      body: preauthClaim('S5-FATHER', demoIds.s5Father, demoIds.hospitalA, 'MC024A'),
    });
    expect(preauth.status, preauth.text).toBe(200);
    const caseId = String(preauth.body.id);
    expect(linesOf(preauth)).toEqual({
      [`${hl7}#submitted`]: 40_000,
      [`${hl7}#benefit`]: 31_500,
      [`${hl7}#deductible`]: 5000,
      [`${carin}#coinsurance`]: 3500,
    });
    expect(String(preauth.body.disposition)).toContain("₹31,500.00 is held on the family's cover; the patient's estimated part under the plan is ₹8,500.00");
    expect(String(preauth.body.disposition)).not.toContain('shortfall');
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));

    const enhancement = await fhirRequest(server, 'POST', '/fhir/Claim/$submit', {
      token,
      body: {
        ...preauthClaim('S5-FATHER-ENH', demoIds.s5Father, demoIds.hospitalA, 'MC024A'),
        related: [{ claim: { reference: `Claim/${caseId}` } }],
        supportingInfo: [{ sequence: 1, category: { coding: [{ code: 'info' }] }, valueString: 'Two more ICU days' }],
        item: [{ sequence: 1, productOrService: { coding: [{ code: 'MC024A' }] }, net: { value: 10_000, currency: 'INR' } }],
      },
    });
    expect(enhancement.status, enhancement.text).toBe(200);
    const enhancementId = String(enhancement.body.id);
    resultOf(await server.command(ppd, 'decide-enhancement', { enhancementId, decision: 'approve' }));

    const decided = await fhirRequest(server, 'GET', `/fhir/ClaimResponse/${enhancementId}`, { token });
    expect(linesOf(decided)).toEqual({
      [`${hl7}#submitted`]: 10_000,
      [`${hl7}#eligible`]: 10_000,
      [`${hl7}#benefit`]: 9000,
      [`${carin}#coinsurance`]: 1000,
    });
    expect(String(decided.body.disposition)).toContain(
      "₹9,000.00 more is held on the family's cover; the patient's estimated part under the plan is ₹1,000.00 (₹1,000.00 co-insurance)",
    );
    expect(String(decided.body.disposition)).not.toContain('shortfall');

    // The pre-auth now: the hold 40,500, the estimate 9,500 (5,000 deductible + 4,500 co-insurance).
    const now = await fhirRequest(server, 'GET', `/fhir/ClaimResponse/${caseId}`, { token });
    expect(linesOf(now)).toEqual({
      [`${hl7}#submitted`]: 40_000,
      [`${hl7}#benefit`]: 40_500,
      [`${hl7}#deductible`]: 5000,
      [`${carin}#coinsurance`]: 4500,
      [`${hl7}#eligible`]: 40_000,
    });
    const [hold] = await server.scratch.db.query<Record<string, number>>(
      'SELECT amount, authorized, cost_share_estimate, estimate_deductible, estimate_coinsurance, estimate_copay, estimate_not_covered FROM holds WHERE case_id = $1',
      [caseId],
    );
    expect(hold).toEqual({
      amount: 4_050_000,
      authorized: 5_000_000,
      cost_share_estimate: 950_000,
      estimate_deductible: 500_000,
      estimate_coinsurance: 450_000,
      estimate_copay: 0,
      estimate_not_covered: 0,
    });
  });

  it('a true shortfall over cover is still a shortfall, beside the cost share', async () => {
    // The mother's unspecified package, estimated at 150,000: her part stops at the member
    // maximum 12,000, so the plan holds 138,000, leaving 200,000 − 40,500 − 138,000 = 21,500.
    const desk = await server.login('medco.a');
    const motherCase = randomUUID();
    resultOf(await server.command(desk, 'admit', { caseId: motherCase, memberId: demoIds.s5Mother, identityMethod: 'fingerprint' }));
    expect(resultOf(await server.command(desk, 'request-preauth', { caseId: motherCase, packageCode: 'SG999U', estimatedAmount: 15_000_000 }))).toMatchObject({
      holdAmount: 13_800_000,
    });
    // The daughter's 40,000: 5,000 deductible + 3,500 co-insurance (estimates are not charges, so
    // the deductible is hers too); of the plan's 31,500 the cover holds 21,500: 10,000 short.
    const preauth = await fhirRequest(server, 'POST', '/fhir/Claim/$submit', {
      token,
      body: preauthClaim('S5-DAUGHTER', demoIds.s5Daughter, demoIds.hospitalA, 'MC024A'),
    });
    expect(preauth.status, preauth.text).toBe(200);
    expect(linesOf(preauth)).toEqual({
      [`${hl7}#submitted`]: 40_000,
      [`${hl7}#benefit`]: 21_500,
      [`${hl7}#deductible`]: 5000,
      [`${carin}#coinsurance`]: 3500,
      ['urn:coverdesk:adjudication#shortfall']: 10_000,
    });
    expect(String(preauth.body.disposition)).toContain(
      "₹21,500.00 is held on the family's cover; the patient's estimated part under the plan is ₹8,500.00 (₹5,000.00 deductible, ₹3,500.00 co-insurance); ₹10,000.00 would be the patient's shortfall.",
    );
  });
});
