import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { fhirRequest, hospitalSystemToken, preauthClaim, registerHospitalSystem, type FhirAnswer } from '../testing/fhir';
import { moneyConsistency, resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { defaultWorkflowCodes, loadWorkflowCodes } from './config';
import { warmUpR4Definitions } from './r4-definitions';

/**
 * The FHIR writes beyond a pre-auth and a claim: an enhancement request (a pre-authorization Claim
 * naming the pre-auth it extends, NHCX 13) and the answer to a reviewer's query (a Task update),
 * each the native command underneath. The server runs with a deployment's own workflow codes
 * (COVERDESK_FHIR_WORKFLOW_CODES), and the resources carry them.
 */
const units = (n: number) => n * 100;
const deployment = { system: 'urn:example:exchange-workflow', codes: { 'enhancement-requested': 'E-13', queried: 'Q-24', approved: 'A-21' } };

type Adjudication = { category: { coding: { code: string }[] }; amount?: { value: number } };
const amountOf = (answer: FhirAnswer, code: string): number | undefined =>
  (answer.body.total as Adjudication[] | undefined)?.find((line) => line.category.coding[0]!.code === code)?.amount?.value;
const tagOf = (resource: Record<string, unknown>) => (resource.meta as { tag?: { system: string; code: string }[] } | undefined)?.tag?.[0];

function enhancementClaim(identifier: string, names: { preAuthRef?: string; preauthClaim?: string }, amount: number, reason = 'Stay extended by two days') {
  return {
    resourceType: 'Claim',
    identifier: [{ system: 'urn:his:test:enhancements', value: identifier }],
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
    use: 'preauthorization',
    patient: { reference: `Patient/${demoIds.father}` },
    created: '2026-12-08T10:00:00+05:30',
    provider: { reference: `Organization/${demoIds.hospitalA}` },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    fundsReserve: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/fundsreserve', code: 'patient' }] },
    ...(names.preauthClaim ? { related: [{ claim: { reference: `Claim/${names.preauthClaim}` } }] } : {}),
    ...(reason ? { supportingInfo: [{ sequence: 1, category: { coding: [{ code: 'info' }] }, valueString: reason }] } : {}),
    insurance: [
      { sequence: 1, focal: true, coverage: { reference: `Coverage/${demoIds.father}` }, ...(names.preAuthRef ? { preAuthRef: [names.preAuthRef] } : {}) },
    ],
    item: [{ sequence: 1, productOrService: { coding: [{ code: 'MG012A' }] }, net: { value: amount, currency: 'INR' } }],
  };
}

describe('workflow codes in configuration', () => {
  it('a file overrides the codes it names, keeps the defaults of the rest, and refuses an unknown step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-workflow-'));
    try {
      const file = join(dir, 'codes.json');
      writeFileSync(file, JSON.stringify(deployment));
      const codes = loadWorkflowCodes(file);
      expect(codes.system).toBe(deployment.system);
      expect(codes.codes).toEqual({ ...defaultWorkflowCodes.codes, ...deployment.codes });
      writeFileSync(file, JSON.stringify({ codes: { 'pre-auth': '12' } }));
      expect(() => loadWorkflowCodes(file)).toThrow(/unknown workflow step pre-auth/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeEachBackend('FHIR writes: enhancement requests and query answers, with configured workflow codes (%s)', (backend) => {
  let server: TestServer;
  let tokenA = '';
  let tokenB = '';
  let readOnlyA = '';
  let ppd = '';
  let configDir = '';

  beforeAll(async () => {
    warmUpR4Definitions();
    configDir = mkdtempSync(join(tmpdir(), 'coverdesk-workflow-'));
    writeFileSync(join(configDir, 'codes.json'), JSON.stringify(deployment));
    const previous = process.env.COVERDESK_FHIR_WORKFLOW_CODES;
    process.env.COVERDESK_FHIR_WORKFLOW_CODES = join(configDir, 'codes.json');
    try {
      server = await startTestServer(backend);
    } finally {
      if (previous === undefined) delete process.env.COVERDESK_FHIR_WORKFLOW_CODES;
      else process.env.COVERDESK_FHIR_WORKFLOW_CODES = previous;
    }
    const ha = await server.login('ha');
    const systemA = await registerHospitalSystem(server, ha, demoIds.hospitalA);
    tokenA = await hospitalSystemToken(server, systemA);
    readOnlyA = await hospitalSystemToken(server, systemA, 'system/*.read system/Claim.write');
    tokenB = await hospitalSystemToken(server, await registerHospitalSystem(server, ha, demoIds.hospitalB));
    ppd = await server.login('ppd');
  });
  afterAll(async () => {
    await server?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const snapshot = async () => {
    await settleAuditChain(server.scratch.db);
    return snapshotDatabase(server.scratch.db);
  };
  const changedTables = (before: Record<string, unknown>, after: Record<string, unknown>) => Object.keys(after).filter((t) => after[t] !== before[t]);
  const submit = (token: string, body: unknown) => fhirRequest(server, 'POST', '/fhir/Claim/$submit', { token, body });
  const putTask = (token: string, id: string, body: unknown) => fhirRequest(server, 'PUT', `/fhir/Task/${id}`, { token, body });

  let sonCase = '';
  let task: Record<string, unknown> = {};

  it("a reviewer's query is a Task (versioned, with the configured code); PUT with status completed answers it", async () => {
    const preauth = await submit(tokenA, preauthClaim('Q-SON', demoIds.son, demoIds.hospitalA, 'MG006A'));
    expect(preauth.status, preauth.text).toBe(200);
    sonCase = String(preauth.body.id);
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: sonCase, decision: 'query', reason: 'Send the platelet count of day 2.' }));
    const found = await fhirRequest(server, 'GET', `/fhir/Task?focus=Claim/${sonCase}`, { token: tokenA });
    task = (found.body.entry as { resource: Record<string, unknown> }[])[0]!.resource;
    expect(task).toMatchObject({ status: 'requested', meta: { versionId: '1' }, input: [{ valueString: 'Send the platelet count of day 2.' }] });
    expect(tagOf(task)).toMatchObject({ system: deployment.system, code: 'Q-24' });
    const claimResponse = await fhirRequest(server, 'GET', `/fhir/ClaimResponse/${sonCase}`, { token: tokenA });
    expect(tagOf(claimResponse.body)).toMatchObject({ system: deployment.system, code: 'Q-24' });

    const answer = {
      ...task,
      status: 'completed',
      output: [{ type: { text: 'response' }, valueString: 'Platelets 48,000 on day 2; report attached to the file.' }],
    };
    const answered = await putTask(tokenA, String(task.id), answer);
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body).toMatchObject({
      resourceType: 'Task',
      status: 'completed',
      output: [{ valueString: 'Platelets 48,000 on day 2; report attached to the file.' }],
    });
    const [row] = await server.scratch.db.query<{ status: string; query_response: string }>('SELECT status, query_response FROM preauths WHERE case_id = $1', [
      sonCase,
    ]);
    expect(row).toEqual({ status: 'pending', query_response: 'Platelets 48,000 on day 2; report attached to the file.' });
    // The pre-auth waits for its decision again: code 12 (a step the file leaves at its default).
    expect(tagOf((await fhirRequest(server, 'GET', `/fhir/ClaimResponse/${sonCase}`, { token: tokenA })).body)?.code).toBe('12');

    // The same PUT again (a retry): the same Task, marked replayed, nothing written.
    const before = await snapshot();
    const again = await putTask(tokenA, String(task.id), answer);
    expect(again.headers['x-command-replayed']).toBe('true');
    expect(again.body).toEqual(answered.body);
    expect(await snapshot()).toEqual(before);
  });

  it('a Task answer that is bad input is a 4xx OperationOutcome and writes nothing; a second round takes a new answer', async () => {
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: sonCase, decision: 'query', reason: 'And the day 3 count?' }));
    const open = (await fhirRequest(server, 'GET', `/fhir/Task/${String(task.id)}`, { token: tokenA })).body;
    expect(open).toMatchObject({ status: 'requested', meta: { versionId: '2' } });
    const good = { ...open, status: 'completed', output: [{ type: { text: 'response' }, valueString: 'Day 3: 61,000.' }] };
    const cases: [string, string, string, unknown, number, string][] = [
      ['status not completed', tokenA, String(task.id), { ...good, status: 'in-progress' }, 400, 'status completed'],
      ['no answer', tokenA, String(task.id), { ...good, output: undefined }, 400, 'Task.output'],
      ['another id in the body', tokenA, String(task.id), { ...good, id: sonCase }, 400, 'the id in the URL'],
      ['a version the Task never had', tokenA, String(task.id), { ...good, meta: { versionId: '7' } }, 400, 'not a version'],
      ['a new answer to the earlier round', tokenA, String(task.id), { ...good, meta: { versionId: '1' } }, 400, 'earlier query'],
      ['an element R4 does not define', tokenA, String(task.id), { ...good, answer: 'Day 3: 61,000.' }, 400, 'Task.answer'],
      ['no such Task', tokenA, '00000000-0000-4000-8000-000000000000', { ...good, id: '00000000-0000-4000-8000-000000000000' }, 404, 'no Task'],
      ["another hospital's Task", tokenB, String(task.id), good, 404, 'no Task'],
      ['a token without system/Task.write', readOnlyA, String(task.id), good, 403, 'system/Task.write'],
    ];
    const before = await snapshot();
    for (const [what, token, id, body, status, words] of cases) {
      const answer = await putTask(token, id, body);
      expect(answer.status, `${what}: ${answer.text}`).toBe(status);
      expect(answer.body.resourceType, what).toBe('OperationOutcome');
      expect(JSON.stringify(answer.body), what).toContain(words);
    }
    expect(await snapshot()).toEqual(before);

    const answered = await putTask(tokenA, String(task.id), good);
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body).toMatchObject({ status: 'completed', meta: { versionId: '2' }, output: [{ valueString: 'Day 3: 61,000.' }] });
    // Answering a query that is no longer open is the native refusal, stored (only the command row).
    const late = await snapshot();
    const refused = await putTask(tokenA, String(task.id), { ...good, output: [{ type: { text: 'response' }, valueString: 'One more thing.' }] });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ issue: [{ code: 'business-rule', details: { coding: [{ code: 'preauth-not-pending' }] } }] });
    expect(changedTables(late, await snapshot())).toEqual(['commands']);
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: sonCase, decision: 'reject', reason: 'Test: the son is treated as an outpatient.' }));
  });

  let fatherCase = '';
  let holdId = '';
  let enhancement: FhirAnswer;

  it('an enhancement is a pre-authorization Claim naming the hold: pending (configured 13), then approved, the hold grows', async () => {
    const preauth = await submit(tokenA, preauthClaim('E-FATHER', demoIds.father, demoIds.hospitalA, 'MG012A'));
    fatherCase = String(preauth.body.id);
    holdId = String(preauth.body.preAuthRef);
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: fatherCase, decision: 'approve' }));

    enhancement = await submit(tokenA, enhancementClaim('ENH-1', { preAuthRef: holdId }, 1200));
    expect(enhancement.status, enhancement.text).toBe(200);
    expect(enhancement.body).toMatchObject({ resourceType: 'ClaimResponse', use: 'preauthorization', outcome: 'queued', preAuthRef: holdId });
    expect(tagOf(enhancement.body)).toMatchObject({ system: deployment.system, code: 'E-13' });
    expect(amountOf(enhancement, 'submitted')).toBe(1200);
    expect(String(enhancement.body.disposition)).toContain('₹1,200.00 requested');
    const [stored] = await server.scratch.db.query<{ status: string; requested_amount: number; reason: string }>(
      'SELECT status, requested_amount, reason FROM enhancements WHERE id = $1',
      [String(enhancement.body.id)],
    );
    expect(stored).toEqual({ status: 'pending', requested_amount: units(1200), reason: 'Stay extended by two days' });

    // A retry with the same identifier: the first answer, nothing written.
    const before = await snapshot();
    const again = await submit(tokenA, enhancementClaim('ENH-1', { preAuthRef: holdId }, 1200));
    expect(again.headers['x-command-replayed']).toBe('true');
    expect(again.text).toBe(enhancement.text);
    expect(await snapshot()).toEqual(before);

    // The enhancement is a Claim of its own, found by its identifier, related to the pre-auth it extends.
    const claim = await fhirRequest(server, 'GET', '/fhir/Claim?identifier=urn:his:test:enhancements|ENH-1', { token: tokenA });
    expect(claim.body).toMatchObject({
      total: 1,
      entry: [{ resource: { id: enhancement.body.id, related: [{ claim: { reference: `Claim/${fatherCase}` } }], insurance: [{ preAuthRef: [holdId] }] } }],
    });

    resultOf(
      await server.command(ppd, 'decide-enhancement', {
        enhancementId: String(enhancement.body.id),
        decision: 'approve-lower',
        amount: units(1000),
        reason: 'One extra day is justified.',
      }),
    );
    const decided = await fhirRequest(server, 'GET', `/fhir/ClaimResponse/${String(enhancement.body.id)}`, { token: tokenA });
    expect(decided.body).toMatchObject({ outcome: 'complete' });
    expect(tagOf(decided.body)?.code).toBe('A-21');
    expect([amountOf(decided, 'submitted'), amountOf(decided, 'eligible'), amountOf(decided, 'benefit'), amountOf(decided, 'shortfall')]).toEqual([
      1200,
      1000,
      1000,
      undefined,
    ]);
    const preauthNow = await fhirRequest(server, 'GET', `/fhir/ClaimResponse/${fatherCase}`, { token: tokenA });
    expect(amountOf(preauthNow, 'benefit')).toBe(7000);
    const balance = await server.get(await server.login('medco.a'), `/families/${demoIds.seedFamily}/balance`);
    expect(balance.body).toMatchObject({ committed: units(7000), available: units(3000) });
  });

  it('bad enhancement input is a 4xx OperationOutcome that writes nothing; the native refusals come back as 409', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['no reason', tokenA, enhancementClaim('BAD-1', { preAuthRef: holdId }, 500, ''), 400, 'why more is needed'],
      [
        'two items',
        tokenA,
        {
          ...enhancementClaim('BAD-2', { preAuthRef: holdId }, 500),
          item: [{}, {}].map((_, i) => ({ sequence: i + 1, productOrService: { text: 'x' }, net: { value: 1, currency: 'INR' } })),
        },
        400,
        'exactly one item',
      ],
      [
        'no amount',
        tokenA,
        { ...enhancementClaim('BAD-3', { preAuthRef: holdId }, 500), item: [{ sequence: 1, productOrService: { text: 'x' } }] },
        400,
        'Claim.item[0].net',
      ],
      [
        'a total other than the amount',
        tokenA,
        { ...enhancementClaim('BAD-4', { preAuthRef: holdId }, 500), total: { value: 600, currency: 'INR' } },
        400,
        'Claim.total',
      ],
      [
        'funds reserved for the provider',
        tokenA,
        { ...enhancementClaim('BAD-5', { preAuthRef: holdId }, 500), fundsReserve: { coding: [{ code: 'provider' }] } },
        400,
        'fundsReserve',
      ],
      ['a fraction of a paisa', tokenA, enhancementClaim('BAD-6', { preAuthRef: holdId }, 500.005), 400, 'decimal places'],
      ['an unknown hold', tokenA, enhancementClaim('BAD-7', { preAuthRef: '00000000-0000-4000-8000-000000000000' }, 500), 404, 'no pre-authorization'],
      [
        "another hospital's pre-auth",
        tokenB,
        { ...enhancementClaim('BAD-8', { preAuthRef: holdId }, 500), provider: { reference: `Organization/${demoIds.hospitalB}` } },
        404,
        'no pre-authorization',
      ],
      [
        "another patient than the pre-auth's",
        tokenA,
        { ...enhancementClaim('BAD-10', { preAuthRef: holdId }, 500), patient: { reference: `Patient/${demoIds.son}` } },
        400,
        'not the patient',
      ],
      ['a related Claim that is no pre-auth', tokenA, enhancementClaim('BAD-9', { preauthClaim: 'not-a-claim' }, 500), 404, 'Claim/not-a-claim'],
    ];
    const before = await snapshot();
    for (const [what, token, body, status, words] of cases) {
      const answer = await submit(token, body);
      expect(answer.status, `${what}: ${answer.text}`).toBe(status);
      expect(answer.body.resourceType, what).toBe('OperationOutcome');
      expect(JSON.stringify(answer.body), what).toContain(words);
    }
    expect(await snapshot()).toEqual(before);

    // The son's pre-auth was rejected: an enhancement of it is the native refusal, stored (the command row only).
    const notApproved = await submit(tokenA, {
      ...enhancementClaim('ENH-SON', { preauthClaim: sonCase }, 500),
      patient: { reference: `Patient/${demoIds.son}` },
    });
    expect(notApproved.status).toBe(409);
    expect(notApproved.body).toMatchObject({ issue: [{ code: 'business-rule', details: { coding: [{ code: 'preauth-not-approved' }] } }] });
    const after = await snapshot();
    expect(changedTables(before, after)).toEqual(['commands']);
  });

  it('one enhancement at a time; the next, by related.claim, holds what the cover has left and the rest is shortfall', async () => {
    const second = await submit(tokenA, enhancementClaim('ENH-2', { preauthClaim: fatherCase }, 5000, 'Complication: a second procedure'));
    expect(second.status, second.text).toBe(200);
    const before = await snapshot();
    const third = await submit(tokenA, enhancementClaim('ENH-3', { preAuthRef: holdId }, 100));
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ issue: [{ details: { coding: [{ code: 'enhancement-already-pending' }] } }] });
    expect(changedTables(before, await snapshot())).toEqual(['commands']);

    resultOf(await server.command(ppd, 'decide-enhancement', { enhancementId: String(second.body.id), decision: 'approve' }));
    const decided = await fhirRequest(server, 'GET', `/fhir/ClaimResponse?request=Claim/${String(second.body.id)}`, { token: tokenA });
    const response = (decided.body.entry as { resource: Record<string, unknown> }[])[0]!.resource;
    const lines = response.total as Adjudication[];
    const amount = (code: string) => lines.find((line) => line.category.coding[0]!.code === code)?.amount?.value;
    expect([amount('submitted'), amount('eligible'), amount('benefit'), amount('shortfall')]).toEqual([5000, 5000, 3000, 2000]);
    expect(String(response.disposition)).toContain("₹2,000.00 would be the patient's shortfall");
    const balance = await server.get(await server.login('medco.a'), `/families/${demoIds.seedFamily}/balance`);
    expect(balance.body).toMatchObject({ cover: units(10000), committed: units(10000), available: 0 });
    for (const row of await moneyConsistency(server.scratch)) {
      expect(row.committed).toBeLessThanOrEqual(row.cover);
      expect(row.ledger).toBe(row.committed);
    }
    // Discharged at the desk, the claim not yet sent: the pre-auth carries the discharge code (14, the default the file keeps).
    const desk = await server.login('medco.a');
    resultOf(
      await server.command(desk, 'add-booking', {
        bookingId: randomUUID(),
        caseId: fatherCase,
        itemCode: 'SVC-1',
        description: 'Ward stay',
        quantity: 1,
        unitPrice: units(500),
      }),
    );
    resultOf(await server.command(desk, 'discharge', { caseId: fatherCase }));
    const discharged = await fhirRequest(server, 'GET', `/fhir/ClaimResponse/${fatherCase}`, { token: tokenA });
    expect(tagOf(discharged.body)).toMatchObject({ system: deployment.system, code: '14' });
  });
});
