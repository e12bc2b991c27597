import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, hasPostgres, type ScratchDatabase } from '../../sync-server/src/testing/databases';
import { FaultProxy } from '../support/fault-proxy';
import { startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * A sync server started while its database cannot be reached (issue 18: PostgreSQL still
 * starting, or a failover under way) waits for it, saying so, and starts once it answers — it
 * used to exit at once. The database sits behind a TCP proxy that refuses every connection until
 * the test lets them through; nothing here depends on how long either side takes.
 */
describe.skipIf(!hasPostgres)(
  `server boot while the database is unreachable (${hasPostgres ? 'postgres' : 'postgres: skipped, DATABASE_URL is not set'})`,
  () => {
    let scratch: ScratchDatabase;
    let proxy: FaultProxy;
    let server: ServerProcess | undefined;

    beforeAll(async () => {
      scratch = await createScratchDatabase('postgres', { maxConnections: 1 });
      proxy = new FaultProxy(Number(new URL(scratch.url!).port || 5432));
      await proxy.start();
      proxy.setOffline(true);
    });
    afterAll(async () => {
      await server?.stop();
      await proxy?.stop();
      await scratch?.drop();
    });

    it('waits, saying so, and starts once the database answers', async () => {
      const url = new URL(scratch.url!);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      const starting = startServerProcess({ DATABASE_URL: url.toString(), DATABASE_BOOT_WAIT_S: '600' }, { timeoutMs: 600_000 });
      // The server process is up and has been refused twice: it is waiting, not gone.
      while (proxy.refused < 2) await new Promise((resolve) => setTimeout(resolve, 100));
      proxy.setOffline(false);
      server = await starting;
      const output = server.output();
      expect(output).toMatch(/Waiting for the database at .+ \(attempt 1: /);
      expect(output).toMatch(/The database answers \(after \d+ failed attempts?\)/);
      expect(output).toContain('Listening on');
    });
  },
);
