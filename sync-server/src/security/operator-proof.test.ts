import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { keyRegistrationBytes, mutationProofBytes, newOperatorKeyPair, privateKeyOf, signBytes } from '../../node-shared/operator-proof';
import { operatorKeyLifetimeMs } from '../sync/operator-keys';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { admitForEnrolment } from '../testing/enrolment';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

const settledSnapshot = async (server: TestServer) => {
  await settleAuditChain(server.scratch.db);
  return snapshotDatabase(server.scratch.db);
};

type Answer = { commandId: string; status: number; answer: { code?: string; message?: string; details?: { reason?: string } } };

/**
 * Issue 13 item 4: a desk credential acted as any operator of its hospital. `/sync/push`,
 * `/sync/identify` and `/sync/online` took `operatorId` from the body, so whoever held a desk's
 * files (a stolen laptop: the credential file and the replica) admitted, claimed and looked people
 * up as any operator of that hospital, and pulled every template of the desk's scope.
 *
 * On the old code (main at eea4676) each attack below succeeded: the unsigned admit as another
 * operator answered 200 and wrote the case, the replayed mutation under another operator id ran as
 * that operator, an identify and an online one-time code ran for any operator id, and a pull with
 * the credential alone carried the biometrics table. Now every one is refused with 403
 * `operator-proof-refused` (a reason and a sentence) and writes nothing.
 */
