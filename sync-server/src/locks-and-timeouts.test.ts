import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../tests/support/fault-proxy';
import { buildApp } from './app';
import { demoIds } from './demo/seed';
import { DatabaseBusyError, type Database } from './db/database';
import { openPostgres } from './db/postgres';
import type { SmsGateway } from './identity/sms';
import { ChangeNotifier } from './sync/notifier';
import { occupyConnection } from './testing/busy-pool';
import { resultOf, startTestServer, type TestServer } from './testing/harness';

/** An SMS gateway that holds every message until the test lets it go (or makes it fail). */
class HeldGateway implements SmsGateway {
  readonly sent: string[] = [];
  private waiting: { release: () => void; fail: (error: Error) => void }[] = [];
  private arrived: (() => void)[] = [];

  send(_phone: string, text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({
        release: () => {
          this.sent.push(text);
          resolve();
        },
        fail: reject,
      });
      for (const notify of this.arrived.splice(0)) notify();
    });
  }

  /** Resolves once a message is being held. */
  async held(): Promise<void> {
    if (this.waiting.length > 0) return;
    await new Promise<void>((resolve) => this.arrived.push(resolve));
  }

  releaseAll(): void {
    for (const held of this.waiting.splice(0)) held.release();
  }

  failAll(): void {
    for (const held of this.waiting.splice(0)) held.fail(new Error('gateway said 502'));
  }
}

/**
 * Issue 24 item 7: no lock is held across a network call, and nothing waits without bound
 * (PostgreSQL: PGlite has one connection, so nothing there can wait on a lock).
 */
