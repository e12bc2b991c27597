import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import type { Database } from '../db/database';
import { openPostgres } from '../db/postgres';
import { demoIds } from '../demo/seed';
import { prepareServer, type ServerState } from '../server-state';
import { ChangeNotifier } from '../sync/notifier';
import { hasPostgres } from '../testing/databases';
import { resultOf, startTestServer, type Answer, type TestServer } from '../testing/harness';
import { testServerKeys } from '../testing/keys';

const units = (n: number) => n * 100;

/**
 * Scheme parameters are read inside each command's transaction (issue 24 item 11): a change
 * committed by one server process decides the very next command on every other one, whichever
 * way add-booking is decided; and under the 'refuse' policy nothing is held in part.
 */
describe.skipIf(!hasPostgres)('scheme parameters decide the next command on every process (postgres)', () => {
  let first: TestServer;
  /** Other server processes on the same database: own pool, own (never refreshed) scheme copy. */
  const others: { db: Database; state: ServerState; app: FastifyInstance }[] = [];
  let viaDatabase: FastifyInstance;
  let viaHandler: FastifyInstance;
  /** Tokens are signed with the shared keys, so one sign-in serves every process (sign-in is slow by design). */
  const tokens = { ha: '', medcoA: '', medcoB: '', ppd: '' };

  beforeAll(async () => {
    first = await startTestServer('postgres', { extraFamilies: 0 });
    for (const addBookingVia of ['database', 'handler'] as const) {
      const db = openPostgres(first.scratch.url!);
      // An hour: the per-process copy never refreshes during the test, so only a read inside the
      // command's own transaction can see the other process's change.
      const state = await prepareServer(db, { keys: testServerKeys, chainIntervalMs: 50, schemeRefreshMs: 3_600_000 });
      const app = await buildApp({
        db,
        notifier: new ChangeNotifier(null),
        scheme: state.scheme,
        reloadScheme: state.reloadScheme,
        keys: state.keys,
        addBookingVia,
      });
      others.push({ db, state, app });
    }
    viaDatabase = others[0]!.app;
    viaHandler = others[1]!.app;
    const [ha, medcoA, medcoB, ppd] = await Promise.all([first.login('ha'), first.login('medco.a'), first.login('medco.b'), first.login('ppd')]);
    Object.assign(tokens, { ha, medcoA, medcoB, ppd });
  });
  afterAll(async () => {
    for (const other of others) {
      await other.app.close();
      await other.state.stop();
      await other.db.close();
    }
    await first?.close();
  });

  const send = async (app: FastifyInstance, token: string, name: string, body: Record<string, unknown>): Promise<Answer> => {
    const response = await app.inject({
      method: 'POST',
      url: `/commands/${name}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ commandId: randomUUID(), ...body }),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown>, isReplay: response.headers['x-command-replayed'] === 'true' };
  };
  const booking = (caseId: string, amount: number) => ({
    bookingId: randomUUID(),
    caseId,
    itemCode: 'SVC',
    description: 'Service',
    quantity: 1,
    unitPrice: units(amount),
  });

  it('set-scheme-parameters on one process is used by the very next add-booking and pre-auth on the others', async () => {
    const { ha, medcoA: onDatabase, medcoA: onHandler, medcoB: onB } = tokens;
    const father = randomUUID();
    resultOf(await send(viaDatabase, onDatabase, 'admit', { caseId: father, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await send(viaDatabase, onDatabase, 'request-preauth', { caseId: father, packageCode: 'MG006A' }));
    // The 5,000 hold, consumed whole: the next bookings are all excess. No tolerance yet (demo scheme).
    expect(resultOf(await send(viaDatabase, onDatabase, 'add-booking', booking(father, 5000)))).toMatchObject({ coverage: 'covered' });
    expect(others.map((other) => other.state.scheme().auto_extend_bp)).toEqual([0, 0]);

    resultOf(await first.command(ha, 'set-scheme-parameters', { autoExtendBp: 1000, reason: 'Allow 10% automatic extension' }));
    // The other processes' copies still say 0; their decisions must not.
    expect(others.map((other) => other.state.scheme().auto_extend_bp)).toEqual([0, 0]);
    expect(resultOf(await send(viaDatabase, onDatabase, 'add-booking', booking(father, 200)))).toMatchObject({
      coverage: 'covered',
      hold: { extended: units(200) },
    });
    expect(resultOf(await send(viaHandler, onHandler, 'add-booking', booking(father, 200)))).toMatchObject({
      coverage: 'covered',
      hold: { extended: units(200) },
    });

    // 10,000 cover, 5,400 held: a 5,000 pre-auth would be held in part, unless the policy refuses.
    resultOf(await first.command(ha, 'set-scheme-parameters', { shortfallPolicy: 'refuse', reason: 'No partial holds' }));
    const mother = randomUUID();
    resultOf(await send(viaHandler, onB, 'admit', { caseId: mother, memberId: demoIds.mother, identityMethod: 'face' }));
    const refused = await send(viaHandler, onB, 'request-preauth', { caseId: mother, packageCode: 'MG006A' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'insufficient-cover', details: { available: units(4600), requested: units(5000) } });
  }, 120_000);

  it('under refuse, an enhancement the cover cannot take whole is refused with 409 and changes nothing', async () => {
    // Continues the scheme above: 'refuse', 4,600 of the family's cover free.
    const { ppd, medcoA: desk } = tokens;
    const son = randomUUID();
    resultOf(await first.command(desk, 'admit', { caseId: son, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await first.command(desk, 'request-preauth', { caseId: son, packageCode: 'MR004A' }));
    resultOf(await first.command(ppd, 'decide-preauth', { caseId: son, decision: 'approve' }));
    const enhancementId = randomUUID();
    resultOf(await first.command(desk, 'request-enhancement', { enhancementId, caseId: son, amount: units(3000), reason: 'Two more sessions' }));
    const snapshot = () =>
      Promise.all([
        first.scratch.db.query('SELECT amount, consumed, authorized FROM holds WHERE case_id = $1', [son]),
        first.scratch.db.query('SELECT cover, committed FROM family_years WHERE family_id = $1', [demoIds.seedFamily]),
        first.scratch.db.query('SELECT status, approved_amount, granted_amount FROM enhancements WHERE id = $1', [enhancementId]),
        first.scratch.db.query('SELECT count(*)::int AS count FROM ledger'),
      ]);
    const before = await snapshot();

    // 2,600 free, 3,000 approved: nothing may be granted, so nothing may be authorized either.
    const refused = await first.command(ppd, 'decide-enhancement', { enhancementId, decision: 'approve' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'insufficient-cover', details: { available: units(2600), requested: units(3000) } });
    expect(String(refused.body.message)).toContain('₹2,600.00');
    expect(await snapshot()).toEqual(before);
    expect(before[0]).toEqual([{ amount: units(2000), consumed: 0, authorized: units(2000) }]);
    expect(before[2]).toEqual([{ status: 'pending', approved_amount: null, granted_amount: null }]);

    // A lower amount the cover takes whole is approved and held in full.
    expect(
      resultOf(
        await first.command(ppd, 'decide-enhancement', { enhancementId, decision: 'approve-lower', amount: units(2500), reason: 'What the cover holds' }),
      ),
    ).toMatchObject({ status: 'approved', approvedAmount: units(2500), grantedAmount: units(2500), uncovered: 0, holdAmount: units(4500) });
  }, 120_000);

  it('under refuse, a pre-auth approved for more than the cover can add is refused with 409 and changes nothing', async () => {
    // Continues above: 'refuse', 100 of the family's cover free.
    const { medcoA: desk } = tokens;
    const [mc, admin] = await Promise.all([first.login('mc'), first.login('admin')]);
    const daughter = randomUUID();
    resultOf(await first.command(desk, 'admit', { caseId: daughter, memberId: demoIds.daughter, identityMethod: 'fingerprint' }));
    expect(resultOf(await first.command(desk, 'request-preauth', { caseId: daughter, packageCode: 'MG999U', estimatedAmount: units(50) }))).toMatchObject({
      holdAmount: units(50),
    });
    resultOf(await first.command(mc, 'recommend-preauth', { caseId: daughter, recommendedAmount: units(2000), reason: 'Two procedures are needed' }));
    const snapshot = () =>
      Promise.all([
        first.scratch.db.query('SELECT amount, consumed, authorized FROM holds WHERE case_id = $1', [daughter]),
        first.scratch.db.query('SELECT cover, committed FROM family_years WHERE family_id = $1', [demoIds.seedFamily]),
        first.scratch.db.query('SELECT status, approved_amount FROM preauths WHERE case_id = $1', [daughter]),
        first.scratch.db.query('SELECT count(*)::int AS count FROM ledger'),
      ]);
    const before = await snapshot();
    // 2,000 approved on a hold of 50 with 50 free: the 1,950 more cannot be held whole.
    const refused = await first.command(admin, 'approve-unspecified', { caseId: daughter, decision: 'approve' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'insufficient-cover', details: { available: units(50), requested: units(1950) } });
    expect(await snapshot()).toEqual(before);
    expect(before[0]).toEqual([{ amount: units(50), consumed: 0, authorized: units(50) }]);
    expect(before[2]).toEqual([{ status: 'admin-review', approved_amount: null }]);
    expect(
      resultOf(
        await first.command(admin, 'approve-unspecified', { caseId: daughter, decision: 'approve-lower', amount: units(100), reason: 'What the cover holds' }),
      ),
    ).toMatchObject({ preauthStatus: 'approved', approvedAmount: units(100), holdAmount: units(100), shortfall: 0 });
  }, 120_000);
});
