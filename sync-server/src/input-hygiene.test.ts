import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from './demo/seed';
import { handlers } from './commands';
import type { CommandHandlers } from './commands/context';
import { sql as keyedRequestHash } from './db/migrations/014-keyed-request-hash';
import { applyPush } from './sync/push';
import { registerOperatorKey, type OperatorSigner } from './testing/operator-keys';
import { availableBackends } from './testing/databases';
import { describeEachBackend } from './testing/backends';
import { resultOf, startTestServer, type TestServer } from './testing/harness';
import { settleAuditChain, snapshotDatabase } from './testing/snapshot';

/**
 * Request input hygiene (issue 12 items 17, 20, 21; issue 24 item 12; issue 13 item 2): NUL,
 * repeated keys and lone surrogates are bad input that writes nothing; one poisoned mutation
 * never stalls a desk's outbox; the idempotency hash is keyed, canonical and holds no secret;
 * a replay is byte-identical to the first answer.
 */
describeEachBackend('request input hygiene (%s)', (backend) => {
  let server: TestServer;
  let medco: string;
  let ha: string;
  let deskAuthorization: string;
  let medcoId: string;
  let signer: OperatorSigner;
  const caseId = randomUUID();

  beforeAll(async () => {
    server = await startTestServer(backend);
    medco = await server.login('medco.a');
    ha = await server.login('ha');
    resultOf(await server.command(medco, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medco, 'request-preauth', { caseId, packageCode: 'SB001A' }));
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    deskAuthorization = `Desk ${String(enrolled.body.credential)}`;
    const [operator] = await server.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'medco.a'");
    medcoId = operator!.id;
    signer = await registerOperatorKey(server, deskAuthorization, 'medco.a');
  });
  afterAll(async () => server?.close());

  /** Send, then prove the answer is a 4xx with the code and a sentence and that nothing changed. */
  const refusedWritingNothing = async (send: () => Promise<{ status: number; body: Record<string, unknown> }>, status: number, code: string) => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const answer = await send();
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(String(answer.body.message).length).toBeGreaterThan(20);
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    return answer;
  };
  const booking = (extra: Record<string, unknown> = {}) => ({
    commandId: randomUUID(),
    bookingId: randomUUID(),
    caseId,
    itemCode: 'LAB',
    description: 'Blood test',
    quantity: 1,
    unitPrice: 100,
    ...extra,
  });

  it('a NUL character in any string is a 400 invalid-text that writes nothing (issue 12 item 17)', async () => {
    const nul = 'A\u0000B';
    await refusedWritingNothing(() => server.raw('POST', '/commands/add-booking', { token: medco, payload: booking({ itemCode: nul }) }), 400, 'invalid-text');
    await refusedWritingNothing(
      () => server.raw('POST', '/commands/identify-member', { token: medco, payload: { commandId: randomUUID(), by: 'scheme-id', value: nul } }),
      400,
      'invalid-text',
    );
    await refusedWritingNothing(
      () => server.raw('POST', '/commands/cancel-case', { token: medco, payload: { commandId: randomUUID(), caseId, reason: `Wrong patient ${nul}` } }),
      400,
      'invalid-text',
    );
    await refusedWritingNothing(
      () =>
        server.raw('POST', '/commands/register-family', {
          token: ha,
          payload: {
            commandId: randomUUID(),
            familyId: randomUUID(),
            familyNumber: 'FAM-NUL-1',
            cover: 100_000,
            registeredPhone: '+919811111111',
            district: nul,
            members: [{ memberId: randomUUID(), schemeMemberId: 'PMJ-NUL00001', fullName: 'Nul Member', birthYear: 1990, gender: 'F', relation: 'head' }],
          },
        }),
      400,
      'invalid-text',
    );
    const login = await refusedWritingNothing(
      () => server.raw('POST', '/auth/login', { payload: { username: `ppd${nul}`, password: 'coverdesk-demo' } }),
      400,
      'invalid-text',
    );
    expect(login.body.details).toEqual({ path: ['username'] });
    // A NUL in a field name, and in a path or query parameter.
    await refusedWritingNothing(() => server.raw('POST', '/commands/add-booking', { token: medco, payload: { ...booking(), [nul]: 1 } }), 400, 'invalid-text');
    await refusedWritingNothing(() => server.raw('GET', '/families/%00/balance', { token: medco }), 400, 'invalid-text');
    await refusedWritingNothing(() => server.raw('GET', '/sync/pull?checkpoint=%00', { headers: { authorization: deskAuthorization } }), 400, 'invalid-text');
  });

  it('a repeated key is a 400 duplicate-key, however it is spelled (issue 12 item 20)', async () => {
    const body = booking();
    const text = JSON.stringify(body).replace('"unitPrice":100', '"unitPrice":100,"unitPrice":999999');
    const answer = await refusedWritingNothing(() => server.raw('POST', '/commands/add-booking', { token: medco, payload: text }), 400, 'duplicate-key');
    expect(answer.body.details).toEqual({ path: ['unitPrice'] });
    // The same key escaped differently is the same key; nested objects are checked too.
    const escaped = JSON.stringify(body).replace('"unitPrice":100', '"unitPrice":100,"unit\\u0050rice":999999');
    await refusedWritingNothing(() => server.raw('POST', '/commands/add-booking', { token: medco, payload: escaped }), 400, 'duplicate-key');
    const nested = `{"commandId":"${randomUUID()}","familyId":"${randomUUID()}","familyNumber":"FAM-DUP-1","cover":100000,"registeredPhone":"+919811111111","district":"Pune","members":[{"memberId":"${randomUUID()}","schemeMemberId":"PMJ-DUP00001","fullName":"A","fullName":"B","birthYear":1990,"gender":"F","relation":"head"}]}`;
    const deep = await refusedWritingNothing(() => server.raw('POST', '/commands/register-family', { token: ha, payload: nested }), 400, 'duplicate-key');
    expect(deep.body.details).toEqual({ path: ['members', 0, 'fullName'] });
    // The same key in two different objects is not a repeat.
    const sameKeyTwoObjects = `{"commandId":"${randomUUID()}","familyId":"${randomUUID()}","familyNumber":"FAM-DUP-2","cover":100000,"registeredPhone":"+919811111111","district":"Pune","members":[{"memberId":"${randomUUID()}","schemeMemberId":"PMJ-DUP00002","fullName":"A","birthYear":1990,"gender":"F","relation":"head"},{"memberId":"${randomUUID()}","schemeMemberId":"PMJ-DUP00003","fullName":"B","birthYear":1992,"gender":"M","relation":"spouse"}]}`;
    expect((await server.raw('POST', '/commands/register-family', { token: ha, payload: sameKeyTwoObjects })).status).toBe(200);
  });

  it('a lone surrogate or bytes that are not UTF-8 are a 400 invalid-text, not a stored U+FFFD (issue 12 item 20)', async () => {
    await refusedWritingNothing(
      () => server.raw('POST', '/commands/add-booking', { token: medco, payload: JSON.stringify(booking({ description: 'Half \ud800 pair' })) }),
      400,
      'invalid-text',
    );
    await refusedWritingNothing(
      () => server.raw('POST', '/commands/add-booking', { token: medco, payload: JSON.stringify(booking({ description: 'Low \udc00 half' })) }),
      400,
      'invalid-text',
    );
    const latin1 = Buffer.concat([Buffer.from(JSON.stringify(booking({ description: 'Caf' })).replace('"Caf"', '"Caf')), Buffer.from([0xe9, 0x22, 0x7d])]);
    await refusedWritingNothing(
      async () => {
        const response = await server.app.inject({
          method: 'POST',
          url: '/commands/add-booking',
          headers: { authorization: `Bearer ${medco}`, 'content-type': 'application/json' },
          payload: latin1,
        });
        return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
      },
      400,
      'invalid-text',
    );
    // A well-formed pair (an emoji) is text like any other.
    expect((await server.raw('POST', '/commands/add-booking', { token: medco, payload: JSON.stringify(booking({ description: 'Bandage 🩹' })) })).status).toBe(
      200,
    );
  });

  it('a push [ok, NUL, ok, ok] answers all four, the NUL one refused and writing nothing (issue 12 item 17)', async () => {
    // Signed by the operator's key at the desk (issue 13 item 4), so what is refused here is the body.
    const mutation = (body: Record<string, unknown>) => signer.sign({ sequence: 1, commandId: randomUUID(), name: 'add-booking', operatorId: medcoId, body });
    const bookingBody = (itemCode: string) => ({ bookingId: randomUUID(), caseId, itemCode, description: 'Dressing', quantity: 1, unitPrice: 100 });
    const poisoned = mutation(bookingBody('NUL\u0000CODE'));
    // Alone first: the refusal writes nothing at all.
    await refusedWritingNothing(
      async () => {
        const pushed = await server.raw('POST', '/sync/push', {
          headers: { authorization: deskAuthorization },
          payload: { protocolVersion: 1, mutations: [poisoned] },
        });
        expect(pushed.status).toBe(200);
        expect(pushed.body.stoppedAt).toBeNull();
        const [answer] = pushed.body.answers as { status: number; answer: Record<string, unknown> }[];
        return { status: answer!.status, body: answer!.answer };
      },
      400,
      'invalid-text',
    );
    const batch = [
      mutation(bookingBody('OK-1')),
      signer.sign({ ...poisoned, commandId: randomUUID() }),
      mutation(bookingBody('OK-2')),
      mutation({ ...bookingBody('OK-3'), description: 'Dup' }),
    ];
    // The fourth one also repeats a key: refused on its own, like the NUL.
    const text = JSON.stringify({ protocolVersion: 1, mutations: batch.map((m, index) => ({ ...m, sequence: index + 1 })) }).replace(
      '"description":"Dup"',
      '"description":"Dup","description":"Dup"',
    );
    const pushed = await server.raw('POST', '/sync/push', { headers: { authorization: deskAuthorization }, payload: text });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    expect(pushed.body.stoppedAt).toBeNull();
    const answers = pushed.body.answers as { commandId: string; status: number; answer: Record<string, unknown> }[];
    expect(answers.map((a) => [a.commandId, a.status, a.answer.code ?? null])).toEqual([
      [batch[0]!.commandId, 200, null],
      [batch[1]!.commandId, 400, 'invalid-text'],
      [batch[2]!.commandId, 200, null],
      [batch[3]!.commandId, 400, 'duplicate-key'],
    ]);
    expect(String(answers[1]!.answer.message)).toContain('itemCode');
    const stored = await server.scratch.db.query<{ command_id: string }>('SELECT command_id FROM commands WHERE command_id = ANY($1::uuid[])', [
      batch.map((m) => m.commandId),
    ]);
    expect(stored.map((r) => r.command_id).sort()).toEqual([batch[0]!.commandId, batch[2]!.commandId].sort());
    // A NUL in a push's envelope (not inside a mutation's body) refuses the request itself.
    await refusedWritingNothing(
      () =>
        server.raw('POST', '/sync/push', {
          headers: { authorization: deskAuthorization },
          payload: { protocolVersion: 1, mutations: [mutation(bookingBody('OK-4'))], ['x\u0000']: 1 },
        }),
      400,
      'invalid-text',
    );
  });

  it('a mutation that fails for any other reason is recorded as its final 422 and the batch goes on', async () => {
    const [desk] = await server.scratch.db.query<{ credential_hash: string; registry_district: string; scope_changed_xid: string }>(
      'SELECT credential_hash, registry_district, scope_changed_xid::text FROM desks WHERE id = $1',
      [demoIds.deskA],
    );
    // A handler with a bug (here: it throws a TypeError) stands for any failure no retry changes.
    const broken: CommandHandlers = {
      ...handlers,
      'void-booking': () => {
        throw new TypeError('a bug in the handler');
      },
    };
    const deps = {
      db: server.scratch.db,
      handlers: broken,
      scheme: server.state.scheme,
      nationalIdKey: server.state.nationalIdKey,
      services: {
        now: () => new Date(),
        sms: { send: async () => undefined },
        otp: { validityMinutes: 10, maxAttempts: 5, lockoutMinutes: 30, resendSeconds: 60, maxSendsPerHour: 5 },
      },
    };
    const deskPrincipal = {
      deskId: demoIds.deskA,
      hospitalId: demoIds.hospitalA,
      credentialHash: desk!.credential_hash,
      registryDistrict: desk!.registry_district,
      scopeChangedXid: desk!.scope_changed_xid,
    };
    const ok = booking();
    const { commandId: okId, ...okBody } = ok;
    const poisoned = {
      sequence: 2,
      commandId: randomUUID(),
      name: 'void-booking' as const,
      operatorId: medcoId,
      body: { bookingId: ok.bookingId, reason: 'Entered twice' },
    };
    const mutations = [
      { sequence: 1, commandId: okId, name: 'add-booking' as const, operatorId: medcoId, body: okBody },
      poisoned,
      { sequence: 3, commandId: randomUUID(), name: 'add-booking' as const, operatorId: medcoId, body: { ...booking(), commandId: undefined } },
    ].map((mutation) => signer.sign(mutation));
    const logged: string[] = [];
    const first = await applyPush(deps, deskPrincipal, mutations, { logFailure: (_error, commandId) => logged.push(commandId) });
    expect(first.stoppedAt).toBeNull();
    expect(first.answers.map((a) => [a.status, a.answer.code ?? null])).toEqual([
      [200, null],
      [422, 'command-failed'],
      [200, null],
    ]);
    expect(logged).toEqual([poisoned.commandId]);
    // The booking the broken void aimed at is untouched, and a repeat gets the recorded answer.
    const [bookingRow] = await server.scratch.db.query<{ status: string }>('SELECT status FROM bookings WHERE id = $1', [ok.bookingId]);
    expect(bookingRow?.status).not.toBe('voided');
    const again = await applyPush(deps, deskPrincipal, [mutations[1]!]);
    expect(again.answers).toEqual([first.answers[1]]);
  });

  it('the same command with its keys in another order is a replay, not command-id-reused (issue 24 item 12)', async () => {
    for (const [name, body] of [
      ['add-booking', booking()],
      ['admit', { commandId: randomUUID(), caseId: randomUUID(), memberId: demoIds.daughter, identityMethod: 'fingerprint' }],
    ] as const) {
      const first = await server.raw('POST', `/commands/${name}`, { token: medco, payload: body });
      expect(first.status).toBe(200);
      // The desk's outbox order: commandId last, every other key reversed.
      const { commandId, ...rest } = body;
      const reordered = { ...Object.fromEntries(Object.entries(rest).reverse()), commandId };
      expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(body));
      const again = await server.raw('POST', `/commands/${name}`, { token: medco, payload: reordered });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.isReplay).toBe(true);
      expect(again.body).toEqual(first.body);
    }
  });

  it('the idempotency hash is keyed and leaves secrets out; no secret reaches the commands table (issue 13 item 2)', async () => {
    const password = 'correct-horse-battery-staple';
    const body = { commandId: randomUUID(), operatorId: randomUUID(), username: 'hash.probe', displayName: 'Hash probe', password, roles: ['PPD'] };
    expect((await server.raw('POST', '/commands/create-operator', { token: ha, payload: body })).status).toBe(200);
    const [row] = await server.scratch.db.query<{ request_hash: string; answer: unknown }>('SELECT request_hash, answer FROM commands WHERE command_id = $1', [
      body.commandId,
    ]);
    // Not the old unkeyed digest of the body (one guess per hash would crack the password).
    const unkeyed = createHash('sha256').update('create-operator').update('\n').update(JSON.stringify(body)).digest('hex');
    expect(row!.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.request_hash).not.toBe(unkeyed);
    expect(JSON.stringify(row!.answer)).not.toContain(password);
    // The password is not part of the hash: a repeat with another one is the same command (its first answer, one operator).
    const repeat = await server.raw('POST', '/commands/create-operator', { token: ha, payload: { ...body, password: 'another-long-password' } });
    expect(repeat.isReplay).toBe(true);
    const [count] = await server.scratch.db.query<{ n: number }>("SELECT count(*)::int AS n FROM operators WHERE username = 'hash.probe'");
    expect(count?.n).toBe(1);
    // Anything else that differs is another command.
    expect((await server.raw('POST', '/commands/create-operator', { token: ha, payload: { ...body, displayName: 'Other' } })).body.code).toBe(
      'command-id-reused',
    );
    const dump = await server.scratch.db.query<{ text: string }>('SELECT c::text AS text FROM commands c');
    expect(dump.some((r) => r.text.includes(password))).toBe(false);
  });

  it('migration 014 erases unkeyed hashes; an old row still replays for its command and operator only', async () => {
    const body = booking();
    const first = await server.raw('POST', '/commands/add-booking', { token: medco, payload: body });
    expect(first.status).toBe(200);
    const legacy = createHash('sha256').update('add-booking').update('\n').update(JSON.stringify(body)).digest('hex');
    await server.scratch.db.query('UPDATE commands SET request_hash = $2 WHERE command_id = $1', [body.commandId, legacy]);
    await server.scratch.db.script(keyedRequestHash);
    const [row] = await server.scratch.db.query<{ request_hash: string | null }>('SELECT request_hash FROM commands WHERE command_id = $1', [body.commandId]);
    expect(row!.request_hash).toBeNull();
    const replay = await server.raw('POST', '/commands/add-booking', { token: medco, payload: body });
    expect(replay.isReplay).toBe(true);
    expect(replay.body).toEqual(first.body);
    expect((await server.raw('POST', '/commands/discharge', { token: medco, payload: { commandId: body.commandId, caseId } })).body.code).toBe(
      'command-id-reused',
    );
    const other = await server.login('medco.b');
    expect((await server.raw('POST', '/commands/add-booking', { token: other, payload: body })).body.code).toBe('command-id-reused');
  });
});

