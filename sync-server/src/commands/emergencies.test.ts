import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmergencyListValue } from '@contract/emergencies';
import { demoIds } from '../demo/seed';
import { noticeOverdueEmergencies } from '../queries/emergencies';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type Answer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

const minute = 60_000;
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]).toString('base64');
/** An executable's first bytes ("MZ"), labelled as a JPEG. */
const notAJpeg = Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]).toString('base64');

/**
 * Emergencies before identity (issue 19): admit-emergency and merge-emergency-case, the window and
 * its flag, the emergency service level, and every refusal writing nothing (a business refusal:
 * only its stored answer). S6's own numbers are in src/emergency-scenario.test.ts.
 */
describeEachBackend('emergency cases (%s)', (backend) => {
  let server: TestServer;
  let nowMs = Date.parse('2026-06-10T06:00:00.000Z');
  let deskA = '',
    deskB = '',
    ppd = '',
    ha = '';
  const unknown = (caseId = randomUUID()) => ({ caseId, sex: 'female' as const, approximateAge: 30, foundAt: 'Collapsed at the bus stand' });

  beforeAll(async () => {
    server = await startTestServer(backend, { clock: () => new Date(nowMs), extraFamilies: 2 });
    deskA = await server.login('medco.a');
    deskB = await server.login('medco.b');
    ppd = await server.login('ppd');
    ha = await server.login('ha');
  });
  afterAll(async () => server?.close());

  const snapshot = async () => {
    await settleAuditChain(server.scratch.db);
    const { commands, ...rest } = await snapshotDatabase(server.scratch.db);
    return { commandCount: Number(commands?.split(':')[0]), rest };
  };
  /** A refusal: its status and code, a sentence, and not one row written (a 409: only its stored answer). */
  const refused = async (send: () => Promise<Answer>, status: number, code: string) => {
    const before = await snapshot();
    const answer = await send();
    expect([answer.status, answer.body.code]).toEqual([status, code]);
    expect(String(answer.body.message)).toMatch(/\w+ \w+ \w+/);
    const after = await snapshot();
    expect(after.rest).toEqual(before.rest);
    expect(after.commandCount).toBe(before.commandCount + (status === 409 ? 1 : 0));
    return answer;
  };
  const list = async (token: string, query = '') => (await server.get(token, `/emergencies${query}`)).body as EmergencyListValue;

  it("admits at once with no member and no hold; the window is the scheme's and runs from the admission time", async () => {
    const admittedAt = new Date(nowMs - 30 * minute).toISOString();
    const caseId = randomUUID();
    const answer = resultOf(await server.command(deskA, 'admit-emergency', { ...unknown(caseId), admittedAt, photo: { type: 'image/jpeg', base64: jpeg } }));
    expect(answer).toMatchObject({
      status: 'unidentified',
      admittedAt,
      identifyBy: new Date(Date.parse(admittedAt) + 1440 * minute).toISOString(),
      hasPhoto: true,
    });
    const [row] = await server.scratch.db.query<{ photo: Buffer; photo_type: string; member_id: string | null }>(
      'SELECT photo, photo_type, member_id FROM emergency_cases WHERE id = $1',
      [caseId],
    );
    expect([Buffer.from(row!.photo).toString('base64'), row!.photo_type, row!.member_id]).toEqual([jpeg, 'image/jpeg', null]);
    // The photo is never in the audit trail: only that there is one.
    const [audit] = await server.scratch.db.query<{ after: Record<string, unknown> }>(
      "SELECT after FROM audit_log WHERE entity_id = $1 AND action = 'emergency-admitted'",
      [caseId],
    );
    expect(audit?.after).toMatchObject({ hasPhoto: true, windowMinutes: 1440 });
    expect(JSON.stringify(audit?.after)).not.toContain(jpeg);
    expect((await list(deskA)).items.find((item) => item.caseId === caseId)).toMatchObject({ remainingMinutes: 1410, isOverdue: false });
    // Hospital B's desk does not see hospital A's emergencies; the scheme does.
    expect((await list(deskB)).items.some((item) => item.caseId === caseId)).toBe(false);
    expect((await list(ha, '?hospital=HSP-A')).items.some((item) => item.caseId === caseId)).toBe(true);
  });

  it('bad input is refused with a code and a sentence and writes nothing', async () => {
    await refused(() => server.command(deskA, 'admit-emergency', { ...unknown(), photo: { type: 'image/jpeg', base64: notAJpeg } }), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'admit-emergency', { ...unknown(), approximateAge: 200 }), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'admit-emergency', { ...unknown(), sex: 'x' as 'male' }), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'admit-emergency', { ...unknown(), foundAt: '' }), 400, 'invalid-input');
    await refused(
      () => server.command(deskA, 'admit-emergency', { ...unknown(), admittedAt: new Date(nowMs + 60 * minute).toISOString() }),
      400,
      'invalid-input',
    );
    await refused(
      () => server.command(deskA, 'merge-emergency-case', { caseId: randomUUID(), memberId: demoIds.daughter, identityMethod: 'fingerprint' }),
      404,
      'not-found',
    );
    // An override without its reason and supervisor.
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit-emergency', unknown(caseId)));
    await refused(
      () => server.command(deskA, 'merge-emergency-case', { caseId, memberId: demoIds.daughter, identityMethod: 'override' }),
      400,
      'invalid-input',
    );
    // Another hospital's emergency is out of reach: as if there were none.
    await refused(() => server.command(deskB, 'merge-emergency-case', { caseId, memberId: demoIds.daughter, identityMethod: 'fingerprint' }), 404, 'not-found');
    await refused(() => server.get(deskA, '/emergencies?status=lost'), 400, 'invalid-input');
  });

  it('wrong roles are refused and write nothing', async () => {
    await refused(() => server.command(ppd, 'admit-emergency', unknown()), 403, 'forbidden-role');
    await refused(
      () => server.command(ha, 'merge-emergency-case', { caseId: randomUUID(), memberId: demoIds.daughter, identityMethod: 'fingerprint' }),
      403,
      'forbidden-role',
    );
    const cex = await server.login('cex');
    await refused(() => server.get(cex, '/emergencies'), 403, 'forbidden-role');
  });

  it('merge: admit rules apply (one active case per member); a second merge and a reused id are refused, storing only the answer', async () => {
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit-emergency', unknown(caseId)));
    await refused(() => server.command(deskA, 'admit-emergency', unknown(caseId)), 409, 'already-registered');
    // The daughter already has an active case at hospital B: she cannot be this patient too.
    const otherCase = randomUUID();
    resultOf(await server.command(deskB, 'admit', { caseId: otherCase, memberId: demoIds.daughter, identityMethod: 'fingerprint' }));
    await refused(
      () => server.command(deskA, 'merge-emergency-case', { caseId, memberId: demoIds.daughter, identityMethod: 'fingerprint' }),
      409,
      'case-already-active',
    );
    expect((await list(deskA, '?status=unidentified')).items.some((item) => item.caseId === caseId)).toBe(true);
    resultOf(await server.command(deskB, 'cancel-case', { caseId: otherCase, reason: 'Admitted in error' }));
    const merged = resultOf(
      await server.command(deskA, 'merge-emergency-case', {
        caseId,
        memberId: demoIds.daughter,
        identityMethod: 'override',
        overrideReason: 'Unconscious; her brother recognised her photo',
        supervisorName: 'Dr Kulkarni',
      }),
    );
    expect(merged).toMatchObject({ status: 'merged', memberId: demoIds.daughter, identityMethod: 'override', flaggedForReview: true, isLate: false });
    // The override is audited and listed for review, like any override.
    const reviews = (await server.get(ha, '/reviews/identity-overrides')).body as { overrides: { caseId: string; method: string }[] };
    expect(reviews.overrides.find((review) => review.caseId === caseId)).toMatchObject({ method: 'override' });
    const again = await refused(
      () => server.command(deskA, 'merge-emergency-case', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }),
      409,
      'emergency-already-merged',
    );
    expect(again.body.details).toEqual({ memberId: demoIds.daughter });
    resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'Test over' }));
  });

  it('the window passes: flagged once (audited), listed overdue; a late merge still merges and stays flagged', async () => {
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit-emergency', unknown(caseId)));
    // At the deadline itself it is not overdue yet (an earlier test's case, admitted before, is).
    expect((await noticeOverdueEmergencies(server.scratch.db, new Date(nowMs + 1440 * minute))).some((row) => row.caseId === caseId)).toBe(false);
    const late = new Date(nowMs + 1441 * minute);
    const flagged = await noticeOverdueEmergencies(server.scratch.db, late);
    expect(flagged).toContainEqual({ caseId, hospitalId: demoIds.hospitalA });
    // Noticed once, whichever process looks next.
    expect((await noticeOverdueEmergencies(server.scratch.db, late)).some((row) => row.caseId === caseId)).toBe(false);
    nowMs = late.getTime();
    const overdue = (await list(deskA, '?status=overdue')).items.find((item) => item.caseId === caseId);
    expect(overdue).toMatchObject({ isOverdue: true, remainingMinutes: -1, overdueNoticedAt: late.toISOString() });
    const merged = resultOf(await server.command(deskA, 'merge-emergency-case', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    expect(merged).toMatchObject({ isLate: true });
    expect((await list(ha, '?status=overdue')).items.find((item) => item.caseId === caseId)).toMatchObject({ status: 'merged', isOverdue: true });
    const [audited] = await server.scratch.db.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM audit_log WHERE entity_id = $1 AND action = 'emergency-overdue'",
      [caseId],
    );
    expect(audited?.count).toBe(1);
    resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'Test over' }));
  });

  it('HA sets the window and the emergency service level; it must stay shorter than the pre-auth target', async () => {
    const set = resultOf(
      await server.command(ha, 'set-scheme-parameters', {
        emergencyIdentifyWindowMinutes: 720,
        emergencyPreauthTurnaroundMinutes: 30,
        reason: 'State circular 12/2026',
      }),
    );
    expect(set).toMatchObject({
      parameters: { emergencyIdentifyWindowMinutes: 720, emergencyPreauthTurnaroundMinutes: 30, preauthTurnaroundMinutes: 360 },
      previous: { emergencyIdentifyWindowMinutes: 1440, emergencyPreauthTurnaroundMinutes: 60 },
    });
    const admitted = resultOf(await server.command(deskA, 'admit-emergency', unknown()));
    expect(admitted).toMatchObject({ windowMinutes: 720 });
    await refused(
      () => server.command(ha, 'set-scheme-parameters', { emergencyPreauthTurnaroundMinutes: 360, reason: 'As long as any pre-auth' }),
      400,
      'invalid-input',
    );
    await refused(
      () => server.command(ha, 'set-scheme-parameters', { preauthTurnaroundMinutes: 20, reason: 'Shorter than the emergency level' }),
      400,
      'invalid-input',
    );
    await refused(() => server.command(deskA, 'set-scheme-parameters', { emergencyIdentifyWindowMinutes: 60, reason: 'Not the desk' }), 403, 'forbidden-role');
    await refused(
      () => server.command(ha, 'set-scheme-parameters', { emergencyIdentifyWindowMinutes: 30, reason: 'Too short a window' }),
      400,
      'invalid-input',
    );
  });
});
