import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { FingerprintModuleSimulator } from '../../native/fingerprint-uart/simulator';
import { openPtyPair, type PtyPair } from '../../native/testing/pty-pair';
import { demoIds } from '../../sync-server/src/demo/seed';
import { FaultProxy } from '../support/fault-proxy';
import { admitForEnrolment } from '../../sync-server/src/testing/enrolment';
import { startTestServer, type TestServer } from '../../sync-server/src/testing/harness';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** A deterministic pseudo-random unit-ish vector: the shape of a face embedding, no face needed for the desk's maths. */
function vector(seed: number, length = 1024): number[] {
  let state = seed;
  return Array.from({ length }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648 - 0.5;
  });
}
const faceA = vector(7);
const faceAAgain = faceA.map((value, index) => value + (vector(99)[index] ?? 0) * 0.2);
const faceB = vector(1234);

interface Desk {
  backend: DeskBackend;
  simulator: FingerprintModuleSimulator;
  pair: PtyPair;
  dir: string;
  proxy: FaultProxy;
}

/**
 * Biometric identity at two desks against a real server, each with the fingerprint module
 * simulator on a real pseudo-terminal: enrol at desk A, verify there, and verify at desk B from
 * the enrolment that reached it through the pull feed. Everything the server and the desks print
 * meanwhile is captured and searched for template and descriptor bytes.
 */
