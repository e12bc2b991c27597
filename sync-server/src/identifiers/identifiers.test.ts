import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PullAnswerValue } from '@contract/sync';
import { signNationalIdQr, type NationalIdQrFields } from '../../node-shared/national-id-qr';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type Answer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

/**
 * Issue 16, "one member, many cards", through the server: link and unlink (audited, idempotent by
 * command id), one identifier one member (the holder named only within reach), each hospital's
 * own patient numbers, the national ID QR's signature (verified with a configured issuer key,
 * refused when altered, kept unverified without a key), identify-member by any linked identifier,
 * every bad input refused writing nothing, and the links a desk pulls.
 */
describeEachBackend('linked identifiers (%s)', (backend) => {
  // Issuer NIA publishes an Ed25519 key, NIB an ECDSA P-256 key; issuer NIX publishes none.
  const nia = generateKeyPairSync('ed25519');
  const nib = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const forger = generateKeyPairSync('ed25519');
  let server: TestServer;
  let ha = '';
  let medcoA = '';
  let medcoB = '';
  /** A member of a Satara family: hospital B's district, out of hospital A's reach. */
  let sataraMember = '';
  /** A member of a Pune family with no case anywhere: in hospital A's reach (its district), out of B's. */
  let puneMember = '';
  beforeAll(async () => {
    server = await startTestServer(backend, {
      extraFamilies: 0,
      idIssuerKeys: new Map([
        ['NIA', nia.publicKey],
        ['NIB', nib.publicKey],
      ]),
    });
    [ha, medcoA, medcoB] = [await server.login('ha'), await server.login('medco.a'), await server.login('medco.b')];
    sataraMember = randomUUID();
    resultOf(
      await server.command(ha, 'register-family', {
        familyId: randomUUID(),
        familyNumber: 'FAM-SATARA-LINK',
        cover: 50_000_000,
        registeredPhone: '+919800000321',
        district: 'Satara',
        members: [{ memberId: sataraMember, schemeMemberId: 'PMJ-SAT00001', fullName: 'Satara Member', birthYear: 1980, gender: 'F', relation: 'head' }],
      }),
    );
    puneMember = randomUUID();
    resultOf(
      await server.command(ha, 'register-family', {
        familyId: randomUUID(),
        familyNumber: 'FAM-PUNE-LINK',
        cover: 50_000_000,
        registeredPhone: '+919800000322',
        district: 'Pune',
        members: [{ memberId: puneMember, schemeMemberId: 'PMJ-PUN00001', fullName: 'Pune Member', birthYear: 1975, gender: 'M', relation: 'head' }],
      }),
    );
  });
  afterAll(async () => server?.close());

  const links = async () => Number((await server.scratch.db.query<{ n: string }>('SELECT count(*)::text AS n FROM member_identifiers'))[0]!.n);
  const auditOf = async (commandId: string) =>
    server.scratch.db.query<{ action: string; entity_id: string; before: unknown; after: Record<string, unknown> }>(
      'SELECT action, entity_id, before, after FROM audit_log WHERE command_id = $1',
      [commandId],
    );
  const identify = (token: string, value: string) => server.command(token, 'identify-member', { by: 'linked-id', value });
  const memberOf = (answer: Answer) => (resultOf(answer).member as { memberId: string }).memberId;
  const qr = (issuer: string, fields: Partial<NationalIdQrFields> = {}, key = nia.privateKey) =>
    signNationalIdQr(issuer, { ref: `R-${randomUUID().slice(0, 8)}`, name: 'Ravi Patil', dob: '2004-03-01', gender: 'M', ...fields }, key);
  /** A refusal with a code and a sentence that wrote nothing at all (and no link row). */
  const expectRefusedWritingNothing = async (send: () => Promise<Answer>, status: number, code: string) => {
    await settleAuditChain(server.scratch.db);
    const [before, count] = [await snapshotDatabase(server.scratch.db), await links()];
    const answer = await send();
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(String(answer.body.message).length).toBeGreaterThan(20);
    await settleAuditChain(server.scratch.db);
    expect(await links()).toBe(count);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    return answer;
  };

  it('links a health account number once per command id, audited, and finds the member by it however it is written', async () => {
    const commandId = randomUUID();
    const count = await links();
    const first = await server.command(medcoA, 'link-identifier', { commandId, memberId: demoIds.son, kind: 'health-account', value: '91-2345-6789-0124' });
    const link = resultOf(first);
    expect(link).toMatchObject({ memberId: demoIds.son, kind: 'health-account', issuer: '', value: '91234567890124', verification: 'check-digit', note: null });
    expect(await links()).toBe(count + 1);
    const [audit] = await auditOf(commandId);
    expect(audit).toMatchObject({
      action: 'identifier-linked',
      entity_id: demoIds.son,
      after: { linkId: link.linkId, kind: 'health-account', valueEnding: '0124' },
    });
    // The identifier itself is not in the audit trail, only its last four digits.
    expect(JSON.stringify(audit)).not.toContain('91234567890124');

    // The same command again: the first answer, nothing written.
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const replay = await server.command(medcoA, 'link-identifier', { commandId, memberId: demoIds.son, kind: 'health-account', value: '91-2345-6789-0124' });
    expect(replay.isReplay).toBe(true);
    expect(resultOf(replay)).toEqual(link);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);

    for (const written of ['91234567890124', '9123 4567 8901 24', ' 91-2345-6789-0124 ']) expect(memberOf(await identify(medcoA, written))).toBe(demoIds.son);
    // Any hospital finds the member by it (a patient may come from anywhere), as by a health card.
    expect(memberOf(await identify(medcoB, '91234567890124'))).toBe(demoIds.son);
  });

  it('bad input is refused with a code and a sentence and writes nothing', async () => {
    const link = (token: string, body: Record<string, unknown>) =>
      server.raw('POST', '/commands/link-identifier', { token, payload: { commandId: randomUUID(), memberId: demoIds.daughter, ...body } });
    // The check digit: one digit altered, two adjacent digits swapped, a digit short (Verhoeff catches each).
    for (const value of ['91234567890125', '91234567890214', '19234567890124', '9123456789012'])
      await expectRefusedWritingNothing(() => link(medcoA, { kind: 'health-account', value }), 400, 'invalid-input');
    const checkDigit = await expectRefusedWritingNothing(() => link(medcoA, { kind: 'health-account', value: '91234567890125' }), 400, 'invalid-input');
    expect(checkDigit.body.message).toContain('check digit');
    // National ID QRs that are not one.
    const good = qr('NIA');
    const [prefix, issuer, payload, signature] = good.split('.') as [string, string, string, string];
    for (const value of [
      'not a qr',
      `${prefix}.${issuer}.${payload}`,
      `NIDQR2.${issuer}.${payload}.${signature}`,
      `${prefix}.bad issuer!.${payload}.${signature}`,
      `${prefix}.${issuer}.${Buffer.from('{"ref":').toString('base64url')}.${signature}`,
      `${prefix}.${issuer}.${Buffer.from('{"ref":"x y","name":"A","dob":"2004","gender":"M"}').toString('base64url')}.${signature}`,
      `${prefix}.${issuer}.${Buffer.from('{"ref":"R1","name":"A","dob":"4 March","gender":"M"}').toString('base64url')}.${signature}`,
      `${good}${'A'.repeat(3000)}`,
    ])
      await expectRefusedWritingNothing(() => link(medcoA, { kind: 'national-id-qr', value }), 400, 'invalid-input');
    // Card numbers, states and hospitals.
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'state-card', value: 'SC-1' }), 400, 'invalid-input');
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'state-card', state: 'M1', value: 'SC-1' }), 400, 'invalid-input');
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'state-card', state: 'MH', value: 'SC 1; DROP' }), 400, 'invalid-input');
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'hospital-mrn', value: 'X'.repeat(33) }), 400, 'invalid-input');
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'health-account', value: '91234567890124', state: 'MH' }), 400, 'invalid-input');
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'state-card', value: 'SC-1', state: 'MH', hospitalCode: 'HSP-A' }), 400, 'invalid-input');
    await expectRefusedWritingNothing(() => link(ha, { kind: 'hospital-mrn', value: 'MRN-1' }), 400, 'invalid-input');
    await expectRefusedWritingNothing(() => link(ha, { kind: 'hospital-mrn', value: 'MRN-1', hospitalCode: 'HSP-NOPE' }), 404, 'not-found');
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'hospital-mrn', value: 'MRN-1', hospitalCode: 'HSP-B' }), 403, 'forbidden-role');
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'fingerprint', value: 'MRN-1' }), 400, 'invalid-input');
    // Unknown member, and a member out of the operator's reach: the same 404.
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'state-card', state: 'MH', value: 'SC-1', memberId: randomUUID() }), 404, 'not-found');
    await expectRefusedWritingNothing(() => link(medcoA, { kind: 'state-card', state: 'MH', value: 'SC-1', memberId: sataraMember }), 404, 'not-found');
    // Wrong role, no token.
    const ppd = await server.login('ppd');
    await expectRefusedWritingNothing(() => link(ppd, { kind: 'state-card', state: 'MH', value: 'SC-1' }), 403, 'forbidden-role');
    await expectRefusedWritingNothing(
      () =>
        server.raw('POST', '/commands/link-identifier', {
          payload: { commandId: randomUUID(), memberId: demoIds.daughter, kind: 'state-card', state: 'MH', value: 'SC-1' },
        }),
      401,
      'unauthenticated',
    );
    // Unlink: unknown link, empty reason.
    await expectRefusedWritingNothing(
      () => server.command(medcoA, 'unlink-identifier', { linkId: randomUUID(), reason: 'Linked to the wrong member' }),
      404,
      'not-found',
    );
    await expectRefusedWritingNothing(() => server.command(medcoA, 'unlink-identifier', { linkId: randomUUID(), reason: '' }), 400, 'invalid-input');
    // A lookup by an identifier nobody has linked.
    await expectRefusedWritingNothing(() => identify(medcoA, 'NOBODY-123'), 404, 'not-found');
  });

  it('one identifier, one member: the holder is named only to a caller whose hospital reaches them', async () => {
    const taken = resultOf(await server.command(ha, 'link-identifier', { memberId: puneMember, kind: 'state-card', state: 'MH', value: 'mh-0042-771' }));
    expect(taken).toMatchObject({ issuer: 'MH', value: 'MH-0042-771', verification: 'none' });
    const count = await links();
    // Hospital A reaches the Pune family (its district): the refusal names the member it belongs to.
    const named = await server.command(medcoA, 'link-identifier', { memberId: demoIds.mother, kind: 'state-card', state: 'MH', value: 'MH-0042-771' });
    expect(named.status).toBe(409);
    expect(named.body).toMatchObject({
      code: 'identifier-linked',
      details: { linkId: taken.linkId, memberId: puneMember, schemeMemberId: 'PMJ-PUN00001' },
      message: expect.stringContaining('PMJ-PUN00001'),
    });
    // The same member again: refused as already linked, nothing new.
    const again = await server.command(medcoA, 'link-identifier', { memberId: puneMember, kind: 'state-card', state: 'MH', value: 'MH-0042-771' });
    expect(again.body).toMatchObject({ code: 'identifier-linked', message: expect.stringContaining('already linked to this member') });
    // Hospital B (Satara: no case of that family, no lookup) does not reach it: refused without naming anyone.
    const refusedId = randomUUID();
    const unnamed = await server.command(medcoB, 'link-identifier', {
      commandId: refusedId,
      memberId: sataraMember,
      kind: 'state-card',
      state: 'MH',
      value: 'MH-0042-771',
    });
    expect(unnamed.status).toBe(409);
    expect(unnamed.body.code).toBe('identifier-linked-elsewhere');
    expect(unnamed.body.details).toBeUndefined();
    for (const leak of [puneMember, 'PMJ-PUN00001', String(taken.linkId)]) expect(JSON.stringify(unnamed.body)).not.toContain(leak);
    // HA (scheme-wide) is told who holds it.
    const toHa = await server.command(ha, 'link-identifier', { memberId: sataraMember, kind: 'state-card', state: 'MH', value: 'MH-0042-771' });
    expect(toHa.body).toMatchObject({ code: 'identifier-linked', details: { memberId: puneMember } });
    // Two desks linking one new card to two members at the same moment: exactly one wins.
    const race = await Promise.all(
      [demoIds.son, demoIds.daughter].map((memberId) =>
        server.command(medcoA, 'link-identifier', { memberId, kind: 'state-card', state: 'MH', value: 'MH-RACE-1' }),
      ),
    );
    expect(race.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(await server.scratch.db.query("SELECT 1 FROM member_identifiers WHERE value = 'MH-RACE-1'")).toHaveLength(1);
    // The same number on another state's card is another identifier.
    resultOf(await server.command(medcoB, 'link-identifier', { memberId: sataraMember, kind: 'state-card', state: 'KA', value: 'MH-0042-771' }));
    expect(await links()).toBe(count + 2);
    // Each refusal is the command's stored answer: replayed, it is the same refusal.
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const replayed = await server.command(medcoB, 'link-identifier', {
      commandId: refusedId,
      memberId: sataraMember,
      kind: 'state-card',
      state: 'MH',
      value: 'MH-0042-771',
    });
    expect(replayed).toMatchObject({ status: 409, isReplay: true, body: unnamed.body });
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });

  it('each hospital numbers its own patients: an MRN is scoped to its hospital, in links, lookups, unlinks and pulls', async () => {
    const mrnA = resultOf(await server.command(medcoA, 'link-identifier', { memberId: demoIds.daughter, kind: 'hospital-mrn', value: 'mrn-1001' }));
    expect(mrnA).toMatchObject({ issuer: 'HSP-A', value: 'MRN-1001', verification: 'none' });
    // The same number at hospital B is B's patient, another person.
    const mrnB = resultOf(await server.command(medcoB, 'link-identifier', { memberId: sataraMember, kind: 'hospital-mrn', value: 'MRN-1001' }));
    expect(mrnB).toMatchObject({ issuer: 'HSP-B' });
    // HA links for a named hospital.
    resultOf(await server.command(ha, 'link-identifier', { memberId: demoIds.mother, kind: 'hospital-mrn', value: 'MRN-2002', hospitalCode: 'HSP-A' }));
    // Hospital B's number for a Pune member (HA links it): never shown to hospital A.
    const mrnBOfPune = resultOf(
      await server.command(ha, 'link-identifier', { memberId: demoIds.father, kind: 'hospital-mrn', value: 'MRN-3003', hospitalCode: 'hsp-b' }),
    );
    expect(mrnBOfPune).toMatchObject({ issuer: 'HSP-B' });
    expect((await identify(medcoA, 'MRN-3003')).status).toBe(404);
    expect(memberOf(await identify(medcoA, 'MRN-1001'))).toBe(demoIds.daughter);
    expect(memberOf(await identify(medcoB, 'mrn-1001'))).toBe(sataraMember);
    // B's desk does not find A's patient by A's number, nor may it unlink A's.
    expect((await identify(medcoB, 'MRN-2002')).status).toBe(404);
    await expectRefusedWritingNothing(
      () => server.command(medcoB, 'unlink-identifier', { linkId: String(mrnA.linkId), reason: 'Not our patient number' }),
      404,
      'not-found',
    );

    // A desk of hospital A pulls the links of its scope: its own MRNs, never B's, never a QR's document.
    const code = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(code.body.code) } });
    const credential = `Desk ${String(enrolled.body.credential)}`;
    const pullAll = async (from: PullAnswerValue['checkpoint'] | null, identifiers = true) => {
      const documents: PullAnswerValue['documents'] = [];
      let checkpoint = from;
      for (;;) {
        const query = `${identifiers ? 'identifiers=1&' : ''}limit=2${checkpoint ? `&checkpoint=${encodeURIComponent(JSON.stringify(checkpoint))}` : ''}`;
        const answer = await server.raw('GET', `/sync/pull?${query}`, { headers: { authorization: credential } });
        expect(answer.status).toBe(200);
        const body = answer.body as unknown as PullAnswerValue;
        documents.push(...body.documents);
        checkpoint = body.checkpoint;
        if (!body.hasMore) return { documents: documents.filter((d) => d.table === 'member_identifiers'), checkpoint };
      }
    };
    const first = await pullAll(null);
    const byId = new Map(first.documents.map((d) => [d.id, d.row]));
    expect(byId.get(String(mrnA.linkId))).toEqual({
      id: mrnA.linkId,
      memberId: demoIds.daughter,
      familyId: demoIds.seedFamily,
      kind: 'hospital-mrn',
      issuer: demoIds.hospitalA,
      value: 'MRN-1001',
      unlinkedAt: null,
    });
    expect(byId.has(String(mrnB.linkId))).toBe(false);
    expect(byId.has(String(mrnBOfPune.linkId))).toBe(false);
    expect(byId.get(String(mrnBOfPune.linkId))).toBeUndefined();
    expect(first.documents.every((d) => d.row.issuer !== demoIds.hospitalB && !('document' in d.row))).toBe(true);
    // A desk of an earlier release does not ask, and gets none.
    expect((await pullAll(null, false)).documents).toEqual([]);

    // An unlink reaches the desk as a tombstone in its next round; the identifier is free again.
    const unlinkId = randomUUID();
    const unlinked = resultOf(
      await server.command(medcoA, 'unlink-identifier', { commandId: unlinkId, linkId: String(mrnA.linkId), reason: 'Linked to the wrong member' }),
    );
    expect(await auditOf(unlinkId)).toEqual([
      expect.objectContaining({
        action: 'identifier-unlinked',
        entity_id: demoIds.daughter,
        after: expect.objectContaining({ reason: 'Linked to the wrong member', status: 'unlinked' }),
      }),
    ]);
    const replay = await server.command(medcoA, 'unlink-identifier', {
      commandId: unlinkId,
      linkId: String(mrnA.linkId),
      reason: 'Linked to the wrong member',
    });
    expect(replay.isReplay).toBe(true);
    expect(resultOf(replay)).toEqual(unlinked);
    const twice = await server.command(medcoA, 'unlink-identifier', { linkId: String(mrnA.linkId), reason: 'Again' });
    expect(twice.body).toMatchObject({ code: 'identifier-unlinked', details: { unlinkedAt: unlinked.unlinkedAt } });
    const next = await pullAll(first.checkpoint);
    expect(next.documents).toEqual([expect.objectContaining({ id: mrnA.linkId, row: expect.objectContaining({ unlinkedAt: expect.any(String) }) })]);
    expect((await identify(medcoA, 'MRN-1001')).status).toBe(404);
    resultOf(await server.command(medcoA, 'link-identifier', { memberId: demoIds.mother, kind: 'hospital-mrn', value: 'MRN-1001' }));
    expect(memberOf(await identify(medcoA, 'MRN-1001'))).toBe(demoIds.mother);
  });

  it("national ID QR: verified with the issuer's configured key (Ed25519 and P-256), refused when altered or forged, kept unverified without a key", async () => {
    const ed = qr('NIA', { ref: 'NIA-REF-1' });
    const verified = resultOf(await server.command(medcoA, 'link-identifier', { memberId: demoIds.son, kind: 'national-id-qr', value: ed }));
    expect(verified).toMatchObject({ kind: 'national-id-qr', issuer: 'NIA', value: 'NIA-REF-1', verification: 'issuer-signature', note: null });
    const ec = qr('NIB', { ref: 'NIB-REF-1' }, nib.privateKey);
    expect(resultOf(await server.command(medcoA, 'link-identifier', { memberId: demoIds.daughter, kind: 'national-id-qr', value: ec }))).toMatchObject({
      verification: 'issuer-signature',
    });
    const [stored] = await server.scratch.db.query<{ document: string; is_verified: boolean }>(
      'SELECT document, is_verified FROM member_identifiers WHERE id = $1',
      [String(verified.linkId)],
    );
    expect(stored).toEqual({ document: ed, is_verified: true });
    expect(memberOf(await identify(medcoA, 'NID:NIA:NIA-REF-1'))).toBe(demoIds.son);

    // Altered by one byte (the name in the payload), re-labelled to another issuer, or signed by someone else: refused, nothing written.
    const [prefix, issuer, payload, signature] = qr('NIA', { ref: 'NIA-REF-2' }).split('.') as [string, string, string, string];
    const altered = Buffer.from(payload, 'base64url');
    altered[altered.indexOf('Ravi')] = 'D'.charCodeAt(0);
    for (const value of [
      `${prefix}.${issuer}.${altered.toString('base64url')}.${signature}`,
      `${prefix}.NIB.${payload}.${signature}`,
      `${prefix}.${issuer}.${payload}.${Buffer.from(signature, 'base64url').reverse().toString('base64url')}`,
      qr('NIA', { ref: 'NIA-REF-2' }, forger.privateKey),
    ]) {
      const refused = await expectRefusedWritingNothing(
        () => server.command(medcoA, 'link-identifier', { memberId: demoIds.mother, kind: 'national-id-qr', value }),
        400,
        'invalid-input',
      );
      expect(refused.body.message).toMatch(/signature does not verify|not a national ID secure QR/);
    }

    // An issuer with no configured key: linked, as an unverified document, and the answer says so.
    const unknownIssuer = qr('NIX', { ref: 'NIX-REF-1' }, forger.privateKey);
    const unverified = resultOf(await server.command(medcoA, 'link-identifier', { memberId: demoIds.mother, kind: 'national-id-qr', value: unknownIssuer }));
    expect(unverified).toMatchObject({ issuer: 'NIX', verification: 'unverified', note: expect.stringContaining('unverified document') });
    const [kept] = await server.scratch.db.query<{ is_verified: boolean }>('SELECT is_verified FROM member_identifiers WHERE id = $1', [
      String(unverified.linkId),
    ]);
    expect(kept?.is_verified).toBe(false);
    // The same reference from the same issuer on another member: one identifier, one member.
    const dup = await server.command(medcoA, 'link-identifier', {
      memberId: demoIds.father,
      kind: 'national-id-qr',
      value: qr('NIA', { ref: 'NIA-REF-1', name: 'Other' }),
    });
    expect(dup.body).toMatchObject({ code: 'identifier-linked', details: { memberId: demoIds.son } });
  });
});
