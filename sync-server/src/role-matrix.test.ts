import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNames, type CommandName } from '@contract/commands';
import { demoIds } from './demo/seed';
import { DevelopmentSmsSink } from './identity/sms';
import { describeEachBackend } from './testing/backends';
import { pdfBytes, uploadFamilyDocument } from './testing/documents';
import { verifiedCode } from './testing/enrolment';
import { resultOf, startTestServer, type TestServer } from './testing/harness';
import { settleAuditChain, snapshotDatabase } from './testing/snapshot';

/**
 * Who may do what, written out by hand (not derived from the contract's own table, so a change
 * to either one shows up here). Rows: commands; the roles allowed to send them.
 */
const expected: Record<CommandName, string[]> = {
  'identify-member': ['MEDCO', 'PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'],
  admit: ['MEDCO'],
  'admit-emergency': ['MEDCO'],
  'merge-emergency-case': ['MEDCO'],
  'register-family-member': ['MEDCO'],
  'admit-pending-enrolment': ['MEDCO'],
  'decide-family-change': ['HA'],
  'request-preauth': ['MEDCO'],
  'respond-query': ['MEDCO'],
  'decide-preauth': ['PPD'],
  'recommend-preauth': ['MC'],
  'approve-unspecified': ['ADMIN'],
  'request-enhancement': ['MEDCO'],
  'decide-enhancement': ['PPD'],
  'add-booking': ['MEDCO'],
  'void-booking': ['MEDCO'],
  discharge: ['MEDCO'],
  'submit-claim': ['MEDCO'],
  'process-claim': ['CEX'],
  'verify-claim': ['CPD'],
  'approve-payment': ['ACO'],
  'cancel-case': ['MEDCO'],
  'register-family': ['HA'],
  'set-package-price': ['HA'],
  'set-document-requirements': ['HA'],
  'create-operator': ['HA'],
  'configure-desk': ['HA'],
  'send-otp': ['MEDCO'],
  'verify-otp': ['MEDCO'],
  'review-override': ['HA', 'ADMIN'],
  'enroll-fingerprint': ['MEDCO'],
  'enroll-face': ['MEDCO'],
  'request-enrolment-replacement': ['MEDCO'],
  'review-enrolment-replacement': ['HA'],
  'register-hospital': ['HA'],
  'register-desk': ['HA'],
  'revoke-desk': ['HA'],
  'update-operator': ['HA'],
  'set-scheme-parameters': ['HA'],
  'take-payment': ['MEDCO'],
  'refund-payment': ['MEDCO'],
  'decide-secondary-claim': ['ACO'],
  'record-secondary-remittance': ['ACO'],
  'grant-history-consent': ['MEDCO'],
  'issue-e-card': ['MEDCO', 'HA'],
  'revoke-e-card': ['MEDCO', 'HA'],
  'reissue-e-card': ['MEDCO', 'HA'],
  'link-identifier': ['MEDCO', 'HA'],
  'unlink-identifier': ['MEDCO', 'HA'],
};
const operators = { MEDCO: 'medco.a', PPD: 'ppd', MC: 'mc', ADMIN: 'admin', CEX: 'cex', CPD: 'cpd', ACO: 'aco', HA: 'ha' } as const;
type MatrixRole = keyof typeof operators;
const roleNames = Object.keys(operators) as MatrixRole[];

/** A cell's request: a body that succeeds against the state prepared for it. */
interface Prepared {
  body: Record<string, unknown>;
}

let unique = 0;
/** A distinct number per call, for the registry's unique family numbers, member ids and usernames. */
const next = () => `${process.pid % 1000}${String((unique += 1)).padStart(5, '0')}`;

/**
 * The role × command matrix. Every cell, allowed or not, first builds the state its command needs
 * (a case admitted at medco.a's hospital, a pre-auth pending, a claim verified…) and sends a body
 * that would succeed there: an allowed role must get exactly 200, a forbidden one exactly 403
 * forbidden-role with the whole database unchanged, so the 403 can only come from the role check.
 * One describe per role and one test per command: the run's tree and count show the 8 × 31 cells
 * apart from the rest of the suite, and afterAll prints the matrix as a table.
 */