describeEachBackend('operator proof on what a desk sends (%s)', (backend) => {
  let server: TestServer;
  let clockMs = Date.now();
  let desk: string;
  let medcoA: OperatorSigner;
  let otherOperatorId: string;
  const push = (mutations: object[]) => server.raw('POST', '/sync/push', { headers: { authorization: desk }, payload: { protocolVersion: 1, mutations } });
  const answersOf = (pushed: { body: Record<string, unknown> }) => pushed.body.answers as Answer[];
  const admit = (operatorId: string, memberId: string = demoIds.son) => ({
    sequence: 1,
    commandId: randomUUID(),
    name: 'admit',
    operatorId,
    body: { caseId: randomUUID(), memberId, identityMethod: 'fingerprint' },
  });

  beforeAll(async () => {
    server = await startTestServer(backend, { clock: () => new Date(clockMs), extraFamilies: 0 });
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    desk = `Desk ${String(enrolled.body.credential)}`;
    // The desk's regular operator signed in here online: the desk holds their key, sealed under their password.
    medcoA = await registerOperatorKey(server, desk, 'medco.a');
    otherOperatorId = randomUUID();
    resultOf(
      await server.command(ha, 'create-operator', {
        operatorId: otherOperatorId,
        username: 'medco.a2',
        displayName: 'Second desk A operator',
        password: 'another-long-password',
        roles: ['MEDCO'],
        hospitalId: demoIds.hospitalA,
      }),
    );
  });
  afterAll(async () => server?.close());

  it("with only the desk's credential, an admission pushed as any operator of the hospital is refused and writes nothing", async () => {
    const before = await settledSnapshot(server);
    // Unsigned, as the old desk sent it — as the operator whose key the desk holds, and as another.
    const unsigned = await push([admit(medcoA.operatorId), { ...admit(otherOperatorId), sequence: 2 }]);
    expect(unsigned.status).toBe(200);
    expect(answersOf(unsigned).map((a) => [a.status, a.answer.code, a.answer.details?.reason])).toEqual([
      [403, 'operator-proof-refused', 'missing'],
      [403, 'operator-proof-refused', 'missing'],
    ]);
    expect(answersOf(unsigned)[0]!.answer.message).toMatch(/no signature of its operator/);
    // A made-up proof, and one signed by a key of the attacker's own under the operator's key id.
    const forged = admit(medcoA.operatorId);
    const attackerKey = privateKeyOf(newOperatorKeyPair().privateKeyDer);
    const createdAt = new Date(clockMs).toISOString();
    const attackerSignature = signBytes(attackerKey, mutationProofBytes({ deskId: demoIds.deskA, ...forged }, medcoA.keyId, createdAt));
    const invented = await push([
      { ...forged, proof: { keyId: randomUUID(), createdAt, signature: randomBytes(64).toString('base64url') } },
      { ...forged, sequence: 2, proof: { keyId: medcoA.keyId, createdAt, signature: attackerSignature } },
    ]);
    expect(answersOf(invented).map((a) => [a.status, a.answer.details?.reason])).toEqual([
      [403, 'unknown-key'],
      [403, 'bad-signature'],
    ]);
    // Nor can the attacker get a key of their own: registration needs the operator's sign-in token.
    const keys = newOperatorKeyPair();
    const possession = signBytes(privateKeyOf(keys.privateKeyDer), keyRegistrationBytes(demoIds.deskA, medcoA.operatorId, keys.publicKey));
    const registration = await server.raw('POST', '/sync/operator-keys', {
      headers: { 'x-coverdesk-desk': desk },
      payload: { publicKey: keys.publicKey, possession },
    });
    expect(registration.status).toBe(401);
    // A member search and a one-time code, as any operator: refused too.
    const identify = await server.raw('POST', '/sync/identify', {
      headers: { authorization: desk },
      payload: { operatorId: medcoA.operatorId, by: 'scheme-id', value: 'PMJ-S1000004' },
    });
    expect([identify.status, identify.body.code, (identify.body.details as { reason?: string } | undefined)?.reason]).toEqual([
      403,
      'operator-proof-refused',
      'missing',
    ]);
    const otp = await server.raw('POST', '/sync/online', {
      headers: { authorization: desk },
      payload: { operatorId: medcoA.operatorId, name: 'send-otp', body: { commandId: randomUUID(), challengeId: randomUUID(), memberId: demoIds.son } },
    });
    expect([otp.status, otp.body.code]).toEqual([403, 'operator-proof-refused']);
    expect(await settledSnapshot(server)).toEqual(before);
    // The operator's own signed admission goes through.
    const genuine = await push([medcoA.sign(admit(medcoA.operatorId, demoIds.daughter))]);
    expect(answersOf(genuine).map((a) => a.status)).toEqual([200]);
  });

  it('a signed mutation replayed under another operator id, command id or body is refused', async () => {
    const signed = medcoA.sign(admit(medcoA.operatorId, demoIds.mother));
    const before = await settledSnapshot(server);
    const replayed = await push([
      { ...signed, operatorId: otherOperatorId },
      { ...signed, sequence: 2, commandId: randomUUID() },
      { ...signed, sequence: 3, body: { ...signed.body, identityMethod: 'face' } },
    ]);
    expect(answersOf(replayed).map((a) => [a.status, a.answer.details?.reason])).toEqual([
      [403, 'wrong-key'],
      [403, 'bad-signature'],
      [403, 'bad-signature'],
    ]);
    // A search proof replayed for another member.
    const proof = medcoA.requestProof('identify-member', { by: 'scheme-id', value: 'PMJ-S1000004' });
    const other = await server.raw('POST', '/sync/identify', {
      headers: { authorization: desk },
      payload: { operatorId: medcoA.operatorId, by: 'scheme-id', value: 'PMJ-S1000003', proof },
    });
    expect([other.status, (other.body.details as { reason?: string }).reason]).toEqual([403, 'bad-signature']);
    const asOther = await server.raw('POST', '/sync/identify', {
      headers: { authorization: desk },
      payload: { operatorId: otherOperatorId, by: 'scheme-id', value: 'PMJ-S1000004', proof },
    });
    expect([asOther.status, (asOther.body.details as { reason?: string }).reason]).toEqual([403, 'wrong-key']);
    expect(await settledSnapshot(server)).toEqual(before);
  });

  it('a key is revoked with its operator: nothing signed with it is taken afterwards, whatever date it carries', async () => {
    const ha = await server.login('ha');
    const signer = await registerOperatorKey(server, desk, 'medco.a2', 'another-long-password');
    const madeBefore = signer.sign(admit(signer.operatorId, demoIds.mother));
    const proofBefore = signer.requestProof('identify-member', { by: 'scheme-id', value: 'PMJ-S1000004' });
    resultOf(await server.command(ha, 'update-operator', { operatorId: signer.operatorId, isActive: false }));
    resultOf(await server.command(ha, 'update-operator', { operatorId: signer.operatorId, isActive: true }));
    const [row] = await server.scratch.db.query<{ revoked_reason: string }>('SELECT revoked_reason FROM operator_keys WHERE id = $1', [signer.keyId]);
    expect(row?.revoked_reason).toBe('operator-deactivated');
    const before = await settledSnapshot(server);
    const pushed = await push([madeBefore]);
    expect(answersOf(pushed).map((a) => [a.status, a.answer.details?.reason])).toEqual([[403, 'key-revoked']]);
    const identify = await server.raw('POST', '/sync/identify', {
      headers: { authorization: desk },
      payload: { operatorId: signer.operatorId, by: 'scheme-id', value: 'PMJ-S1000004', proof: proofBefore },
    });
    expect([identify.status, (identify.body.details as { reason?: string }).reason]).toEqual([403, 'key-revoked']);
    expect(await settledSnapshot(server)).toEqual(before);
    // Signing in online again (reactivated) gives a new key that works.
    const renewed = await registerOperatorKey(server, desk, 'medco.a2', 'another-long-password');
    expect(answersOf(await push([renewed.sign(admit(renewed.operatorId, demoIds.mother))])).map((a) => a.status)).toEqual([200]);
  });

  it('an operator of another hospital cannot get a key at this desk; a key must prove its private half', async () => {
    const medcoB = await server.login('medco.b');
    const medco = await server.login('medco.a');
    const keys = newOperatorKeyPair();
    const [b] = await server.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'medco.b'");
    const possession = signBytes(privateKeyOf(keys.privateKeyDer), keyRegistrationBytes(demoIds.deskA, b!.id, keys.publicKey));
    const before = await settledSnapshot(server);
    const wrongHospital = await server.raw('POST', '/sync/operator-keys', {
      token: medcoB,
      headers: { 'x-coverdesk-desk': desk },
      payload: { publicKey: keys.publicKey, possession },
    });
    expect([wrongHospital.status, wrongHospital.body.code]).toEqual([403, 'forbidden-role']);
    const notPossessed = await server.raw('POST', '/sync/operator-keys', {
      token: medco,
      headers: { 'x-coverdesk-desk': desk },
      payload: { publicKey: keys.publicKey, possession },
    });
    expect([notPossessed.status, notPossessed.body.code]).toEqual([400, 'invalid-input']);
    expect(String(notPossessed.body.message)).toMatch(/signature of its own registration/);
    expect(await settledSnapshot(server)).toEqual(before);
  });

  it('a change made while its key was valid verifies when pushed days later; one made after expiry or replacement does not', async () => {
    const signer = await registerOperatorKey(server, desk, 'medco.a');
    const issuedAt = clockMs;
    const lookup = (sequence: number) => ({
      sequence,
      commandId: randomUUID(),
      name: 'identify-member',
      operatorId: signer.operatorId,
      body: { by: 'scheme-id', value: 'PMJ-S1000004' },
    });
    const madeOffline = signer.sign(lookup(1), new Date(issuedAt + operatorKeyLifetimeMs - 3600_000).toISOString());
    const madeAfterExpiry = signer.sign(lookup(2), new Date(issuedAt + operatorKeyLifetimeMs + 60_000).toISOString());
    const madeBeforeKey = signer.sign(lookup(3), new Date(issuedAt - 3600_000).toISOString());
    clockMs = issuedAt + operatorKeyLifetimeMs + 2 * 24 * 3600_000; // the desk gets through two days after the key expired
    try {
      const pushed = await push([madeOffline, madeAfterExpiry, madeBeforeKey]);
      expect(answersOf(pushed).map((a) => [a.status, a.answer.details?.reason ?? null])).toEqual([
        [200, null],
        [403, 'key-expired'],
        [403, 'not-yet-valid'],
      ]);
    } finally {
      clockMs = issuedAt;
    }
    // The operator signs in online again at this desk: the old key is replaced. What it signed
    // before the replacement still verifies; what it "signed" after does not.
    const oldBefore = signer.sign(lookup(1), new Date(clockMs).toISOString());
    clockMs += 60_000;
    await registerOperatorKey(server, desk, 'medco.a');
    const oldAfter = signer.sign(lookup(2), new Date(clockMs + 10 * 60_000).toISOString());
    clockMs += 10 * 60_000;
    const pushed = await push([oldBefore, oldAfter]);
    expect(answersOf(pushed).map((a) => [a.status, a.answer.details?.reason ?? null])).toEqual([
      [200, null],
      [403, 'key-superseded'],
    ]);
  });

  it('templates go only to a pull proven by an operator; templates withheld come whole with the next proven pull', async () => {
    const medco = await server.login('medco.a');
    const scope = await admitForEnrolment(server, medco, 'medco.a', demoIds.father, new Date(clockMs));
    resultOf(await server.command(medco, 'enroll-fingerprint', { memberId: demoIds.father, ...scope, template: randomBytes(512).toString('base64') }));
    const pullAll = async (headers: Record<string, string>) => {
      const documents: { table: string; id: string }[] = [];
      let checkpoint: unknown = null;
      for (let page = 0; page < 50; page += 1) {
        const url = `/sync/pull?limit=200${checkpoint ? `&checkpoint=${encodeURIComponent(JSON.stringify(checkpoint))}` : ''}`;
        const answer = await server.raw('GET', url, { headers: { authorization: desk, ...headers } });
        expect(answer.status).toBe(200);
        documents.push(...(answer.body.documents as { table: string; id: string }[]));
        checkpoint = answer.body.checkpoint;
        if (answer.body.hasMore !== true) break;
      }
      return { documents, checkpoint };
    };
    const withoutProof = await pullAll({});
    expect(withoutProof.documents.filter((d) => d.table === 'biometrics')).toEqual([]);
    expect(withoutProof.documents.some((d) => d.table === 'members')).toBe(true);
    // A stale proof or one of another desk's operator is no proof.
    const stale = await pullAll({ 'x-coverdesk-operator-proof': medcoA.pullHeader(new Date(clockMs - 3600_000).toISOString()) });
    expect(stale.documents.filter((d) => d.table === 'biometrics')).toEqual([]);
    // The next pull with a proof continues from the checkpoint the unproven pulls reached, and
    // still gets the enrolment made before it: the templates withheld come whole. (Signed at the
    // server's clock, which an earlier test moved.)
    const signer = await registerOperatorKey(server, desk, 'medco.a');
    const signedAt = () => new Date(clockMs).toISOString();
    const query = `/sync/pull?limit=200&checkpoint=${encodeURIComponent(JSON.stringify(stale.checkpoint))}`;
    const proven = await server.raw('GET', query, { headers: { authorization: desk, 'x-coverdesk-operator-proof': signer.pullHeader(signedAt()) } });
    expect((proven.body.documents as { table: string }[]).filter((d) => d.table === 'biometrics')).toHaveLength(1);
    const [mark] = await server.scratch.db.query<{ templates_withheld_at: Date | null }>('SELECT templates_withheld_at FROM desks WHERE id = $1', [
      demoIds.deskA,
    ]);
    expect(mark?.templates_withheld_at).toBeNull();
    // Once sent whole, the next proven pull sends only what changed.
    const next = await server.raw('GET', `/sync/pull?limit=200&checkpoint=${encodeURIComponent(JSON.stringify(proven.body.checkpoint))}`, {
      headers: { authorization: desk, 'x-coverdesk-operator-proof': signer.pullHeader(signedAt()) },
    });
    expect((next.body.documents as { table: string }[]).filter((d) => d.table === 'biometrics')).toEqual([]);
  });
});
