import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNames, type CommandBody, type CommandName } from '@contract/commands';
import { buildApp } from './app';
import { demoIds } from './demo/seed';
import { openPostgres } from './db/postgres';
import { DevelopmentSmsSink } from './identity/sms';
import { ChangeNotifier } from './sync/notifier';
import { availableBackends } from './testing/databases';
import { occupyConnection } from './testing/busy-pool';
import { pdfBytes, uploadFamilyDocument } from './testing/documents';
import { verifiedCode } from './testing/enrolment';
import { startTestServer, type TestServer } from './testing/harness';
import { registerOperatorKey } from './testing/operator-keys';

/** The parts of an OpenAPI 3 document this test reads. */
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>>;
}

type Json = Record<string, unknown>;
type WithoutCommandId<T> = T extends unknown ? Omit<T, 'commandId'> : never;
const units = (n: number) => n * 100; // the demo scheme counts paise

/**
 * Issue 12 item 22, issue 21 item 2: every command's real answers — each success along S1 and the
 * other lifecycles, and the refusals (409 by code, 400, 401, 403, 404, 413, 415, 503) — hold to
 * the schema the served OpenAPI document (/docs/json) gives for that command and status. Each
 * answer is also altered (a field more, a field less) and must then fail: a command whose answer
 * schema were an open object, or missing, fails here. Every command must be seen answering 200.
 */
