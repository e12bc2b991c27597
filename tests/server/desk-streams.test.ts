import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../../sync-server/src/demo/seed';
import { createScratchDatabase, hasPostgres, type ScratchDatabase } from '../../sync-server/src/testing/databases';
import { DeskStream, seedStreamDesks } from '../support/desk-stream';
import { login, postJson, startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * `npm run bench:streams` at a small bound (issue 18), asserting what does not depend on the
 * machine's speed: one server process holds 200 desk event streams, one booking's poke reaches
 * every one of them, and the streams cost no database connection each (pg_stat_activity stays
 * within the server's pool and its LISTEN connection). Needs PostgreSQL (DATABASE_URL).
 */
const streamCount = 200;
const poolSize = 4;

describe.skipIf(!hasPostgres)(`desk event streams on one server process (${hasPostgres ? 'postgres' : 'postgres: skipped, DATABASE_URL is not set'})`, () => {
  let scratch: ScratchDatabase;
  let server: ServerProcess;
  let watcher: pg.Client;
  let authorization: (i: number) => string;
  let serverStartedAt: Date;
  const streams: DeskStream[] = [];
  const connections = async () =>
    Number(
      // The server's connections: those opened since it started (the seeding pool's are older and idle).
      (
        await watcher.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_start >= $2', [
          new URL(scratch.url!).pathname.slice(1),
          serverStartedAt,
        ])
      ).rows[0]!.n,
    );
  const open = (i: number) =>
    new Promise<string | undefined>((resolve) => {
      streams.push(new DeskStream(server.port, authorization(i), (_stream, error) => resolve(error)));
    });
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase('postgres', { maxConnections: 2 });
    authorization = await seedStreamDesks(scratch, streamCount);
    watcher = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await watcher.connect();
    serverStartedAt = (await watcher.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    server = await startServerProcess({ DATABASE_URL: scratch.url!, DATABASE_POOL_SIZE: String(poolSize) });
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await server?.stop();
    await watcher?.end();
    await scratch?.drop();
  });

  it(`holds ${streamCount} streams with no database connection each, and pokes every one after a booking`, async () => {
    const errors = [];
    for (let i = 1; i <= streamCount; i += 50) errors.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => open(i + k)))));
    expect(errors.filter(Boolean)).toEqual([]);
    expect(streams.filter((s) => s.isOpen && !s.isClosed)).toHaveLength(streamCount);
    // The server's pool and its LISTEN connection (so at least one is seen), however many streams are open.
    const held = await connections();
    expect(held).toBeGreaterThanOrEqual(1);
    expect(held).toBeLessThanOrEqual(poolSize + 1);

    const medco = await login(server.url, 'medco.a');
    const ppd = await login(server.url, 'ppd');
    const caseId = randomUUID();
    const command = async (token: string, name: string, body: Record<string, unknown>) =>
      expect((await postJson(`${server.url}/commands/${name}`, { commandId: randomUUID(), ...body }, token)).status).toBe(200);
    await command(medco, 'admit', { caseId, memberId: demoIds.father, identityMethod: 'fingerprint' });
    await command(medco, 'request-preauth', { caseId, packageCode: 'MG012A' });
    await command(ppd, 'decide-preauth', { caseId, decision: 'approve' });
    // Every stream has heard those; one more decision, and every stream hears it too.
    await until(() => streams.every((s) => s.pokes > 0));
    const before = streams.map((s) => s.pokes);
    await command(medco, 'add-booking', { bookingId: randomUUID(), caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: 100 });
    await until(() => streams.every((s, i) => s.pokes > before[i]!));
    expect(streams.filter((s) => s.isClosed)).toEqual([]);
    expect(await connections()).toBeLessThanOrEqual(poolSize + 1);
  });
});