describeEachBackend('role × command matrix (%s)', (backend) => {
  let server: TestServer;
  const sms = new DevelopmentSmsSink();
  const tokens = {} as Record<MatrixRole, string>;
  const outcomes = new Map<string, string>();
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0, sms });
    for (const role of roleNames) tokens[role] = await server.login(operators[role]);
  });
  afterAll(async () => {
    if (outcomes.size > 0) {
      const width = Math.max(...commandNames.map((name) => name.length));
      const lines = [
        `role × command matrix (${backend}): ${outcomes.size} of ${commandNames.length * roleNames.length} cells passed`,
        `${''.padEnd(width)} ${roleNames.map((role) => role.padStart(5)).join(' ')}`,
      ];
      for (const name of commandNames)
        lines.push(`${name.padEnd(width)} ${roleNames.map((role) => (outcomes.get(`${name}|${role}`) ?? '  ?').padStart(5)).join(' ')}`);
      console.log(lines.join('\n'));
    }
    await server?.close();
  });

  const ok = async (role: MatrixRole, name: CommandName, body: Record<string, unknown>) =>
    resultOf(await server.raw('POST', `/commands/${name}`, { token: tokens[role], payload: { commandId: randomUUID(), ...body } }));
  /** A family of its own for each cell, so no cell's admissions or cover depend on another's. */
  const family = async (): Promise<{ memberId: string; schemeMemberId: string; familyId: string }> => {
    const memberId = randomUUID();
    const familyId = randomUUID();
    const schemeMemberId = `PMJ-M${next().padStart(7, '0').slice(-7)}`;
    await ok('HA', 'register-family', {
      familyId,
      familyNumber: `FAM-M-${next()}`,
      cover: 5_000_000,
      registeredPhone: '+919800000999',
      district: 'Pune',
      members: [{ memberId, schemeMemberId, fullName: 'Matrix Member', birthYear: 1990, gender: 'X', relation: 'head' }],
    });
    return { memberId, schemeMemberId, familyId };
  };
  const issuedCard = async (): Promise<string> => String((await ok('HA', 'issue-e-card', { memberId: (await family()).memberId })).serial);
  const admitted = async (identity: Record<string, unknown> = { identityMethod: 'fingerprint' }) => {
    const { memberId } = await family();
    const caseId = randomUUID();
    await ok('MEDCO', 'admit', { caseId, memberId, ...identity });
    return caseId;
  };
  const pending = async () => {
    const caseId = await admitted();
    await ok('MEDCO', 'request-preauth', { caseId, packageCode: 'MG012A' });
    return caseId;
  };
  const approved = async () => {
    const caseId = await pending();
    await ok('PPD', 'decide-preauth', { caseId, decision: 'approve' });
    return caseId;
  };
  const committee = async () => {
    const caseId = await admitted();
    await ok('MEDCO', 'request-preauth', { caseId, packageCode: 'SG999U', estimatedAmount: 300_000 });
    return caseId;
  };
  const booked = async (caseId: string) => {
    const bookingId = randomUUID();
    await ok('MEDCO', 'add-booking', { bookingId, caseId, itemCode: 'LAB', description: 'Lab', quantity: 1, unitPrice: 250_000 });
    return bookingId;
  };
  /** A member admitted at medco.a's hospital by a verified one-time code, which can back an enrolment (issue 13 item 5). */
  const enrolable = async () => {
    const { memberId } = await family();
    const otpChallengeId = await verifiedCode(server.scratch.db, memberId, 'medco.a');
    const caseId = randomUUID();
    await ok('MEDCO', 'admit', { caseId, memberId, identityMethod: 'otp', otpChallengeId });
    return { memberId, caseId, otpChallengeId };
  };
  /** A newborn registered at medco.a's hospital with its birth certificate (issue 16), pending. */
  const newborn = async () => {
    const { familyId } = await family();
    const upload = await uploadFamilyDocument(server, tokens.MEDCO, { familyId, kind: 'birth-certificate', name: 'birth.pdf' }, pdfBytes(`birth ${next()}`));
    const documentId = String((upload.body.document as { documentId: string }).documentId);
    const birthDate = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    return { changeId: randomUUID(), familyId, kind: 'newborn', memberId: randomUUID(), fullName: 'Matrix Baby', gender: 'F', birthDate, documentId };
  };
  const finger = (seed: number) => Buffer.alloc(512, seed).toString('base64');
  /** A replacement of an enrolled finger, asked for with a fresh code. */
  const replacement = async () => {
    const scope = await enrolable();
    await ok('MEDCO', 'enroll-fingerprint', { ...scope, template: finger(7) });
    const otpChallengeId = await verifiedCode(server.scratch.db, scope.memberId, 'medco.a');
    return { ...scope, otpChallengeId, requestId: randomUUID(), modality: 'fingerprint', template: finger(8), reason: 'The enrolled finger does not read' };
  };
  /** A claim in the given state, with its one line. */
  const claim = async (upTo: 'submitted' | 'processed' | 'approved') => {
    const caseId = await approved();
    const bookingId = await booked(caseId);
    await ok('MEDCO', 'discharge', { caseId });
    const claimId = randomUUID();
    await ok('MEDCO', 'submit-claim', { claimId, caseId, amount: 250_000 });
    const lines = [{ bookingId, decision: 'full' }];
    if (upTo !== 'submitted') await ok('CEX', 'process-claim', { claimId, lines });
    if (upTo === 'approved') await ok('CPD', 'verify-claim', { claimId, lines });
    return { claimId, caseId, bookingId, lines };
  };
  /** A case whose patient owes 1,000 (a booking of 7,000 on a 6,000 hold), and the booking. */
  const owing = async () => {
    const caseId = await approved();
    const bookingId = randomUUID();
    await ok('MEDCO', 'add-booking', { bookingId, caseId, itemCode: 'IMPLANT', description: 'Implant', quantity: 1, unitPrice: 700_000 });
    return { caseId, bookingId };
  };
  const registeredDesk = async () => {
    const deskId = randomUUID();
    await ok('HA', 'register-desk', { deskId, hospitalId: demoIds.hospitalA, name: `Matrix desk ${next()}` });
    return deskId;
  };

  const success = (body: Record<string, unknown>): Prepared => ({ body });
  // The demo scheme's calendar day (Asia/Kolkata): a value date may not be after it, nor before the claim.
  const demoSchemeToday = () =>
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const prepare: Record<CommandName, () => Promise<Prepared>> = {
    'identify-member': async () => success({ by: 'scheme-id', value: (await family()).schemeMemberId }),
    'grant-history-consent': async () => {
      const { caseId, otpChallengeId } = await enrolable();
      return success({ caseId, method: 'otp', otpChallengeId });
    },
    'issue-e-card': async () => success({ memberId: (await family()).memberId }),
    'revoke-e-card': async () => success({ serial: await issuedCard(), reason: 'Card lost' }),
    'reissue-e-card': async () => success({ serial: await issuedCard(), reason: 'Card lost' }),
    'link-identifier': async () => success({ memberId: (await family()).memberId, kind: 'state-card', state: 'MH', value: `SC-${next()}` }),
    'unlink-identifier': async () => {
      const linked = await ok('HA', 'link-identifier', { memberId: (await family()).memberId, kind: 'state-card', state: 'MH', value: `SC-${next()}` });
      return success({ linkId: String(linked.linkId), reason: 'Linked to the wrong member' });
    },
    admit: async () => success({ caseId: randomUUID(), memberId: (await family()).memberId, identityMethod: 'fingerprint' }),
    'admit-emergency': async () => success({ caseId: randomUUID(), sex: 'female', approximateAge: 30, foundAt: 'Collapsed at the bus stand' }),
    'merge-emergency-case': async () => {
      const caseId = randomUUID();
      await ok('MEDCO', 'admit-emergency', { caseId, sex: 'female', approximateAge: 30, foundAt: 'Collapsed at the bus stand' });
      return success({ caseId, memberId: (await family()).memberId, identityMethod: 'fingerprint' });
    },
    'register-family-member': async () => success(await newborn()),
    'admit-pending-enrolment': async () => {
      const registration = await newborn();
      await ok('MEDCO', 'register-family-member', registration);
      return success({ caseId: randomUUID(), changeId: registration.changeId });
    },
    'decide-family-change': async () => {
      const registration = await newborn();
      await ok('MEDCO', 'register-family-member', registration);
      return success({ changeId: registration.changeId, decision: 'approve', reason: 'Birth certificate checked' });
    },
    'request-preauth': async () => success({ caseId: await admitted(), packageCode: 'SE007A' }),
    'respond-query': async () => {
      const caseId = await pending();
      await ok('PPD', 'decide-preauth', { caseId, decision: 'query', reason: 'Need the X-ray' });
      return success({ caseId, response: 'X-ray attached' });
    },
    'decide-preauth': async () => success({ caseId: await pending(), decision: 'approve' }),
    'recommend-preauth': async () => success({ caseId: await committee(), recommendedAmount: 250_000, reason: 'Comparable package' }),
    'approve-unspecified': async () => {
      const caseId = await committee();
      await ok('MC', 'recommend-preauth', { caseId, recommendedAmount: 250_000, reason: 'Comparable package' });
      return success({ caseId, decision: 'approve' });
    },
    'request-enhancement': async () => success({ enhancementId: randomUUID(), caseId: await approved(), amount: 100_000, reason: 'Two more days' }),
    'decide-enhancement': async () => {
      const enhancementId = randomUUID();
      await ok('MEDCO', 'request-enhancement', { enhancementId, caseId: await approved(), amount: 100_000, reason: 'Two more days' });
      return success({ enhancementId, decision: 'approve' });
    },
    'add-booking': async () =>
      success({ bookingId: randomUUID(), caseId: await pending(), itemCode: 'LAB', description: 'Lab', quantity: 1, unitPrice: 10_000 }),
    'void-booking': async () => success({ bookingId: await booked(await pending()), reason: 'Entered on the wrong patient' }),
    discharge: async () => success({ caseId: await admitted() }),
    'submit-claim': async () => {
      const caseId = await approved();
      await booked(caseId);
      await ok('MEDCO', 'discharge', { caseId });
      return success({ claimId: randomUUID(), caseId, amount: 250_000 });
    },
    'process-claim': async () => {
      const { claimId, lines } = await claim('submitted');
      return success({ claimId, lines });
    },
    'verify-claim': async () => {
      const { claimId, lines } = await claim('processed');
      return success({ claimId, lines });
    },
    'approve-payment': async () => success({ paymentId: randomUUID(), claimIds: [(await claim('approved')).claimId] }),
    'cancel-case': async () => success({ caseId: await admitted(), reason: 'Admitted by mistake' }),
    'register-family': async () =>
      success({
        familyId: randomUUID(),
        familyNumber: `FAM-M-${next()}`,
        cover: 1_000_000,
        registeredPhone: '+919800000999',
        district: 'Pune',
        members: [
          {
            memberId: randomUUID(),
            schemeMemberId: `PMJ-N${next().padStart(7, '0').slice(-7)}`,
            fullName: 'Matrix Member',
            birthYear: 1990,
            gender: 'X',
            relation: 'head',
          },
        ],
      }),
    'set-package-price': async () => success({ packageCode: 'SE007A', price: 900_000 }),
    'set-document-requirements': async () => success({ packageCode: 'SL010A', stage: 'claim', kinds: ['discharge-summary'], reason: 'Scheme circular' }),
    'create-operator': async () =>
      success({ operatorId: randomUUID(), username: `op.${next()}`, displayName: 'Op', password: 'a-long-password', roles: ['CEX'] }),
    'configure-desk': async () => success({ deskId: await registeredDesk(), registryDistrict: 'Satara' }),
    'send-otp': async () => success({ challengeId: randomUUID(), memberId: (await family()).memberId }),
    'verify-otp': async () => {
      const challengeId = randomUUID();
      await ok('MEDCO', 'send-otp', { challengeId, memberId: (await family()).memberId });
      // The code reaches the sink after the command's commit, before its answer.
      const code = /code is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1];
      if (!code) throw new Error('no one-time code reached the SMS sink');
      return success({ challengeId, code });
    },
    'review-override': async () =>
      success({
        caseId: await admitted({ identityMethod: 'override', overrideReason: 'Unconscious on arrival, no relative', supervisorName: 'Dr Supervisor' }),
        note: 'Checked the ward register',
      }),
    'enroll-fingerprint': async () => success({ ...(await enrolable()), template: finger(7) }),
    'enroll-face': async () => success({ ...(await enrolable()), descriptor: Array.from({ length: 1024 }, (_, index) => Math.sin(index)) }),
    'request-enrolment-replacement': async () => success(await replacement()),
    'review-enrolment-replacement': async () => {
      const request = await replacement();
      await ok('MEDCO', 'request-enrolment-replacement', request);
      return success({ requestId: request.requestId, decision: 'approve', note: 'Checked with the family' });
    },
    'register-hospital': async () => success({ hospitalId: randomUUID(), code: `M-${next()}`, name: 'Matrix Hospital', district: 'Pune' }),
    'register-desk': async () => success({ deskId: randomUUID(), hospitalId: demoIds.hospitalA, name: 'Matrix desk' }),
    'revoke-desk': async () => success({ deskId: await registeredDesk(), reason: 'Laptop lost' }),
    'update-operator': async () => {
      const operatorId = randomUUID();
      await ok('HA', 'create-operator', { operatorId, username: `op.${next()}`, displayName: 'Op', password: 'a-long-password', roles: ['CEX'] });
      return success({ operatorId, displayName: 'Renamed' });
    },
    'set-scheme-parameters': async () => success({ preauthTurnaroundMinutes: 360, reason: 'Matrix check: same value' }),
    'take-payment': async () => success({ paymentId: randomUUID(), caseId: (await owing()).caseId, amount: 50_000, method: 'cash' }),
    'refund-payment': async () => {
      // Paid in full, then the booking is voided: the 1,000 paid is the patient's credit.
      const { caseId, bookingId } = await owing();
      await ok('MEDCO', 'take-payment', { paymentId: randomUUID(), caseId, amount: 100_000, method: 'cash' });
      await ok('MEDCO', 'void-booking', { bookingId, reason: 'Entered on the wrong case' });
      return success({ refundId: randomUUID(), caseId, amount: 100_000, method: 'cash', reason: 'Booking voided after payment' });
    },
    'decide-secondary-claim': async () => {
      const claimId = randomUUID();
      await ok('MEDCO', 'take-payment', {
        paymentId: claimId,
        caseId: (await owing()).caseId,
        amount: 50_000,
        method: 'secondary',
        secondaryPayer: 'serious-illness-fund',
        reference: 'SIF-1',
      });
      return success({ claimId, decision: 'reject', reasonCode: 'not-covered', payerReference: 'RA-1' });
    },
    'record-secondary-remittance': async () => {
      const claimId = randomUUID();
      await ok('MEDCO', 'take-payment', {
        paymentId: claimId,
        caseId: (await owing()).caseId,
        amount: 50_000,
        method: 'secondary',
        secondaryPayer: 'commercial-top-up',
        reference: 'TOP-1',
      });
      await ok('ACO', 'decide-secondary-claim', { claimId, decision: 'accept', payerReference: 'RA-2' });
      return success({ claimId, movement: 'remittance', amount: 20_000, reference: 'NEFT-77', valueDate: demoSchemeToday() });
    },
  };

  /**
   * Forbidden cells share one prepared state per command: each of them proves it wrote nothing, so
   * the state (and the body that would succeed on it) stays valid for the next forbidden role.
   */
  const forbidden = new Map<CommandName, Promise<Prepared>>();
  const forbiddenState = (name: CommandName): Promise<Prepared> => {
    const known = forbidden.get(name);
    if (known) return known;
    const created = prepare[name]();
    forbidden.set(name, created);
    return created;
  };

  /**
   * The snapshot after a forbidden cell, when nothing has written since: the one before the next
   * forbidden cell (as in bad-input.test.ts). Cleared before anything writes (an allowed cell, a
   * forbidden state prepared for the first time) and while a cell runs, so a failed cell never
   * lends its snapshot; a write missed by it could only make the next comparison fail, never pass.
   */
  let unchanged: Record<string, string> | null = null;

  for (const role of roleNames) {
    describe(`${role} (${operators[role]})`, () => {
      for (const name of commandNames) {
        const isAllowed = expected[name].includes(role);
        it(`${name}: ${isAllowed ? 'allowed, 200' : 'forbidden, 403 forbidden-role, nothing written'}`, async () => {
          const lastUnchanged = !isAllowed && forbidden.has(name) ? unchanged : null;
          unchanged = null;
          const prepared = await (isAllowed ? prepare[name]() : forbiddenState(name));
          const send = () => server.raw('POST', `/commands/${name}`, { token: tokens[role], payload: { commandId: randomUUID(), ...prepared.body } });
          if (isAllowed) {
            const answer = await send();
            expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          } else {
            await settleAuditChain(server.scratch.db);
            const before = lastUnchanged ?? (await snapshotDatabase(server.scratch.db));
            const answer = await send();
            expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 403, code: 'forbidden-role' });
            expect(String(answer.body.message)).toContain(name.replace(/-/g, ' '));
            const after = await snapshotDatabase(server.scratch.db);
            expect(after).toEqual(before);
            unchanged = after;
          }
          outcomes.set(`${name}|${role}`, isAllowed ? '200' : '403');
        });
      }
    });
  }
});
