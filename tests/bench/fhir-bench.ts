/**
 * `npm run bench:fhir` — pre-auth decisions per second through /fhir (Claim/$submit: admit +
 * pre-auth + hold in one command, the body checked against the R4 definitions) against the native
 * command API (POST /commands/admit then /commands/request-preauth: the same decision in two
 * commands), on the same PostgreSQL database (DATABASE_URL, default the local test database), in
 * one run, over HTTP on a real socket. Not a test: it prints a table and writes
 * bench-results/fhir.json.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { demoIds } from '../../sync-server/src/demo/seed';
import { warmUpR4Definitions } from '../../sync-server/src/fhir/r4-definitions';
import { hospitalSystemToken, preauthClaim, registerHospitalSystem } from '../../sync-server/src/testing/fhir';
import { startTestServer } from '../../sync-server/src/testing/harness';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const decisions = Number(process.env.BENCH_DECISIONS ?? 600);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function main(): Promise<void> {
  warmUpR4Definitions();
  const server = await startTestServer('postgres', { extraFamilies: Math.ceil((decisions * 2 + 100) / 3) });
  try {
    const ha = await server.login('ha');
    const fhirToken = await hospitalSystemToken(server, await registerHospitalSystem(server, ha, demoIds.hospitalA));
    const deskToken = await server.login('medco.a');
    // Members with a whole cover each: one decision per member (one active case per member).
    const members = await server.scratch.db.query<{ id: string }>('SELECT m.id FROM members m WHERE m.family_id <> $1 ORDER BY m.id LIMIT $2', [
      demoIds.seedFamily,
      decisions * 2,
    ]);
    if (members.length < decisions * 2) throw new Error(`only ${members.length} members for ${decisions * 2} decisions`);
    const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const dispatcher = new Agent({ connections: concurrency });
    const post = async (path: string, token: string, body: unknown, type: string) => {
      const answer = await request(`${address}${path}`, {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body: JSON.stringify(body),
      });
      const text = await answer.body.text();
      if (answer.statusCode !== 200) throw new Error(`${path}: ${answer.statusCode} ${text.slice(0, 300)}`);
    };
    const run = async (name: string, batch: readonly { id: string }[], decide: (memberId: string) => Promise<void>) => {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < batch.length) await decide(batch[next++]!.id);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      return { name, decisions: batch.length, seconds: Number(seconds.toFixed(2)), perSecond: Number((batch.length / seconds).toFixed(1)) };
    };
    const native = await run('native: admit + request-preauth', members.slice(0, decisions), async (memberId) => {
      const caseId = randomUUID();
      await post('/commands/admit', deskToken, { commandId: randomUUID(), caseId, memberId, identityMethod: 'document' }, 'application/json');
      await post('/commands/request-preauth', deskToken, { commandId: randomUUID(), caseId, packageCode: 'MG012A' }, 'application/json');
    });
    const fhir = await run('/fhir: Claim/$submit (preauthorization)', members.slice(decisions), async (memberId) => {
      await post('/fhir/Claim/$submit', fhirToken, preauthClaim(randomUUID(), memberId, demoIds.hospitalA, 'MG012A'), 'application/fhir+json');
    });
    const ratio = Number((fhir.perSecond / native.perSecond).toFixed(2));
    console.table([native, fhir]);
    console.log(`ratio /fhir ÷ native = ${ratio} (target ≥ 0.7), concurrency ${concurrency}, PostgreSQL ${server.scratch.db.location}`);
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/fhir.json', `${JSON.stringify({ at: new Date().toISOString(), concurrency, native, fhir, ratio }, null, 2)}\n`);
    await dispatcher.close();
  } finally {
    await server.close();
  }
}

await main();