describe.skipIf(!process.env.DATABASE_URL)('a slow SMS gateway freezes nothing; busy answers 503 (PostgreSQL)', () => {
  let server: TestServer;
  let medco: string;
  let ppd: string;
  const gateway = new HeldGateway();
  const extraDatabases: Database[] = [];

  beforeAll(async () => {
    server = await startTestServer('postgres', { sms: gateway, extraFamilies: 0 });
    medco = await server.login('medco.a');
    ppd = await server.login('ppd');
  });
  afterAll(async () => {
    gateway.releaseAll();
    for (const db of extraDatabases) await db.close();
    await server?.close();
  });

  /** Another server process's view of the same database, with its own connection limits. */
  const otherProcess = async (limits: Parameters<typeof openPostgres>[1]) => {
    const db = openPostgres(server.scratch.url!, limits);
    extraDatabases.push(db);
    return buildApp({ db, notifier: new ChangeNotifier(null), scheme: server.state.scheme, keys: server.state.keys });
  };

  it('while the gateway holds a code for the son, his family admits him, books a shortfall and reads go on', async () => {
    const challengeId = randomUUID();
    const sending = server.command(medco, 'send-otp', { challengeId, memberId: demoIds.son });
    await gateway.held();
    // The code request is committed before the gateway is called.
    const [challenge] = await server.scratch.db.query<{ id: string }>('SELECT id FROM otp_challenges WHERE id = $1', [challengeId]);
    expect(challenge?.id).toBe(challengeId);
    // Inserting the case and the patient share takes a key-share lock on the son's row: with the
    // row held FOR UPDATE across the SMS call, these waited until the gateway answered.
    const caseId = randomUUID();
    resultOf(await server.command(medco, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medco, 'request-preauth', { caseId, packageCode: 'SB001A' }));
    resultOf(await server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
    const shortfall = resultOf(
      await server.command(medco, 'add-booking', {
        bookingId: randomUUID(),
        caseId,
        itemCode: 'IMPLANT',
        description: 'Implant',
        quantity: 1,
        unitPrice: 1_200_000,
      }),
    );
    expect(['partly-covered', 'shortfall']).toContain(shortfall.coverage);
    const [share] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM patient_charges WHERE member_id = $1', [demoIds.son]);
    expect(share?.n).toBeGreaterThan(0);
    expect((await server.get(medco, '/packages')).status).toBe(200);
    expect(gateway.sent).toEqual([]);
    gateway.releaseAll();
    const sent = await sending;
    expect(sent.status).toBe(200);
    expect(gateway.sent).toHaveLength(1);
  });

  it('a gateway failure is recorded on the code request, which then does not hold back a new one', async () => {
    const first = randomUUID();
    const sending = server.command(medco, 'send-otp', { challengeId: first, memberId: demoIds.daughter });
    await gateway.held();
    gateway.failAll();
    expect((await sending).status).toBe(200);
    const [row] = await server.scratch.db.query<{ sms_failed_at: Date | null }>('SELECT sms_failed_at FROM otp_challenges WHERE id = $1', [first]);
    expect(row?.sms_failed_at).not.toBeNull();
    // Not "a code was sent moments ago": none reached the phone.
    const again = server.command(medco, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.daughter });
    await gateway.held();
    gateway.releaseAll();
    expect((await again).status).toBe(200);
  });

  it('every connection carries the time limits; a script (migration, bulk set-up) runs without them and leaves them in place', async () => {
    const db = openPostgres(server.scratch.url!, { maxConnections: 1, lockTimeoutMs: 1_234, statementTimeoutMs: 5_678 });
    extraDatabases.push(db);
    const limits = async () =>
      (
        await db.query<{ lock: string; statement: string }>("SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement")
      )[0];
    expect(await limits()).toEqual({ lock: '1234ms', statement: '5678ms' });
    await db.script("CREATE TEMP TABLE seen AS SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement");
    expect((await db.query('SELECT lock, statement FROM seen'))[0]).toEqual({ lock: '0', statement: '0' });
    expect(await limits()).toEqual({ lock: '1234ms', statement: '5678ms' });
  });

  it('no free connection within the pool wait limit → 503 service-busy with Retry-After, nothing changed', async () => {
    const app = await otherProcess({ maxConnections: 1, poolWaitMs: 1_000 });
    const db = extraDatabases[extraDatabases.length - 1]!;
    const occupied = await occupyConnection(db);
    try {
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseBusyError);
      const answer = await app.inject({ method: 'GET', url: '/packages', headers: { authorization: `Bearer ${medco}` } });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('2');
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'service-busy' });
      expect(String((JSON.parse(answer.body) as { message: string }).message)).toContain('try again');
    } finally {
      await occupied.release();
      await app.close();
    }
  });

  it('a lock held past lock_timeout → 503 service-busy, and the command can be sent again once it is free', async () => {
    const app = await otherProcess({ lockTimeoutMs: 150 });
    const [open] = await server.scratch.db.query<{ id: string }>("SELECT id FROM cases WHERE member_id = $1 AND status = 'admitted'", [demoIds.son]);
    const booking = {
      commandId: randomUUID(),
      bookingId: randomUUID(),
      caseId: open!.id,
      itemCode: 'LAB',
      description: 'Blood test',
      quantity: 1,
      unitPrice: 100,
    };
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/commands/add-booking',
        headers: { authorization: `Bearer ${medco}`, 'content-type': 'application/json' },
        payload: JSON.stringify(booking),
      });
    let finish: () => void = () => undefined;
    let locked: () => void = () => undefined;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = server.scratch.db.transaction(async (sql) => {
      await sql.query('SELECT id FROM cases WHERE id = $1 FOR UPDATE', [open!.id]);
      locked();
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    try {
      await isLocked;
      const busy = await send();
      expect(busy.statusCode, busy.body).toBe(503);
      expect(JSON.parse(busy.body)).toMatchObject({ code: 'service-busy' });
      const [stored] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM commands WHERE command_id = $1', [booking.commandId]);
      expect(stored?.n).toBe(0);
    } finally {
      finish();
      await holding;
    }
    expect((await send()).statusCode).toBe(200);
    await app.close();
  });

  it('the database gone (a failover) → 503 database-unavailable, nothing changed; back, the same pool serves again', async () => {
    // The server's connections go through a TCP proxy that can cut them all, as HAProxy does when
    // the leader fails its check (issue 18, docs/operations.md "High availability").
    const direct = new URL(server.scratch.url!);
    const proxy = new FaultProxy(Number(direct.port || 5432));
    await proxy.start();
    const proxied = new URL(direct);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const db = openPostgres(proxied.toString(), { maxConnections: 4, poolWaitMs: 2_000 });
    extraDatabases.push(db);
    const app = await buildApp({ db, notifier: new ChangeNotifier(null), scheme: server.state.scheme, keys: server.state.keys });
    const [open] = await server.scratch.db.query<{ id: string }>("SELECT id FROM cases WHERE member_id = $1 AND status = 'admitted'", [demoIds.son]);
    const booking = {
      commandId: randomUUID(),
      bookingId: randomUUID(),
      caseId: open!.id,
      itemCode: 'LAB',
      description: 'Blood test',
      quantity: 1,
      unitPrice: 100,
    };
    const read = () => app.inject({ method: 'GET', url: '/packages', headers: { authorization: `Bearer ${medco}` } });
    const write = () =>
      app.inject({
        method: 'POST',
        url: '/commands/add-booking',
        headers: { authorization: `Bearer ${medco}`, 'content-type': 'application/json' },
        payload: JSON.stringify(booking),
      });
    try {
      expect((await read()).statusCode).toBe(200);
      expect(db.pool!.stats().total).toBeGreaterThan(0);
      proxy.setOffline(true);
      const readAnswer = await read();
      expect(readAnswer.statusCode, readAnswer.body).toBe(503);
      expect(readAnswer.headers['retry-after']).toBe('2');
      expect(JSON.parse(readAnswer.body)).toMatchObject({ code: 'database-unavailable' });
      expect(String((JSON.parse(readAnswer.body) as { message: string }).message)).toContain('Nothing was changed');
      const writeAnswer = await write();
      expect(writeAnswer.statusCode, writeAnswer.body).toBe(503);
      expect(JSON.parse(writeAnswer.body)).toMatchObject({ code: 'database-unavailable' });
      expect(String((JSON.parse(writeAnswer.body) as { message: string }).message)).toContain('same command id');
      const [stored] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM commands WHERE command_id = $1', [booking.commandId]);
      expect(stored?.n).toBe(0);
      // The connections cut under the pool were dropped, not handed out again: once the database
      // answers, the next requests get new connections and succeed, with no restart.
      proxy.setOffline(false);
      expect((await read()).statusCode).toBe(200);
      const applied = await write();
      expect(applied.statusCode, applied.body).toBe(200);
      expect(applied.headers['x-command-replayed']).toBeUndefined();
      const again = await write();
      expect(again.statusCode).toBe(200);
      expect(again.headers['x-command-replayed']).toBeDefined();
      const [once] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings WHERE id = $1', [booking.bookingId]);
      expect(once?.n).toBe(1);
    } finally {
      await app.close();
      await proxy.stop();
    }
  });

  it('a booking committed whose answer the database never delivered: 503, then sent again, replayed, applied once', async () => {
    // A TCP proxy in front of PostgreSQL that, once the statement carrying the booking's id has
    // gone to the database, cuts the connection instead of delivering the database's answer: the
    // statement committed (autocommit: at Sync, before any answer is flushed) and the server never
    // learns it, as when the primary dies between its commit and its answer (issue 18).
    const direct = new URL(server.scratch.url!);
    let cutAfter: string | null = null;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(direct.port || 5432), '127.0.0.1');
      sockets.add(client).add(upstream);
      let isCutting = false;
      client.on('data', (chunk: Buffer) => {
        if (cutAfter && chunk.includes(cutAfter)) {
          isCutting = true;
          cutAfter = null;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (isCutting) {
          client.destroy();
          upstream.destroy();
        } else client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    const proxied = new URL(direct);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(typeof address === 'object' && address ? address.port : 0);
    const db = openPostgres(proxied.toString(), { maxConnections: 2 });
    extraDatabases.push(db);
    const app = await buildApp({ db, notifier: new ChangeNotifier(null), scheme: server.state.scheme, keys: server.state.keys });
    const [open] = await server.scratch.db.query<{ id: string }>("SELECT id FROM cases WHERE member_id = $1 AND status = 'admitted'", [demoIds.son]);
    const booking = {
      commandId: randomUUID(),
      bookingId: randomUUID(),
      caseId: open!.id,
      itemCode: 'LAB',
      description: 'Blood test',
      quantity: 1,
      unitPrice: 100,
    };
    const write = () =>
      app.inject({
        method: 'POST',
        url: '/commands/add-booking',
        headers: { authorization: `Bearer ${medco}`, 'content-type': 'application/json' },
        payload: JSON.stringify(booking),
      });
    try {
      cutAfter = booking.bookingId;
      const lost = await write();
      expect(lost.statusCode, lost.body).toBe(503);
      expect(JSON.parse(lost.body)).toMatchObject({ code: 'database-unavailable' });
      expect(String((JSON.parse(lost.body) as { message: string }).message)).toContain('may or may not have been recorded');
      // It was recorded: the command with its answer, and the booking.
      const [stored] = await server.scratch.db.query<{ http_status: number }>('SELECT http_status FROM commands WHERE command_id = $1', [booking.commandId]);
      expect(stored?.http_status).toBe(200);
      // Sent again under the same command id: its first answer, replayed; the booking exists once.
      const again = await write();
      expect(again.statusCode, again.body).toBe(200);
      expect(again.headers['x-command-replayed']).toBe('true');
      const [once] = await server.scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings WHERE id = $1', [booking.bookingId]);
      expect(once?.n).toBe(1);
    } finally {
      await app.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
