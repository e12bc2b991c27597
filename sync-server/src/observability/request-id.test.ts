import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { hasPostgres } from '../testing/databases';
import { startTestServer, type TestServer } from '../testing/harness';
import { withRequestId } from './request-context';

/**
 * Issue 23: one request id from the desk, through the server's log lines and its transactions,
 * back in the answer. PostgreSQL: the transactions' application_name is what PostgreSQL's own
 * logs and pg_stat_activity show.
 */
describe.skipIf(!hasPostgres)('the request id, from the desk to the statements and back (postgres)', () => {
  let server: TestServer;
  const log: string[] = [];

  beforeAll(async () => {
    server = await startTestServer('postgres', {
      extraFamilies: 0,
      logStream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      }),
    });
  });
  afterAll(async () => server?.close());

  const admit = async (headers: Record<string, string>) => {
    const token = await server.login('medco.a');
    return server.app.inject({
      method: 'POST',
      url: '/commands/admit',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ commandId: randomUUID(), caseId: randomUUID(), memberId: demoIds.son, identityMethod: 'fingerprint' }),
    });
  };

  it("answers with the desk's id and writes it on every log line of the request", async () => {
    const answer = await admit({ 'x-request-id': 'desk-b0d1.4f2a_9c' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['x-request-id']).toBe('desk-b0d1.4f2a_9c');
    const lines = log.map((line) => JSON.parse(line) as { reqId?: string; msg?: string });
    const ours = lines.filter((line) => line.reqId === 'desk-b0d1.4f2a_9c');
    expect(ours.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
  });

  it('gives a request without an acceptable id a fresh one (never an error)', async () => {
    for (const sent of [undefined, 'short', 'has spaces in it', "x'; DROP TABLE cases; --", 'a'.repeat(65)]) {
      const answer = await admit(sent === undefined ? {} : { 'x-request-id': sent });
      expect(answer.statusCode).toBe(409); // the son is admitted by the first test
      const id = String(answer.headers['x-request-id']);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(id).not.toBe(sent);
    }
  });

  it("names each transaction of a request by the request's id, and leaves other transactions unnamed", async () => {
    const nameIn = () => server.scratch.db.transaction((sql) => sql.query<{ name: string }>("SELECT current_setting('application_name') AS name"));
    expect(await withRequestId('desk-b0d1.4f2a_9c', nameIn)).toEqual([{ name: 'coverdesk desk-b0d1.4f2a_9c' }]);
    const [outside] = await nameIn();
    expect(outside!.name).not.toContain('desk-b0d1');
    // SET LOCAL: the name ends with the transaction; the pooled connection does not keep it.
    const [later] = await server.scratch.db.query<{ name: string }>("SELECT current_setting('application_name') AS name");
    expect(later!.name).not.toContain('coverdesk desk-b0d1');
  });
});