describe.each(['database', 'handler'] as const)('a replay is byte-identical to the first answer (add-booking via %s, issue 12 item 21)', (via) => {
  let server: TestServer;
  let medco: string;
  const caseId = randomUUID();
  beforeAll(async () => {
    server = await startTestServer(availableBackends[0]!, { addBookingVia: via, extraFamilies: 0 });
    medco = await server.login('medco.a');
  });
  afterAll(async () => server?.close());

  const send = async (name: string, body: Record<string, unknown>) => {
    const response = await server.app.inject({
      method: 'POST',
      url: `/commands/${name}`,
      headers: { authorization: `Bearer ${medco}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    return { status: response.statusCode, text: response.body, isReplay: response.headers['x-command-replayed'] === 'true' };
  };
  const firstAndReplay = async (name: string, body: Record<string, unknown>, status = 200) => {
    const first = await send(name, body);
    expect(first.status, first.text).toBe(status);
    const replay = await send(name, body);
    expect(replay.isReplay).toBe(true);
    expect(replay.status).toBe(status);
    expect(replay.text).toBe(first.text);
    return first.text;
  };

  it('admit, request-preauth, add-booking (covered, shortfall), a rejection and identify-member', async () => {
    await firstAndReplay('admit', { commandId: randomUUID(), caseId, memberId: demoIds.father, identityMethod: 'fingerprint' });
    await firstAndReplay('request-preauth', { commandId: randomUUID(), caseId, packageCode: 'SB001A' });
    const covered = await firstAndReplay('add-booking', {
      commandId: randomUUID(),
      bookingId: randomUUID(),
      caseId,
      itemCode: 'LAB',
      description: 'Blood test',
      quantity: 2,
      unitPrice: 30_000,
    });
    expect(covered).toContain('"coverage":"covered"');
    await firstAndReplay('add-booking', {
      commandId: randomUUID(),
      bookingId: randomUUID(),
      caseId,
      itemCode: 'IMPLANT',
      description: 'Implant',
      quantity: 1,
      unitPrice: 90_000_000,
    });
    await firstAndReplay('admit', { commandId: randomUUID(), caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' }, 409);
    await firstAndReplay('identify-member', { commandId: randomUUID(), by: 'scheme-id', value: 'PMJ-S1000003' });
  });
});
