import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { deskDays } from '../../electron/desk-backend/e-card-scan';
import { eCardKeyFromSeed, signECard } from '../../sync-server/node-shared/e-card';
import { demoIds } from '../../sync-server/src/demo/seed';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { testServerKeys } from '../../sync-server/src/testing/keys';
import { FaultProxy } from '../support/fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * Issue 16: a scanned e-card is verified by the desk backend offline, against the keys and the
 * revocation list it pulled, and opens the member like a health-card number. A card signed by an
 * unknown key, altered by one byte, expired, or revoked (once the desk has synced the revocation)
 * is refused with a sentence. The desk reaches the server through a proxy that can cut it off, so
 * "offline" is real.
 */
describe('e-cards scanned at the desk, verified offline (PGlite)', () => {
  let server: TestServer;
  let desk: DeskBackend;
  let proxy: FaultProxy;
  let dir = '';
  let ha = '';
  let qr = '';
  let serial = '';
  beforeAll(async () => {
    server = await startTestServer('pglite');
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'coverdesk-desk-'));
    desk = new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    desk.start();
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    const card = await server.command(ha, 'issue-e-card', { memberId: demoIds.daughter });
    expect(card.status).toBe(200);
    const result = card.body.result as { qrText: string; serial: string };
    [qr, serial] = [result.qrText, result.serial];
    await desk.engine.requestSync();
  });
  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scan = (text: string) => desk.handlers['members.identify']({ by: 'health-card', value: text });

  it('a genuine card opens the member offline, as a health-card number does', async () => {
    proxy.setOffline(true);
    try {
      const found = value(await scan(qr));
      expect(found.source).toBe('replica');
      expect(found.matches.map((match) => match.member.memberId)).toEqual([demoIds.daughter]);
      // A keyboard wedge may add a line end or spaces around it.
      expect(value(await scan(`  ${qr}\r\n`)).matches).toHaveLength(1);
    } finally {
      proxy.setOffline(false);
    }
  });

  it('refuses a card signed by an unknown key, a forged one under the scheme key id, and one altered by one byte', async () => {
    const rogue = generateKeyPairSync('ed25519').privateKey;
    const fields = {
      serial: 'EC-00009999',
      schemeMemberId: 'PMJ-S1000004',
      familyNumber: 'FAM-S1-0001',
      name: 'Priya Patil',
      validFrom: '2026-01-01',
      validTo: '2099-12-31',
    };
    expect(await scan(signECard(fields, 'rogue', rogue))).toMatchObject({
      ok: false,
      error: { code: 'e-card-unknown-key', message: expect.stringContaining('does not know') },
    });
    expect(await scan(signECard(fields, 'test1', rogue))).toMatchObject({
      ok: false,
      error: { code: 'e-card-bad-signature', message: expect.stringContaining('altered or forged') },
    });
    // One byte of the signed payload (the third part) changed to another base64url character.
    const [prefix, keyId, payload, signature] = qr.split('.') as [string, string, string, string];
    for (const at of [0, Math.floor(payload.length / 2), payload.length - 2]) {
      const swapped = payload[at] === 'A' ? 'B' : 'A';
      const altered = [prefix, keyId, `${payload.slice(0, at)}${swapped}${payload.slice(at + 1)}`, signature].join('.');
      expect(altered.length).toBe(qr.length);
      const refused = await scan(altered);
      expect(refused.ok, `byte ${at}`).toBe(false);
      expect(refused).toMatchObject({ error: { code: 'e-card-bad-signature' } });
    }
    // And one byte of the signature.
    const badSignature = [prefix, keyId, payload, `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`].join('.');
    expect(await scan(badSignature)).toMatchObject({ ok: false, error: { code: 'e-card-bad-signature' } });
  });

  it('refuses an expired card signed by the scheme itself', async () => {
    const { privateKey } = eCardKeyFromSeed(testServerKeys.eCard!.current.key);
    const expired = signECard(
      {
        serial: 'EC-00009998',
        schemeMemberId: 'PMJ-S1000004',
        familyNumber: 'FAM-S1-0001',
        name: 'Priya Patil',
        validFrom: '2019-01-01',
        validTo: '2023-12-31',
      },
      'test1',
      privateKey,
    );
    expect(await scan(expired)).toMatchObject({ ok: false, error: { code: 'e-card-expired', message: expect.stringContaining('2023-12-31') } });
    // The same card still valid today is accepted: only the date made the difference.
    const valid = signECard(
      {
        serial: 'EC-00009998',
        schemeMemberId: 'PMJ-S1000004',
        familyNumber: 'FAM-S1-0001',
        name: 'Priya Patil',
        validFrom: '2019-01-01',
        validTo: deskDays(new Date(Date.now() + 2 * 86_400_000)).earliest,
      },
      'test1',
      privateKey,
    );
    expect(value(await scan(valid)).matches).toHaveLength(1);
  });

  it('the desk issues, reissues and prints a card through the server, and says so when offline', async () => {
    await desk.engine.requestSync(); // online again after the tests above cut the proxy
    const card = value(await desk.handlers['members.issueECard']({ memberId: demoIds.son }));
    expect(card).toMatchObject({ memberId: demoIds.son, schemeMemberId: 'PMJ-S1000003', replaces: null });
    const again = await desk.handlers['members.issueECard']({ memberId: demoIds.son });
    expect(again).toMatchObject({ ok: false, error: { code: 'e-card-active', details: { serial: card.serial } } });
    expect(await desk.handlers['members.issueECard']({ memberId: demoIds.son, replaceSerial: card.serial, reason: ' ' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    const replaced = value(await desk.handlers['members.issueECard']({ memberId: demoIds.son, replaceSerial: card.serial, reason: 'Lost at the market' }));
    expect(replaced.replaces).toBe(card.serial);
    const pdf = value(await desk.handlers['members.eCardFile']({ serial: replaced.serial, format: 'pdf' }));
    expect(pdf).toMatchObject({ fileName: `e-card-${replaced.serial}.pdf`, mimeType: 'application/pdf' });
    expect(Buffer.from(pdf.base64, 'base64').subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const png = value(await desk.handlers['members.eCardFile']({ serial: replaced.serial, format: 'png' }));
    expect(Buffer.from(png.base64, 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
    // The replaced card is not printed again.
    expect(await desk.handlers['members.eCardFile']({ serial: card.serial, format: 'pdf' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    proxy.setOffline(true);
    try {
      expect(await desk.handlers['members.issueECard']({ memberId: demoIds.father })).toMatchObject({ ok: false, error: { code: 'offline-unavailable' } });
      expect(await desk.handlers['members.eCardFile']({ serial: replaced.serial, format: 'pdf' })).toMatchObject({
        ok: false,
        error: { code: 'offline-unavailable' },
      });
    } finally {
      proxy.setOffline(false);
    }
  });

  it('a revoked card is refused once the desk has synced the revocation list, and not before', async () => {
    expect(await server.command(ha, 'revoke-e-card', { serial, reason: 'Reported lost' })).toMatchObject({ status: 200 });
    // Offline, before the desk hears of it: the card still verifies (the desk cannot know).
    proxy.setOffline(true);
    try {
      expect(value(await scan(qr)).matches).toHaveLength(1);
    } finally {
      proxy.setOffline(false);
    }
    await desk.engine.requestSync();
    proxy.setOffline(true);
    try {
      expect(await scan(qr)).toMatchObject({ ok: false, error: { code: 'e-card-revoked', message: expect.stringContaining(serial) } });
    } finally {
      proxy.setOffline(false);
    }
  });
});
