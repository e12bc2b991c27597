import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql as keptAsIds } from '../db/migrations/026-identify-answers-kept-as-ids';
import { describeEachBackend } from '../testing/backends';
import { startTestServer, type TestServer } from '../testing/harness';

/**
 * Issue 13 item 12: `commands.answer` kept every identify-member result — the patient's name, birth
 * year and the whole family's — so a copy of the commands table (a dump, a replica, a DBA) listed
 * who was looked up where. The attack: read the table. Now it keeps ids, and a retry still answers.
 */
describeEachBackend('identify-member answers are not kept with personal data (%s)', (backend) => {
  let server: TestServer;
  let medco: string;
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
    medco = await server.login('medco.a');
  });
  afterAll(async () => server?.close());

  const storedAnswer = async (commandId: string) =>
    (await server.scratch.db.query<{ answer: string }>('SELECT answer::text AS answer FROM commands WHERE command_id = $1', [commandId]))[0]?.answer ?? '';

  it('a dump of the commands table names nobody, and a retry of the same command id gets the whole answer', async () => {
    const commandId = randomUUID();
    const first = await server.command(medco, 'identify-member', { commandId, by: 'scheme-id', value: 'PMJ-S1000001' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ result: { member: { fullName: 'Ramesh Patil', birthYear: 1978 } } });

    const stored = await storedAnswer(commandId);
    // Before: the row held {"result":{"member":{"fullName":"Ramesh Patil","birthYear":1978,…},"family":{"members":[…]}}}.
    expect(stored).not.toMatch(/Patil|Ramesh|Sunita|1978|fullName|birthYear|PMJ-S100000/);
    expect(JSON.parse(stored)).toEqual({
      commandId,
      command: 'identify-member',
      kept: { memberId: (first.body.result as { member: { memberId: string } }).member.memberId },
    });

    const retry = await server.command(medco, 'identify-member', { commandId, by: 'scheme-id', value: 'PMJ-S1000001' });
    expect(retry.isReplay).toBe(true);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    // The repeat showed the member again: it is audited as a lookup too.
    const lookups = await server.scratch.db.query<{ after: Record<string, unknown> }>(
      "SELECT after FROM audit_log WHERE action = 'member-identified' AND command_id = $1 ORDER BY id",
      [commandId],
    );
    expect(lookups.map((row) => row.after)).toEqual([{ by: 'scheme-id' }, { isReplay: true }]);
  });

  it('migration 026 rewrites the answers stored before it, and those still replay', async () => {
    const commandId = randomUUID();
    const first = await server.command(medco, 'identify-member', { commandId, by: 'scheme-id', value: 'PMJ-S1000002' });
    expect(first.status).toBe(200);
    // As the old runner stored it: the whole first answer.
    await server.scratch.db.query('UPDATE commands SET answer = $2 WHERE command_id = $1', [commandId, JSON.stringify(first.body)]);
    expect(await storedAnswer(commandId)).toMatch(/fullName/);
    await server.scratch.db.script(keptAsIds);
    const stored = await storedAnswer(commandId);
    expect(stored).not.toMatch(/fullName|birthYear|Patil/);
    expect(JSON.parse(stored)).toMatchObject({ commandId, command: 'identify-member', kept: { memberId: expect.any(String) } });
    const retry = await server.command(medco, 'identify-member', { commandId, by: 'scheme-id', value: 'PMJ-S1000002' });
    expect(retry.isReplay).toBe(true);
    expect(retry.body).toEqual(first.body);
  });
});
