import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../desk-api/contract';
import { demoIds } from '../../sync-server/src/demo/seed';
import { admitForEnrolment } from '../../sync-server/src/testing/enrolment';
import { startTestServer, type TestServer, resultOf } from '../../sync-server/src/testing/harness';
import { DeskBackend } from './backend';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
const face = Array.from({ length: 1024 }, (_, index) => Math.sin(index + 1));
/** The same face captured again, with some noise: similar, not identical. */
const again = face.map((v, index) => v + 0.2 * Math.cos(index * 3));

/**
 * Issue 13 item 6 at the desk: the admission names what matched. The face engine's match on the
 * member's cached enrolment (its server id came with the pull) is recorded by the desk process and
 * goes with that operator's admission of that member, signed for the case; the server verifies it
 * and the case is not listed for review. An admission by face without a match carries nothing, and
 * the server lists it.
 */
describe('match evidence from a real desk (PGlite server)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { extraFamilies: 0 });
    await server.scratch.db.query('UPDATE schemes SET identity_sample_bp = 0');
    await server.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => server?.close());

  it('a face match goes with the admission as signed evidence and verifies; an admission without one is listed for review', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-match-evidence-'));
    dirs.push(dir);
    const desk = new DeskBackend({ dataDir: dir, signInFallbackMs: 200, sync: { backoffBaseMs: 50, backoffMaxMs: 500 } });
    try {
      const ha = await server.login('ha');
      const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
      const url = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
      value(await desk.handlers['enrollment.enroll']({ serverUrl: url, code: String(issued.body.code) }));
      await desk.engine.requestSync();
      value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
      // Enrolled during an earlier stay here, on a verified code (issue 13 item 5), the stay then cancelled.
      const medco = await server.login('medco.a');
      const scope = await admitForEnrolment(server, medco, 'medco.a', demoIds.son);
      value(await desk.handlers['identity.enrollFace']({ memberId: demoIds.son, ...scope, descriptor: face }));
      resultOf(await server.command(medco, 'cancel-case', { caseId: scope.caseId, reason: 'Enrolment visit over' }));
      // Enrolled here: the enrolment's server id arrives with the next pull.
      await desk.engine.requestSync();
      const [enrolment] = await server.scratch.db.query<{ id: string }>("SELECT id FROM biometric_enrolments WHERE member_id = $1 AND modality = 'face'", [
        demoIds.son,
      ]);
      expect(desk.db.prepare("SELECT enrolment_id AS id FROM biometric_enrolments WHERE modality = 'face'").get()).toEqual({ id: enrolment!.id });

      expect(value(await desk.handlers['identity.verifyFace']({ memberId: demoIds.son, descriptor: again, liveness: 0.9 })).matched).toBe(true);
      const { caseId } = value(await desk.handlers['cases.admit']({ memberId: demoIds.son, identityMethod: 'face' }));
      const queued = JSON.parse((desk.db.prepare("SELECT body FROM outbox WHERE name = 'admit'").get() as { body: string }).body) as {
        evidence?: { kind: string; enrolmentId: string; score: number; signature: string };
      };
      expect(queued.evidence).toMatchObject({ kind: 'face', enrolmentId: enrolment!.id, score: expect.any(Number), signature: expect.any(String) });
      await desk.engine.requestSync();
      expect(await server.scratch.db.query('SELECT outcome, sampled FROM admission_evidence WHERE case_id = $1', [caseId])).toEqual([
        { outcome: 'verified', sampled: false },
      ]);
      expect(await server.scratch.db.query('SELECT method FROM identity_overrides WHERE case_id = $1', [caseId])).toEqual([]);

      // The match was used once: the daughter admitted "by face" with no match of hers carries nothing, and is listed.
      const unmatched = value(await desk.handlers['cases.admit']({ memberId: demoIds.daughter, identityMethod: 'face' }));
      await desk.engine.requestSync();
      expect(await server.scratch.db.query('SELECT method FROM identity_overrides WHERE case_id = $1', [unmatched.caseId])).toEqual([
        { method: 'unverified-evidence' },
      ]);
      // A document admission carries the operator's attestation of what was shown.
      value(
        await desk.handlers['cases.admit']({ memberId: demoIds.mother, identityMethod: 'document', document: { type: 'health-card', numberLast4: '0002' } }),
      );
      await desk.engine.requestSync();
      expect(
        await server.scratch.db.query('SELECT e.outcome, e.document_type FROM admission_evidence e JOIN cases c ON c.id = e.case_id WHERE c.member_id = $1', [
          demoIds.mother,
        ]),
      ).toEqual([{ outcome: 'attested', document_type: 'health-card' }]);
    } finally {
      await desk.stop();
    }
  });
});
