import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskResult } from '../desk-api/contract';
import { demoIds } from '../../sync-server/src/demo/seed';
import { resultOf, startTestServer, type TestServer } from '../../sync-server/src/testing/harness';
import { elfBytes, jpegBytes, pdfBytes } from '../../sync-server/src/testing/documents';
import { FaultProxy } from '../../tests/support/fault-proxy';
import { DeskBackend, type DeskBackendOptions } from './backend';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
const megabyte = 1024 * 1024;

/**
 * The desk's document queue (issue 19) against a real server through a real TCP proxy that cuts
 * the line: documents queued offline with the command that needs them, uploaded with tus in the
 * outbox's order, resumed from the server's offset after a cut at 50 % and a desk restart, and
 * never attached twice when the server's answer is lost after it attached.
 */
describe('documents queued at a real desk (PGlite server, cut proxy)', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-documents-'));
  const scanner = join(dir, 'scanner');
  const options = (): DeskBackendOptions => ({
    dataDir: join(dir, 'desk'),
    scannerFolder: scanner,
    signInFallbackMs: 15_000,
    documentChunkBytes: 4 * megabyte,
    sync: { backoffBaseMs: 50, backoffMaxMs: 300, safetyPullMs: 600_000 },
  });
  let desk: DeskBackend;
  let caseId = '';

  /** Sync until nothing waits (outbox and documents) or `cycles` runs out; a cycle may fail while the line is down. */
  async function syncedOut(cycles = 40): Promise<void> {
    for (let cycle = 0; cycle < cycles && (desk.engine.current().pendingMutations > 0 || desk.documents.pendingCount() > 0); cycle += 1)
      await desk.engine.requestSync();
    expect(desk.engine.current().pendingMutations).toBe(0);
    expect(desk.documents.pendingCount()).toBe(0);
  }
  const serverDocuments = async (sha256?: string) =>
    server.scratch.db.query<{ id: string; stage: string; kind: string; size_bytes: number }>(
      `SELECT id, stage, kind, size_bytes FROM case_documents WHERE case_id = $1 ${sha256 ? 'AND sha256 = $2' : ''}`,
      sha256 ? [caseId, sha256] : [caseId],
    );

  beforeAll(async () => {
    mkdirSync(scanner, { recursive: true });
    server = await startTestServer('pglite', { extraFamilies: 0 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
    await proxy.start();
    const ha = await server.login('ha');
    resultOf(
      await server.command(ha, 'set-document-requirements', { packageCode: 'MG012A', stage: 'preauth', kinds: ['clinical-notes'], reason: 'desk queue test' }),
    );
    const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: ha, payload: {} });
    desk = new DeskBackend(options());
    value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
    await desk.engine.requestSync();
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    caseId = value(await desk.handlers['cases.admit']({ memberId: demoIds.son, identityMethod: 'fingerprint' })).caseId;
    await syncedOut();
    // A PGlite server, an enrollment and a first sync: a minute on a loaded machine.
  }, 300_000);
  afterAll(async () => {
    await desk?.stop();
    await proxy?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an executable renamed .pdf is refused at the desk with the sentence; nothing is queued', async () => {
    const spoof = await desk.handlers['documents.attach']({
      caseId,
      stage: 'preauth',
      kind: 'clinical-notes',
      source: { from: 'file', name: 'notes.pdf', base64: elfBytes().toString('base64') },
    });
    expect(spoof).toMatchObject({ ok: false, error: { code: 'unsupported-media-type' } });
    expect(spoof.ok ? '' : spoof.error.message).toMatch(/"notes\.pdf" is not a PDF, JPEG or PNG file \(its content was checked, not its name\)/);
    expect(desk.documents.pendingCount()).toBe(0);
    expect(readdirSync(join(dir, 'desk'))).not.toContain('documents');
  });

  it('the checklist says what is missing before the pre-auth; online it is the server’s', async () => {
    const view = value(await desk.handlers['documents.view']({ caseId, packageCode: 'MG012A' }));
    expect(view).toMatchObject({ caseId, packageCode: 'MG012A', isFresh: true, attached: [], queued: [] });
    expect(view.checklist.find((stage) => stage.stage === 'preauth')).toMatchObject({ required: ['clinical-notes'], missing: ['clinical-notes'] });
  });

  it('offline: a 20 MB scan and the pre-auth queue; cut at 50 %, restarted, resumed from the offset, then the pre-auth holds', async () => {
    proxy.setOffline(true);
    // A 20 MB scan in the scanner folder (a PDF by its first bytes).
    const scan = Buffer.concat([pdfBytes('twenty-megabyte clinical notes'), Buffer.alloc(20 * megabyte, 0x20)]);
    writeFileSync(join(scanner, 'clinical-notes.pdf'), scan);
    expect(value(await desk.handlers['documents.scannerFiles']({})).files.map((file) => file.fileName)).toEqual(['clinical-notes.pdf']);
    const queued = value(
      await desk.handlers['documents.attach']({
        caseId,
        stage: 'preauth',
        kind: 'clinical-notes',
        source: { from: 'scanner', fileName: 'clinical-notes.pdf' },
      }),
    );
    expect(queued).toMatchObject({ state: 'pending', sizeBytes: scan.length, mediaType: 'application/pdf', uploadedBytes: 0 });
    value(await desk.handlers['cases.requestPreauth']({ caseId, packageCode: 'MG012A' }));
    // Offline, the desk's checklist counts the queued notes as provided (they go before the pre-auth).
    const offline = value(await desk.handlers['documents.view']({ caseId, packageCode: 'MG012A' }));
    expect(offline.isFresh).toBe(false);
    expect(offline.checklist.find((stage) => stage.stage === 'preauth')?.missing).toEqual([]);

    // Back online on a line that drops half way through the file.
    proxy.countFromZero();
    proxy.cutAfter(Math.floor(scan.length / 2));
    proxy.setOffline(false);
    await desk.engine.requestSync();
    expect(desk.documents.pendingCount()).toBe(1);
    // The pre-auth waited for its document: the server has neither a pre-auth nor a hold.
    expect(await server.scratch.db.query('SELECT 1 FROM preauths WHERE case_id = $1', [caseId])).toHaveLength(0);
    expect(desk.engine.current().pendingMutations).toBe(1);
    const [cut] = desk.db.prepare('SELECT upload_url AS url, uploaded_bytes AS bytes FROM document_uploads').all() as { url: string; bytes: number }[];
    expect(cut!.url).toMatch(/\/sync\/documents\/uploads\/[0-9a-f-]{36}$/);
    // The offset the server confirmed before the cut: two whole 4 MB chunks (the third was in flight).
    expect(cut!.bytes).toBe(8 * megabyte);

    // The desk restarts mid-upload: the URL and offset are in its replica.
    await desk.stop();
    desk = new DeskBackend(options());
    value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
    proxy.setOffline(false);
    proxy.countFromZero();
    await syncedOut();
    // Resumed from the server's offset, not from zero: well under the whole file went the second time.
    expect(proxy.sentToServer).toBeLessThan(scan.length * 0.6);
    const [attached] = desk.db.prepare('SELECT state, outcome, document_id AS documentId FROM document_uploads').all() as {
      state: string;
      outcome: string;
      documentId: string;
    }[];
    expect(attached).toMatchObject({ state: 'attached', outcome: 'attached' });
    expect(await serverDocuments()).toEqual([{ id: attached!.documentId, stage: 'preauth', kind: 'clinical-notes', size_bytes: scan.length }]);
    // The desk's copy of the file is gone once attached.
    expect(readdirSync(join(dir, 'desk', 'documents'))).toEqual([]);
    // The pre-auth went after its document: accepted, holding the package.
    const [answer] = desk.db.prepare("SELECT status FROM outbox WHERE name = 'request-preauth'").all() as { status: number }[];
    expect(answer?.status).toBe(200);
    expect(await server.scratch.db.query('SELECT 1 FROM preauths WHERE case_id = $1', [caseId])).toHaveLength(1);
  }, 180_000);

  it('the answer to the last PATCH lost after the server attached: sent again, attached once', async () => {
    const photo = Buffer.concat([jpegBytes(7), Buffer.alloc(300_000, 0x11)]);
    proxy.setOffline(false);
    // The server attaches the photo; its answer never reaches the desk (a crash, a dropped line).
    proxy.loseAnswerMatching((chunk) => chunk.includes('"outcome":"attached"'));
    const queued = value(
      await desk.handlers['documents.attach']({
        caseId,
        stage: 'query-response',
        kind: 'photo',
        source: { from: 'camera', name: 'report-photo.jpg', base64: photo.toString('base64') },
      }),
    );
    await desk.engine.requestSync();
    expect(await serverDocuments(queued.sha256)).toHaveLength(1);
    expect(desk.documents.pendingCount()).toBe(1);
    proxy.setOffline(false);
    await syncedOut();
    // The retry found no upload to resume, sent the file anew, and the server answered the document it already had.
    const view = value(await desk.handlers['documents.view']({ caseId }));
    expect(view.queued.find((item) => item.uploadKey === queued.uploadKey)).toMatchObject({ state: 'attached', isAlreadyAttached: true });
    const documents = await serverDocuments(queued.sha256);
    expect(documents).toHaveLength(1);
    expect(view.queued.find((item) => item.uploadKey === queued.uploadKey)?.documentId).toBe(documents[0]!.id);
    expect(view.attached.map((document) => document.documentId)).toContain(documents[0]!.id);
  }, 120_000);
});
