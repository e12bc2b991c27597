import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { commandNames, type CommandName } from '@contract/commands';
import { demoIds } from './demo/seed';
import { describeEachBackend } from './testing/backends';
import { resultOf, startTestServer, type TestServer } from './testing/harness';
import { settleAuditChain, snapshotDatabase } from './testing/snapshot';

/**
 * Bad input for every command: malformed JSON, missing fields, negative, fractional, huge or
 * string amounts, unknown fields, unknown ids, no token, wrong role and another hospital's case.
 * Each must answer 4xx with a code and a sentence, and the database must be byte-for-byte unchanged.
 */
describeEachBackend('bad input writes nothing (%s)', (backend) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const caseA = randomUUID();
  const bookingA = randomUUID();
  const claimA = randomUUID();

  beforeAll(async () => {
    server = await startTestServer(backend);
    for (const user of ['medco.a', 'medco.b', 'ppd', 'mc', 'admin', 'cex', 'cpd', 'aco', 'ha']) tokens[user] = await server.login(user);
    resultOf(await server.command(tokens['medco.a']!, 'admit', { caseId: caseA, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(tokens['medco.a']!, 'request-preauth', { caseId: caseA, packageCode: 'SB001A' }));
    resultOf(
      await server.command(tokens['medco.a']!, 'add-booking', {
        bookingId: bookingA,
        caseId: caseA,
        itemCode: 'X-RAY',
        description: 'X-ray',
        quantity: 1,
        unitPrice: 50_000,
      }),
    );
  });
  afterAll(async () => server?.close());

  /** A well-formed body for each command, pointing at real rows where the command needs them. */
  const validBody = (name: CommandName): Record<string, unknown> => {
    const lines = [{ bookingId: bookingA, decision: 'full' }];
    const bodies: Record<CommandName, Record<string, unknown>> = {
      'identify-member': { by: 'scheme-id', value: 'PMJ-S1000003' },
      admit: { caseId: randomUUID(), memberId: demoIds.daughter, identityMethod: 'fingerprint' },
      'admit-emergency': { caseId: randomUUID(), sex: 'male', approximateAge: 45, foundAt: 'Brought in by ambulance from the highway' },
      'merge-emergency-case': { caseId: randomUUID(), memberId: demoIds.daughter, identityMethod: 'fingerprint' },
      'request-preauth': { caseId: caseA, packageCode: 'SB001A' },
      'respond-query': { caseId: caseA, response: 'Reports attached' },
      'decide-preauth': { caseId: caseA, decision: 'approve' },
      'recommend-preauth': { caseId: caseA, recommendedAmount: 100_000, reason: 'Reasonable' },
      'approve-unspecified': { caseId: caseA, decision: 'approve' },
      'request-enhancement': { enhancementId: randomUUID(), caseId: caseA, amount: 10_000, reason: 'Longer stay' },
      'decide-enhancement': { enhancementId: randomUUID(), decision: 'approve' },
      'add-booking': { bookingId: randomUUID(), caseId: caseA, itemCode: 'LAB', description: 'Blood test', quantity: 2, unitPrice: 30_000 },
      'void-booking': { bookingId: bookingA, reason: 'Entered twice' },
      discharge: { caseId: caseA },
      'submit-claim': { claimId: claimA, caseId: caseA, amount: 50_000 },
      'process-claim': { claimId: claimA, lines },
      'verify-claim': { claimId: claimA, lines },
      'approve-payment': { paymentId: randomUUID(), claimIds: [claimA] },
      'cancel-case': { caseId: caseA, reason: 'Wrong patient' },
      'register-family': {
        familyId: randomUUID(),
        familyNumber: 'FAM-NEW-1',
        cover: 100_000,
        registeredPhone: '+919811111111',
        district: 'Pune',
        members: [{ memberId: randomUUID(), schemeMemberId: 'PMJ-NEW00001', fullName: 'New Member', birthYear: 1990, gender: 'F', relation: 'head' }],
      },
      'set-package-price': { packageCode: 'SB001A', price: 800_000 },
      'set-document-requirements': { packageCode: 'SL010A', stage: 'claim', kinds: ['discharge-summary'], reason: 'Scheme circular' },
      'create-operator': { operatorId: randomUUID(), username: 'new.operator', displayName: 'New', password: 'a-long-password', roles: ['PPD'] },
      'configure-desk': { deskId: demoIds.deskA, registryDistrict: 'Pune' },
      'send-otp': { challengeId: randomUUID(), memberId: demoIds.daughter },
      'verify-otp': { challengeId: randomUUID(), code: '123456' },
      'review-override': { caseId: caseA, note: 'Checked the ward register' },
      'enroll-fingerprint': { memberId: demoIds.son, caseId: caseA, otpChallengeId: randomUUID(), template: Buffer.alloc(512, 7).toString('base64') },
      'enroll-face': {
        memberId: demoIds.son,
        caseId: caseA,
        otpChallengeId: randomUUID(),
        descriptor: Array.from({ length: 1024 }, (_, index) => Math.sin(index)),
      },
      'request-enrolment-replacement': {
        requestId: randomUUID(),
        memberId: demoIds.son,
        caseId: caseA,
        otpChallengeId: randomUUID(),
        modality: 'fingerprint',
        template: Buffer.alloc(512, 7).toString('base64'),
        reason: 'The enrolled finger no longer reads',
      },
      'review-enrolment-replacement': { requestId: randomUUID(), decision: 'approve', note: 'Checked with the family' },
      'register-hospital': { hospitalId: randomUUID(), code: 'HSP-NEW', name: 'New Hospital', district: 'Pune' },
      'register-desk': { deskId: randomUUID(), hospitalId: demoIds.hospitalA, name: 'Admission desk 2' },
      'revoke-desk': { deskId: demoIds.deskB, reason: 'Laptop reported stolen' },
      'update-operator': { operatorId: randomUUID(), roles: ['CEX', 'CPD'] },
      'set-scheme-parameters': { governmentShareBp: 5000, reason: 'New budget year' },
      'take-payment': { paymentId: randomUUID(), caseId: caseA, amount: 10_000, method: 'cash' },
      'refund-payment': { refundId: randomUUID(), caseId: caseA, amount: 10_000, method: 'cash', reason: 'Booking voided after payment' },
      'decide-secondary-claim': { claimId: randomUUID(), decision: 'partial', acceptedAmount: 10_000, reasonCode: 'limit-reached', payerReference: 'RA-1' },
      'record-secondary-remittance': { claimId: randomUUID(), movement: 'remittance', amount: 10_000, reference: 'NEFT-1', valueDate: '2026-01-05' },
      'grant-history-consent': { caseId: caseA, method: 'otp', otpChallengeId: randomUUID() },
      'issue-e-card': { memberId: demoIds.daughter },
      'revoke-e-card': { serial: 'EC-99999999', reason: 'Card lost' },
      'reissue-e-card': { serial: 'EC-99999999', reason: 'Card lost' },
      'link-identifier': { memberId: demoIds.daughter, kind: 'health-account', value: '91-2345-6789-0124' },
      'unlink-identifier': { linkId: randomUUID(), reason: 'Linked to the wrong member' },
      'register-family-member': {
        changeId: randomUUID(),
        familyId: demoIds.seedFamily,
        kind: 'newborn',
        memberId: randomUUID(),
        fullName: 'Baby Patil',
        gender: 'F',
        birthDate: new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10),
        documentId: randomUUID(),
      },
      'admit-pending-enrolment': { caseId: randomUUID(), changeId: randomUUID() },
      'decide-family-change': { changeId: randomUUID(), decision: 'approve', reason: 'Birth certificate checked' },
    };
    return { commandId: randomUUID(), ...bodies[name] };
  };
  const actorOf: Record<CommandName, string> = {
    'identify-member': 'medco.a',
    admit: 'medco.a',
    'admit-emergency': 'medco.a',
    'merge-emergency-case': 'medco.a',
    'request-preauth': 'medco.a',
    'respond-query': 'medco.a',
    'decide-preauth': 'ppd',
    'recommend-preauth': 'mc',
    'approve-unspecified': 'admin',
    'request-enhancement': 'medco.a',
    'decide-enhancement': 'ppd',
    'add-booking': 'medco.a',
    'void-booking': 'medco.a',
    discharge: 'medco.a',
    'submit-claim': 'medco.a',
    'process-claim': 'cex',
    'verify-claim': 'cpd',
    'approve-payment': 'aco',
    'cancel-case': 'medco.a',
    'register-family': 'ha',
    'set-package-price': 'ha',
    'set-document-requirements': 'ha',
    'create-operator': 'ha',
    'configure-desk': 'ha',
    'send-otp': 'medco.a',
    'verify-otp': 'medco.a',
    'review-override': 'ha',
    'enroll-fingerprint': 'medco.a',
    'enroll-face': 'medco.a',
    'request-enrolment-replacement': 'medco.a',
    'review-enrolment-replacement': 'ha',
    'register-hospital': 'ha',
    'register-desk': 'ha',
    'revoke-desk': 'ha',
    'update-operator': 'ha',
    'set-scheme-parameters': 'ha',
    'take-payment': 'medco.a',
    'refund-payment': 'medco.a',
    'decide-secondary-claim': 'aco',
    'record-secondary-remittance': 'aco',
    'grant-history-consent': 'medco.a',
    'issue-e-card': 'medco.a',
    'revoke-e-card': 'medco.a',
    'reissue-e-card': 'medco.a',
    'link-identifier': 'medco.a',
    'unlink-identifier': 'medco.a',
    'register-family-member': 'medco.a',
    'admit-pending-enrolment': 'medco.a',
    'decide-family-change': 'ha',
  };
  /** The amount-like fields of each command, to be fed negative, fractional, huge and string values. */
  const amountFields: Partial<Record<CommandName, string>> = {
    'recommend-preauth': 'recommendedAmount',
    'request-enhancement': 'amount',
    'add-booking': 'unitPrice',
    'submit-claim': 'amount',
    'register-family': 'cover',
    'set-package-price': 'price',
    'take-payment': 'amount',
    'refund-payment': 'amount',
    'decide-secondary-claim': 'acceptedAmount',
    'record-secondary-remittance': 'amount',
  };
  const idFields: Partial<Record<CommandName, string>> = {
    admit: 'memberId',
    'merge-emergency-case': 'caseId',
    'request-preauth': 'caseId',
    'respond-query': 'caseId',
    'decide-preauth': 'caseId',
    'recommend-preauth': 'caseId',
    'approve-unspecified': 'caseId',
    'request-enhancement': 'caseId',
    'decide-enhancement': 'enhancementId',
    'add-booking': 'caseId',
    'void-booking': 'bookingId',
    discharge: 'caseId',
    'submit-claim': 'caseId',
    'process-claim': 'claimId',
    'verify-claim': 'claimId',
    'cancel-case': 'caseId',
    'configure-desk': 'deskId',
    'send-otp': 'memberId',
    'verify-otp': 'challengeId',
    'review-override': 'caseId',
    'enroll-fingerprint': 'memberId',
    'enroll-face': 'memberId',
    'request-enrolment-replacement': 'memberId',
    'review-enrolment-replacement': 'requestId',
    'register-desk': 'hospitalId',
    'revoke-desk': 'deskId',
    'update-operator': 'operatorId',
    'take-payment': 'caseId',
    'refund-payment': 'caseId',
    'decide-secondary-claim': 'claimId',
    'record-secondary-remittance': 'claimId',
    'issue-e-card': 'memberId',
    'link-identifier': 'memberId',
    'unlink-identifier': 'linkId',
    'grant-history-consent': 'caseId',
    'register-family-member': 'familyId',
    'admit-pending-enrolment': 'changeId',
    'decide-family-change': 'changeId',
  };
  const otherHospitalCase: CommandName[] = [
    'request-preauth',
    'respond-query',
    'request-enhancement',
    'add-booking',
    'void-booking',
    'discharge',
    'submit-claim',
    'cancel-case',
    'take-payment',
    'refund-payment',
    'grant-history-consent',
  ];

  // The snapshot after one refusal is the one before the next (nothing may write in between: if
  // something did, the next comparison fails, never passes wrongly); each test starts afresh.
  let unchanged: Record<string, string> | null = null;
  beforeEach(() => {
    unchanged = null;
  });
  const expectRefusedAndUnchanged = async (send: () => Promise<{ status: number; body: Record<string, unknown> }>, status: number, code: string) => {
    await settleAuditChain(server.scratch.db);
    const before = unchanged ?? (await snapshotDatabase(server.scratch.db));
    const answer = await send();
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(typeof answer.body.message).toBe('string');
    expect(String(answer.body.message).length).toBeGreaterThan(10);
    await settleAuditChain(server.scratch.db);
    const after = await snapshotDatabase(server.scratch.db);
    expect(after).toEqual(before);
    unchanged = after;
  };

  it.each(commandNames)('%s: malformed JSON, empty body, missing and unknown fields → 400', async (name) => {
    const token = tokens[actorOf[name]]!;
    await expectRefusedAndUnchanged(() => server.raw('POST', `/commands/${name}`, { token, payload: '{"commandId": "' }), 400, 'malformed-json');
    await expectRefusedAndUnchanged(() => server.raw('POST', `/commands/${name}`, { token, payload: {} }), 400, 'invalid-input');
    const { commandId: _dropped, ...noCommandId } = validBody(name);
    await expectRefusedAndUnchanged(() => server.raw('POST', `/commands/${name}`, { token, payload: noCommandId }), 400, 'invalid-input');
    await expectRefusedAndUnchanged(
      () => server.raw('POST', `/commands/${name}`, { token, payload: { ...validBody(name), surprise: 1 } }),
      400,
      'invalid-input',
    );
    await expectRefusedAndUnchanged(
      () => server.raw('POST', `/commands/${name}`, { token, payload: { ...validBody(name), commandId: 'not-a-uuid' } }),
      400,
      'invalid-input',
    );
    await expectRefusedAndUnchanged(
      () => server.raw('POST', `/commands/${name}`, { token, payload: { ...validBody(name), commandId: `urn:uuid:${crypto.randomUUID()}` } }),
      400,
      'invalid-input',
    );
  });

  it.each(Object.keys(amountFields) as CommandName[])('%s: negative, zero, fractional, huge and string amounts → 400', async (name) => {
    const token = tokens[actorOf[name]]!;
    const field = amountFields[name]!;
    for (const value of [-100, 0, 10.5, 1e15, Number.MAX_SAFE_INTEGER + 2, '100']) {
      await expectRefusedAndUnchanged(
        () => server.raw('POST', `/commands/${name}`, { token, payload: { ...validBody(name), [field]: value } }),
        400,
        'invalid-input',
      );
    }
  });

  it('add-booking: a quantity × price above the largest amount → 400', async () => {
    await expectRefusedAndUnchanged(
      () =>
        server.command(tokens['medco.a']!, 'add-booking', {
          bookingId: randomUUID(),
          caseId: caseA,
          itemCode: 'X',
          description: 'Too much',
          quantity: 10_000,
          unitPrice: 999_999_999_999,
        }),
      400,
      'invalid-input',
    );
  });

  it.each(Object.keys(idFields) as CommandName[])('%s: unknown id → 404', async (name) => {
    const token = tokens[actorOf[name]]!;
    await expectRefusedAndUnchanged(
      () => server.raw('POST', `/commands/${name}`, { token, payload: { ...validBody(name), [idFields[name]!]: randomUUID() } }),
      404,
      'not-found',
    );
  });

  it('identify-member, approve-payment, set-package-price and create-operator: unknown references → 404', async () => {
    await expectRefusedAndUnchanged(
      () => server.command(tokens['medco.a']!, 'identify-member', { by: 'national-id', value: '999999999999' }),
      404,
      'not-found',
    );
    await expectRefusedAndUnchanged(
      () => server.command(tokens.aco!, 'approve-payment', { paymentId: randomUUID(), claimIds: [randomUUID()] }),
      404,
      'not-found',
    );
    await expectRefusedAndUnchanged(() => server.command(tokens.ha!, 'set-package-price', { packageCode: 'NOPE01', price: 100 }), 404, 'not-found');
    await expectRefusedAndUnchanged(
      () =>
        server.command(tokens.ha!, 'create-operator', {
          operatorId: randomUUID(),
          username: 'x.medco',
          displayName: 'X',
          password: 'a-long-password',
          roles: ['MEDCO'],
          hospitalId: randomUUID(),
        }),
      404,
      'not-found',
    );
  });

  it('set-scheme-parameters: out-of-range, fractional, string or no parameters → 400', async () => {
    for (const change of [
      { governmentShareBp: -1 },
      { governmentShareBp: 10_001 },
      { governmentShareBp: 60.5 },
      { governmentShareBp: '6000' },
      { autoExtendBp: 20_000 },
      { preauthTurnaroundMinutes: 0 },
      { preauthTurnaroundMinutes: 100_000 },
      { shortfallPolicy: 'pay-everything' },
      {},
    ]) {
      await expectRefusedAndUnchanged(
        () =>
          server.raw('POST', '/commands/set-scheme-parameters', {
            token: tokens.ha!,
            payload: { commandId: randomUUID(), reason: 'Budget change', ...change },
          }),
        400,
        'invalid-input',
      );
    }
    await expectRefusedAndUnchanged(
      () => server.raw('POST', '/commands/set-scheme-parameters', { token: tokens.ha!, payload: { commandId: randomUUID(), governmentShareBp: 5000 } }),
      400,
      'invalid-input',
    );
  });

  it('register-hospital: a code that is not upper-case letters, digits and dashes → 400', async () => {
    for (const code of ['hsp-c', 'H', 'HOSPITAL-WITH-A-LONG-CODE', 'HSP C', '']) {
      await expectRefusedAndUnchanged(
        () => server.raw('POST', '/commands/register-hospital', { token: tokens.ha!, payload: { ...validBody('register-hospital'), code } }),
        400,
        'invalid-input',
      );
    }
  });

  it('update-operator: nothing to change, a MEDCO without hospital or an unknown hospital → 4xx', async () => {
    const [cex] = await server.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'cex'");
    await expectRefusedAndUnchanged(() => server.command(tokens.ha!, 'update-operator', { operatorId: cex!.id }), 400, 'invalid-input');
    await expectRefusedAndUnchanged(() => server.command(tokens.ha!, 'update-operator', { operatorId: cex!.id, roles: ['MEDCO'] }), 400, 'invalid-input');
    await expectRefusedAndUnchanged(
      () => server.command(tokens.ha!, 'update-operator', { operatorId: cex!.id, roles: ['MEDCO'], hospitalId: randomUUID() }),
      404,
      'not-found',
    );
    await expectRefusedAndUnchanged(
      () => server.raw('POST', '/commands/update-operator', { token: tokens.ha!, payload: { commandId: randomUUID(), operatorId: cex!.id, roles: [] } }),
      400,
      'invalid-input',
    );
    await expectRefusedAndUnchanged(
      () => server.raw('POST', '/commands/update-operator', { token: tokens.ha!, payload: { commandId: randomUUID(), operatorId: cex!.id, roles: ['ROOT'] } }),
      400,
      'invalid-input',
    );
  });

  it('submit-claim: malformed or repeated supporting documents → 400', async () => {
    const document = { name: 'discharge-summary.pdf', kind: 'discharge-summary', sizeBytes: 120_000, sha256: 'a'.repeat(64) };
    for (const documents of [
      [{ ...document, sha256: 'XYZ' }],
      [{ ...document, sizeBytes: 0 }],
      [{ ...document, sizeBytes: 1.5 }],
      [{ ...document, kind: 'selfie' }],
      [{ ...document, name: '' }],
      [{ ...document, extra: true }],
      [document, document],
    ]) {
      await expectRefusedAndUnchanged(
        () => server.raw('POST', '/commands/submit-claim', { token: tokens['medco.a']!, payload: { ...validBody('submit-claim'), documents } }),
        400,
        'invalid-input',
      );
    }
  });

  it('approve-payment: deductions negative, fractional or as a string → 400', async () => {
    for (const deductions of [-1, 0.5, '100']) {
      await expectRefusedAndUnchanged(
        () => server.raw('POST', '/commands/approve-payment', { token: tokens.aco!, payload: { ...validBody('approve-payment'), deductions } }),
        400,
        'invalid-input',
      );
    }
  });

  it('take-payment and refund-payment: a method without what it needs, an unknown method or an implausible time → 400', async () => {
    const token = tokens['medco.a']!;
    const payment = validBody('take-payment');
    const refund = validBody('refund-payment');
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const aMonthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
    for (const change of [
      { method: 'card' },
      { method: 'upi' },
      { method: 'secondary', reference: 'SIF-123' },
      { method: 'secondary', secondaryPayer: 'serious-illness-fund' },
      { method: 'cash', reference: 'R-1' },
      { method: 'cash', secondaryPayer: 'commercial-top-up' },
      { method: 'card', reference: 'A1', secondaryPayer: 'commercial-top-up' },
      { method: 'cheque' },
      { method: 'secondary', reference: 'P-1', secondaryPayer: 'lottery' },
      { reference: '' },
      { reference: 'x'.repeat(1001), method: 'upi' },
      { takenAt: inAnHour },
      { takenAt: aMonthAgo },
      { takenAt: 'yesterday' },
    ]) {
      await expectRefusedAndUnchanged(() => server.raw('POST', '/commands/take-payment', { token, payload: { ...payment, ...change } }), 400, 'invalid-input');
    }
    for (const change of [{ method: 'secondary' }, { method: 'card' }, { method: 'cash', reference: 'R-1' }, { reason: '' }, { takenAt: inAnHour }]) {
      await expectRefusedAndUnchanged(() => server.raw('POST', '/commands/refund-payment', { token, payload: { ...refund, ...change } }), 400, 'invalid-input');
    }
  });

  it.each(commandNames)('%s: no token or a forged token → 401', async (name) => {
    await expectRefusedAndUnchanged(() => server.raw('POST', `/commands/${name}`, { payload: validBody(name) }), 401, 'unauthenticated');
    await expectRefusedAndUnchanged(
      () => server.raw('POST', `/commands/${name}`, { token: `${tokens.ha!.split('.')[0]}.forged`, payload: validBody(name) }),
      401,
      'unauthenticated',
    );
  });

  it.each(otherHospitalCase)("%s: hospital B's desk on hospital A's case → 404, as if it did not exist", async (name) => {
    await expectRefusedAndUnchanged(() => server.raw('POST', `/commands/${name}`, { token: tokens['medco.b']!, payload: validBody(name) }), 404, 'not-found');
  });

  it("hospital B's desk cannot read hospital A's case either", async () => {
    const answer = await server.get(tokens['medco.b']!, `/cases/${caseA}`);
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('not-found');
  });

  it('a MEDCO without the approving role cannot approve: 403 and nothing written', async () => {
    await expectRefusedAndUnchanged(() => server.command(tokens['medco.a']!, 'decide-preauth', { caseId: caseA, decision: 'approve' }), 403, 'forbidden-role');
  });

  it('a decision that needs a reason or a lower amount without one → 400', async () => {
    await expectRefusedAndUnchanged(() => server.command(tokens.ppd!, 'decide-preauth', { caseId: caseA, decision: 'reject' }), 400, 'invalid-input');
    await expectRefusedAndUnchanged(
      () => server.command(tokens.ppd!, 'decide-preauth', { caseId: caseA, decision: 'approve-lower', reason: 'tariff' }),
      400,
      'invalid-input',
    );
    await expectRefusedAndUnchanged(
      () => server.command(tokens.ppd!, 'decide-preauth', { caseId: caseA, decision: 'approve-lower', amount: 10_000_000, reason: 'tariff' }),
      400,
      'invalid-input',
    );
  });

  it('wrong content type → 415; unknown endpoint → 404', async () => {
    await expectRefusedAndUnchanged(
      () => server.raw('POST', '/commands/admit', { token: tokens['medco.a']!, payload: 'caseId=1', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported-media-type',
    );
    await expectRefusedAndUnchanged(() => server.raw('POST', '/commands/fly-to-moon', { token: tokens['medco.a']!, payload: {} }), 404, 'not-found');
  });

  it('wrong password → 401 with the same answer as an unknown user', async () => {
    const wrong = await server.raw('POST', '/auth/login', { payload: { username: 'ppd', password: 'nope' } });
    const unknown = await server.raw('POST', '/auth/login', { payload: { username: 'nobody', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe('invalid-credentials');
  });
});
