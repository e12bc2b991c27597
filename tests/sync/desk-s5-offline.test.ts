import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenefitsAtDesk, DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { pharmacyClient, registerPharmacy } from '../../sync-server/src/testing/pharmacy';
import { FaultProxy } from '../support/fault-proxy';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
const units = (n: number) => n * 100;
const backend = availableBackends[0]!;
const used = (benefits: BenefitsAtDesk, memberId: string | null, type: string) =>
  benefits.balances.find((b) => b.memberId === memberId && b.type === type && (b.category === 'combined' || type !== 'benefit'))?.used;

/**
 * Scenario S5-offline (SCENARIOS.md, issue 14): hospital B is offline at step 4. Its desk shows the
 * estimate from the last accumulators the server confirmed, with their time, marked provisional;
 * on reconnect the server's split stands and the desk shows what changed. A real server behind a
 * fault proxy and desk B's real SQLite file, across a restart of the desk while it is offline.
 *
 * Desk B last read the family's figures after step 1 (deductible met 2,000): from them the
 * mother's 60,000 is 3,000 deductible + 10 % of 57,000 = 8,700. Hospital A's steps 2–3 meet the
 * deductible meanwhile, so the server splits her booking 6,000 (10 %) / 54,000.
 */
describe(`S5-offline: desk B estimates from its last confirmed accumulators, then shows the server's split (${backend})`, () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let desk: DeskBackend;
  let confirmedAt = '';
  let motherCase = '';
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-s5-offline-'));
  const openDesk = () => new DeskBackend({ dataDir: dir, devices: {}, sync: { backoffBaseMs: 50, backoffMaxMs: 200 } });
  const sync = async () => {
    await desk.engine.requestSync();
    await desk.engine.requestSync();
  };

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    // Step 1: the father's pharmacy claim of 2,000, all deductible.
    const pharmacy = pharmacyClient(server, (await registerPharmacy(server)).credential);
    const claim = await pharmacy.claim({ claimId: randomUUID(), memberId: 'PMJ-S5000001', drugCode: 'RX-ATORVA-10', quantity: 1, unitPrice: units(2000) });
    expect(claim.body).toMatchObject({ memberPays: units(2000), planPays: 0 });

    desk = openDesk();
    const issued = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    value(await desk.handlers['session.signIn']({ username: 'medco.b', password: 'coverdesk-demo' }));
    await sync();
    // Hospital B (Satara) serves this Pune family once it has identified the mother, online.
    const found = value(await desk.handlers['members.identify']({ by: 'scheme-id', value: 'PMJ-S5000002' }));
    expect(found.matches.map((match) => match.member.memberId)).toEqual([demoIds.s5Mother]);
    await sync();
  }, 180_000);

  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('online after step 1: the server’s accumulators with their time, and the estimate for the mother’s package at admission, before anything is booked', async () => {
    const before = value(await desk.handlers['benefits.view']({ memberId: demoIds.s5Mother, packageCode: 'SN005A' }));
    expect(before).toMatchObject({ source: 'server', unavailable: null, isProvisional: false, planId: 'STATE-TOPUP', hasCostSharing: true });
    expect(used(before, null, 'deductible')).toBe(units(2000));
    expect(before.balances.find((b) => b.memberId === null && b.type === 'deductible')).toMatchObject({ allowed: units(5000), remaining: units(3000) });
    expect(before.balances.find((b) => b.memberId === demoIds.s5Mother && b.type === 'out-of-pocket-maximum')).toMatchObject({
      allowed: units(12_000),
      used: 0,
      remaining: units(12_000),
    });
    expect(before.estimate).toMatchObject({
      packageAmount: units(60_000),
      deductible: units(3000),
      coinsurance: units(5700),
      total: units(8700),
      planPart: units(51_300),
    });
    confirmedAt = before.computedAt ?? '';
    expect(Date.parse(confirmedAt)).toBeGreaterThan(0);
  });

  it('steps 2–3 at hospital A while desk B is offline; desk B admits and books the mother and shows 8,700 as of its last figures, provisional, also after a restart', async () => {
    const medcoA = await server.login('medco.a');
    const fatherCase = randomUUID();
    resultOf(await server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.s5Father, identityMethod: 'fingerprint' }));
    expect(resultOf(await server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MC024A' }))).toMatchObject({
      patientEstimate: { total: units(6700) },
    });
    for (const amount of [25_000, 15_000])
      resultOf(
        await server.command(medcoA, 'add-booking', {
          bookingId: randomUUID(),
          caseId: fatherCase,
          itemCode: 'SVC',
          description: 'Service',
          quantity: 1,
          unitPrice: units(amount),
        }),
      );

    proxy.setOffline(true);
    motherCase = value(await desk.handlers['cases.admit']({ memberId: demoIds.s5Mother, identityMethod: 'fingerprint' })).caseId;
    value(await desk.handlers['cases.requestPreauth']({ caseId: motherCase, packageCode: 'SN005A' }));
    value(await desk.handlers['bookings.add']({ caseId: motherCase, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: units(60_000) }));
    await desk.engine.requestSync();

    const offline = value(await desk.handlers['benefits.view']({ memberId: demoIds.s5Mother, caseId: motherCase }));
    expect(offline).toMatchObject({ source: 'last-confirmed', computedAt: confirmedAt, isProvisional: true, changedFrom: null });
    expect(offline.unavailable?.code).toBe('offline-unavailable');
    expect(offline.estimate).toMatchObject({ packageAmount: units(60_000), booked: 0, chargedSoFar: 0, total: units(8700) });
    expect(used(offline, null, 'deductible')).toBe(units(2000));

    // The copy is in the desk's SQLite file: a restart, an offline sign-in, the same figures.
    await desk.stop();
    desk = openDesk();
    const session = value(await desk.handlers['session.signIn']({ username: 'medco.b', password: 'coverdesk-demo' }));
    expect(session.isOfflineSession).toBe(true);
    const restarted = value(await desk.handlers['benefits.view']({ memberId: demoIds.s5Mother, caseId: motherCase }));
    expect(restarted).toMatchObject({ source: 'last-confirmed', computedAt: confirmedAt, isProvisional: true });
    expect(restarted.estimate?.total).toBe(units(8700));
  });

  it('on reconnect the server’s split stands (6,000 / 54,000) and the desk says the estimate changed from 8,700', async () => {
    proxy.setOffline(false);
    // An offline session has no server token: sign in again online (the key the desk registers signs the read).
    value(await desk.handlers['session.signOut']({}));
    value(await desk.handlers['session.signIn']({ username: 'medco.b', password: 'coverdesk-demo' }));
    await sync();
    await sync();
    const view = desk.reads.caseView(motherCase);
    expect(view?.status).toBe('admitted');
    expect(view?.bookings.map((b) => [b.amount, b.coveredAmount, b.shortfallAmount])).toEqual([[units(60_000), units(54_000), 0]]);
    const [charged] = await server.scratch.db.query<{ total: string }>('SELECT sum(amount)::text AS total FROM patient_charges WHERE case_id = $1', [
      motherCase,
    ]);
    expect(Number(charged?.total)).toBe(units(6000));

    const online = value(await desk.handlers['benefits.view']({ memberId: demoIds.s5Mother, caseId: motherCase }));
    expect(online).toMatchObject({ source: 'server', unavailable: null, isProvisional: false });
    expect(Date.parse(online.computedAt ?? '')).toBeGreaterThan(Date.parse(confirmedAt));
    expect(online.estimate).toMatchObject({ packageAmount: units(60_000), booked: units(60_000), chargedSoFar: units(6000), rest: 0, total: units(6000) });
    expect(online.changedFrom).toEqual({ total: units(8700), asOf: confirmedAt });
    // S5 step 4's "after": deductible met 5,000, mother 6,000, family 14,700.
    expect(used(online, null, 'deductible')).toBe(units(5000));
    expect(used(online, demoIds.s5Mother, 'out-of-pocket-maximum')).toBe(units(6000));
    expect(used(online, null, 'out-of-pocket-maximum')).toBe(units(14_700));
  });
});
