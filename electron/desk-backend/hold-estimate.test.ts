import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../desk-api/contract';
import { demoIds } from '../../sync-server/src/demo/seed';
import { startTestServer, type TestServer, resultOf } from '../../sync-server/src/testing/harness';
import { pharmacyClient, registerPharmacy } from '../../sync-server/src/testing/pharmacy';
import { DeskBackend } from './backend';
import { openReplica } from './database';
import { DeskReads } from './reads';
import { OwnerOnlyFileSecretStore } from './secret-store';

const units = (n: number) => n * 100;
function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * Issue 14: under S5's "State top-up" plan the hold is the plan's part of the package and the
 * patient's estimated part is kept beside it on the server (`holds.cost_share_estimate`). The hold
 * document the desk pulls carries it, the replica file keeps it, and the case view states it, so
 * the booking form compares bookings with the two together — also offline, from the file.
 * S5 steps 1–4 on a real server (PGlite); the desk is desk A with its replica in a temporary folder.
 */
describe('the patient’s estimated part on the pulled hold (S5)', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 0 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'coverdesk-hold-estimate-'));
    // Generous: the PGlite server's migrations alone took over a minute at load average 20.
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('S5’s father and mother: the desk’s hold is the plan’s part with the patient’s estimate beside it, online and from the file', async () => {
    const desk = new DeskBackend({ dataDir: dir, signInFallbackMs: 200, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    const medco = await server.login('medco.a');
    const fatherCase = randomUUID();
    const motherCase = randomUUID();
    try {
      const ha = await server.login('ha');
      const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
      const url = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
      value(await desk.handlers['enrollment.enroll']({ serverUrl: url, code: String(issued.body.code) }));
      value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));

      // Step 1: the father's pharmacy claim of 2,000, all deductible.
      const pharmacy = pharmacyClient(server, (await registerPharmacy(server)).credential);
      const claim = await pharmacy.claim({ claimId: randomUUID(), memberId: 'PMJ-S5000001', drugCode: 'RX-ATORVA-10', quantity: 1, unitPrice: units(2_000) });
      expect(claim.body).toMatchObject({ memberPays: units(2_000), planPays: 0 });
      // Step 2: the father's package of 40,000: estimate 6,700, hold 33,300.
      resultOf(await server.command(medco, 'admit', { caseId: fatherCase, memberId: demoIds.s5Father, identityMethod: 'fingerprint' }));
      expect(resultOf(await server.command(medco, 'request-preauth', { caseId: fatherCase, packageCode: 'MC024A' }))).toMatchObject({
        patientEstimate: { total: units(6_700) },
      });
      await desk.engine.requestSync();
      const fatherAtAdmission = value(await desk.handlers['cases.view']({ caseId: fatherCase }));
      expect(fatherAtAdmission.hold?.value).toEqual({ amount: units(33_300), consumed: 0, authorized: units(40_000), patientEstimate: units(6_700) });
      expect(fatherAtAdmission.preauth.shortfall).toBe(0);
      // Step 3: 25,000 then 15,000: the hold is fully used, and its estimate stays as stated.
      for (const amount of [25_000, 15_000])
        resultOf(
          await server.command(medco, 'add-booking', {
            bookingId: randomUUID(),
            caseId: fatherCase,
            itemCode: 'SVC',
            description: 'Service',
            quantity: 1,
            unitPrice: units(amount),
          }),
        );
      // Step 4: the mother's package of 60,000 once the deductible is met: 6,000 hers, 54,000 held.
      resultOf(await server.command(medco, 'admit', { caseId: motherCase, memberId: demoIds.s5Mother, identityMethod: 'fingerprint' }));
      expect(resultOf(await server.command(medco, 'request-preauth', { caseId: motherCase, packageCode: 'SN005A' }))).toMatchObject({
        patientEstimate: { total: units(6_000) },
      });
      await desk.engine.requestSync();

      const father = value(await desk.handlers['cases.view']({ caseId: fatherCase }));
      expect(father.hold?.value).toEqual({ amount: units(33_300), consumed: units(33_300), authorized: units(40_000), patientEstimate: units(6_700) });
      expect(father.bookingSum).toBe(units(40_000));
      const mother = value(await desk.handlers['cases.view']({ caseId: motherCase }));
      expect(mother.hold?.value).toEqual({ amount: units(54_000), consumed: 0, authorized: units(60_000), patientEstimate: units(6_000) });
      // Her 6,000 is cost sharing, not what the cover could not hold.
      expect(mother.preauth.shortfall).toBe(0);
      // The replica file holds the document as the server sent it.
      const stored = desk.db.prepare('SELECT doc FROM server_holds WHERE case_id = ?').get(motherCase) as { doc: string };
      expect(JSON.parse(stored.doc)).toMatchObject({ amount: units(54_000), authorized: units(60_000), costShareEstimate: units(6_000) });
    } finally {
      await desk.stop();
    }

    // Offline: the last pulled figures, read from the file with no server at all.
    const key = new OwnerOnlyFileSecretStore(join(dir, 'desk-replica-key')).read() ?? undefined;
    const replica = openReplica(join(dir, 'desk-replica.sqlite'), key === undefined ? {} : { key });
    try {
      expect(new DeskReads(replica).caseView(motherCase)?.hold?.value).toEqual({
        amount: units(54_000),
        consumed: 0,
        authorized: units(60_000),
        patientEstimate: units(6_000),
      });
    } finally {
      replica.close();
    }
  }, 300_000);
});
