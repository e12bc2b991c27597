import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CommandBody, CommandName } from '@contract/commands';
import type { OperatorId, HospitalId } from '@domain/ids';
import { maxAmount } from '@domain/money';
import type { Database } from '../db/database';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { startTestServer, type Answer, type TestServer } from '../testing/harness';
import { handlers } from '.';
import { runCommand } from './runner';
import { DevelopmentSmsSink } from '../identity/sms';
import { defaultOtpPolicy } from '../identity/otp';

const units = (n: number) => n * 100;

/** One command of the script, sent with the same ids to both servers. */
interface Step {
  readonly label: string;
  readonly user: 'medco.a' | 'medco.b' | 'ppd';
  readonly name: CommandName;
  readonly body: Record<string, unknown> & { commandId: string };
}

/**
 * The add_booking_decision function (migration 004) mirrors the addBooking handler. Run the same
 * script through both — every branch of the handler: inside the hold, extension within the
 * tolerance, past it, cover exhausted, pre-auth rejected, each rejection, not-found, repeats and
 * reused ids — and require the same status, replay header, answer (key order included) and rows.
 */
describeEachBackend('add-booking in the database = the addBooking handler (%s)', (backend) => {
  let viaHandler: TestServer;
  let viaDatabase: TestServer;
  const tokens = new Map<TestServer, Map<string, string>>();

  beforeAll(async () => {
    viaHandler = await startTestServer(backend, { extraFamilies: 0, addBookingVia: 'handler' });
    viaDatabase = await startTestServer(backend, { extraFamilies: 0 });
    for (const server of [viaHandler, viaDatabase]) {
      // A 10% auto-extension tolerance, so bookings past the hold can grow it.
      await server.scratch.db.query('UPDATE schemes SET auto_extend_bp = 1000');
      await server.state.reloadScheme();
      const byUser = new Map<string, string>();
      for (const user of ['medco.a', 'medco.b', 'ppd']) byUser.set(user, await server.login(user));
      tokens.set(server, byUser);
    }
  });
  afterAll(async () => {
    await viaHandler?.close();
    await viaDatabase?.close();
  });

  const send = (server: TestServer, step: Step): Promise<Answer> =>
    server.raw('POST', `/commands/${step.name}`, { token: tokens.get(server)!.get(step.user)!, payload: step.body });

  it('answers and writes exactly what the handler answers and writes', async () => {
    const [fatherCase, motherCase, sonCase, daughterCase] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const booking = (user: Step['user'], caseId: string, amount: number, extra: Partial<Step['body']> = {}): Step['body'] => ({
      commandId: randomUUID(),
      bookingId: randomUUID(),
      caseId,
      itemCode: 'SVC',
      description: 'Service',
      quantity: 1,
      unitPrice: units(amount),
      ...extra,
    });
    const first = booking('medco.a', fatherCase, 3000);
    const extending = booking('medco.a', fatherCase, 2500, { bookingId: randomUUID().toUpperCase(), commandId: randomUUID().toUpperCase() });
    const noPreauth = booking('medco.a', sonCase, 100);
    const script: Step[] = [
      {
        label: 'admit father',
        user: 'medco.a',
        name: 'admit',
        body: { commandId: randomUUID(), caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' },
      },
      { label: 'pre-auth 5,000', user: 'medco.a', name: 'request-preauth', body: { commandId: randomUUID(), caseId: fatherCase, packageCode: 'MG006A' } },
      { label: 'inside the hold', user: 'medco.a', name: 'add-booking', body: first },
      { label: 'past the hold, within the tolerance (upper-case ids echoed)', user: 'medco.a', name: 'add-booking', body: extending },
      { label: 'past the tolerance', user: 'medco.a', name: 'add-booking', body: booking('medco.a', fatherCase, 1000, { quantity: 4, unitPrice: units(250) }) },
      { label: 'repeat', user: 'medco.a', name: 'add-booking', body: extending },
      { label: 'reused command id', user: 'medco.a', name: 'add-booking', body: { ...extending, unitPrice: units(1) } },
      { label: 'booking id exists', user: 'medco.a', name: 'add-booking', body: { ...first, commandId: randomUUID() } },
      {
        label: 'admit mother at B',
        user: 'medco.b',
        name: 'admit',
        body: { commandId: randomUUID(), caseId: motherCase, memberId: demoIds.mother, identityMethod: 'face' },
      },
      {
        label: 'pre-auth 9,000, 4,500 held',
        user: 'medco.b',
        name: 'request-preauth',
        body: { commandId: randomUUID(), caseId: motherCase, packageCode: 'MG001A' },
      },
      { label: 'cover exhausted: arbitration grants 0', user: 'medco.b', name: 'add-booking', body: booking('medco.b', motherCase, 6000) },
      { label: "another hospital's case", user: 'medco.a', name: 'add-booking', body: booking('medco.a', motherCase, 100) },
      { label: 'unknown case', user: 'medco.a', name: 'add-booking', body: booking('medco.a', randomUUID(), 100) },
      {
        label: 'admit son',
        user: 'medco.a',
        name: 'admit',
        body: { commandId: randomUUID(), caseId: sonCase, memberId: demoIds.son, identityMethod: 'fingerprint' },
      },
      { label: 'no pre-auth', user: 'medco.a', name: 'add-booking', body: noPreauth },
      { label: 'rejection repeated', user: 'medco.a', name: 'add-booking', body: noPreauth },
      { label: 'cancel father, 5,500 back', user: 'medco.a', name: 'cancel-case', body: { commandId: randomUUID(), caseId: fatherCase, reason: 'test' } },
      { label: 'cancelled case', user: 'medco.a', name: 'add-booking', body: booking('medco.a', fatherCase, 100) },
      { label: 'extension granted in full', user: 'medco.b', name: 'add-booking', body: booking('medco.b', motherCase, 3000) },
      { label: 'extension up to the tolerance, rest shortfall', user: 'medco.b', name: 'add-booking', body: booking('medco.b', motherCase, 4000) },
      {
        label: 'admit daughter',
        user: 'medco.a',
        name: 'admit',
        body: { commandId: randomUUID(), caseId: daughterCase, memberId: demoIds.daughter, identityMethod: 'fingerprint' },
      },
      { label: 'pre-auth, 100 held', user: 'medco.a', name: 'request-preauth', body: { commandId: randomUUID(), caseId: daughterCase, packageCode: 'SB001A' } },
      {
        label: 'pre-auth rejected',
        user: 'ppd',
        name: 'decide-preauth',
        body: { commandId: randomUUID(), caseId: daughterCase, decision: 'reject', reason: 'Outpatient' },
      },
      { label: 'rejected pre-auth: no extension', user: 'medco.a', name: 'add-booking', body: booking('medco.a', daughterCase, 200) },
      {
        label: 'above the largest amount',
        user: 'medco.a',
        name: 'add-booking',
        body: booking('medco.a', daughterCase, 0, { quantity: 10_000, unitPrice: 999_999_999_999 }),
      },
      {
        label: 'approve mother (bookings are discharged on a decided pre-auth)',
        user: 'ppd',
        name: 'decide-preauth',
        body: { commandId: randomUUID(), caseId: motherCase, decision: 'approve' },
      },
      { label: 'discharge mother', user: 'medco.b', name: 'discharge', body: { commandId: randomUUID(), caseId: motherCase } },
      { label: 'discharged case', user: 'medco.b', name: 'add-booking', body: booking('medco.b', motherCase, 100) },
    ];
    for (const step of script) {
      const expected = await send(viaHandler, step);
      const actual = await send(viaDatabase, step);
      expect({ step: step.label, status: actual.status, isReplay: actual.isReplay }).toEqual({
        step: step.label,
        status: expected.status,
        isReplay: expected.isReplay,
      });
      if (step.name === 'add-booking') expect(JSON.stringify(actual.body), step.label).toBe(JSON.stringify(expected.body));
    }
    // Every branch was taken (guards the script against drifting into one path).
    const coverages = new Set<unknown>();
    const codes = new Set<unknown>();
    for (const step of script.filter((s) => s.name === 'add-booking')) {
      const answer = await send(viaDatabase, step);
      const result = answer.body.result as { coverage?: unknown } | undefined;
      if (result) coverages.add(result.coverage);
      else codes.add(answer.body.code);
    }
    expect([...coverages].sort()).toEqual(['covered', 'partly-covered', 'shortfall']);
    expect([...codes].sort()).toEqual(['booking-exists', 'case-not-admitted', 'command-id-reused', 'invalid-input', 'not-found', 'preauth-not-requested']);

    for (const query of rowsToCompare) {
      expect(await viaDatabase.scratch.db.query(query), query).toEqual(await viaHandler.scratch.db.query(query));
    }
  });

  it("agrees at the limits: the extension ceiling near maxAmount, past bigint's product range, and the case total (issue 24 item 9)", async () => {
    // The son's case (admitted in the script above, no pre-auth) on both servers, driven to the
    // limits by the same writes on each: a 9,999 bp tolerance, a cover far above maxAmount (as
    // legacy data may hold), and a hold already fully consumed, so each booking is all excess
    // and the ceiling decides the extension.
    const sonCase = await caseOf(viaHandler, demoIds.son);
    expect(await caseOf(viaDatabase, demoIds.son)).toBe(sonCase);
    const atLimit = async (authorized: number) => {
      for (const server of [viaHandler, viaDatabase]) {
        await server.scratch.db.query('UPDATE schemes SET auto_extend_bp = 9999');
        await server.state.reloadScheme();
        await server.scratch.db.query('UPDATE family_years SET cover = committed + 5000000000000000 WHERE family_id = $1', [demoIds.seedFamily]);
        await server.scratch.db.query('UPDATE holds SET authorized = $2, amount = $2, consumed = $2 WHERE case_id = $1', [sonCase, authorized]);
        await server.scratch.db.query('UPDATE family_years SET committed = committed + $2 WHERE family_id = $1', [demoIds.seedFamily, authorized]);
      }
    };
    const step = (label: string, body: Record<string, unknown>): Step => ({
      label,
      user: 'medco.a',
      name: 'add-booking',
      body: { commandId: randomUUID(), bookingId: randomUUID(), caseId: sonCase, itemCode: 'SVC', description: 'Service', ...body },
    });
    const compare = async (script: Step[]) => {
      for (const one of script) {
        const expected = await send(viaHandler, one);
        const actual = await send(viaDatabase, one);
        expect({ step: one.label, status: actual.status }).toEqual({ step: one.label, status: expected.status });
        if (one.name === 'add-booking') expect(JSON.stringify(actual.body), one.label).toBe(JSON.stringify(expected.body));
      }
    };
    await compare([
      {
        label: 'pre-auth, unspecified',
        user: 'medco.a',
        name: 'request-preauth',
        body: { commandId: randomUUID(), caseId: sonCase, packageCode: 'SG999U', estimatedAmount: 100 },
      },
    ]);
    // a × bp = 9.9999 × 10^15 > 2^53: a float product floored one unit above PostgreSQL's.
    await atLimit(999_999_990_001);
    const ceiling = step('ceiling at a × bp past 2^53', { quantity: 10_000, unitPrice: 50_000_000 });
    await compare([ceiling]);
    expect((await send(viaDatabase, ceiling)).body.result).toMatchObject({ hold: { extended: 500_000_000_000 } });
    await compare([step('the ceiling binds', { quantity: 5_000, unitPrice: 99_999_999 })]);
    // a × bp ≈ 10^19 overflows bigint: the function answered 500 where the handler answered.
    await atLimit(1_000_000_000_000_000);
    await compare([step("past bigint's product range", { quantity: 1, unitPrice: 1 })]);
    const [booked] = await viaDatabase.scratch.db.query<{ total: number }>(
      "SELECT sum(amount)::bigint AS total FROM bookings WHERE case_id = $1 AND status = 'active'",
      [sonCase],
    );
    const toLimit = maxAmount - booked!.total;
    const refused = step('one unit above the case total', { quantity: 1, unitPrice: toLimit + 1 });
    await compare([refused, step('exactly the case total', { quantity: 1, unitPrice: toLimit }), step('one unit more', { quantity: 1, unitPrice: 1 })]);
    // The total now stands exactly at maxAmount: the same booking is refused, naming the figures.
    const again = { ...refused, label: 'the same booking at the limit', body: { ...refused.body, commandId: randomUUID() } };
    await compare([again]);
    const answer = await send(viaDatabase, again);
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ code: 'case-total-too-large', details: { booked: maxAmount, amount: toLimit + 1, maxAmount } });
    for (const query of rowsToCompare) {
      expect(await viaDatabase.scratch.db.query(query), query).toEqual(await viaHandler.scratch.db.query(query));
    }
  });

  it('under the refuse policy extends by the whole excess or not at all, never in part (issue 24 item 11)', async () => {
    // The father's case of the first test was cancelled: admit him again on both servers, under
    // 'refuse' with a 10% tolerance, then leave 300 of the cover free on each.
    const caseId = randomUUID();
    for (const server of [viaHandler, viaDatabase]) {
      // Changed behind the servers' backs, with no reload: each decision reads the row itself.
      await server.scratch.db.query("UPDATE schemes SET shortfall_policy = 'refuse', auto_extend_bp = 1000");
      await server.scratch.db.query('UPDATE family_years SET cover = committed + $2 WHERE family_id = $1', [demoIds.seedFamily, units(100_000)]);
    }
    const step = (label: string, amount: number): Step => ({
      label,
      user: 'medco.a',
      name: 'add-booking',
      body: { commandId: randomUUID(), bookingId: randomUUID(), caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: units(amount) },
    });
    const compare = async (script: Step[]): Promise<Answer[]> => {
      const answers: Answer[] = [];
      for (const one of script) {
        const expected = await send(viaHandler, one);
        const actual = await send(viaDatabase, one);
        expect({ step: one.label, status: actual.status }).toEqual({ step: one.label, status: expected.status });
        if (one.name === 'add-booking') expect(JSON.stringify(actual.body), one.label).toBe(JSON.stringify(expected.body));
        answers.push(actual);
      }
      return answers;
    };
    await compare([
      {
        label: 'admit father again',
        user: 'medco.a',
        name: 'admit',
        body: { commandId: randomUUID(), caseId, memberId: demoIds.father, identityMethod: 'fingerprint' },
      },
      { label: 'pre-auth 5,000', user: 'medco.a', name: 'request-preauth', body: { commandId: randomUUID(), caseId, packageCode: 'MG006A' } },
    ]);
    for (const server of [viaHandler, viaDatabase])
      await server.scratch.db.query('UPDATE family_years SET cover = committed + $2 WHERE family_id = $1', [demoIds.seedFamily, units(300)]);
    const answers = await compare([
      step('the whole hold', 5000),
      // Within the 500 of tolerance but above the 300 free: partial-hold would extend by 300.
      step('excess above the free cover', 400),
      // Past the tolerance: partial-hold would extend by 300 (the tolerance and cover allow 300).
      step('excess past the tolerance', 600),
      step('excess the cover takes whole', 250),
    ]);
    expect(answers.map((answer) => (answer.body.result as { coverage: string; hold: { extended: number } }).hold.extended)).toEqual([0, 0, 0, units(250)]);
    expect(answers.map((answer) => (answer.body.result as { coverage: string }).coverage)).toEqual(['covered', 'shortfall', 'shortfall', 'covered']);
    await compare([{ label: 'cancel father again', user: 'medco.a', name: 'cancel-case', body: { commandId: randomUUID(), caseId, reason: 'test' } }]);
    for (const server of [viaHandler, viaDatabase]) await server.scratch.db.query("UPDATE schemes SET shortfall_policy = 'partial-hold'");
    for (const query of rowsToCompare) {
      expect(await viaDatabase.scratch.db.query(query), query).toEqual(await viaHandler.scratch.db.query(query));
    }
  });

  it('takes one statement and no transaction for a booking', async () => {
    const counted = countingDatabase(viaDatabase.scratch.db);
    const [operator] = await viaDatabase.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'medco.a'");
    const principal = { operatorId: operator!.id as OperatorId, roles: ['MEDCO' as const], hospitalId: demoIds.hospitalA as HospitalId };
    const deps = {
      db: counted.db,
      handlers,
      scheme: viaDatabase.state.scheme,
      nationalIdKey: Buffer.alloc(32),
      services: { now: () => new Date(), sms: new DevelopmentSmsSink(), otp: defaultOtpPolicy },
    };
    const run = <N extends CommandName>(name: N, body: CommandBody<N>) => runCommand(deps, name, body, principal);
    const caseId = randomUUID();
    // The father's case of the script above is cancelled by now, so he can be admitted again.
    expect((await run('admit', { commandId: randomUUID(), caseId, memberId: demoIds.father, identityMethod: 'fingerprint' })).status).toBe(200);
    expect((await run('request-preauth', { commandId: randomUUID(), caseId, packageCode: 'SB001A' })).status).toBe(200);
    counted.reset();
    const outcome = await run('add-booking', {
      commandId: randomUUID(),
      bookingId: randomUUID(),
      caseId,
      itemCode: 'X',
      description: 'X-ray',
      quantity: 1,
      unitPrice: units(50),
    });
    expect(outcome.status).toBe(200);
    expect(counted.calls).toEqual([expect.stringContaining('add_booking_decision(')]);
  });
});

