import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNames, type CommandName } from '@contract/commands';
import { demoIds } from './demo/seed';
import { resultOf, startTestServer, type TestServer } from './testing/harness';

/**
 * Who may do what, written out by hand (not derived from the contract's own table, so a change
 * to either one shows up here). Rows: commands; the roles allowed to send them.
 */
const expected: Record<CommandName, string[]> = {
  'identify-member': ['MEDCO', 'PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'],
  'admit': ['MEDCO'],
  'request-preauth': ['MEDCO'],
  'respond-query': ['MEDCO'],
  'decide-preauth': ['PPD'],
  'recommend-preauth': ['MC'],
  'approve-unspecified': ['ADMIN'],
  'request-enhancement': ['MEDCO'],
  'decide-enhancement': ['PPD'],
  'add-booking': ['MEDCO'],
  'void-booking': ['MEDCO'],
  'discharge': ['MEDCO'],
  'submit-claim': ['MEDCO'],
  'process-claim': ['CEX'],
  'verify-claim': ['CPD'],
  'approve-payment': ['ACO'],
  'cancel-case': ['MEDCO'],
  'register-family': ['HA'],
  'set-package-price': ['HA'],
  'create-operator': ['HA'],
  'configure-desk': ['HA'],
  'send-otp': ['MEDCO'],
  'verify-otp': ['MEDCO'],
  'review-override': ['HA', 'ADMIN'],
  'enroll-fingerprint': ['MEDCO'],
  'enroll-face': ['MEDCO'],
  'register-hospital': ['HA'],
  'register-desk': ['HA'],
  'revoke-desk': ['HA'],
  'update-operator': ['HA'],
  'set-scheme-parameters': ['HA'],
};
const operators: Record<string, string> = { MEDCO: 'medco.a', PPD: 'ppd', MC: 'mc', ADMIN: 'admin', CEX: 'cex', CPD: 'cpd', ACO: 'aco', HA: 'ha' };

describe('role × command matrix (PGlite; authorization does not depend on the engine)', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const caseId = randomUUID();
  beforeAll(async () => {
    server = await startTestServer('pglite');
    for (const [role, user] of Object.entries(operators)) tokens[role] = await server.login(user);
    resultOf(await server.command(tokens.MEDCO!, 'admit', { caseId, memberId: demoIds.daughter, identityMethod: 'face' }));
  });
  afterAll(async () => server?.close());

  const body = (name: CommandName): Record<string, unknown> => {
    const lines = [{ bookingId: randomUUID(), decision: 'full' }];
    const bodies: Record<CommandName, Record<string, unknown>> = {
      'identify-member': { by: 'health-card', value: 'HC-S1-0004' },
      'admit': { caseId: randomUUID(), memberId: demoIds.son, identityMethod: 'otp' },
      'request-preauth': { caseId, packageCode: 'SE007A' },
      'respond-query': { caseId, response: 'Attached' },
      'decide-preauth': { caseId, decision: 'query', reason: 'Need the X-ray' },
      'recommend-preauth': { caseId, recommendedAmount: 1000, reason: 'ok' },
      'approve-unspecified': { caseId, decision: 'approve' },
      'request-enhancement': { enhancementId: randomUUID(), caseId, amount: 1000, reason: 'More days' },
      'decide-enhancement': { enhancementId: randomUUID(), decision: 'approve' },
      'add-booking': { bookingId: randomUUID(), caseId, itemCode: 'LAB', description: 'Lab', quantity: 1, unitPrice: 100 },
      'void-booking': { bookingId: randomUUID(), reason: 'Mistake' },
      'discharge': { caseId: randomUUID() },
      'submit-claim': { claimId: randomUUID(), caseId, amount: 100 },
      'process-claim': { claimId: randomUUID(), lines },
      'verify-claim': { claimId: randomUUID(), lines },
      'approve-payment': { paymentId: randomUUID(), claimIds: [randomUUID()] },
      'cancel-case': { caseId: randomUUID(), reason: 'Mistake' },
      'register-family': { familyId: randomUUID(), familyNumber: `FAM-M-${Math.floor(Math.random() * 1e6)}`, cover: 1000, registeredPhone: '+919800000999', district: 'Pune', members: [{ memberId: randomUUID(), schemeMemberId: `PMJ-M${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`, fullName: 'Matrix Member', birthYear: 1990, gender: 'X', relation: 'head' }] },
      'set-package-price': { packageCode: 'SE007A', price: 900_000 },
      'create-operator': { operatorId: randomUUID(), username: `op.${Math.floor(Math.random() * 1e9)}`, displayName: 'Op', password: 'a-long-password', roles: ['CEX'] },
      'configure-desk': { deskId: demoIds.deskB, registryDistrict: 'Satara' },
      'send-otp': { challengeId: randomUUID(), memberId: demoIds.father },
      'verify-otp': { challengeId: randomUUID(), code: '123456' },
      'review-override': { caseId: randomUUID(), note: 'Checked the ward register' },
      'enroll-fingerprint': { memberId: demoIds.mother, template: Buffer.alloc(512, 7).toString('base64') },
      'enroll-face': { memberId: demoIds.mother, descriptor: Array.from({ length: 1024 }, (_, index) => Math.sin(index)) },
      'register-hospital': { hospitalId: randomUUID(), code: `M-${Math.floor(Math.random() * 1e6)}`, name: 'Matrix Hospital', district: 'Pune' },
      'register-desk': { deskId: randomUUID(), hospitalId: randomUUID(), name: 'Matrix desk' },
      'revoke-desk': { deskId: randomUUID(), reason: 'Laptop lost' },
      'update-operator': { operatorId: randomUUID(), displayName: 'Renamed' },
      'set-scheme-parameters': { preauthTurnaroundMinutes: 360, reason: 'Matrix check: same value' },
    };
    return { commandId: randomUUID(), ...bodies[name] };
  };

  const cells = commandNames.flatMap((name) => Object.keys(operators).map((role) => [name, role] as const));
  it.each(cells)('%s as %s', async (name, role) => {
    const answer = await server.raw('POST', `/commands/${name}`, { token: tokens[role]!, payload: body(name) });
    if (expected[name].includes(role)) {
      expect(answer.status, JSON.stringify(answer.body)).not.toBe(403);
      expect(answer.status).toBeLessThan(500);
    } else {
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('forbidden-role');
    }
  });
});