describe("every command's real answers hold to the served OpenAPI document", () => {
  let server: TestServer;
  let document: OpenApiDocument;
  const sms = new DevelopmentSmsSink();
  const tokens: Record<string, string> = {};
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  const validators = new Map<string, ValidateFunction>();
  /** `name status` (and `name 409 code`) of every answer checked. */
  const checked = new Set<string>();

  beforeAll(async () => {
    server = await startTestServer(availableBackends[0]!, { extraFamilies: 0, sms });
    for (const user of ['medco.a', 'medco.b', 'ppd', 'mc', 'admin', 'cex', 'cpd', 'aco', 'ha']) tokens[user] = await server.login(user);
    document = JSON.parse((await server.app.inject({ method: 'GET', url: '/docs/json' })).body) as OpenApiDocument;
  });
  afterAll(async () => server?.close());

  const schemaOf = (name: CommandName, status: number): ValidateFunction => {
    const key = `${name} ${status}`;
    let validate = validators.get(key);
    if (!validate) {
      const schema = document.paths[`/commands/${name}`]?.post?.responses?.[String(status)]?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`the document lists no ${status} answer for POST /commands/${name}`);
      validate = ajv.compile(schema);
      validators.set(key, validate);
    }
    return validate;
  };

  /** The answer with one field more, and with its first field less, where the schema must say so. */
  const altered = (answer: Json, status: number): { more: Json; less: Json } => {
    if (status === 200) {
      const result = answer.result as Json;
      const [first] = Object.keys(result);
      const { [first!]: _dropped, ...rest } = result;
      return { more: { ...answer, result: { ...result, unlisted: true } }, less: { ...answer, result: rest } };
    }
    const { code: _code, ...withoutCode } = answer;
    return { more: { ...answer, unlisted: true }, less: withoutCode };
  };

  /** Hold one real answer of `name` to the document, and prove the schema tells a wrong one apart. */
  const holds = (name: CommandName, status: number, answer: Json): void => {
    const validate = schemaOf(name, status);
    expect(validate(answer), `${name} ${status} ${JSON.stringify(answer)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    const { more, less } = altered(answer, status);
    expect(validate(more), `${name} ${status}: a field the document does not list passes`).toBe(false);
    expect(validate(less), `${name} ${status}: an answer missing a field passes`).toBe(false);
    checked.add(`${name} ${status}`);
    if (status === 409) checked.add(`${name} 409 ${String(answer.code)}`);
  };

  const send = async <N extends CommandName>(
    user: string,
    name: N,
    body: WithoutCommandId<CommandBody<N>> & { commandId?: string },
    status = 200,
  ): Promise<Json> => {
    const response = await server.app.inject({
      method: 'POST',
      url: `/commands/${name}`,
      headers: { authorization: `Bearer ${tokens[user]!}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ commandId: randomUUID(), ...body }),
    });
    expect(response.statusCode, `${name}: ${response.body}`).toBe(status);
    const answer = JSON.parse(response.body) as Json;
    holds(name, status, answer);
    return status === 200 ? (answer.result as Json) : answer;
  };

  const lastCode = (): string => {
    const code = /code is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1];
    if (!code) throw new Error('no one-time code reached the SMS sink');
    return code;
  };

  it('S1, the other lifecycles and every refusal: each answer as the document says, and only that', async () => {
    // S1 (SCENARIOS.md), steps 1-9.
    const fatherCase = randomUUID();
    const motherCase = randomUUID();
    expect(await send('medco.a', 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000001' })).toMatchObject({ member: { memberId: demoIds.father } });
    await send('medco.a', 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' });
    expect(await send('medco.a', 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' })).toMatchObject({ holdAmount: units(6000) });
    await send('medco.b', 'admit', { caseId: motherCase, memberId: demoIds.mother, identityMethod: 'face' });
    expect(await send('medco.b', 'request-preauth', { caseId: motherCase, packageCode: 'MG006A' })).toMatchObject({
      holdAmount: units(4000),
      shortfall: units(1000),
    });
    await send('medco.b', 'admit', { caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' }, 409);
    await send('ppd', 'decide-preauth', { caseId: fatherCase, decision: 'approve' });
    await send('ppd', 'decide-preauth', { caseId: motherCase, decision: 'approve' });
    const bookings = [randomUUID(), randomUUID(), randomUUID()];
    for (const [index, amount] of [2500, 3000, 500].entries()) {
      await send('medco.a', 'add-booking', {
        bookingId: bookings[index]!,
        caseId: fatherCase,
        itemCode: `SVC-${index + 1}`,
        description: `Service ${index + 1}`,
        quantity: 1,
        unitPrice: units(amount),
      });
    }
    await send('medco.a', 'discharge', { caseId: fatherCase });
    const claimId = randomUUID();
    await send('medco.a', 'submit-claim', {
      claimId,
      caseId: fatherCase,
      amount: units(6000),
      documents: [{ name: 'summary.pdf', kind: 'discharge-summary', sizeBytes: 1_000, sha256: 'b'.repeat(64) }],
    });
    expect(await send('medco.a', 'submit-claim', { claimId: randomUUID(), caseId: fatherCase, amount: units(5900) }, 409)).toMatchObject({
      code: 'claim-amount-mismatch',
      details: { difference: -units(100) },
    });
    const lines = [
      { bookingId: bookings[0]!, decision: 'full' as const },
      { bookingId: bookings[1]!, decision: 'partial' as const, approvedAmount: units(2500), reasonCode: 'tariff-exceeded' as const },
      { bookingId: bookings[2]!, decision: 'full' as const },
    ];
    await send('cpd', 'verify-claim', { claimId, lines }, 409);
    await send('cex', 'process-claim', { claimId, lines });
    expect(await send('cpd', 'verify-claim', { claimId, lines })).toMatchObject({ approvedAmount: units(5500), returnedToCover: units(500) });
    expect(await send('aco', 'approve-payment', { paymentId: randomUUID(), claimIds: [claimId] })).toMatchObject({
      governmentAmount: units(3300),
      insurerAmount: units(2200),
    });

    // The mother's case at B: an enhancement approved and one rejected, a booking past the cover, a void, the cancellation.
    const approvedEnhancement = randomUUID();
    await send('medco.b', 'request-enhancement', { enhancementId: approvedEnhancement, caseId: motherCase, amount: units(1000), reason: 'Longer stay' });
    await send('medco.b', 'request-enhancement', { enhancementId: randomUUID(), caseId: motherCase, amount: units(1000), reason: 'Again' }, 409);
    await send('ppd', 'decide-enhancement', {
      enhancementId: approvedEnhancement,
      decision: 'approve-lower',
      amount: units(800),
      reason: 'Two days, not three',
    });
    const rejectedEnhancement = randomUUID();
    await send('medco.b', 'request-enhancement', { enhancementId: rejectedEnhancement, caseId: motherCase, amount: units(500), reason: 'Physiotherapy' });
    await send('ppd', 'decide-enhancement', { enhancementId: rejectedEnhancement, decision: 'reject', reason: 'Not needed' });
    const past = randomUUID();
    expect(
      await send('medco.b', 'add-booking', { bookingId: past, caseId: motherCase, itemCode: 'WARD', description: 'Ward', quantity: 1, unitPrice: units(6000) }),
    ).toMatchObject({ coverage: 'partly-covered' });
    // Settling the patient's part (issue 14): paid in cash and by UPI, one too many, then a credit refunded.
    const owing = randomUUID();
    await send('medco.b', 'add-booking', {
      bookingId: owing,
      caseId: motherCase,
      itemCode: 'IMPLANT',
      description: 'Implant',
      quantity: 1,
      unitPrice: units(9000),
    });
    const owed = (
      (
        await server.app.inject({ method: 'GET', url: `/cases/${motherCase}/patient-bill`, headers: { authorization: `Bearer ${tokens['medco.b']!}` } })
      ).json() as {
        account: { owed: number };
      }
    ).account.owed;
    expect(owed).toBeGreaterThan(units(300));
    await send('medco.b', 'take-payment', { paymentId: randomUUID(), caseId: motherCase, amount: units(200), method: 'cash' });
    await send('medco.b', 'take-payment', { paymentId: randomUUID(), caseId: motherCase, amount: owed - units(400), method: 'upi', reference: 'UPI-REF-1' });
    // 100 to the serious-illness fund, which rejects it: the patient owes it again and pays it in cash.
    const fundClaim = randomUUID();
    const toFund = {
      paymentId: fundClaim,
      caseId: motherCase,
      amount: units(100),
      method: 'secondary',
      secondaryPayer: 'serious-illness-fund',
      reference: 'SIF-9',
    } as const;
    await send('medco.b', 'take-payment', toFund);
    // 100 to a commercial top-up, which accepts it and pays it; the void below makes it refundable to the top-up.
    const topUpClaim = randomUUID();
    await send('medco.b', 'take-payment', { ...toFund, paymentId: topUpClaim, secondaryPayer: 'commercial-top-up', reference: 'TOP-9' });
    const schemeToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const topUpMoney = (body: { amount: number; movement?: 'remittance' | 'refund'; reference?: string }) => ({
      claimId: topUpClaim,
      movement: 'remittance' as const,
      reference: 'NEFT-9',
      valueDate: schemeToday,
      ...body,
    });
    expect(await send('aco', 'record-secondary-remittance', topUpMoney({ amount: units(100) }), 409)).toMatchObject({ code: 'secondary-claim-undecided' });
    await send('aco', 'decide-secondary-claim', { claimId: topUpClaim, decision: 'accept', payerReference: 'RA-11' });
    await send('aco', 'record-secondary-remittance', topUpMoney({ amount: units(100) }));
    expect(await send('aco', 'record-secondary-remittance', topUpMoney({ amount: 1 }), 409)).toMatchObject({ code: 'remittance-exceeds-owed' });
    expect(await send('aco', 'record-secondary-remittance', topUpMoney({ movement: 'refund', amount: 1 }), 409)).toMatchObject({
      code: 'refund-exceeds-overpaid',
    });
    await send('aco', 'decide-secondary-claim', { claimId: fundClaim, decision: 'reject', reasonCode: 'not-covered', payerReference: 'RA-9' });
    expect(await send('aco', 'decide-secondary-claim', { claimId: fundClaim, decision: 'accept', payerReference: 'RA-10' }, 409)).toMatchObject({
      code: 'secondary-claim-decided',
    });
    await send('medco.b', 'take-payment', { paymentId: randomUUID(), caseId: motherCase, amount: units(100), method: 'cash' });
    expect(await send('medco.b', 'take-payment', { paymentId: randomUUID(), caseId: motherCase, amount: 1, method: 'cash' }, 409)).toMatchObject({
      code: 'payment-exceeds-balance',
    });
    expect(
      await send('medco.b', 'refund-payment', { refundId: randomUUID(), caseId: motherCase, amount: 1, method: 'cash', reason: 'Nothing to give back' }, 409),
    ).toMatchObject({ code: 'refund-exceeds-credit' });
    await send('medco.b', 'void-booking', { bookingId: owing, reason: 'Implant not used' });
    await send('medco.b', 'refund-payment', { refundId: randomUUID(), caseId: motherCase, amount: units(200), method: 'cash', reason: 'Implant not used' });
    await send('aco', 'record-secondary-remittance', topUpMoney({ movement: 'refund', amount: units(100), reference: 'NEFT-OUT-9' }));
    await send('medco.b', 'void-booking', { bookingId: past, reason: 'Entered on the wrong patient' });
    await send('medco.b', 'void-booking', { bookingId: past, reason: 'Again' }, 409);
    await send('medco.b', 'cancel-case', { caseId: motherCase, reason: 'Transferred to another scheme' });
    await send('medco.b', 'discharge', { caseId: motherCase }, 409);

    // The son, identified by a one-time code: a wrong code, the right one, an unspecified package
    // through the committee and Admin.
    const challengeId = randomUUID();
    await send('medco.a', 'send-otp', { challengeId, memberId: demoIds.son });
    await send('medco.a', 'send-otp', { challengeId: randomUUID(), memberId: demoIds.son }, 409);
    const code = lastCode();
    expect(await send('medco.a', 'verify-otp', { challengeId, code: code === '000000' ? '000001' : '000000' })).toMatchObject({
      verified: false,
      reason: 'wrong-code',
    });
    expect(await send('medco.a', 'verify-otp', { challengeId, code })).toMatchObject({ verified: true });
    expect(await send('medco.a', 'verify-otp', { challengeId, code })).toMatchObject({ verified: false, reason: 'already-used' });
    const sonCase = randomUUID();
    await send('medco.a', 'admit', { caseId: sonCase, memberId: demoIds.son, identityMethod: 'otp', otpChallengeId: challengeId });
    await send('medco.a', 'request-preauth', { caseId: sonCase, packageCode: 'SG999U', estimatedAmount: units(300), clinicalNote: 'Rare procedure' });
    await send('medco.a', 'request-preauth', { caseId: sonCase, packageCode: 'SB001A' }, 409);
    await send('mc', 'recommend-preauth', { caseId: sonCase, recommendedAmount: units(250), reason: 'Comparable package' });
    await send('admin', 'approve-unspecified', { caseId: sonCase, decision: 'approve' });
    await send('medco.a', 'request-enhancement', { enhancementId: randomUUID(), caseId: sonCase, amount: units(100), reason: 'One more day' });

    // The daughter, by override: reviewed; a query answered; rejected; discharged with nothing booked.
    const daughterCase = randomUUID();
    await send('medco.a', 'admit', {
      caseId: daughterCase,
      memberId: demoIds.daughter,
      identityMethod: 'override',
      overrideReason: 'Unconscious on arrival, no relative present',
      supervisorName: 'Dr. Kale',
    });
    await send('ha', 'review-override', { caseId: daughterCase, note: 'Checked the ward register' });
    // Her biometrics, enrolled while she is admitted here on a verified code (issue 13 item 5), one replaced.
    const daughterScope = { caseId: daughterCase, otpChallengeId: await verifiedCode(server.scratch.db, demoIds.daughter, 'medco.a') };
    const finger = (seed: number) => Buffer.alloc(512, seed).toString('base64');
    await send('medco.b', 'enroll-fingerprint', { memberId: demoIds.daughter, ...daughterScope, template: finger(6) }, 403);
    await send('medco.a', 'enroll-fingerprint', { memberId: demoIds.daughter, caseId: daughterCase, otpChallengeId: randomUUID(), template: finger(6) }, 403);
    await send('medco.a', 'enroll-fingerprint', { memberId: demoIds.daughter, ...daughterScope, template: finger(7) });
    const anotherCode = { caseId: daughterCase, otpChallengeId: await verifiedCode(server.scratch.db, demoIds.daughter, 'medco.a') };
    await send('medco.a', 'enroll-fingerprint', { memberId: demoIds.daughter, ...anotherCode, template: finger(8) }, 409);
    await send('medco.a', 'enroll-face', {
      memberId: demoIds.daughter,
      ...daughterScope,
      descriptor: Array.from({ length: 1024 }, (_, index) => Math.sin(index)),
    });
    const replacement = {
      memberId: demoIds.daughter,
      ...anotherCode,
      modality: 'fingerprint' as const,
      template: finger(9),
      reason: 'The enrolled finger no longer reads',
    };
    const requestId = randomUUID();
    await send('medco.a', 'request-enrolment-replacement', { requestId, ...replacement });
    await send('medco.a', 'request-enrolment-replacement', { requestId: randomUUID(), ...replacement, otpChallengeId: randomUUID() }, 403);
    const yetAnother = await verifiedCode(server.scratch.db, demoIds.daughter, 'medco.a');
    await send('medco.a', 'request-enrolment-replacement', { requestId: randomUUID(), ...replacement, otpChallengeId: yetAnother }, 409);
    await send('ha', 'review-enrolment-replacement', { requestId, decision: 'approve', note: 'Called the family' });
    // Her consent to hospital A seeing her past treatment (issue 16), and a code that cannot back it.
    const consentCode = await verifiedCode(server.scratch.db, demoIds.daughter, 'medco.a');
    await send('medco.a', 'grant-history-consent', { caseId: daughterCase, method: 'otp', otpChallengeId: consentCode });
    await send('medco.a', 'grant-history-consent', { caseId: daughterCase, method: 'otp', otpChallengeId: consentCode }, 403);
    await send('ha', 'review-enrolment-replacement', { requestId, decision: 'reject', note: 'Again' }, 409);
    const rejectedId = randomUUID();
    await send('medco.a', 'request-enrolment-replacement', { requestId: rejectedId, ...replacement, otpChallengeId: yetAnother, template: finger(10) });
    await send('ha', 'review-enrolment-replacement', { requestId: rejectedId, decision: 'reject', note: 'The new finger is the same' });
    await send('ha', 'review-enrolment-replacement', { requestId: randomUUID(), decision: 'reject', note: 'No such request' }, 404);
    await send('ha', 'review-override', { caseId: daughterCase, note: 'Again' }, 409);
    await send('medco.a', 'request-preauth', { caseId: daughterCase, packageCode: 'SB001A' });
    await send('ppd', 'decide-preauth', { caseId: daughterCase, decision: 'query', reason: 'Which fracture?' });
    await send('medco.a', 'respond-query', { caseId: daughterCase, response: 'Left radius' });
    await send('ppd', 'decide-preauth', { caseId: daughterCase, decision: 'reject', reason: 'Not covered' });
    await send('medco.a', 'discharge', { caseId: daughterCase });

    // The health authority's commands.
    const familyNumber = `FAM-ANS-${randomUUID().slice(0, 8)}`;
    const family = {
      familyId: randomUUID(),
      familyNumber,
      cover: units(50_000),
      registeredPhone: '+919800000777',
      district: 'Pune',
      members: [
        { memberId: randomUUID(), schemeMemberId: 'PMJ-ANSWER01', fullName: 'Answer Member', birthYear: 1990, gender: 'X' as const, relation: 'head' as const },
      ],
    };
    await send('ha', 'register-family', family);
    await send('ha', 'register-family', { ...family, familyId: randomUUID() }, 409);
    expect(
      await send(
        'medco.a',
        'admit',
        { caseId: randomUUID(), memberId: family.members[0]!.memberId, identityMethod: 'fingerprint', admittedAt: '2099-01-01T00:00:00.000Z' },
        400,
      ),
    ).toMatchObject({ code: 'invalid-input', details: { admittedAt: '2099-01-01T00:00:00.000Z' } });
    await send('ha', 'set-package-price', { packageCode: 'SE007A', price: units(9000) });
    // A package's checklist (issue 19), and a pre-auth refused for want of its documents.
    await send('ha', 'set-document-requirements', { packageCode: 'SL010A', stage: 'preauth', kinds: ['clinical-notes'], reason: 'Checklist' });
    const documentsCase = randomUUID();
    await send('medco.a', 'admit', { caseId: documentsCase, memberId: family.members[0]!.memberId, identityMethod: 'fingerprint' });
    expect(await send('medco.a', 'request-preauth', { caseId: documentsCase, packageCode: 'SL010A' }, 422)).toMatchObject({
      code: 'documents-missing',
      details: { missing: ['clinical-notes'] },
    });
    const operatorId = randomUUID();
    await send('ha', 'create-operator', { operatorId, username: 'answers.cex', displayName: 'Answers', password: 'a-long-password', roles: ['CEX'] });
    await send('ha', 'update-operator', { operatorId, displayName: 'Renamed', isActive: false });
    const hospitalId = randomUUID();
    await send('ha', 'register-hospital', { hospitalId, code: 'HSP-ANS', name: 'Answers Hospital', district: 'Pune' });
    const deskId = randomUUID();
    await send('ha', 'register-desk', { deskId, hospitalId, name: 'Answers desk' });
    await send('ha', 'configure-desk', { deskId, registryDistrict: 'Satara' });
    await send('ha', 'revoke-desk', { deskId, reason: 'Laptop lost' });
    await send('ha', 'revoke-desk', { deskId, reason: 'Again' }, 409);
    const card = await send('ha', 'issue-e-card', { memberId: demoIds.son });
    await send('medco.a', 'issue-e-card', { memberId: demoIds.son }, 409);
    const reissued = await send('medco.a', 'reissue-e-card', { serial: String(card.serial), reason: 'Card lost' });
    await send('ha', 'revoke-e-card', { serial: String(reissued.serial), reason: 'Card stolen' });
    await send('ha', 'revoke-e-card', { serial: String(reissued.serial), reason: 'Again' }, 409);
    const account = await send('ha', 'link-identifier', { memberId: demoIds.son, kind: 'health-account', value: '91-2345-6789-0124' });
    expect(await send('medco.a', 'link-identifier', { memberId: demoIds.daughter, kind: 'health-account', value: '91234567890124' }, 409)).toMatchObject({
      code: 'identifier-linked',
      details: { memberId: demoIds.son },
    });
    await send('medco.a', 'link-identifier', { memberId: demoIds.son, kind: 'hospital-mrn', value: 'MRN-ANS-1' });
    await send('medco.a', 'unlink-identifier', { linkId: String(account.linkId), reason: 'Linked to the wrong member' });
    await send('ha', 'unlink-identifier', { linkId: String(account.linkId), reason: 'Again' }, 409);
    expect(await send('ha', 'set-scheme-parameters', { preauthTurnaroundMinutes: 300, reason: 'Answers check' })).toMatchObject({
      previous: { preauthTurnaroundMinutes: expect.any(Number) },
    });

    // Errors: nothing written for any of them.
    await send('medco.a', 'identify-member', { by: 'scheme-id', value: 'PMJ-NOBODY01' }, 404);
    await send('medco.a', 'discharge', { caseId: randomUUID() }, 404);
    await send('ppd', 'admit', { caseId: randomUUID(), memberId: demoIds.son, identityMethod: 'fingerprint' }, 403);
    const reused = randomUUID();
    await send('medco.a', 'identify-member', { commandId: reused, by: 'scheme-id', value: 'PMJ-S1000002' });
    await send('medco.a', 'discharge', { commandId: reused, caseId: sonCase }, 409);
    const raw = async (name: CommandName, status: number, payload: string, headers: Record<string, string> = {}) => {
      const response = await server.app.inject({
        method: 'POST',
        url: `/commands/${name}`,
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });
      expect(response.statusCode, response.body).toBe(status);
      holds(name, status, JSON.parse(response.body) as Json);
    };
    const medco = { authorization: `Bearer ${tokens['medco.a']!}` };
    await raw('add-booking', 400, JSON.stringify({ commandId: randomUUID(), caseId: sonCase }), medco);
    await raw('add-booking', 400, '{"a":1,"a":2}', medco);
    await raw('add-booking', 400, '{"a":', medco);
    const booking = { commandId: randomUUID(), bookingId: randomUUID(), caseId: sonCase, itemCode: 'LAB', description: 'Lab', quantity: 1, unitPrice: 100 };
    await raw('add-booking', 401, JSON.stringify(booking));
    await raw('add-booking', 413, `{"description":"${'x'.repeat(1024 * 1024)}"}`, medco);
    await raw('add-booking', 415, 'x', { ...medco, 'content-type': 'text/plain' });
    if (server.scratch.url) {
      // 503: a second server process whose only connection is taken.
      const db = openPostgres(server.scratch.url, { maxConnections: 1, poolWaitMs: 500 });
      const app = await buildApp({ db, notifier: new ChangeNotifier(null), scheme: server.state.scheme, keys: server.state.keys });
      const occupied = await occupyConnection(db);
      try {
        const response = await app.inject({
          method: 'POST',
          url: '/commands/discharge',
          headers: { ...medco, 'content-type': 'application/json' },
          payload: JSON.stringify({ commandId: randomUUID(), caseId: sonCase }),
        });
        expect(response.statusCode, response.body).toBe(503);
        holds('discharge', 503, JSON.parse(response.body) as Json);
      } finally {
        await occupied.release();
        await app.close();
        await db.close();
      }
    }

    // 429: one member looked up past the member limit (src/identity/lookup-limits.ts).
    let limited: Json | null = null;
    for (let attempt = 0; attempt < 40 && !limited; attempt += 1) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/commands/identify-member',
        headers: { authorization: `Bearer ${tokens['medco.b']!}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ commandId: randomUUID(), by: 'scheme-id', value: 'PMJ-S1000003' }),
      });
      if (response.statusCode === 429) limited = JSON.parse(response.body) as Json;
      else expect(response.statusCode, response.body).toBe(200);
    }
    expect(limited).toMatchObject({ code: 'too-many-requests' });
    holds('identify-member', 429, limited!);

    // Emergencies (issue 19): admitted before identity, merged into the father (his S1 case is
    // discharged by now); the same case id again, and a second merge, are refused.
    const emergencyCase = randomUUID();
    const unknownMan = { caseId: emergencyCase, sex: 'male' as const, approximateAge: 45, foundAt: 'Brought in by ambulance 108' };
    expect(await send('medco.a', 'admit-emergency', unknownMan)).toMatchObject({ status: 'unidentified', hasPhoto: false });
    expect(await send('medco.a', 'admit-emergency', unknownMan, 409)).toMatchObject({ code: 'already-registered' });
    const merge = {
      caseId: emergencyCase,
      memberId: demoIds.father,
      identityMethod: 'override' as const,
      overrideReason: 'Unconscious; his wife recognised him',
      supervisorName: 'Dr Kulkarni',
    };
    expect(await send('medco.a', 'merge-emergency-case', merge)).toMatchObject({ status: 'merged', flaggedForReview: true, isLate: false });
    expect(await send('medco.a', 'merge-emergency-case', merge, 409)).toMatchObject({ code: 'emergency-already-merged' });

    // Family changes (issue 16): a newborn registered with and without its birth certificate,
    // admitted as pending enrolment, approved (the admission merges), then decided again.
    const certificate = await uploadFamilyDocument(
      server,
      tokens['medco.a']!,
      { familyId: demoIds.seedFamily, kind: 'birth-certificate', name: 'birth.pdf' },
      pdfBytes('answers birth certificate'),
    );
    const registration = {
      changeId: randomUUID(),
      familyId: demoIds.seedFamily,
      kind: 'newborn' as const,
      memberId: randomUUID(),
      fullName: 'Answer Baby',
      gender: 'M' as const,
      birthDate: new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10),
    };
    expect(await send('medco.a', 'register-family-member', registration, 422)).toMatchObject({ code: 'documents-missing' });
    const documentId = String((certificate.body.document as { documentId: string }).documentId);
    expect(await send('medco.a', 'register-family-member', { ...registration, documentId })).toMatchObject({ status: 'pending' });
    expect(await send('medco.a', 'register-family-member', { ...registration, changeId: randomUUID(), memberId: randomUUID(), documentId }, 422)).toMatchObject(
      { code: 'documents-missing' },
    );
    const pendingCase = randomUUID();
    expect(await send('medco.a', 'admit-pending-enrolment', { caseId: pendingCase, changeId: registration.changeId })).toMatchObject({
      status: 'unidentified',
    });
    expect(await send('ha', 'decide-family-change', { changeId: registration.changeId, decision: 'approve', reason: 'Checked' })).toMatchObject({
      status: 'approved',
      pendingCase: { caseId: pendingCase, outcome: 'merged' },
    });
    expect(await send('ha', 'decide-family-change', { changeId: registration.changeId, decision: 'reject', reason: 'Again' }, 409)).toMatchObject({
      code: 'family-change-decided',
    });

    // Every command was seen answering 200, each against its own exact schema.
    expect(commandNames.filter((name) => !checked.has(`${name} 200`))).toEqual([]);
    for (const status of [400, 401, 403, 404, 409, 413, 415])
      expect(
        [...checked].some((key) => key.endsWith(` ${status}`) || key.includes(` ${status} `)),
        `status ${status}`,
      ).toBe(true);
  });

  /** The document's validator of `method template` at `status` (any route). */
  const routeSchema = (method: string, template: string, status: number): ValidateFunction => {
    const key = `${method} ${template} ${status}`;
    let validate = validators.get(key);
    if (!validate) {
      const schema = document.paths[template]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`the document lists no ${status} answer for ${method.toUpperCase()} ${template}`);
      validate = ajv.compile(schema);
      validators.set(key, validate);
    }
    return validate;
  };
  const request = async (
    method: 'GET' | 'POST',
    template: string,
    url: string,
    authorization: string | Record<string, string>,
    payload?: object,
    status = 200,
  ): Promise<Json> => {
    const response = await server.app.inject({
      method,
      url,
      headers: { ...(typeof authorization === 'string' ? { authorization } : authorization), ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(status);
    const answer = JSON.parse(response.body) as Json;
    const validate = routeSchema(method.toLowerCase(), template, status);
    expect(validate(answer), `${url}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    expect(validate({ ...answer, unlisted: true }), `${url}: a field the document does not list passes`).toBe(false);
    return answer;
  };

  it('the console feed and the desk sync routes: each document and answer exactly as the document says', async () => {
    // The console: the session, and a page of each collection holding documents of every kind.
    const ha = `Bearer ${tokens.ha!}`;
    expect(await request('GET', '/console/feed/session', '/console/feed/session', ha)).toMatchObject({ collections: ['cases', 'claims'] });
    for (const collection of ['cases', 'claims'] as const) {
      const page = await request('GET', '/console/feed/pull', `/console/feed/pull?collection=${collection}&limit=2000`, ha);
      const documents = page.documents as Json[];
      expect(documents.length, collection).toBeGreaterThan(0);
      const validate = routeSchema('get', '/console/feed/pull', 200);
      expect(validate({ ...page, documents: [{ ...documents[0], unlisted: true }] }), `${collection}: a document field the schema does not list passes`).toBe(
        false,
      );
      const { id: _id, ...withoutId } = documents[0]!;
      expect(validate({ ...page, documents: [withoutId] }), `${collection}: a document missing its id passes`).toBe(false);
      expect(validate({ ...page, collection: collection === 'cases' ? 'claims' : 'cases' }), `${collection}: documents of the other collection pass`).toBe(
        false,
      );
    }
    // A desk: its enrollment code, its credential, a push, an online command and a lookup.
    const code = await request('POST', '/desks/{deskId}/enrollment-codes', `/desks/${demoIds.deskA}/enrollment-codes`, ha);
    const enrolled = await request('POST', '/desks/enroll', '/desks/enroll', '', { code: code.code });
    const desk = `Desk ${String(enrolled.credential)}`;
    // The operator's key at this desk signs what the desk sends for them (issue 13 item 4).
    const signer = await registerOperatorKey(server, desk, 'medco.a');
    const medcoA = signer.operatorId;
    const pushed = await request('POST', '/sync/push', '/sync/push', desk, {
      protocolVersion: 1,
      mutations: [
        { sequence: 1, commandId: randomUUID(), name: 'identify-member', operatorId: medcoA, body: { by: 'scheme-id', value: 'PMJ-S1000004' } },
        { sequence: 2, commandId: randomUUID(), name: 'discharge', operatorId: medcoA, body: { caseId: randomUUID() } },
        { sequence: 3, commandId: randomUUID(), name: 'cancel-case', operatorId: medcoA, body: { caseId: randomUUID(), reason: '' } },
        // Unsigned: refused on its own, in the answer's documented shape.
        { sequence: 4, commandId: randomUUID(), name: 'discharge', operatorId: medcoA, body: { caseId: randomUUID() } },
      ].map((mutation, index) => (index < 3 ? signer.sign(mutation) : mutation)),
    });
    expect((pushed.answers as Json[]).map((answer) => answer.status)).toEqual([200, 404, 400, 403]);
    const pushValidate = routeSchema('post', '/sync/push', 200);
    const answers = pushed.answers as Json[];
    expect(
      pushValidate({
        ...pushed,
        answers: [{ ...answers[0], answer: { ...(answers[0]!.answer as Json), result: { ...((answers[0]!.answer as Json).result as Json), unlisted: true } } }],
      }),
    ).toBe(false);
    await request('POST', '/sync/identify', '/sync/identify', desk, {
      operatorId: medcoA,
      by: 'scheme-id',
      value: 'PMJ-S1000004',
      proof: signer.requestProof('identify-member', { by: 'scheme-id', value: 'PMJ-S1000004' }),
    });
    // The desk's pull: every document of its scope, each exactly its table's row.
    const tables = new Set<string>();
    let checkpoint: unknown = null;
    for (let page = 0; page < 20; page += 1) {
      const url = `/sync/pull?eCards=1&limit=5000${checkpoint ? `&checkpoint=${encodeURIComponent(JSON.stringify(checkpoint))}` : ''}`;
      const pulled = await request('GET', '/sync/pull', url, { authorization: desk, 'x-coverdesk-operator-proof': signer.pullHeader() });
      const documents = pulled.documents as Json[];
      for (const document of documents) tables.add(String(document.table));
      if (documents.length > 0) {
        const validate = routeSchema('get', '/sync/pull', 200);
        const first = documents[0]!;
        expect(
          validate({ ...pulled, documents: [{ ...first, row: { ...(first.row as Json), unlisted: true } }] }),
          `${String(first.table)}: a row field the schema does not list passes`,
        ).toBe(false);
        expect(
          validate({ ...pulled, documents: [{ ...first, table: first.table === 'members' ? 'packages' : 'members' }] }),
          `${String(first.table)}: a row passes as another table's`,
        ).toBe(false);
      }
      checkpoint = pulled.checkpoint;
      if (pulled.hasMore !== true) break;
    }
    // The e-card tables: the cards issued and revoked in the first test.
    expect([...tables].sort()).toEqual([
      'biometrics',
      'bookings',
      'cases',
      'claims',
      'e_card_keys',
      'e_card_revocations',
      'enhancements',
      'families',
      'holds',
      'members',
      'packages',
      'preauths',
    ]);
    const online = (body: Record<string, unknown>) => {
      const commandId = String(body.commandId);
      const { proof } = signer.sign({ commandId, name: 'send-otp', operatorId: medcoA, body });
      return { operatorId: medcoA, name: 'send-otp', body, proof };
    };
    await request('POST', '/sync/online', '/sync/online', desk, online({ commandId: randomUUID(), challengeId: randomUUID(), memberId: demoIds.daughter }));
    await request(
      'POST',
      '/sync/online',
      '/sync/online',
      desk,
      online({ commandId: randomUUID(), challengeId: randomUUID(), memberId: demoIds.daughter }),
      409,
    );
  });

  it("the check can fail: an answer that is not exactly one of the schema's is refused", () => {
    const revoke = schemaOf('revoke-desk', 200);
    const answer = { commandId: randomUUID(), command: 'revoke-desk', result: { deskId: randomUUID(), enrollmentCodesSpent: 0, status: 'revoked' } };
    expect(revoke(answer), ajv.errorsText(revoke.errors)).toBe(true);
    expect(revoke({ ...answer, result: { ...answer.result, extra: 1 } })).toBe(false);
    const { enrollmentCodesSpent: _missing, ...withoutCount } = answer.result;
    expect(revoke({ ...answer, result: withoutCount })).toBe(false);
    expect(revoke({ ...answer, command: 'configure-desk' })).toBe(false);
    expect(revoke({ ...answer, result: { ...answer.result, status: 'active' } })).toBe(false);
    expect(revoke({ ...answer, unlisted: true })).toBe(false);
    const refusal = schemaOf('admit', 409);
    expect(refusal({ code: 'case-already-active', message: 'Active at HSP-A.', details: { hospitalCode: 'HSP-A' } }), ajv.errorsText(refusal.errors)).toBe(
      true,
    );
    expect(refusal({ code: 'case-already-active', message: 'Active at HSP-A.', details: { hospitalCode: 'HSP-A', caseId: randomUUID() } })).toBe(false);
    expect(refusal({ code: 'no-such-code', message: 'Refused.' })).toBe(false);
  });
});
