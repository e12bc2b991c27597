import { createHmac, hkdfSync } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openBiometric } from '../../node-shared/biometric-seal';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { admitForEnrolment } from '../testing/enrolment';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';

/**
 * Attack (issue 13, item 1): someone holding only a copy of the database — a backup, a dump, a
 * replica — takes every value that could be a key and tries to forge an HA token and to open a
 * sealed fingerprint. Before the keys left the database (`server_secrets`) both worked; now the
 * dump holds no key, so both fail. The attacker knows the code, so every token layout this server
 * ever used and every key id is tried.
 */
const template = Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 53 + 7) % 256));

/** Every text cell of every table whose value decodes as base64 to 32 bytes or more: key-shaped. */
async function keyShapedValuesOfDump(server: TestServer): Promise<Buffer[]> {
  const tables = await server.scratch.db.query<{ name: string }>(
    "SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const found: Buffer[] = [];
  for (const { name } of tables) {
    const rows = await server.scratch.db.query<Record<string, unknown>>(`SELECT * FROM ${name}`);
    for (const row of rows) {
      for (const value of Object.values(row)) {
        if (typeof value !== 'string' || !/^[A-Za-z0-9+/]{43,88}={0,2}$/.test(value)) continue;
        const bytes = Buffer.from(value, 'base64');
        if (bytes.length >= 32 && bytes.length <= 64) found.push(bytes);
      }
    }
  }
  return found;
}

function forgedTokens(key: Buffer, operatorId: string): string[] {
  const claims = Buffer.from(JSON.stringify({ sub: operatorId, roles: ['HA'], hospitalId: null, exp: Math.floor(Date.now() / 1000) + 600 })).toString(
    'base64url',
  );
  const unversioned = `${claims}.${createHmac('sha256', key).update(claims).digest('base64url')}`;
  const withKeyIds = ['k0', 'k1', 'k2', 'default', 'current'].map(
    (id) => `${id}.${claims}.${createHmac('sha256', key).update(`${id}.${claims}`).digest('base64url')}`,
  );
  return [unversioned, ...withKeyIds];
}

describeEachBackend('a database dump alone (%s)', (backend) => {
  let server: TestServer;
  let haOperatorId = '';

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    const medco = await server.login('medco.a');
    const scope = await admitForEnrolment(server, medco, 'medco.a', demoIds.father);
    resultOf(await server.command(medco, 'enroll-fingerprint', { memberId: demoIds.father, ...scope, template: template.toString('base64') }));
    const [ha] = await server.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'ha'");
    haOperatorId = ha!.id;
  });
  afterAll(async () => server?.close());

  it('forges no HA token from any key-shaped value it holds', async () => {
    const candidates = await keyShapedValuesOfDump(server);
    const accepted: string[] = [];
    for (const key of candidates) {
      for (const token of forgedTokens(key, haOperatorId)) {
        const answer = await server.raw('GET', '/reports/reconciliation', { token });
        if (answer.status !== 401) accepted.push(`${answer.status} with a key from the dump`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('opens no sealed fingerprint with any key-shaped value it holds, used directly or as the at-rest derivation did', async () => {
    const candidates = await keyShapedValuesOfDump(server);
    const [row] = await server.scratch.db.query<{ sealed: string }>(
      "SELECT sealed FROM biometric_enrolments WHERE member_id = $1 AND modality = 'fingerprint'",
      [demoIds.father],
    );
    const sealed = row!.sealed.replace(/^v2:[^:]+:/, '');
    const opened: number[] = [];
    for (const [index, key] of candidates.entries()) {
      for (const attempt of [key.subarray(0, 32), Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'coverdesk biometric at rest v1', 32))]) {
        try {
          if (openBiometric(attempt, demoIds.father, 'fingerprint', sealed).equals(template)) opened.push(index);
        } catch {
          // the expected outcome: this value is not the key
        }
      }
    }
    expect(opened).toEqual([]);
  });
});
