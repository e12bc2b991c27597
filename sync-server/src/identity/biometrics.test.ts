import { createHash, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PullAnswerValue } from '@contract/sync';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { admitForEnrolment, verifiedCode } from '../testing/enrolment';
import { registerOperatorKey, type OperatorSigner } from '../testing/operator-keys';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { biometricTransportKey, descriptorBytes, openAtRest, openBiometric } from './biometric-seal';

/** A template shaped like a module's 512-byte character file, recognisable in any dump. */
const template = Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 37 + 11) % 256));
const descriptor = Array.from({ length: 1024 }, (_, index) => Math.round(Math.sin(index + 1) * 1e6) / 1e7);

/** Every way the biometric could show up in text: base64, hex, and the descriptor's numbers. */
function traces(): string[] {
  return [template.toString('base64').slice(0, 40), template.toString('hex').slice(0, 40), descriptor.slice(0, 4).map(String).join(','), String(descriptor[7])];
}

describeEachBackend('biometric enrolment (%s)', (backend) => {
  let server: TestServer;
  let medcoA: string;
  const log: string[] = [];
  let desk: { authorization: string; deskId: string; secret: string };
  /** Templates go only to a pull carrying an operator's proof (issue 13 item 4). */
  let signer: OperatorSigner;
  /** The father's and the son's cases at hospital A, each admitted by a verified one-time code (issue 13 item 5). */
  let father: { caseId: string; otpChallengeId: string };
  let son: { caseId: string; otpChallengeId: string };

  beforeAll(async () => {
    server = await startTestServer(backend, {
      logStream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          log.push(chunk.toString('utf8'));
          done();
        },
      }),
    });
    medcoA = await server.login('medco.a');
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    const credential = String(enrolled.body.credential);
    desk = { authorization: `Desk ${credential}`, deskId: demoIds.deskA, secret: credential.slice(credential.indexOf('.') + 1) };
    signer = await registerOperatorKey(server, desk.authorization, 'medco.a');
    father = await admitForEnrolment(server, medcoA, 'medco.a', demoIds.father);
    son = await admitForEnrolment(server, medcoA, 'medco.a', demoIds.son);
  });
  afterAll(async () => server?.close());

  it('enrols a fingerprint: the answer, the audit entry and the stored command carry no template; the row is sealed', async () => {
    const commandId = randomUUID();
    const answer = await server.command(medcoA, 'enroll-fingerprint', {
      commandId,
      memberId: demoIds.father,
      ...father,
      template: template.toString('base64'),
    });
    const result = resultOf(answer);
    expect(result).toMatchObject({
      memberId: demoIds.father,
      modality: 'fingerprint',
      caseId: father.caseId,
      hospitalId: demoIds.hospitalA,
      secondFactor: 'otp',
    });
    expect(Object.keys(result).sort()).toEqual(['caseId', 'enrolledAt', 'enrolmentId', 'hospitalId', 'memberId', 'modality', 'secondFactor']);

    const replay = await server.command(medcoA, 'enroll-fingerprint', {
      commandId,
      memberId: demoIds.father,
      ...father,
      template: template.toString('base64'),
    });
    expect(replay.isReplay).toBe(true);
    expect(replay.body).toEqual(answer.body);

    const [row] = await server.scratch.db.query<{ sealed: string }>(
      "SELECT sealed FROM biometric_enrolments WHERE member_id = $1 AND modality = 'fingerprint'",
      [demoIds.father],
    );
    expect(row).toBeDefined();
    expect(openAtRest(server.state.keys.biometric, demoIds.father, 'fingerprint', row!.sealed).equals(template)).toBe(true);
    // Bound to its member: the same sealed value does not open as another member's.
    expect(() => openAtRest(server.state.keys.biometric, demoIds.mother, 'fingerprint', row!.sealed)).toThrow();

    await settleAuditChain(server.scratch.db);
    const [audit] = await server.scratch.db.query<{ after: unknown }>("SELECT after FROM audit_log WHERE action = 'biometric-enrolled' AND entity_id = $1", [
      demoIds.father,
    ]);
    expect(audit?.after).toEqual({
      enrolmentId: result.enrolmentId,
      modality: 'fingerprint',
      byteLength: 512,
      caseId: father.caseId,
      hospitalId: demoIds.hospitalA,
      secondFactor: 'otp',
      otpChallengeId: father.otpChallengeId,
    });
  });

  it('enrols a face descriptor, sealed as float32', async () => {
    // The code that identified the patient for the admission backs one enrolment of each modality.
    resultOf(await server.command(medcoA, 'enroll-face', { memberId: demoIds.father, ...father, descriptor }));
    const [row] = await server.scratch.db.query<{ sealed: string }>("SELECT sealed FROM biometric_enrolments WHERE member_id = $1 AND modality = 'face'", [
      demoIds.father,
    ]);
    expect(openAtRest(server.state.keys.biometric, demoIds.father, 'face', row!.sealed).equals(descriptorBytes(descriptor))).toBe(true);
  });

  it("refuses a second enrolment of the same finger or face (409, stored), so a desk cannot swap a patient's biometric", async () => {
    const fresh = { caseId: father.caseId, otpChallengeId: await verifiedCode(server.scratch.db, demoIds.father, 'medco.a') };
    const again = await server.command(medcoA, 'enroll-fingerprint', { memberId: demoIds.father, ...fresh, template: Buffer.alloc(512, 1).toString('base64') });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('biometric-already-enrolled');
    expect(String(again.body.message)).toMatch(/already enrolled.*request a replacement/);
    const face = await server.command(medcoA, 'enroll-face', { memberId: demoIds.father, ...fresh, descriptor });
    expect(face.body.code).toBe('biometric-already-enrolled');
  });

  it('bad templates and descriptors: 400 with a sentence, nothing written', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['enroll-fingerprint', { memberId: demoIds.son, template: 'not base64!' }],
      ['enroll-fingerprint', { memberId: demoIds.son, template: Buffer.alloc(8).toString('base64') }],
      ['enroll-fingerprint', { memberId: demoIds.son, template: Buffer.alloc(5000).toString('base64') }],
      ['enroll-fingerprint', { memberId: demoIds.son, template: 12345 }],
      ['enroll-face', { memberId: demoIds.son, descriptor: [0.1, 0.2, 0.3] }],
      ['enroll-face', { memberId: demoIds.son, descriptor: descriptor.map(String) }],
      ['enroll-face', { memberId: demoIds.son, descriptor: descriptor.map((value, index) => (index === 3 ? 1e9 : value)) }],
      ['enroll-face', { memberId: demoIds.son, descriptor: Array.from({ length: 5000 }, () => 0.01) }],
      ['enroll-face', { memberId: demoIds.son, descriptor, extra: true }],
      ['enroll-face', { memberId: demoIds.son, descriptor: descriptor.map(() => 0) }],
    ];
    for (const [name, body] of cases) {
      await settleAuditChain(server.scratch.db);
      const before = await snapshotDatabase(server.scratch.db);
      const answer = await server.raw('POST', `/commands/${name}`, { token: medcoA, payload: { commandId: randomUUID(), ...son, ...body } });
      expect(answer.status, `${name} ${JSON.stringify(answer.body)}`).toBe(400);
      expect(answer.body.code).toBe('invalid-input');
      expect(String(answer.body.message).length).toBeGreaterThan(10);
      await settleAuditChain(server.scratch.db);
      expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    }
  });

  it("the pull feed carries the enrolments of the desk's members, sealed for that desk only", async () => {
    const answer = await server.raw('GET', '/sync/pull?limit=5000', {
      headers: { authorization: desk.authorization, 'x-coverdesk-operator-proof': signer.pullHeader() },
    });
    expect(answer.status).toBe(200);
    const documents = (answer.body as unknown as PullAnswerValue).documents.filter((document) => document.table === 'biometrics');
    const fingerprint = documents.find((document) => document.row.memberId === demoIds.father && document.row.modality === 'fingerprint');
    expect(fingerprint).toBeDefined();
    expect(fingerprint!.row.sealed).toBeUndefined();
    const sealedForDesk = String(fingerprint!.row.sealedForDesk);
    const key = biometricTransportKey(desk.deskId, createHash('sha256').update(desk.secret).digest('hex'));
    expect(openBiometric(key, demoIds.father, 'fingerprint', sealedForDesk).equals(template)).toBe(true);
    // Desk B's key (or the at-rest key) does not open it.
    expect(() =>
      openBiometric(biometricTransportKey(demoIds.deskB, createHash('sha256').update(desk.secret).digest('hex')), demoIds.father, 'fingerprint', sealedForDesk),
    ).toThrow();
    expect(() => openAtRest(server.state.keys.biometric, demoIds.father, 'fingerprint', sealedForDesk)).toThrow();
    expect(JSON.stringify(answer.body)).not.toContain(template.toString('base64').slice(0, 40));
  });

  it('an enrolment that does not open (a sealed value copied from another member) is left out of the pull, not a failed pull', async () => {
    resultOf(await server.command(medcoA, 'enroll-fingerprint', { memberId: demoIds.son, ...son, template: Buffer.alloc(512, 3).toString('base64') }));
    await server.scratch.db.query(
      "UPDATE biometric_enrolments SET sealed = (SELECT sealed FROM biometric_enrolments WHERE member_id = $1 AND modality = 'fingerprint') WHERE member_id = $2",
      [demoIds.father, demoIds.son],
    );
    const answer = await server.raw('GET', '/sync/pull?limit=5000', {
      headers: { authorization: desk.authorization, 'x-coverdesk-operator-proof': signer.pullHeader() },
    });
    expect(answer.status).toBe(200);
    const members = (answer.body as unknown as PullAnswerValue).documents
      .filter((document) => document.table === 'biometrics')
      .map((document) => document.row.memberId);
    expect(members).toContain(demoIds.father);
    expect(members).not.toContain(demoIds.son);
  });

  it('no template or descriptor bytes in the server log, the audit log or the stored command answers', async () => {
    expect(log.length).toBeGreaterThan(5);
    const text = log.join('\n');
    const rows = JSON.stringify(
      await server.scratch.db.query(
        'SELECT a.after::text AS after, c.answer::text AS answer FROM audit_log a FULL JOIN commands c ON c.command_id = a.command_id',
      ),
    );
    for (const trace of traces()) {
      expect(text).not.toContain(trace);
      expect(rows).not.toContain(trace);
    }
  });
});
