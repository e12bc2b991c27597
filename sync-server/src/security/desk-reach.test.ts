import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { lookupLimits } from '../identity/lookup-limits';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

/** Every table, once the background audit chainer has linked what was written before. */
const settledSnapshot = async (server: TestServer) => {
  await settleAuditChain(server.scratch.db);
  return snapshotDatabase(server.scratch.db);
};

/**
 * Attacks by a desk operator beyond their work (issue 13 item 8). Before: any MEDCO token read any
 * family's balance scheme-wide — with other hospitals' case and member ids — sent one-time codes
 * to any member, and looked up as many beneficiaries as it liked (scheme and card ids are
 * sequential). Now a desk role reaches the families its hospital serves (a case there, a member it
 * identified, the districts its desks replicate), other hospitals' cases show as amounts only,
 * and lookups and codes are limited per operator and per member.
 *
 * The demo: hospital A is in Pune, hospital B in Satara; the S1 family lives in Pune.
 */
describeEachBackend('what a desk role may reach (%s)', (backend) => {
  let server: TestServer;
  let deskA: string;
  let deskB: string;
  const fatherCase = randomUUID();
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 30 });
    deskA = await server.login('medco.a');
    deskB = await server.login('medco.b');
    resultOf(await server.command(deskA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(deskA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
  });
  afterAll(async () => server?.close());

  const balance = (token: string) => server.get(token, `/families/${demoIds.seedFamily}/balance`);

  it('a Satara desk cannot read a Pune family it has nothing to do with, nor send its members codes; writing nothing', async () => {
    // Before: 200 with the father's case id and member id at hospital A.
    const read = await balance(deskB);
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.body)).not.toContain(fatherCase);
    const before = await settledSnapshot(server);
    // Before: 200, a code texted to the family's phone on a Satara operator's say-so.
    const otp = await server.command(deskB, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.son });
    expect(otp.status).toBe(404);
    expect(otp.body).toMatchObject({ code: 'not-found', message: expect.stringMatching(/your hospital serves/) });
    expect(await settledSnapshot(server)).toEqual(before);
    // The scheme-wide roles and the family's own hospital still read it.
    expect((await balance(deskA)).status).toBe(200);
    expect((await balance(await server.login('ppd'))).status).toBe(200);
  });

  it("once it identifies the patient it is admitting, it reaches the family: other hospitals' cases as amounts only; the lookup is audited", async () => {
    resultOf(await server.command(deskB, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000002' }));
    const read = await balance(deskB);
    expect(read.status).toBe(200);
    const holds = read.body.holds as Record<string, unknown>[];
    expect(holds).toEqual([expect.objectContaining({ caseId: null, memberId: null, hospitalCode: 'HSP-A', isOwnHospital: false, amount: 600_000 })]);
    expect(JSON.stringify(read.body)).not.toContain(fatherCase);
    // Hospital A sees its own case.
    expect((await balance(deskA)).body.holds).toEqual([expect.objectContaining({ caseId: fatherCase, memberId: demoIds.father, isOwnHospital: true })]);
    const [lookup] = await server.scratch.db.query<{ actor: string; entity_id: string }>(
      "SELECT o.username AS actor, a.entity_id FROM audit_log a JOIN operators o ON o.id = a.actor_id WHERE a.action = 'member-identified' ORDER BY a.id DESC LIMIT 1",
    );
    expect(lookup).toEqual({ actor: 'medco.b', entity_id: demoIds.mother });
    expect((await server.command(deskB, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.son })).status).toBe(200);
  });

  it("walking through scheme ids: past the operator's limit a lookup is refused (429) and writes nothing", async () => {
    const ids = (
      await server.scratch.db.query<{ scheme_member_id: string }>(
        "SELECT scheme_member_id FROM members WHERE scheme_member_id NOT LIKE 'PMJ-S1%' ORDER BY scheme_member_id LIMIT $1",
        [lookupLimits.lookupsPerOperator + 1],
      )
    ).map((row) => row.scheme_member_id);
    expect(ids).toHaveLength(lookupLimits.lookupsPerOperator + 1);
    const walker = await server.login('medco.a');
    for (const value of ids.slice(0, -1)) expect((await server.command(walker, 'identify-member', { by: 'scheme-id', value })).status).toBe(200);
    const before = await settledSnapshot(server);
    // Before: the walk went on through the whole scheme.
    const refused = await server.command(walker, 'identify-member', { by: 'scheme-id', value: ids.at(-1)! });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'too-many-requests', details: { retryAfterSeconds: expect.any(Number) } });
    expect(await settledSnapshot(server)).toEqual(before);
    // Every lookup of the walk is in the audit log.
    const [audited] = await server.scratch.db.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM audit_log a JOIN operators o ON o.id = a.actor_id WHERE o.username = 'medco.a' AND a.action = 'member-identified'",
    );
    expect(audited?.count).toBe(lookupLimits.lookupsPerOperator);
  });

  it("one member looked up over and over, by several operators: refused past the member's limit", async () => {
    const operators = await Promise.all(['ppd', 'cex', 'ha'].map((name) => server.login(name)));
    for (let n = 0; n < lookupLimits.lookupsPerMember; n += 1) {
      expect((await server.command(operators[n % operators.length]!, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000004' })).status).toBe(200);
    }
    const refused = await server.command(operators[0]!, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000004' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'too-many-requests', message: expect.stringMatching(/This beneficiary was looked up/) });
  });

  it("one-time codes: past the operator's limit a send is refused (429), sends nothing and records nothing", async () => {
    // Members of Pune families (hospital A's district), each asked for once (their own resend limits stay out of it).
    const members = (
      await server.scratch.db.query<{ id: string }>(
        "SELECT m.id FROM members m JOIN families f ON f.id = m.family_id WHERE f.district = 'Pune' AND m.family_id <> $1 ORDER BY m.id LIMIT $2",
        [demoIds.seedFamily, lookupLimits.otpSendsPerOperatorPerHour + 1],
      )
    ).map((row) => row.id);
    expect(members).toHaveLength(lookupLimits.otpSendsPerOperatorPerHour + 1);
    const sender = await server.login('medco.a');
    for (const memberId of members.slice(0, -1)) expect((await server.command(sender, 'send-otp', { challengeId: randomUUID(), memberId })).status).toBe(200);
    const challenges = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM otp_challenges');
    const refused = await server.command(sender, 'send-otp', { challengeId: randomUUID(), memberId: members.at(-1)! });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'too-many-requests', message: expect.stringMatching(/one-time codes/) });
    expect(await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM otp_challenges')).toEqual(challenges);
  });
});