describe('fingerprint and face at the desk, enrolled once, verified at any desk (PGlite)', () => {
  let server: TestServer;
  const desks: Desk[] = [];
  const output: string[] = [];
  const restore: (() => void)[] = [];
  let deskA: Desk;
  let deskB: Desk;
  /** The father's case at A and the code that identified him (set by the enrolment test). */
  let fatherScope: { memberId: string; caseId: string; otpChallengeId: string };

  const startDesk = async (deskId: string, username: string, port: number): Promise<Desk> => {
    // Each desk reaches the server through a proxy that can cut it off.
    const proxy = new FaultProxy(port);
    await proxy.start();
    const pair = await openPtyPair();
    const simulator = await FingerprintModuleSimulator.open(pair.simulatorPath);
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-bio-'));
    const backend = new DeskBackend({
      dataDir: dir,
      sync: { backoffBaseMs: 50, backoffMaxMs: 500 },
      devices: { fingerprint: { kind: 'uart', path: pair.devicePath } },
      fingerTimeoutMs: 1_500,
    });
    const issued = await server.raw('POST', `/desks/${deskId}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
    value(await backend.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    backend.start();
    value(await backend.handlers['session.signIn']({ username, password: 'coverdesk-demo' }));
    await backend.engine.requestSync();
    for (let waited = 0; backend.devices.fingerprintModule() === null; waited += 25) {
      if (waited > 8_000) throw new Error('the fingerprint module did not come up');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const desk = { backend, simulator, pair, dir, proxy };
    desks.push(desk);
    return desk;
  };

  beforeAll(async () => {
    // Everything this process prints from here on: the desks run in it, the server logs into `output`.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return write(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => {
        stream.write = write;
      });
    }
    server = await startTestServer('pglite', {
      logStream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          output.push(chunk.toString('utf8'));
          done();
        },
      }),
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.app.server.address() as { port: number }).port;
    deskA = await startDesk(demoIds.deskA, 'medco.a', port);
    deskB = await startDesk(demoIds.deskB, 'medco.b', port);
  });
  afterAll(async () => {
    for (const undo of restore) undo();
    for (const desk of desks) {
      await desk.backend.stop();
      await desk.simulator.close();
      await desk.pair.close();
      await desk.proxy.stop();
      rmSync(desk.dir, { recursive: true, force: true });
    }
    await server?.close();
  });

  it('says what is missing before anything is enrolled', async () => {
    expect(value(await deskA.backend.handlers['identity.enrolments']({ memberId: demoIds.father }))).toEqual({
      fingerprint: null,
      face: null,
      isFingerprintReaderReady: true,
    });
    deskA.simulator.placeFinger('father/right-index');
    expect(await deskA.backend.handlers['identity.verifyFingerprint']({ memberId: demoIds.father })).toMatchObject({
      ok: false,
      error: { code: 'not-enrolled' },
    });
    expect(await deskA.backend.handlers['identity.verifyFace']({ memberId: demoIds.father, descriptor: faceA, liveness: 0.9 })).toMatchObject({
      ok: false,
      error: { code: 'not-enrolled' },
    });
  });

  it('enrols a finger with two captures on the reader, stored on the server, cached sealed at the desk', async () => {
    // Place, lift, place again: one GenImg poll each way is enough for the driver.
    deskA.simulator.scriptFinger([
      { finger: { kind: 'present', identity: 'father/right-index', quality: 90 }, polls: 1 },
      { finger: { kind: 'absent' }, polls: 1 },
      { finger: { kind: 'present', identity: 'father/right-index', quality: 85 }, polls: 1 },
      { finger: { kind: 'absent' } },
    ]);
    // Enrolment is for a patient admitted here, on a verified one-time code (issue 13 item 5): the father is admitted at A by one.
    fatherScope = { memberId: demoIds.father, ...(await admitForEnrolment(server, await server.login('medco.a'), 'medco.a', demoIds.father)) };
    const elsewhere = await deskA.backend.handlers['identity.enrollFingerprint']({ ...fatherScope, caseId: randomUUID() });
    expect(elsewhere).toMatchObject({ ok: false, error: { code: 'enrolment-out-of-scope', message: expect.stringMatching(/admitted at your hospital/) } });
    deskA.simulator.scriptFinger([
      { finger: { kind: 'present', identity: 'father/right-index', quality: 90 }, polls: 1 },
      { finger: { kind: 'absent' }, polls: 1 },
      { finger: { kind: 'present', identity: 'father/right-index', quality: 85 }, polls: 1 },
      { finger: { kind: 'absent' } },
    ]);
    const enrolled = value(await deskA.backend.handlers['identity.enrollFingerprint'](fatherScope));
    expect(Number.isNaN(Date.parse(enrolled.enrolledAt))).toBe(false);
    const [row] = await server.scratch.db.query<{ modality: string }>('SELECT modality FROM biometric_enrolments WHERE member_id = $1', [demoIds.father]);
    expect(row?.modality).toBe('fingerprint');
    expect(value(await deskA.backend.handlers['identity.enrolments']({ memberId: demoIds.father })).fingerprint).toBe(enrolled.enrolledAt);
    expect(await deskA.backend.handlers['identity.enrollFingerprint'](fatherScope)).toMatchObject({
      ok: false,
      error: { code: 'biometric-already-enrolled' },
    });
  });

  it('verifies the right finger, refuses another finger, and turns reader problems into sentences', async () => {
    deskA.simulator.placeFinger('father/right-index');
    const right = value(await deskA.backend.handlers['identity.verifyFingerprint']({ memberId: demoIds.father }));
    expect(right.matched).toBe(true);
    expect(right.score).toBeGreaterThan(0);
    deskA.simulator.placeFinger('someone-else/right-index');
    const wrong = value(await deskA.backend.handlers['identity.verifyFingerprint']({ memberId: demoIds.father }));
    expect(wrong).toMatchObject({ matched: false, score: 0 });
    expect(wrong.detail).toMatch(/does not match/);
    deskA.simulator.placeFinger('father/right-index', 10);
    const smudged = await deskA.backend.handlers['identity.verifyFingerprint']({ memberId: demoIds.father });
    expect(smudged).toMatchObject({ ok: false, error: { code: 'fingerprint-image-too-messy', message: expect.stringMatching(/Wipe the glass/) } });
    deskA.simulator.liftFinger();
    const none = await deskA.backend.handlers['identity.verifyFingerprint']({ memberId: demoIds.father });
    expect(none).toMatchObject({ ok: false, error: { code: 'fingerprint-no-finger-timeout', message: expect.stringMatching(/No finger was placed/) } });
  });

  it("enrols a face and compares captures with the desk's threshold; a low liveness score never matches", async () => {
    expect(await deskA.backend.handlers['identity.enrollFace']({ ...fatherScope, descriptor: [1, 2, 3] })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    value(await deskA.backend.handlers['identity.enrollFace']({ ...fatherScope, descriptor: faceA }));
    const same = value(await deskA.backend.handlers['identity.verifyFace']({ memberId: demoIds.father, descriptor: faceAAgain, liveness: 0.9 }));
    expect(same.matched).toBe(true);
    expect(same.similarity).toBeGreaterThanOrEqual(same.threshold);
    const other = value(await deskA.backend.handlers['identity.verifyFace']({ memberId: demoIds.father, descriptor: faceB, liveness: 0.9 }));
    expect(other.matched).toBe(false);
    expect(other.similarity).toBeLessThan(other.threshold);
    const photo = value(await deskA.backend.handlers['identity.verifyFace']({ memberId: demoIds.father, descriptor: faceA, liveness: 0.1 }));
    expect(photo.matched).toBe(false);
    expect(photo.detail).toMatch(/live person/);
  });

  it('desk B gets both enrolments through its pull once the family is in its scope, and verifies with them', async () => {
    value(await deskB.backend.handlers['members.identify']({ by: 'scheme-id', value: 'PMJ-S1000001' }));
    await deskB.backend.engine.requestSync();
    const held = value(await deskB.backend.handlers['identity.enrolments']({ memberId: demoIds.father }));
    expect(held.fingerprint).not.toBeNull();
    expect(held.face).not.toBeNull();
    deskB.simulator.placeFinger('father/right-index');
    expect(value(await deskB.backend.handlers['identity.verifyFingerprint']({ memberId: demoIds.father })).matched).toBe(true);
    deskB.simulator.placeFinger('mother/right-index');
    expect(value(await deskB.backend.handlers['identity.verifyFingerprint']({ memberId: demoIds.father })).matched).toBe(false);
    expect(value(await deskB.backend.handlers['identity.verifyFace']({ memberId: demoIds.father, descriptor: faceAAgain, liveness: 0.9 })).matched).toBe(true);
  });

  it("verifies offline from the desk's cache; enrolling needs the server and says so", async () => {
    deskB.proxy.setOffline(true);
    try {
      await deskB.backend.engine.requestSync();
      expect(deskB.backend.engine.current().isOnline).toBe(false);
      deskB.simulator.placeFinger('father/right-index');
      expect(value(await deskB.backend.handlers['identity.verifyFingerprint']({ memberId: demoIds.father })).matched).toBe(true);
      expect(value(await deskB.backend.handlers['identity.verifyFace']({ memberId: demoIds.father, descriptor: faceB, liveness: 0.9 })).matched).toBe(false);
      deskB.simulator.scriptFinger([
        { finger: { kind: 'present', identity: 'mother/right-index', quality: 90 }, polls: 1 },
        { finger: { kind: 'absent' }, polls: 1 },
        { finger: { kind: 'present', identity: 'mother/right-index', quality: 90 }, polls: 1 },
        { finger: { kind: 'absent' } },
      ]);
      const offline = await deskB.backend.handlers['identity.enrollFingerprint']({
        memberId: demoIds.mother,
        caseId: randomUUID(),
        otpChallengeId: randomUUID(),
      });
      expect(offline).toMatchObject({ ok: false, error: { code: 'offline-unavailable', message: expect.stringMatching(/needs the server/) } });
      expect(value(await deskB.backend.handlers['identity.enrolments']({ memberId: demoIds.mother })).fingerprint).toBeNull();
    } finally {
      deskB.proxy.setOffline(false);
    }
  });

  it('no template or descriptor in anything printed, in the replica files, or in answers to the screens', async () => {
    const cached = deskA.backend.biometrics.read(demoIds.father, 'fingerprint');
    expect(cached).not.toBeNull();
    const template = Buffer.from(cached!.plaintext);
    cached!.plaintext.fill(0);
    expect(template.length).toBeGreaterThan(100);
    const traces = [
      template.toString('base64').slice(8, 48),
      template.toString('hex').slice(16, 80),
      String(faceA[0]),
      String(faceA[1]).slice(0, 12),
      faceA.slice(0, 3).join(','),
    ];
    const printed = output.join('');
    expect(printed.length).toBeGreaterThan(0);
    for (const trace of traces) expect(printed).not.toContain(trace);
    const middle = template.subarray(4, 36); // the simulator's keyed hash of the finger: the same in every template of it
    for (const desk of desks) {
      for (const file of readdirSync(desk.dir)) {
        const bytes = readFileSync(join(desk.dir, file));
        expect(bytes.includes(middle), file).toBe(false);
        for (const trace of traces) expect(bytes.includes(Buffer.from(trace)), file).toBe(false);
      }
    }
    const answers = JSON.stringify([
      await deskA.backend.handlers['identity.enrolments']({ memberId: demoIds.father }),
      await deskA.backend.handlers['replication.pull']({ collection: 'families', checkpoint: null, limit: 1000 }),
    ]);
    for (const trace of traces) expect(answers).not.toContain(trace);
  });
});