/** The id of the member's case that is admitted now. */
async function caseOf(server: TestServer, memberId: string): Promise<string> {
  const [row] = await server.scratch.db.query<{ id: string }>("SELECT id FROM cases WHERE member_id = $1 AND status = 'admitted'", [memberId]);
  if (!row) throw new Error(`no admitted case for ${memberId}`);
  return row.id;
}

/** Everything an add-booking writes or reads, minus generated ids, timestamps and transaction ids. */
const rowsToCompare = [
  'SELECT family_id, policy_year, cover, committed, last_change FROM family_years ORDER BY family_id, policy_year',
  'SELECT case_id, family_id, amount, consumed, authorized, package_code, package_version, status FROM holds ORDER BY case_id',
  'SELECT id, case_id, family_id, item_code, description, quantity, unit_price, amount, covered_amount, shortfall_amount, package_code, package_version, status, void_reason, closed_at, created_by FROM bookings ORDER BY seq',
  'SELECT family_id, policy_year, case_id, component, delta, reason, command_id FROM ledger ORDER BY id',
  'SELECT case_id, family_id, member_id, policy_year, kind, amount, booking_id, source_kind, source_id, command_id FROM patient_charges ORDER BY id',
  // request_hash is keyed by each server's own key (runner.ts), so it differs between the two servers.
  "SELECT command_id, operator_id, name, http_status, answer FROM commands WHERE name = 'add-booking' ORDER BY command_id",
  // Other commands' entries carry ids generated per server (hold ids); add-booking's carry none.
  "SELECT actor_id, action, entity_type, entity_id, before, after, command_id FROM audit_log WHERE action = 'booking-added' ORDER BY id",
  'SELECT id, status FROM cases ORDER BY id',
];

/** A database that records the statements and transactions it is asked for. */
function countingDatabase(inner: Database): { db: Database; calls: string[]; reset(): void } {
  const calls: string[] = [];
  const db: Database = {
    kind: inner.kind,
    location: inner.location,
    query: (text, params) => {
      calls.push(text);
      return inner.query(text, params);
    },
    script: (text) => {
      calls.push(text);
      return inner.script(text);
    },
    defer: (text, params) => {
      calls.push(text);
      return inner.defer(text, params);
    },
    transaction: (work, options) => {
      calls.push('transaction');
      return inner.transaction(work, options);
    },
    close: () => inner.close(),
  };
  return {
    db,
    calls,
    reset: () => {
      calls.length = 0;
    },
  };
}
