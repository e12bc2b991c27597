import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FamilyChangeListValue } from '@contract/family-changes';
import { localDay } from '@domain/policy-year';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { elfBytes, jpegBytes, pdfBytes, pngBytes, uploadFamilyDocument } from '../testing/documents';
import { resultOf, startTestServer, type Answer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

/**
 * Family changes (issue 16, docs/family-changes.md): a newborn or a spouse registered at the desk
 * with its certificate, decided by HA; the family's cover untouched; the pending-enrolment
 * admission following the decision; replays, bad input and another hospital's desk writing nothing.
 */
describeEachBackend('family changes (%s)', (backend) => {
  let server: TestServer;
  let deskA = '',
    deskB = '',
    ppd = '',
    ha = '';
  const family = demoIds.seedFamily;
  const daysAgo = (days: number) => localDay(new Date(Date.now() - days * 86_400_000), 'Asia/Kolkata');
  let seed = 100;

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 2 });
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
  const money = async () => {
    const [row] = await server.scratch.db.query<{ cover: string; committed: string; ledger: string }>(
      `SELECT fy.cover, fy.committed, (SELECT count(*) FROM ledger WHERE family_id = $1) AS ledger
         FROM family_years fy WHERE fy.family_id = $1 AND fy.policy_year = (SELECT policy_year FROM schemes WHERE is_current)`,
      [family],
    );
    return { cover: Number(row!.cover), committed: Number(row!.committed), ledger: Number(row!.ledger) };
  };
  const certificate = async (kind: 'birth-certificate' | 'marriage-certificate', token = deskA, familyId: string = family) => {
    seed += 1;
    const answer = await uploadFamilyDocument(server, token, { familyId, kind, name: `${kind}-${seed}.pdf` }, pdfBytes(`${kind} ${seed}`));
    expect(answer.status).toBe(200);
    return String((answer.body.document as { documentId: string }).documentId);
  };
  const newborn = (documentId: string | undefined, overrides: Record<string, unknown> = {}) => ({
    changeId: randomUUID(),
    familyId: family,
    kind: 'newborn' as const,
    memberId: randomUUID(),
    fullName: `Baby Patil ${seed}`,
    gender: 'F' as const,
    birthDate: daysAgo(3),
    ...(documentId ? { documentId } : {}),
    ...overrides,
  });
  const list = async (token: string, query = '') => (await server.get(token, `/family-changes${query}`)).body as FamilyChangeListValue;

  it('a newborn registered with its birth certificate waits for HA; approved, it joins the family from its date of birth, the cover unchanged', async () => {
    const before = await money();
    const documentId = await certificate('birth-certificate');
    const body = newborn(documentId);
    const registered = resultOf(await server.command(deskA, 'register-family-member', body));
    expect(registered).toMatchObject({ status: 'pending', relation: 'daughter', documentId, memberId: body.memberId });
    // Not a member until decided.
    expect(await server.scratch.db.query('SELECT 1 FROM members WHERE id = $1', [body.memberId])).toHaveLength(0);
    const queued = (await list(ha, '?status=pending')).items.find((item) => item.changeId === body.changeId);
    expect(queued).toMatchObject({ kind: 'newborn', hospitalCode: 'HSP-A', familyNumber: 'FAM-S1-0001', document: { documentId, kind: 'birth-certificate' } });
    // HA opens the certificate inline, and the opening is audited.
    const opened = await server.app.inject({ method: 'GET', url: `/documents/${documentId}`, headers: { authorization: `Bearer ${ha}` } });
    expect([opened.statusCode, opened.headers['content-type'], opened.rawPayload.subarray(0, 5).toString()]).toEqual([200, 'application/pdf', '%PDF-']);
    const [audit] = await server.scratch.db.query<{ entity_id: string; after: { documentId: string } }>(
      "SELECT entity_id, after FROM audit_log WHERE action = 'document-opened' AND entity_type = 'family' ORDER BY id DESC LIMIT 1",
    );
    expect(audit).toMatchObject({ entity_id: family, after: { documentId } });

    const decided = resultOf(
      await server.command(ha, 'decide-family-change', { changeId: body.changeId, decision: 'approve', reason: 'Birth certificate checked' }),
    );
    expect(decided).toMatchObject({ status: 'approved', effectiveDate: body.birthDate, cover: before.cover, committed: before.committed, pendingCase: null });
    expect(String(decided.schemeMemberId)).toMatch(/^PMJ-[A-Z0-9]{8}$/);
    const [member] = await server.scratch.db.query<{ family_id: string; relation: string; birth_year: number; scheme_member_id: string }>(
      'SELECT family_id, relation, birth_year, scheme_member_id FROM members WHERE id = $1',
      [body.memberId],
    );
    expect(member).toEqual({
      family_id: family,
      relation: 'daughter',
      birth_year: Number(body.birthDate.slice(0, 4)),
      scheme_member_id: decided.schemeMemberId,
    });
    expect(await money()).toEqual(before);
    const actions = await server.scratch.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'family-%' AND after->>'changeId' = $2 ORDER BY id",
      [family, body.changeId],
    );
    expect(actions.map((row) => row.action)).toEqual(['family-member-registered', 'family-change-approved']);
    // The desk that registered it sees the decision; a repeat of the decision is refused.
    expect((await list(deskA)).items.find((item) => item.changeId === body.changeId)).toMatchObject({ status: 'approved', effectiveDate: body.birthDate });
    await refused(
      () => server.command(ha, 'decide-family-change', { changeId: body.changeId, decision: 'reject', reason: 'Second thoughts' }),
      409,
      'family-change-decided',
    );
  });

  it("a spouse's cover starts on the approval day; a rejected spouse joins nobody, with the reason kept", async () => {
    const before = await money();
    const approved = { ...newborn(await certificate('marriage-certificate')), kind: 'spouse' as const, gender: 'M' as const, birthDate: '1990-04-02' };
    resultOf(await server.command(deskA, 'register-family-member', approved));
    const decided = resultOf(
      await server.command(ha, 'decide-family-change', { changeId: approved.changeId, decision: 'approve', reason: 'Marriage certificate checked' }),
    );
    expect(decided).toMatchObject({ status: 'approved', effectiveDate: localDay(new Date(String(decided.decidedAt)), 'Asia/Kolkata') });
    expect((await server.scratch.db.query<{ relation: string }>('SELECT relation FROM members WHERE id = $1', [approved.memberId]))[0]?.relation).toBe(
      'spouse',
    );

    const rejected = { ...newborn(await certificate('marriage-certificate')), kind: 'spouse' as const, birthDate: '1991-05-06' };
    resultOf(await server.command(deskA, 'register-family-member', rejected));
    const answer = resultOf(
      await server.command(ha, 'decide-family-change', { changeId: rejected.changeId, decision: 'reject', reason: 'Certificate names another family' }),
    );
    expect(answer).toMatchObject({ status: 'rejected', schemeMemberId: null, effectiveDate: null, pendingCase: null });
    expect(await server.scratch.db.query('SELECT 1 FROM members WHERE id = $1', [rejected.memberId])).toHaveLength(0);
    expect((await list(deskA, '?status=rejected')).items.find((item) => item.changeId === rejected.changeId)).toMatchObject({
      decisionReason: 'Certificate names another family',
    });
    expect(await money()).toEqual(before);
  });

  it("admitted as pending enrolment then approved: the emergency case becomes the member's and its pre-auth holds on the family's cover", async () => {
    const body = newborn(await certificate('birth-certificate'), { gender: 'M' });
    resultOf(await server.command(deskA, 'register-family-member', body));
    const caseId = randomUUID();
    const admitted = resultOf(await server.command(deskA, 'admit-pending-enrolment', { caseId, changeId: body.changeId }));
    expect(admitted).toMatchObject({ caseId, status: 'unidentified' });
    const before = await money();
    // No member, no case: nothing can be held before the decision.
    await refused(() => server.command(deskA, 'request-preauth', { caseId, packageCode: 'SE007A' }), 404, 'not-found');
    await refused(() => server.command(deskA, 'admit-pending-enrolment', { caseId: randomUUID(), changeId: body.changeId }), 409, 'already-registered');
    const decided = resultOf(
      await server.command(ha, 'decide-family-change', { changeId: body.changeId, decision: 'approve', reason: 'Birth certificate checked' }),
    );
    expect(decided).toMatchObject({ status: 'approved', pendingCase: { caseId, outcome: 'merged' }, committed: before.committed });
    const [row] = await server.scratch.db.query<{ member_id: string; hospital_id: string; is_emergency: boolean; status: string }>(
      'SELECT member_id, hospital_id, is_emergency, status FROM cases WHERE id = $1',
      [caseId],
    );
    expect(row).toEqual({ member_id: body.memberId, hospital_id: demoIds.hospitalA, is_emergency: true, status: 'admitted' });
    const [emergency] = await server.scratch.db.query<{ status: string; member_id: string }>('SELECT status, member_id FROM emergency_cases WHERE id = $1', [
      caseId,
    ]);
    expect(emergency).toEqual({ status: 'merged', member_id: body.memberId });
    const preauth = resultOf(await server.command(deskA, 'request-preauth', { caseId, packageCode: 'SE007A' }));
    const held = Number(preauth.holdAmount);
    expect(held).toBeGreaterThan(0);
    const after = await money();
    expect(after.committed).toBe(before.committed + held);
    expect(after.committed).toBeLessThanOrEqual(after.cover);
    expect(after.cover).toBe(before.cover);
    // Clean up the family's active money for the next tests: cancel the case (the hold goes back).
    resultOf(await server.command(deskA, 'cancel-case', { caseId, reason: 'Test case closed' }));
    expect((await money()).committed).toBe(before.committed);
  });

  it('admitted as pending enrolment then rejected: the case stays an emergency case without cover, and nothing is ever held for it', async () => {
    const body = newborn(await certificate('birth-certificate'), { gender: 'X' });
    resultOf(await server.command(deskA, 'register-family-member', body));
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit-pending-enrolment', { caseId, changeId: body.changeId }));
    const before = await money();
    const decided = resultOf(
      await server.command(ha, 'decide-family-change', { changeId: body.changeId, decision: 'reject', reason: 'Certificate is not legible' }),
    );
    expect(decided).toMatchObject({ status: 'rejected', pendingCase: { caseId, outcome: 'stays-emergency' } });
    const [emergency] = await server.scratch.db.query<{ status: string; member_id: string | null }>(
      'SELECT status, member_id FROM emergency_cases WHERE id = $1',
      [caseId],
    );
    expect(emergency).toEqual({ status: 'unidentified', member_id: null });
    expect(await server.scratch.db.query('SELECT 1 FROM cases WHERE id = $1', [caseId])).toHaveLength(0);
    await refused(() => server.command(deskA, 'request-preauth', { caseId, packageCode: 'SE007A' }), 404, 'not-found');
    await refused(() => server.command(deskA, 'admit-pending-enrolment', { caseId: randomUUID(), changeId: body.changeId }), 409, 'family-change-decided');
    const after = await money();
    expect(after).toEqual(before);
    expect(after.committed).toBeGreaterThanOrEqual(0);
    expect(after.committed).toBeLessThanOrEqual(after.cover);
    // Still an emergency case at the desk's hospital, listed with its window.
    const emergencies = (await server.get(deskA, '/emergencies?status=unidentified')).body as { items: { caseId: string }[] };
    expect(emergencies.items.some((item) => item.caseId === caseId)).toBe(true);
  });

  it('replays answer the first answer; the same registration or person twice is refused', async () => {
    const body = newborn(await certificate('birth-certificate'));
    const commandId = randomUUID();
    const first = await server.command(deskA, 'register-family-member', { ...body, commandId });
    const again = await server.command(deskA, 'register-family-member', { ...body, commandId });
    expect([again.status, again.isReplay, again.body]).toEqual([200, true, first.body]);
    expect(await server.scratch.db.query('SELECT 1 FROM family_changes WHERE id = $1', [body.changeId])).toHaveLength(1);
    await refused(() => server.command(deskA, 'register-family-member', body), 409, 'already-registered');
    const samePerson = { ...body, changeId: randomUUID(), memberId: randomUUID(), documentId: await certificate('birth-certificate') };
    const pending = await refused(() => server.command(deskA, 'register-family-member', samePerson), 409, 'family-change-pending');
    expect(pending.body.details).toEqual({ changeId: body.changeId });
    const decision = { changeId: body.changeId, decision: 'reject' as const, reason: 'Duplicate of an earlier registration', commandId: randomUUID() };
    const decided = await server.command(ha, 'decide-family-change', decision);
    const replayed = await server.command(ha, 'decide-family-change', decision);
    expect([replayed.isReplay, replayed.body]).toEqual([true, decided.body]);
    // The same command id for another decision: refused, and not even a stored answer is written.
    const before = await snapshot();
    const reused = await server.command(ha, 'decide-family-change', { ...decision, decision: 'approve' });
    expect([reused.status, reused.body.code]).toEqual([409, 'command-id-reused']);
    expect(await snapshot()).toEqual(before);
  });

  it('bad input is refused with a code and a sentence and writes nothing', async () => {
    // No certificate, the wrong one, another family's, one already used: 422, nothing written.
    const missing = await refused(() => server.command(deskA, 'register-family-member', newborn(undefined)), 422, 'documents-missing');
    expect(missing.body.details).toEqual({ changeKind: 'newborn', required: 'birth-certificate' });
    const marriage = await certificate('marriage-certificate');
    await refused(() => server.command(deskA, 'register-family-member', newborn(marriage)), 422, 'documents-missing');
    const otherFamily = await server.scratch.db.query<{ id: string }>("SELECT id FROM families WHERE id <> $1 AND district = 'Pune' LIMIT 1", [family]);
    if (otherFamily[0]) {
      const elsewhere = await certificate('birth-certificate', deskA, otherFamily[0].id);
      await refused(() => server.command(deskA, 'register-family-member', newborn(elsewhere)), 422, 'documents-missing');
    }
    await refused(() => server.command(deskA, 'register-family-member', newborn(randomUUID())), 422, 'documents-missing');
    const used = await certificate('birth-certificate');
    resultOf(await server.command(deskA, 'register-family-member', newborn(used)));
    await refused(() => server.command(deskA, 'register-family-member', newborn(used, { fullName: 'Another Baby' })), 422, 'documents-missing');
    // Dates and fields.
    const documentId = await certificate('birth-certificate');
    await refused(() => server.command(deskA, 'register-family-member', newborn(documentId, { birthDate: daysAgo(-2) })), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'register-family-member', newborn(documentId, { birthDate: daysAgo(400) })), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'register-family-member', newborn(documentId, { birthDate: '2026-02-30' })), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'register-family-member', newborn(documentId, { gender: 'Q' })), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'register-family-member', newborn(documentId, { kind: 'cousin' })), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'register-family-member', newborn(documentId, { fullName: '' })), 400, 'invalid-input');
    await refused(() => server.command(ha, 'decide-family-change', { changeId: randomUUID(), decision: 'approve', reason: 'Fine' }), 404, 'not-found');
    await refused(
      () => server.command(ha, 'decide-family-change', { changeId: randomUUID(), decision: 'maybe' as 'approve', reason: 'Fine' }),
      400,
      'invalid-input',
    );
    await refused(() => server.command(ha, 'decide-family-change', { changeId: randomUUID(), decision: 'approve', reason: '' }), 400, 'invalid-input');
    await refused(() => server.command(deskA, 'admit-pending-enrolment', { caseId: randomUUID(), changeId: randomUUID() }), 404, 'not-found');
    // Uploads: an executable renamed .pdf, a kind no family change uses, no family.
    const before = await snapshot();
    const elf = await uploadFamilyDocument(server, deskA, { familyId: family, kind: 'birth-certificate', name: 'birth.pdf' }, elfBytes());
    expect([elf.status, elf.body.code]).toEqual([415, 'unsupported-media-type']);
    const wrongKind = await uploadFamilyDocument(server, deskA, { familyId: family, kind: 'bill', name: 'bill.pdf' }, pdfBytes());
    expect([wrongKind.status, wrongKind.body.code]).toEqual([400, 'invalid-input']);
    const noFamily = await uploadFamilyDocument(server, deskA, { familyId: randomUUID(), kind: 'birth-certificate', name: 'b.pdf' }, pdfBytes());
    expect([noFamily.status, noFamily.body.code]).toEqual([404, 'not-found']);
    expect((await snapshot()).rest).toEqual(before.rest);
    // The same file again is the document it already is, not a second one; JPEG and PNG are certificates too.
    const png = await uploadFamilyDocument(server, deskA, { familyId: family, kind: 'birth-certificate', name: 'scan.png' }, pngBytes(7));
    const pngAgain = await uploadFamilyDocument(server, deskA, { familyId: family, kind: 'birth-certificate', name: 'scan-2.png' }, pngBytes(7));
    expect([png.body.outcome, pngAgain.body.outcome]).toEqual(['attached', 'already-attached']);
    expect((pngAgain.body.document as { documentId: string }).documentId).toBe((png.body.document as { documentId: string }).documentId);
    const jpeg = await uploadFamilyDocument(server, deskA, { familyId: family, kind: 'marriage-certificate', name: 'photo.jpg' }, jpegBytes(7));
    expect((jpeg.body.document as { mediaType: string }).mediaType).toBe('image/jpeg');
  });

  it("attack: a desk outside the family's reach can neither upload, register, admit, list nor open; other roles are refused", async () => {
    // Hospital B (Satara) does not reach the Pune family of S1.
    const upload = await uploadFamilyDocument(server, deskB, { familyId: family, kind: 'birth-certificate', name: 'b.pdf' }, pdfBytes('from B'));
    expect([upload.status, upload.body.code]).toEqual([404, 'not-found']);
    const documentId = await certificate('birth-certificate');
    // Even naming hospital A's certificate, B is told the family does not exist.
    await refused(() => server.command(deskB, 'register-family-member', newborn(documentId)), 404, 'not-found');
    const body = newborn(documentId);
    resultOf(await server.command(deskA, 'register-family-member', body));
    await refused(() => server.command(deskB, 'admit-pending-enrolment', { caseId: randomUUID(), changeId: body.changeId }), 404, 'not-found');
    expect((await list(deskB)).items.some((item) => item.changeId === body.changeId)).toBe(false);
    const before = await snapshot();
    for (const token of [deskB, ppd]) {
      const opened = await server.app.inject({ method: 'GET', url: `/documents/${documentId}`, headers: { authorization: `Bearer ${token}` } });
      expect([opened.statusCode, (opened.json() as { code: string }).code]).toEqual([404, 'not-found']);
    }
    expect((await snapshot()).rest).toEqual(before.rest);
    await refused(() => server.get(ppd, '/family-changes'), 403, 'forbidden-role');
    await refused(
      () => server.command(deskA, 'decide-family-change', { changeId: body.changeId, decision: 'approve', reason: 'Self-approval' }),
      403,
      'forbidden-role',
    );
    await refused(() => server.command(ha, 'register-family-member', newborn(documentId)), 403, 'forbidden-role');
    await refused(
      () => server.command(ppd, 'decide-family-change', { changeId: body.changeId, decision: 'approve', reason: 'Not my role' }),
      403,
      'forbidden-role',
    );
  });
});
