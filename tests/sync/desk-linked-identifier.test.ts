import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { signNationalIdQr } from '../../sync-server/node-shared/national-id-qr';
import { demoIds } from '../../sync-server/src/demo/seed';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * Issue 16, "one member, many cards", at the desk: every identifier linked to a member of the
 * desk's scope (a health account number, this hospital's patient number, a state card, a national
 * ID QR) finds the member offline through the same field as a health-card number, once the desk
 * has pulled the links (replica migration 13); an unlink reaches it at its next sync; another
 * hospital's patient number never does. The desk reaches the server through a proxy that can cut
 * it off, so "offline" is real.
 */
describe('linked identifiers find the member at the desk, offline (PGlite)', () => {
  const issuer = generateKeyPairSync('ed25519');
  let server: TestServer;
  let desk: DeskBackend;
  let proxy: FaultProxy;
  let dir = '';
  let ha = '';
  let nationalIdQr = '';
  let sonMrnLink = '';
  const sataraMember = randomUUID();
  beforeAll(async () => {
    server = await startTestServer('pglite', { idIssuerKeys: new Map([['NIA', issuer.publicKey]]) });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'coverdesk-desk-'));
    desk = new DeskBackend({ dataDir: dir, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    ha = await server.login('ha');
    const medcoA = await server.login('medco.a');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    desk.start();
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));

    const link = async (token: string, body: Record<string, unknown>) => {
      const answer = await server.raw('POST', '/commands/link-identifier', { token, payload: { commandId: randomUUID(), ...body } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return (answer.body.result as { linkId: string }).linkId;
    };
    nationalIdQr = signNationalIdQr('NIA', { ref: 'NIA-7781', name: 'Sunita Patil', dob: '1982-05-02', gender: 'F' }, issuer.privateKey);
    await link(ha, { memberId: demoIds.daughter, kind: 'health-account', value: '91-2345-6789-0124' });
    sonMrnLink = await link(medcoA, { memberId: demoIds.son, kind: 'hospital-mrn', value: 'CGH/2026/0042' });
    await link(ha, { memberId: demoIds.father, kind: 'state-card', state: 'MH', value: 'MH-55-1200' });
    await link(medcoA, { memberId: demoIds.mother, kind: 'national-id-qr', value: nationalIdQr });
    // Hospital B's patient number for the mother: not hospital A's to see.
    await link(ha, { memberId: demoIds.mother, kind: 'hospital-mrn', value: 'DHS-900', hospitalCode: 'HSP-B' });
    // A member of a Satara family: outside this Pune desk's replica.
    const registered = await server.command(ha, 'register-family', {
      familyId: randomUUID(),
      familyNumber: 'FAM-SAT-DESK',
      cover: 50_000_000,
      registeredPhone: '+919800000444',
      district: 'Satara',
      members: [{ memberId: sataraMember, schemeMemberId: 'PMJ-SATDESK1', fullName: 'Satara Member', birthYear: 1970, gender: 'M', relation: 'head' }],
    });
    expect(registered.status).toBe(200);
    await link(ha, { memberId: sataraMember, kind: 'state-card', state: 'MH', value: 'MH-77-0001' });
    await desk.engine.requestSync();
  });
  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scan = (text: string) => desk.handlers['members.identify']({ by: 'health-card', value: text });
  const offline = async (check: () => Promise<void>) => {
    proxy.setOffline(true);
    try {
      await check();
    } finally {
      proxy.setOffline(false);
    }
  };

  it('each linked identifier opens its member offline, through the health-card field', async () => {
    await offline(async () => {
      for (const [text, memberId] of [
        ['91-2345-6789-0124', demoIds.daughter],
        ['9123 4567 8901 24', demoIds.daughter],
        ['CGH/2026/0042', demoIds.son],
        ['cgh/2026/0042', demoIds.son],
        ['MH-55-1200', demoIds.father],
        [nationalIdQr, demoIds.mother],
        [`  ${nationalIdQr}\r\n`, demoIds.mother],
        // The health card itself still comes first.
        ['HC-S1-0004', demoIds.daughter],
      ] as const) {
        const found = value(await scan(text));
        expect(found.source, text).toBe('replica');
        expect(
          found.matches.map((match) => match.member.memberId),
          text,
        ).toEqual([memberId]);
      }
    });
  });

  it("not offline: another hospital's patient number, a number with a bad check digit, a member outside the replica", async () => {
    await offline(async () => {
      for (const text of ['DHS-900', '91-2345-6789-0125', 'MH-77-0001'])
        expect(await scan(text), text).toMatchObject({ ok: false, error: { code: 'offline-unavailable' } });
      // A damaged national ID QR is refused in words, not searched.
      expect(await scan(`${nationalIdQr.split('.').slice(0, 2).join('.')}.!!.x`)).toMatchObject({
        ok: false,
        error: { code: 'invalid-input', message: expect.stringContaining('national ID secure QR') },
      });
    });
  });

  it('online, a member outside the replica is found by a linked card through the server', async () => {
    await desk.engine.requestSync();
    const found = value(await scan('MH-77-0001'));
    expect(found.source).toBe('server');
    expect(found.matches.map((match) => match.member.memberId)).toEqual([sataraMember]);
  });

  it('an unlink reaches the desk at its next sync: the old number no longer finds the member offline', async () => {
    const unlinked = await server.command(ha, 'unlink-identifier', { linkId: sonMrnLink, reason: 'Patient number merged by the hospital' });
    expect(unlinked.status).toBe(200);
    await desk.engine.requestSync();
    await offline(async () => {
      expect(await scan('CGH/2026/0042')).toMatchObject({ ok: false, error: { code: 'offline-unavailable' } });
      expect(value(await scan('MH-55-1200')).matches.map((match) => match.member.memberId)).toEqual([demoIds.father]);
    });
  });
});
