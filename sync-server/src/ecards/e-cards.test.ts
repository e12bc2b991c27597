import { randomUUID } from 'node:crypto';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PullAnswerValue } from '@contract/sync';
import { eCardPublicKey, verifyECard } from '../../node-shared/e-card';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { id1Points } from './card-render';
import { schemeDay, validUntil } from './commands';

/**
 * Issue 16, e-card issuance through the server: issue, revoke and reissue (audited, idempotent by
 * command id), every refusal writing nothing, the card as an ID-1 PDF and a phone PNG read back by
 * other people's parsers (pdf.js through unpdf, jsQR), and the keys and revocations a desk pulls.
 */
describeEachBackend('member e-cards (%s)', (backend) => {
  let server: TestServer;
  let ha = '';
  let medcoA = '';
  let ppd = '';
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    [ha, medcoA, ppd] = [await server.login('ha'), await server.login('medco.a'), await server.login('ppd')];
  });
  afterAll(async () => server?.close());

  const auditOf = async (commandId: string) =>
    server.scratch.db.query<{ action: string; entity_id: string; before: unknown; after: Record<string, unknown> }>(
      'SELECT action, entity_id, before, after FROM audit_log WHERE command_id = $1 ORDER BY action DESC',
      [commandId],
    );
  const keysAndRevocations = async () => {
    const keys = await server.scratch.db.query<{ id: string; public_key: string }>('SELECT id, public_key FROM e_card_keys');
    const revoked = await server.scratch.db.query<{ serial: string }>('SELECT serial FROM e_cards WHERE revoked_at IS NOT NULL');
    return { keys: new Map(keys.map((k) => [k.id, eCardPublicKey(k.public_key)])), revoked: new Set(revoked.map((r) => r.serial)) };
  };
  const today = () => schemeDay(new Date(), 'Asia/Kolkata');

  it('issues a signed card once per command id, audited; a second card for the member is refused and stored', async () => {
    const commandId = randomUUID();
    const first = await server.command(ha, 'issue-e-card', { commandId, memberId: demoIds.daughter });
    const card = resultOf(first);
    expect(card).toMatchObject({
      memberId: demoIds.daughter,
      schemeMemberId: 'PMJ-S1000004',
      familyNumber: expect.any(String),
      name: 'Priya Patil',
      keyId: 'test1',
      replaces: null,
      validFrom: today(),
      validTo: validUntil(today(), 5),
    });
    expect(String(card.serial)).toMatch(/^EC-\d{8}$/);
    const { keys, revoked } = await keysAndRevocations();
    expect(verifyECard(String(card.qrText), keys, today(), revoked)).toMatchObject({ ok: true, card: { serial: card.serial, schemeMemberId: 'PMJ-S1000004' } });
    expect(await auditOf(commandId)).toEqual([
      expect.objectContaining({
        action: 'e-card-issued',
        entity_id: demoIds.daughter,
        after: expect.objectContaining({ serial: card.serial, keyId: 'test1' }),
      }),
    ]);
    // The same command again: the first answer, nothing new.
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const replay = await server.command(ha, 'issue-e-card', { commandId, memberId: demoIds.daughter });
    expect(replay.isReplay).toBe(true);
    expect(resultOf(replay)).toEqual(card);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    // Another card while this one is active: a business refusal, stored against its command id.
    const again = randomUUID();
    const refused = await server.command(medcoA, 'issue-e-card', { commandId: again, memberId: demoIds.daughter });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'e-card-active', details: { serial: card.serial }, message: expect.stringContaining('reissue') });
    expect(await server.scratch.db.query('SELECT 1 FROM commands WHERE command_id = $1', [again])).toHaveLength(1);
    expect(await server.scratch.db.query('SELECT 1 FROM e_cards WHERE member_id = $1', [demoIds.daughter])).toHaveLength(1);
  });

  it('reissues a lost card (the old one revoked with the reason) and revokes the new one, each audited', async () => {
    const card = resultOf(await server.command(ha, 'issue-e-card', { memberId: demoIds.son }));
    const reissueId = randomUUID();
    const reissued = resultOf(
      await server.command(medcoA, 'reissue-e-card', { commandId: reissueId, serial: String(card.serial), reason: 'Card lost on a bus' }),
    );
    expect(reissued).toMatchObject({ memberId: demoIds.son, replaces: card.serial });
    expect(reissued.serial).not.toBe(card.serial);
    expect((await auditOf(reissueId)).map((row) => [row.action, row.after])).toEqual([
      ['e-card-revoked', { serial: card.serial, status: 'revoked', reason: 'Card lost on a bus' }],
      ['e-card-reissued', expect.objectContaining({ serial: reissued.serial, replaces: card.serial })],
    ]);
    let { keys, revoked } = await keysAndRevocations();
    expect(verifyECard(String(card.qrText), keys, today(), revoked)).toMatchObject({ ok: false, code: 'revoked' });
    expect(verifyECard(String(reissued.qrText), keys, today(), revoked)).toMatchObject({ ok: true });
    // Reissuing the old card again: already replaced.
    const twice = await server.command(medcoA, 'reissue-e-card', { serial: String(card.serial), reason: 'Again' });
    expect(twice.body).toMatchObject({ code: 'e-card-active', details: { serial: reissued.serial } });

    const revokeId = randomUUID();
    const revokedAnswer = resultOf(await server.command(ha, 'revoke-e-card', { commandId: revokeId, serial: String(reissued.serial), reason: 'Stolen' }));
    expect(revokedAnswer).toMatchObject({ serial: reissued.serial, memberId: demoIds.son, revokedAt: expect.any(String) });
    expect(await auditOf(revokeId)).toEqual([
      expect.objectContaining({ action: 'e-card-revoked', after: { serial: reissued.serial, status: 'revoked', reason: 'Stolen' } }),
    ]);
    ({ keys, revoked } = await keysAndRevocations());
    expect(verifyECard(String(reissued.qrText), keys, today(), revoked)).toMatchObject({ ok: false, code: 'revoked' });
    const revokedAgain = await server.command(ha, 'revoke-e-card', { serial: String(reissued.serial), reason: 'Again' });
    expect(revokedAgain).toMatchObject({ status: 409, body: { code: 'e-card-revoked' } });
    // A revoked card, lost long ago, is reissued once no other card is active.
    const fresh = resultOf(await server.command(ha, 'reissue-e-card', { serial: String(reissued.serial), reason: 'Found no card' }));
    expect(fresh).toMatchObject({ replaces: reissued.serial });
  });

  it('bad input, an unknown member or card, a role that may not and a hospital out of reach: 4xx with a sentence, nothing written', async () => {
    const medcoB = await server.login('medco.b');
    const outOfReach = await server.scratch.db.query<{ id: string }>(
      `SELECT m.id FROM members m JOIN families f ON f.id = m.family_id
        WHERE f.district <> (SELECT district FROM hospitals WHERE id = $1)
          AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.family_id = f.id AND c.hospital_id = $1) LIMIT 1`,
      [demoIds.hospitalB],
    );
    const cases: [string, () => ReturnType<TestServer['raw']>, number, string][] = [
      ['unknown member', () => server.command(ha, 'issue-e-card', { memberId: randomUUID() }), 404, 'not-found'],
      ['unknown card', () => server.command(ha, 'revoke-e-card', { serial: 'EC-99999999', reason: 'Lost' }), 404, 'not-found'],
      ['unknown card to reissue', () => server.command(ha, 'reissue-e-card', { serial: 'EC-99999998', reason: 'Lost' }), 404, 'not-found'],
      ['wrong role', () => server.command(ppd, 'issue-e-card', { memberId: demoIds.father }), 403, 'forbidden-role'],
      [
        'malformed serial',
        () => server.raw('POST', '/commands/revoke-e-card', { token: ha, payload: { commandId: randomUUID(), serial: 'EC-1', reason: 'Lost' } }),
        400,
        'invalid-input',
      ],
      [
        'no reason',
        () => server.raw('POST', '/commands/revoke-e-card', { token: ha, payload: { commandId: randomUUID(), serial: 'EC-00000001' } }),
        400,
        'invalid-input',
      ],
      [
        'empty reason',
        () => server.raw('POST', '/commands/reissue-e-card', { token: ha, payload: { commandId: randomUUID(), serial: 'EC-00000001', reason: '' } }),
        400,
        'invalid-input',
      ],
      [
        'a member id that is not one',
        () => server.raw('POST', '/commands/issue-e-card', { token: ha, payload: { commandId: randomUUID(), memberId: 'PMJ-S1000001' } }),
        400,
        'invalid-input',
      ],
      [
        'an unknown field',
        () =>
          server.raw('POST', '/commands/issue-e-card', { token: ha, payload: { commandId: randomUUID(), memberId: demoIds.father, validTo: '2099-01-01' } }),
        400,
        'invalid-input',
      ],
      [
        'no token',
        () => server.raw('POST', '/commands/issue-e-card', { payload: { commandId: randomUUID(), memberId: demoIds.father } }),
        401,
        'unauthenticated',
      ],
      ['a PDF for the wrong role', () => server.get(ppd, '/e-cards/EC-00000001/card.pdf'), 403, 'forbidden-role'],
      ['a PDF of no card', () => server.get(ha, '/e-cards/EC-99999999/card.pdf'), 404, 'not-found'],
      ['a malformed serial to print', () => server.get(ha, '/e-cards/nonsense/card.png'), 400, 'invalid-input'],
      ['a language the scheme does not print in (issue 19)', () => server.get(ha, '/e-cards/EC-00000001/card.pdf?language=fr'), 400, 'invalid-input'],
    ];
    if (outOfReach[0])
      cases.push(["a member out of the hospital's reach", () => server.command(medcoB, 'issue-e-card', { memberId: outOfReach[0]!.id }), 404, 'not-found']);
    expect(outOfReach).toHaveLength(1);
    for (const [what, send, status, code] of cases) {
      await settleAuditChain(server.scratch.db);
      const before = await snapshotDatabase(server.scratch.db);
      const answer = await send();
      expect({ what, status: answer.status, code: answer.body.code }).toEqual({ what, status, code });
      expect(String(answer.body.message).length, what).toBeGreaterThan(15);
      await settleAuditChain(server.scratch.db);
      expect(await snapshotDatabase(server.scratch.db), what).toEqual(before);
    }
  });

  it('prints the card as an ID-1 PDF and a PNG whose QR decodes back to the signed text', async () => {
    const card = resultOf(await server.command(ha, 'issue-e-card', { memberId: demoIds.mother }));
    const pdf = await server.app.inject({ method: 'GET', url: `/e-cards/${String(card.serial)}/card.pdf`, headers: { authorization: `Bearer ${medcoA}` } });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const document = await getDocumentProxy(new Uint8Array(pdf.rawPayload));
    expect(document.numPages).toBe(1);
    const [, , width, height] = (await document.getPage(1)).view;
    expect(Math.abs(width! - id1Points.width)).toBeLessThan(0.01);
    expect(Math.abs(height! - id1Points.height)).toBeLessThan(0.01);
    expect((width! / 72) * 25.4).toBeCloseTo(85.6, 2);
    expect((height! / 72) * 25.4).toBeCloseTo(53.98, 2);
    const { text } = await extractText(document, { mergePages: true });
    for (const printed of [card.name, card.schemeMemberId, card.familyNumber, card.serial, card.validFrom, card.validTo])
      expect(text).toContain(String(printed));
    // Issue 19: the same card with its labels in Marathi, from the bundled Devanagari font.
    const marathi = await server.app.inject({
      method: 'GET',
      url: `/e-cards/${String(card.serial)}/card.pdf?language=mr`,
      headers: { authorization: `Bearer ${medcoA}` },
    });
    expect(marathi.statusCode).toBe(200);
    const marathiText = (await extractText(await getDocumentProxy(new Uint8Array(marathi.rawPayload)), { mergePages: true })).text.replace(/\s+/g, '');
    for (const printed of ['योजनाआयडी', 'कुटुंबआयडी', String(card.schemeMemberId), String(card.serial)]) expect(marathiText).toContain(printed);

    const png = await server.app.inject({ method: 'GET', url: `/e-cards/${String(card.serial)}/card.png`, headers: { authorization: `Bearer ${ha}` } });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const image = PNG.sync.read(png.rawPayload);
    const decoded = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
    expect(decoded?.data).toBe(card.qrText);
  });

  it('a desk pulls every key that signed a card and the revoked serials, whatever its scope', async () => {
    const issued = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    const credential = `Desk ${String(enrolled.body.credential)}`;
    const pullAll = async (from: PullAnswerValue['checkpoint'] | null, limit = 500, eCards = true) => {
      const documents: PullAnswerValue['documents'] = [];
      let checkpoint = from;
      for (;;) {
        const query = `${eCards ? 'eCards=1&' : ''}limit=${limit}${checkpoint ? `&checkpoint=${encodeURIComponent(JSON.stringify(checkpoint))}` : ''}`;
        const answer = await server.raw('GET', `/sync/pull?${query}`, { headers: { authorization: credential } });
        expect(answer.status).toBe(200);
        const body = answer.body as unknown as PullAnswerValue;
        documents.push(...body.documents);
        checkpoint = body.checkpoint;
        if (!body.hasMore) return { documents, checkpoint };
      }
    };
    const first = await pullAll(null);
    const keys = first.documents.filter((d) => d.table === 'e_card_keys');
    expect(keys).toEqual([{ table: 'e_card_keys', id: 'test1', row: { keyId: 'test1', publicKey: expect.stringContaining('BEGIN PUBLIC KEY') } }]);
    const revokedBefore = first.documents.filter((d) => d.table === 'e_card_revocations').map((d) => d.id);
    expect(revokedBefore.length).toBeGreaterThan(0);
    // A desk of an earlier release does not ask for them, and gets none.
    const older = await pullAll(null, 500, false);
    expect(older.documents.filter((d) => d.table.startsWith('e_card'))).toEqual([]);
    // Cards revoked now reach the desk in its next round, and only they, one document a page too
    // (the checkpoint then pages by serial).
    const card = resultOf(await server.command(ha, 'issue-e-card', { memberId: demoIds.father }));
    const [mothers] = await server.scratch.db.query<{ serial: string }>('SELECT serial FROM e_cards WHERE member_id = $1 AND revoked_at IS NULL', [
      demoIds.mother,
    ]);
    for (const serial of [String(card.serial), mothers!.serial]) resultOf(await server.command(ha, 'revoke-e-card', { serial, reason: 'Lost' }));
    const next = await pullAll(first.checkpoint, 1);
    expect(next.documents.filter((d) => d.table === 'e_card_revocations').map((d) => d.id)).toEqual([String(card.serial), mothers!.serial].sort());
    expect(next.documents.filter((d) => d.table === 'e_card_keys')).toEqual([]);
  });
});
